//! The Go parser (tree-sitter-go) on realistic Azure SDK code: package-qualified constructor
//! functions and methods with their callee, name, spans, struct-literal options and resolved
//! values; interpreted and raw strings; consts; joined strings; broken and hostile input.

use crate::parse_code_support;

use keyless::parse::code::Language::Go;
use parse_code_support::{
    Case, arguments, call, every_prefix, expected, fixture, hostile, joined, line_of, options,
    run_cases, run_values, view,
};

/// Wraps statements in a function of a package.
fn function(body: &str) -> String {
    format!("package main\n\nfunc main() {{\n\t{body}\n}}\n")
}

#[test]
fn key_based_and_identity_based_calls() {
    let sources = [
        function("client, err := azblob.NewClientFromConnectionString(cs, nil)"),
        function("cred, err := azidentity.NewClientSecretCredential(t, c, s, nil)"),
        function("cred, err := azblob.NewSharedKeyCredential(\"fakeaccount\", key)"),
        function("cred, err := azidentity.NewDefaultAzureCredential(nil)"),
        function("resp, err := client.UploadBuffer(ctx, \"reports\", name, data, nil)"),
        function("s := new(azblob.ClientOptions)"),
        function("x := f[int](1)"),
    ];
    let cases = [
        Case {
            source: &sources[0],
            callee: "azblob.NewClientFromConnectionString",
            name: "NewClientFromConnectionString",
            arguments: &[(None, "cs", None), (None, "nil", None)],
        },
        Case {
            source: &sources[1],
            callee: "azidentity.NewClientSecretCredential",
            name: "NewClientSecretCredential",
            arguments: &[
                (None, "t", None),
                (None, "c", None),
                (None, "s", None),
                (None, "nil", None),
            ],
        },
        Case {
            source: &sources[2],
            callee: "azblob.NewSharedKeyCredential",
            name: "NewSharedKeyCredential",
            arguments: &[
                (None, "\"fakeaccount\"", Some("fakeaccount")),
                (None, "key", None),
            ],
        },
        Case {
            source: &sources[3],
            callee: "azidentity.NewDefaultAzureCredential",
            name: "NewDefaultAzureCredential",
            arguments: &[(None, "nil", None)],
        },
        Case {
            source: &sources[4],
            callee: "client.UploadBuffer",
            name: "UploadBuffer",
            arguments: &[
                (None, "ctx", None),
                (None, "\"reports\"", Some("reports")),
                (None, "name", None),
                (None, "data", None),
                (None, "nil", None),
            ],
        },
        Case {
            source: &sources[5],
            callee: "new",
            name: "new",
            arguments: &[(None, "azblob.ClientOptions", None)],
        },
    ];
    run_cases(Go, &cases);
    // A composite literal is not a call; a generic instantiation call has no plain name.
    let literals = view(
        Go,
        &function("x := Options{Key: \"FAKE\"}\n\tg := azblob.ClientOptions{}"),
    );
    assert_eq!(literals.calls, []);
    let generic = view(Go, &sources[6]);
    assert!(generic.calls.iter().all(|c| c.callee != "Options"));
}

#[test]
fn struct_literal_arguments_are_options() {
    let text = function(
        "cred, err := azidentity.NewClientSecretCredential(t, c, s, &azidentity.ClientSecretCredentialOptions{\n\t\tClientOptions: o,\n\t\tAdditionallyAllowedTenants: []string{\"*\"},\n\t\tTenantID: \"fake-tenant\",\n\t})",
    );
    let pointer = view(Go, &text);
    let found = call(&pointer, "azidentity.NewClientSecretCredential");
    assert_eq!(found.arguments.len(), 4);
    assert_eq!(
        options(&text, found),
        expected(&[
            (Some("ClientOptions"), "o", None),
            (Some("AdditionallyAllowedTenants"), "[]string{\"*\"}", None),
            (Some("TenantID"), "\"fake-tenant\"", Some("fake-tenant")),
        ])
    );
    let by_value = function(
        "c, err := azcosmos.NewClientWithKey(e, k, azcosmos.ClientOptions{EnableContentResponseOnWrite: true})",
    );
    let by_value_view = view(Go, &by_value);
    assert_eq!(
        options(&by_value, call(&by_value_view, "azcosmos.NewClientWithKey")),
        expected(&[(Some("EnableContentResponseOnWrite"), "true", None)])
    );
}

#[test]
fn spans_point_at_the_call_and_its_name() {
    let text = function("client, err := azblob.\n\t\tNewClientFromConnectionString(cs, nil)");
    let view = view(Go, &text);
    let found = call(&view, "azblob.NewClientFromConnectionString");
    assert_eq!(
        &text[found.span.clone()],
        "azblob.\n\t\tNewClientFromConnectionString(cs, nil)"
    );
    assert_eq!(line_of(&text, found.name_span.start), 5);
}

#[test]
fn every_literal_form_resolves() {
    let cases: Vec<(String, Option<&str>)> = vec![
        (function("use(\"plain\")"), Some("plain")),
        (
            function("use(\"esc\\t\\x41\\u00e9\\101\\\"\")"),
            Some("esc\tAéA\""),
        ),
        (function("use(`raw\\n`)"), Some("raw\\n")),
        (function("use(`multi\r\nline`)"), Some("multi\nline")),
        (function("use(\"a\" + `b` + (\"c\"))"), Some("abc")),
        (function("use('c')"), None),
        (function("use(\"a\" + 1)"), None),
    ];
    let cases: Vec<(&str, Option<&str>)> = cases
        .iter()
        .map(|(source, value)| (source.as_str(), *value))
        .collect();
    run_values(Go, &cases);
}

