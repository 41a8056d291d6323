//! A whole scan: walk the roots (or read the git index), read and decode each file once, match,
//! apply the policy and inline suppressions, collect.
//!
//! Each worker thread keeps its own findings and problems and hands them over once when it is
//! done; the merged findings are sorted so that output never depends on thread scheduling. A file
//! that cannot be read becomes a diagnostic and the scan goes on. [`scan_staged`] scans what `git
//! commit` would record (the index), not the work tree, for pre-commit hooks.

use globset::GlobSet;
use ignore::Match;
use ignore::gitignore::Gitignore;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::Policy;
use crate::finding::{Finding, Level};
use crate::rules::{Registry, matcher};
use crate::source::{self, Decoded, SourceText};
use crate::suppress::{self, UnusedSuppression};
use crate::walk::{self, WalkOptions, WalkProblem, WalkedFile};

/// Default `--max-file-size`: files larger than this are skipped with a diagnostic.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// Everything that shapes a scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// How to walk.
    pub walk: WalkOptions,
    /// Files larger than this many bytes are skipped (explicit file arguments included).
    pub max_file_size: u64,
}

/// What a scan does with findings besides matching, and how it treats named paths.
#[derive(Debug, Default)]
pub struct ScanSettings {
    /// Disabled rules, level overrides and allowed values (from `keyless.toml` and flags).
    pub policy: Policy,
    /// Inline suppression behaviour.
    pub suppress: suppress::Options,
    /// Apply `--exclude` globs and ignore files to files named on the command line too, as
    /// hooks that pass lists of files need (ruff's `--force-exclude`).
    pub force_exclude: bool,
}

/// How many findings were dropped, and by what.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dropped {
    /// By an inline marker.
    pub inline: usize,
    /// By an allowed value in the configuration.
    pub allowed: usize,
    /// By a disabled rule or an `off` level override.
    pub disabled: usize,
    /// By the baseline (filled in by the caller that applies it).
    pub baselined: usize,
}

/// A problem with one file or directory that did not stop the scan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// The path concerned, as shown to users.
    pub path: String,
    /// What happened.
    pub message: String,
}

/// Counters for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Files read and matched.
    pub files_scanned: u64,
    /// Bytes read from those files.
    pub bytes_scanned: u64,
    /// Files skipped because they look binary.
    pub skipped_binary: u64,
    /// Files skipped because they are over the size limit.
    pub skipped_large: u64,
    /// Files or directories that could not be read.
    pub unreadable: u64,
}

/// What a scan found.
#[derive(Debug, Clone)]
pub struct ScanReport {
    /// Findings, sorted by path, line, column and rule.
    pub findings: Vec<Finding>,
    /// Problems with single files, sorted by path.
    pub diagnostics: Vec<Diagnostic>,
    /// Counters.
    pub stats: Stats,
    /// Findings dropped by suppressions, policy and baseline.
    pub dropped: Dropped,
    /// `keyless:ignore` markers that suppressed nothing (with `--report-unused-suppressions`),
    /// sorted by path and line.
    pub unused_suppressions: Vec<UnusedSuppression>,
    /// The directory that finding paths are relative to, when the scan knows it better than its
    /// roots do (the repository's top level for [`scan_staged`]).
    pub base: Option<PathBuf>,
    /// Wall time of the scan.
    pub elapsed: Duration,
    /// For a history scan: the repository and the range read.
    pub history: Option<HistoryContext>,
}

/// What a history scan read, for reporters (SARIF's `versionControlProvenance`) and the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryContext {
    /// The work tree (or bare git directory) that finding paths are relative to.
    pub repository: PathBuf,
    /// The URL of the `origin` remote, when one is configured.
    pub remote_url: Option<String>,
    /// The commit HEAD points to.
    pub head: Option<String>,
    /// The branch HEAD names.
    pub branch: Option<String>,
    /// Commits in the range.
    pub commits: usize,
    /// Distinct blobs in the range (each read once).
    pub blobs: usize,
}

impl ScanReport {
    /// Number of findings at a level.
    pub fn count(&self, level: Level) -> usize {
        self.findings
            .iter()
            .filter(|finding| finding.level == level)
            .count()
    }

    /// True when a finding is at or above `fail_level`.
    pub fn fails(&self, fail_level: Level) -> bool {
        self.findings
            .iter()
            .any(|finding| finding.level >= fail_level)
    }
}

