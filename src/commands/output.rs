//! Writing a scan's report and its closing summary line.

use std::io::{self, Write};

use keyless::Level;
use keyless::report::{self, Format, ReportContext};
use keyless::rules::Registry;
use keyless::scan::{self, ScanReport};

pub(crate) fn write_output(
    format: Format,
    scanned: &ScanReport,
    registry: &Registry,
    context: &ReportContext,
    output: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .map_err(|error| anyhow::anyhow!("cannot write {}: {error}", path.display()))?;
            let mut writer = io::BufWriter::new(file);
            report::write_report(format, scanned, registry, context, &mut writer)?;
            writer.flush()?;
        }
        None => {
            let stdout = io::stdout();
            let mut writer = io::BufWriter::new(stdout.lock());
            report::write_report(format, scanned, registry, context, &mut writer)?;
            writer.flush()?;
        }
    }
    Ok(())
}

pub(crate) fn summary_line(scanned: &ScanReport) -> String {
    let stats = &scanned.stats;
    let mut skipped = Vec::new();
    if stats.skipped_binary > 0 {
        skipped.push(format!("{} binary", stats.skipped_binary));
    }
    if stats.skipped_large > 0 {
        skipped.push(format!("{} too large", stats.skipped_large));
    }
    if stats.unreadable > 0 {
        skipped.push(format!("{} unreadable", stats.unreadable));
    }
    let skipped = if skipped.is_empty() {
        String::new()
    } else {
        format!(" (skipped {})", skipped.join(", "))
    };
    let dropped = &scanned.dropped;
    let mut quiet = Vec::new();
    for (count, what) in [
        (dropped.inline, "suppressed inline"),
        (dropped.allowed, "allowed by keyless.toml"),
        (dropped.disabled, "from disabled rules"),
        (dropped.baselined, "baselined"),
    ] {
        if count > 0 {
            quiet.push(format!("{count} {what}"));
        }
    }
    let quiet = if quiet.is_empty() {
        String::new()
    } else {
        format!(" ({})", quiet.join(", "))
    };
    let read = match &scanned.history {
        Some(history) => format!(
            "{}, {} ({} text)",
            report::count(history.commits, "commit", "commits"),
            report::count(history.blobs, "blob", "blobs"),
            stats.files_scanned
        ),
        None => report::count(stats.files_scanned, "file", "files"),
    };
    format!(
        "keyless: {read}, {} scanned{skipped} in {:.2}s: {}, {}, {}{quiet}",
        scan::human_bytes(stats.bytes_scanned),
        scanned.elapsed.as_secs_f64(),
        report::count(scanned.count(Level::Error), "error", "errors"),
        report::count(scanned.count(Level::Warning), "warning", "warnings"),
        report::count(scanned.count(Level::Note), "note", "notes"),
    )
}
