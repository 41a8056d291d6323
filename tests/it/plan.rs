//! `keyless plan` on the fixture apps: workloads, identities, least-privilege role assignments
//! without duplicates, rotations; Markdown and JSON snapshots; the generated Bicep and Terraform
//! parse with keyless's own parsers and the `az` script passes `bash -n`.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::collections::BTreeSet;

use keyless::parse::{self, Format};
use keyless::plan::{IdentityKind, Plan, iac, render};

fn plan_of(fixture: &str) -> Plan {
    let report = common::scan_fixture(fixture);
    let registry = common::registry();
    keyless::fix::plan_with_fixes(
        &common::fixture(fixture),
        &report.findings,
        registry.knowledge(),
    )
}

const FIXTURES: [&str; 2] = ["demo-app", "migration-app"];

#[test]
fn each_workload_is_listed_once() {
    for fixture in FIXTURES {
        let plan = plan_of(fixture);
        let directories: BTreeSet<&str> = plan
            .workloads
            .iter()
            .map(|workload| workload.directory.as_str())
            .collect();
        assert_eq!(directories.len(), plan.workloads.len(), "{fixture}");
    }
    let migration = plan_of("migration-app");
    let directories: Vec<&str> = migration
        .workloads
        .iter()
        .map(|workload| workload.directory.as_str())
        .collect();
    assert_eq!(directories, [".", "worker"]);
    // demo-app is one app (appsettings.json at its root); its k8s/ and src/ belong to it.
    assert_eq!(plan_of("demo-app").workloads.len(), 1);
}

#[test]
fn migration_app_gets_the_exact_role_assignments() {
    let plan = plan_of("migration-app");
    let assignments: Vec<(String, String, String, String)> = plan
        .unique_assignments()
        .into_iter()
        .map(|assignment| {
            (
                assignment.principal.clone(),
                assignment.role.clone(),
                assignment.role_guid.clone(),
                assignment.scope.name.clone(),
            )
        })
        .collect();
    let expected = [
        (
            "func-fake-migr (system-assigned)",
            "Storage Blob Data Owner",
            "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
            "contosofakemigr",
        ),
        (
            "func-fake-migr (system-assigned)",
            "Storage Queue Data Contributor",
            "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
            "contosofakemigr",
        ),
        (
            "func-fake-migr (system-assigned)",
            "Azure Service Bus Data Receiver",
            "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
            "contoso-fake-migr",
        ),
        (
            "func-fake-migr (system-assigned)",
            "Key Vault Secrets User",
            "4633458b-17de-408a-b874-0445c86b69e6",
            "kv-fake-migr",
        ),
        (
            "worker (system-assigned)",
            "Azure Service Bus Data Sender",
            "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
            "contoso-fake-migr",
        ),
    ];
    let expected: Vec<(String, String, String, String)> = expected
        .iter()
        .map(|(principal, role, guid, scope)| {
            (
                (*principal).to_owned(),
                (*role).to_owned(),
                (*guid).to_owned(),
                (*scope).to_owned(),
            )
        })
        .collect();
    assert_eq!(assignments, expected);
    let app = &plan.workloads[0];
    assert_eq!(app.identity.kind, IdentityKind::SystemAssigned);
    assert_eq!(app.compute.as_ref().unwrap().name, "func-fake-migr");
    // The namespace is shared with the worker, and the plan says so.
    assert!(
        plan.workloads[1]
            .grouped_because
            .iter()
            .any(|reason| reason.contains("contoso-fake-migr") && reason.contains("also used"))
    );
}

