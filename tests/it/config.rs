//! `keyless.toml`: discovery, every setting, flags winning over the file, and errors that name
//! the file and line.

use crate::workflow_common;

use workflow_common::{
    demo_file, findings, keyless, storage_connection_string, storage_key, temp_dir, write,
};

/// A tree with a storage key in `app.env`, a Service Bus key in `src/worker.py` and a copy of the
/// storage key under `docs/`.
fn tree() -> tempfile::TempDir {
    let dir = temp_dir();
    let connection = storage_connection_string();
    write(
        dir.path(),
        "app.env",
        &format!("STORAGE=\"{connection}\"\n"),
    );
    write(dir.path(), "src/worker.py", &demo_file("src/worker.py"));
    write(
        dir.path(),
        "docs/quickstart.md",
        &format!("Use `{connection}`\n"),
    );
    dir
}

fn rules_found(output: &std::process::Output) -> Vec<String> {
    let mut rules: Vec<String> = findings(output)
        .into_iter()
        .map(|(rule, path, _)| format!("{rule} {path}"))
        .collect();
    rules.sort();
    rules
}

#[test]
fn unknown_keys_are_an_error_naming_file_and_line() {
    let dir = tree();
    write(
        dir.path(),
        "keyless.toml",
        "exclude = [\"docs\"]\n\n[rules]\ndisable = []\nenabled = [\"storage-account-key\"]\n",
    );
    let output = keyless(dir.path(), &["scan", "."]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        stderr.contains("keyless.toml:5:1: unknown field `enabled`"),
        "{stderr}"
    );

    write(dir.path(), "keyless.toml", "fail_level = \"error\"\n");
    let output = keyless(dir.path(), &["scan", "."]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        stderr.contains("keyless.toml:1:1: unknown field `fail_level`"),
        "{stderr}"
    );
}

#[test]
fn unknown_rule_ids_in_the_file_are_an_error() {
    let dir = tree();
    write(
        dir.path(),
        "keyless.toml",
        "[rules]\ndisable = [\"storage-acount-key\"]\n",
    );
    let output = keyless(dir.path(), &["scan", "."]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        stderr.contains("keyless.toml:2:12: unknown rule or service `storage-acount-key`"),
        "{stderr}"
    );
}

#[test]
fn unknown_rule_ids_on_the_command_line_name_the_flag() {
    let dir = tree();
    let output = keyless(
        dir.path(),
        &["scan", "--disable", "storage-acount-key", "."],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        stderr.contains("--disable: unknown rule or service `storage-acount-key`"),
        "{stderr}"
    );
}

#[test]
fn the_file_is_found_upward_from_the_scanned_path() {
    let dir = tree();
    write(dir.path(), "keyless.toml", "exclude = [\"worker.py\"]\n");
    let output = keyless(dir.path(), &["scan", "--format", "json", "src"]);
    assert_eq!(output.status.code(), Some(0), "{:?}", findings(&output));
    // --no-config and --config override discovery.
    let ignored = keyless(
        dir.path(),
        &["scan", "--format", "json", "--no-config", "src"],
    );
    assert_eq!(ignored.status.code(), Some(1));
    write(dir.path(), "other.toml", "exclude = []\n");
    let other = keyless(
        dir.path(),
        &["scan", "--format", "json", "--config", "other.toml", "src"],
    );
    assert_eq!(other.status.code(), Some(1));
}

#[test]
fn excludes_rules_and_flags_combine() {
    let dir = tree();
    write(
        dir.path(),
        "keyless.toml",
        "exclude = [\"docs\"]\n[rules]\ndisable = [\"servicebus\", \"eventhubs\"]\n",
    );
    let output = keyless(dir.path(), &["scan", "--format", "json", "."]);
    assert_eq!(rules_found(&output), vec!["storage-account-key app.env"]);
    // A flag adds excludes; --enable turns a disabled rule back on after the file's settings.
    let output = keyless(
        dir.path(),
        &[
            "scan",
            "--format",
            "json",
            "--exclude",
            "app.env",
            "--enable",
            "servicebus-connection-string",
            ".",
        ],
    );
    assert_eq!(
        rules_found(&output),
        vec!["servicebus-connection-string src/worker.py"]
    );
}

