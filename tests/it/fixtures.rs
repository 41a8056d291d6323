//! The demo app in `fixtures/demo-app` holds planted fake credentials of every service the core
//! covers; its clean twin `fixtures/demo-app-clean` does the same work with identities. The scan
//! must find every planted credential with the right service and advice, and nothing at warning
//! or above in the twin.

use crate::common;

use keyless::{Level, Service};

/// (path, rule id, service, a word every suggested role name must contain)
const EXPECTED: &[(&str, &str, Service, &str)] = &[
    (
        ".env",
        "cosmos-identifiable-key",
        Service::Cosmos,
        "Cosmos DB",
    ),
    (".env", "entra-client-secret-legacy", Service::Entra, ""),
    (".env", "storage-sas-token", Service::Storage, "Storage"),
    (
        ".github/workflows/deploy.yml",
        "entra-client-secret",
        Service::Entra,
        "",
    ),
    (
        ".github/workflows/deploy.yml",
        "storage-sas-token",
        Service::Storage,
        "Storage",
    ),
    (
        "appsettings.json",
        "cosmos-account-key",
        Service::Cosmos,
        "Cosmos DB",
    ),
    (
        "appsettings.json",
        "entra-client-secret",
        Service::Entra,
        "",
    ),
    (
        "appsettings.json",
        "servicebus-connection-string",
        Service::Servicebus,
        "Service Bus",
    ),
    (
        "appsettings.json",
        "storage-account-key",
        Service::Storage,
        "Storage",
    ),
    (
        "docker-compose.yml",
        "servicebus-connection-string",
        Service::Servicebus,
        "Service Bus",
    ),
    (
        "k8s/secret.yaml",
        "servicebus-connection-string",
        Service::Eventhubs,
        "Event Hubs",
    ),
    (
        "k8s/secret.yaml",
        "storage-account-key",
        Service::Storage,
        "Storage",
    ),
    (
        "local.settings.json",
        "functions-content-share-key",
        Service::Storage,
        "Key Vault",
    ),
    (
        "local.settings.json",
        "functions-host-storage-key",
        Service::Storage,
        "Storage",
    ),
    (
        "local.settings.json",
        "servicebus-connection-string",
        Service::Eventhubs,
        "Event Hubs",
    ),
    (
        "src/Program.cs",
        "storage-account-key",
        Service::Storage,
        "Storage",
    ),
    (
        "src/index.js",
        "cosmos-identifiable-key",
        Service::Cosmos,
        "Cosmos DB",
    ),
    (
        "src/index.js",
        "storage-sas-token",
        Service::Storage,
        "Storage",
    ),
    (
        "src/worker.py",
        "eventhubs-identifiable-key",
        Service::Eventhubs,
        "Event Hubs",
    ),
    (
        "src/worker.py",
        "servicebus-connection-string",
        Service::Servicebus,
        "Service Bus",
    ),
    (
        "web.config",
        "servicebus-connection-string",
        Service::Servicebus,
        "Service Bus",
    ),
    (
        "web.config",
        "storage-account-key",
        Service::Storage,
        "Storage",
    ),
];

#[test]
fn demo_app_yields_every_planted_credential_with_its_service_and_roles() {
    let registry = common::registry();
    let report = common::scan_fixture("demo-app");
    let mut found: Vec<(&str, &str, Service)> = report
        .findings
        .iter()
        .map(|finding| {
            (
                finding.path.as_str(),
                finding.rule_id.as_str(),
                finding.service,
            )
        })
        .collect();
    found.sort();
    let mut expected: Vec<(&str, &str, Service)> = EXPECTED
        .iter()
        .map(|(path, rule, service, _)| (*path, *rule, *service))
        .collect();
    expected.sort();
    assert_eq!(found, expected);
    for finding in &report.findings {
        // Planted keys are leaks; the SDK call that uses one is key-based auth.
        let expected_level = if finding.rule_id.starts_with("sdk-") {
            Level::Warning
        } else {
            Level::Error
        };
        assert_eq!(finding.level, expected_level, "{}", finding.rule_id);
        let profile = registry
            .knowledge()
            .profile(&finding.remediation)
            .unwrap_or_else(|| panic!("{}: no profile `{}`", finding.rule_id, finding.remediation));
        let roles: Vec<_> = registry.knowledge().roles_of(profile).collect();
        // Entra secrets reach whatever resource the app uses: the profile says so instead.
        assert!(
            !roles.is_empty() || finding.service == Service::Entra,
            "{}: no role suggested",
            finding.rule_id
        );
        let family = EXPECTED
            .iter()
            .find(|(path, rule, ..)| *path == finding.path && *rule == finding.rule_id)
            .map_or("", |(.., family)| *family);
        for (role, _) in roles {
            assert!(
                role.name.contains(family),
                "{} in {}: role {} is not a {family} role",
                finding.rule_id,
                finding.path,
                role.name
            );
        }
    }
}

#[test]
fn remediation_follows_the_context() {
    let report = common::scan_fixture("demo-app");
    let profile_of = |path: &str, rule: &str| {
        report
            .findings
            .iter()
            .find(|finding| finding.path == path && finding.rule_id == rule)
            .map(|finding| finding.remediation.clone())
    };
    assert_eq!(
        profile_of(".github/workflows/deploy.yml", "entra-client-secret").as_deref(),
        Some("entra-ci")
    );
    assert_eq!(
        profile_of("appsettings.json", "entra-client-secret").as_deref(),
        Some("entra")
    );
    assert_eq!(
        profile_of("local.settings.json", "functions-host-storage-key").as_deref(),
        Some("functions-host-storage")
    );
    assert_eq!(
        profile_of("local.settings.json", "servicebus-connection-string").as_deref(),
        Some("eventhubs")
    );
}

#[test]
fn clean_twin_has_nothing_at_warning_or_above() {
    let report = common::scan_fixture("demo-app-clean");
    let loud = common::loud(&report.findings);
    assert!(loud.is_empty(), "clean twin has findings: {loud:?}");
    assert!(
        report.stats.files_scanned >= 10,
        "the twin's files were not all scanned: {:?}",
        report.stats
    );
}

#[test]
fn utf16_web_config_is_decoded_and_positions_are_in_characters() {
    let report = common::scan_fixture("demo-app");
    let storage = report
        .findings
        .iter()
        .find(|finding| finding.path == "web.config" && finding.rule_id == "storage-account-key")
        .unwrap_or_else(|| panic!("no storage finding in web.config"));
    assert_eq!((storage.start.line, storage.start.column), (4, 122));
    assert_eq!(storage.end.column - storage.start.column, 88);
}
