//! The `keyless` binary: parses flags, runs a scan, picks a reporter, sets the exit code.
//!
//! Exit status: 0 nothing at or above the fail level, 1 findings, 2 usage or fatal error. This is
//! the only place (with `report/`) that writes to stdout or stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use anyhow::Context as _;
use clap::Parser;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use keyless::baseline::Baseline;
use keyless::cli::{
    BaselineArgs, Cli, Command, ExplainArgs, FixArgs, InputArgs, InstallHookArgs, PlanArgs,
    RuleArgs, RulesArgs, ScanArgs,
};
use keyless::config::{Config, Policy};
use keyless::report::{self, Format, ReportContext, explain};
use keyless::rules::Registry;
use keyless::scan::{self, ScanOptions, ScanReport, ScanSettings};
use keyless::walk::WalkOptions;
use keyless::{Level, finding::Service, suppress};

const EXIT_CLEAN: u8 = 0;
const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

/// First line of every hook that `keyless install-hook` writes; how it recognises its own.
const HOOK_MARKER: &str = "# keyless pre-commit hook (written by `keyless install-hook`)";

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
    if let Command::InstallHook(args) = &cli.command {
        return finish(install_hook(args));
    }
    let registry = match Registry::embedded() {
        Ok(registry) => registry,
        Err(errors) => {
            for error in errors {
                eprintln!("keyless: rule data: {error}");
            }
            return ExitCode::from(EXIT_ERROR);
        }
    };
    finish(match cli.command {
        Command::Scan(args) => run_scan(&registry, args),
        Command::Rules(args) => list_rules(&registry, &args).map(|()| EXIT_CLEAN),
        Command::Explain(args) => explain_rule(&registry, &args),
        Command::Baseline(args) => run_baseline(&registry, &args),
        Command::InstallHook(args) => install_hook(&args),
        Command::Lsp(_) => keyless::lsp::run_stdio(registry)
            .map(|orderly| if orderly { EXIT_CLEAN } else { EXIT_FINDINGS })
            .map_err(Into::into),
        Command::Plan(args) => run_plan(&registry, &args),
        Command::Fix(args) => run_fix(&registry, &args),
    })
}

