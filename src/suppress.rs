//! Inline suppression: markers in comments that drop findings on their line or the next.
//!
//! Every finding of a file passes through [`apply`] before it leaves the scan. A marker suppresses
//! the findings on its own line; a marker on a line that holds only a comment also suppresses the
//! findings on the line after it. keyless's own marker is `keyless:ignore` (every rule) or
//! `keyless:ignore[rule-id,...]` (those rules); the markers of other secret scanners are honoured
//! too, so a line already marked for gitleaks or detect-secrets needs no second comment. Markers
//! are matched ASCII case-insensitively in any comment syntax. This module only decides; the scan
//! counts what it dropped and reporters show unused markers.

use regex::Regex;
use std::sync::LazyLock;

use crate::finding::Finding;
use crate::source::SourceText;

/// Markers of other tools that keyless honours, as written in their documentation.
pub const FOREIGN_MARKERS: &[&str] = &[
    "pragma: allowlist secret",
    "gitleaks:allow",
    "kingfisher:ignore",
    "trufflehog:ignore",
    "DevSkim: ignore",
    "nosemgrep",
    "checkov:skip=",
];

/// Every marker, keyless's first. `rules` is the bracketed list of `keyless:ignore[...]`.
static MARKER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?P<keyless>keyless:ignore)(?:\[(?P<rules>[^\]\r\n]*)\])?|(?P<nextline>pragma:\s*allowlist\s+nextline\s+secret)|(?P<foreign>pragma:\s*allowlist\s+secret|gitleaks:allow|kingfisher:ignore|trufflehog:ignore|devskim:\s*ignore|nosemgrep|checkov:skip=)",
    )
    .ok()
});

/// Words every marker starts with (ignoring case): a text without any needs no marker search,
/// and a scan of files without markers never builds [`MARKER`].
static MARKER_STARTS: LazyLock<Option<aho_corasick::AhoCorasick>> = LazyLock::new(|| {
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build([
            "keyless:ignore",
            "pragma:",
            "gitleaks:allow",
            "kingfisher:ignore",
            "trufflehog:ignore",
            "devskim:",
            "nosemgrep",
            "checkov:skip=",
        ])
        .ok()
});

/// Comment openers that may stand before a marker on a comment-only line, longest first.
const COMMENT_OPENERS: &[&str] = &[
    "<!--", "<%--", "{{/*", "{{-", "{/*", "@rem", "rem", "{#", "(*", "@*", "/*", "//", "--", "::",
    "#", ";", "'", "%", "*", "!",
];

/// How [`apply`] behaves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Collect keyless markers that suppress nothing.
    pub report_unused: bool,
}

/// A `keyless:ignore` marker that suppressed nothing in its file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnusedSuppression {
    /// The file, as shown in output.
    pub path: String,
    /// 1-based line of the marker.
    pub line: usize,
    /// 1-based column of the marker (in characters).
    pub column: usize,
    /// The marker as written, e.g. `keyless:ignore[storage-sas-token]`.
    pub marker: String,
}

/// What [`apply`] kept and dropped in one file.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings no marker covers.
    pub findings: Vec<Finding>,
    /// How many findings a marker dropped.
    pub suppressed: usize,
    /// keyless markers that dropped nothing (only with [`Options::report_unused`]).
    pub unused: Vec<UnusedSuppression>,
}

/// One marker found in a file.
#[derive(Debug)]
struct Marker {
    line: usize,
    column: usize,
    /// `None`: every rule; `Some`: only these rule ids.
    rules: Option<Vec<String>>,
    /// keyless's own marker (the only kind reported when unused).
    keyless: bool,
    /// The marker also covers the next line (it stands alone on a comment line).
    covers_next_line: bool,
    /// Only the next line (detect-secrets' `pragma: allowlist nextline secret`).
    next_line_only: bool,
    /// Follows a comment opener, so an unused one is worth reporting.
    in_comment: bool,
    text: String,
    used: bool,
}

impl Marker {
    fn covers(&self, finding: &Finding) -> bool {
        let line = finding.start.line;
        let on_line = !self.next_line_only && self.line == line;
        let before = self.covers_next_line && self.line + 1 == line;
        (on_line || before)
            && self
                .rules
                .as_ref()
                .is_none_or(|rules| rules.contains(&finding.rule_id))
    }
}

/// Drops the findings of one file that a marker covers, and (if asked) lists unused markers.
pub fn apply(path: &str, source: &SourceText, findings: Vec<Finding>, options: Options) -> Outcome {
    if findings.is_empty() && !options.report_unused {
        return Outcome::default();
    }
    let mut markers = if options.report_unused {
        find_markers(source, 0, source.text())
    } else {
        // Only the lines that can hold a marker for a finding: its own and the one before.
        let mut lines: Vec<usize> = findings
            .iter()
            .flat_map(|finding| [finding.start.line.saturating_sub(1), finding.start.line])
            .filter(|line| *line > 0)
            .collect();
        lines.sort_unstable();
        lines.dedup();
        lines
            .into_iter()
            .flat_map(|line| {
                let range = source.line_range(line);
                let text = source.text().get(range.clone()).unwrap_or_default();
                find_markers(source, range.start, text)
            })
            .collect()
    };
    let mut outcome = Outcome::default();
    for finding in findings {
        let mut covered = false;
        for marker in markers.iter_mut().filter(|marker| marker.covers(&finding)) {
            marker.used = true;
            covered = true;
        }
        if covered {
            outcome.suppressed += 1;
        } else {
            outcome.findings.push(finding);
        }
    }
    if options.report_unused {
        outcome.unused = markers
            .into_iter()
            .filter(|marker| marker.keyless && marker.in_comment && !marker.used)
            .map(|marker| UnusedSuppression {
                path: path.to_owned(),
                line: marker.line,
                column: marker.column,
                marker: marker.text,
            })
            .collect();
    }
    outcome
}

