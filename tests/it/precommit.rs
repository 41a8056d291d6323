//! Commit-time scanning: `pre-commit try-repo` with the published hook (built by pre-commit with
//! `language: rust`), `keyless scan --staged` (the index, not the work tree) and the plain git
//! hook that `keyless install-hook` writes.

use crate::workflow_common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Instant;
use workflow_common::{
    assert_no_secret, clean_command, demo_file, findings, git, git_repo, keyless, repo_root,
    stderr, stdout, storage_key, temp_dir, write,
};

/// The planted Service Bus connection string file, and its key.
pub(crate) fn worker_py() -> String {
    demo_file("src/worker.py")
}

pub(crate) fn worker_key() -> String {
    let text = worker_py();
    let start = text
        .find("SharedAccessKey=")
        .map(|at| at + "SharedAccessKey=".len())
        .unwrap_or_else(|| panic!("worker.py lost its key"));
    let rest = text.get(start..).unwrap_or_default();
    rest.get(..rest.find('"').unwrap_or(rest.len()))
        .unwrap_or_default()
        .to_owned()
}

pub(crate) fn clean_worker_py() -> String {
    worker_py()
        .lines()
        .filter(|line| !line.contains("SharedAccessKey=") && !line.starts_with("EVENTHUB_KEY"))
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn staged_scans_the_index_not_the_work_tree() {
    let repo = git_repo();
    let dir = repo.path();
    // Staged with a key, then the key is removed from the work tree only.
    write(dir, "app/worker.py", &worker_py());
    git(dir, &["add", "app/worker.py"]);
    write(dir, "app/worker.py", &clean_worker_py());
    let started = Instant::now();
    let staged = keyless(dir, &["scan", "--staged", "--format", "json"]);
    eprintln!(
        "timing: keyless scan --staged on a one-file repo took {:?}",
        started.elapsed()
    );
    assert_eq!(staged.status.code(), Some(1), "{}", stderr(&staged));
    let found = findings(&staged);
    assert!(!found.is_empty());
    assert!(
        found.iter().all(|(_, path, _)| path == "app/worker.py"),
        "{found:?}"
    );
    let work_tree = keyless(dir, &["scan", "--format", "json", "."]);
    assert_eq!(
        work_tree.status.code(),
        Some(0),
        "{:?}",
        findings(&work_tree)
    );

    // The other way round: the index is clean, the work tree has the key.
    git(dir, &["add", "app/worker.py"]);
    write(dir, "app/worker.py", &worker_py());
    let staged = keyless(dir, &["scan", "--staged", "--format", "json"]);
    assert_eq!(staged.status.code(), Some(0), "{:?}", findings(&staged));
    for output in [&staged, &work_tree] {
        assert_no_secret(&stdout(output), &worker_key(), "--staged output");
    }
}

#[test]
fn staged_paths_are_relative_to_the_repository_root_and_ignore_files_apply() {
    let repo = git_repo();
    let dir = repo.path();
    write(dir, "service/app/worker.py", &worker_py());
    write(dir, "fixtures/sample.py", &worker_py());
    write(dir, ".keylessignore", "/fixtures/\n");
    git(dir, &["add", "."]);
    // Run from a subdirectory with the default path `.`: only that subtree, shown from the root.
    let sub = keyless(
        &dir.join("service"),
        &["scan", "--staged", "--format", "json"],
    );
    let paths: Vec<String> = findings(&sub)
        .into_iter()
        .map(|(_, path, _)| path)
        .collect();
    assert!(!paths.is_empty());
    assert!(
        paths.iter().all(|path| path == "service/app/worker.py"),
        "{paths:?}"
    );
    // From the root the ignored fixture stays out, as it does in a walk.
    let root = keyless(dir, &["scan", "--staged", "--format", "json"]);
    let paths: Vec<String> = findings(&root)
        .into_iter()
        .map(|(_, path, _)| path)
        .collect();
    assert!(
        paths.iter().all(|path| path == "service/app/worker.py"),
        "{paths:?}"
    );
    // SARIF of a staged scan is relative to the repository.
    let sarif = keyless(dir, &["scan", "--staged", "--format", "sarif"]);
    let log: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap_or_default();
    let base = log["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let canonical = std::fs::canonicalize(dir).unwrap_or_default();
    assert!(
        base.trim_end_matches('/')
            .ends_with(canonical.to_string_lossy().trim_end_matches('/')),
        "{base}"
    );
}

#[test]
fn staged_outside_a_repository_is_an_error() {
    let dir = temp_dir();
    let output = clean_command(env!("CARGO_BIN_EXE_keyless"), dir.path())
        .env(
            "GIT_CEILING_DIRECTORIES",
            dir.path().parent().unwrap_or(dir.path()),
        )
        .args(["scan", "--staged"])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--staged:"), "{}", stderr(&output));
}

/// A directory holding only a `keyless` link to the binary under test, for PATH.
fn bin_dir() -> tempfile::TempDir {
    let dir = temp_dir();
    #[cfg(unix)]
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_keyless"), dir.path().join("keyless"))
        .unwrap_or_else(|error| panic!("{error}"));
    dir
}

fn commit(dir: &Path, path_dir: &Path, message: &str) -> Output {
    let path = std::env::join_paths(std::iter::once(path_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap_or_default();
    clean_command("git", dir)
        .env("PATH", path)
        .args(["-c", "commit.gpgsign=false", "commit", "-q", "-m", message])
        .output()
        .unwrap_or_else(|error| panic!("cannot run git: {error}"))
}

fn commit_count(dir: &Path) -> usize {
    let output = clean_command("git", dir)
        .args(["rev-list", "--count", "--all"])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    stdout(&output).trim().parse().unwrap_or(0)
}

#[test]
fn install_hook_blocks_a_commit_with_a_key_and_lets_a_clean_one_through() {
    let repo = git_repo();
    let dir = repo.path();
    let bin = bin_dir();
    let installed = keyless(dir, &["install-hook"]);
    assert_eq!(installed.status.code(), Some(0), "{}", stderr(&installed));
    let hook = dir.join(".git/hooks/pre-commit");
    assert!(hook.is_file());

    write(dir, "README.md", "# shop\n");
    git(dir, &["add", "README.md"]);
    let clean = commit(dir, bin.path(), "clean");
    assert!(
        clean.status.success(),
        "clean commit blocked: {}",
        stderr(&clean)
    );
    assert_eq!(commit_count(dir), 1);

    write(
        dir,
        "settings.env",
        &format!(
            "STORAGE_KEY_CONNECTION=\"AccountName=contosofake;AccountKey={}\"\n",
            storage_key()
        ),
    );
    git(dir, &["add", "settings.env"]);
    let blocked = commit(dir, bin.path(), "with a key");
    assert!(
        !blocked.status.success(),
        "a commit with a key went through"
    );
    assert_eq!(commit_count(dir), 1);
    let said = format!("{}{}", stdout(&blocked), stderr(&blocked));
    assert!(said.contains("storage-account-key"), "{said}");
    assert_no_secret(&said, &storage_key(), "the hook's output");

    // Reinstalling over keyless's own hook is fine; a foreign hook needs --force.
    assert_eq!(keyless(dir, &["install-hook"]).status.code(), Some(0));
    std::fs::write(&hook, "#!/bin/sh\nexec make lint\n").unwrap_or_else(|error| panic!("{error}"));
    let refused = keyless(dir, &["install-hook"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("--force"), "{}", stderr(&refused));
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap_or_default(),
        "#!/bin/sh\nexec make lint\n"
    );
    assert_eq!(
        keyless(dir, &["install-hook", "--force"]).status.code(),
        Some(0)
    );
    assert!(
        std::fs::read_to_string(&hook)
            .unwrap_or_default()
            .contains("keyless scan --staged")
    );
}

/// A git repository holding this crate's sources as `git ls-files` sees them (tracked and new,
/// not ignored), committed: what a published revision of keyless would contain.
fn hook_repository() -> tempfile::TempDir {
    let repo = git_repo();
    let listing = clean_command("git", &repo_root())
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(listing.status.success(), "git ls-files failed");
    for relative in listing.stdout.split(|byte| *byte == 0) {
        let relative = String::from_utf8_lossy(relative);
        if relative.is_empty() {
            continue;
        }
        let from = repo_root().join(relative.as_ref());
        if !from.is_file() {
            continue; // deleted in the work tree
        }
        let to = repo.path().join(relative.as_ref());
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|error| panic!("{error}"));
        }
        std::fs::copy(&from, &to).unwrap_or_else(|error| panic!("{}: {error}", from.display()));
    }
    git(repo.path(), &["add", "-A"]);
    git(
        repo.path(),
        &[
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-q",
            "-m",
            "keyless",
        ],
    );
    repo
}

/// Runs `pre-commit try-repo HOOK_REPO keyless` in `project`. pre-commit builds the hook with
/// `cargo install` (language: rust); a shared target directory and a fast, offline profile keep
/// that to seconds after the first run (the test checks the hook, not the release build).
fn try_repo(project: &Path, hook_repo: &Path) -> (Output, std::time::Duration) {
    let target: PathBuf = repo_root().join("target").join("pre-commit-hook");
    let started = Instant::now();
    let output = clean_command("pre-commit", project)
        .args([
            "try-repo",
            &hook_repo.to_string_lossy(),
            "keyless",
            "--color",
            "never",
        ])
        .env("PRE_COMMIT_HOME", project.join(".pre-commit-home"))
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_NET_OFFLINE", "true")
        .env("CARGO_PROFILE_RELEASE_LTO", "off")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "0")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "64")
        .output()
        .unwrap_or_else(|error| panic!("cannot run pre-commit: {error}"));
    (output, started.elapsed())
}

