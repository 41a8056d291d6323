//! End to end: `keyless lsp` driven by a real LSP client (pytest-lsp, from PyPI) through
//! `python3 -m pytest tests/lsp`. CI installs pytest-lsp in `.ci/run`; elsewhere the test is
//! skipped with a notice when it is missing, and fails when `CI` is set.
#![allow(clippy::print_stderr)]

mod common;

use std::process::Command;

#[test]
fn pytest_lsp_drives_the_server() {
    let importable = Command::new("python3")
        .args(["-c", "import pytest_lsp"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !importable {
        assert!(
            std::env::var_os("CI").is_none(),
            "pytest-lsp is not importable and CI is set (.ci/run installs it)"
        );
        eprintln!(
            "notice: lsp_e2e skipped: pytest-lsp is not installed (python3 -m pip install pytest-lsp)"
        );
        return;
    }
    let output = Command::new("python3")
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/lsp"])
        .current_dir(common::repo_root())
        .env("KEYLESS_BIN", env!("CARGO_BIN_EXE_keyless"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap_or_else(|error| panic!("cannot run python3 -m pytest: {error}"));
    assert!(
        output.status.success(),
        "pytest tests/lsp failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
