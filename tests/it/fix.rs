//! `keyless fix` on copies of the fixture apps: `--dry-run` changes nothing and shows a masked
//! diff (snapshots); applied rewrites re-parse, a rescan is quieter and has nothing at warning or
//! above on the rewritten settings, files it cannot rewrite stay byte-identical, encodings and
//! line endings survive, and a second run changes nothing.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use keyless::parse::{self, Format};
use keyless::source::{self, Decoded, Encoding};

/// Every file under `root`, relative path -> bytes.
fn snapshot_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(directory) = stack.pop() {
        for entry in std::fs::read_dir(&directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                files.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// A copy of a fixture app in a temporary directory.
fn copy_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().join(name);
    for (relative, bytes) in snapshot_tree(&common::fixture(name)) {
        let path = root.join(&relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    (directory, root)
}

fn scan(root: &Path) -> Vec<keyless::Finding> {
    keyless::scan(
        &common::registry(),
        &common::scan_options(root),
        &Default::default(),
    )
    .unwrap()
    .findings
}

fn run_fix(root: &Path, dry_run: bool) -> String {
    let mut args = vec!["fix", "."];
    if dry_run {
        args.push("--dry-run");
    }
    let output = common::keyless(root, &args);
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn dry_run_changes_nothing_and_shows_masked_diffs() {
    for fixture in ["migration-app", "demo-app"] {
        let secrets = common::secrets_of(fixture);
        assert!(secrets.len() >= 4, "{fixture}: too few secrets");
        let (_guard, root) = copy_fixture(fixture);
        let before = snapshot_tree(&root);
        let diff = run_fix(&root, true);
        assert_eq!(before, snapshot_tree(&root), "{fixture}: --dry-run wrote");
        for secret in &secrets {
            assert!(
                !diff.contains(secret.as_str()),
                "{fixture}: a secret leaked"
            );
        }
        assert!(
            !diff.contains("FHzkr6BLUofEj79"),
            "{fixture}: a secret leaked"
        );
        insta::assert_snapshot!(format!("fix_dry_run_{}", fixture.replace('-', "_")), diff);
    }
}

/// Findings at warning or above on the lines that now hold a rewritten setting.
fn loud_on_rewritten_settings(root: &Path, findings: &[keyless::Finding]) -> Vec<String> {
    let rewritten_names = [
        "AzureWebJobsStorage__accountName",
        "ServiceBusConnection__fullyQualifiedNamespace",
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
        "storage_uses_managed_identity",
        "allowSharedKeyAccess",
        "disableLocalAuth",
        "shared_access_key_enabled",
        "local_auth_enabled",
    ];
    findings
        .iter()
        .filter(|finding| finding.level >= keyless::Level::Warning)
        .filter(|finding| {
            let text = std::fs::read_to_string(root.join(&finding.path)).unwrap_or_default();
            let line = text.lines().nth(finding.start.line - 1).unwrap_or("");
            rewritten_names.iter().any(|name| line.contains(name))
        })
        .map(|finding| {
            format!(
                "{}:{} {}",
                finding.path, finding.start.line, finding.rule_id
            )
        })
        .collect()
}

#[test]
fn fix_rewrites_parse_and_quiet_the_rescan() {
    for fixture in ["migration-app", "demo-app"] {
        let (_guard, root) = copy_fixture(fixture);
        let before_tree = snapshot_tree(&root);
        let before = scan(&root);
        run_fix(&root, false);
        let after_tree = snapshot_tree(&root);
        let changed: Vec<&String> = after_tree
            .iter()
            .filter(|(path, bytes)| before_tree.get(*path) != Some(*bytes))
            .map(|(path, _)| path)
            .collect();
        assert!(!changed.is_empty(), "{fixture}: nothing rewritten");
        for path in &changed {
            let Decoded::Text(text) = source::decode(&after_tree[*path]) else {
                panic!("{path} is binary")
            };
            let format = Format::of_path(path).unwrap();
            assert!(
                parse::parse(format, text.text()).complete,
                "{fixture}/{path} does not re-parse:\n{}",
                text.text()
            );
        }
        let after = scan(&root);
        assert!(
            after.len() < before.len(),
            "{fixture}: {} findings before, {} after",
            before.len(),
            after.len()
        );
        assert_eq!(
            loud_on_rewritten_settings(&root, &after),
            Vec::<String>::new(),
            "{fixture}"
        );
        // Idempotent: nothing left to do on the rewritten files.
        let again = run_fix(&root, true);
        assert!(
            again.is_empty(),
            "{fixture}: second run would change:\n{again}"
        );
    }
}

#[test]
fn migration_app_rewritten_templates_have_no_key_findings() {
    let (_guard, root) = copy_fixture("migration-app");
    run_fix(&root, false);
    let loud = common::loud(&scan(&root));
    assert_eq!(
        loud,
        [
            "worker/index.js:4 servicebus-connection-string shared access key for namespace `contoso-fake-migr` in a connection string"
        ],
        "only the code finding is left"
    );
}

#[test]
fn files_it_cannot_rewrite_stay_byte_identical() {
    let (_guard, root) = copy_fixture("demo-app");
    let before = snapshot_tree(&root);
    run_fix(&root, false);
    let after = snapshot_tree(&root);
    for (path, bytes) in &before {
        if path != "local.settings.json" {
            assert_eq!(Some(bytes), after.get(path), "{path} changed");
        }
    }
    // web.config is UTF-16 and holds keys that code reads: never rewritten.
    assert_eq!(before["web.config"], after["web.config"]);
}

#[test]
fn encoding_and_line_endings_are_kept() {
    let (_guard, root) = copy_fixture("migration-app");
    let path = root.join("local.settings.json");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace('\n', "\r\n");
    let mut utf16: Vec<u8> = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&path, &utf16).unwrap();
    run_fix(&root, false);
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xFE]), "BOM lost");
    let Decoded::Text(decoded) = source::decode(&bytes) else {
        panic!("binary")
    };
    assert_eq!(decoded.encoding(), Encoding::Utf16Le);
    let rewritten = decoded.text();
    assert!(rewritten.contains("\"AzureWebJobsStorage__accountName\": \"contosofakemigr\""));
    assert_eq!(
        rewritten.matches('\n').count(),
        rewritten.matches("\r\n").count()
    );
}

