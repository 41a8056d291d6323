//! Messages and labels that used to mislead a newcomer, one test each: SARIF's `Role: .`,
//! per-finding precision, OS errors printed twice, `keyless.toml` globs that moved with the
//! scanned directory, IaC snippets missing from human output, "1 files", and snippets that
//! broke the box at 100 columns.

use crate::workflow_common;

use keyless::checksum::{IdentifiableKind, generate_identifiable_key};
use workflow_common::{keyless, repo_root, stderr, stdout, storage_key, temp_dir, write};

fn sarif(dir: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["scan", "--format", "sarif"];
    all.extend_from_slice(args);
    let output = keyless(dir, &all);
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("not SARIF ({error}): {}", stderr(&output)))
}

fn results(log: &serde_json::Value) -> Vec<serde_json::Value> {
    log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn sarif_messages_name_a_role_only_when_there_is_one() {
    // Communication Services' profile names no role: the role depends on the data actions used.
    let log = sarif(
        &repo_root(),
        &[
            "fixtures/services/communication/planted",
            "fixtures/demo-app",
        ],
    );
    let results = results(&log);
    assert!(results.len() > 3, "{results:?}");
    let mut without_role = 0;
    for result in &results {
        let text = result["message"]["text"].as_str().unwrap_or_default();
        assert!(!text.contains("Role: ."), "{text}");
        assert!(!text.ends_with("Role: "), "{text}");
        if !text.contains("Role: ") {
            without_role += 1;
        }
    }
    assert!(without_role > 0, "no finding without a role was checked");
    for rule in log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let help = rule["help"]["text"].as_str().unwrap_or_default();
        assert!(!help.contains("Roles: ."), "{help}");
    }
}

/// A 64-byte storage key with a valid identifiable signature and checksum.
fn signed_storage_key() -> String {
    let material: Vec<u8> = (0u8..64).map(|byte| byte.wrapping_mul(37) ^ 0x5a).collect();
    generate_identifiable_key(IdentifiableKind::StorageAccount, "Default0", &material)
}

#[test]
fn precision_is_very_high_only_where_a_checksum_was_verified() {
    let dir = temp_dir();
    let connection = |key: &str| {
        format!(
            "STORAGE=\"DefaultEndpointsProtocol=https;AccountName=contosofake;AccountKey={key};EndpointSuffix=core.windows.net\"\n"
        )
    };
    write(dir.path(), "unsigned.env", &connection(&storage_key()));
    write(dir.path(), "signed.env", &connection(&signed_storage_key()));
    let log = sarif(dir.path(), &["."]);
    let precision = |path: &str| -> Vec<String> {
        results(&log)
            .iter()
            .filter(|result| {
                result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == path
            })
            .map(|result| {
                format!(
                    "{} {}",
                    result["ruleId"].as_str().unwrap_or_default(),
                    result["properties"]["precision"]
                        .as_str()
                        .unwrap_or_default()
                )
            })
            .collect()
    };
    let unsigned = precision("unsigned.env");
    let signed = precision("signed.env");
    assert!(
        !unsigned.is_empty() && unsigned.iter().all(|found| found.ends_with(" high")),
        "{unsigned:?}"
    );
    assert!(
        signed.iter().any(|found| found.ends_with(" very-high")),
        "{signed:?}"
    );
    // The rule as a whole fires on unsigned keys too, so it does not claim very-high.
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let storage = rules
        .iter()
        .find(|rule| rule["id"] == "storage-account-key")
        .unwrap_or_else(|| panic!("no storage-account-key descriptor"));
    assert_eq!(storage["properties"]["precision"], "high");
    // A rule that only ever fires on a verified checksum keeps very-high.
    let always_verified = keyless::Registry::embedded()
        .unwrap_or_else(|errors| panic!("{errors:?}"))
        .rules()
        .iter()
        .filter(|rule| rule.checksum() == keyless::rules::Checksum::Always)
        .count();
    assert!(always_verified > 0);

    let explained = stdout(&keyless(
        &repo_root(),
        &["explain", "storage-account-key", "--format", "json"],
    ));
    let explained: serde_json::Value =
        serde_json::from_str(&explained).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(explained["checksum_verified"], false);
    assert_eq!(explained["precision"], "high");
    let text = stdout(&keyless(&repo_root(), &["explain", "storage-account-key"]));
    assert!(
        text.contains("checksum verified for signed keys, pattern and context for unsigned ones"),
        "{text}"
    );
}

#[test]
fn a_missing_baseline_or_config_says_the_os_error_once() {
    let dir = temp_dir();
    for flag in ["--baseline", "--config"] {
        let output = keyless(dir.path(), &["scan", flag, "missing-file", "."]);
        assert_eq!(output.status.code(), Some(2));
        let said = stderr(&output);
        assert_eq!(said.matches("os error 2").count(), 1, "{flag}: {said}");
        assert!(said.contains("missing-file"), "{said}");
    }
}
