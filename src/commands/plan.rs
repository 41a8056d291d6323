//! `keyless plan`, and the scan that `plan` and `fix` share.

use anyhow::Context as _;
use std::io::{self, Write};
use std::path::Path;

use keyless::cli::{InputArgs, PlanArgs, RuleArgs};
use keyless::rules::Registry;
use keyless::scan::{self, ScanReport};

use super::progress::run_with_progress;
use super::{EXIT_CLEAN, prepare};

/// Scans a directory for `plan` and `fix`, as `keyless scan` would.
pub(crate) fn scan_for_plan(
    registry: &Registry,
    path: &Path,
    input: &InputArgs,
    rules: &RuleArgs,
) -> anyhow::Result<ScanReport> {
    if !path.is_dir() {
        anyhow::bail!("{}: not a directory", path.display());
    }
    let (prepared, _) = prepare(registry, &[path.to_path_buf()], path, input, rules)?;
    let scanned = run_with_progress(true, |progress| {
        scan::scan_with(registry, &prepared.options, &prepared.settings, progress)
    })?;
    for diagnostic in &scanned.diagnostics {
        eprintln!(
            "keyless: warning: {}: {}",
            diagnostic.path, diagnostic.message
        );
    }
    Ok(scanned)
}

pub(crate) fn run_plan(registry: &Registry, args: &PlanArgs) -> anyhow::Result<u8> {
    use keyless::cli::PlanFormat;
    let scanned = scan_for_plan(registry, &args.path, &args.input, &args.rules)?;
    let knowledge = registry.knowledge();
    let plan = keyless::fix::plan_with_fixes(&args.path, &scanned.findings, knowledge);
    let text = match args.format {
        PlanFormat::Markdown => keyless::plan::render::markdown(&plan),
        PlanFormat::Json => keyless::plan::render::json(&plan),
        PlanFormat::Bicep => keyless::plan::iac::bicep(&plan),
        PlanFormat::Terraform => keyless::plan::iac::terraform(&plan),
        PlanFormat::Az => keyless::plan::iac::az(&plan),
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let stdout = io::stdout();
            let mut out = stdout.lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(EXIT_CLEAN)
}
