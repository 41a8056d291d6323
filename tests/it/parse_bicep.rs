//! The Bicep parser on realistic files (`fixtures/parse/bicep`): exact paths, kinds and value
//! texts, resources, and broken or hostile input (never a panic, never a stack overflow, quick).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use keyless::parse::bicep::BicepParser;
use keyless::parse::{Document, Format, ValueKind};

use crate::parse_support::{self, Table, expect, owned, resources};

use ValueKind::{Array, Bool, Expression, Null, Number, Object, String as Str};

fn fixture(name: &str) -> String {
    parse_support::fixture("bicep", name)
}

fn parse(text: &str) -> Document {
    let document = BicepParser::new().parse(text);
    check_invariants(text, &document);
    document
}

/// What every document must satisfy: spans inside the text on character boundaries, entries in
/// document order, keys that are the last path segment (or empty), resources with entries.
fn check_invariants(text: &str, document: &Document) {
    let mut last_start = 0;
    for entry in &document.entries {
        for span in [&entry.key, &entry.value] {
            assert!(
                span.start <= span.end && span.end <= text.len(),
                "{entry:?}"
            );
            assert!(
                text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                "{entry:?}"
            );
        }
        assert!(
            entry.value.start >= last_start,
            "not in document order: {entry:?}"
        );
        last_start = entry.value.start;
        if !entry.key.is_empty() && !text[entry.key.clone()].contains('\\') {
            assert_eq!(&text[entry.key.clone()], entry.name(), "{entry:?}");
        }
    }
    for resource in &document.resources {
        assert!(resource.header.end <= text.len());
        assert!(
            document
                .get(&resource.path.iter().map(String::as_str).collect::<Vec<_>>())
                .is_some()
        );
    }
}

#[test]
fn storage_account_with_shared_key_access() {
    let text = fixture("storage.bicep");
    let document = parse(&text);
    assert!(document.complete);
    expect(
        &text,
        &document,
        &[
            (
                "resources.storage.type",
                Str,
                "Microsoft.Storage/storageAccounts",
            ),
            ("resources.storage.apiVersion", Str, "2023-01-01"),
            ("resources.storage.name", Expression, "accountName"),
            ("resources.storage.kind", Str, "StorageV2"),
            ("resources.storage.sku.name", Str, "Standard_LRS"),
            (
                "resources.storage.properties.allowSharedKeyAccess",
                Bool,
                "true",
            ),
            (
                "resources.storage.properties.minimumTlsVersion",
                Str,
                "TLS1_2",
            ),
            (
                "resources.storage.properties.networkAcls.ipRules",
                Array,
                "[\n        { value: '203.0.113.0/24', action: 'Allow' }\n      ]",
            ),
            (
                "resources.storage.properties.networkAcls.ipRules.0",
                Object,
                "{ value: '203.0.113.0/24', action: 'Allow' }",
            ),
            (
                "resources.storage.properties.networkAcls.ipRules.0.value",
                Str,
                "203.0.113.0/24",
            ),
            ("resources.blobs.type", Str, "blobServices"),
            ("resources.blobs.name", Str, "default"),
            ("resources.container.parent", Expression, "storage::blobs"),
            (
                "parameters.accountName.defaultValue",
                Expression,
                "stfake${uniqueString(resourceGroup().id)}",
            ),
            (
                "parameters.location.defaultValue",
                Expression,
                "resourceGroup().location",
            ),
        ],
    );
    assert_eq!(
        resources(&document),
        owned(&[
            ("Microsoft.Storage/storageAccounts", "resources.storage"),
            (
                "Microsoft.Storage/storageAccounts/blobServices",
                "resources.blobs"
            ),
            (
                "Microsoft.Storage/storageAccounts/blobServices/containers",
                "resources.container"
            ),
        ])
    );
    let storage = &document.resources[0];
    let object = document
        .get(&["resources", "storage"])
        .expect("resource entry");
    assert_eq!(object.kind, Object);
    assert!(
        object
            .text(&text)
            .starts_with("resource storage 'Microsoft.Storage/storageAccounts@2023-01-01' = {")
    );
    assert!(object.text(&text).ends_with("    name: 'default'\n  }\n}"));
    assert_eq!(&text[object.key.clone()], "storage");
    assert_eq!(
        &text[storage.header.clone()],
        "Microsoft.Storage/storageAccounts@2023-01-01"
    );
    // The nested child's settings are not the parent's.
    let below: Vec<String> = document
        .below(&storage.path)
        .map(|(relative, _)| relative.join("."))
        .collect();
    assert!(below.contains(&"properties.allowSharedKeyAccess".to_string()));
    assert!(
        !below.iter().any(|path| path.starts_with("blobs")),
        "{below:?}"
    );
}

