//! Structure-aware IaC rules on fixture templates (ARM, Bicep, Terraform): every rule fires where
//! it should, at the line of the offending property, and the identity-based twins stay quiet.

use crate::common;

use std::collections::BTreeSet;

const LOCAL_AUTH_RULES: &[&str] = &[
    "storage-shared-key-access-enabled",
    "servicebus-local-auth-enabled",
    "eventhubs-local-auth-enabled",
    "cosmos-local-auth-enabled",
    "eventgrid-local-auth-enabled",
    "appconfig-local-auth-enabled",
    "signalr-local-auth-enabled",
    "webpubsub-local-auth-enabled",
    "openai-local-auth-enabled",
    "search-local-auth-enabled",
    "acr-admin-user-enabled",
    "redis-access-key-auth-enabled",
    "iothub-local-auth-enabled",
];

fn scan(fixture: &str) -> Vec<keyless::Finding> {
    common::scan_fixture(fixture).findings
}

fn line_of(fixture: &str, path: &str, line: usize) -> String {
    let text = std::fs::read_to_string(common::fixture(fixture).join(path)).unwrap_or_default();
    text.lines().nth(line - 1).unwrap_or_default().to_owned()
}

fn assert_rules(fixture: &str, expected: &[&str]) {
    let findings = scan(fixture);
    let fired: BTreeSet<&str> = findings
        .iter()
        .map(|finding| finding.rule_id.as_str())
        .collect();
    let missing: Vec<&&str> = expected
        .iter()
        .filter(|rule| !fired.contains(**rule))
        .collect();
    assert!(
        missing.is_empty(),
        "{fixture}: rules that did not fire: {missing:?}; fired: {fired:?}"
    );
    // Spans point at the offending property or call, not at the resource's first line.
    for finding in &findings {
        let line = line_of(fixture, &finding.path, finding.start.line);
        let expected_word = match finding.rule_id.as_str() {
            "arm-list-keys" => "list",
            "compute-uses-key-without-identity" if finding.path.ends_with(".tf") => "azurerm_",
            "compute-uses-key-without-identity" => "Microsoft.Web/sites",
            rule if LOCAL_AUTH_RULES.contains(&rule) => "",
            _ => continue,
        };
        assert!(
            line.contains(expected_word),
            "{fixture}: {} at line {} `{line}`",
            finding.rule_id,
            finding.start.line
        );
        if LOCAL_AUTH_RULES.contains(&finding.rule_id.as_str()) {
            assert!(
                [
                    "allowSharedKeyAccess",
                    "disableLocalAuth",
                    "adminUserEnabled",
                    "disableAccessKeyAuthentication",
                    "local_auth",
                    "_enabled"
                ]
                .iter()
                .any(|property| line.contains(property)),
                "{fixture}: {} points at `{line}`",
                finding.rule_id
            );
        }
    }
}

fn assert_clean(fixture: &str) {
    let loud = common::loud(&scan(fixture));
    assert!(loud.is_empty(), "{fixture} is not clean: {loud:#?}");
}

const TEMPLATE_RULES: &[&str] = &[
    "template-secure-parameter-default",
    "template-literal-password",
    "template-parameter-file-secret",
    "template-output-literal-secret",
    "template-output-keys",
    "arm-list-keys",
    "compute-uses-key-without-identity",
];

#[test]
fn arm_fixture_fires_every_rule() {
    assert_rules("iac/arm", &[TEMPLATE_RULES, LOCAL_AUTH_RULES].concat());
}

#[test]
fn bicep_fixture_fires_every_rule() {
    assert_rules("iac/bicep", &[TEMPLATE_RULES, LOCAL_AUTH_RULES].concat());
}

#[test]
fn terraform_fixture_fires_every_rule() {
    let terraform = [
        "template-secure-parameter-default",
        "template-literal-password",
        "terraform-key-attribute",
        "compute-uses-key-without-identity",
    ];
    assert_rules(
        "iac/terraform",
        &[&terraform[..], LOCAL_AUTH_RULES].concat(),
    );
}

#[test]
fn identity_based_twins_are_clean() {
    for fixture in ["iac/arm-clean", "iac/bicep-clean", "iac/terraform-clean"] {
        assert_clean(fixture);
    }
}

