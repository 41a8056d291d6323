//! Command-line interface: flags and subcommands (clap derive). Parsing only; `main` acts.
//!
//! `-h` gives one line per flag; `--help` gives the long form with sections and examples, as
//! ripgrep does. Flags that a `keyless.toml` can also set are `Option`s here so that `main` can
//! tell "not given" from "given", and flags win over the file.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

use crate::config::parse_size;
use crate::finding::Level;
use crate::report::Format;
use crate::report::explain::ExplainFormat;

const LONG_ABOUT: &str = "\
keyless finds Azure credentials that should be managed identities: storage account keys, SAS
tokens, Service Bus and Event Hubs keys, Cosmos DB keys, Entra client secrets and more, in config,
templates and code. For every finding it says what to use instead (the managed-identity setting or
SDK call) and the least-privilege built-in role the identity needs, with its role-definition GUID.

It walks the given paths (honouring .gitignore, .ignore and .keylessignore, including hidden files,
skipping .git and binaries), or with `scan --staged` reads what `git commit` would record.
Settings come from keyless.toml (found upward from the scanned path); flags win over the file.

No output carries a secret: every one is masked.";

const EXAMPLES: &str = "\
EXAMPLES:
    Scan the current directory:
        keyless scan

    Gate CI on new credentials only:
        keyless scan --write-baseline .keyless-baseline.json     # once, accept what is there
        keyless scan --baseline .keyless-baseline.json           # in CI

    Upload to GitHub code scanning or Azure DevOps Advanced Security:
        keyless scan --format sarif --output keyless.sarif

    Annotate a pull request from GitHub Actions:
        keyless scan --format github

    Block commits that add a key:
        keyless install-hook          # writes .git/hooks/pre-commit running `keyless scan --staged`

    Learn what a rule finds and which identity and role replace the key:
        keyless explain storage-account-key

EXIT STATUS:
    0  nothing at or above the fail level
    1  findings at or above it (or, with --report-unused-suppressions, an unused marker)
    2  usage or fatal error (bad flag, missing path, bad keyless.toml, broken rule data)";

const SCAN_EXAMPLES: &str = "\
EXAMPLES:
    keyless scan                                  scan the current directory
    keyless scan src config/app.json              scan some paths (named files are always read)
    keyless scan --staged                         scan the git index, for a pre-commit hook
    keyless scan --history                        every key ever committed, deleted ones too
    keyless scan --history --since origin/main    only what a pull request's commits add
    keyless scan -f sarif -o keyless.sarif        SARIF for code scanning
    keyless scan -f github                        annotations in GitHub Actions
    keyless scan -f azure                         issues in an Azure Pipelines run
    keyless scan --baseline .keyless-baseline.json    report only what the baseline lacks
    keyless scan --disable storage-sas-token --fail-level error

SUPPRESSING A FINDING:
    On its line or on a comment-only line just before it, in any comment syntax:
        # keyless:ignore                           every rule
        // keyless:ignore[storage-account-key]     only these rules (comma-separated)
    Markers of other scanners are honoured too: pragma: allowlist secret, gitleaks:allow,
    kingfisher:ignore, trufflehog:ignore, DevSkim: ignore, nosemgrep, checkov:skip=.";

