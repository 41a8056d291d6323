//! Source code in every language keyless parses: key-based SDK use is found at the right line
//! with the service and a rewrite in that language, identity-based twins are clean, roles follow
//! what the code does, a key split over `concat!` and consts is found, and a file that does not
//! parse still gets the text rules.

use crate::common;

use keyless::{Level, Service};

fn scan(fixture: &str) -> keyless::ScanReport {
    common::scan_fixture(fixture)
}

/// (path, line, rule, service)
const EXPECTED: &[(&str, usize, &str, Service)] = &[
    ("Orders.cs", 5, "sdk-key-credential", Service::Search),
    ("Orders.cs", 6, "sdk-cosmos-key-client", Service::Cosmos),
    (
        "Orders.cs",
        7,
        "sdk-client-secret-credential",
        Service::Entra,
    ),
    (
        "Orders.java",
        6,
        "sdk-connection-string-client",
        Service::Storage,
    ),
    (
        "Orders.java",
        7,
        "sdk-client-secret-credential",
        Service::Entra,
    ),
    ("broken.py", 2, "storage-account-key", Service::Storage),
    ("deploy.ps1", 1, "sdk-key-credential", Service::Storage),
    (
        "deploy.ps1",
        2,
        "sdk-client-secret-credential",
        Service::Entra,
    ),
    (
        "orders.go",
        11,
        "sdk-connection-string-client",
        Service::Servicebus,
    ),
    (
        "orders.go",
        12,
        "sdk-client-secret-credential",
        Service::Entra,
    ),
    (
        "orders.py",
        7,
        "sdk-connection-string-client",
        Service::Storage,
    ),
    (
        "orders.py",
        8,
        "sdk-client-secret-credential",
        Service::Entra,
    ),
    (
        "orders.py",
        12,
        "sdk-connection-string-client",
        Service::Servicebus,
    ),
    (
        "orders.ts",
        4,
        "sdk-connection-string-client",
        Service::Eventhubs,
    ),
    ("orders.ts", 5, "sdk-cosmos-key-client", Service::Cosmos),
    ("storage.rs", 3, "storage-account-key", Service::Storage),
];

#[test]
fn key_based_sdk_use_is_found_in_every_language() {
    let report = scan("code/planted");
    let found: Vec<(&str, usize, &str, Service)> = report
        .findings
        .iter()
        .map(|finding| {
            (
                finding.path.as_str(),
                finding.start.line,
                finding.rule_id.as_str(),
                finding.service,
            )
        })
        .collect();
    assert_eq!(found, EXPECTED);
    let registry = common::registry();
    for finding in &report.findings {
        let profile = registry
            .knowledge()
            .profile(&finding.remediation)
            .unwrap_or_else(|| panic!("no profile"));
        let language = keyless::source::language_of(&finding.path).unwrap_or_default();
        if finding.service != Service::Entra {
            assert!(
                profile.sdk.contains_key(language),
                "{}: no {language} rewrite for {}",
                finding.path,
                profile.id
            );
        }
    }
}

#[test]
fn identity_based_twins_are_clean() {
    let loud = common::loud(&scan("code/clean").findings);
    assert!(loud.is_empty(), "{loud:?}");
}

#[test]
fn roles_follow_what_the_code_does() {
    let report = scan("code/roles");
    let role_of = |path: &str| -> Vec<String> {
        report
            .findings
            .iter()
            .filter(|finding| finding.path == path)
            .flat_map(|finding| finding.roles.iter().map(|inferred| inferred.role.clone()))
            .collect()
    };
    assert_eq!(role_of("read_blobs.py"), ["storage-blob-data-reader"]);
    assert_eq!(role_of("write_blobs.py"), ["storage-blob-data-contributor"]);
    assert_eq!(role_of("send.py"), ["azure-service-bus-data-sender"]);
    assert_eq!(role_of("receive.py"), ["azure-service-bus-data-receiver"]);
}

#[test]
fn literal_credentials_in_calls_are_errors_reported_once() {
    let registry = common::registry();
    let findings = keyless::scan_text(
        &registry,
        "auth.py",
        "credential = ClientSecretCredential(tenant, client, \"kl-fake-Zq8#Lm3!Tw9$Rx5@\")\n",
    );
    assert_eq!(findings.len(), 1, "{findings:?}");
    let finding = &findings[0];
    assert_eq!(
        (finding.rule_id.as_str(), finding.level),
        ("sdk-client-secret-credential", Level::Error)
    );
    assert_eq!(finding.start.column, 53, "the literal, not the call");
    assert!(
        !finding.message.contains("Zq8#"),
        "message leaks the secret: {}",
        finding.message
    );
}
