//! Every service of the vocabulary has at least one rule, a fixture with planted fake credentials
//! (`fixtures/services/<service>/planted`) that are found with that service, and a clean twin
//! (`fixtures/services/<service>/clean`) doing the same work with identities, which yields
//! nothing at warning or above.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use keyless::{Finding, Level, Service};

fn scan(registry: &keyless::Registry, dir: &Path) -> Vec<Finding> {
    let report = keyless::scan(registry, &common::scan_options(dir), &Default::default())
        .unwrap_or_else(|error| panic!("scan of {} failed: {error}", dir.display()));
    report.findings
}

fn service_dir(service: Service, kind: &str) -> std::path::PathBuf {
    common::fixture("services")
        .join(service.as_str())
        .join(kind)
}

/// Files under `dir`, relative, with `/` separators.
fn files(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        let entries =
            std::fs::read_dir(&next).unwrap_or_else(|error| panic!("{}: {error}", next.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                found.insert(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found
}

/// The level a planted credential of `service` is reported at: Application Insights keys are
/// identifiers, so they are only ever a note.
fn planted_level(service: Service) -> Level {
    match service {
        Service::Appinsights => Level::Note,
        _ => Level::Error,
    }
}

#[test]
fn every_service_has_a_rule() {
    let registry = common::registry();
    let covered: BTreeSet<Service> = registry
        .rules()
        .iter()
        .map(|rule| rule.spec.service)
        .collect();
    let missing: Vec<Service> = Service::ALL
        .into_iter()
        .filter(|service| !covered.contains(service))
        .collect();
    assert!(missing.is_empty(), "services without a rule: {missing:?}");
}

#[test]
fn every_planted_credential_is_found_with_its_service() {
    let registry = common::registry();
    let mut failures = Vec::new();
    for service in Service::ALL {
        let dir = service_dir(service, "planted");
        if !dir.is_dir() {
            failures.push(format!("{service}: no fixture at {}", dir.display()));
            continue;
        }
        let findings = scan(&registry, &dir);
        let level = planted_level(service);
        if !findings
            .iter()
            .any(|finding| finding.service == service && finding.level == level)
        {
            failures.push(format!(
                "{service}: no {level} finding with service {service} (got {:?})",
                findings
                    .iter()
                    .map(|finding| (finding.rule_id.as_str(), finding.service))
                    .collect::<Vec<_>>()
            ));
        }
        // Every planted file holds at least one credential of the service, found as such.
        let mut by_file: BTreeMap<&str, usize> = BTreeMap::new();
        for finding in &findings {
            if finding.service == service && finding.level == level {
                *by_file.entry(finding.path.as_str()).or_default() += 1;
            }
        }
        for file in files(&dir) {
            if !by_file.contains_key(file.as_str()) {
                failures.push(format!("{service}: planted file {file} yields nothing"));
            }
        }
        // The secret never appears in the message, whatever the rule.
        for finding in &findings {
            let text = std::fs::read_to_string(dir.join(&finding.path))
                .unwrap_or_else(|error| panic!("{}: {error}", finding.path));
            let secret = text.get(finding.byte_range.clone()).unwrap_or_default();
            if secret.len() >= 8 && finding.message.contains(secret) {
                failures.push(format!(
                    "{service}: {} message carries its secret",
                    finding.rule_id
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_clean_twin_is_quiet_at_warning_and_above() {
    let registry = common::registry();
    let mut failures = Vec::new();
    for service in Service::ALL {
        let dir = service_dir(service, "clean");
        if !dir.is_dir() {
            failures.push(format!("{service}: no clean twin at {}", dir.display()));
            continue;
        }
        for finding in scan(&registry, &dir) {
            if finding.level >= Level::Warning {
                failures.push(format!(
                    "{service}: {}:{} {} ({})",
                    finding.path, finding.start.line, finding.rule_id, finding.level
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn expected_rules_fire_in_the_service_fixtures() {
    let registry = common::registry();
    // A few rules whose firing is the point of a fixture file, so a change that silences them
    // shows up here by name and not only as a missing service.
    const EXPECTED: &[(Service, &str, &str)] = &[
        (Service::Storage, ".env", "storage-account-key-setting"),
        (
            Service::Storage,
            "settings.json",
            "storage-identifiable-key",
        ),
        (
            Service::Eventhubs,
            "config.yaml",
            "eventhubs-identifiable-key",
        ),
        (Service::Eventgrid, "publish.sh", "eventgrid-sas-key-header"),
        (Service::Eventgrid, "appsettings.json", "eventgrid-cask-key"),
        (Service::Sql, "main.go", "sql-url-password"),
        (Service::Sql, "db.py", "database-password-setting"),
        (
            Service::Postgresql,
            "docker-compose.yml",
            "database-password-setting",
        ),
        (Service::Mysql, "settings.py", "mysql-url-password"),
        (Service::Redis, "celery.py", "redis-identifiable-key"),
        (
            Service::Redis,
            "appsettings.json",
            "redis-connection-string-key",
        ),
        (Service::Appconfig, ".env", "appconfig-cask-key"),
        (
            Service::Webpubsub,
            "local.settings.json",
            "webpubsub-cask-key",
        ),
        (
            Service::Iothub,
            "device.c",
            "iothub-device-connection-string",
        ),
        (Service::Iothub, "device.json", "iothub-identifiable-key"),
        (Service::Keyvault, "secrets.py", "entra-client-secret"),
        (Service::Openai, "chat.py", "openai-cask-key"),
        (Service::Search, ".env", "search-identifiable-key"),
        (Service::Acr, "appsettings.json", "acr-identifiable-key"),
        (Service::Batch, "Program.cs", "batch-identifiable-key"),
        (Service::Apim, "sync.ps1", "apim-management-sas-token"),
        (Service::Apim, "sync.ps1", "apim-identifiable-key"),
        (
            Service::Functions,
            "client.js",
            "functions-identifiable-key",
        ),
        (Service::Devops, "nuget.config", "devops-pat"),
        (Service::Devops, "mirror.sh", "devops-pat-in-git-url"),
        (Service::Devops, "local.settings.json", "devops-pat-legacy"),
        (Service::Storage, "backup.sh", "storage-identifiable-key"),
        (Service::Sql, "sa.env", "sql-cask-key"),
        (Service::Cosmos, "mongo.env", "cosmos-mongo-account-key"),
        (Service::Cosmos, "mongo.env", "cosmos-mongo-vcore-password"),
        (Service::Iothub, "rest.sh", "iothub-sas-token"),
        (Service::Mysql, "dsn.go", "database-go-dsn-password"),
        (
            Service::Entra,
            "sp.json",
            "entra-client-secret-with-client-id",
        ),
        (Service::Entra, ".roadtools_auth", "entra-refresh-token"),
        (Service::Entra, "local.settings.json", "entra-client-secret"),
        (
            Service::Entra,
            ".github/workflows/deploy.yml",
            "entra-az-login-password",
        ),
    ];
    let mut failures = Vec::new();
    for &(service, file, rule) in EXPECTED {
        let findings = scan(&registry, &service_dir(service, "planted"));
        if !findings
            .iter()
            .any(|finding| finding.path == file && finding.rule_id == rule)
        {
            failures.push(format!("{service}/{file}: {rule} does not fire"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn device_keys_get_the_device_advice() {
    let registry = common::registry();
    let findings = scan(&registry, &service_dir(Service::Iothub, "planted"));
    for (file, profile) in [
        ("device.c", "iothub-device"),
        ("device.json", "iothub-device"),
        ("rest.sh", "iothub-device"),
        ("backend.env", "iothub"),
    ] {
        assert!(
            findings
                .iter()
                .any(|finding| finding.path == file && finding.remediation == profile),
            "{file}: no finding with profile {profile}"
        );
    }
}