#[test]
fn iac_findings_carry_a_role_and_a_snippet_in_the_template_language() {
    use keyless::remediation::template::{TemplateLanguage, snippet};
    let registry = common::registry();
    let knowledge = registry.knowledge();
    for fixture in ["iac/arm", "iac/bicep", "iac/terraform", "iac/gaps"] {
        for finding in scan(fixture) {
            let profile = knowledge
                .profile(&finding.remediation)
                .unwrap_or_else(|| panic!("no profile"));
            let role = knowledge.roles_of(profile).next().map(|(role, _)| role);
            let Some(language) = TemplateLanguage::of_path(&finding.path) else {
                continue;
            };
            let text = snippet(language, knowledge, finding.service, role);
            assert!(
                text.is_some(),
                "{fixture}: {} ({}) has no snippet",
                finding.rule_id,
                finding.service
            );
        }
    }
}

#[test]
fn json_output_carries_the_snippet_for_each_template_language() {
    let mut rendered = String::new();
    for (fixture, rule) in [
        ("iac/bicep", "storage-shared-key-access-enabled"),
        ("iac/arm", "cosmos-local-auth-enabled"),
        ("iac/terraform", "redis-access-key-auth-enabled"),
    ] {
        let output = common::keyless(&common::fixture(fixture), &["scan", "--format", "json"]);
        let document = common::json_of(&output);
        let finding = document["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|finding| finding["rule_id"] == rule)
            .unwrap_or_else(|| panic!("{fixture}: no {rule} finding"));
        let remediation = &finding["remediation"];
        let role = &remediation["roles"][0];
        assert!(
            role["id"].as_str().is_some_and(|id| !id.is_empty()),
            "{fixture}: role without id"
        );
        let code = remediation["template"]["code"].as_str().unwrap_or_default();
        assert!(
            code.contains(role["id"].as_str().unwrap_or("?"))
                || role["kind"] == "redis-access-policy"
        );
        rendered.push_str(&format!(
            "==== {fixture} {rule} (line {}) -> {} ({})\n{code}\n",
            finding["line"], role["name"], remediation["template"]["language"]
        ));
    }
    insta::assert_snapshot!("iac_template_remediation", rendered);
}

/// (path, rule, level, a word of the line the finding points at) for `fixtures/iac/gaps`.
const GAPS: &[(&str, &str, keyless::Level, &str)] = &[
    (
        "azuredeploy.json",
        "template-parameter-secret-default",
        keyless::Level::Error,
        "defaultValue",
    ),
    (
        "azuredeploy.json",
        "storage-shared-key-access-default",
        keyless::Level::Warning,
        "Microsoft.Storage/storageAccounts",
    ),
    (
        "main.bicep",
        "template-parameter-secret-default",
        keyless::Level::Error,
        "param sqlAdminPassword string",
    ),
    (
        "main.bicep",
        "storage-shared-key-access-default",
        keyless::Level::Warning,
        "Microsoft.Storage/storageAccounts",
    ),
    (
        "main.tf",
        "terraform-backend-storage-key",
        keyless::Level::Error,
        "access_key",
    ),
    (
        "main.tf",
        "storage-shared-key-access-default",
        keyless::Level::Warning,
        "azurerm_storage_account",
    ),
    (
        "main.tf",
        "azapi-list-keys-action",
        keyless::Level::Warning,
        "listKeys",
    ),
    (
        "main.tf",
        "cosmos-local-auth-enabled",
        keyless::Level::Warning,
        "local_authentication_disabled = false",
    ),
];

#[test]
fn iac_gaps_fire_once_each_at_their_line_and_level() {
    let findings = scan("iac/gaps");
    let mut found: Vec<(String, String, keyless::Level, String)> = findings
        .iter()
        .map(|finding| {
            (
                finding.path.clone(),
                finding.rule_id.clone(),
                finding.level,
                line_of("iac/gaps", &finding.path, finding.start.line),
            )
        })
        .collect();
    found.sort_by(|left, right| (&left.0, &left.1).cmp(&(&right.0, &right.1)));
    assert_eq!(found.len(), GAPS.len(), "{found:#?}");
    for (path, rule, level, word) in GAPS {
        assert!(
            found
                .iter()
                .any(|(found_path, found_rule, found_level, line)| {
                    found_path == path
                        && found_rule == rule
                        && found_level == level
                        && line.contains(word)
                }),
            "iac/gaps: no {level:?} {rule} in {path} on a line with `{word}`: {found:#?}"
        );
    }
}

#[test]
fn iac_gap_look_alikes_stay_silent() {
    // Stand-in and expression defaults, secure parameters, shared key access turned off, an
    // Entra-authenticated backend, an azapi action that returns no keys.
    let findings = scan("iac/gaps-clean");
    assert!(
        findings.is_empty(),
        "iac/gaps-clean: {:#?}",
        findings
            .iter()
            .map(|finding| format!(
                "{}:{} {}",
                finding.path, finding.start.line, finding.rule_id
            ))
            .collect::<Vec<_>>()
    );
}
