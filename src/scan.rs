//! A whole scan: walk the roots, read and decode each file once, match, collect.
//!
//! Each worker thread keeps its own findings and problems and hands them over once when it is
//! done; the merged findings are sorted so that output never depends on thread scheduling. A file
//! that cannot be read becomes a diagnostic and the scan goes on.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::finding::{Finding, Level};
use crate::rules::{Registry, matcher};
use crate::source::{self, Decoded, SourceText};
use crate::suppress;
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
    /// Wall time of the scan.
    pub elapsed: Duration,
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

#[derive(Default)]
struct Counters {
    files_scanned: AtomicU64,
    bytes_scanned: AtomicU64,
    skipped_binary: AtomicU64,
    skipped_large: AtomicU64,
    unreadable: AtomicU64,
}

/// Scans the roots of `options`. `progress` is bumped once per file handled, for a progress bar.
pub fn scan(
    registry: &Registry,
    options: &ScanOptions,
    progress: &AtomicUsize,
) -> Result<ScanReport, ScanError> {
    let started = Instant::now();
    for root in &options.walk.roots {
        if std::fs::symlink_metadata(root).is_err() {
            return Err(ScanError::MissingPath(root.clone()));
        }
    }
    let excludes = walk::compile_excludes(&options.walk.excludes)?;
    let counters = Counters::default();
    let merged: Mutex<(Vec<Finding>, Vec<Diagnostic>)> = Mutex::new((Vec::new(), Vec::new()));
    walk::walk(&options.walk, &excludes, || {
        let mut sink = ThreadSink {
            registry,
            options,
            counters: &counters,
            progress,
            merged: &merged,
            findings: Vec::new(),
            diagnostics: Vec::new(),
        };
        move |walked| sink.handle(walked)
    });
    let (mut findings, mut diagnostics) = merged
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    findings.sort_by(|left, right| left.sort_key().cmp(&right.sort_key()));
    diagnostics.sort();
    let stats = Stats {
        files_scanned: counters.files_scanned.into_inner(),
        bytes_scanned: counters.bytes_scanned.into_inner(),
        skipped_binary: counters.skipped_binary.into_inner(),
        skipped_large: counters.skipped_large.into_inner(),
        unreadable: counters.unreadable.into_inner(),
    };
    Ok(ScanReport {
        findings,
        diagnostics,
        stats,
        elapsed: started.elapsed(),
    })
}

/// Scans one in-memory text as if it were the file `path` (rule examples, editors).
pub fn scan_text(registry: &Registry, path: &str, text: &str) -> Vec<Finding> {
    scan_decoded(registry, path, &SourceText::from_text(text))
}

fn scan_decoded(registry: &Registry, path: &str, source: &SourceText) -> Vec<Finding> {
    let findings = matcher::scan_source(registry, path, source);
    suppress::apply(source, findings)
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
}

/// One worker thread's state; hands its results over when the walker drops it.
struct ThreadSink<'a> {
    registry: &'a Registry,
    options: &'a ScanOptions,
    counters: &'a Counters,
    progress: &'a AtomicUsize,
    merged: &'a Mutex<(Vec<Finding>, Vec<Diagnostic>)>,
    findings: Vec<Finding>,
    diagnostics: Vec<Diagnostic>,
}

impl ThreadSink<'_> {
    fn handle(&mut self, walked: Result<WalkedFile, WalkProblem>) {
        match walked {
            Ok(file) => self.scan_file(file),
            Err(problem) => {
                self.counters.unreadable.fetch_add(1, Ordering::Relaxed);
                self.diagnostics.push(Diagnostic {
                    path: problem.path,
                    message: problem.message,
                });
            }
        }
        self.progress.fetch_add(1, Ordering::Relaxed);
    }

    fn scan_file(&mut self, file: WalkedFile) {
        let limit = self.options.max_file_size;
        if file.len.is_some_and(|len| len > limit) {
            self.skip_large(&file.display, file.len.unwrap_or_default());
            return;
        }
        let bytes = match std::fs::read(&file.path) {
            Ok(bytes) => bytes,
            Err(error) => {
                self.counters.unreadable.fetch_add(1, Ordering::Relaxed);
                self.diagnostics.push(Diagnostic {
                    path: file.display,
                    message: format!("cannot read: {error}"),
                });
                return;
            }
        };
        // The size can change between listing and reading.
        if bytes.len() as u64 > limit {
            self.skip_large(&file.display, bytes.len() as u64);
            return;
        }
        match source::decode(&bytes) {
            Decoded::Binary => {
                self.counters.skipped_binary.fetch_add(1, Ordering::Relaxed);
            }
            Decoded::Text(source) => {
                self.counters.files_scanned.fetch_add(1, Ordering::Relaxed);
                self.counters
                    .bytes_scanned
                    .fetch_add(bytes.len() as u64, Ordering::Relaxed);
                self.findings
                    .extend(scan_decoded(self.registry, &file.display, &source));
            }
        }
    }

    fn skip_large(&mut self, path: &str, len: u64) {
        self.counters.skipped_large.fetch_add(1, Ordering::Relaxed);
        self.diagnostics.push(Diagnostic {
            path: path.to_owned(),
            message: format!(
                "skipped: {} is over the {} limit (raise it with --max-file-size)",
                human_bytes(len),
                human_bytes(self.options.max_file_size)
            ),
        });
    }
}

impl Drop for ThreadSink<'_> {
    fn drop(&mut self) {
        let mut merged = self
            .merged
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        merged.0.append(&mut self.findings);
        merged.1.append(&mut self.diagnostics);
    }
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
