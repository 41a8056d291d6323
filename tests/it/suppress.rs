//! Inline suppression: every marker keyless honours, in many comment syntaxes, on the finding's
//! line and on the comment-only line before it; rule lists; what does not suppress; unused
//! markers.

use crate::workflow_common;

use workflow_common::{findings, keyless, storage_connection_string, temp_dir, write};

/// Markers as people write them; each must suppress every rule.
const MARKERS: &[&str] = &[
    "keyless:ignore",
    "keyless:ignore[storage-account-key]",
    "KEYLESS:IGNORE",
    "pragma: allowlist secret",
    "gitleaks:allow",
    "kingfisher:ignore",
    "trufflehog:ignore",
    "DevSkim: ignore DS173237",
    "nosemgrep",
    "nosemgrep: generic.secrets.azure-storage-key",
    "checkov:skip=CKV_SECRET_6: sample",
];

/// (opener, closer) of comment syntaxes: shell/Python/YAML, C-family line and block, HTML/XML,
/// SQL/Lua, INI, batch, VB, TeX/Erlang.
const COMMENTS: &[(&str, &str)] = &[
    ("# ", ""),
    ("#", ""),
    ("// ", ""),
    ("/* ", " */"),
    ("<!-- ", " -->"),
    ("-- ", ""),
    ("; ", ""),
    ("REM ", ""),
    ("' ", ""),
    ("% ", ""),
];

fn registry() -> &'static keyless::Registry {
    static REGISTRY: std::sync::OnceLock<keyless::Registry> = std::sync::OnceLock::new();
    REGISTRY
        .get_or_init(|| keyless::Registry::embedded().unwrap_or_else(|errors| panic!("{errors:?}")))
}

fn rule_ids(text: &str) -> Vec<String> {
    keyless::scan_text(registry(), "example.txt", text)
        .into_iter()
        .map(|finding| finding.rule_id)
        .collect()
}

fn key_line() -> String {
    format!("connection = \"{}\"", storage_connection_string())
}

#[test]
fn the_unmarked_line_is_a_finding() {
    assert_eq!(rule_ids(&key_line()), vec!["storage-account-key"]);
}

#[test]
fn every_marker_suppresses_on_the_same_line_in_every_comment_syntax() {
    let mut failures = Vec::new();
    for marker in MARKERS {
        for (open, close) in COMMENTS {
            let text = format!("{} {open}{marker}{close}\n", key_line());
            if !rule_ids(&text).is_empty() {
                failures.push(format!("same line: {open}{marker}{close}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "not suppressed:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_marker_suppresses_from_a_comment_line_just_before() {
    let mut failures = Vec::new();
    for marker in MARKERS {
        for (open, close) in COMMENTS {
            let text = format!("  {open}{marker}{close}\n{}\n", key_line());
            if !rule_ids(&text).is_empty() {
                failures.push(format!("line before: {open}{marker}{close}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "not suppressed:\n{}",
        failures.join("\n")
    );
}

#[test]
fn detect_secrets_nextline_pragma_covers_only_the_next_line() {
    let line = key_line();
    assert!(rule_ids(&format!("# pragma: allowlist nextline secret\n{line}\n")).is_empty());
    assert_eq!(
        rule_ids(&format!("{line} # pragma: allowlist nextline secret\n")).len(),
        1
    );
}

#[test]
fn a_rule_list_limits_the_marker() {
    let line = key_line();
    assert_eq!(
        rule_ids(&format!("{line} # keyless:ignore[storage-sas-token]")),
        vec!["storage-account-key"]
    );
    assert!(
        rule_ids(&format!(
            "{line} // keyless:ignore[storage-sas-token, storage-account-key]"
        ))
        .is_empty()
    );
    // An unclosed list is not a blanket ignore.
    assert_eq!(rule_ids(&format!("{line} # keyless:ignore[")).len(), 1);
}

#[test]
fn markers_do_not_reach_further_than_the_next_line() {
    let line = key_line();
    // A marker after code covers its own line only.
    assert_eq!(
        rule_ids(&format!("other = 1  # keyless:ignore\n{line}\n")).len(),
        1
    );
    // Two lines up is too far.
    assert_eq!(
        rule_ids(&format!("# keyless:ignore\n# why: sample\n{line}\n")).len(),
        1
    );
    // A word that only starts like a marker is not one.
    assert_eq!(rule_ids(&format!("{line} # keyless:ignored")).len(), 1);
}

#[test]
fn unused_keyless_markers_are_reported_when_asked() {
    let dir = temp_dir();
    let line = key_line();
    write(
        dir.path(),
        "app.py",
        &format!(
            "# keyless:ignore\n{line}\n\nvalue = 1  # keyless:ignore[storage-sas-token]\nother = 2  # gitleaks:allow\n"
        ),
    );
    let plain = keyless(dir.path(), &["scan", "--format", "json", "."]);
    assert_eq!(plain.status.code(), Some(0), "the key is suppressed");
    assert!(findings(&plain).is_empty());
    let summary = String::from_utf8_lossy(&plain.stderr).into_owned();
    assert!(summary.contains("1 suppressed inline"), "{summary}");

    let asked = keyless(
        dir.path(),
        &[
            "scan",
            "--format",
            "json",
            "--report-unused-suppressions",
            ".",
        ],
    );
    assert_eq!(asked.status.code(), Some(1), "an unused marker fails");
    let document = workflow_common::json(&asked);
    let unused = document["unused_suppressions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // Only keyless's own markers are reported: the gitleaks one belongs to gitleaks.
    assert_eq!(unused.len(), 1, "{unused:?}");
    assert_eq!(unused[0]["path"], "app.py");
    assert_eq!(unused[0]["line"], 4);
    assert_eq!(unused[0]["marker"], "keyless:ignore[storage-sas-token]");

    let human = keyless(dir.path(), &["scan", "--report-unused-suppressions", "."]);
    let stderr = String::from_utf8_lossy(&human.stderr).into_owned();
    assert!(
        stderr.contains("app.py:4:14: unused suppression"),
        "{stderr}"
    );
}