#[test]
fn assignments_are_unique_least_privilege_and_from_roles_yaml() {
    let registry = common::registry();
    let knowledge = registry.knowledge();
    for fixture in FIXTURES {
        let plan = plan_of(fixture);
        for workload in &plan.workloads {
            let mut seen = BTreeSet::new();
            for assignment in &workload.role_assignments {
                assert!(
                    seen.insert((assignment.role_id.clone(), assignment.scope.clone())),
                    "{fixture}: duplicate {} on {}",
                    assignment.role,
                    assignment.scope.name
                );
                let role = knowledge.role(&assignment.role_id).unwrap();
                assert_eq!(assignment.role_guid, role.output_id());
                assert_eq!(assignment.role, role.name);
                let broader = workload.role_assignments.iter().find(|other| {
                    other.scope == assignment.scope
                        && knowledge
                            .covered_by(&other.role_id)
                            .contains(&assignment.role_id)
                });
                assert!(
                    broader.is_none(),
                    "{fixture}: {} is covered by another role on {}",
                    assignment.role,
                    assignment.scope.name
                );
                assert!(
                    !["Owner", "Contributor", "Reader"].contains(&role.name.as_str()),
                    "{fixture}: control-plane role"
                );
            }
        }
    }
}

#[test]
fn committed_keys_are_listed_for_rotation() {
    let plan = plan_of("migration-app");
    let rotations: Vec<String> = plan
        .workloads
        .iter()
        .flat_map(|workload| &workload.rotate)
        .map(|rotation| format!("{}:{}", rotation.path, rotation.line))
        .collect();
    assert_eq!(
        rotations,
        [
            "local.settings.json:4",
            "local.settings.json:6",
            "local.settings.json:7",
            "worker/index.js:4"
        ]
    );
    let demo = plan_of("demo-app");
    let errors = common::scan_fixture("demo-app")
        .findings
        .iter()
        .filter(|finding| finding.level == keyless::Level::Error)
        .count();
    assert_eq!(demo.workloads[0].rotate.len(), errors);
}

#[test]
fn key_auth_waits_for_keys_no_identity_replaces() {
    let plan = plan_of("migration-app");
    let switches = &plan.workloads[0].key_auth;
    let share = switches
        .iter()
        .find(|switch| switch.target.name == "contosofakemigrshare")
        .unwrap();
    assert!(!share.blocked_by.is_empty());
    let host = switches
        .iter()
        .find(|switch| switch.target.name == "contosofakemigr")
        .unwrap();
    assert!(host.blocked_by.is_empty());
    // Every use of the host account's key is rewritten by `keyless fix`; the namespace's is not:
    // the worker's code still uses it, so its switch names it.
    assert!(host.used_after_fix.is_empty());
    let bus = switches
        .iter()
        .find(|switch| switch.target.name == "contoso-fake-migr")
        .unwrap();
    assert_eq!(
        bus.used_after_fix,
        ["worker/index.js:4 (servicebus-connection-string)"]
    );
    assert_eq!(host.arm, "properties.allowSharedKeyAccess: false");
    assert_eq!(
        host.declared_at,
        [
            "infra/azuredeploy.json:17",
            "infra/main.bicep:13",
            "infra/main.tf:21"
        ]
    );
}

#[test]
fn plans_never_hold_a_secret() {
    for fixture in FIXTURES {
        let secrets = common::secrets_of(fixture);
        assert!(secrets.len() >= 4, "{fixture}: too few secrets");
        let plan = plan_of(fixture);
        for text in [
            render::markdown(&plan),
            render::json(&plan),
            iac::bicep(&plan),
            iac::terraform(&plan),
            iac::az(&plan),
        ] {
            for secret in &secrets {
                assert!(
                    !text.contains(secret.as_str()),
                    "{fixture}: a secret leaked"
                );
            }
            assert!(
                !text.contains("FHzkr6BLUofEj79"),
                "{fixture}: a secret leaked"
            );
        }
    }
}

#[test]
fn generated_bicep_and_terraform_parse_with_keyless_parsers() {
    for fixture in FIXTURES {
        let plan = plan_of(fixture);
        let assignments = plan.unique_assignments().len();
        for (format, text) in [
            (Format::Bicep, iac::bicep(&plan)),
            (Format::Terraform, iac::terraform(&plan)),
        ] {
            let document = parse::parse(format, &text);
            assert!(
                document.complete,
                "{fixture}: {format:?} does not parse:\n{text}"
            );
            assert!(
                document.resources.len() >= assignments,
                "{fixture}: {format:?} has {} resources for {assignments} assignments",
                document.resources.len()
            );
        }
    }
}