#[test]
fn function_app_with_list_keys_settings_and_an_identity() {
    let text = fixture("functionapp.bicep");
    let document = parse(&text);
    assert!(document.complete);
    let settings = "resources.app.properties.siteConfig.appSettings";
    expect(
        &text,
        &document,
        &[
            ("resources.app.identity.type", Str, "SystemAssigned"),
            ("resources.app.kind", Str, "functionapp,linux"),
            ("resources.app.properties.httpsOnly", Bool, "true"),
            (&format!("{settings}.0.name"), Str, "AzureWebJobsStorage"),
            (
                &format!("{settings}.0.value"),
                Expression,
                "DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value}",
            ),
            (
                &format!("{settings}.1.value"),
                Expression,
                "storage.listKeys().keys[0].value",
            ),
            (&format!("{settings}.2.value"), Str, "python"),
            ("resources.storage.name", Expression, "storageName"),
            ("parameters.storageName.type", Str, "string"),
        ],
    );
    assert!(
        document
            .get(&["parameters", "storageName", "defaultValue"])
            .is_none()
    );
    assert_eq!(
        resources(&document),
        owned(&[
            ("Microsoft.Storage/storageAccounts", "resources.storage"),
            ("Microsoft.Web/sites", "resources.app")
        ])
    );
}

#[test]
fn secure_parameters_outputs_and_literal_passwords() {
    let text = fixture("secure-param.bicep");
    let document = parse(&text);
    assert!(document.complete);
    expect(
        &text,
        &document,
        &[
            (
                "parameters.adminPassword",
                Object,
                "param adminPassword string = 'FAKE-Passw0rd!'",
            ),
            // `@secure()` string: ARM's `securestring` (a synthetic value, not a span of the source).
            ("parameters.adminPassword.type", Str, "securestring"),
            (
                "parameters.adminPassword.defaultValue",
                Str,
                "FAKE-Passw0rd!",
            ),
            ("parameters.settings.type", Str, "secureObject"),
            (
                "parameters.settings.defaultValue",
                Object,
                "{\n  apiKey: 'FAKE-api-key'\n}",
            ),
            (
                "parameters.settings.defaultValue.apiKey",
                Str,
                "FAKE-api-key",
            ),
            ("parameters.replicas.type", Str, "int"),
            ("parameters.replicas.defaultValue", Number, "2"),
            ("parameters.tags.type", Str, "object"),
            (
                "resources.sql.properties.administratorLoginPassword",
                Expression,
                "adminPassword",
            ),
            ("outputs.adminPasswordOut.type", Str, "string"),
            ("outputs.adminPasswordOut.value", Str, "FAKE-Passw0rd!"),
            (
                "outputs.storageKey.value",
                Expression,
                "storage.listKeys().keys[0].value",
            ),
            ("outputs.sqlId.value", Expression, "sql.id"),
        ],
    );
    let default = document
        .get(&["parameters", "adminPassword", "defaultValue"])
        .expect("default");
    assert!(
        default.key.is_empty() && default.key.start == default.value.start,
        "synthetic key"
    );
    let name = document
        .get(&["parameters", "adminPassword"])
        .expect("parameter");
    assert_eq!(&text[name.key.clone()], "adminPassword");
}

#[test]
fn service_bus_local_auth_conditions_loops_and_modules() {
    let text = fixture("servicebus.bicep");
    let document = parse(&text);
    assert!(document.complete);
    expect(
        &text,
        &document,
        &[
            (
                "resources.namespace.properties.disableLocalAuth",
                Bool,
                "false",
            ),
            ("resources.namespace.sku.name", Str, "Standard"),
            ("resources.queue.condition", Expression, "deployQueue"),
            ("resources.queue.name", Str, "orders"),
            ("resources.rules.name", Expression, "name"),
            ("resources.rules.properties.rights.0", Str, "Send"),
            ("parameters.deployQueue.defaultValue", Bool, "true"),
            ("modules.app.name", Str, "app"),
            ("modules.app.params.queueName", Str, "orders"),
        ],
    );
    let connection = document
        .get(&["modules", "app", "params", "connection"])
        .expect("module param");
    assert_eq!(connection.kind, Expression);
    assert!(
        connection.text(&text).starts_with(
            "listKeys(resourceId('Microsoft.ServiceBus/namespaces/authorizationRules'"
        )
    );
    assert!(connection.text(&text).ends_with(".primaryConnectionString"));
    assert_eq!(
        resources(&document),
        owned(&[
            ("Microsoft.ServiceBus/namespaces", "resources.namespace"),
            ("Microsoft.ServiceBus/namespaces/queues", "resources.queue"),
            (
                "Microsoft.ServiceBus/namespaces/authorizationRules",
                "resources.rules"
            ),
        ])
    );
}

