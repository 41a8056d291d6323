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
    for held in &fixes.held {
        eprintln!(
            "keyless: {}:{}: key auth left on for `{}`: its key is still used by {}; set {} once \
             they use an identity (`keyless plan` keeps the step)",
            held.path,
            held.line,
            held.resource,
            held.users.join(", "),
            held.setting
        );
    }
    let edits: usize = fixes.files.iter().map(|file| file.edits.len()).sum();
    let held = if fixes.held.is_empty() {
        String::new()
    } else {
        format!(
            "; {} left on",
            keyless::report::count(fixes.held.len(), "key-auth switch", "key-auth switches")
        )
    };
    eprintln!(
        "keyless: {} {} in {}; {} left alone{held} (`keyless plan` shows every change)",
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
