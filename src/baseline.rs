//! Baselines: findings accepted earlier, keyed on rule, path and the secret's hash (not the line).
//!
//! A baseline lets a CI gate fail only on *new* credentials. An entry names the rule, the file and
//! the SHA-256 of the secret, so moving code or editing other lines keeps a finding baselined while
//! a different secret on the same line is reported. The file is JSON with one entry per line,
//! sorted, so that two branches that each accept a finding merge cleanly; it never holds a secret
//! or a line number. This module reads, writes and matches baselines; it never prints.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::finding::Finding;

/// The baseline format version this build reads and writes.
pub const VERSION: u32 = 1;

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The rule id.
    pub rule: String,
    /// The path as shown in output (relative to the scanned directory).
    pub path: String,
    /// Hex SHA-256 of the secret: the JSON `fingerprint` of the finding.
    pub secret_sha256: String,
}

impl Entry {
    /// The entry that accepts `finding`.
    pub fn of(finding: &Finding) -> Self {
        Self {
            rule: finding.rule_id.clone(),
            path: finding.path.clone(),
            secret_sha256: finding.secret_hash.clone(),
        }
    }
}

/// A set of accepted findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    entries: BTreeSet<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    /// Written as `"keyless"` for people who open the file; not checked.
    #[serde(default)]
    #[allow(dead_code)]
    tool: Option<String>,
    entries: Vec<Entry>,
}

/// A baseline that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The file could not be read or written.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why: shown in this error's message, and so not its `source` (which `{:#}` would
        /// print a second time).
        error: std::io::Error,
    },
    /// The file is not a baseline.
    #[error("{}:{line}:{column}: not a keyless baseline: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The file was written by a newer keyless.
    #[error("{}: baseline version {found} is not supported (this keyless reads version {VERSION})", path.display())]
    Version {
        /// The file.
        path: PathBuf,
        /// The version it declares.
        found: u32,
    },
}

/// What [`Baseline::apply`] did.
#[derive(Debug, Default)]
pub struct Applied {
    /// Findings the baseline does not cover.
    pub findings: Vec<Finding>,
    /// How many findings it covered.
    pub baselined: usize,
}

impl Baseline {
    /// The baseline that accepts every one of `findings`.
    pub fn from_findings(findings: &[Finding]) -> Self {
        Self {
            entries: findings.iter().map(Entry::of).collect(),
        }
    }

    /// Reads a baseline file.
    pub fn load(path: &Path) -> Result<Self, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|error| BaselineError::Io {
            path: path.to_path_buf(),
            error,
        })?;
        Self::parse(path, &text)
    }

    /// Parses the text of a baseline file named `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Self, BaselineError> {
        let file: BaselineFile =
            serde_json::from_str(text).map_err(|error| BaselineError::Invalid {
                path: path.to_path_buf(),
                line: error.line(),
                column: error.column(),
                message: error.to_string(),
            })?;
        if file.version != VERSION {
            return Err(BaselineError::Version {
                path: path.to_path_buf(),
                found: file.version,
            });
        }
        Ok(Self {
            entries: file.entries.into_iter().collect(),
        })
    }

    /// Writes the baseline to `path`.
    pub fn save(&self, path: &Path) -> Result<(), BaselineError> {
        std::fs::write(path, self.to_json()).map_err(|error| BaselineError::Io {
            path: path.to_path_buf(),
            error,
        })
    }

    /// The file's text: sorted, one entry per line, a final newline; no line numbers, no secrets.
    pub fn to_json(&self) -> String {
        let mut text = format!("{{\n  \"version\": {VERSION},\n  \"tool\": \"keyless\",\n");
        if self.entries.is_empty() {
            text.push_str("  \"entries\": []\n}\n");
            return text;
        }
        text.push_str("  \"entries\": [\n");
        let count = self.entries.len();
        for (index, entry) in self.entries.iter().enumerate() {
            let line = serde_json::to_string(entry).unwrap_or_default();
            let comma = if index + 1 < count { "," } else { "" };
            text.push_str(&format!("    {line}{comma}\n"));
        }
        text.push_str("  ]\n}\n");
        text
    }

    /// Every entry, sorted.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there is no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Drops the findings the baseline accepts.
    pub fn apply(&self, findings: Vec<Finding>) -> Applied {
        let mut applied = Applied::default();
        for finding in findings {
            if self.entries.contains(&Entry::of(&finding)) {
                applied.baselined += 1;
            } else {
                applied.findings.push(finding);
            }
        }
        applied
    }

    /// Drops the findings whose secret the baseline accepts, whatever the rule or path: a
    /// history finding is baselined when the same secret is baselined at HEAD, even if the
    /// file it was first committed in is named differently there.
    pub fn apply_by_secret(&self, findings: Vec<Finding>) -> Applied {
        let secrets: BTreeSet<&str> = self
            .entries
            .iter()
            .map(|entry| entry.secret_sha256.as_str())
            .collect();
        let mut applied = Applied::default();
        for finding in findings {
            if secrets.contains(finding.secret_hash.as_str()) {
                applied.baselined += 1;
            } else {
                applied.findings.push(finding);
            }
        }
        applied
    }

    /// Entries that no current finding matches: the secret was removed, rotated or moved to
    /// another file.
    pub fn stale(&self, findings: &[Finding]) -> Vec<Entry> {
        let current: BTreeSet<Entry> = findings.iter().map(Entry::of).collect();
        self.entries.difference(&current).cloned().collect()
    }

    /// Adds an entry (the editor's "add to baseline"); false when it was there already.
    pub fn insert(&mut self, entry: Entry) -> bool {
        self.entries.insert(entry)
    }

    /// Removes `entries` from the baseline.
    pub fn remove(&mut self, entries: &[Entry]) {
        for entry in entries {
            self.entries.remove(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(rule: &str, path: &str, hash: &str) -> Entry {
        Entry {
            rule: rule.into(),
            path: path.into(),
            secret_sha256: hash.into(),
        }
    }

    #[test]
    fn text_is_sorted_one_entry_per_line_and_round_trips() {
        let baseline = Baseline {
            entries: [entry("b", "z.env", "02"), entry("a", "y.env", "01")]
                .into_iter()
                .collect(),
        };
        let text = baseline.to_json();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.get(4).copied(),
            Some(r#"    {"rule":"a","path":"y.env","secret_sha256":"01"},"#)
        );
        assert_eq!(
            lines.get(5).copied(),
            Some(r#"    {"rule":"b","path":"z.env","secret_sha256":"02"}"#)
        );
        let parsed = Baseline::parse(Path::new("b.json"), &text).ok();
        assert_eq!(parsed.as_ref(), Some(&baseline));
        let empty = Baseline::default().to_json();
        assert_eq!(
            Baseline::parse(Path::new("e.json"), &empty).ok(),
            Some(Baseline::default())
        );
    }

    #[test]
    fn newer_versions_are_refused() {
        let error = Baseline::parse(Path::new("b.json"), r#"{"version": 9, "entries": []}"#)
            .err()
            .map(|error| error.to_string())
            .unwrap_or_default();
        assert!(error.contains("version 9"), "{error}");
    }
}
