//! The Azure Pipelines reporter: one `##vso[task.logissue]` logging command per finding, which a
//! pipeline run shows as an error or warning with the file, line and column.
//!
//! `##vso[task.logissue type=error;sourcepath=…;linenumber=…;columnnumber=…;code=RULE]message`.
//! Azure Pipelines has only errors and warnings, so notes are warnings whose message starts with
//! `note:`. Values are escaped as the agent unescapes them (`%` as `%AZP25`, CR, LF; in
//! properties also `;` and `]`), so a path or message can never end the command early or start
//! another one. The message carries the masked secret at most, never the secret.

use std::io::{self, Write};

use super::annotation_advice;
use crate::finding::Level;
use crate::rules::Registry;
use crate::scan::ScanReport;

/// Escapes a message (after `]`).
fn escape_data(text: &str) -> String {
    text.replace('%', "%AZP25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`sourcepath=`, `code=`): the data escapes plus `;` and `]`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(';', "%3B").replace(']', "%5D")
}

fn issue_type(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning | Level::Note => "warning",
    }
}

pub(super) fn write(
    report: &ScanReport,
    registry: &Registry,
    out: &mut dyn Write,
) -> io::Result<()> {
    for finding in &report.findings {
        let mut message = String::new();
        if finding.level == Level::Note {
            message.push_str("note: ");
        }
        message.push_str(&format!("{}.", finding.message));
        for line in annotation_advice(registry, finding) {
            message.push(' ');
            message.push_str(&line);
        }
        writeln!(
            out,
            "##vso[task.logissue type={};sourcepath={};linenumber={};columnnumber={};code={}]{}",
            issue_type(finding.level),
            escape_property(&finding.path),
            finding.start.line,
            finding.start.column,
            escape_property(&finding.rule_id),
            escape_data(&message)
        )?;
    }
    for unused in &report.unused_suppressions {
        writeln!(
            out,
            "##vso[task.logissue type=warning;sourcepath={};linenumber={};columnnumber={};code=unused-suppression]{}",
            escape_property(&unused.path),
            unused.line,
            unused.column,
            escape_data(&format!("`{}` suppresses nothing", unused.marker))
        )?;
    }
    for diagnostic in &report.diagnostics {
        writeln!(
            out,
            "##vso[task.logissue type=warning;sourcepath={};code=not-scanned]{}",
            escape_property(&diagnostic.path),
            escape_data(&format!("file not scanned: {}", diagnostic.message))
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_cannot_be_broken_out_of() {
        assert_eq!(
            escape_data("50%\r\n##vso[task.complete]"),
            "50%AZP25%0D%0A##vso[task.complete]"
        );
        assert_eq!(escape_property("a;b]c\nd"), "a%3Bb%5Dc%0Ad");
    }
}