/// Everything the worker threads add up.
#[derive(Default)]
struct Counters {
    files_scanned: AtomicU64,
    bytes_scanned: AtomicU64,
    skipped_binary: AtomicU64,
    skipped_large: AtomicU64,
    unreadable: AtomicU64,
    inline: AtomicUsize,
    allowed: AtomicUsize,
    disabled: AtomicUsize,
}

/// What the worker threads hand over when they are done.
#[derive(Default)]
struct Collected {
    findings: Vec<Finding>,
    diagnostics: Vec<Diagnostic>,
    unused: Vec<UnusedSuppression>,
}

impl Collected {
    fn append(&mut self, other: &mut Collected) {
        self.findings.append(&mut other.findings);
        self.diagnostics.append(&mut other.diagnostics);
        self.unused.append(&mut other.unused);
    }

    fn into_report(mut self, counters: Counters, started: Instant) -> ScanReport {
        self.findings
            .sort_by(|left, right| left.sort_key().cmp(&right.sort_key()));
        self.diagnostics.sort();
        self.unused.sort();
        ScanReport {
            findings: self.findings,
            diagnostics: self.diagnostics,
            stats: Stats {
                files_scanned: counters.files_scanned.into_inner(),
                bytes_scanned: counters.bytes_scanned.into_inner(),
                skipped_binary: counters.skipped_binary.into_inner(),
                skipped_large: counters.skipped_large.into_inner(),
                unreadable: counters.unreadable.into_inner(),
            },
            dropped: Dropped {
                inline: counters.inline.into_inner(),
                allowed: counters.allowed.into_inner(),
                disabled: counters.disabled.into_inner(),
                baselined: 0,
            },
            unused_suppressions: self.unused,
            base: None,
            elapsed: started.elapsed(),
            history: None,
        }
    }
}

/// Scans the roots of `options` with default settings. `progress` is bumped once per file
/// handled, for a progress bar.
pub fn scan(
    registry: &Registry,
    options: &ScanOptions,
    progress: &AtomicUsize,
) -> Result<ScanReport, ScanError> {
    scan_with(registry, options, &ScanSettings::default(), progress)
}

/// Scans the roots of `options` with a policy, suppression options and path handling.
pub fn scan_with(
    registry: &Registry,
    options: &ScanOptions,
    settings: &ScanSettings,
    progress: &AtomicUsize,
) -> Result<ScanReport, ScanError> {
    let started = Instant::now();
    for root in &options.walk.roots {
        if std::fs::symlink_metadata(root).is_err() {
            return Err(ScanError::MissingPath(root.clone()));
        }
    }
    let excludes = walk::compile_excludes(&options.walk.excludes)?;
    let named_filter = settings.force_exclude.then(|| {
        PathFilter::new(
            excludes.clone(),
            settings.policy.config_excludes().cloned(),
            options.walk.respect_ignore_files,
            std::env::current_dir().ok(),
        )
    });
    let context = FileContext {
        registry,
        options,
        settings,
        counters: Counters::default(),
        scope: matcher::Scope::default(),
    };
    let merged = Mutex::new(Collected::default());
    let anchored = settings.policy.config_excludes();
    walk::walk(&options.walk, &excludes, anchored, || {
        let mut sink = ThreadSink {
            context: &context,
            named_filter: named_filter.as_ref(),
            progress,
            merged: &merged,
            collected: Collected::default(),
        };
        move |walked| sink.handle(walked)
    });
    let collected = merged
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Ok(collected.into_report(context.counters, started))
}

/// Scans one in-memory text as if it were the file `path` (rule examples, editors), with inline
/// suppressions applied.
pub fn scan_text(registry: &Registry, path: &str, text: &str) -> Vec<Finding> {
    let source = SourceText::from_text(text);
    let findings = matcher::scan_source(registry, path, &source);
    suppress::apply(path, &source, findings, suppress::Options::default()).findings
}

/// A scan that could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// A root given on the command line does not exist.
    #[error("{}: no such file or directory", .0.display())]
    MissingPath(PathBuf),
    /// An `--exclude` glob does not compile.
    #[error(transparent)]
    BadExclude(#[from] walk::ExcludeError),
    /// `--staged` could not ask git for the index.
    #[error("--staged: {0}")]
    Git(String),
    /// `--history` could not open the repository or resolve a revision.
    #[error("--history: {0}")]
    History(#[from] crate::history::HistoryError),
}

/// What every file of a scan shares: the rules, the options and the counters.
struct FileContext<'a> {
    registry: &'a Registry,
    options: &'a ScanOptions,
    settings: &'a ScanSettings,
    counters: Counters,
    /// Which rules and checks run; findings below its level are dropped after the policy's
    /// level overrides (history scans report leaked secrets alone).
    scope: matcher::Scope,
}

