//! The C# parser (tree-sitter-c-sharp) on realistic Azure SDK code: invocations and object
//! creations with their callee, name, spans, named arguments, initializer options and resolved
//! values; every string literal form; joined strings; `.csx` scripts; broken and hostile input.

use crate::parse_code_support;

use keyless::parse::code::Language::Csharp;
use parse_code_support::{
    Case, arguments, call, every_prefix, expected, fixture, hostile, joined, line_of, options,
    run_cases, run_values, view,
};

/// Wraps statements in a method of a class.
fn method(body: &str) -> String {
    format!("class C {{\n  void M() {{\n    {body}\n  }}\n}}\n")
}

#[test]
fn key_based_and_identity_based_calls() {
    let sources = [
        method("var client = new BlobServiceClient(connectionString);"),
        method("var cred = new StorageSharedKeyCredential(name, key);"),
        method("var cred = new ClientSecretCredential(t, c, s);"),
        method(
            "var app = ConfidentialClientApplicationBuilder.Create(id).WithClientSecret(s).Build();",
        ),
        method("var cred = new ManagedIdentityCredential(clientId: id);"),
        method(
            "var client = new ServiceBusClient(\"fake.servicebus.windows.net\", new DefaultAzureCredential());",
        ),
        method(
            "var c = new Azure.Storage.Blobs.BlobServiceClient(uri, credential, options: null);",
        ),
        method("var c = client?.GetBlobContainerClient(\"reports\");"),
        method("var x = Get<BlobClient>(ref a, out var b, in c);"),
        method("var k = new AzureKeyCredential(key: \"FAKE\");"),
    ];
    let cases = [
        Case {
            source: &sources[0],
            callee: "new BlobServiceClient",
            name: "BlobServiceClient",
            arguments: &[(None, "connectionString", None)],
        },
        Case {
            source: &sources[1],
            callee: "new StorageSharedKeyCredential",
            name: "StorageSharedKeyCredential",
            arguments: &[(None, "name", None), (None, "key", None)],
        },
        Case {
            source: &sources[2],
            callee: "new ClientSecretCredential",
            name: "ClientSecretCredential",
            arguments: &[(None, "t", None), (None, "c", None), (None, "s", None)],
        },
        Case {
            source: &sources[3],
            callee: "ConfidentialClientApplicationBuilder.Create().WithClientSecret",
            name: "WithClientSecret",
            arguments: &[(None, "s", None)],
        },
        Case {
            source: &sources[3],
            callee: "ConfidentialClientApplicationBuilder.Create",
            name: "Create",
            arguments: &[(None, "id", None)],
        },
        Case {
            source: &sources[4],
            callee: "new ManagedIdentityCredential",
            name: "ManagedIdentityCredential",
            arguments: &[(Some("clientId"), "id", None)],
        },
        Case {
            source: &sources[5],
            callee: "new ServiceBusClient",
            name: "ServiceBusClient",
            arguments: &[
                (
                    None,
                    "\"fake.servicebus.windows.net\"",
                    Some("fake.servicebus.windows.net"),
                ),
                (None, "new DefaultAzureCredential()", None),
            ],
        },
        Case {
            source: &sources[6],
            callee: "new Azure.Storage.Blobs.BlobServiceClient",
            name: "BlobServiceClient",
            arguments: &[
                (None, "uri", None),
                (None, "credential", None),
                (Some("options"), "null", None),
            ],
        },
        Case {
            source: &sources[7],
            callee: "client?.GetBlobContainerClient",
            name: "GetBlobContainerClient",
            arguments: &[(None, "\"reports\"", Some("reports"))],
        },
        Case {
            source: &sources[8],
            callee: "Get<BlobClient>",
            name: "Get",
            arguments: &[(None, "a", None), (None, "var b", None), (None, "c", None)],
        },
        Case {
            source: &sources[9],
            callee: "new AzureKeyCredential",
            name: "AzureKeyCredential",
            arguments: &[(Some("key"), "\"FAKE\"", Some("FAKE"))],
        },
    ];
    run_cases(Csharp, &cases);
}

#[test]
fn implicit_creations_take_the_declared_type() {
    let text = method("BlobServiceClient client = new(cs);\n    Use(new(\"x\"));");
    let view = view(Csharp, &text);
    let typed = call(&view, "new BlobServiceClient");
    assert_eq!(typed.name, "BlobServiceClient");
    assert_eq!(&text[typed.span.clone()], "new(cs)");
    assert_eq!(arguments(&text, typed), expected(&[(None, "cs", None)]));
    let untyped = call(&view, "new");
    assert_eq!(untyped.name, "");
    assert_eq!(untyped.arguments[0].value.as_deref(), Some("x"));
}

