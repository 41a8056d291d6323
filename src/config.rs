//! Configuration: `keyless.toml`, found upward from the scanned path or named with `--config`.
//!
//! Owns the file format (serde types that deny unknown keys), discovery, and turning the file into
//! a [`Policy`] that the scan applies: which rules run, per-path level overrides, values a team
//! has accepted. It reads files but never prints; command-line flags are merged in by the caller
//! (flags win over the file).

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use crate::finding::{Finding, Level, hash_secret};
use crate::rules::Registry;
use crate::service::Service;

/// The configuration file's name, looked for in the scanned directory and every parent.
pub const CONFIG_FILE_NAME: &str = "keyless.toml";

/// The contents of a `keyless.toml`. Every table denies unknown keys.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    /// Globs to skip, with the semantics of `--exclude`.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Exit with status 1 when a finding is at or above this level.
    #[serde(default)]
    pub fail_level: Option<Level>,
    /// Skip files larger than this (a byte count, or a string such as `"5M"`).
    #[serde(default)]
    pub max_file_size: Option<Size>,
    /// Which rules run.
    #[serde(default)]
    pub rules: RuleSelection,
    /// Per-path level overrides; the last matching one wins.
    #[serde(default)]
    pub overrides: Vec<toml::Spanned<Override>>,
    /// Secret values that are not findings (a team's documented sample key).
    #[serde(default)]
    pub allow: Vec<toml::Spanned<Allowed>>,
}

/// A size in bytes, written as a number or as a string with a K, M or G suffix.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Size {
    /// A plain byte count.
    Bytes(u64),
    /// `"512K"`, `"10M"`, `"1G"`.
    Text(String),
}

/// `[rules]`: selectors are rule ids, service names (`storage`) or `all`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSelection {
    /// Rules that do not report.
    #[serde(default)]
    pub disable: Vec<toml::Spanned<String>>,
    /// Rules that report even when `disable` names them (applied after `disable`).
    #[serde(default)]
    pub enable: Vec<toml::Spanned<String>>,
}

/// `[[overrides]]`: a level for the findings under some paths.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// Globs matched against the finding's path (a glob without `/` matches a name at any depth).
    pub paths: Vec<String>,
    /// Rule selectors the override is limited to; empty: every rule.
    #[serde(default)]
    pub rules: Vec<toml::Spanned<String>>,
    /// The new level, or `off` to drop the findings.
    pub level: OverrideLevel,
}

/// A level in `[[overrides]]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OverrideLevel {
    /// Report as a note.
    Note,
    /// Report as a warning.
    Warning,
    /// Report as an error.
    Error,
    /// Do not report.
    Off,
}

/// `[[allow]]`: one accepted secret, by value or by SHA-256.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowed {
    /// The secret itself (fine for a published sample key).
    #[serde(default)]
    pub value: Option<String>,
    /// The hex SHA-256 of the secret, as in the JSON `fingerprint` field.
    #[serde(default)]
    pub sha256: Option<String>,
    /// Rule selectors the value is allowed for; empty: every rule.
    #[serde(default)]
    pub rules: Vec<toml::Spanned<String>>,
    /// Why the value is allowed; for people.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A loaded configuration file and where it came from.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file read.
    pub path: PathBuf,
    /// What it says.
    pub file: ConfigFile,
    /// Its text, to turn spans into lines in later errors.
    text: String,
}

/// A configuration problem, with the file and, when known, the line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: cannot read: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why: shown in this error's message, and so not its `source` (which `{:#}` would
        /// print a second time).
        error: std::io::Error,
    },
    /// The file is not valid TOML, has an unknown key, or a value that does not fit.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong.
        message: String,
    },
}

/// A rule selector, a glob or a size that makes no sense (from the file or the command line).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct PolicyError {
    message: String,
}

