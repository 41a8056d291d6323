//! `keyless fix`.

use anyhow::Context as _;
use std::io::{self, Write};

use keyless::cli::FixArgs;
use keyless::rules::Registry;

use super::EXIT_CLEAN;
use super::plan::scan_for_plan;

pub(crate) fn run_fix(registry: &Registry, args: &FixArgs) -> anyhow::Result<u8> {
    let scanned = scan_for_plan(registry, &args.path, &args.input, &args.rules)?;
    let knowledge = registry.knowledge();
    let plan = keyless::plan::build(&args.path, &scanned.findings, knowledge);
    let fixes = keyless::fix::compute(&args.path, &scanned.findings, &plan, knowledge);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    for file in &fixes.files {
        if args.dry_run {
            write!(out, "{}", file.unified_diff())?;
        } else {
            file.write(&args.path)
                .with_context(|| format!("cannot write {}", file.path))?;
            writeln!(
                out,
                "keyless: rewrote {} ({} changes)",
                file.path,
                file.edits.len()
            )?;
        }
    }
    out.flush()?;
    for skipped in &fixes.skipped {
        eprintln!(
            "keyless: {}:{}: not rewritten: {}",
            skipped.path, skipped.line, skipped.reason
        );
    }
    let edits: usize = fixes.files.iter().map(|file| file.edits.len()).sum();
    eprintln!(
        "keyless: {} {} in {}; {} left alone (`keyless plan` shows every change)",
        if args.dry_run {
            "would apply"
        } else {
            "applied"
        },
        keyless::report::count(edits, "rewrite", "rewrites"),
        keyless::report::count(fixes.files.len(), "file", "files"),
        fixes.skipped.len()
    );
    Ok(EXIT_CLEAN)
}