impl FileContext<'_> {
    /// Decodes and scans one file's bytes, shown as `path`, into `collected`.
    /// `file` is where the bytes live on disk (or would, for a staged blob): `keyless.toml`'s
    /// override globs are matched against it relative to the configuration's directory.
    fn scan_bytes(&self, path: &str, file: &Path, bytes: Vec<u8>, collected: &mut Collected) {
        let counters = &self.counters;
        let len = bytes.len() as u64;
        if len > self.options.max_file_size {
            self.skip_large(path, len, collected);
            return;
        }
        let source = match source::decode_owned(bytes) {
            Decoded::Binary => {
                counters.skipped_binary.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Decoded::Text(source) => source,
        };
        counters.files_scanned.fetch_add(1, Ordering::Relaxed);
        counters.bytes_scanned.fetch_add(len, Ordering::Relaxed);
        let mut findings = matcher::scan_source_scoped(self.registry, path, &source, self.scope);
        if let Some(message) = crate::parse::derived::Decoder::of_path(path)
            .and_then(|decoder| decoder.problem(source.text()))
        {
            collected.diagnostics.push(Diagnostic {
                path: path.to_owned(),
                message,
            });
        }
        let policy = self
            .settings
            .policy
            .apply_to_file(&mut findings, Some(file));
        if self.scope.min_level > Level::Note {
            findings.retain(|finding| finding.level >= self.scope.min_level);
        }
        counters
            .allowed
            .fetch_add(policy.allowed, Ordering::Relaxed);
        counters
            .disabled
            .fetch_add(policy.disabled, Ordering::Relaxed);
        let mut outcome = suppress::apply(path, &source, findings, self.settings.suppress);
        counters
            .inline
            .fetch_add(outcome.suppressed, Ordering::Relaxed);
        collected.findings.append(&mut outcome.findings);
        collected.unused.append(&mut outcome.unused);
    }

    fn skip_large(&self, path: &str, len: u64, collected: &mut Collected) {
        self.counters.skipped_large.fetch_add(1, Ordering::Relaxed);
        collected.diagnostics.push(Diagnostic {
            path: path.to_owned(),
            message: format!(
                "skipped: {} is over the {} limit (raise it with --max-file-size)",
                human_bytes(len),
                human_bytes(self.options.max_file_size)
            ),
        });
    }

    fn unreadable(&self, path: String, message: String, collected: &mut Collected) {
        self.counters.unreadable.fetch_add(1, Ordering::Relaxed);
        collected.diagnostics.push(Diagnostic { path, message });
    }
}

/// One worker thread's state; hands its results over when the walker drops it.
struct ThreadSink<'a> {
    context: &'a FileContext<'a>,
    named_filter: Option<&'a PathFilter>,
    progress: &'a AtomicUsize,
    merged: &'a Mutex<Collected>,
    collected: Collected,
}

impl ThreadSink<'_> {
    fn handle(&mut self, walked: Result<WalkedFile, WalkProblem>) {
        match walked {
            Ok(file) => self.scan_file(file),
            Err(problem) => {
                self.context
                    .unreadable(problem.path, problem.message, &mut self.collected);
            }
        }
        self.progress.fetch_add(1, Ordering::Relaxed);
    }

    fn scan_file(&mut self, file: WalkedFile) {
        if file.explicit
            && self
                .named_filter
                .is_some_and(|filter| filter.excluded(&file.display, &file.path))
        {
            return;
        }
        let limit = self.context.options.max_file_size;
        if let Some(len) = file.len.filter(|len| *len > limit) {
            self.context
                .skip_large(&file.display, len, &mut self.collected);
            return;
        }
        match read_unless_binary(&file.path, file.len) {
            Ok(Some(bytes)) => {
                self.context
                    .scan_bytes(&file.display, &file.path, bytes, &mut self.collected)
            }
            Ok(None) => {
                self.context
                    .counters
                    .skipped_binary
                    .fetch_add(1, Ordering::Relaxed);
            }
            Err(error) => self.context.unreadable(
                file.display,
                format!("cannot read: {error}"),
                &mut self.collected,
            ),
        }
    }
}