impl Config {
    /// Reads and parses `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        Self::parse(path, &text)
    }

    /// Parses `text` as the contents of `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let invalid = |span: Option<std::ops::Range<usize>>, message: String| {
            let (line, column) = line_column(text, span.map_or(0, |span| span.start));
            ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                message,
            }
        };
        let file: ConfigFile = toml::from_str(text)
            .map_err(|error| invalid(error.span(), error.message().trim().to_owned()))?;
        for allowed in &file.allow {
            let inner = allowed.get_ref();
            match (&inner.value, &inner.sha256) {
                (Some(_), None) => {}
                (None, Some(hash)) if is_sha256(hash) => {}
                (None, Some(_)) => {
                    return Err(invalid(
                        Some(allowed.span()),
                        "`sha256` must be 64 hexadecimal digits".into(),
                    ));
                }
                _ => {
                    return Err(invalid(
                        Some(allowed.span()),
                        "an [[allow]] entry needs exactly one of `value` or `sha256`".into(),
                    ));
                }
            }
        }
        if let Some(Size::Text(size)) = &file.max_file_size {
            parse_size(size).map_err(|message| invalid(None, message))?;
        }
        Ok(Self {
            path: path.to_path_buf(),
            file,
            text: text.to_owned(),
        })
    }

    /// `path:line:column: message` for a span of the file.
    fn located(&self, span: std::ops::Range<usize>, message: impl std::fmt::Display) -> String {
        let (line, column) = line_column(&self.text, span.start);
        format!("{}:{line}:{column}: {message}", self.path.display())
    }

    /// Finds `keyless.toml` in `start` (or, for a file, its directory) or the nearest parent.
    pub fn discover(start: &Path) -> Result<Option<Self>, ConfigError> {
        let absolute = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
        let mut directory = if absolute.is_dir() {
            Some(absolute.as_path())
        } else {
            absolute.parent()
        };
        while let Some(current) = directory {
            let candidate = current.join(CONFIG_FILE_NAME);
            if candidate.is_file() {
                return Self::load(&candidate).map(Some);
            }
            directory = current.parent();
        }
        Ok(None)
    }

    /// The absolute directory the file is in: what its path globs are relative to.
    pub fn directory(&self) -> Option<PathBuf> {
        let absolute = std::path::absolute(&self.path).ok()?;
        absolute.parent().map(Path::to_path_buf)
    }

    /// The file's `max-file-size` in bytes, if set.
    pub fn max_file_size(&self) -> Option<u64> {
        match &self.file.max_file_size {
            Some(Size::Bytes(bytes)) => Some(*bytes),
            Some(Size::Text(text)) => parse_size(text).ok(),
            None => None,
        }
    }
}

fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit_once('\n')
        .map_or(before, |(_, last)| last)
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Parses `10M`, `512K`, `1G` or a plain byte count.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let (digits, multiplier) = match trimmed.char_indices().last() {
        Some((at, 'k' | 'K')) => (&trimmed[..at], 1024),
        Some((at, 'm' | 'M')) => (&trimmed[..at], 1024 * 1024),
        Some((at, 'g' | 'G')) => (&trimmed[..at], 1024 * 1024 * 1024),
        _ => (trimmed, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|value| value.checked_mul(multiplier))
        .ok_or_else(|| format!("`{text}` is not a size (examples: 1048576, 512K, 10M, 1G)"))
}

/// What a scan does with findings after matching: which rules report, at which level, and which
/// values are accepted. Built from the configuration file and the command line.
#[derive(Debug, Default)]
pub struct Policy {
    disabled: HashSet<String>,
    overrides: Vec<CompiledOverride>,
    allowed: Vec<AllowedHash>,
    /// The directory of the `keyless.toml` the overrides come from: their globs are relative to
    /// it, wherever the scan starts.
    config_dir: Option<PathBuf>,
    /// The file's `exclude` globs, relative to its directory too.
    config_excludes: Option<crate::walk::AnchoredExcludes>,
}

#[derive(Debug)]
struct CompiledOverride {
    paths: GlobSet,
    rules: Option<HashSet<String>>,
    level: OverrideLevel,
}

#[derive(Debug)]
struct AllowedHash {
    sha256: String,
    rules: Option<HashSet<String>>,
}

/// What [`Policy::apply`] did to one file's findings.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PolicyOutcome {
    /// Findings dropped because their value is allowed.
    pub allowed: usize,
    /// Findings dropped by a disabled rule or an `off` override.
    pub disabled: usize,
}

