//! Checksum-verified keys end to end: for every identifiable key type (and every seed it may use),
//! every CASK provider keyless maps to a service, and Entra `8Q~` secrets, keys generated with a
//! valid checksum are found with the right service anywhere (no context), also without their `=`
//! padding, and the same keys with one character changed are not reported at `error` as that
//! service.

#![allow(clippy::unwrap_used)]

use keyless::checksum::{
    IdentifiableKind, generate_cask_key, generate_cask_key_long_form, generate_entra_secret,
    generate_identifiable_key,
};
use keyless::rules::identifiable_service;
use keyless::{Finding, Level, Registry, Service, scan_text};

fn registry() -> Registry {
    Registry::embedded().unwrap_or_else(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        panic!("rule data does not load:\n{}", lines.join("\n"))
    })
}

/// Deterministic key material: a small linear congruential sequence per label.
fn material(label: u32, count: usize) -> Vec<u8> {
    let mut state = label.wrapping_mul(2_654_435_761).wrapping_add(12_345);
    (0..count)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (state >> 16) as u8
        })
        .collect()
}

/// Replaces the character at `position` with another character of the key's alphabet.
fn change_char(key: &str, position: usize) -> String {
    let mut bytes = key.as_bytes().to_vec();
    bytes[position] = match bytes[position] {
        b'A' => b'B',
        b'Z' => b'Y',
        b'z' => b'y',
        b'9' => b'8',
        b'+' | b'/' | b'-' | b'_' => b'Q',
        other => other + 1,
    };
    String::from_utf8(bytes).unwrap()
}

/// Scans the key on its own in a neutral setting, so only context-free rules can fire.
fn scan_key(registry: &Registry, key: &str) -> Vec<Finding> {
    scan_text(registry, "keys.txt", &format!("value: {key}\n"))
}

/// Checks one valid key and its one-character variants; returns what went wrong.
fn check(registry: &Registry, label: &str, key: &str, service: Service) -> Vec<String> {
    let mut failures = Vec::new();
    let found = scan_key(registry, key);
    if !found
        .iter()
        .any(|finding| finding.level == Level::Error && finding.service == service)
    {
        failures.push(format!(
            "{label}: valid key {key} not found as {service} (got {:?})",
            found
                .iter()
                .map(|finding| (finding.rule_id.as_str(), finding.service))
                .collect::<Vec<_>>()
        ));
    }
    let body = key.trim_end_matches('=').len();
    for position in (0..body).step_by(3).chain([body - 1]) {
        let changed = change_char(key, position);
        let reported = scan_key(registry, &changed);
        if let Some(finding) = reported
            .iter()
            .find(|finding| finding.level == Level::Error && finding.service == service)
        {
            failures.push(format!(
                "{label}: {changed} (changed at {position}) reported by {}",
                finding.rule_id
            ));
        }
    }
    failures
}

