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
        // The Service Bus namespace's switch stays on: worker/index.js still uses its key.
        let held: &[&str] = if fixture == "migration-app" {
            &[
                "infra/azuredeploy.json:27 servicebus-local-auth-enabled",
                "infra/main.bicep:25 servicebus-local-auth-enabled",
                "infra/main.tf:29 servicebus-local-auth-enabled",
            ]
        } else {
            &[]
        };
        assert_eq!(loud_on_rewritten_settings(&root, &after), held, "{fixture}");
        // Idempotent: nothing left to do on the rewritten files.
        let again = run_fix(&root, true);
        assert!(
            again.is_empty(),
            "{fixture}: second run would change:\n{again}"
        );
    }
}

#[test]
fn migration_app_rewritten_templates_keep_only_the_switch_the_worker_needs() {
    let (_guard, root) = copy_fixture("migration-app");
    run_fix(&root, false);
    let loud = common::loud(&scan(&root));
    assert_eq!(
        loud,
        [
            "infra/azuredeploy.json:27 servicebus-local-auth-enabled `properties.disableLocalAuth: false` keeps key-based auth on for this namespace",
            "infra/main.bicep:25 servicebus-local-auth-enabled `properties.disableLocalAuth: false` keeps key-based auth on for this namespace",
            "infra/main.tf:29 servicebus-local-auth-enabled `local_auth_enabled: true` keeps key-based auth on for this namespace",
            "worker/index.js:4 servicebus-connection-string shared access key for namespace `contoso-fake-migr` in a connection string"
        ],
        "the code finding and the switch it holds on are left"
    );
}

/// The Service Bus namespace's key-auth switch in each template language.
const BUS_SWITCHES: [(&str, &str, &str); 3] = [
    (
        "infra/main.bicep",
        "disableLocalAuth: false",
        "disableLocalAuth: true",
    ),
    (
        "infra/azuredeploy.json",
        "\"disableLocalAuth\": false",
        "\"disableLocalAuth\": true",
    ),
    (
        "infra/main.tf",
        "local_auth_enabled  = true",
        "local_auth_enabled  = false",
    ),
];