/// Finds Azure credentials that should be managed identities.
#[derive(Debug, Parser)]
#[command(
    name = "keyless",
    version,
    about,
    long_about = LONG_ABOUT,
    after_long_help = EXAMPLES,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files, directories or the git index for Azure credentials.
    ///
    /// Exit status: 0 when nothing is at or above --fail-level, 1 when something is, 2 on a usage
    /// or fatal error.
    #[command(after_long_help = SCAN_EXAMPLES)]
    Scan(ScanArgs),
    /// Explain a rule: what it finds, why it matters, the identity way out, the role, an example.
    Explain(ExplainArgs),
    /// List every rule: id, level, service and what it finds.
    Rules(RulesArgs),
    /// Report baseline entries that no longer match a finding; drop them with --prune.
    ///
    /// Scans PATH the way `keyless scan` would (same keyless.toml, excludes and suppressions)
    /// and compares the findings with the baseline FILE. Without --prune, lists stale entries
    /// and exits 1 when there are some; with --prune, rewrites FILE without them and exits 0.
    Baseline(BaselineArgs),
    /// Install a git pre-commit hook that runs `keyless scan --staged`.
    ///
    /// Writes the repository's pre-commit hook (honouring core.hooksPath). A hook that keyless
    /// did not write is left alone unless --force is given. Bypass the hook once with
    /// `git commit --no-verify`.
    InstallHook(InstallHookArgs),
    /// Run a language server on stdin and stdout: diagnostics, hovers and quick fixes in editors.
    ///
    /// Speaks the Language Server Protocol. Reads keyless.toml and the baseline
    /// (.keyless-baseline.json) of the workspace root, scans the workspace on start and every
    /// open document as it changes. See the README for VS Code, Neovim and Helix set-ups.
    Lsp(LspArgs),
    /// Write a migration plan: per workload, the identity, role assignments, key-auth switches,
    /// config and code changes, and the keys to rotate.
    ///
    /// Formats: markdown (default, for a pull request), json, and ready-to-run infrastructure
    /// with the identities and role assignments: bicep, terraform, az (a bash script).
    Plan(PlanArgs),
    /// Apply the mechanical, safe rewrites: identity-based Functions settings, Key Vault
    /// references, and listKeys() app settings in Bicep and Terraform. Code is never rewritten.
    ///
    /// With --dry-run, prints a unified diff (secrets masked) and changes nothing.
    Fix(FixArgs),
}

/// Output formats of `keyless plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// Readable in a pull request.
    Markdown,
    /// The plan's data.
    Json,
    /// A Bicep module with the identities and role assignments.
    Bicep,
    /// A Terraform file with the identities and role assignments.
    Terraform,
    /// An `az` CLI script (bash).
    Az,
}

/// Arguments of `keyless plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The directory to plan for.
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = PlanFormat::Markdown)]
    pub format: PlanFormat,

    /// Write the plan to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Which files to read.
    #[command(flatten)]
    pub input: InputArgs,

    /// Which rules report.
    #[command(flatten)]
    pub rules: RuleArgs,
}

/// Arguments of `keyless fix`.
#[derive(Debug, Args)]
pub struct FixArgs {
    /// The directory to fix.
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,

    /// Print a unified diff of the rewrites and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Which files to read.
    #[command(flatten)]
    pub input: InputArgs,

    /// Which rules report.
    #[command(flatten)]
    pub rules: RuleArgs,
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

/// Which files a scan reads; shared by `scan` and `baseline`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Input")]
pub struct InputArgs {
    /// Skip paths matching GLOB (repeatable; added to keyless.toml's `exclude`). A glob
    /// without '/' matches a name at any depth; one with '/' matches the path relative to the
    /// scanned directory.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Apply excludes and ignore files to files named on the command line too (pre-commit
    /// passes every staged file by name; without this flag a named file is always scanned).
    #[arg(long)]
    pub force_exclude: bool,

    /// Do not honour .gitignore, .ignore or .keylessignore files.
    #[arg(long)]
    pub no_ignore: bool,

    /// Follow symbolic links.
    #[arg(long, short = 'L')]
    pub follow: bool,

    /// Skip files larger than SIZE (bytes, or with a K, M or G suffix) [default: 10M].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,

    /// Worker threads (0: one per core).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,
}

/// Which rules report and where settings come from; shared by `scan` and `baseline`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Rules and configuration")]
pub struct RuleArgs {
    /// Read settings from FILE instead of the keyless.toml found upward from the first path.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Read no keyless.toml.
    #[arg(long)]
    pub no_config: bool,

    /// Turn a rule off: a rule id, a service name (`storage`) or `all` (repeatable; applied
    /// after keyless.toml's `[rules]`).
    #[arg(long, value_name = "RULE")]
    pub disable: Vec<String>,

