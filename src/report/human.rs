//! The human reporter: one miette diagnostic per finding, with the masked snippet, the advice and
//! the role, then nothing else (the summary line goes to stderr from `main`).

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, Severity, SourceCode, SourceSpan, SpanContents,
};
use std::fmt::Write as _;
use std::io::{self, Write};

use super::{ReportContext, advice_for};
use crate::finding::{Finding, Level, Origin};
use crate::rules::Registry;
use crate::scan::ScanReport;

/// A finding's masked snippet presented to miette with the file's real line and column numbers.
#[derive(Debug)]
struct SnippetSource {
    path: String,
    text: String,
    line: usize,
    highlight_start: usize,
    column: usize,
}

impl SourceCode for SnippetSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        let column = if span.offset() == self.highlight_start {
            self.column
        } else {
            inner.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.path.clone(),
            inner.data(),
            *inner.span(),
            self.line.saturating_sub(1),
            column,
            inner.line_count(),
        )))
    }
}

fn severity(level: Level) -> Severity {
    match level {
        Level::Error => Severity::Error,
        Level::Warning => Severity::Warning,
        Level::Note => Severity::Advice,
    }
}

fn help(finding: &Finding, registry: &Registry) -> Option<String> {
    let advice = advice_for(registry.knowledge(), finding)?;
    let profile = advice.profile;
    let mut help = String::new();
    if let Some(no_identity) = &profile.no_identity {
        let _ = writeln!(help, "{no_identity}");
    } else {
        let _ = writeln!(help, "{}", profile.summary);
    }
    for (role, when) in &advice.roles {
        let _ = writeln!(
            help,
            "role: {} ({}) when {}",
            role.name,
            role.output_id(),
            when
        );
    }
    if let Some(setting) = profile.settings.first() {
        let _ = writeln!(help, "setting: {setting}");
    }
    let _ = write!(help, "then: {}", profile.disable_key_auth);
    Some(help)
}

/// The head of a history finding's group: which secret, whether HEAD still holds it, and the
/// commit that first recorded it.
fn write_origin(
    out: &mut dyn Write,
    finding: &Finding,
    origin: &Origin,
    number: usize,
    total: usize,
) -> io::Result<()> {
    let fingerprint = finding
        .secret_hash
        .get(..12)
        .unwrap_or(&finding.secret_hash);
    writeln!(
        out,
        "secret {number} of {total}: {} {} (sha256 {fingerprint}…)",
        finding.rule_id, finding.masked
    )?;
    if origin.present_at_head {
        writeln!(
            out,
            "  present at HEAD: rotate it, then remove it from the tree"
        )?;
    } else {
        writeln!(
            out,
            "  removed: no longer at HEAD, but anyone with a clone has it; rotate it (rewriting history is optional)"
        )?;
    }
    let short = origin.commit.get(..12).unwrap_or(&origin.commit);
    writeln!(
        out,
        "  first committed in {short} on {} by {} <{}>: {}",
        origin.date, origin.author, origin.email, origin.summary
    )?;
    writeln!(out, "  at {}:{}", finding.path, finding.start.line)?;
    if !origin.other_paths.is_empty() {
        writeln!(out, "  also committed at {}", origin.other_paths.join(", "))?;
    }
    Ok(())
}

pub(super) fn write(
    report: &ScanReport,
    registry: &Registry,
    context: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let theme = if context.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(context.width)
        .with_links(false);
    let total = report.findings.len();
    for (number, finding) in report.findings.iter().enumerate() {
        if let Some(origin) = finding.origin.as_deref() {
            write_origin(out, finding, origin, number + 1, total)?;
        }
        let snippet = &finding.snippet;
        let label = LabeledSpan::new_primary_with_span(
            Some(format!("{} {}", finding.service, finding.masked)),
            (snippet.highlight.start, snippet.highlight.len()),
        );
        let mut diagnostic = MietteDiagnostic::new(finding.message.clone())
            .with_code(finding.rule_id.clone())
            .with_severity(severity(finding.level))
            .with_label(label);
        if let Some(help) = help(finding, registry) {
            diagnostic = diagnostic.with_help(help);
        }
        let source = SnippetSource {
            path: finding.path.clone(),
            text: snippet.text.clone(),
            line: snippet.line,
            highlight_start: snippet.highlight.start,
            column: finding.start.column.saturating_sub(1),
        };
        let report = miette::Report::new(diagnostic).with_source_code(source);
        let mut rendered = String::new();
        handler
            .render_report(&mut rendered, report.as_ref())
            .map_err(io::Error::other)?;
        writeln!(out, "{rendered}")?;
    }
    Ok(())
}