#[test]
fn identifiable_keys_are_found_with_their_service_and_changed_ones_are_not() {
    let registry = registry();
    let mut failures = Vec::new();
    let mut checked = 0;
    for kind in IdentifiableKind::ALL {
        let Some(service) = identifiable_service(kind) else {
            continue;
        };
        for &seed in kind.seed_names() {
            for label in 0..4 {
                let key = generate_identifiable_key(kind, seed, &material(label, 64));
                failures.extend(check(&registry, &format!("{kind:?}/{seed}"), &key, service));
                // The checksum survives a dropped `=` padding, so the key is still found.
                let unpadded = key.trim_end_matches('=');
                if unpadded != key {
                    failures.extend(check(
                        &registry,
                        &format!("{kind:?}/{seed} unpadded"),
                        unpadded,
                        service,
                    ));
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 100, "only {checked} keys checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn cask_keys_are_found_with_their_service_and_changed_ones_are_not() {
    const TAGS: &[(&str, Service)] = &[
        ("AAAAAZAC", Service::Appconfig),
        ("AAAAAZEG", Service::Eventgrid),
        ("AAAAACOG", Service::Openai),
        ("AAABACOG", Service::Openai),
        ("AAAYACOG", Service::Openai),
        ("AAAAAZDO", Service::Devops),
        ("AAASAZDO", Service::Devops),
        ("AAAAAWPS", Service::Webpubsub),
        ("AAAAmsql", Service::Sql),
    ];
    let registry = registry();
    let mut failures = Vec::new();
    for &(tag, service) in TAGS {
        for label in 0..4 {
            let random = material(100 + label, 64);
            for key in [
                generate_cask_key(tag, &random),
                generate_cask_key_long_form(tag, &random),
            ] {
                failures.extend(check(&registry, tag, &key, service));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn cask_keys_of_providers_outside_the_vocabulary_are_not_errors() {
    // Mixed Reality: a valid CASK, but not a service keyless covers (Maps and Communication
    // Services are: see the next test).
    let registry = registry();
    let tag = "AAAAAZMR";
    let key = generate_cask_key(tag, &material(7, 64));
    let found = scan_key(&registry, &key);
    assert!(
        found.iter().all(|finding| finding.level != Level::Error),
        "{tag}: {found:?}"
    );
}

#[test]
fn maps_and_communication_services_cask_keys_are_errors_of_their_services() {
    let registry = registry();
    for (tag, service) in [
        ("AAAAAZMP", Service::Maps),
        ("AAAAAZCS", Service::Communication),
    ] {
        let key = generate_cask_key(tag, &material(11, 64));
        let found = scan_key(&registry, &key);
        assert!(
            found
                .iter()
                .any(|finding| finding.level == Level::Error && finding.service == service),
            "{tag}: {found:?}"
        );
    }
}

#[test]
fn entra_secrets_are_found_and_changed_ones_are_not() {
    let registry = registry();
    let mut failures = Vec::new();
    for label in 0..8 {
        let secret = generate_entra_secret(&material(200 + label, 64));
        failures.extend(check(&registry, "entra", &secret, Service::Entra));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn changed_keys_stay_quiet_in_named_settings_too() {
    // The context rules (a key named for its service) leave keys that carry an identifiable
    // signature to the checksum rules, so a key with a broken checksum is no error there either.
    let registry = registry();
    let cases: &[(IdentifiableKind, &str, &str, Service)] = &[
        (
            IdentifiableKind::StorageAccount,
            "Default0",
            "AZURE_STORAGE_KEY",
            Service::Storage,
        ),
        (
            IdentifiableKind::Batch,
            "AbAcct00",
            "BATCH_ACCOUNT_KEY",
            Service::Batch,
        ),
        (
            IdentifiableKind::CosmosDb,
            "MastRW00",
            "COSMOS_KEY",
            Service::Cosmos,
        ),
        (
            IdentifiableKind::CacheForRedis,
            "Access00",
            "REDIS_PASSWORD",
            Service::Redis,
        ),
        (
            IdentifiableKind::EventGrid,
            "SendRecv",
            "EVENTGRID_TOPIC_KEY",
            Service::Eventgrid,
        ),
        (
            IdentifiableKind::ServiceBus,
            "Send0000",
            "SERVICEBUS_KEY",
            Service::Servicebus,
        ),
        (
            IdentifiableKind::Search,
            "PAdmin00",
            "AZURE_SEARCH_KEY",
            Service::Search,
        ),
    ];
    let mut failures = Vec::new();
    for &(kind, seed, name, service) in cases {
        let key = generate_identifiable_key(kind, seed, &material(300, 64));
        let body = key.trim_end_matches('=').len();
        let valid = scan_text(&registry, ".env", &format!("{name}={key}\n"));
        if !valid.iter().any(|finding| finding.service == service) {
            failures.push(format!("{name}: valid key not found"));
        }
        let changed = change_char(&key, body - 1);
        let found = scan_text(&registry, ".env", &format!("{name}={changed}\n"));
        if let Some(finding) = found.iter().find(|finding| finding.level == Level::Error) {
            failures.push(format!(
                "{name}: changed key reported by {}",
                finding.rule_id
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
