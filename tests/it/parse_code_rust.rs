//! The Rust parser (syn) on realistic Azure SDK code: path and method calls with their callee,
//! name, spans and resolved values; raw strings, `concat!`, `format!` and consts; joined
//! strings; calls inside macros; files that do not parse; hostile input.

use crate::parse_code_support;

use keyless::parse::code::Language::Rust;
use parse_code_support::{
    Case, arguments, call, every_prefix, expected, fixture, hostile, joined, line_of, run_cases,
    run_values, view,
};

/// Wraps statements in a function.
fn function(body: &str) -> String {
    format!("fn main() {{\n    {body}\n}}\n")
}

#[test]
fn key_based_and_identity_based_calls() {
    let sources = [
        function("let c = StorageCredentials::access_key(account, key);"),
        function(
            "let c = azure_storage::StorageCredentials::access_key(\"fakeaccount\", key.clone());",
        ),
        function("let c = ClientSecretCredential::new(tenant, client, secret, options)?;"),
        function("let c = ClientBuilder::new(account, credentials).blob_service_client();"),
        function("let c = DefaultAzureCredential::default();"),
        function("let v = Vec::<u8>::with_capacity(1);"),
        function(
            "let r = client.container_client(\"reports\").blob_client(name).put_block_blob(data).await?;",
        ),
        function("println!(\"{}\", describe(StorageCredentials::sas_token(\"FAKE\")));"),
    ];
    let cases = [
        Case {
            source: &sources[0],
            callee: "StorageCredentials::access_key",
            name: "access_key",
            arguments: &[(None, "account", None), (None, "key", None)],
        },
        Case {
            source: &sources[1],
            callee: "azure_storage::StorageCredentials::access_key",
            name: "access_key",
            arguments: &[
                (None, "\"fakeaccount\"", Some("fakeaccount")),
                (None, "key.clone()", None),
            ],
        },
        Case {
            source: &sources[2],
            callee: "ClientSecretCredential::new",
            name: "new",
            arguments: &[
                (None, "tenant", None),
                (None, "client", None),
                (None, "secret", None),
                (None, "options", None),
            ],
        },
        Case {
            source: &sources[3],
            callee: "ClientBuilder::new().blob_service_client",
            name: "blob_service_client",
            arguments: &[],
        },
        Case {
            source: &sources[4],
            callee: "DefaultAzureCredential::default",
            name: "default",
            arguments: &[],
        },
        Case {
            source: &sources[5],
            callee: "Vec::<u8>::with_capacity",
            name: "with_capacity",
            arguments: &[(None, "1", None)],
        },
        Case {
            source: &sources[6],
            callee: "client.container_client().blob_client().put_block_blob",
            name: "put_block_blob",
            arguments: &[(None, "data", None)],
        },
        Case {
            source: &sources[7],
            callee: "StorageCredentials::sas_token",
            name: "sas_token",
            arguments: &[(None, "\"FAKE\"", Some("FAKE"))],
        },
        Case {
            source: &sources[7],
            callee: "describe",
            name: "describe",
            arguments: &[(None, "StorageCredentials::sas_token(\"FAKE\")", None)],
        },
    ];
    run_cases(Rust, &cases);
}

#[test]
fn spans_point_at_the_call_and_its_name() {
    let text =
        function("let c = StorageCredentials::access_key(\n        account,\n        key,\n    );");
    let single = view(Rust, &text);
    let found = call(&single, "StorageCredentials::access_key");
    assert_eq!(
        &text[found.span.clone()],
        "StorageCredentials::access_key(\n        account,\n        key,\n    )"
    );
    assert_eq!(&text[found.name_span.clone()], "access_key");
    assert_eq!(line_of(&text, found.name_span.start), 2);
    let chain = view(
        Rust,
        &function("let c = ClientBuilder::new(a, b)\n        .blob_service_client();"),
    );
    let method = call(&chain, "ClientBuilder::new().blob_service_client");
    assert_eq!(
        method.span.start,
        call(&chain, "ClientBuilder::new").span.start
    );
}

