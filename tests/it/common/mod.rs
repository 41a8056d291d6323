//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture directory by name.
pub fn fixture(name: &str) -> PathBuf {
    repo_root().join("fixtures").join(name)
}

/// The embedded registry, or a panic that lists every load error.
pub fn registry() -> keyless::Registry {
    keyless::Registry::embedded().unwrap_or_else(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        panic!("rule data does not load:\n{}", lines.join("\n"))
    })
}

/// `../shared` beside the project root. When it is absent a test fails under CI and is skipped
/// (with a printed notice) elsewhere: callers return early on `None`.
pub fn shared_dir(test: &str) -> Option<PathBuf> {
    let shared = repo_root().join("..").join("shared");
    if shared.is_dir() {
        return Some(shared);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: ../shared is missing, and CI is set"
    );
    eprintln!("notice: {test} skipped: ../shared is not beside the project root");
    None
}

/// Every file below `roots`, ignore files and hidden files included (a corpus walk for tests
/// that check a property of each file).
pub fn files_under(roots: Vec<PathBuf>) -> impl Iterator<Item = PathBuf> {
    roots.into_iter().flat_map(|root| {
        ignore::WalkBuilder::new(root)
            .standard_filters(false)
            .build()
            .flatten()
            .filter(|entry| entry.file_type().is_some_and(|kind| kind.is_file()))
            .map(ignore::DirEntry::into_path)
    })
}

/// Runs the keyless binary with `args` in `dir`.
pub fn keyless(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keyless"))
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|error| panic!("cannot run keyless: {error}"))
}

/// Parses stdout as JSON.
pub fn json_of(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is not JSON ({error}):\n{}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// Every fake key planted in `fixtures/demo-app`, read back from the files themselves: the
/// values after `AccountKey=`, `SharedAccessKey=`, `sig=` and the bare keys and secrets.
pub fn planted_secrets() -> Vec<String> {
    let report = scan_fixture("demo-app");
    let mut secrets = Vec::new();
    for finding in report
        .findings
        .iter()
        .filter(|finding| finding.level == keyless::Level::Error)
    {
        let path = fixture("demo-app").join(&finding.path);
        let bytes =
            std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let keyless::source::Decoded::Text(text) = keyless::source::decode(&bytes) else {
            panic!("{} decodes as binary", path.display())
        };
        let secret = text
            .text()
            .get(finding.byte_range.clone())
            .unwrap_or_default()
            .to_owned();
        assert!(
            secret.len() >= 20,
            "{}: suspiciously short secret",
            finding.rule_id
        );
        secrets.push(secret);
    }
    secrets
}

/// Default scan options for one root.
pub fn scan_options(root: &Path) -> keyless::ScanOptions {
    keyless::ScanOptions {
        walk: keyless::walk::WalkOptions {
            roots: vec![root.to_path_buf()],
            threads: 0,
            follow_symlinks: false,
            respect_ignore_files: true,
            excludes: Vec::new(),
        },
        max_file_size: keyless::scan::DEFAULT_MAX_FILE_SIZE,
    }
}

/// Scans a fixture directory with the embedded rules and default options.
pub fn scan_fixture(name: &str) -> keyless::ScanReport {
    keyless::scan(
        &registry(),
        &scan_options(&fixture(name)),
        &Default::default(),
    )
    .unwrap_or_else(|error| panic!("scan of {name} failed: {error}"))
}

/// The findings at warning or above, as `path:line rule message` (empty for a clean tree).
pub fn loud(findings: &[keyless::Finding]) -> Vec<String> {
    findings
        .iter()
        .filter(|finding| finding.level >= keyless::Level::Warning)
        .map(|finding| {
            format!(
                "{}:{} {} {}",
                finding.path, finding.start.line, finding.rule_id, finding.message
            )
        })
        .collect()
}

/// Every secret planted in a fixture app, read back from its files through the findings.
pub fn secrets_of(name: &str) -> Vec<String> {
    let report = scan_fixture(name);
    report
        .findings
        .iter()
        .filter(|finding| finding.level == keyless::Level::Error)
        .map(|finding| {
            let bytes = std::fs::read(fixture(name).join(&finding.path))
                .expect("a finding's file is readable");
            let keyless::source::Decoded::Text(text) = keyless::source::decode(&bytes) else {
                panic!("{} is binary", finding.path)
            };
            text.text()
                .get(finding.byte_range.clone())
                .expect("a finding's range lies in its file")
                .to_owned()
        })
        .collect()
}
