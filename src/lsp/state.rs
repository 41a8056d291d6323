//! What the server knows: the workspace (root, `keyless.toml` policy, baseline, excludes) and the
//! open documents with the findings of their latest scanned version.
//!
//! Buffers are scanned as the files they stand for: the path is relative to the workspace root,
//! so path-based rule logic (formats by extension, `[[overrides]]` globs, baseline entries)
//! behaves as in `keyless scan` run at the root.

use globset::GlobSet;
use ignore::Match;
use ignore::gitignore::Gitignore;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::baseline::Baseline;
use crate::config::{Config, Policy};
use crate::finding::Finding;
use crate::rules::{Registry, matcher};
use crate::scan::DEFAULT_MAX_FILE_SIZE;
use crate::source::{BINARY_SNIFF_LEN, SourceText};
use crate::{suppress, walk};

/// The baseline file used when the client names none: the one the README's CI examples use.
pub const DEFAULT_BASELINE: &str = ".keyless-baseline.json";

/// The workspace: its root and everything read from it that shapes a scan.
#[derive(Debug)]
pub struct Workspace {
    /// The directory paths are relative to.
    pub root: PathBuf,
    /// The `keyless.toml` found from the root, if any.
    pub config: Option<Config>,
    /// Its policy (empty without one).
    pub policy: Policy,
    /// The `exclude` globs of `keyless.toml`.
    pub excludes: Vec<String>,
    /// Files larger than this are not scanned.
    pub max_file_size: u64,
    /// Where the baseline lives (it may not exist yet).
    pub baseline_path: PathBuf,
    /// The baseline, when the file exists and reads.
    pub baseline: Option<Baseline>,
    /// Problems reading `keyless.toml` or the baseline, to show the user once.
    pub problems: Vec<String>,
}

impl Workspace {
    /// Reads `keyless.toml` (found from `root` upward) and the baseline; a file that does not
    /// read becomes a problem and its defaults apply.
    pub fn load(registry: &Registry, root: PathBuf, baseline: Option<PathBuf>) -> Self {
        let mut problems = Vec::new();
        let config = Config::discover(&root).unwrap_or_else(|error| {
            problems.push(format!("keyless.toml ignored: {error}"));
            None
        });
        let policy = Policy::new(registry, config.as_ref(), &[], &[]).unwrap_or_else(|error| {
            problems.push(format!("keyless.toml rules ignored: {error}"));
            Policy::default()
        });
        let baseline_path = match baseline {
            Some(path) if path.is_relative() => root.join(path),
            Some(path) => path,
            None => root.join(DEFAULT_BASELINE),
        };
        let mut workspace = Self {
            excludes: config
                .as_ref()
                .map(|config| config.file.exclude.clone())
                .unwrap_or_default(),
            max_file_size: config
                .as_ref()
                .and_then(Config::max_file_size)
                .unwrap_or(DEFAULT_MAX_FILE_SIZE),
            root,
            config,
            policy,
            baseline_path,
            baseline: None,
            problems,
        };
        workspace.reload_baseline();
        workspace
    }

    /// A policy equal to [`Workspace::policy`], for a scan that owns its settings.
    pub fn policy_copy(&self, registry: &Registry) -> Policy {
        Policy::new(registry, self.config.as_ref(), &[], &[]).unwrap_or_default()
    }

    /// Reads the baseline file again (after it was written or saved).
    pub fn reload_baseline(&mut self) {
        self.baseline = None;
        if !self.baseline_path.is_file() {
            return;
        }
        match Baseline::load(&self.baseline_path) {
            Ok(baseline) => self.baseline = Some(baseline),
            Err(error) => self.problems.push(format!("baseline ignored: {error}")),
        }
    }

    /// The path a file is shown and matched as: relative to the root with `/` separators, or
    /// the whole path for files outside it.
    pub fn relative_path(&self, path: &Path) -> String {
        match path.strip_prefix(&self.root) {
            Ok(relative) if !relative.as_os_str().is_empty() => walk::display_given(relative),
            _ => walk::display_given(path),
        }
    }