#[test]
fn enable_after_disable_all_keeps_one_rule() {
    let dir = tree();
    write(
        dir.path(),
        "keyless.toml",
        "[rules]\ndisable = [\"all\"]\nenable = [\"eventhubs-identifiable-key\"]\n",
    );
    let output = keyless(dir.path(), &["scan", "--format", "json", "."]);
    assert_eq!(
        rules_found(&output),
        vec!["eventhubs-identifiable-key src/worker.py"]
    );
}

#[test]
fn path_overrides_fail_level_and_flags() {
    let dir = tree();
    write(
        dir.path(),
        "keyless.toml",
        "fail-level = \"error\"\n\n[[overrides]]\npaths = [\"docs\", \"src/*.py\"]\nlevel = \"note\"\n\n[[overrides]]\npaths = [\"src\"]\nrules = [\"eventhubs\"]\nlevel = \"off\"\n",
    );
    write(dir.path(), "app.env", "nothing here\n");
    let output = keyless(dir.path(), &["scan", "--format", "json", "."]);
    let document = workflow_common::json(&output);
    let levels: Vec<(String, String)> = document["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|finding| {
            (
                finding["rule_id"].as_str().unwrap_or_default().to_owned(),
                finding["level"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        levels,
        vec![
            ("storage-account-key".to_owned(), "note".to_owned()),
            ("servicebus-connection-string".to_owned(), "note".to_owned()),
        ]
    );
    // Notes do not fail at the file's fail level ...
    assert_eq!(output.status.code(), Some(0));
    // ... and the flag wins over the file.
    let strict = keyless(dir.path(), &["scan", "--fail-level", "note", "."]);
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn allowed_values_by_value_and_by_hash() {
    let dir = tree();
    let key = storage_key();
    write(
        dir.path(),
        "keyless.toml",
        &format!("[[allow]]\nvalue = \"{key}\"\nreason = \"the documented sample key\"\n"),
    );
    let output = keyless(dir.path(), &["scan", "--format", "json", "."]);
    assert_eq!(
        rules_found(&output),
        vec![
            "eventhubs-identifiable-key src/worker.py",
            "servicebus-connection-string src/worker.py"
        ]
    );
    let document = workflow_common::json(&output);
    assert_eq!(document["summary"]["dropped"]["allowed"], 2);

    // By hash: the JSON fingerprint of the Event Hubs key.
    let all = keyless(
        dir.path(),
        &["scan", "--format", "json", "--no-config", "."],
    );
    let fingerprint = workflow_common::json(&all)["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|finding| finding["rule_id"] == "eventhubs-identifiable-key")
        .and_then(|finding| finding["fingerprint"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no Event Hubs finding"));
    write(
        dir.path(),
        "keyless.toml",
        &format!("[[allow]]\nsha256 = \"{fingerprint}\"\nrules = [\"eventhubs\"]\n"),
    );
    let output = keyless(dir.path(), &["scan", "--format", "json", "."]);
    assert!(
        !rules_found(&output)
            .iter()
            .any(|rule| rule.starts_with("eventhubs")),
        "{:?}",
        rules_found(&output)
    );
    write(dir.path(), "keyless.toml", "[[allow]]\nsha256 = \"abc\"\n");
    let bad = keyless(dir.path(), &["scan", "."]);
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr).into_owned();
    assert!(stderr.contains("keyless.toml:1:1:"), "{stderr}");
}

#[test]
fn max_file_size_from_the_file_and_the_flag() {
    let dir = tree();
    write(dir.path(), "keyless.toml", "max-file-size = \"100\"\n");
    let output = keyless(dir.path(), &["scan", "--format", "json", "."]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "every key file is over 100 bytes"
    );
    let flag = keyless(
        dir.path(),
        &["scan", "--format", "json", "--max-file-size", "1M", "."],
    );
    assert_eq!(flag.status.code(), Some(1));
}

#[test]
fn force_exclude_applies_excludes_and_ignore_files_to_named_files() {
    let dir = tree();
    write(dir.path(), "keyless.toml", "exclude = [\"docs\"]\n");
    write(dir.path(), ".keylessignore", "/src/\n");
    let named = [
        "scan",
        "--format",
        "json",
        "docs/quickstart.md",
        "src/worker.py",
    ];
    let output = keyless(dir.path(), &named);
    assert_eq!(findings(&output).len(), 3, "named files are scanned");
    let mut forced = named.to_vec();
    forced.insert(1, "--force-exclude");
    let output = keyless(dir.path(), &forced);
    assert!(findings(&output).is_empty(), "{:?}", findings(&output));
}