impl Policy {
    /// Builds the policy of `config` (if any), then applies `disable` and `enable` from the
    /// command line after the file's own (so flags win). Errors name the file and line, or the
    /// flag.
    pub fn new(
        registry: &Registry,
        config: Option<&Config>,
        cli_disable: &[String],
        cli_enable: &[String],
    ) -> Result<Self, PolicyError> {
        let in_file =
            |selectors: &[toml::Spanned<String>]| -> Result<BTreeSet<String>, PolicyError> {
                let mut ids = BTreeSet::new();
                for selector in selectors {
                    let found =
                        select(registry, selector.get_ref()).map_err(|message| PolicyError {
                            message: match config {
                                Some(config) => config.located(selector.span(), message),
                                None => message,
                            },
                        })?;
                    ids.extend(found);
                }
                Ok(ids)
            };
        let on_command_line =
            |flag: &str, selectors: &[String]| -> Result<BTreeSet<String>, PolicyError> {
                let mut ids = BTreeSet::new();
                for selector in selectors {
                    ids.extend(select(registry, selector).map_err(|message| PolicyError {
                        message: format!("{flag}: {message}"),
                    })?);
                }
                Ok(ids)
            };
        let file = config.map(|config| &config.file);
        let empty = RuleSelection::default();
        let rules = file.map_or(&empty, |file| &file.rules);
        let steps = [
            (in_file(&rules.disable)?, true),
            (in_file(&rules.enable)?, false),
            (on_command_line("--disable", cli_disable)?, true),
            (on_command_line("--enable", cli_enable)?, false),
        ];
        let mut disabled = HashSet::new();
        for (ids, disable) in steps {
            for id in ids {
                if disable {
                    disabled.insert(id);
                } else {
                    disabled.remove(&id);
                }
            }
        }
        let optional = |selectors: &[toml::Spanned<String>]| {
            in_file(selectors)
                .map(|ids| (!selectors.is_empty()).then(|| ids.into_iter().collect::<HashSet<_>>()))
        };
        let mut overrides = Vec::new();
        let mut allowed = Vec::new();
        if let Some(file) = file {
            for item in &file.overrides {
                let paths =
                    compile_path_globs(&item.get_ref().paths).map_err(|error| PolicyError {
                        message: config.map_or_else(
                            || error.to_string(),
                            |config| config.located(item.span(), &error),
                        ),
                    })?;
                overrides.push(CompiledOverride {
                    paths,
                    rules: optional(&item.get_ref().rules)?,
                    level: item.get_ref().level,
                });
            }
            for item in &file.allow {
                let inner = item.get_ref();
                let sha256 = match (&inner.value, &inner.sha256) {
                    (Some(value), _) => hash_secret(value),
                    (None, Some(hash)) => hash.to_ascii_lowercase(),
                    (None, None) => continue,
                };
                allowed.push(AllowedHash {
                    sha256,
                    rules: optional(&inner.rules)?,
                });
            }
        }
        let config_dir = config.and_then(Config::directory);
        let config_excludes = match (config, &config_dir) {
            (Some(config), Some(directory)) => {
                crate::walk::AnchoredExcludes::new(directory, &config.file.exclude).map_err(
                    |error| PolicyError {
                        message: format!("{}: {error}", config.path.display()),
                    },
                )?
            }
            _ => None,
        };
        Ok(Self {
            disabled,
            overrides,
            allowed,
            config_dir,
            config_excludes,
        })
    }

    /// `keyless.toml`'s `exclude` globs, matched from the file's directory.
    pub fn config_excludes(&self) -> Option<&crate::walk::AnchoredExcludes> {
        self.config_excludes.as_ref()
    }

    /// True when the policy changes nothing.
    pub fn is_empty(&self) -> bool {
        self.disabled.is_empty() && self.overrides.is_empty() && self.allowed.is_empty()
    }

    /// Drops disabled and allowed findings and applies level overrides, in place. Override
    /// globs match the findings' paths as they are.
    pub fn apply(&self, findings: &mut Vec<Finding>) -> PolicyOutcome {
        self.apply_to_file(findings, None)
    }