    /// True when `keyless scan` at the root would skip the file: an `exclude` glob of
    /// `keyless.toml`, or a `.keylessignore`, `.ignore` or `.gitignore` between the root and it.
    pub fn excluded(&self, path: &Path) -> bool {
        let Ok(relative) = path.strip_prefix(&self.root) else {
            return false;
        };
        let shown = walk::display_given(relative);
        if self
            .policy
            .config_excludes()
            .is_some_and(|anchored| anchored.excludes(path))
        {
            return true;
        }
        if let Ok(globs) = walk::compile_excludes(&self.excludes) {
            if excluded_by_globs(&globs, &shown) {
                return true;
            }
        }
        for directory in path.ancestors().skip(1) {
            if !directory.starts_with(&self.root) {
                break;
            }
            let Ok(below) = path.strip_prefix(directory) else {
                continue;
            };
            for name in [walk::IGNORE_FILE_NAME, ".ignore", ".gitignore"] {
                let file = directory.join(name);
                if !file.is_file() {
                    continue;
                }
                match Gitignore::new(&file)
                    .0
                    .matched_path_or_any_parents(below, false)
                {
                    Match::Ignore(_) => return true,
                    Match::Whitelist(_) => return false,
                    Match::None => {}
                }
            }
        }
        false
    }

    /// Scans an editor buffer as the file `path` (relative to the root): rules, policy, inline
    /// suppressions, then the baseline. Binary and oversized texts yield nothing.
    pub fn scan_buffer(&self, registry: &Registry, path: &str, text: &str) -> Vec<Finding> {
        if text.len() as u64 > self.max_file_size || looks_binary(text) {
            return Vec::new();
        }
        let source = SourceText::from_text(text);
        let mut findings = matcher::scan_source(registry, path, &source);
        self.policy
            .apply_to_file(&mut findings, Some(&self.root.join(path)));
        let kept = suppress::apply(path, &source, findings, suppress::Options::default()).findings;
        self.apply_baseline(kept)
    }

    /// Drops what the baseline accepts.
    pub fn apply_baseline(&self, findings: Vec<Finding>) -> Vec<Finding> {
        match &self.baseline {
            Some(baseline) => baseline.apply(findings).findings,
            None => findings,
        }
    }
}

fn excluded_by_globs(globs: &GlobSet, shown: &str) -> bool {
    !globs.is_empty() && globs.is_match(shown)
}

/// A NUL byte early on: the scan skips such files as binary, and so does the editor.
fn looks_binary(text: &str) -> bool {
    let head = text.as_bytes();
    head[..head.len().min(BINARY_SNIFF_LEN)].contains(&0)
}

/// One open document.
#[derive(Debug, Clone)]
pub struct Document {
    /// The client's version of the text.
    pub version: i32,
    /// The text (shared with scans in flight).
    pub text: Arc<String>,
    /// The path rules see: relative to the workspace root.
    pub path: String,
    /// The file on disk, when the URI is a `file:` URI.
    pub file: Option<PathBuf>,
    /// Skipped like `keyless scan` skips it (exclude globs, ignore files).
    pub excluded: bool,
    /// Findings of the version they were computed for.
    pub findings: Option<(i32, Arc<Vec<Finding>>)>,
}

/// Open documents by URI.
pub type Documents = HashMap<String, Document>;

/// The file a `file:` URI names (percent-decoded); `None` for other schemes.
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file:///C:/x` on Windows, `file:///x` elsewhere; an authority other than empty or
    // `localhost` is a network path that is not handled.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let decoded = percent_decode(rest)?;
    let windows_drive = decoded.len() > 2
        && decoded.as_bytes().get(2) == Some(&b':')
        && decoded
            .as_bytes()
            .get(1)
            .is_some_and(u8::is_ascii_alphabetic);
    Some(PathBuf::from(if windows_drive && cfg!(windows) {
        decoded.get(1..).unwrap_or_default().to_owned()
    } else {
        decoded
    }))
}

/// The `file:` URI of an absolute path.
pub fn path_to_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let prefix = if text.starts_with('/') {
        "file://"
    } else {
        "file:///"
    };
    let mut encoded = String::with_capacity(text.len() + prefix.len());
    encoded.push_str(prefix);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                encoded.push(byte as char);
            }
            b':' if encoded.len() <= prefix.len() + 2 => encoded.push(':'),
            other => encoded.push_str(&format!("%{other:02X}")),
        }
    }
    encoded
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        if byte == b'%' {
            let hex = text.get(index + 1..index + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(byte);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_round_trip() {
        let path = Path::new("/work/my dir/é.env");
        let uri = path_to_uri(path);
        assert_eq!(uri, "file:///work/my%20dir/%C3%A9.env");
        assert_eq!(uri_to_path(&uri).as_deref(), Some(path));
        assert_eq!(uri_to_path("untitled:Untitled-1"), None);
        assert_eq!(uri_to_path("file:///bad%zz"), None);
        assert_eq!(
            uri_to_path("file://localhost/a/b").as_deref(),
            Some(Path::new("/a/b"))
        );
    }
}