#[test]
fn every_literal_form_resolves() {
    let cases: Vec<(String, Option<&str>)> = vec![
        (function("use_(\"plain\");"), Some("plain")),
        (
            function("use_(\"esc\\t\\x41\\u{e9}\\\"\");"),
            Some("esc\tAé\""),
        ),
        (
            function("use_(\"line \\\n        continued\");"),
            Some("line continued"),
        ),
        (function("use_(r\"raw\\n\");"), Some("raw\\n")),
        (
            function("use_(r#\"raw \"quoted\"\"#);"),
            Some("raw \"quoted\""),
        ),
        (function("use_(b\"bytes\");"), None),
        (
            function("use_(concat!(\"a\", \"b\", 1, '-', true, -2));"),
            Some("ab1-true-2"),
        ),
        (
            function("use_(concat!(\"a\", concat!(\"b\", \"c\")));"),
            Some("abc"),
        ),
        (function("use_(concat!(\"a\", env!(\"HOME\")));"), None),
        (
            function("use_(format!(\"{}-{}\", \"a\", \"b\"));"),
            Some("a-b"),
        ),
        (
            function("use_(format!(\"{1}{0}{{}}\", \"a\", \"b\"));"),
            Some("ba{}"),
        ),
        (
            function("use_(format!(\"{x}\", x = \"named\"));"),
            Some("named"),
        ),
        (function("use_(format!(\"{:?}\", \"debug\"));"), None),
        (
            function("use_(\"a\".to_string() + \"b\" + &String::from(\"c\"));"),
            Some("abc"),
        ),
        (function("use_([\"a\", \"b\"].concat());"), Some("ab")),
        (function("use_([\"a\", \"b\"].join(\"-\"));"), Some("a-b")),
        (function("use_((\"paren\"));"), Some("paren")),
        (function("use_(\"a\".repeat(2));"), None),
    ];
    let cases: Vec<(&str, Option<&str>)> = cases
        .iter()
        .map(|(source, value)| (source.as_str(), *value))
        .collect();
    run_values(Rust, &cases);
}

#[test]
fn names_resolve_when_assigned_once() {
    let cases = [
        (
            "const KEY: &str = \"k\";\nfn main() { use_(KEY); }",
            Some("k"),
        ),
        (
            "fn main() { use_(KEY); }\nconst KEY: &str = \"later\";",
            Some("later"),
        ),
        (
            "static KEY: &str = \"static\";\nfn main() { use_(KEY); }",
            Some("static"),
        ),
        (
            "static mut KEY: &str = \"mut\";\nfn main() { use_(KEY); }",
            None,
        ),
        (
            "const A: &str = \"a\";\nconst B: &str = concatcp!(A, \"b\");\nfn main() { use_(B); }",
            Some("ab"),
        ),
        ("fn main() { let s = \"local\"; use_(s); }", Some("local")),
        (
            "fn main() { let s: &str = \"typed\"; use_(s); }",
            Some("typed"),
        ),
        (
            "fn main() { let s; s = \"later\"; use_(s); }",
            Some("later"),
        ),
        (
            "fn main() { let mut s = String::from(\"a\"); s.push('b'); use_(s); }",
            None,
        ),
        ("fn main() { let s = \"a\"; let s = \"b\"; use_(s); }", None),
        (
            "fn main() { let mut s = \"a\".to_string(); s += \"b\"; use_(s); }",
            None,
        ),
        (
            "const KEY: &str = \"g\";\nfn f(KEY: &str) { use_(KEY); }",
            None,
        ),
        ("fn main() { for s in items { use_(s); } }", None),
        ("fn main() { if let Some(s) = o { use_(s); } }", None),
        (
            "struct S;\nimpl S { const KEY: &'static str = \"assoc\"; fn m() { use_(Self::KEY); } }",
            Some("assoc"),
        ),
        (
            "struct Settings;\nimpl Settings { const KEY: &'static str = \"type\"; }\nfn main() { use_(Settings::KEY); }",
            Some("type"),
        ),
        (
            "trait T { const KEY: &'static str = \"default\"; }\nfn main() { use_(T::KEY); }",
            Some("default"),
        ),
        (
            "fn main() { use_(other::KEY); }\nconst KEY: &str = \"x\";",
            None,
        ),
        (
            "const A: &str = B;\nconst B: &str = A;\nfn main() { use_(A); }",
            None,
        ),
    ];
    run_values(Rust, &cases);
}

#[test]
fn joined_strings_are_the_outermost_resolved_joins() {
    let text = "const HEAD: &str = \"FAKE\";\nconst KEY: &str = concatcp!(HEAD, \"key\", \"==\");\nconst ONE: &str = concat!(\"single\");\nfn main() {\n    let f = format!(\"{HEAD}-{}\", KEY);\n    let u = unknown() + \"c\" + \"d\";\n}\n";
    let view = view(Rust, text);
    assert_eq!(
        joined(text, &view),
        vec![
            (
                "concatcp!(HEAD, \"key\", \"==\")".to_owned(),
                "FAKEkey==".to_owned()
            ),
            (
                "format!(\"{HEAD}-{}\", KEY)".to_owned(),
                "FAKE-FAKEkey==".to_owned()
            ),
        ]
    );
}

