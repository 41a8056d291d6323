//! End to end: `keyless lsp` driven by a real LSP client (pytest-lsp, from PyPI) through
//! `python3 -m pytest tests/lsp`. CI installs pytest-lsp in `.ci/run`; elsewhere the test is
//! skipped with a notice when it is missing, and fails when `CI` is set.
#![allow(clippy::print_stderr)]

use crate::common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};

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

/// The binary over real pipes, with frames no client should send: a body that is not JSON, a
/// request that is not JSON-RPC, a header without a length, binary bytes. It answers what it
/// can, skips the rest, and still shuts down in order (exit status 0).
#[test]
fn the_binary_survives_malformed_frames() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_keyless"))
        .args(["lsp", "--stdio"])
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start keyless lsp: {error}"));
    let frame = |body: &str| format!("Content-Length: {}\r\n\r\n{body}", body.len());
    let mut input = String::new();
    input.push_str(&frame("{ this is not json"));
    input.push_str(&frame(
        r#"{"jsonrpc":"2.0","id":7,"method":["not","a","string"]}"#,
    ));
    input.push_str("X-Nonsense: 1\r\n\r\n");
    input.push_str(&frame("\u{0}\u{1}\u{2}binary"));
    input.push_str(&frame(
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{},"initializationOptions":{"noWorkspaceScan":true}}}"#,
    ));
    input.push_str(&frame(
        r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
    ));
    input.push_str(&frame(
        r#"{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":42}"#,
    ));
    input.push_str(&frame(r#"{"jsonrpc":"2.0","id":3,"method":"shutdown"}"#));
    input.push_str(&frame(r#"{"jsonrpc":"2.0","method":"exit"}"#));
    let mut stdin = server.stdin.take().unwrap_or_else(|| panic!("no stdin"));
    stdin
        .write_all(input.as_bytes())
        .unwrap_or_else(|error| panic!("cannot write: {error}"));
    drop(stdin);
    let mut stdout = String::new();
    server
        .stdout
        .take()
        .unwrap_or_else(|| panic!("no stdout"))
        .read_to_string(&mut stdout)
        .unwrap_or_else(|error| panic!("cannot read: {error}"));
    let status = server
        .wait()
        .unwrap_or_else(|error| panic!("cannot wait: {error}"));
    assert!(status.success(), "exit status {status:?}\n{stdout}");
    for expected in [
        r#""id":7,"error":{"code":-32600"#,
        r#""id":1,"result":{"capabilities""#,
        r#""id":2,"error":{"code":-32602"#,
        r#""id":3,"result":null"#,
    ] {
        assert!(
            stdout.contains(expected),
            "{expected} missing from:\n{stdout}"
        );
    }
}
