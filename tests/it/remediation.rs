//! Remediation data: every service has a profile, every profile's roles resolve, and every
//! Azure RBAC GUID matches the reference table in `../shared/reference/azure-credentials.md`.

use crate::common;

use keyless::Service;
use keyless::remediation::RoleKind;

#[test]
fn every_service_has_a_profile_with_actionable_text() {
    let registry = common::registry();
    let knowledge = registry.knowledge();
    for service in Service::ALL {
        let profile = knowledge
            .profile(service.as_str())
            .unwrap_or_else(|| panic!("no profile for {service}"));
        assert_eq!(profile.service, service);
        assert!(profile.summary.len() > 30, "{service}: summary too thin");
        assert!(
            profile.disable_key_auth.len() > 10,
            "{service}: no setting that turns key auth off"
        );
    }
    for profile in knowledge.profiles() {
        assert!(
            !profile.replacement.trim().is_empty(),
            "{}: no replacement",
            profile.id
        );
    }
}

fn is_guid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.iter().map(|part| part.len()).eq([8, 4, 4, 4, 12])
        && text.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

#[test]
fn role_guids_match_the_reference() {
    let registry = common::registry();
    for role in registry.knowledge().roles() {
        if let Some(guid) = &role.guid {
            assert!(is_guid(guid), "{}: `{guid}` is not a GUID", role.id);
        }
    }
    let Some(shared) = common::shared_dir("role_guids_match_the_reference") else {
        return;
    };
    let reference = std::fs::read_to_string(shared.join("reference").join("azure-credentials.md"))
        .unwrap_or_else(|error| panic!("cannot read the reference: {error}"));
    let table_rows: Vec<&str> = reference
        .lines()
        .filter(|line| line.starts_with('|'))
        .collect();
    let mut failures = Vec::new();
    for role in registry
        .knowledge()
        .roles()
        .filter(|role| role.kind == RoleKind::AzureRbac)
    {
        let guid = role.guid.as_deref().unwrap_or_default();
        let Some(row) = table_rows.iter().find(|row| row.contains(guid)) else {
            failures.push(format!(
                "{}: GUID {guid} is not in the reference tables",
                role.id
            ));
            continue;
        };
        // The row names the role, possibly as "Storage Queue Data Reader / Contributor".
        let distinctive = role.name.split_whitespace().last().unwrap_or_default();
        if !row.contains(distinctive) {
            failures.push(format!(
                "{}: GUID {guid} sits in a row that does not name `{}`",
                role.id, role.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn roles_follow_what_the_code_does() {
    let registry = common::registry();
    let knowledge = registry.knowledge();
    let roles = |service: Service, calls: &[&str]| -> Vec<String> {
        knowledge
            .infer_roles(service, calls.iter().copied())
            .into_iter()
            .map(|inferred| inferred.role)
            .collect()
    };
    assert_eq!(
        roles(Service::Servicebus, &["send_messages"]),
        ["azure-service-bus-data-sender"]
    );
    assert_eq!(
        roles(Service::Servicebus, &["receiveMessages"]),
        ["azure-service-bus-data-receiver"]
    );
    assert_eq!(
        roles(
            Service::Servicebus,
            &["SendMessageAsync", "ReceiveMessagesAsync"]
        ),
        [
            "azure-service-bus-data-sender",
            "azure-service-bus-data-receiver"
        ]
    );
    assert_eq!(
        roles(Service::Storage, &["download_blob"]),
        ["storage-blob-data-reader"]
    );
    assert_eq!(
        roles(Service::Storage, &["download_blob", "upload_blob"]),
        ["storage-blob-data-contributor"]
    );
    assert_eq!(
        roles(Service::Eventhubs, &["EventHubConsumerClient"]),
        ["azure-event-hubs-data-receiver"]
    );
    assert_eq!(
        roles(Service::Cosmos, &["query_items"]),
        ["cosmos-db-built-in-data-reader"]
    );
    assert!(roles(Service::Storage, &["print", "len"]).is_empty());
}

/// The roles gate never hides a role: a file whose text holds a call name that infers a role
/// may infer one, and a file with none of a service's operation words needs no parse for it.
#[test]
fn a_file_is_parsed_for_roles_only_when_an_operation_could_match() {
    let registry = common::registry();
    let knowledge = registry.knowledge();
    let names = [
        (Service::Storage, "upload_blob"),
        (Service::Storage, "DownloadToAsync"),
        (Service::Storage, "exists"),
        (Service::Storage, "create_entity"),
        (Service::Servicebus, "SendMessageAsync"),
        (Service::Servicebus, "subscribe"),
        (Service::Eventhubs, "EventHubConsumerClient"),
        (Service::Eventhubs, "Produce"),
        (Service::Cosmos, "readItem"),
        (Service::Cosmos, "fetchAll"),
    ];
    for (service, name) in names {
        assert!(
            !knowledge.infer_roles(service, [name]).is_empty(),
            "{service:?}: `{name}` infers no role"
        );
        let text = format!("client.{name}(x)\n");
        assert!(
            knowledge.may_infer_roles(service, &text),
            "{service:?}: `{name}` infers a role, yet the gate would skip the parse"
        );
    }
    let unrelated = "client.close()\nprint(len(items))\n";
    assert!(!knowledge.may_infer_roles(Service::Storage, unrelated));
    assert!(!knowledge.may_infer_roles(Service::Cosmos, unrelated));
}