#[test]
fn a_broken_template_is_left_byte_identical() {
    let (_guard, root) = copy_fixture("migration-app");
    let path = root.join("infra/main.bicep");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("\nresource broken 'Microsoft.Web/sites@2023-12-01' = {\n  name: \n");
    std::fs::write(&path, &text).unwrap();
    let before = std::fs::read(&path).unwrap();
    let output = common::keyless(&root, &["fix", "."]);
    assert!(output.status.success());
    assert!(
        before == std::fs::read(&path).unwrap(),
        "the broken template was rewritten"
    );
}

#[test]
fn iac_fixtures_rewrite_app_settings_in_every_template_language() {
    let (_guard, root) = copy_fixture("iac");
    let before_tree = snapshot_tree(&root);
    let before = scan(&root);
    run_fix(&root, false);
    let after_tree = snapshot_tree(&root);
    let changed: Vec<&String> = after_tree
        .iter()
        .filter(|(path, bytes)| before_tree.get(*path) != Some(*bytes))
        .map(|(path, _)| path)
        .collect();
    assert_eq!(
        changed,
        [
            "arm/azuredeploy.json",
            "bicep/main.bicep",
            "terraform/main.tf"
        ]
    );
    for path in &changed {
        let text = String::from_utf8(after_tree[*path].clone()).unwrap();
        let format = Format::of_path(path).unwrap();
        assert!(
            parse::parse(format, &text).complete,
            "{path} does not re-parse"
        );
        assert!(text.contains("__fullyQualifiedNamespace"), "{path}");
        assert!(text.contains("SystemAssigned"), "{path}");
    }
    let after = scan(&root);
    let key_wiring = |findings: &[keyless::Finding]| {
        findings
            .iter()
            .filter(|finding| {
                matches!(
                    finding.rule_id.as_str(),
                    "arm-list-keys" | "terraform-key-attribute" | "template-output-keys"
                )
            })
            .count()
    };
    // What is left is the `storageKey` outputs, which no rewrite may touch.
    assert_eq!(key_wiring(&after), 3, "{}", common::loud(&after).join("\n"));
    assert!(key_wiring(&before) > key_wiring(&after));
}