/// A file's bytes, or `None` when its first block shows it is binary ([`source::is_binary_head`]):
/// the rest of an image or an archive is never read.
fn read_unless_binary(path: &Path, len: Option<u64>) -> std::io::Result<Option<Vec<u8>>> {
    let mut file = std::fs::File::open(path)?;
    let expected = len.and_then(|len| usize::try_from(len).ok()).unwrap_or(0);
    let mut bytes = Vec::with_capacity(expected.saturating_add(1));
    Read::by_ref(&mut file)
        .take(source::BINARY_SNIFF_LEN as u64)
        .read_to_end(&mut bytes)?;
    if source::is_binary_head(&bytes) {
        return Ok(None);
    }
    file.read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

impl Drop for ThreadSink<'_> {
    fn drop(&mut self) {
        let mut merged = self
            .merged
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        merged.append(&mut self.collected);
    }
}

/// Decides whether a path named explicitly (on the command line, or staged in git) is excluded:
/// by an exclude glob on its shown path, or by the `.keylessignore`, `.ignore` and `.gitignore`
/// files of its directory and every parent (deeper files and `.keylessignore` win, as in the
/// walker).
struct PathFilter {
    excludes: GlobSet,
    /// `keyless.toml`'s excludes, matched from its directory.
    anchored: Option<walk::AnchoredExcludes>,
    respect_ignore_files: bool,
    /// Directory that relative paths are resolved against.
    base: Option<PathBuf>,
    /// Parsed ignore files per directory, most important first.
    cache: Mutex<HashMap<PathBuf, Arc<Vec<Gitignore>>>>,
}