#[test]
fn generated_az_script_passes_bash_n() {
    let directory = tempfile::tempdir().unwrap();
    for fixture in FIXTURES {
        let script = directory.path().join(format!("{fixture}.sh"));
        std::fs::write(&script, iac::az(&plan_of(fixture))).unwrap();
        let status = std::process::Command::new("bash")
            .arg("-n")
            .arg(&script)
            .status()
            .unwrap();
        assert!(status.success(), "{fixture}: bash -n failed");
    }
}

#[test]
fn plan_snapshots() {
    insta::assert_snapshot!(
        "plan_migration_app_markdown",
        render::markdown(&plan_of("migration-app"))
    );
    insta::assert_snapshot!(
        "plan_demo_app_markdown",
        render::markdown(&plan_of("demo-app"))
    );
    insta::assert_snapshot!(
        "plan_migration_app_json",
        render::json(&plan_of("migration-app"))
    );
    insta::assert_snapshot!(
        "plan_migration_app_bicep",
        iac::bicep(&plan_of("migration-app"))
    );
    insta::assert_snapshot!(
        "plan_migration_app_terraform",
        iac::terraform(&plan_of("migration-app"))
    );
    insta::assert_snapshot!("plan_migration_app_az", iac::az(&plan_of("migration-app")));
}

#[test]
fn cli_writes_every_format() {
    let root = common::fixture("migration-app");
    let directory = tempfile::tempdir().unwrap();
    for format in ["markdown", "json", "bicep", "terraform", "az"] {
        let output = directory.path().join(format!("plan.{format}"));
        let result = common::keyless(
            &root,
            &[
                "plan",
                ".",
                "--format",
                format,
                "--output",
                output.to_str().unwrap(),
            ],
        );
        assert!(result.status.success(), "{format}: {result:?}");
        let text = std::fs::read_to_string(&output).unwrap();
        assert!(text.contains("contoso-fake-migr"), "{format}");
    }
    let json = common::keyless(&root, &["plan", "-f", "json"]);
    let value = common::json_of(&json);
    assert_eq!(value["workloads"].as_array().unwrap().len(), 2);
}

/// An ARM template whose site, named by `name`, reads a Service Bus key in an app setting.
fn arm_site(name: &str, variables: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{ "siteName": {{ "type": "string" }}, "prefix": {{ "type": "string" }} }},
  "variables": {{ {variables} }},
  "resources": [
    {{
      "type": "Microsoft.Web/sites",
      "apiVersion": "2023-12-01",
      "name": "{name}",
      "location": "westeurope",
      "properties": {{
        "siteConfig": {{
          "appSettings": [
            {{ "name": "ServiceBusConnection", "value": "[listKeys(resourceId('Microsoft.ServiceBus/namespaces/authorizationRules', 'contoso-fake-names', 'RootManageSharedAccessKey'), '2022-10-01-preview').primaryConnectionString]" }}
          ]
        }}
      }}
    }}
  ]
}}
"#
    )
}

/// A Bicep template whose site `ordersApp`, named by `name`, reads a Service Bus key.
fn bicep_site(name: &str) -> String {
    format!(
        "param prefix string\nparam appName string\n\n\
         resource bus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = {{\n  name: 'contoso-fake-names'\n}}\n\n\
         resource busRootKey 'Microsoft.ServiceBus/namespaces/AuthorizationRules@2022-10-01-preview' existing = {{\n  parent: bus\n  name: 'RootManageSharedAccessKey'\n}}\n\n\
         resource ordersApp 'Microsoft.Web/sites@2023-12-01' = {{\n  name: {name}\n  location: 'westeurope'\n  properties: {{\n    siteConfig: {{\n      appSettings: [\n        {{\n          name: 'ServiceBusConnection'\n          value: busRootKey.listKeys().primaryConnectionString\n        }}\n      ]\n    }}\n  }}\n}}\n"
    )
}

