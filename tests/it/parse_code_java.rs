//! The Java parser (tree-sitter-java) on realistic Azure SDK code: builder chains and
//! constructions with their callee, name, spans and resolved values; string literals and text
//! blocks; joined strings; broken and hostile input.

use crate::parse_code_support;

use keyless::parse::code::Language::Java;
use parse_code_support::{
    Case, arguments, call, every_prefix, expected, fixture, hostile, joined, line_of, run_cases,
    run_values, view,
};

/// Wraps statements in a method of a class.
fn method(body: &str) -> String {
    format!("class C {{\n  void m() {{\n    {body}\n  }}\n}}\n")
}

#[test]
fn key_based_and_identity_based_calls() {
    let sources = [
        method(
            "BlobServiceClient c = new BlobServiceClientBuilder().connectionString(cs).buildClient();",
        ),
        method(
            "ClientSecretCredential c = new ClientSecretCredentialBuilder().clientSecret(s).build();",
        ),
        method("var k = new StorageSharedKeyCredential(\"fakeaccount\", key);"),
        method("var k = new com.azure.core.credential.AzureKeyCredential(key);"),
        method("var c = new CosmosClientBuilder().endpoint(e).key(\"FAKE\").buildClient();"),
        method("var x = this.<String>convert(a);"),
        method("var x = new ArrayList<String>() { };"),
    ];
    let cases = [
        Case {
            source: &sources[0],
            callee: "new BlobServiceClientBuilder().connectionString",
            name: "connectionString",
            arguments: &[(None, "cs", None)],
        },
        Case {
            source: &sources[0],
            callee: "new BlobServiceClientBuilder().connectionString().buildClient",
            name: "buildClient",
            arguments: &[],
        },
        Case {
            source: &sources[0],
            callee: "new BlobServiceClientBuilder",
            name: "BlobServiceClientBuilder",
            arguments: &[],
        },
        Case {
            source: &sources[1],
            callee: "new ClientSecretCredentialBuilder().clientSecret",
            name: "clientSecret",
            arguments: &[(None, "s", None)],
        },
        Case {
            source: &sources[2],
            callee: "new StorageSharedKeyCredential",
            name: "StorageSharedKeyCredential",
            arguments: &[
                (None, "\"fakeaccount\"", Some("fakeaccount")),
                (None, "key", None),
            ],
        },
        Case {
            source: &sources[3],
            callee: "new com.azure.core.credential.AzureKeyCredential",
            name: "AzureKeyCredential",
            arguments: &[(None, "key", None)],
        },
        Case {
            source: &sources[4],
            callee: "new CosmosClientBuilder().endpoint().key",
            name: "key",
            arguments: &[(None, "\"FAKE\"", Some("FAKE"))],
        },
        Case {
            source: &sources[5],
            callee: "this.<String>convert",
            name: "convert",
            arguments: &[(None, "a", None)],
        },
        Case {
            source: &sources[6],
            callee: "new ArrayList<String>",
            name: "ArrayList",
            arguments: &[],
        },
    ];
    run_cases(Java, &cases);
}

#[test]
fn spans_point_at_the_call_and_its_name() {
    let text = method(
        "var c = new BlobServiceClientBuilder()\n        .connectionString(cs)\n        .buildClient();",
    );
    let view = view(Java, &text);
    let found = call(&view, "new BlobServiceClientBuilder().connectionString");
    assert_eq!(
        &text[found.span.clone()],
        "new BlobServiceClientBuilder()\n        .connectionString(cs)"
    );
    assert_eq!(line_of(&text, found.name_span.start), 4);
    let build = call(
        &view,
        "new BlobServiceClientBuilder().connectionString().buildClient",
    );
    assert_eq!(line_of(&text, build.name_span.start), 5);
}

#[test]
fn every_literal_form_resolves() {
    let cases: Vec<(String, Option<&str>)> = vec![
        (method("use(\"plain\");"), Some("plain")),
        (
            method("use(\"esc\\t\\\"q\\\"\\u00e9\\101\");"),
            Some("esc\t\"q\"éA"),
        ),
        (
            method("use(\"\"\"\n        text\n          block\n        \"\"\");"),
            Some("text\n  block\n"),
        ),
        (
            method("use(\"\"\"\n        joined \\\n        line\"\"\");"),
            Some("joined line"),
        ),
        (
            method("use(\"\"\"\n        trailing   \n        space\\s\"\"\");"),
            Some("trailing\nspace "),
        ),
        (method("use(\"a\" + \"b\" + (\"c\"));"), Some("abc")),
        (method("use((String) \"cast\");"), Some("cast")),
        (method("use(\"a\" + 1);"), None),
        (method("use('c');"), None),
    ];
    let cases: Vec<(&str, Option<&str>)> = cases
        .iter()
        .map(|(source, value)| (source.as_str(), *value))
        .collect();
    run_values(Java, &cases);
}

