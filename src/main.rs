//! The `keyless` binary: parses flags and dispatches to a subcommand's runner in [`commands`].
//!
//! Exit status: 0 nothing at or above the fail level, 1 findings, 2 usage or fatal error. This is
//! the only place (with `report/`) that writes to stdout or stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod commands;

use clap::Parser;
use std::io;
use std::process::ExitCode;

use keyless::cli::{Cli, Command};
use keyless::rules::Registry;

use commands::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};

/// The parsers allocate and free many small nodes per file; jemalloc's thread caches serve
/// them for less than glibc's malloc does (see `Cargo.toml`).
#[cfg(all(unix, not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Hands tree-sitter's C core (trees, parse stacks) to jemalloc as well.
#[cfg(all(unix, not(target_env = "musl")))]
#[allow(unsafe_code)]
fn use_jemalloc_in_parsers() {
    let allocator = tree_sitter::Allocator {
        malloc: tikv_jemalloc_sys::malloc,
        calloc: tikv_jemalloc_sys::calloc,
        realloc: tikv_jemalloc_sys::realloc,
        free: tikv_jemalloc_sys::free,
    };
    // SAFETY: one allocator family for all four functions, none of which returns null for a
    // non-zero size (jemalloc aborts the process rather), with malloc's alignment; installed
    // first thing in `main`, before any thread starts or any tree-sitter object exists.
    unsafe { tree_sitter::set_allocator(Some(allocator)) };
}

#[cfg(not(all(unix, not(target_env = "musl"))))]
fn use_jemalloc_in_parsers() {}

fn main() -> ExitCode {
    use_jemalloc_in_parsers();
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
        return finish(commands::hook::install_hook(args));
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
        Command::Scan(args) => commands::scan::run_scan(&registry, args),
        Command::Rules(args) => commands::rules::list_rules(&registry, &args).map(|()| EXIT_CLEAN),
        Command::Explain(args) => commands::explain::explain_rule(&registry, &args),
        Command::Baseline(args) => commands::baseline::run_baseline(&registry, &args),
        Command::InstallHook(args) => commands::hook::install_hook(&args),
        Command::Lsp(_) => keyless::lsp::run_stdio(registry)
            .map(|orderly| if orderly { EXIT_CLEAN } else { EXIT_FINDINGS })
            .map_err(Into::into),
        Command::Plan(args) => commands::plan::run_plan(&registry, &args),
        Command::Fix(args) => commands::fix::run_fix(&registry, &args),
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
