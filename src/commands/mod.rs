//! One module per subcommand's runner; `main` parses flags and dispatches here.
//!
//! Shared here: the exit codes and how a scan's options are prepared from keyless.toml and flags.

pub(crate) mod baseline;
pub(crate) mod explain;
pub(crate) mod fix;
pub(crate) mod hook;
pub(crate) mod output;
pub(crate) mod plan;
pub(crate) mod progress;
pub(crate) mod rules;
pub(crate) mod scan;

use std::path::{Path, PathBuf};

use keyless::Level;
use keyless::cli::{InputArgs, RuleArgs};
use keyless::config::{Config, Policy};
use keyless::rules::Registry;
use keyless::scan::{DEFAULT_MAX_FILE_SIZE, ScanOptions, ScanSettings};
use keyless::suppress;
use keyless::walk::WalkOptions;

pub(crate) const EXIT_CLEAN: u8 = 0;
pub(crate) const EXIT_FINDINGS: u8 = 1;
pub(crate) const EXIT_ERROR: u8 = 2;

/// A scan's options after merging keyless.toml and the flags (flags win).
pub(crate) struct Prepared {
    pub(crate) options: ScanOptions,
    pub(crate) settings: ScanSettings,
    pub(crate) fail_level: Level,
}

pub(crate) fn prepare(
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
                .unwrap_or(DEFAULT_MAX_FILE_SIZE),
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
