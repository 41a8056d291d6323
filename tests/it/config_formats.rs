//! Config files of every format keyless parses (.properties, .ini, Helm values, a Kubernetes
//! Secret with base64 `data`, Azure Pipelines variables, app.config, Service Fabric Settings.xml):
//! planted credentials are found with the service their key names imply; the twins that use
//! identities are clean.

use crate::common;

use keyless::Service;

const EXPECTED: &[(&str, &str, Service)] = &[
    ("Settings.xml", "storage-identifiable-key", Service::Storage),
    ("app.config", "cosmos-account-key", Service::Cosmos),
    (
        "application.properties",
        "servicebus-connection-string",
        Service::Eventhubs,
    ),
    (
        "application.properties",
        "storage-account-key",
        Service::Storage,
    ),
    ("azure-pipelines.yml", "entra-client-secret", Service::Entra),
    ("secret.yaml", "storage-account-key", Service::Storage),
    (
        "settings.ini",
        "servicebus-connection-string",
        Service::Servicebus,
    ),
    ("settings.ini", "storage-account-key", Service::Storage),
    (
        "values.yaml",
        "servicebus-connection-string",
        Service::Eventhubs,
    ),
];

#[test]
fn planted_config_credentials_are_found_with_their_service() {
    let report = common::scan_fixture("config/planted");
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
    assert_eq!(found, EXPECTED);
    let pipeline = report
        .findings
        .iter()
        .find(|finding| finding.path == "azure-pipelines.yml");
    assert_eq!(
        pipeline.map(|finding| finding.remediation.as_str()),
        Some("entra-ci")
    );
    // The Kubernetes Secret's value is base64: the finding covers the encoded value and masks it.
    let secret = report
        .findings
        .iter()
        .find(|finding| finding.path == "secret.yaml");
    assert_eq!(secret.map(|finding| finding.start.line), Some(7));
}

#[test]
fn identity_based_config_is_clean() {
    let loud = common::loud(&common::scan_fixture("config/clean").findings);
    assert!(loud.is_empty(), "{loud:?}");
}
