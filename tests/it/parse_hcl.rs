//! The Terraform / HCL parser on realistic files (`fixtures/parse/terraform`): exact paths,
//! kinds and value texts, resources, and broken or hostile input (never a panic, never a stack
//! overflow, quick).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use keyless::parse::hcl::HclParser;
use keyless::parse::{Document, Format, ValueKind};

use crate::parse_support::{self, Table, expect, owned, resources};

use ValueKind::{Array, Bool, Expression, Null, Number, Object, String as Str};

fn fixture(name: &str) -> String {
    parse_support::fixture("terraform", name)
}

fn parse(text: &str) -> Document {
    let document = HclParser::new().parse(text);
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
        if !entry.key.is_empty() {
            assert_eq!(&text[entry.key.clone()], entry.name(), "{entry:?}");
        }
    }
    for resource in &document.resources {
        assert_eq!(
            text.get(resource.header.clone()),
            Some(resource.type_name.as_str())
        );
        assert!(
            document
                .get(&resource.path.iter().map(String::as_str).collect::<Vec<_>>())
                .is_some()
        );
    }
}

#[test]
fn storage_account_with_shared_key_access() {
    let text = fixture("storage.tf");
    let document = parse(&text);
    assert!(document.complete);
    let sa = "resource.azurerm_storage_account.sa";
    expect(
        &text,
        &document,
        &[
            (&format!("{sa}.shared_access_key_enabled"), Bool, "true"),
            (
                &format!("{sa}.public_network_access_enabled"),
                Bool,
                "false",
            ),
            (&format!("{sa}.name"), Str, "stfakedemo"),
            (
                &format!("{sa}.resource_group_name"),
                Expression,
                "azurerm_resource_group.rg.name",
            ),
            (
                &format!("{sa}.network_rules"),
                Object,
                "network_rules {\n    default_action = \"Deny\"\n    ip_rules       = [\"203.0.113.0/24\"]\n  }",
            ),
            (&format!("{sa}.network_rules.default_action"), Str, "Deny"),
            (
                &format!("{sa}.network_rules.ip_rules"),
                Array,
                "[\"203.0.113.0/24\"]",
            ),
            (
                &format!("{sa}.network_rules.ip_rules.0"),
                Str,
                "203.0.113.0/24",
            ),
            (&format!("{sa}.tags.environment"), Str, "dev"),
            (&format!("{sa}.tags.cost-center"), Number, "42"),
            (
                "data.azurerm_client_config.current",
                Object,
                "data \"azurerm_client_config\" \"current\" {}",
            ),
        ],
    );
    assert_eq!(
        resources(&document),
        owned(&[("azurerm_storage_account", sa)]),
        "data sources are not resources"
    );
    let block = document
        .get(&["resource", "azurerm_storage_account", "sa"])
        .expect("block");
    assert_eq!(&text[block.key.clone()], "sa");
    assert!(
        block
            .text(&text)
            .starts_with("resource \"azurerm_storage_account\" \"sa\" {")
    );
    let below: Vec<String> = document
        .below(&document.resources[0].path)
        .map(|(relative, _)| relative.join("."))
        .collect();
    assert!(below.contains(&"shared_access_key_enabled".to_string()));
}

#[test]
fn function_app_with_key_settings_and_an_identity() {
    let text = fixture("functionapp.tf");
    let document = parse(&text);
    assert!(document.complete);
    let app = "resource.azurerm_linux_function_app.app";
    expect(
        &text,
        &document,
        &[
            (
                &format!("{app}.storage_account_access_key"),
                Expression,
                "azurerm_storage_account.sa.primary_access_key",
            ),
            (
                &format!("{app}.app_settings.AzureWebJobsStorage"),
                Expression,
                "azurerm_storage_account.sa.primary_connection_string",
            ),
            (
                &format!("{app}.app_settings.FUNCTIONS_WORKER_RUNTIME"),
                Str,
                "python",
            ),
            (
                &format!("{app}.app_settings.QUEUE_NAME"),
                Expression,
                "orders-${var.environment}",
            ),
            (
                &format!("{app}.identity"),
                Object,
                "identity {\n    type = \"SystemAssigned\"\n  }",
            ),
            (&format!("{app}.identity.type"), Str, "SystemAssigned"),
            (
                &format!("{app}.site_config.application_stack.python_version"),
                Str,
                "3.11",
            ),
            (
                &format!("{app}.dynamic.connection_string.for_each"),
                Expression,
                "var.connections",
            ),
            (&format!("{app}.connection_string.type"), Str, "Custom"),
            (
                &format!("{app}.connection_string.value"),
                Expression,
                "connection_string.value",
            ),
        ],
    );
    assert_eq!(
        resources(&document),
        owned(&[("azurerm_linux_function_app", app)])
    );
    let header = &document.resources[0].header;
    assert_eq!(
        &text[header.start - 1..header.end + 1],
        "\"azurerm_linux_function_app\""
    );
}