#[test]
fn pre_commit_try_repo_blocks_a_key_and_passes_a_clean_change() {
    let has_pre_commit = clean_command("python3", &repo_root())
        .args(["-m", "pre_commit", "--version"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !has_pre_commit {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install pre-commit (.ci/run does)"
        );
        eprintln!("notice: pre-commit try-repo test skipped: pre-commit is not installed");
        return;
    }
    let hooks = hook_repository();

    let dirty = git_repo();
    write(dirty.path(), "src/worker.py", &worker_py());
    write(dirty.path(), "README.md", "# shop\n");
    git(dirty.path(), &["add", "."]);
    let (blocked, took) = try_repo(dirty.path(), hooks.path());
    eprintln!("timing: pre-commit try-repo with a key took {took:?} (includes cargo install)");
    let said = format!("{}{}", stdout(&blocked), stderr(&blocked));
    assert!(!blocked.status.success(), "a staged key passed:\n{said}");
    assert!(said.contains("Failed"), "{said}");
    assert!(said.contains("servicebus-connection-string"), "{said}");
    assert!(said.contains("src/worker.py"), "{said}");
    assert_no_secret(&said, &worker_key(), "pre-commit output");

    let clean = git_repo();
    write(clean.path(), "src/worker.py", &clean_worker_py());
    git(clean.path(), &["add", "."]);
    let (passed, took) = try_repo(clean.path(), hooks.path());
    eprintln!("timing: pre-commit try-repo on a clean change took {took:?}");
    let said = format!("{}{}", stdout(&passed), stderr(&passed));
    assert!(
        passed.status.success(),
        "a clean change was blocked:\n{said}"
    );
    assert!(said.contains("Passed"), "{said}");
}
