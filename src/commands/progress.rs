//! The progress spinner shown while a scan runs on a terminal.

use std::io::{self, IsTerminal};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use keyless::scan::{self, ScanReport};

/// Runs a scan with a progress spinner on a terminal.
pub(crate) fn run_with_progress(
    quiet: bool,
    scan: impl FnOnce(&AtomicUsize) -> Result<ScanReport, scan::ScanError> + Send,
) -> anyhow::Result<ScanReport> {
    let files_seen = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let show_progress = !quiet && io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let scanned = std::thread::scope(|scope| {
        if show_progress {
            scope.spawn(|| progress_bar(&files_seen, &done));
        }
        let result = scan(&files_seen);
        done.store(true, Ordering::Relaxed);
        result
    })?;
    Ok(scanned)
}

/// A spinner on stderr for scans that take more than a second.
fn progress_bar(files_seen: &AtomicUsize, done: &AtomicBool) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(1) {
        if done.load(Ordering::Relaxed) {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} scanning: {msg} files ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    while !done.load(Ordering::Relaxed) {
        bar.set_message(files_seen.load(Ordering::Relaxed).to_string());
        bar.tick();
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
}