/// A computed resource name reads as its Bicep symbol or its expression, never as the
/// resource's index in the template (`Runs on: \`0\``).
// See: issue #27, part 5.
#[test]
fn computed_compute_names_are_readable() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    let long = "[concat(parameters('prefix'), '-orders-func-', uniqueString(resourceGroup().id))]";
    let apps: [(&str, &str, String); 6] = [
        (
            "arm-parameter",
            "infra/azuredeploy.json",
            arm_site("[parameters('siteName')]", ""),
        ),
        ("arm-concat", "infra/azuredeploy.json", arm_site(long, "")),
        (
            "arm-variable",
            "infra/azuredeploy.json",
            arm_site(
                "[variables('siteName')]",
                &format!("\"siteName\": \"{long}\""),
            ),
        ),
        (
            "arm-literal-variable",
            "infra/azuredeploy.json",
            arm_site(
                "[variables('siteName')]",
                "\"siteName\": \"func-fake-names\"",
            ),
        ),
        ("bicep-parameter", "infra/main.bicep", bicep_site("appName")),
        (
            "bicep-interpolated",
            "infra/main.bicep",
            bicep_site("'${prefix}-app'"),
        ),
    ];
    for (app, template, text) in &apps {
        std::fs::create_dir_all(root.join(app).join("infra")).unwrap();
        std::fs::write(root.join(app).join("host.json"), "{}\n").unwrap();
        std::fs::write(root.join(app).join(template), text).unwrap();
    }
    let findings = keyless::scan(
        &common::registry(),
        &common::scan_options(root),
        &Default::default(),
    )
    .unwrap()
    .findings;
    let registry = common::registry();
    let plan = keyless::fix::plan_with_fixes(root, &findings, registry.knowledge());
    let computes: Vec<(&str, &str, bool)> = plan
        .workloads
        .iter()
        .map(|workload| {
            let compute = workload.compute.as_ref().unwrap();
            (
                workload.directory.as_str(),
                compute.name.as_str(),
                compute.computed_name,
            )
        })
        .collect();
    assert_eq!(
        computes,
        [
            (
                "arm-concat",
                "concat(parameters('prefix'), '-orders-func-', u…",
                true
            ),
            ("arm-literal-variable", "func-fake-names", true),
            ("arm-parameter", "parameters('siteName')", true),
            ("arm-variable", "variables('siteName')", true),
            ("bicep-interpolated", "ordersApp", true),
            ("bicep-parameter", "ordersApp", true),
        ]
    );
    let markdown = render::markdown(&plan);
    let runs_on: Vec<&str> = markdown
        .lines()
        .filter(|line| line.starts_with("Runs on:"))
        .collect();
    assert_eq!(runs_on.len(), apps.len(), "{markdown}");
    for line in runs_on {
        assert!(
            !line.contains("`0`") && line.contains("(Microsoft.Web/sites)"),
            "{line}"
        );
    }
    // Expressions never become principals or shell words: the az script stays valid.
    let script = root.join("plan.sh");
    std::fs::write(&script, iac::az(&plan)).unwrap();
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .unwrap();
    assert!(status.success());
    // Alone, an app gets a system-assigned identity: the script asks for its principal id
    // rather than updating a resource by a name that is only a label.
    let alone = root.join("bicep-parameter");
    let findings = keyless::scan(
        &common::registry(),
        &common::scan_options(&alone),
        &Default::default(),
    )
    .unwrap()
    .findings;
    let plan_alone = keyless::fix::plan_with_fixes(&alone, &findings, registry.knowledge());
    assert_eq!(
        plan_alone.workloads[0].identity.principal,
        "ordersApp (system-assigned)"
    );
    let script = iac::az(&plan_alone);
    assert!(!script.contains("set identity.type"), "{script}");
    assert!(script.contains("${ORDERSAPP_PRINCIPAL_ID:?"), "{script}");
    for workload in &plan.workloads {
        let principal = &workload.identity.principal;
        assert!(!principal.contains(['\'', '{', '[']), "{principal}");
    }
}