#[test]
fn fixture_with_a_key_split_over_concat_and_consts() {
    let text = fixture("rust/key_based.rs");
    let view = view(Rust, &text);
    assert!(view.complete);
    let key = "FAKEkeyFAKEkeyFAKEkeyFAKE==";
    let access = call(&view, "StorageCredentials::access_key");
    assert_eq!(line_of(&text, access.name_span.start), 18);
    assert_eq!(
        arguments(&text, access),
        expected(&[
            (None, "ACCOUNT", Some("fakeaccount")),
            (None, "KEY", Some(key))
        ])
    );
    let secret = call(&view, "ClientSecretCredential::new");
    assert_eq!(line_of(&text, secret.name_span.start), 24);
    assert_eq!(
        arguments(&text, secret)[..3],
        expected(&[
            (None, "tenant", Some("fake-tenant")),
            (None, "\"fake-client\".to_owned()", Some("fake-client")),
            (
                None,
                "Settings::SECRET.to_string()",
                Some("FAKE~secret~FAKE")
            ),
        ])[..]
    );
    assert!(
        view.calls
            .iter()
            .any(|c| c.callee == "ClientBuilder::new().blob_service_client")
    );
    let joins = joined(&text, &view);
    assert!(
        joins.contains(&(
            "const_format::concatcp!(KEY_HEAD, KEY_TAIL)".to_owned(),
            key.to_owned()
        )),
        "{joins:?}"
    );
    assert!(
        joins.contains(&(
            "concat!(\"FAKEkey\", \"FAKE==\")".to_owned(),
            "FAKEkeyFAKE==".to_owned()
        )),
        "{joins:?}"
    );
}

#[test]
fn fixture_with_identities() {
    let text = fixture("rust/identity.rs");
    let view = view(Rust, &text);
    assert!(view.complete);
    let names: Vec<&str> = view.calls.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "new",
            "default",
            "blob_service_client",
            "new",
            "token_credential"
        ]
    );
}

#[test]
fn a_file_that_does_not_parse_is_read_in_pieces() {
    let text = "const KEY: &str = \"FAKE\";\n\nfn broken( {\n    let x = ;\n}\n\nfn works() {\n    let c = StorageCredentials::access_key(\"fakeaccount\", KEY);\n}\n\n#[test]\nfn also() { f(\"x\"); }\n";
    let pieces = view(Rust, text);
    assert!(!pieces.complete);
    let access = call(&pieces, "StorageCredentials::access_key");
    assert_eq!(line_of(text, access.name_span.start), 8);
    assert_eq!(access.arguments[0].value.as_deref(), Some("fakeaccount"));
    assert_eq!(
        access.arguments[1].value, None,
        "consts of other pieces are not seen"
    );
    assert_eq!(call(&pieces, "f").arguments[0].value.as_deref(), Some("x"));
    // Shebang lines and unterminated input.
    let script = view(
        Rust,
        "#!/usr/bin/env rust-script\nfn main() { f(\"x\"); }\n",
    );
    assert!(script.complete);
    assert_eq!(script.calls.len(), 1);
    let unterminated = view(Rust, "fn main() { f(\"x); }\n");
    assert!(!unterminated.complete);
}

#[test]
fn heavy_files_parse_on_their_own_stack_and_overweight_pieces_are_skipped() {
    // Heavier than the in-place limit, lighter than the thread's: parsed whole.
    let nested = format!(
        "fn main() {{ let x = {}f(\"x\"){}; }}\n",
        "(".repeat(200),
        ")".repeat(200)
    );
    let heavy = view(Rust, &nested);
    assert_eq!(heavy.calls.len(), 1);
    // Too heavy for syn: that piece is skipped, the rest is kept.
    let text = format!(
        "fn a() {{ let x = {}1{}; }}\n\nfn b() {{ g(\"y\"); }}\n",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let split = view(Rust, &text);
    assert!(!split.complete);
    assert_eq!(split.calls.len(), 1);
    assert_eq!(split.calls[0].arguments[0].value.as_deref(), Some("y"));
}

#[test]
fn every_prefix_of_the_fixture_parses() {
    every_prefix(Rust, &fixture("rust/key_based.rs"), 5);
}

#[test]
fn hostile_input_is_bounded() {
    hostile(Rust, &|expression| {
        format!("fn main() {{ let x = {expression}; }}\n")
    });
}
