//! The GitHub Actions reporter: one workflow command per finding, which GitHub shows as an
//! annotation on the pull request's diff and the run's summary.
//!
//! `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`. Values are escaped as
//! the runner expects (`%`, CR and LF in the message; also `:` and `,` in properties) so a path or
//! message can never end the command early or start another one. The message carries the masked
//! secret at most, never the secret.

use std::io::{self, Write};

use super::annotation_advice;
use crate::finding::Level;
use crate::rules::Registry;
use crate::scan::ScanReport;

fn command(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "notice",
    }
}

/// Escapes the data part of a workflow command (after `::`).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`): the data escapes plus `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub(super) fn write(
    report: &ScanReport,
    registry: &Registry,
    out: &mut dyn Write,
) -> io::Result<()> {
    for finding in &report.findings {
        let title = registry.rule(&finding.rule_id).map_or_else(
            || finding.rule_id.clone(),
            |rule| format!("{} ({})", rule.spec.name, rule.spec.id),
        );
        // The rule's message already names the masked secret where the rule wants it shown.
        let mut message = format!("{}.", finding.message);
        if let Some(origin) = finding.origin.as_deref() {
            let short = origin.commit.get(..12).unwrap_or(&origin.commit);
            let state = if origin.present_at_head {
                "still present at HEAD"
            } else {
                "removed since, still in history"
            };
            message.push_str(&format!(
                "\nFirst committed in {short} ({}, {}): {state}; rotate it.",
                origin.date, origin.author
            ));
        }
        for line in annotation_advice(registry, finding) {
            message.push('\n');
            message.push_str(&line);
        }
        writeln!(
            out,
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            command(finding.level),
            escape_property(&finding.path),
            finding.start.line,
            finding.start.column,
            finding.end.line,
            finding.end.column,
            escape_property(&title),
            escape_data(&message)
        )?;
    }
    for unused in &report.unused_suppressions {
        writeln!(
            out,
            "::warning file={},line={},col={},title={}::{}",
            escape_property(&unused.path),
            unused.line,
            unused.column,
            escape_property("keyless: unused suppression"),
            escape_data(&format!("`{}` suppresses nothing", unused.marker))
        )?;
    }
    for diagnostic in &report.diagnostics {
        writeln!(
            out,
            "::warning file={},title={}::{}",
            escape_property(&diagnostic.path),
            escape_property("keyless: file not scanned"),
            escape_data(&diagnostic.message)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_cannot_be_broken_out_of() {
        assert_eq!(escape_data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(
            escape_property("a,b:c\n::error::x"),
            "a%2Cb%3Ac%0A%3A%3Aerror%3A%3Ax"
        );
    }
}
