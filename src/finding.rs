//! What a scan produces: findings with their level, span, service and masked secret.
//!
//! Findings are plain values. Reporters turn them into text; nothing here formats output or
//! touches the file system.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

use crate::service::{InferredRole, Service, WorkloadResource};
use crate::source::Position;

/// How serious a finding is. Ordered: `Note < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Advice: nothing leaks, but an identity would be better.
    Note,
    /// Key-based auth that should be a managed identity.
    Warning,
    /// A leaked credential: a real secret in the file.
    Error,
}

impl Level {
    /// The lowercase name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One credential (or key-based wiring) found in one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Stable kebab-case id of the rule that fired.
    pub rule_id: String,
    /// How serious it is.
    pub level: Level,
    /// Path relative to the scanned root (`/`-separated), or as given for explicit files.
    pub path: String,
    /// Where the secret starts (1-based).
    pub start: Position,
    /// Where the secret ends: the column is that of the character after the secret, as in SARIF.
    pub end: Position,
    /// Byte range of the secret in the decoded text (for suppressions and rewrites).
    pub byte_range: std::ops::Range<usize>,
    /// The service the credential belongs to.
    pub service: Service,
    /// One-line message, lowercase, naming what was found; never holds the secret.
    pub message: String,
    /// Id of the remediation profile that says what to use instead.
    pub remediation: String,
    /// The secret as shown to people: its first characters and an ellipsis.
    pub masked: String,
    /// SHA-256 of the secret (hex); identifies it without revealing it.
    pub secret_hash: String,
    /// The secret's line, masked, for reporters that show context.
    pub snippet: Snippet,
    /// Roles inferred from what the code in this file does with the client, narrowest first;
    /// empty when nothing was inferred (reporters then show the profile's roles).
    pub roles: Vec<InferredRole>,
    /// The template resource whose body holds the finding (the workload that uses the key), when
    /// the file declares one of a known host's resource types.
    pub workload: Option<WorkloadResource>,
    /// The secret's embedded checksum was verified (an identifiable key, an Entra `8Q~` secret,
    /// a CASK key): no look-alike can fire. False for matches by pattern and context.
    pub checksum_verified: bool,
    /// For a history scan (`scan --history`): the commit that first recorded the secret, and
    /// whether HEAD still holds it. `None` for work-tree and index scans.
    pub origin: Option<Box<Origin>>,
}

impl Finding {
    /// SARIF's precision of this finding: `very-high` only where a checksum was verified.
    pub fn precision(&self) -> &'static str {
        if self.checksum_verified {
            "very-high"
        } else {
            "high"
        }
    }
}

/// Where a history finding comes from: the commit that first recorded the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The commit's full id (hex).
    pub commit: String,
    /// Its author's name.
    pub author: String,
    /// Its author's e-mail.
    pub email: String,
    /// Author time, seconds since the epoch.
    pub time: i64,
    /// Author time as RFC 3339, with the author's offset.
    pub date: String,
    /// The first line of its message.
    pub summary: String,
    /// True when the HEAD tree still holds the same secret (same hash, any file).
    pub present_at_head: bool,
    /// Other paths at which the same secret was committed, sorted.
    pub other_paths: Vec<String>,
}

/// The secret's line with every secret on it masked, cut to a window around the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// 1-based number of the line.
    pub line: usize,
    /// The visible part of the line (an ellipsis marks a cut), secrets masked.
    pub text: String,
    /// Byte range of the masked secret inside `text`.
    pub highlight: std::ops::Range<usize>,
    /// How many characters of the line precede `text` (0 when the line is shown from its start).
    pub column_offset: usize,
}

impl Finding {
    /// Sort key that makes output independent of thread scheduling.
    pub fn sort_key(&self) -> (&str, usize, usize, &str) {
        (
            &self.path,
            self.start.line,
            self.start.column,
            &self.rule_id,
        )
    }
}

/// The prefix of a secret that is safe to show: at most 4 characters, fewer for short values.
pub fn mask(secret: &str) -> String {
    let length = secret.chars().count();
    let shown = (length / 4).min(4);
    let prefix: String = secret.chars().take(shown).collect();
    format!("{prefix}…")
}

/// Hex SHA-256 of a secret, used for baselines and fingerprints.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_shows_at_most_four_characters() {
        assert_eq!(mask("abcdefghijklmnopqrstuvwxyz"), "abcd…");
        assert_eq!(mask("abcdefgh"), "ab…");
        assert_eq!(mask("abc"), "…");
    }

    #[test]
    fn levels_are_ordered_by_severity() {
        assert!(Level::Error > Level::Warning && Level::Warning > Level::Note);
    }
}
