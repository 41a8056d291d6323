//! `keyless baseline`: stale baseline entries, and pruning them.

use std::io::{self, Write};

use keyless::baseline::Baseline;
use keyless::cli::BaselineArgs;
use keyless::rules::Registry;
use keyless::scan;

use super::progress::run_with_progress;
use super::{EXIT_CLEAN, EXIT_FINDINGS, prepare};

pub(crate) fn run_baseline(registry: &Registry, args: &BaselineArgs) -> anyhow::Result<u8> {
    let config_start = args.paths.first().cloned().unwrap_or_else(|| ".".into());
    let (prepared, _) = prepare(
        registry,
        &args.paths,
        &config_start,
        &args.input,
        &args.rules,
    )?;
    let mut baseline = Baseline::load(&args.file)?;
    let scanned = run_with_progress(args.quiet, |progress| {
        scan::scan_with(registry, &prepared.options, &prepared.settings, progress)
    })?;
    let stale = baseline.stale(&scanned.findings);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    for entry in &stale {
        writeln!(
            out,
            "stale: {} in {} (secret sha256 {}…)",
            entry.rule,
            entry.path,
            entry
                .secret_sha256
                .get(..12)
                .unwrap_or(&entry.secret_sha256)
        )?;
    }
    out.flush()?;
    if args.prune {
        baseline.remove(&stale);
        baseline.save(&args.file)?;
        if !args.quiet {
            eprintln!(
                "keyless: pruned {} stale entries from {} ({} left)",
                stale.len(),
                args.file.display(),
                baseline.len()
            );
        }
        return Ok(EXIT_CLEAN);
    }
    if !args.quiet {
        eprintln!(
            "keyless: {} of {} baseline entries are stale{}",
            stale.len(),
            baseline.len(),
            if stale.is_empty() {
                ""
            } else {
                " (drop them with --prune)"
            }
        );
    }
    Ok(if stale.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    })
}