#[test]
fn variables_locals_outputs_providers_and_modules() {
    let text = fixture("variables.tf");
    let document = parse(&text);
    assert!(document.complete);
    expect(
        &text,
        &document,
        &[
            ("variable.admin_password.type", Expression, "string"),
            ("variable.admin_password.sensitive", Bool, "true"),
            ("variable.admin_password.default", Str, "FAKE-Passw0rd!"),
            ("variable.environment.default", Str, "dev"),
            ("variable.connections.type", Expression, "map(string)"),
            ("variable.connections.default", Object, "{}"),
            ("locals.prefix", Expression, "fake-${var.environment}"),
            ("locals.retries", Number, "3"),
            ("locals.startup", Str, "    #!/bin/sh\n    echo starting\n"),
            (
                "output.storage_key.value",
                Expression,
                "azurerm_storage_account.sa.primary_access_key",
            ),
            ("output.storage_key.sensitive", Bool, "true"),
            ("provider.azurerm.features", Object, "features {}"),
            ("provider.azurerm.client_secret", Str, "FAKE-client-secret"),
            ("module.network.source", Str, "./modules/network"),
            ("module.network.address_space.0", Str, "10.0.0.0/16"),
        ],
    );
    assert!(document.resources.is_empty());
}

#[test]
fn sql_server_with_a_literal_password() {
    let text = fixture("mssql.tf");
    let document = parse(&text);
    assert!(document.complete);
    let sql = "resource.azurerm_mssql_server.sql";
    expect(
        &text,
        &document,
        &[
            (
                &format!("{sql}.administrator_login_password"),
                Str,
                "FAKE-Passw0rd!",
            ),
            (&format!("{sql}.administrator_login"), Str, "sqladmin"),
            (&format!("{sql}.version"), Str, "12.0"),
            (
                &format!("{sql}.azuread_administrator.login_username"),
                Str,
                "sql-admins",
            ),
        ],
    );
    let password = document
        .get(&[
            "resource",
            "azurerm_mssql_server",
            "sql",
            "administrator_login_password",
        ])
        .expect("entry");
    assert_eq!(&text[password.key.clone()], "administrator_login_password");
    assert_eq!(
        &text[password.value.start - 1..password.value.end + 1],
        "\"FAKE-Passw0rd!\""
    );
}

#[test]
fn tfvars_attributes_are_top_level() {
    let text = fixture("terraform.tfvars");
    let document = parse(&text);
    assert!(document.complete);
    expect(
        &text,
        &document,
        &[
            ("environment", Str, "dev"),
            ("admin_password", Str, "FAKE-Passw0rd!"),
            ("replicas", Number, "2"),
            (
                "connections.orders",
                Str,
                "Endpoint=sb://sb-fake-demo.servicebus.windows.net/;SharedAccessKeyName=fake;SharedAccessKey=FAKE",
            ),
        ],
    );
    assert_eq!(Format::of_path("env/prod.tfvars"), Some(Format::Terraform));
}

#[test]
fn small_snippets() {
    let cases: &[(&str, Table)] = &[
        (
            "a = null\nb = 1.5e3\nc = !var.x\nd = var.x == \"y\" ? 1 : 2\ne = lower(\"X\")\n",
            &[
                ("a", Null, "null"),
                ("b", Number, "1.5e3"),
                ("c", Expression, "!var.x"),
                ("d", Expression, "var.x == \"y\" ? 1 : 2"),
                ("e", Expression, "lower(\"X\")"),
            ],
        ),
        (
            "a = [\n  { k = \"v\" },\n  [1, 2],\n]\n",
            &[
                ("a.0.k", Str, "v"),
                ("a.1", Array, "[1, 2]"),
                ("a.1.1", Number, "2"),
            ],
        ),
        (
            "a = aws_x.y[*].id\nb = { for k, v in var.m : k => v }\n",
            &[
                ("a", Expression, "aws_x.y[*].id"),
                ("b", Expression, "{ for k, v in var.m : k => v }"),
            ],
        ),
        (
            "terraform {\n  backend \"azurerm\" {\n    key = \"state\"\n  }\n}\n",
            &[("terraform.backend.azurerm.key", Str, "state")],
        ),
    ];
    for (text, table) in cases {
        let document = parse(text);
        assert!(document.complete, "{text}");
        expect(text, &document, table);
    }
}

