//! Command-line interface: flags and subcommands (clap derive). Parsing only; `main` acts.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

use crate::finding::Level;
use crate::report::Format;

/// Finds Azure credentials that should be managed identities.
///
/// keyless walks a tree (honouring .gitignore and .keylessignore, including hidden files, skipping
/// .git and binaries), finds storage keys, SAS tokens, Service Bus / Event Hubs keys, Cosmos keys,
/// Entra client secrets and more, and for each one says which managed identity setting or SDK call
/// replaces it and which least-privilege built-in role the identity needs.
#[derive(Debug, Parser)]
#[command(name = "keyless", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories for Azure credentials.
    ///
    /// Exit status: 0 when nothing is at or above --fail-level, 1 when something is, 2 on a usage
    /// or fatal error.
    Scan(ScanArgs),
    /// List every rule: id, level, service and what it finds.
    Rules(RulesArgs),
}

/// Levels for `--fail-level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailLevel {
    /// Fail only on leaked secrets.
    Error,
    /// Fail on leaked secrets and key-based auth (default).
    Warning,
    /// Fail on any finding, advice included.
    Note,
}

impl From<FailLevel> for Level {
    fn from(level: FailLevel) -> Self {
        match level {
            FailLevel::Error => Level::Error,
            FailLevel::Warning => Level::Warning,
            FailLevel::Note => Level::Note,
        }
    }
}

/// Arguments of `keyless scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan. Files named here are scanned even when an ignore rule
    /// matches them.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit with status 1 when a finding is at or above this level.
    #[arg(long, value_enum, default_value_t = FailLevel::Warning)]
    pub fail_level: FailLevel,

    /// Worker threads (0: one per core).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,

    /// Skip files larger than SIZE (bytes, or with a K, M or G suffix).
    #[arg(long, value_name = "SIZE", default_value = "10M", value_parser = parse_size)]
    pub max_file_size: u64,

    /// Skip paths matching GLOB (repeatable). A glob without '/' matches a name at any depth;
    /// one with '/' matches the path relative to the scanned directory.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Do not honour .gitignore, .ignore or .keylessignore files.
    #[arg(long)]
    pub no_ignore: bool,

    /// Follow symbolic links.
    #[arg(long, short = 'L')]
    pub follow: bool,

    /// Print no summary line and no progress on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Arguments of `keyless rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Parses `10M`, `512K`, `1G` or a plain byte count.
fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let (digits, multiplier) = match trimmed.char_indices().last() {
        Some((at, 'k' | 'K')) => (&trimmed[..at], 1024),
        Some((at, 'm' | 'M')) => (&trimmed[..at], 1024 * 1024),
        Some((at, 'g' | 'G')) => (&trimmed[..at], 1024 * 1024 * 1024),
        _ => (trimmed, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|value| value.checked_mul(multiplier))
        .ok_or_else(|| format!("`{text}` is not a size (examples: 1048576, 512K, 10M, 1G)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_suffixes() {
        assert_eq!(parse_size("10M"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("42"), Ok(42));
        assert!(parse_size("ten").is_err());
    }
}
