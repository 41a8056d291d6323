//! Helpers for the workflow tests (pre-commit, baseline, suppressions, config, explain): temp
//! copies of fixtures, a keyless runner that ignores the caller's git and CI environment, and git.
#![allow(dead_code, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file of `fixtures/demo-app`, read as UTF-8.
pub fn demo_file(relative: &str) -> String {
    let path = repo_root().join("fixtures/demo-app").join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The storage connection string planted in `fixtures/demo-app/appsettings.json` (a fake key
/// without a checksum, so one changed character still looks like a key).
pub fn storage_connection_string() -> String {
    let text = demo_file("appsettings.json");
    let start = text
        .find("DefaultEndpointsProtocol=https;AccountName=contosofakeshop")
        .unwrap_or_else(|| panic!("appsettings.json lost its connection string"));
    let end = start
        + text
            .get(start..)
            .and_then(|rest| rest.find('"'))
            .unwrap_or_else(|| panic!("unterminated connection string"));
    text.get(start..end).unwrap_or_default().to_owned()
}

/// The key inside [`storage_connection_string`].
pub fn storage_key() -> String {
    let connection = storage_connection_string();
    connection
        .split(';')
        .find_map(|part| part.strip_prefix("AccountKey="))
        .unwrap_or_else(|| panic!("no AccountKey"))
        .to_owned()
}

/// A fresh temporary directory.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|error| panic!("cannot create a temp dir: {error}"))
}

/// Writes `text` to `dir/relative`, creating directories.
pub fn write(dir: &Path, relative: &str, text: &str) {
    let path = dir.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|error| panic!("{error}"));
    }
    std::fs::write(&path, text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
}

/// Reads `dir/relative`.
pub fn read(dir: &Path, relative: &str) -> String {
    let path = dir.join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// A command with the caller's git and CI variables removed, so that tests behave the same
/// inside a git hook, in CI and at a terminal.
pub fn clean_command(program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
    let mut command = Command::new(program);
    command.current_dir(dir).env("NO_COLOR", "1");
    for variable in [
        "CI",
        "GIT_DIR",
        "GIT_INDEX_FILE",
        "GIT_WORK_TREE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_CEILING_DIRECTORIES",
    ] {
        command.env_remove(variable);
    }
    command
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "keyless test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "keyless test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid");
    command
}

/// Runs the keyless binary with `args` in `dir`.
pub fn keyless(dir: &Path, args: &[&str]) -> Output {
    clean_command(env!("CARGO_BIN_EXE_keyless"), dir)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot run keyless: {error}"))
}

/// Whether a test that needs an outside tool can run: true when `available`; otherwise it says
/// why it skips (locally) or fails (under `CI`, whose `.ci/run` must install `install`).
pub fn tool_available(available: bool, test: &str, missing: &str, install: &str) -> bool {
    if available {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: {missing}, and CI is set: .ci/run must install it ({install})"
    );
    eprintln!("notice: {test} skipped: {missing} ({install})");
    false
}

/// Whether `program args` runs and exits 0.
pub fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Runs git with `args` in `dir` and panics when it fails.
pub fn git(dir: &Path, args: &[&str]) -> Output {
    let output = clean_command("git", dir)
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot run git: {error}"));
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A new git repository in a temp dir.
pub fn git_repo() -> tempfile::TempDir {
    let dir = temp_dir();
    git(dir.path(), &["init", "-q"]);
    dir
}

/// stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// stdout parsed as JSON.
pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is not JSON ({error}):\n{}\nstderr:\n{}",
            stdout(output),
            stderr(output)
        )
    })
}

/// (rule_id, path, line) of every finding in a JSON report.
pub fn findings(output: &Output) -> Vec<(String, String, u64)> {
    json(output)["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|finding| {
            (
                finding["rule_id"].as_str().unwrap_or_default().to_owned(),
                finding["path"].as_str().unwrap_or_default().to_owned(),
                finding["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

/// Asserts that no 12-character stretch of `secret` occurs in `text`.
pub fn assert_no_secret(text: &str, secret: &str, what: &str) {
    let chars: Vec<char> = secret.chars().collect();
    for window in chars.windows(12) {
        let piece: String = window.iter().collect();
        assert!(
            !text.contains(&piece),
            "{what} carries part of a secret: {piece}"
        );
    }
}
