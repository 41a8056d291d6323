//! Unit tests of `scan.rs` that need its private worker types.

use super::*;

fn options() -> ScanOptions {
    ScanOptions {
        walk: WalkOptions {
            roots: Vec::new(),
            threads: 1,
            follow_symlinks: false,
            respect_ignore_files: true,
            excludes: Vec::new(),
        },
        max_file_size: DEFAULT_MAX_FILE_SIZE,
    }
}

/// A file the walker listed but that is gone when the worker reads it (deleted mid-scan) becomes
/// a `cannot read` diagnostic and counts as unreadable; the worker carries on.
#[test]
fn file_vanished_between_walk_and_read_is_a_diagnostic() {
    let registry = match Registry::embedded() {
        Ok(registry) => registry,
        Err(errors) => panic!("{errors:?}"),
    };
    let options = options();
    let settings = ScanSettings::default();
    let context = FileContext {
        registry: &registry,
        options: &options,
        settings: &settings,
        counters: Counters::default(),
        scope: matcher::Scope::default(),
    };
    let progress = AtomicUsize::new(0);
    let merged = Mutex::new(Collected::default());
    let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    {
        let mut sink = ThreadSink {
            context: &context,
            named_filter: None,
            progress: &progress,
            merged: &merged,
            collected: Collected::default(),
        };
        sink.handle(Ok(WalkedFile {
            path: directory.path().join("vanished.env"),
            display: "vanished.env".into(),
            explicit: false,
            len: Some(42),
        }));
    }
    let report = merged
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_report(context.counters, Instant::now());
    assert_eq!(report.stats.unreadable, 1);
    assert_eq!(report.diagnostics.len(), 1);
    let diagnostic = &report.diagnostics[0];
    assert_eq!(diagnostic.path, "vanished.env");
    assert!(
        diagnostic.message.starts_with("cannot read: ")
            && diagnostic.message.contains("No such file"),
        "{}",
        diagnostic.message
    );
    assert_eq!(progress.into_inner(), 1);
}