#[test]
fn names_resolve_when_assigned_once() {
    let cases = [
        (
            "package main\nconst Key = \"k\"\nfunc main() { use(Key) }",
            Some("k"),
        ),
        (
            "package main\nfunc main() { use(Key) }\nconst Key = \"later\"",
            Some("later"),
        ),
        (
            "package main\nconst (\n\tA = \"a\"\n\tB = A + \"b\"\n)\nfunc main() { use(B) }",
            Some("ab"),
        ),
        (
            "package main\nconst X, Y = \"x\", \"y\"\nfunc main() { use(Y) }",
            Some("y"),
        ),
        (
            "package main\nconst Key string = \"typed\"\nfunc main() { use(Key) }",
            Some("typed"),
        ),
        (
            "package main\nvar v = \"var\"\nfunc main() { use(v) }",
            Some("var"),
        ),
        (
            "package main\nfunc main() { s := \"short\"; use(s) }",
            Some("short"),
        ),
        (
            "package main\nfunc main() { var s string; s = \"later\"; use(s) }",
            Some("later"),
        ),
        ("package main\nfunc main() { s, err := f(); use(s) }", None),
        (
            "package main\nfunc main() { s := \"a\"; s += \"b\"; use(s) }",
            None,
        ),
        (
            "package main\nfunc main() { s := \"a\"; s = \"b\"; use(s) }",
            None,
        ),
        (
            "package main\nconst Key = \"g\"\nfunc f(Key string) { use(Key) }",
            None,
        ),
        (
            "package main\nfunc main() { for _, s := range items { use(s) } }",
            None,
        ),
        (
            "package main\nconst (\n\tA = iota\n\tB\n)\nfunc main() { use(B) }",
            None,
        ),
        (
            "package main\nfunc main() { use(pkg.Key) }\nconst Key = \"x\"",
            None,
        ),
    ];
    run_values(Go, &cases);
}

#[test]
fn joined_strings_are_the_outermost_resolved_joins() {
    let text = "package main\n\nconst head = \"FAKE\"\nconst key = head + \"key\" + `==`\nvar u = unknown + \"c\" + \"d\"\n";
    let view = view(Go, text);
    assert_eq!(
        joined(text, &view),
        vec![("head + \"key\" + `==`".to_owned(), "FAKEkey==".to_owned())]
    );
}

#[test]
fn fixture_with_key_based_clients() {
    let text = fixture("go/key_based.go");
    let view = view(Go, &text);
    assert!(view.complete);
    let key = "FAKEkeyFAKEkeyFAKEkeyFAKE==";
    let from_cs = call(&view, "azblob.NewClientFromConnectionString");
    assert_eq!(line_of(&text, from_cs.name_span.start), 18);
    assert_eq!(from_cs.arguments[1].value, None);
    assert_eq!(
        call(&view, "os.Getenv").arguments[0].value.as_deref(),
        Some("STORAGE_CONNECTION_STRING")
    );
    let shared = call(&view, "azblob.NewSharedKeyCredential");
    assert_eq!(
        arguments(&text, shared),
        expected(&[
            (None, "account", Some("fakeaccount")),
            (None, "key", Some(key))
        ])
    );
    let with_shared = call(&view, "azblob.NewClientWithSharedKeyCredential");
    assert_eq!(
        with_shared.arguments[0].value.as_deref(),
        Some("https://fakeaccount.blob.core.windows.net/")
    );
    let secret = call(&view, "azidentity.NewClientSecretCredential");
    assert_eq!(line_of(&text, secret.name_span.start), 27);
    assert_eq!(
        secret.arguments[2].value.as_deref(),
        Some("FAKE~secret~FAKE")
    );
    let names: Vec<Option<&str>> = secret.options.iter().map(|o| o.name.as_deref()).collect();
    assert_eq!(
        names,
        [
            Some("AdditionallyAllowedTenants"),
            Some("DisableInstanceDiscovery")
        ]
    );
    let joins = joined(&text, &view);
    assert!(joins.iter().any(|(_, value)| value == key), "{joins:?}");
}

#[test]
fn fixture_with_identities() {
    let text = fixture("go/identity.go");
    let view = view(Go, &text);
    assert!(view.complete);
    let callees: Vec<&str> = view.calls.iter().map(|c| c.callee.as_str()).collect();
    assert_eq!(
        callees,
        ["azidentity.NewDefaultAzureCredential", "azblob.NewClient"]
    );
}

#[test]
fn broken_code_keeps_what_it_can() {
    let text = "package main\nfunc main( {\n\tc, _ := azblob.NewClientFromConnectionString(\"FAKE\", nil)\n";
    let broken = view(Go, text);
    assert!(!broken.complete);
    assert_eq!(
        call(&broken, "azblob.NewClientFromConnectionString").arguments[0]
            .value
            .as_deref(),
        Some("FAKE")
    );
}

#[test]
fn every_prefix_of_the_fixture_parses() {
    every_prefix(Go, &fixture("go/key_based.go"), 7);
}

#[test]
fn hostile_input_is_bounded() {
    hostile(Go, &|expression| {
        format!("package main\nfunc main() {{ x := {expression}\n_ = x }}\n")
    });
}