/// `keyless fix` turns key auth off on a resource only when nothing left in the scanned tree
/// reaches it with a key: deployed, the switch would break the workload that still does.
// See: issue #27, part 4.
#[test]
fn key_auth_stays_on_while_another_file_uses_the_key() {
    // worker/index.js sends to the namespace with its key: every template keeps the switch on,
    // says why in its change note, and the fix output names the user.
    let (_guard, root) = copy_fixture("migration-app");
    let output = common::keyless(&root, &["fix", "."]);
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    for (path, on, _) in BUS_SWITCHES {
        let text = std::fs::read_to_string(root.join(path)).unwrap();
        assert!(text.contains(on), "{path} lost its switch:\n{text}");
        assert!(
            text.contains("__fullyQualifiedNamespace"),
            "{path}: the app setting is still rewritten"
        );
        assert!(
            stderr
                .lines()
                .any(|line| line.starts_with(&format!("keyless: {path}:"))
                    && line.contains("key auth left on for `contoso-fake-migr`")
                    && line.contains("worker/index.js:4 (servicebus-connection-string)")),
            "{path}: not reported:\n{stderr}"
        );
    }
    // The storage account's key is used by nothing the fix leaves: its switch goes off.
    let bicep = std::fs::read_to_string(root.join("infra/main.bicep")).unwrap();
    assert!(bicep.contains("allowSharedKeyAccess: false"));
    // A second run while the worker still uses the key changes nothing and says why again.
    let output = common::keyless(&root, &["fix", ".", "--dry-run"]);
    assert!(output.stdout.is_empty(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("3 key-auth switches left on"));
    // Once the worker uses its identity, the next run turns key auth off: the templates no
    // longer use the key and already grant the app's identity its role on the namespace.
    std::fs::write(root.join("worker/index.js"), IDENTITY_WORKER).unwrap();
    let output = common::keyless(&root, &["fix", "."]);
    assert!(output.status.success(), "{output:?}");
    for (path, _, off) in BUS_SWITCHES {
        let text = std::fs::read_to_string(root.join(path)).unwrap();
        assert!(
            text.contains(off),
            "{path}: the second run kept key auth on"
        );
    }
    assert_eq!(
        loud_on_rewritten_settings(&root, &scan(&root)),
        Vec::<String>::new()
    );
    assert!(
        run_fix(&root, true).is_empty(),
        "a third run changes nothing"
    );

    // A key the files do not tie to one namespace counts for every namespace of the service.
    let (_guard, root) = copy_fixture("migration-app");
    std::fs::write(
        root.join("worker/index.js"),
        "const { ServiceBusClient } = require(\"@azure/service-bus\");\n\
         const client = new ServiceBusClient(process.env.SERVICEBUS_CONNECTION_STRING);\n\
         module.exports = { client };\n",
    )
    .unwrap();
    run_fix(&root, false);
    for (path, on, _) in BUS_SWITCHES {
        let text = std::fs::read_to_string(root.join(path)).unwrap();
        assert!(text.contains(on), "{path}: an unresolved user was ignored");
    }

    // An appsettings.json elsewhere in the tree with the namespace's connection string holds
    // it too, whatever workload it belongs to.
    let (_guard, root) = copy_fixture("migration-app");
    std::fs::write(root.join("worker/index.js"), IDENTITY_WORKER).unwrap();
    std::fs::create_dir_all(root.join("billing")).unwrap();
    std::fs::write(
        root.join("billing/appsettings.json"),
        "{\n  \"ConnectionStrings\": {\n    \"Bus\": \"Endpoint=sb://contoso-fake-migr.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=9MhhyF9d1oa9EqPTJvtQVdWrprWBUx9Um+ASbNhkFMc=\"\n  }\n}\n",
    )
    .unwrap();
    let output = common::keyless(&root, &["fix", "."]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("billing/appsettings.json:3"), "{stderr}");
    for (path, on, _) in BUS_SWITCHES {
        let text = std::fs::read_to_string(root.join(path)).unwrap();
        assert!(
            text.contains(on),
            "{path}: the billing app's key was ignored"
        );
    }

    // Once the worker uses its identity, nothing else needs the key: the switch goes off.
    let (_guard, root) = copy_fixture("migration-app");
    std::fs::write(root.join("worker/index.js"), IDENTITY_WORKER).unwrap();
    let output = common::keyless(&root, &["fix", "."]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("key auth left on"), "{stderr}");
    for (path, _, off) in BUS_SWITCHES {
        let text = std::fs::read_to_string(root.join(path)).unwrap();
        assert!(text.contains(off), "{path} kept key auth on:\n{text}");
    }
    assert_eq!(
        loud_on_rewritten_settings(&root, &scan(&root)),
        Vec::<String>::new()
    );
}

/// worker/index.js with the namespace reached through an identity.
const IDENTITY_WORKER: &str = "const { ServiceBusClient } = require(\"@azure/service-bus\");\n\
const { DefaultAzureCredential } = require(\"@azure/identity\");\n\
const client = new ServiceBusClient(\"contoso-fake-migr.servicebus.windows.net\", new DefaultAzureCredential());\n\
module.exports = { client };\n";

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

/// With nothing to rewrite, a template's switch goes off only on evidence that an identity
/// already reaches the resource (a role assignment on it in the same template), and only when
/// nothing in the tree uses the key.
#[test]
fn a_lone_switch_needs_a_role_assignment_on_the_resource() {
    let bus = "resource bus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {\n  name: 'contoso-fake-lone'\n  location: 'westeurope'\n  properties: {\n    disableLocalAuth: false\n  }\n}\n";
    let assignment = "\nresource busSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {\n  name: guid(bus.id, 'sender')\n  scope: bus\n  properties: {\n    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39')\n    principalId: principalId\n    principalType: 'ServicePrincipal'\n  }\n}\n";
    let tf_bus = "resource \"azurerm_servicebus_namespace\" \"bus\" {\n  name                = \"contoso-fake-lone\"\n  resource_group_name = \"rg\"\n  location            = \"westeurope\"\n  sku                 = \"Standard\"\n  local_auth_enabled  = true\n}\n";
    let tf_assignment = "\nresource \"azurerm_role_assignment\" \"sender\" {\n  scope                = azurerm_servicebus_namespace.bus.id\n  role_definition_name = \"Azure Service Bus Data Sender\"\n  principal_id         = var.principal_id\n}\n";
    let cases = [
        (
            "main.bicep",
            format!("param principalId string\n\n{bus}"),
            assignment,
            "disableLocalAuth: true",
        ),
        (
            "main.tf",
            tf_bus.to_owned(),
            tf_assignment,
            "local_auth_enabled  = false",
        ),
    ];
    for (file, template, grant, off) in cases {
        let directory = tempfile::tempdir().unwrap();
        let root = directory.path();
        std::fs::write(root.join("host.json"), "{}\n").unwrap();
        std::fs::write(root.join(file), &template).unwrap();
        assert!(
            run_fix(root, true).is_empty(),
            "{file}: flipped without evidence"
        );
        std::fs::write(root.join(file), format!("{template}{grant}")).unwrap();
        // Another app still sends with the namespace's key: held.
        std::fs::write(
            root.join("appsettings.json"),
            "{ \"Bus\": \"Endpoint=sb://contoso-fake-lone.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=9MhhyF9d1oa9EqPTJvtQVdWrprWBUx9Um+ASbNhkFMc=\" }\n",
        )
        .unwrap();
        let output = common::keyless(root, &["fix", ".", "--dry-run"]);
        assert!(output.stdout.is_empty(), "{file}: {output:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("appsettings.json:1"),
            "{file}: {output:?}"
        );
        std::fs::remove_file(root.join("appsettings.json")).unwrap();
        run_fix(root, false);
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        assert!(text.contains(off), "{file}:\n{text}");
    }
}