#[test]
fn names_resolve_when_assigned_once() {
    let cases = [
        (
            "class C { static final String KEY = \"k\"; void m() { use(KEY); } }",
            Some("k"),
        ),
        (
            "class C { void m() { use(KEY); } static final String KEY = \"later\"; }",
            Some("later"),
        ),
        (
            "class C { static final String A = \"a\"; static final String B = A + \"b\"; void m() { use(B); } }",
            Some("ab"),
        ),
        (
            "class C { String k; C() { this.k = \"ctor\"; } void m() { use(this.k); } }",
            Some("ctor"),
        ),
        (
            "class Settings { static final String KEY = \"type\"; } class C { void m() { use(Settings.KEY); } }",
            Some("type"),
        ),
        (
            "class C { void m() { String s = \"l\"; use(s); } }",
            Some("l"),
        ),
        (
            "class C { void m() { String s; s = \"later\"; use(s); } }",
            Some("later"),
        ),
        (
            "class C { void m() { String s = \"a\"; s += \"b\"; use(s); } }",
            None,
        ),
        (
            "class C { void m() { String s = \"a\"; s = \"b\"; use(s); } }",
            None,
        ),
        (
            "class C { static final String KEY = \"g\"; void m(String KEY) { use(KEY); } }",
            None,
        ),
        (
            "class C { void m() { for (String s : items) { use(s); } } }",
            None,
        ),
        (
            "class C { void m() { use(other.KEY); } static final String KEY = \"x\"; }",
            None,
        ),
    ];
    run_values(Java, &cases);
}

#[test]
fn joined_strings_are_the_outermost_resolved_joins() {
    let text = "class C {\n  static final String HEAD = \"FAKE\";\n  static final String KEY = HEAD + \"key\" + \"==\";\n  String u = unknown + \"c\" + \"d\";\n}\n";
    let view = view(Java, text);
    assert_eq!(
        joined(text, &view),
        vec![("HEAD + \"key\" + \"==\"".to_owned(), "FAKEkey==".to_owned())]
    );
}

#[test]
fn fixture_with_key_based_clients() {
    let text = fixture("java/KeyBased.java");
    let view = view(Java, &text);
    assert!(view.complete);
    let key = "FAKEkeyFAKEkeyFAKEkeyFAKE==";
    let connection = call(&view, "new BlobServiceClientBuilder().connectionString");
    assert_eq!(line_of(&text, connection.name_span.start), 17);
    assert_eq!(
        arguments(&text, connection),
        expected(&[(None, "connectionString", None)])
    );
    let shared = call(&view, "new StorageSharedKeyCredential");
    assert_eq!(line_of(&text, shared.name_span.start), 21);
    assert_eq!(
        arguments(&text, shared),
        expected(&[
            (None, "ACCOUNT", Some("fakeaccount")),
            (None, "KEY", Some(key))
        ])
    );
    let endpoint = call(&view, "new BlobServiceClientBuilder().endpoint");
    assert_eq!(
        endpoint.arguments[0].value.as_deref(),
        Some("https://fakeaccount.blob.core.windows.net")
    );
    let secret = call(
        &view,
        "new ClientSecretCredentialBuilder().tenantId().clientId().clientSecret",
    );
    assert_eq!(line_of(&text, secret.name_span.start), 32);
    assert_eq!(
        secret.arguments[0].value.as_deref(),
        Some("FAKE~secret~FAKE")
    );
    let joins = joined(&text, &view);
    assert!(joins.iter().any(|(_, value)| value == key), "{joins:?}");
}

#[test]
fn fixture_with_identities() {
    let text = fixture("java/Identity.java");
    let view = view(Java, &text);
    assert!(view.complete);
    let names: Vec<&str> = view.calls.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "buildClient",
            "credential",
            "endpoint",
            "BlobServiceClientBuilder",
            "build",
            "DefaultAzureCredentialBuilder"
        ]
    );
}

#[test]
fn broken_code_keeps_what_it_can() {
    let text = "class C {\n  void m( {\n    var c = new StorageSharedKeyCredential(\"fakeaccount\", \"FAKE\");\n";
    let broken = view(Java, text);
    assert!(!broken.complete);
    assert_eq!(
        call(&broken, "new StorageSharedKeyCredential").arguments[1]
            .value
            .as_deref(),
        Some("FAKE")
    );
}

#[test]
fn every_prefix_of_the_fixture_parses() {
    every_prefix(Java, &fixture("java/KeyBased.java"), 11);
}

#[test]
fn hostile_input_is_bounded() {
    hostile(Java, &|expression| {
        format!("class C {{ void m() {{ var x = {expression}; }} }}\n")
    });
}
