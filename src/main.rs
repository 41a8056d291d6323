//! The `keyless` binary: parses flags, runs a scan, picks a reporter, sets the exit code.
//!
//! Exit status: 0 nothing at or above the fail level, 1 findings, 2 usage or fatal error. This is
//! the only place (with `report/`) that writes to stdout or stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use clap::Parser;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use keyless::cli::{Cli, Command, RulesArgs, ScanArgs};
use keyless::report::{self, Format, ReportContext};
use keyless::rules::Registry;
use keyless::scan::{self, ScanOptions, ScanReport};
use keyless::walk::WalkOptions;
use keyless::{Level, finding::Service};

const EXIT_CLEAN: u8 = 0;
const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let registry = match Registry::embedded() {
        Ok(registry) => registry,
        Err(errors) => {
            for error in errors {
                eprintln!("keyless: rule data: {error}");
            }
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let outcome = match cli.command {
        Command::Scan(args) => run_scan(&registry, args),
        Command::Rules(args) => list_rules(&registry, &args).map(|()| EXIT_CLEAN),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(error)
            if error
                .downcast_ref::<io::Error>()
                .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::from(EXIT_CLEAN)
        }
        Err(error) => {
            eprintln!("keyless: error: {error:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run_scan(registry: &Registry, args: ScanArgs) -> anyhow::Result<u8> {
    let options = ScanOptions {
        walk: WalkOptions {
            roots: args.paths.clone(),
            threads: args.threads,
            follow_symlinks: args.follow,
            respect_ignore_files: !args.no_ignore,
            excludes: args.exclude.clone(),
        },
        max_file_size: args.max_file_size,
    };
    let files_seen = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let show_progress =
        !args.quiet && io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let scanned = std::thread::scope(|scope| {
        if show_progress {
            scope.spawn(|| progress_bar(&files_seen, &done));
        }
        let result = scan::scan(registry, &options, &files_seen);
        done.store(true, Ordering::Relaxed);
        result
    })?;
    for diagnostic in &scanned.diagnostics {
        eprintln!(
            "keyless: warning: {}: {}",
            diagnostic.path, diagnostic.message
        );
    }
    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let context = ReportContext {
        roots: args.paths.clone(),
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
    Ok(if scanned.fails(args.fail_level.into()) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

fn write_output(
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

fn summary_line(scanned: &ScanReport) -> String {
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
    format!(
        "keyless: {} files, {} scanned{skipped} in {:.2}s: {} errors, {} warnings, {} notes",
        stats.files_scanned,
        scan::human_bytes(stats.bytes_scanned),
        scanned.elapsed.as_secs_f64(),
        scanned.count(Level::Error),
        scanned.count(Level::Warning),
        scanned.count(Level::Note),
    )
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

fn list_rules(registry: &Registry, args: &RulesArgs) -> anyhow::Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if args.json {
        let rules: Vec<serde_json::Value> = registry
            .rules()
            .iter()
            .map(|rule| {
                serde_json::json!({
                    "id": rule.spec.id,
                    "level": rule.spec.level,
                    "service": rule.spec.service,
                    "name": rule.spec.name,
                    "remediation": rule.remediation_id(),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &rules)?;
        writeln!(out)?;
    } else {
        let width = registry
            .rules()
            .iter()
            .map(|rule| rule.spec.id.len())
            .max()
            .unwrap_or(0);
        for rule in registry.rules() {
            let spec = &rule.spec;
            writeln!(
                out,
                "{:width$}  {:7}  {:11}  {}",
                spec.id,
                spec.level.as_str(),
                spec.service.as_str(),
                spec.name
            )?;
        }
        let services: std::collections::BTreeSet<Service> = registry
            .rules()
            .iter()
            .map(|rule| rule.spec.service)
            .collect();
        writeln!(
            out,
            "\n{} rules covering {} services",
            registry.rules().len(),
            services.len()
        )?;
    }
    out.flush()?;
    Ok(())
}