#[test]
fn bicepparam_values() {
    let text = fixture("main.bicepparam");
    let document = parse(&text);
    assert!(document.complete, "valid .bicepparam files are complete");
    expect(
        &text,
        &document,
        &[
            ("parameters.adminPassword.value", Str, "FAKE-Passw0rd!"),
            (
                "parameters.apiKeySecret.value",
                Expression,
                "az.getSecret('00000000-0000-0000-0000-000000000000', 'rg-fake', 'kv-fake', 'api-key')",
            ),
            ("parameters.replicas.value", Number, "3"),
            ("parameters.enabled.value", Bool, "true"),
            ("parameters.tags.value.env", Str, "dev"),
        ],
    );
    assert!(document.entries.iter().all(|entry| {
        entry
            .path
            .first()
            .is_some_and(|group| group == "parameters")
    }));
    assert!(document.resources.is_empty());
}

#[test]
fn small_snippets() {
    let cases: &[(&str, Table)] = &[
        (
            "var a = null\nvar b = -3\nvar c = !flag\nvar d = x ?? 'y'\n",
            &[
                ("variables.a", Null, "null"),
                ("variables.b", Number, "-3"),
                ("variables.c", Expression, "!flag"),
                ("variables.d", Expression, "x ?? 'y'"),
            ],
        ),
        (
            "metadata owner = 'team'\ntargetScope = 'subscription'\n",
            &[("metadata.owner", Str, "team")],
        ),
        (
            "var list = [for i in range(0, 2): { n: i }]\n",
            &[(
                "variables.list",
                Expression,
                "[for i in range(0, 2): { n: i }]",
            )],
        ),
        (
            "resource kv 'Microsoft.KeyVault/vaults@2023-07-01' existing = {\n  name: 'kv'\n}\n",
            &[
                ("resources.kv.type", Str, "Microsoft.KeyVault/vaults"),
                // ARM's `"existing": true`, so that rules can skip what the file does not deploy.
                ("resources.kv.existing", Bool, "true"),
                ("resources.kv.name", Str, "kv"),
            ],
        ),
        (
            "resource r 'A.B/c@1' = [for x in xs: if (x.on) {\n  name: x.name\n}]\n",
            &[
                ("resources.r.condition", Expression, "x.on"),
                ("resources.r.name", Expression, "x.name"),
            ],
        ),
        (
            "resource r 'A.B/c' = {\n  name: 'no-api'\n}\n",
            &[("resources.r.type", Str, "A.B/c")],
        ),
    ];
    for (text, table) in cases {
        let document = parse(text);
        assert!(document.complete, "{text}");
        expect(text, &document, table);
    }
    assert!(
        parse("var list = [for i in range(0, 2): { n: i }]\n")
            .get(&["variables", "list", "0"])
            .is_none()
    );
    assert!(
        parse("resource r 'A.B/c' = {}\n")
            .get(&["resources", "r", "apiVersion"])
            .is_none()
    );
}

#[test]
fn the_thread_local_entry_point_parses_bicep() {
    let text = "param p string = 'x'\n";
    let document = keyless::parse::parse(Format::Bicep, text);
    assert!(document.get(&["parameters", "p", "defaultValue"]).is_some());
    assert_eq!(
        Format::of_path("infra/main.bicepparam"),
        Some(Format::Bicep)
    );
}

#[test]
fn unbalanced_braces_keep_the_rest_of_the_file() {
    let text = fixture("broken-unbalanced.bicep");
    let document = parse(&text);
    assert!(!document.complete);
    expect(
        &text,
        &document,
        &[
            (
                "resources.storage.properties.allowSharedKeyAccess",
                Bool,
                "true",
            ),
            (
                "resources.namespace.properties.disableLocalAuth",
                Bool,
                "false",
            ),
            (
                "parameters.adminPassword.defaultValue",
                Str,
                "FAKE-Passw0rd!",
            ),
        ],
    );
    assert_eq!(
        resources(&document),
        owned(&[
            ("Microsoft.Storage/storageAccounts", "resources.storage"),
            ("Microsoft.ServiceBus/namespaces", "resources.namespace"),
        ])
    );
}

#[test]
fn a_truncated_file_keeps_what_came_before() {
    let text = fixture("broken-truncated.bicep");
    let document = parse(&text);
    assert!(!document.complete);
    expect(
        &text,
        &document,
        &[
            ("parameters.location.defaultValue", Str, "westeurope"),
            (
                "resources.storage.properties.allowSharedKeyAccess",
                Bool,
                "true",
            ),
            // The cut-off string is not taken for a literal.
            (
                "resources.storage.properties.minimumTlsVersion",
                Expression,
                "TL",
            ),
        ],
    );
}

