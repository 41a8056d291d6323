//! The human reporter: one miette diagnostic per finding, with the masked snippet, the advice and
//! the role, then nothing else (the summary line goes to stderr from `main`).

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, Severity, SourceCode, SourceSpan, SpanContents,
};
use std::fmt::Write as _;
use std::io::{self, Write};

use super::ReportContext;
use super::advice_for;
use crate::finding::{Finding, Level, Origin};
use crate::remediation::advice::RoleSet;
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
    let advice = advice_for(registry, finding)?;
    let mut help = String::new();
    let _ = writeln!(help, "{}", advice.headline());
    if let Some(precondition) = &advice.profile.precondition {
        let _ = writeln!(help, "first: {}", precondition.trim());
    }
    let together = advice.role_set == RoleSet::AllTogether;
    for role in &advice.roles {
        let label = match (together, role.granted) {
            (true, true) => "role (needed together)",
            (true, false) => "role, also",
            _ => "role",
        };
        let _ = writeln!(
            help,
            "{label}: {} ({}) when {}",
            role.role.name,
            role.role.output_id(),
            role.when
        );
    }
    if let Some(setting) = advice.settings().first() {
        let _ = writeln!(help, "setting: {setting}");
    }
    let _ = write!(help, "then: {}", advice.disable_key_auth());
    Some(help)
}

/// Columns miette puts before a source line: a space, the line number and ` │ `.
fn gutter(line: usize) -> usize {
    line.to_string().len() + 4
}

/// Cuts `text` to at most `max_chars` characters around `highlight` (byte range), marking each
/// cut with `…`, so that a long line does not wrap and break the box. Returns the text and the
/// highlight's byte range in it.
fn fit_line(
    text: &str,
    highlight: std::ops::Range<usize>,
    max_chars: usize,
) -> (String, std::ops::Range<usize>) {
    let starts: Vec<usize> = text.char_indices().map(|(at, _)| at).collect();
    let total = starts.len();
    if total <= max_chars || max_chars < 12 {
        return (text.to_owned(), highlight);
    }
    let char_index = |byte: usize| starts.iter().position(|at| *at >= byte).unwrap_or(total);
    let byte_of = |index: usize| starts.get(index).copied().unwrap_or(text.len());
    let (first, last) = (char_index(highlight.start), char_index(highlight.end));
    let budget = max_chars - 2; // an ellipsis may go on each side
    let wanted = last.saturating_sub(first);
    let mut start = first.saturating_sub(budget.saturating_sub(wanted) / 2);
    let end = (start + budget).min(total);
    start = start.min(end.saturating_sub(budget));
    let mut fitted = String::new();
    if start > 0 {
        fitted.push('…');
    }
    let shift = fitted.len();
    fitted.push_str(text.get(byte_of(start)..byte_of(end)).unwrap_or(""));
    if end < total {
        fitted.push('…');
    }
    let clamp = |index: usize| byte_of(index.clamp(start, end)) - byte_of(start) + shift;
    (fitted, clamp(first)..clamp(last))
}

/// The label under the highlight: the service and the masked value, or less when that would run
/// past the right edge (miette hangs it from the highlight's middle).
fn label(
    finding: &Finding,
    text: &str,
    highlight: &std::ops::Range<usize>,
    width: usize,
) -> Option<String> {
    let before = text.get(..highlight.start).unwrap_or("").chars().count();
    let inside = text.get(highlight.clone()).unwrap_or("").chars().count();
    let hangs_at = gutter(finding.snippet.line) + before + inside / 2 + "╰── ".chars().count();
    let full = format!("{} {}", finding.service, finding.masked);
    [full, finding.service.to_string()]
        .into_iter()
        .find(|label| hangs_at + label.chars().count() <= width)
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
        let (text, highlight) = fit_line(
            &snippet.text,
            snippet.highlight.clone(),
            context.width.saturating_sub(gutter(snippet.line)),
        );
        let label = LabeledSpan::new_primary_with_span(
            label(finding, &text, &highlight, context.width),
            (highlight.start, highlight.len()),
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
            text,
            line: snippet.line,
            highlight_start: highlight.start,
            column: finding.start.column.saturating_sub(1),
        };
        let report = miette::Report::new(diagnostic).with_source_code(source);
        let mut rendered = String::new();
        handler
            .render_report(&mut rendered, report.as_ref())
            .map_err(io::Error::other)?;
        writeln!(out, "{rendered}")?;
        // The identity block and role assignment, as JSON's `remediation` carries it, after
        // the box (code keeps its own line breaks and indentation).
        let advice = advice_for(registry, finding);
        if let Some(snippet) = advice.as_ref().and_then(|advice| advice.template.as_ref()) {
            let assignments = if advice
                .as_ref()
                .is_some_and(|advice| advice.granted().count() > 1)
            {
                "assignments"
            } else {
                "assignment"
            };
            writeln!(
                out,
                "  {}: the identity and its role {assignments}",
                snippet.language.as_str()
            )?;
            for line in snippet.code.trim_end().lines() {
                if line.trim().is_empty() {
                    writeln!(out)?;
                } else {
                    writeln!(out, "    {line}")?;
                }
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_around_the_highlight() {
        let text = format!("{}KEY…{}", "a".repeat(80), "b".repeat(80));
        let highlight = 80..80 + "KEY…".len();
        let (fitted, range) = fit_line(&text, highlight, 40);
        assert_eq!(fitted.chars().count(), 40);
        assert!(fitted.starts_with('…') && fitted.ends_with('…'));
        assert_eq!(&fitted[range], "KEY…");
        let (short, range) = fit_line("x = KEY", 4..7, 40);
        assert_eq!((short.as_str(), range), ("x = KEY", 4..7));
    }
}
