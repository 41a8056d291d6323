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

/// A Terraform file whose app reads a storage key, with a long line that holds a key.
fn terraform_app(dir: &std::path::Path) {
    write(
        dir,
        "main.tf",
        &format!(
            "resource \"azurerm_linux_function_app\" \"app\" {{\n  name = \"x\"\n  \
             storage_account_access_key = azurerm_storage_account.sa.primary_access_key\n  \
             app_settings = {{ \"SOME_VERY_LONG_SETTING_NAME_THAT_GOES_ON_AND_ON\" = \
             \"DefaultEndpointsProtocol=https;AccountName=contosofake;AccountKey={};EndpointSuffix=core.windows.net\" }}\n}}\n",
            storage_key()
        ),
    );
}

fn human(dir: &std::path::Path, columns: &str) -> (String, String) {
    let output = workflow_common::clean_command(env!("CARGO_BIN_EXE_keyless"), dir)
        .env("COLUMNS", columns)
        .args(["scan", "."])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    (stdout(&output), stderr(&output))
}

#[test]
fn human_output_shows_the_template_snippet_json_carries() {
    let dir = temp_dir();
    terraform_app(dir.path());
    let json = workflow_common::json(&keyless(dir.path(), &["scan", "--format", "json", "."]));
    let with_snippet = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|finding| finding["remediation"]["template"]["code"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("JSON carries no template snippet: {json}"));
    let (text, _) = human(dir.path(), "100");
    assert!(
        text.contains("terraform: the identity and its role assignment"),
        "{text}"
    );
    assert!(text.contains("identity {"), "{text}");
    assert!(text.contains("azurerm_role_assignment"), "{text}");
    for line in with_snippet.lines().filter(|line| !line.trim().is_empty()) {
        assert!(
            text.contains(line),
            "JSON's snippet line `{line}` not in:\n{text}"
        );
    }
}

#[test]
fn snippet_lines_keep_the_box_within_the_width() {
    let dir = temp_dir();
    terraform_app(dir.path());
    for columns in ["100", "80"] {
        let width: usize = columns.parse().unwrap_or(100);
        let (text, _) = human(dir.path(), columns);
        let boxed: Vec<&str> = text
            .lines()
            .filter(|line| ['│', '·', '╭', '╰'].iter().any(|mark| line.contains(*mark)))
            .collect();
        assert!(boxed.len() > 6, "{text}");
        for line in boxed {
            assert!(
                line.chars().count() <= width,
                "{} columns > {width}: {line}",
                line.chars().count()
            );
        }
        // The key's line is cut around the masked key, not dropped.
        assert!(text.contains("AccountKey="), "{text}");
    }
}

#[test]
fn keyless_toml_globs_are_relative_to_its_own_directory() {
    let dir = temp_dir();
    let root = dir.path();
    write(
        root,
        "keyless.toml",
        "exclude = [\"src/generated\"]\n\n[[overrides]]\npaths = [\"src/legacy\"]\nlevel = \"note\"\n",
    );
    let line = format!(
        "STORAGE=\"DefaultEndpointsProtocol=https;AccountName=contosofake;AccountKey={};EndpointSuffix=core.windows.net\"\n",
        storage_key()
    );
    write(root, "src/legacy/app.env", &line);
    write(root, "src/generated/app.env", &line);
    write(root, "src/app.env", &line);
    let levels = |cwd: &std::path::Path, target: &str| -> Vec<(String, String)> {
        let report = workflow_common::json(&keyless(cwd, &["scan", "--format", "json", target]));
        let mut found: Vec<(String, String)> = report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|finding| {
                let path = finding["path"].as_str().unwrap_or_default();
                (
                    path.trim_start_matches("src/").to_owned(),
                    finding["level"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        found.sort();
        found.dedup();
        found
    };
    let from_root = levels(root, ".");
    assert_eq!(
        from_root,
        [
            ("app.env".to_owned(), "error".to_owned()),
            ("legacy/app.env".to_owned(), "note".to_owned()),
        ],
        "{from_root:?}"
    );
    assert_eq!(levels(root, "src"), from_root, "keyless scan src");
    assert_eq!(
        levels(&root.join("src"), "."),
        from_root,
        "keyless scan . in src"
    );
    // Named files with --force-exclude (pre-commit) follow the same globs.
    let named = keyless(
        &root.join("src"),
        &[
            "scan",
            "--force-exclude",
            "--format",
            "json",
            "generated/app.env",
        ],
    );
    assert_eq!(named.status.code(), Some(0), "{}", stdout(&named));
}

#[test]
fn the_summary_counts_one_file_in_the_singular() {
    let dir = temp_dir();
    write(dir.path(), "a.txt", "nothing here\n");
    let (_, said) = human(dir.path(), "100");
    assert!(said.contains("keyless: 1 file, "), "{said}");
    assert!(said.contains("0 errors, 0 warnings, 0 notes"), "{said}");
    write(dir.path(), "b.txt", "nothing here either\n");
    let (_, said) = human(dir.path(), "100");
    assert!(said.contains("keyless: 2 files, "), "{said}");
}