impl PathFilter {
    fn new(
        excludes: GlobSet,
        anchored: Option<walk::AnchoredExcludes>,
        respect_ignore_files: bool,
        base: Option<PathBuf>,
    ) -> Self {
        Self {
            excludes,
            anchored,
            respect_ignore_files,
            base,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn excluded(&self, shown: &str, path: &Path) -> bool {
        let absolute = match &self.base {
            Some(base) if path.is_relative() => base.join(path),
            _ => path.to_path_buf(),
        };
        let shown = self
            .base
            .as_ref()
            .and_then(|base| absolute.strip_prefix(base).ok())
            .map_or_else(|| shown.to_owned(), walk::display_given);
        if !self.excludes.is_empty() && self.excludes.is_match(&shown) {
            return true;
        }
        if self
            .anchored
            .as_ref()
            .is_some_and(|anchored| anchored.excludes(&absolute))
        {
            return true;
        }
        if !self.respect_ignore_files {
            return false;
        }
        for directory in absolute.ancestors().skip(1) {
            let Ok(relative) = absolute.strip_prefix(directory) else {
                continue;
            };
            for matcher in self.ignore_files(directory).iter() {
                match matcher.matched_path_or_any_parents(relative, false) {
                    Match::Ignore(_) => return true,
                    Match::Whitelist(_) => return false,
                    Match::None => {}
                }
            }
        }
        false
    }

    fn ignore_files(&self, directory: &Path) -> Arc<Vec<Gitignore>> {
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .entry(directory.to_path_buf())
            .or_insert_with(|| {
                let matchers = [walk::IGNORE_FILE_NAME, ".ignore", ".gitignore"]
                    .into_iter()
                    .map(|name| directory.join(name))
                    .filter(|file| file.is_file())
                    .map(|file| Gitignore::new(file).0)
                    .filter(|matcher| !matcher.is_empty())
                    .collect();
                Arc::new(matchers)
            })
            .clone()
    }
}

/// Scans what is staged for the next commit: the index's version of every added, copied,
/// modified or renamed file, not the work tree's. `options.walk.roots` are pathspecs relative to
/// `directory` (`.`: everything under it); finding paths are relative to the repository's top
/// level. Excludes and ignore files apply to every staged path.
pub fn scan_staged(
    registry: &Registry,
    options: &ScanOptions,
    settings: &ScanSettings,
    directory: &Path,
    progress: &AtomicUsize,
) -> Result<ScanReport, ScanError> {
    let started = Instant::now();
    let top = PathBuf::from(git_text(directory, &["rev-parse", "--show-toplevel"])?.trim_end());
    let mut arguments: Vec<std::ffi::OsString> = [
        "diff",
        "--cached",
        "--raw",
        "-z",
        "--no-abbrev",
        "--no-renames",
        "--no-ext-diff",
        "--diff-filter=ACMR",
        "--",
    ]
    .into_iter()
    .map(Into::into)
    .collect();
    arguments.extend(
        options
            .walk
            .roots
            .iter()
            .map(|root| root.as_os_str().into()),
    );
    let listing = git_output(directory, &arguments)?;
    let staged = parse_raw_diff(&listing);
    let excludes = walk::compile_excludes(&options.walk.excludes)?;
    let filter = PathFilter::new(
        excludes,
        settings.policy.config_excludes().cloned(),
        options.walk.respect_ignore_files,
        Some(top.clone()),
    );
    let wanted: Vec<(String, String)> = staged
        .into_iter()
        .filter(|(path, _)| !filter.excluded(path, Path::new(path)))
        .collect();
    let context = FileContext {
        registry,
        options,
        settings,
        counters: Counters::default(),
        scope: matcher::Scope::default(),
    };
    let mut collected = Collected::default();
    let blobs = read_blobs(&top, wanted.iter().map(|(_, id)| id.as_str()))?;
    for ((path, _), blob) in wanted.iter().zip(blobs) {
        match blob {
            Some(bytes) => context.scan_bytes(path, &top.join(path), bytes, &mut collected),
            None => context.unreadable(
                path.clone(),
                "not in the git object store".into(),
                &mut collected,
            ),
        }
        progress.fetch_add(1, Ordering::Relaxed);
    }
    let mut report = collected.into_report(context.counters, started);
    report.base = Some(top);
    Ok(report)
}

/// Parses `git diff --raw -z` output into (path, blob id) pairs, skipping symbolic links and
/// submodules.
fn parse_raw_diff(listing: &[u8]) -> Vec<(String, String)> {
    let mut staged = Vec::new();
    let mut fields = listing.split(|byte| *byte == 0);
    while let (Some(meta), Some(path)) = (fields.next(), fields.next()) {
        let meta = String::from_utf8_lossy(meta);
        let parts: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
        let (Some(mode), Some(blob)) = (parts.get(1), parts.get(3)) else {
            continue;
        };
        if !mode.starts_with("100") {
            continue;
        }
        staged.push((
            String::from_utf8_lossy(path).into_owned(),
            (*blob).to_owned(),
        ));
    }
    staged
}

/// Reads blobs by id with one `git cat-file --batch`; `None` for an id git does not have.
fn read_blobs<'a>(
    top: &Path,
    ids: impl Iterator<Item = &'a str>,
) -> Result<Vec<Option<Vec<u8>>>, ScanError> {
    let request: String = ids.map(|id| format!("{id}\n")).collect();
    if request.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| ScanError::Git(format!("cannot run git: {error}")))?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(ScanError::Git("cannot talk to git cat-file".into()));
    };
    let count = request.lines().count();
    let blobs = std::thread::scope(|scope| {
        // Write from another thread: git answers while it reads, and both pipes are bounded.
        let writer = scope.spawn(move || stdin.write_all(request.as_bytes()));
        let mut reader = BufReader::new(stdout);
        let mut blobs = Vec::with_capacity(count);
        for _ in 0..count {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 {
                break;
            }
            let fields: Vec<&str> = header.split_whitespace().collect();
            let size = match fields.as_slice() {
                [_, _, size] => size.parse::<usize>().ok(),
                _ => None,
            };
            let Some(size) = size else {
                blobs.push(None);
                continue;
            };
            let mut content = vec![0; size];
            reader.read_exact(&mut content)?;
            let mut newline = [0u8; 1];
            reader.read_exact(&mut newline)?;
            blobs.push(Some(content));
        }
        let written = writer.join();
        match written {
            Ok(Ok(())) => Ok(blobs),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(std::io::Error::other("writer thread panicked")),
        }
    });
    let status = child.wait();
    let blobs = blobs.map_err(|error| ScanError::Git(format!("git cat-file: {error}")))?;
    match status {
        Ok(status) if status.success() => Ok(blobs),
        Ok(status) => Err(ScanError::Git(format!("git cat-file failed ({status})"))),
        Err(error) => Err(ScanError::Git(format!("git cat-file: {error}"))),
    }
}

fn git_output(directory: &Path, arguments: &[std::ffi::OsString]) -> Result<Vec<u8>, ScanError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(directory)
        .args(arguments)
        .stdin(Stdio::null())
        .output()
        .map_err(|error| ScanError::Git(format!("cannot run git: {error}")))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(ScanError::Git(
            stderr
                .trim()
                .trim_start_matches("fatal: ")
                .lines()
                .next()
                .unwrap_or("git failed")
                .to_owned(),
        ))
    }
}

fn git_text(directory: &Path, arguments: &[&str]) -> Result<String, ScanError> {
    let arguments: Vec<std::ffi::OsString> = arguments.iter().map(Into::into).collect();
    git_output(directory, &arguments).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// Sizes for people: `512 B`, `3.2 KiB`, `10.0 MiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS.get(unit).copied().unwrap_or("TiB"))
}

mod history;
pub use history::{HistoryScan, scan_history};

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
