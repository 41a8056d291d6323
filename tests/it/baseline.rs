//! Baselines: keyed on rule, path and the secret's hash, so moved code stays baselined and a
//! changed secret does not; the file holds no secret and is sorted one entry per line; stale
//! entries are reported and pruned.

use crate::workflow_common;

use std::path::Path;
use workflow_common::{
    assert_no_secret, findings, keyless, read, storage_connection_string, storage_key, temp_dir,
    write,
};

const BASELINE: &str = ".keyless-baseline.json";

fn settings_with(prefix_lines: usize, connection: &str) -> String {
    let padding = "# padding\n".repeat(prefix_lines);
    format!("{padding}STORAGE=\"{connection}\"\nEVENTS_QUEUE=orders\n")
}

fn write_baseline(dir: &Path) {
    let output = keyless(dir, &["scan", "--write-baseline", BASELINE, "."]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "writing a baseline accepts every finding: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn scan_with_baseline(dir: &Path) -> std::process::Output {
    keyless(
        dir,
        &["scan", "--format", "json", "--baseline", BASELINE, "."],
    )
}

#[test]
fn a_baselined_key_stays_suppressed_when_it_moves_ten_lines_down() {
    let dir = temp_dir();
    let connection = storage_connection_string();
    write(dir.path(), "app.env", &settings_with(0, &connection));
    write_baseline(dir.path());
    let before = scan_with_baseline(dir.path());
    assert_eq!(before.status.code(), Some(0));
    assert!(findings(&before).is_empty());

    write(dir.path(), "app.env", &settings_with(10, &connection));
    let moved = scan_with_baseline(dir.path());
    assert_eq!(moved.status.code(), Some(0), "{:?}", findings(&moved));
    assert!(findings(&moved).is_empty());
    let stderr = String::from_utf8_lossy(&moved.stderr).into_owned();
    assert!(stderr.contains("1 baselined"), "{stderr}");
    // Without the baseline the moved key is still there, on its new line.
    let plain = keyless(dir.path(), &["scan", "--format", "json", "."]);
    assert_eq!(
        findings(&plain),
        vec![("storage-account-key".into(), "app.env".into(), 11)]
    );
}

#[test]
fn a_key_changed_by_one_character_is_reported() {
    let dir = temp_dir();
    let connection = storage_connection_string();
    write(dir.path(), "app.env", &settings_with(0, &connection));
    write_baseline(dir.path());
    let key = storage_key();
    let mut changed_key: Vec<char> = key.chars().collect();
    changed_key[10] = if changed_key[10] == 'A' { 'B' } else { 'A' };
    let changed_key: String = changed_key.into_iter().collect();
    write(
        dir.path(),
        "app.env",
        &settings_with(0, &connection.replace(&key, &changed_key)),
    );
    let output = scan_with_baseline(dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        findings(&output),
        vec![("storage-account-key".into(), "app.env".into(), 1)]
    );
}

#[test]
fn a_second_secret_on_a_baselined_line_is_reported() {
    let dir = temp_dir();
    let connection = storage_connection_string();
    write(dir.path(), "app.env", &settings_with(0, &connection));
    write_baseline(dir.path());
    let sas = "sv=2022-11-02&ss=b&srt=sco&sp=rwdlac&se=2030-06-30T00:00:00Z&spr=https&sig=1KJt0HVoFHMJhKPXOal2eO27RWe8%2FEiGxqyr7lZDqWk%3D";
    write(
        dir.path(),
        "app.env",
        &format!("STORAGE=\"{connection}\" SAS=\"{sas}\"\n"),
    );
    let output = scan_with_baseline(dir.path());
    let reported: Vec<String> = findings(&output)
        .into_iter()
        .map(|(rule, _, _)| rule)
        .collect();
    assert_eq!(reported, vec!["storage-sas-token"]);
}

#[test]
fn the_baseline_file_is_sorted_one_entry_per_line_without_secrets() {
    let dir = temp_dir();
    for relative in [
        "appsettings.json",
        ".env",
        "src/worker.py",
        "k8s/secret.yaml",
    ] {
        write(dir.path(), relative, &workflow_common::demo_file(relative));
    }
    write_baseline(dir.path());
    let text = read(dir.path(), BASELINE);
    let document: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(document["version"], 1);
    let entries = document["entries"].as_array().cloned().unwrap_or_default();
    let plain = keyless(dir.path(), &["scan", "--format", "json", "."]);
    assert_eq!(entries.len(), findings(&plain).len());
    // One entry per line, sorted by (rule, path, hash), no line numbers.
    let entry_lines: Vec<&str> = text
        .lines()
        .filter(|line| line.trim_start().starts_with("{\"rule\""))
        .collect();
    assert_eq!(entry_lines.len(), entries.len());
    let keys: Vec<(String, String, String)> = entries
        .iter()
        .map(|entry| {
            assert_eq!(
                entry.as_object().map(|object| object.len()),
                Some(3),
                "{entry}"
            );
            (
                entry["rule"].as_str().unwrap_or_default().to_owned(),
                entry["path"].as_str().unwrap_or_default().to_owned(),
                entry["secret_sha256"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    // No secret, not even a piece of one.
    let plain_doc = workflow_common::json(&plain);
    for finding in plain_doc["findings"].as_array().into_iter().flatten() {
        let path = dir
            .path()
            .join(finding["path"].as_str().unwrap_or_default());
        let source = std::fs::read_to_string(path).unwrap_or_default();
        let line = source
            .lines()
            .nth(finding["line"].as_u64().unwrap_or(1) as usize - 1)
            .unwrap_or_default();
        let chars: Vec<char> = line.chars().collect();
        let start = finding["column"].as_u64().unwrap_or(1) as usize - 1;
        let end = finding["end_column"].as_u64().unwrap_or(1) as usize - 1;
        let secret: String = chars[start..end].iter().collect();
        assert_no_secret(&text, &secret, "the baseline file");
    }
    // Writing it again gives the same bytes: stable for diffs and merges.
    write_baseline(dir.path());
    assert_eq!(read(dir.path(), BASELINE), text);
}

#[test]
fn stale_entries_are_reported_and_pruned() {
    let dir = temp_dir();
    let connection = storage_connection_string();
    write(dir.path(), "app.env", &settings_with(0, &connection));
    write(
        dir.path(),
        "worker.py",
        &workflow_common::demo_file("src/worker.py"),
    );
    write_baseline(dir.path());
    let before: serde_json::Value =
        serde_json::from_str(&read(dir.path(), BASELINE)).unwrap_or_default();
    let total = before["entries"].as_array().map_or(0, Vec::len);
    assert_eq!(total, 3);
    // The storage key is removed from the code: its entry goes stale.
    write(dir.path(), "app.env", "STORAGE_ACCOUNT=contosofakeshop\n");
    let check = keyless(dir.path(), &["baseline", BASELINE, "."]);
    assert_eq!(check.status.code(), Some(1));
    let listed = String::from_utf8_lossy(&check.stdout).into_owned();
    assert!(
        listed.contains("stale: storage-account-key in app.env"),
        "{listed}"
    );
    assert_eq!(listed.lines().count(), 1, "{listed}");

    let prune = keyless(dir.path(), &["baseline", "--prune", BASELINE, "."]);
    assert_eq!(prune.status.code(), Some(0));
    let after: serde_json::Value =
        serde_json::from_str(&read(dir.path(), BASELINE)).unwrap_or_default();
    assert_eq!(after["entries"].as_array().map_or(0, Vec::len), total - 1);
    let again = keyless(dir.path(), &["baseline", BASELINE, "."]);
    assert_eq!(again.status.code(), Some(0), "nothing stale after pruning");
    // The pruned baseline still covers what is left.
    let output = scan_with_baseline(dir.path());
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn a_broken_baseline_is_an_error_that_names_the_file() {
    let dir = temp_dir();
    write(
        dir.path(),
        BASELINE,
        "{\"version\": 1, \"entries\": [ {\"rule\": 3} ]}",
    );
    let output = scan_with_baseline(dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(stderr.contains(".keyless-baseline.json:1:"), "{stderr}");
}