#[test]
fn object_initializers_are_options() {
    let text = method(
        "var o = new BlobClientOptions { Retry = { MaxRetries = 3 }, Audience = \"FAKE\", Transport = t };",
    );
    let view = view(Csharp, &text);
    let found = call(&view, "new BlobClientOptions");
    assert_eq!(found.arguments, []);
    assert_eq!(
        options(&text, found),
        expected(&[
            (Some("Retry"), "{ MaxRetries = 3 }", None),
            (Some("Audience"), "\"FAKE\"", Some("FAKE")),
            (Some("Transport"), "t", None),
        ])
    );
}

#[test]
fn spans_point_at_the_call_and_its_name() {
    let text = method("var c = new BlobServiceClient(\n        connectionString);");
    let view = view(Csharp, &text);
    let found = call(&view, "new BlobServiceClient");
    assert_eq!(
        &text[found.span.clone()],
        "new BlobServiceClient(\n        connectionString)"
    );
    assert_eq!(&text[found.name_span.clone()], "BlobServiceClient");
    assert_eq!(line_of(&text, found.name_span.start), 3);
}

#[test]
fn every_literal_form_resolves() {
    let cases: Vec<(String, Option<&str>)> = vec![
        (method("use(\"plain\");"), Some("plain")),
        (
            method("use(\"esc\\t\\\"q\\\"\\u00e9\\x41\");"),
            Some("esc\t\"q\"éA"),
        ),
        (
            method("use(@\"C:\\path\"\"q\"\"\");"),
            Some("C:\\path\"q\""),
        ),
        (
            method("use(\"\"\"raw \"quoted\" \"\"\");"),
            Some("raw \"quoted\" "),
        ),
        (
            method("use(\"\"\"\n      first\n        second\n      \"\"\");"),
            Some("first\n  second"),
        ),
        (
            method("use(\"\"\"\"four \"\"\" quotes\"\"\"\");"),
            Some("four \"\"\" quotes"),
        ),
        (method("use(\"utf8\"u8);"), Some("utf8")),
        (method("use($\"no holes\");"), Some("no holes")),
        (method("use($\"{{braces}}\");"), Some("{braces}")),
        (method("use($\"a{\"b\"}c\");"), Some("abc")),
        (method("use($@\"C:\\{\"d\"}\");"), Some("C:\\d")),
        (method("use(@$\"q\"\"{\"d\"}\");"), Some("q\"d")),
        (
            method("use($\"\"\"raw {\"hole\"}\"\"\");"),
            Some("raw hole"),
        ),
        (method("use($\"{\"x\",5}\");"), None),
        (method("use($\"{\"x\":N}\");"), None),
        (method("use(\"a\" + \"b\" + (\"c\"));"), Some("abc")),
        (method("use((string)\"cast\");"), Some("cast")),
        (method("use('c');"), None),
        (method("use(\"a\" + 1);"), None),
    ];
    let cases: Vec<(&str, Option<&str>)> = cases
        .iter()
        .map(|(source, value)| (source.as_str(), *value))
        .collect();
    run_values(Csharp, &cases);
}

#[test]
fn names_resolve_when_assigned_once() {
    let cases = [
        (
            "class C { const string Key = \"k\"; void M() { use(Key); } }",
            Some("k"),
        ),
        (
            "class C { void M() { use(Key); } static readonly string Key = \"later\"; }",
            Some("later"),
        ),
        (
            "class C { const string A = \"a\"; const string B = A + \"b\"; void M() { use(B); } }",
            Some("ab"),
        ),
        (
            "class C { string P { get; } = \"prop\"; void M() { use(P); } }",
            Some("prop"),
        ),
        (
            "class C { string P => \"arrow\"; void M() { use(P); } }",
            Some("arrow"),
        ),
        (
            "class C { string k; C() { this.k = \"ctor\"; } void M() { use(this.k); } }",
            Some("ctor"),
        ),
        (
            "class Settings { public const string Key = \"type\"; } class C { void M() { use(Settings.Key); } }",
            Some("type"),
        ),
        (
            "class C { void M() { var local = \"l\"; use(local); } }",
            Some("l"),
        ),
        (
            "class C { void M() { string s; s = \"later\"; use(s); } }",
            Some("later"),
        ),
        (
            "class C { void M() { var s = \"a\"; s += \"b\"; use(s); } }",
            None,
        ),
        (
            "class C { void M() { var s = \"a\"; s = \"b\"; use(s); } }",
            None,
        ),
        (
            "class C { const string Key = \"g\"; void M(string Key) { use(Key); } }",
            None,
        ),
        (
            "class C { void M() { foreach (var s in items) { use(s); } } }",
            None,
        ),
        ("class C { void M() { Try(out var s); use(s); } }", None),
        (
            "class C { void M() { use(other.Key); } const string Key = \"x\"; }",
            None,
        ),
    ];
    run_values(Csharp, &cases);
}