/// Markers in `text`, which starts at byte `base` of `source`.
fn find_markers(source: &SourceText, base: usize, text: &str) -> Vec<Marker> {
    if MARKER_STARTS
        .as_ref()
        .is_some_and(|starts| starts.find(text).is_none())
    {
        return Vec::new();
    }
    let Some(regex) = MARKER.as_ref() else {
        return Vec::new();
    };
    let mut markers = Vec::new();
    for captures in regex.captures_iter(text) {
        let Some(whole) = captures.get(0) else {
            continue;
        };
        let keyless = captures.name("keyless").is_some();
        let after = text.get(whole.end()..).and_then(|rest| rest.chars().next());
        let malformed_list =
            keyless && captures.name("rules").is_none() && after.is_some_and(|next| next == '[');
        // `keyless:ignored`, `nosemgrep_rules` and the like are words, not markers.
        let runs_on = after.is_some_and(|next| next.is_alphanumeric() || next == '_');
        if runs_on && !whole.as_str().ends_with('=') {
            continue;
        }
        let position = source.position(base + whole.start());
        let line_start = source.line_range(position.line).start;
        let prefix = source
            .text()
            .get(line_start..base + whole.start())
            .unwrap_or_default();
        let rules = captures.name("rules").map(|list| {
            list.as_str()
                .split(',')
                .map(|rule| rule.trim().to_owned())
                .filter(|rule| !rule.is_empty())
                .collect::<Vec<_>>()
        });
        let preceded_by_quote = prefix.ends_with(['"', '`']);
        markers.push(Marker {
            line: position.line,
            column: position.column,
            // An unclosed list suppresses nothing (and is reported as unused).
            rules: if malformed_list {
                Some(Vec::new())
            } else {
                rules
            },
            keyless,
            covers_next_line: is_comment_only(prefix),
            next_line_only: captures.name("nextline").is_some(),
            in_comment: !preceded_by_quote && has_comment_opener(prefix),
            text: whole.as_str().to_owned(),
            used: false,
        });
    }
    markers
}

/// True when `prefix` (the text before a marker on its line) is only comment openers and spaces.
fn is_comment_only(prefix: &str) -> bool {
    let mut rest = prefix.trim_start();
    'strip: loop {
        if rest.is_empty() {
            return true;
        }
        for opener in COMMENT_OPENERS {
            let matches = rest
                .get(..opener.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(opener));
            let word_opener = opener.ends_with(|c: char| c.is_ascii_alphabetic());
            let word_ends = rest
                .get(opener.len()..)
                .and_then(|tail| tail.chars().next())
                .is_none_or(|next| !next.is_alphanumeric());
            if matches && (!word_opener || word_ends) {
                rest = rest.get(opener.len()..).unwrap_or_default().trim_start();
                continue 'strip;
            }
        }
        return false;
    }
}

/// True when `prefix` contains a comment opener (the marker is in a comment, not in code).
fn has_comment_opener(prefix: &str) -> bool {
    let lower = prefix.to_ascii_lowercase();
    [
        "#", "//", "/*", "<!--", "--", ";", "'", "%", "{#", "(*", "@*",
    ]
    .iter()
    .any(|opener| lower.contains(opener))
        || is_comment_only(prefix)
        || lower.trim_start().starts_with("rem ")
        || lower.contains(" rem ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_only_prefixes() {
        for prefix in [
            "", "  # ", "// ", "/* ", "<!-- ", "-- ", "; ", "REM ", "@rem ", "' ", "% ", "  * ",
            ":: ", "{# ", "### ",
        ] {
            assert!(is_comment_only(prefix), "{prefix:?}");
        }
        for prefix in ["x = 1 # ", "key: value # ", "remove ", "\"value\" // "] {
            assert!(!is_comment_only(prefix), "{prefix:?}");
        }
    }

    #[test]
    fn markers_parse_rules_and_skip_words() {
        let source = SourceText::from_text(
            "# keyless:ignore[a, b]\nx # keyless:ignored\ny # KEYLESS:IGNORE\nz # keyless:ignore[\n",
        );
        let markers = find_markers(&source, 0, source.text());
        let summary: Vec<(usize, Option<Vec<String>>, bool)> = markers
            .iter()
            .map(|marker| (marker.line, marker.rules.clone(), marker.covers_next_line))
            .collect();
        assert_eq!(
            summary,
            vec![
                (1, Some(vec!["a".to_owned(), "b".to_owned()]), true),
                (3, None, false),
                (4, Some(Vec::new()), false),
            ]
        );
    }
}