fn finish(outcome: anyhow::Result<u8>) -> ExitCode {
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

/// A scan's options after merging keyless.toml and the flags (flags win).
struct Prepared {
    options: ScanOptions,
    settings: ScanSettings,
    fail_level: Level,
}

fn prepare(
    registry: &Registry,
    paths: &[PathBuf],
    config_start: &Path,
    input: &InputArgs,
    rules: &RuleArgs,
) -> anyhow::Result<(Prepared, Option<Config>)> {
    let config = match (&rules.config, rules.no_config) {
        (Some(path), _) => Some(Config::load(path)?),
        (None, true) => None,
        (None, false) => Config::discover(config_start)?,
    };
    let file = config.as_ref().map(|config| &config.file);
    // keyless.toml's own excludes reach the walk through the policy, from the file's directory.
    let excludes = input.exclude.clone();
    let policy = Policy::new(registry, config.as_ref(), &rules.disable, &rules.enable)?;
    let prepared = Prepared {
        options: ScanOptions {
            walk: WalkOptions {
                roots: paths.to_vec(),
                threads: input.threads,
                follow_symlinks: input.follow,
                respect_ignore_files: !input.no_ignore,
                excludes,
            },
            max_file_size: input
                .max_file_size
                .or_else(|| config.as_ref().and_then(Config::max_file_size))
                .unwrap_or(scan::DEFAULT_MAX_FILE_SIZE),
        },
        settings: ScanSettings {
            policy,
            suppress: suppress::Options::default(),
            force_exclude: input.force_exclude,
        },
        fail_level: file
            .and_then(|file| file.fail_level)
            .unwrap_or(Level::Warning),
    };
    Ok((prepared, config))
}

/// Runs a scan with a progress spinner on a terminal.
fn run_with_progress(
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

fn run_scan(registry: &Registry, args: ScanArgs) -> anyhow::Result<u8> {
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
        let applied = baseline.apply(std::mem::take(&mut scanned.findings));
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

fn run_baseline(registry: &Registry, args: &BaselineArgs) -> anyhow::Result<u8> {
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

/// Scans a directory for `plan` and `fix`, as `keyless scan` would.
fn scan_for_plan(
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

fn run_plan(registry: &Registry, args: &PlanArgs) -> anyhow::Result<u8> {
    use keyless::cli::PlanFormat;
    let scanned = scan_for_plan(registry, &args.path, &args.input, &args.rules)?;
    let knowledge = registry.knowledge();
    let plan = keyless::plan::build_with_fixes(&args.path, &scanned.findings, knowledge);
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

fn run_fix(registry: &Registry, args: &FixArgs) -> anyhow::Result<u8> {
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
        "keyless: {} {edits} rewrites in {} files; {} left alone (`keyless plan` shows every change)",
        if args.dry_run {
            "would apply"
        } else {
            "applied"
        },
        fixes.files.len(),
        fixes.skipped.len()
    );
    Ok(EXIT_CLEAN)
}

fn explain_rule(registry: &Registry, args: &ExplainArgs) -> anyhow::Result<u8> {
    let Some(rule) = registry.rule(args.rule.trim()) else {
        let similar = explain::similar_ids(registry, args.rule.trim());
        let hint = if similar.is_empty() {
            String::new()
        } else {
            format!(" (did you mean {}?)", similar.join(", "))
        };
        anyhow::bail!(
            "unknown rule `{}`{hint}; `keyless rules` lists every rule",
            args.rule
        );
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    explain::write(rule, registry, args.format, &mut out)?;
    out.flush()?;
    Ok(EXIT_CLEAN)
}

/// Quotes a path for a POSIX shell script.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn hook_script() -> String {
    let fallback = std::env::current_exe()
        .ok()
        .map(|path| shell_quote(&path.to_string_lossy()))
        .unwrap_or_else(|| "keyless".to_owned());
    format!(
        "#!/bin/sh\n{HOOK_MARKER}\n\
         # Blocks a commit whose staged files add an Azure credential. Bypass once with\n\
         # `git commit --no-verify`; uninstall by deleting this file.\n\
         if command -v keyless >/dev/null 2>&1; then\n\
         \x20 exec keyless scan --staged\n\
         fi\n\
         exec {fallback} scan --staged\n"
    )
}

fn install_hook(args: &InstallHookArgs) -> anyhow::Result<u8> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(&args.repo)
        .args(["rev-parse", "--git-path", "hooks"])
        .output()
        .context("cannot run git")?;
    if !output.status.success() {
        anyhow::bail!(
            "{}: not in a git repository ({})",
            args.repo.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let hooks = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim_end());
    let hooks = if hooks.is_relative() {
        args.repo.join(hooks)
    } else {
        hooks
    };
    std::fs::create_dir_all(&hooks)
        .with_context(|| format!("cannot create {}", hooks.display()))?;
    let hook = hooks.join("pre-commit");
    if let Ok(existing) = std::fs::read_to_string(&hook) {
        if !existing.contains(HOOK_MARKER) && !args.force {
            anyhow::bail!(
                "{} exists and keyless did not write it; add `keyless scan --staged` to it, or \
                 replace it with --force",
                hook.display()
            );
        }
    }
    std::fs::write(&hook, hook_script())
        .with_context(|| format!("cannot write {}", hook.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", hook.display()))?;
    }
    println!("keyless: installed {}", hook.display());
    Ok(EXIT_CLEAN)
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
    format!(
        "keyless: {}, {} scanned{skipped} in {:.2}s: {}, {}, {}{quiet}",
        report::count(stats.files_scanned, "file", "files"),
        scan::human_bytes(stats.bytes_scanned),
        scanned.elapsed.as_secs_f64(),
        report::count(scanned.count(Level::Error), "error", "errors"),
        report::count(scanned.count(Level::Warning), "warning", "warnings"),
        report::count(scanned.count(Level::Note), "note", "notes"),
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