    /// [`Policy::apply`] for the findings of `file` (its path on disk): override globs match
    /// its path relative to the `keyless.toml`'s directory, so `keyless scan src` and
    /// `keyless scan .` give one file the same level. Files outside that directory, and
    /// findings without a file, are matched by their finding path.
    pub fn apply_to_file(&self, findings: &mut Vec<Finding>, file: Option<&Path>) -> PolicyOutcome {
        let mut outcome = PolicyOutcome::default();
        if self.is_empty() {
            return outcome;
        }
        let from_config = match (file, &self.config_dir) {
            (Some(file), Some(directory)) => std::path::absolute(file).ok().and_then(|file| {
                file.strip_prefix(directory)
                    .ok()
                    .map(crate::walk::display_given)
            }),
            _ => None,
        };
        findings.retain_mut(|finding| {
            if self.disabled.contains(&finding.rule_id) {
                outcome.disabled += 1;
                return false;
            }
            if self.allowed.iter().any(|allowed| {
                allowed.sha256 == finding.secret_hash
                    && allowed
                        .rules
                        .as_ref()
                        .is_none_or(|rules| rules.contains(&finding.rule_id))
            }) {
                outcome.allowed += 1;
                return false;
            }
            let level = self
                .overrides
                .iter()
                .rev()
                .find(|item| {
                    item.paths
                        .is_match(from_config.as_deref().unwrap_or(&finding.path))
                        && item
                            .rules
                            .as_ref()
                            .is_none_or(|rules| rules.contains(&finding.rule_id))
                })
                .map(|item| item.level);
            match level {
                Some(OverrideLevel::Off) => {
                    outcome.disabled += 1;
                    false
                }
                Some(OverrideLevel::Note) => {
                    finding.level = Level::Note;
                    true
                }
                Some(OverrideLevel::Warning) => {
                    finding.level = Level::Warning;
                    true
                }
                Some(OverrideLevel::Error) => {
                    finding.level = Level::Error;
                    true
                }
                None => true,
            }
        });
        outcome
    }
}

/// Rule ids named by a selector: a rule id, a service name or `all`.
fn select(registry: &Registry, selector: &str) -> Result<BTreeSet<String>, String> {
    let selector = selector.trim();
    let service = Service::ALL
        .into_iter()
        .find(|service| service.as_str() == selector);
    if selector != "all" && service.is_none() && registry.rule(selector).is_none() {
        return Err(format!(
            "unknown rule or service `{selector}` (`keyless rules` lists the rule ids)"
        ));
    }
    Ok(registry
        .rules()
        .iter()
        .filter(|rule| {
            selector == "all"
                || rule.spec.id == selector
                || service.is_some_and(|service| rule.spec.service == service)
        })
        .map(|rule| rule.spec.id.clone())
        .collect())
}

/// Compiles path globs: one without `/` matches a name at any depth, one with `/` matches the
/// path from its start; a directory glob also matches everything below it.
pub fn compile_path_globs(globs: &[String]) -> Result<GlobSet, PolicyError> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let trimmed = glob.trim_start_matches("./").trim_end_matches('/');
        let trimmed = trimmed.trim_start_matches('/');
        let base = if glob.trim_end_matches('/').contains('/') {
            trimmed.to_owned()
        } else {
            format!("**/{trimmed}")
        };
        for pattern in [base.clone(), format!("{base}/**")] {
            let compiled = Glob::new(&pattern).map_err(|error| PolicyError {
                message: format!("invalid glob `{glob}`: {error}"),
            })?;
            builder.add(compiled);
        }
    }
    builder.build().map_err(|error| PolicyError {
        message: format!("invalid globs: {error}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_suffixes() {
        assert_eq!(parse_size("10M"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("42"), Ok(42));
        assert!(parse_size("ten").is_err());
    }

    #[test]
    fn unknown_keys_name_the_line() {
        let text = "exclude = [\"docs\"]\n\n[rules]\ndisabel = [\"x\"]\n";
        let error = Config::parse(Path::new("keyless.toml"), text)
            .err()
            .map(|error| error.to_string())
            .unwrap_or_default();
        assert!(
            error.starts_with("keyless.toml:4:1: unknown field `disabel`"),
            "{error}"
        );
    }

    #[test]
    fn allow_needs_one_of_value_or_sha256() {
        let text = "[[allow]]\nreason = \"sample\"\n";
        let error = Config::parse(Path::new("k.toml"), text)
            .err()
            .map(|error| error.to_string())
            .unwrap_or_default();
        assert!(error.contains("exactly one of"), "{error}");
    }

    #[test]
    fn line_and_column_of_offsets() {
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("", 0), (1, 1));
    }
}
