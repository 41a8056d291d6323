//! `keyless scan`.

use anyhow::Context as _;
use std::io::{self, IsTerminal};

use keyless::baseline::Baseline;
use keyless::cli::ScanArgs;
use keyless::history::HistoryOptions;
use keyless::report::{Format, ReportContext};
use keyless::rules::Registry;
use keyless::scan;

use super::output::{summary_line, write_output};
use super::progress::run_with_progress;
use super::{EXIT_CLEAN, EXIT_FINDINGS, Prepared, prepare};

pub(crate) fn run_scan(registry: &Registry, args: ScanArgs) -> anyhow::Result<u8> {
    if args.history && args.paths.len() > 1 {
        anyhow::bail!("--history scans one repository; give one PATH");
    }
    let current = std::env::current_dir().context("cannot read the current directory")?;
    let config_start = if args.staged {
        current.clone()
    } else {
        args.paths
            .first()
            .cloned()
            .unwrap_or_else(|| current.clone())
    };
    let (mut prepared, _) = prepare(
        registry,
        &args.paths,
        &config_start,
        &args.input,
        &args.rules,
    )?;
    prepared.settings.suppress.report_unused = args.report_unused_suppressions;
    if let Some(level) = args.fail_level {
        prepared.fail_level = level.into();
    }
    let Prepared {
        options,
        settings,
        fail_level,
    } = prepared;
    let mut scanned = run_with_progress(args.quiet, |progress| {
        if args.staged {
            scan::scan_staged(registry, &options, &settings, &current, progress)
        } else if args.history {
            let history = scan::HistoryScan {
                range: HistoryOptions {
                    branches: args.branch.clone(),
                    since: args.since.clone(),
                },
                every_level: args.all_levels,
            };
            scan::scan_history(registry, &options, &settings, &history, progress)
        } else {
            scan::scan_with(registry, &options, &settings, progress)
        }
    })?;
    for diagnostic in &scanned.diagnostics {
        eprintln!(
            "keyless: warning: {}: {}",
            diagnostic.path, diagnostic.message
        );
    }
    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::from_findings(&scanned.findings);
        baseline.save(path)?;
        if !args.quiet {
            eprintln!(
                "keyless: wrote {} baseline entries for {} findings to {}",
                baseline.len(),
                scanned.findings.len(),
                path.display()
            );
        }
        return Ok(EXIT_CLEAN);
    }
    if let Some(path) = &args.baseline {
        let baseline = Baseline::load(path)?;
        let findings = std::mem::take(&mut scanned.findings);
        // A secret baselined at HEAD is baselined wherever history had it.
        let applied = if args.history {
            baseline.apply_by_secret(findings)
        } else {
            baseline.apply(findings)
        };
        scanned.findings = applied.findings;
        scanned.dropped.baselined = applied.baselined;
    }
    if args.format == Format::Human {
        for unused in &scanned.unused_suppressions {
            eprintln!(
                "keyless: warning: {}:{}:{}: unused suppression: `{}` suppresses nothing",
                unused.path, unused.line, unused.column, unused.marker
            );
        }
    }
    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let context = ReportContext {
        roots: args.paths.clone(),
        base: scanned.base.clone(),
        color: to_terminal && std::env::var_os("NO_COLOR").is_none(),
        width: std::env::var("COLUMNS")
            .ok()
            .and_then(|columns| columns.parse().ok())
            .unwrap_or(100),
    };
    write_output(
        args.format,
        &scanned,
        registry,
        &context,
        args.output.as_deref(),
    )?;
    if !args.quiet {
        eprintln!("{}", summary_line(&scanned));
    }
    let unused_fail = args.report_unused_suppressions && !scanned.unused_suppressions.is_empty();
    Ok(if scanned.fails(fail_level) || unused_fail {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}