#[test]
fn the_thread_local_entry_point_parses_terraform() {
    let text = "variable \"v\" {\n  default = \"x\"\n}\n";
    let document = keyless::parse::parse(Format::Terraform, text);
    assert!(document.get(&["variable", "v", "default"]).is_some());
}

#[test]
fn unbalanced_braces_keep_the_next_resource_at_the_top_level() {
    let text = fixture("broken-unbalanced.tf");
    let document = parse(&text);
    assert!(!document.complete);
    expect(
        &text,
        &document,
        &[
            (
                "resource.azurerm_storage_account.sa.shared_access_key_enabled",
                Bool,
                "true",
            ),
            (
                "resource.azurerm_storage_account.sa.identity.type",
                Str,
                "SystemAssigned",
            ),
            (
                "resource.azurerm_mssql_server.sql.administrator_login_password",
                Str,
                "FAKE-Passw0rd!",
            ),
        ],
    );
    assert_eq!(
        resources(&document),
        owned(&[
            (
                "azurerm_storage_account",
                "resource.azurerm_storage_account.sa"
            ),
            ("azurerm_mssql_server", "resource.azurerm_mssql_server.sql"),
        ])
    );
}

#[test]
fn a_truncated_file_keeps_what_came_before() {
    let text = fixture("broken-truncated.tf");
    let document = parse(&text);
    assert!(!document.complete);
    expect(
        &text,
        &document,
        &[
            ("variable.admin_password.sensitive", Bool, "true"),
            ("variable.admin_password.default", Str, "FAKE-Passw0rd!"),
            (
                "resource.azurerm_storage_account.sa.shared_access_key_enabled",
                Bool,
                "true",
            ),
            // The cut-off string is not taken for a literal.
            (
                "resource.azurerm_storage_account.sa.min_tls_version",
                Expression,
                "TLS1",
            ),
        ],
    );
}

#[test]
fn empty_and_meaningless_input() {
    for text in [
        "",
        "   \n\n",
        "# only a comment\n",
        "// comment",
        "/* block */",
        "}}}",
        "{{{",
        "\"",
        "<<EOT",
        "resource",
        "\u{feff}é ü",
    ] {
        let document = parse(text);
        assert!(document.resources.is_empty(), "{text:?}");
        if text.trim().is_empty() || text.starts_with('#') || text.starts_with('/') {
            assert!(document.complete && document.entries.is_empty(), "{text:?}");
        }
    }
}

#[test]
fn every_prefix_of_every_fixture_parses() {
    // Truncation at any point (a crude fuzzer): no panic, invariants hold.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/parse/terraform");
    let mut parser = HclParser::new();
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
        format!("a = {}{}", "[".repeat(n), "]".repeat(n)),
        format!("a = {}1{}", "{a = ".repeat(n), "}".repeat(n)),
        format!("{}{}", "a {\n".repeat(n), "}\n".repeat(n)),
        format!("a = {}", "{".repeat(n)),
        format!("a = {}", "{a = ".repeat(n)),
        format!("a = {}", "\"${".repeat(n)),
        format!("a = {}", "f(".repeat(n)),
        "}".repeat(n),
        format!(
            "resource \"azurerm_storage_account\" \"sa\" {{\n  shared_access_key_enabled = true\n}}\nlocals {{\n  x = {}\n}}\nvariable \"v\" {{\n  default = \"kept\"\n}}\n",
            "{".repeat(n)
        ),
    ];
    let mut parser = HclParser::new();
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
    let last = parser.parse(&cases[8]);
    expect(
        &cases[8],
        &last,
        &[
            (
                "resource.azurerm_storage_account.sa.shared_access_key_enabled",
                Bool,
                "true",
            ),
            ("variable.v.default", Str, "kept"),
        ],
    );
    assert!(parser.parse("ok = true\n").complete);
}

/// Parse cost on the Terraform files of `bench-corpus` (release build):
/// `cargo test --release --test it parse_hcl::parse_cost -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn parse_cost() {
    let files = corpus_files(&["tf"]);
    let bytes: usize = files.iter().map(String::len).sum();
    assert!(bytes > 0, "no .tf files under bench-corpus");
    let mut raw = tree_sitter::Parser::new();
    raw.set_language(&tree_sitter_hcl::LANGUAGE.into())
        .expect("grammar");
    let mut parser = HclParser::new();
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
        "terraform: {} files, {bytes} bytes, {} entries; tree-sitter {:.1} ms/MB, full parse {:.1} ms/MB",
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