    /// Turn a rule back on, after every --disable (repeatable; same selectors).
    #[arg(long, value_name = "RULE")]
    pub enable: Vec<String>,
}

/// Arguments of `keyless scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan; with --staged, pathspecs that limit the staged files.
    /// Files named here are scanned even when an ignore rule matches them (see --force-exclude).
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Scan the staged content of added, copied, modified and renamed files (the git index, not
    /// the work tree), as a pre-commit hook must. Paths are shown relative to the repository.
    #[arg(long, help_heading = "Input")]
    pub staged: bool,

    /// Scan every blob ever committed to the repository at PATH (default .) instead of its
    /// files: deleted keys too. Each secret is reported once, with the commit that first
    /// recorded it and whether HEAD still holds it. Only leaked-secret rules run (see
    /// --all-levels).
    #[arg(long, help_heading = "History", conflicts_with = "staged")]
    pub history: bool,

    /// With --history: start from every branch, tag, remote branch and HEAD (the default).
    #[arg(
        long,
        help_heading = "History",
        requires = "history",
        conflicts_with = "branch"
    )]
    pub all: bool,

    /// With --history: start from REF only (a branch, tag or commit id; repeatable).
    #[arg(
        long,
        value_name = "REF",
        help_heading = "History",
        requires = "history"
    )]
    pub branch: Vec<String>,

    /// With --history: read only commits that REV does not have, e.g. a pull request's base
    /// (`--since origin/main`); blobs REV already has are not read again.
    #[arg(
        long,
        value_name = "REV",
        help_heading = "History",
        requires = "history"
    )]
    pub since: Option<String>,

    /// With --history: run every rule, not only the leaked-secret (error-level) ones.
    #[arg(long, help_heading = "History", requires = "history")]
    pub all_levels: bool,

    /// Which files to read.
    #[command(flatten)]
    pub input: InputArgs,

    /// Which rules report.
    #[command(flatten)]
    pub rules: RuleArgs,

    /// Report only findings that the baseline FILE does not list.
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Suppressions and baseline",
        conflicts_with = "write_baseline"
    )]
    pub baseline: Option<PathBuf>,

    /// Write every current finding to the baseline FILE (no secret, no line numbers) and exit
    /// 0 without reporting them.
    #[arg(long, value_name = "FILE", help_heading = "Suppressions and baseline")]
    pub write_baseline: Option<PathBuf>,

    /// Report `keyless:ignore` markers that suppress nothing; they make the exit status 1.
    #[arg(long, help_heading = "Suppressions and baseline")]
    pub report_unused_suppressions: bool,

    /// Output format.
    #[arg(
        long,
        short = 'f',
        value_enum,
        default_value_t = Format::Human,
        help_heading = "Output"
    )]
    pub format: Format,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    /// Exit with status 1 when a finding is at or above this level [default: warning, or
    /// keyless.toml's `fail-level`].
    #[arg(long, value_enum, help_heading = "Output")]
    pub fail_level: Option<FailLevel>,

    /// Print no summary line and no progress on standard error.
    #[arg(long, short = 'q', help_heading = "Output")]
    pub quiet: bool,
}

/// Arguments of `keyless explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule id, as shown in findings and by `keyless rules`.
    #[arg(value_name = "RULE")]
    pub rule: String,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
}

/// Arguments of `keyless rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `keyless baseline`.
#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Rewrite FILE without the stale entries (otherwise only list them).
    #[arg(long)]
    pub prune: bool,

    /// The baseline file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// What to scan, as given to `keyless scan` when the baseline was written.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Which files to read.
    #[command(flatten)]
    pub input: InputArgs,

    /// Which rules report.
    #[command(flatten)]
    pub rules: RuleArgs,

    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Arguments of `keyless lsp`.
#[derive(Debug, Args)]
pub struct LspArgs {
    /// Use stdin and stdout (the default and only transport; accepted because clients pass it).
    #[arg(long)]
    pub stdio: bool,
}

/// Arguments of `keyless install-hook`.
#[derive(Debug, Args)]
pub struct InstallHookArgs {
    /// Overwrite a pre-commit hook that keyless did not write.
    #[arg(long)]
    pub force: bool,

    /// A directory inside the repository.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
