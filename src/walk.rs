//! Walking: which files a scan reads, in parallel, honouring ignore files.
//!
//! Built on the `ignore` crate (walkdir plus gitignore rules and a parallel walker). Hidden files
//! are walked (`.env`, `.github/`), `.git` is not, symlinks are not followed unless asked, and
//! explicit file arguments are always yielded. This module decides *which* files; reading and
//! matching happen in [`crate::scan`].

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::{WalkBuilder, WalkState};
use std::path::{Path, PathBuf};

/// Name of keyless's own ignore file (gitignore syntax), read in every directory like `.gitignore`.
pub const IGNORE_FILE_NAME: &str = ".keylessignore";

/// Directories that are never walked: version-control metadata.
const SKIPPED_DIRS: &[&str] = &[".git", ".hg", ".svn"];

/// How to walk.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Directories and files to walk; files are yielded even when an ignore rule matches them.
    pub roots: Vec<PathBuf>,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Follow symbolic links.
    pub follow_symlinks: bool,
    /// Honour `.gitignore`, `.ignore` and `.keylessignore` files.
    pub respect_ignore_files: bool,
    /// Extra globs to skip. A glob without `/` matches a file or directory name at any depth; one
    /// with `/` matches the path relative to the scanned root.
    pub excludes: Vec<String>,
}

/// A file the walker found.
#[derive(Debug, Clone)]
pub struct WalkedFile {
    /// Path to open.
    pub path: PathBuf,
    /// Path shown in output, `/`-separated: relative to the root when one directory is scanned,
    /// otherwise the root as given joined with the path below it (explicit files: as given).
    pub display: String,
    /// True when the file was named on the command line.
    pub explicit: bool,
    /// Size from the directory entry's metadata, when available.
    pub len: Option<u64>,
}

/// Something the walker could not walk, as (path, message).
#[derive(Debug, Clone)]
pub struct WalkProblem {
    /// The path concerned, as shown to users.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// An invalid `--exclude` glob.
#[derive(Debug, thiserror::Error)]
#[error("invalid exclude glob `{glob}`: {source}")]
pub struct ExcludeError {
    glob: String,
    source: globset::Error,
}

/// Compiles `--exclude` globs with the semantics documented on [`WalkOptions::excludes`].
pub fn compile_excludes(globs: &[String]) -> Result<GlobSet, ExcludeError> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let trimmed = glob
            .trim_start_matches("./")
            .trim_start_matches('/')
            .trim_end_matches('/');
        let anchored = glob.trim_end_matches('/').contains('/');
        let base = if anchored {
            trimmed.to_owned()
        } else {
            format!("**/{trimmed}")
        };
        for pattern in [base.clone(), format!("{base}/**")] {
            let compiled = Glob::new(&pattern).map_err(|source| ExcludeError {
                glob: glob.clone(),
                source,
            })?;
            builder.add(compiled);
        }
    }
    builder.build().map_err(|source| ExcludeError {
        glob: globs.join(", "),
        source,
    })
}

/// Exclude globs relative to a directory rather than to the scanned root: `keyless.toml`'s
/// `exclude`, which means the same files whether the scan starts at the file's directory or
/// below it. Same glob semantics as [`compile_excludes`].
#[derive(Debug, Clone)]
pub struct AnchoredExcludes {
    directory: PathBuf,
    globs: GlobSet,
}

impl AnchoredExcludes {
    /// Globs relative to `directory` (made absolute); `None` when there are none.
    pub fn new(directory: &Path, globs: &[String]) -> Result<Option<Self>, ExcludeError> {
        if globs.is_empty() {
            return Ok(None);
        }
        let directory = std::path::absolute(directory).unwrap_or_else(|_| directory.to_path_buf());
        Ok(Some(Self {
            directory,
            globs: compile_excludes(globs)?,
        }))
    }

    /// True when `path` (relative paths are taken from the current directory) is under the
    /// directory and a glob matches it or a directory above it.
    pub fn excludes(&self, path: &Path) -> bool {
        let Ok(absolute) = std::path::absolute(path) else {
            return false;
        };
        absolute
            .strip_prefix(&self.directory)
            .is_ok_and(|relative| {
                !relative.as_os_str().is_empty() && self.globs.is_match(display_given(relative))
            })
    }
}