#[test]
fn empty_and_meaningless_input() {
    for text in [
        "",
        "   \n\n",
        "// only a comment\n",
        "/* block */",
        "}}}",
        "{{{",
        "'",
        "'''",
        "@",
        "resource",
        "\u{feff}é ü",
    ] {
        let document = parse(text);
        assert!(document.resources.is_empty(), "{text:?}");
        if text.trim().is_empty() || text.starts_with("//") || text.starts_with("/*") {
            assert!(document.complete && document.entries.is_empty(), "{text:?}");
        }
    }
}

#[test]
fn every_prefix_of_every_fixture_parses() {
    // Truncation at any point (a crude fuzzer): no panic, invariants hold.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/parse/bicep");
    let mut parser = BicepParser::new();
    for entry in std::fs::read_dir(dir).expect("fixtures") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("fixture");
        for end in (0..=text.len())
            .step_by(3)
            .filter(|&end| text.is_char_boundary(end))
        {
            let document = parser.parse(&text[..end]);
            check_invariants(&text[..end], &document);
        }
    }
}

/// Hostile nesting: 100,000 deep, balanced or not. Must return quickly without overflowing the
/// stack (the test thread's stack is the default 2 MiB).
#[test]
fn deep_nesting_is_bounded() {
    let n = 100_000;
    let cases = [
        format!("var x = {}{}", "[".repeat(n), "]".repeat(n)),
        format!("var x = {}1{}", "{a: ".repeat(n), "}".repeat(n)),
        format!("var x = {}", "{".repeat(n)),
        format!("var x = {}", "{\n".repeat(n)),
        format!("var x = {}", "(".repeat(n)),
        format!("var x = {}", "'${".repeat(n)),
        "}".repeat(n),
        format!(
            "param p string = 'kept'\nvar x = {}\nparam q string = 'also kept'\n",
            "{".repeat(n)
        ),
    ];
    let mut parser = BicepParser::new();
    for (index, text) in cases.iter().enumerate() {
        let started = Instant::now();
        let document = parser.parse(text);
        let elapsed = started.elapsed();
        assert!(
            elapsed < Duration::from_secs(10),
            "case {index} took {elapsed:?}"
        );
        assert!(!document.complete, "case {index}");
        check_invariants(text, &document);
        let deepest = document
            .entries
            .iter()
            .map(|entry| entry.path.len())
            .max()
            .unwrap_or(0);
        assert!(
            deepest <= keyless::parse::MAX_DEPTH + 1,
            "case {index}: {deepest}"
        );
    }
    let last = parser.parse(&cases[7]);
    expect(
        &cases[7],
        &last,
        &[
            ("parameters.p.defaultValue", Str, "kept"),
            ("parameters.q.defaultValue", Str, "also kept"),
        ],
    );
    // The parser is still fine afterwards.
    assert!(parser.parse("var ok = true\n").complete);
}

/// Parse cost on the Bicep files of `bench-corpus` (release build):
/// `cargo test --release --test it parse_bicep::parse_cost -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn parse_cost() {
    let files = corpus_files(&["bicep"]);
    let bytes: usize = files.iter().map(String::len).sum();
    assert!(bytes > 0, "no .bicep files under bench-corpus");
    let mut raw = tree_sitter::Parser::new();
    raw.set_language(&tree_sitter_bicep::LANGUAGE.into())
        .expect("grammar");
    let mut parser = BicepParser::new();
    let rounds = 20;
    let (mut tree_sitter_only, mut full, mut entries) = (Duration::ZERO, Duration::ZERO, 0);
    for _ in 0..rounds {
        for text in &files {
            let started = Instant::now();
            let tree = raw.parse(text, None);
            tree_sitter_only += started.elapsed();
            drop(tree);
            let started = Instant::now();
            entries += parser.parse(text).entries.len();
            full += started.elapsed();
        }
    }
    let megabytes = (bytes * rounds) as f64 / 1_048_576.0;
    println!(
        "bicep: {} files, {bytes} bytes, {} entries; tree-sitter {:.1} ms/MB, full parse {:.1} ms/MB",
        files.len(),
        entries / rounds,
        tree_sitter_only.as_secs_f64() * 1000.0 / megabytes,
        full.as_secs_f64() * 1000.0 / megabytes,
    );
}

fn corpus_files(extensions: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    let mut stack = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("bench-corpus")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|extension| extensions.iter().any(|wanted| extension == *wanted))
            {
                files.extend(std::fs::read_to_string(&path).ok());
            }
        }
    }
    files
}