#[test]
fn joined_strings_are_the_outermost_resolved_joins() {
    let text = "class C {\n  const string Head = \"FAKE\";\n  const string Key = Head + \"key\" + \"==\";\n  string I = $\"{Head}-{Key}\";\n  string U = unknown + \"c\" + \"d\";\n  string S = $\"no holes\";\n}\n";
    let view = view(Csharp, text);
    assert_eq!(
        joined(text, &view),
        vec![
            ("Head + \"key\" + \"==\"".to_owned(), "FAKEkey==".to_owned()),
            ("$\"{Head}-{Key}\"".to_owned(), "FAKE-FAKEkey==".to_owned()),
        ]
    );
}

#[test]
fn fixture_with_key_based_clients() {
    let text = fixture("csharp/KeyBased.cs");
    let view = view(Csharp, &text);
    assert!(view.complete);
    let key = "FAKEkeyFAKEkeyFAKEkeyFAKE==";

    let from_cs = call(&view, "new BlobServiceClient");
    assert_eq!(line_of(&text, from_cs.name_span.start), 20);
    assert_eq!(
        arguments(&text, from_cs),
        expected(&[(None, "connectionString", None)])
    );

    let shared = call(&view, "new StorageSharedKeyCredential");
    assert_eq!(line_of(&text, shared.name_span.start), 21);
    assert_eq!(
        arguments(&text, shared),
        expected(&[
            (None, "AccountName", Some("fakeaccount")),
            (None, "AccountKey", Some(key))
        ])
    );

    let uri = call(&view, "new Uri");
    assert_eq!(
        uri.arguments[0].value.as_deref(),
        Some("https://fakeaccount.blob.core.windows.net")
    );

    let secret = call(&view, "new ClientSecretCredential");
    assert_eq!(
        secret.arguments[2].value.as_deref(),
        Some("FAKE~secret~FAKE")
    );

    let search = call(&view, "new AzureKeyCredential");
    assert_eq!(search.arguments[0].value, None);
    assert_eq!(
        call(&view, "Environment.GetEnvironmentVariable").arguments[0]
            .value
            .as_deref(),
        Some("SEARCH_KEY")
    );

    let with_secret = call(
        &view,
        "ConfidentialClientApplicationBuilder.Create().WithClientSecret",
    );
    assert_eq!(line_of(&text, with_secret.name_span.start), 26);
    assert_eq!(
        with_secret.arguments[0].value.as_deref(),
        Some("FAKE~raw~secret")
    );

    let joins = joined(&text, &view);
    assert!(joins.iter().any(|(_, value)| value == key), "{joins:?}");
}

#[test]
fn fixture_with_identities_has_no_key_based_call() {
    let text = fixture("csharp/Identity.cs");
    let view = view(Csharp, &text);
    assert!(view.complete);
    let callees: Vec<&str> = view.calls.iter().map(|c| c.callee.as_str()).collect();
    assert_eq!(
        callees,
        [
            "new BlobServiceClient",
            "new Uri",
            "new DefaultAzureCredential",
            "new ManagedIdentityCredential",
            "new BlobServiceClient",
            "new Uri"
        ]
    );
}

#[test]
fn script_directives_do_not_break_a_csx_file() {
    let text = fixture("csharp/run.csx");
    let view = view(Csharp, &text);
    assert!(view.complete, "#r and #load are blanked");
    let client = call(&view, "new BlobServiceClient");
    assert_eq!(line_of(&text, client.name_span.start), 8);
}

#[test]
fn broken_code_keeps_what_it_can() {
    let text = "class C {\n  void M( {\n    var c = new BlobServiceClient(\"FAKE\");\n  }\n";
    let broken = view(Csharp, text);
    assert!(!broken.complete);
    assert_eq!(
        call(&broken, "new BlobServiceClient").arguments[0]
            .value
            .as_deref(),
        Some("FAKE")
    );
}

#[test]
fn every_prefix_of_the_fixture_parses() {
    every_prefix(Csharp, &fixture("csharp/KeyBased.cs"), 11);
}

#[test]
fn hostile_input_is_bounded() {
    hostile(Csharp, &|expression| {
        format!("class C {{ void M() {{ var x = {expression}; }} }}\n")
    });
}