/// Walks every root in parallel. `make_visitor` is called once per worker thread; each visitor
/// receives that thread's files and problems. `anchored` excludes are matched from their own
/// directory (see [`AnchoredExcludes`]).
pub fn walk<V>(
    options: &WalkOptions,
    excludes: &GlobSet,
    anchored: Option<&AnchoredExcludes>,
    make_visitor: impl Fn() -> V + Sync,
) where
    V: FnMut(Result<WalkedFile, WalkProblem>) + Send,
{
    let Some((first, rest)) = options.roots.split_first() else {
        return;
    };
    let respect = options.respect_ignore_files;
    let mut builder = WalkBuilder::new(first);
    for root in rest {
        builder.add(root);
    }
    builder
        .hidden(false)
        .ignore(respect)
        .git_ignore(respect)
        .git_global(respect)
        .git_exclude(respect)
        .parents(respect)
        .require_git(false)
        .follow_links(options.follow_symlinks)
        .threads(options.threads);
    if respect {
        builder.add_custom_ignore_filename(IGNORE_FILE_NAME);
    }
    let roots = options.roots.clone();
    let filter_roots = roots.clone();
    // With one directory, paths are relative to it; with several, they keep the root as given so
    // that two roots' files cannot be confused.
    let keep_root_prefix = roots.len() > 1;
    let excludes_for_filter = excludes.clone();
    let anchored = anchored.cloned();
    builder.filter_entry(move |entry| {
        if entry.depth() == 0 {
            return true;
        }
        let name = entry.file_name();
        if entry.file_type().is_some_and(|kind| kind.is_dir())
            && SKIPPED_DIRS.iter().any(|skipped| name == *skipped)
        {
            return false;
        }
        if anchored
            .as_ref()
            .is_some_and(|anchored| anchored.excludes(entry.path()))
        {
            return false;
        }
        excludes_for_filter.is_empty()
            || relative_to_root(&filter_roots, entry.path())
                .is_none_or(|relative| !excludes_for_filter.is_match(relative))
    });
    builder.build_parallel().run(|| {
        let mut visit = make_visitor();
        let roots = roots.clone();
        Box::new(move |result| {
            match result {
                Ok(entry) => {
                    let explicit = entry.depth() == 0;
                    let is_file = entry.file_type().is_some_and(|kind| kind.is_file());
                    if is_file {
                        let display = if explicit || keep_root_prefix {
                            display_given(entry.path())
                        } else {
                            relative_to_root(&roots, entry.path())
                                .map_or_else(|| display_given(entry.path()), slash_path)
                        };
                        let len = entry.metadata().ok().map(|metadata| metadata.len());
                        visit(Ok(WalkedFile {
                            path: entry.into_path(),
                            display,
                            explicit,
                            len,
                        }));
                    } else if is_special(&entry, explicit) {
                        // Reading a FIFO would block the scan forever, a device could be endless.
                        visit(Err(WalkProblem {
                            path: display_given(entry.path()),
                            message: "not a regular file (FIFO, socket or device); skipped".into(),
                        }));
                    }
                }
                Err(error) => visit(Err(problem_from(&error))),
            }
            WalkState::Continue
        })
    });
}

/// A FIFO, socket or device (anything but a file, a directory or a symlink not followed), or an
/// explicit path that is not a file or directory.
fn is_special(entry: &ignore::DirEntry, explicit: bool) -> bool {
    match entry.file_type() {
        Some(kind) => !kind.is_file() && !kind.is_dir() && !kind.is_symlink(),
        None => explicit,
    }
}

fn problem_from(error: &ignore::Error) -> WalkProblem {
    fn path_of(error: &ignore::Error) -> Option<&Path> {
        match error {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                path_of(err)
            }
            ignore::Error::Loop { child, .. } => Some(child),
            _ => None,
        }
    }
    /// The error without its depth and line wrappers (a loop comes wrapped in its depth).
    fn innermost(error: &ignore::Error) -> &ignore::Error {
        match error {
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                innermost(err)
            }
            other => other,
        }
    }
    let path = path_of(error).map(display_given).unwrap_or_default();
    let message = match innermost(error) {
        ignore::Error::Loop { ancestor, .. } => format!(
            "symbolic link loop back to {}; skipped",
            display_given(ancestor)
        ),
        other => {
            let text = other.to_string();
            // The path is reported separately; keep the reason only.
            text.rsplit_once(": ")
                .map_or(text.clone(), |(_, reason)| reason.to_owned())
        }
    };
    WalkProblem { path, message }
}

/// The path of `path` relative to the deepest root that contains it.
fn relative_to_root<'p>(roots: &[PathBuf], path: &'p Path) -> Option<&'p Path> {
    roots
        .iter()
        .filter_map(|root| path.strip_prefix(root).ok())
        .min_by_key(|relative| relative.components().count())
}

/// A path as the user gave it, without a leading `./`, with `/` separators.
pub fn display_given(path: &Path) -> String {
    let shown = path.strip_prefix(".").unwrap_or(path);
    let text = slash_path(shown);
    if text.is_empty() {
        ".".to_owned()
    } else {
        text
    }
}

fn slash_path(path: &Path) -> String {
    let mut text = String::new();
    for component in path.components() {
        match component {
            // The root is a separator of its own: `/tmp/a`, never `//tmp/a`.
            std::path::Component::RootDir => text.push('/'),
            std::path::Component::Prefix(prefix) => {
                text.push_str(&prefix.as_os_str().to_string_lossy());
            }
            other => {
                if !text.is_empty() && !text.ends_with('/') {
                    text.push('/');
                }
                text.push_str(&other.as_os_str().to_string_lossy());
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths_keep_one_leading_slash() {
        assert_eq!(display_given(Path::new("/tmp/app/a.ps1")), "/tmp/app/a.ps1");
        assert_eq!(display_given(Path::new("./src/a.cs")), "src/a.cs");
        assert_eq!(display_given(Path::new("src/a.cs")), "src/a.cs");
    }

    #[test]
    fn exclude_globs_follow_gitignore_like_anchoring() {
        let set = compile_excludes(&["fixtures".into(), "docs/*.md".into()])
            .unwrap_or_else(|error| panic!("{error}"));
        assert!(set.is_match("fixtures/app/.env"));
        assert!(set.is_match("nested/fixtures/x.json"));
        assert!(set.is_match("docs/readme.md"));
        assert!(!set.is_match("other/docs/readme.md"));
        assert!(!set.is_match("src/main.rs"));
    }

    #[test]
    fn display_paths_drop_dot_prefix() {
        assert_eq!(display_given(Path::new("./a/b.env")), "a/b.env");
        assert_eq!(display_given(Path::new(".")), ".");
    }
}
