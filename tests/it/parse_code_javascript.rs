//! The JavaScript, TypeScript and TSX parsers (tree-sitter-javascript, tree-sitter-typescript)
//! on realistic Azure SDK code: calls and `new` with their callee, name, spans, object-literal
//! options and resolved values; string and template literals; joined strings; TSX fallback;
//! broken and hostile input.

use crate::parse_code_support;

use keyless::parse::code::Language::{Javascript, Typescript};
use parse_code_support::{
    Case, arguments, call, every_prefix, expected, fixture, hostile, joined, line_of, options,
    run_cases, run_values, view,
};

#[test]
fn key_based_and_identity_based_calls() {
    let cases = [
        Case {
            source: "const client = BlobServiceClient.fromConnectionString(cs);",
            callee: "BlobServiceClient.fromConnectionString",
            name: "fromConnectionString",
            arguments: &[(None, "cs", None)],
        },
        Case {
            source: "const cred = new AzureKeyCredential(key);",
            callee: "new AzureKeyCredential",
            name: "AzureKeyCredential",
            arguments: &[(None, "key", None)],
        },
        Case {
            source: "const c = new StorageSharedKeyCredential('fakeaccount', \"FAKE\");",
            callee: "new StorageSharedKeyCredential",
            name: "StorageSharedKeyCredential",
            arguments: &[
                (None, "'fakeaccount'", Some("fakeaccount")),
                (None, "\"FAKE\"", Some("FAKE")),
            ],
        },
        Case {
            source: "const c = new identity.ClientSecretCredential(t, c, s);",
            callee: "new identity.ClientSecretCredential",
            name: "ClientSecretCredential",
            arguments: &[(None, "t", None), (None, "c", None), (None, "s", None)],
        },
        Case {
            source: "const b = new BlobServiceClient(url, new DefaultAzureCredential());",
            callee: "new DefaultAzureCredential",
            name: "DefaultAzureCredential",
            arguments: &[],
        },
        Case {
            source: "await client.getContainerClient('reports').getBlockBlobClient(name).upload(data, data.length);",
            callee: "client.getContainerClient().getBlockBlobClient().upload",
            name: "upload",
            arguments: &[(None, "data", None), (None, "data.length", None)],
        },
        Case {
            source: "a?.b?.(x);",
            callee: "a?.b",
            name: "b",
            arguments: &[(None, "x", None)],
        },
        Case {
            source: "const k = new Key;",
            callee: "new Key",
            name: "Key",
            arguments: &[],
        },
        Case {
            source: "f(...args, 'x');",
            callee: "f",
            name: "f",
            arguments: &[(None, "...args", None), (None, "'x'", Some("x"))],
        },
        Case {
            source: "const m = require('@azure/identity');",
            callee: "require",
            name: "require",
            arguments: &[(None, "'@azure/identity'", Some("@azure/identity"))],
        },
        Case {
            source: "sql`select 1`;",
            callee: "sql",
            name: "sql",
            arguments: &[(None, "`select 1`", Some("select 1"))],
        },
    ];
    run_cases(Javascript, &cases);
    run_cases(Typescript, &cases);
}

#[test]
fn object_literal_arguments_are_options() {
    let text = "const KEY = 'FAKE';\nconst endpoint = 'https://fake.documents.azure.com';\nconst c = new CosmosClient({ endpoint, key: KEY, 'x-y': `t`, 5: n, [computed]: 1, ...rest, policy() {} });";
    let view = view(Javascript, text);
    let found = call(&view, "new CosmosClient");
    assert_eq!(found.arguments.len(), 1);
    assert_eq!(
        options(text, found),
        expected(&[
            (
                Some("endpoint"),
                "endpoint",
                Some("https://fake.documents.azure.com")
            ),
            (Some("key"), "KEY", Some("FAKE")),
            (Some("x-y"), "`t`", Some("t")),
            (Some("5"), "n", None),
            (Some("policy"), "policy() {}", None),
        ])
    );
    assert_eq!(
        found.option("key").and_then(|o| o.value.as_deref()),
        Some("FAKE")
    );
}

#[test]
fn spans_point_at_the_call_and_its_name() {
    let text = "x();\nconst client = BlobServiceClient\n  .fromConnectionString(cs);\n";
    let view = view(Javascript, text);
    let found = call(&view, "BlobServiceClient.fromConnectionString");
    assert_eq!(
        &text[found.span.clone()],
        "BlobServiceClient\n  .fromConnectionString(cs)"
    );
    assert_eq!(line_of(text, found.name_span.start), 3);
}

#[test]
fn every_literal_form_resolves() {
    let cases = [
        ("use('single');", Some("single")),
        ("use(\"double\");", Some("double")),
        (
            "use('esc\\t\\x41\\u00e9\\u{1F511}\\q');",
            Some("esc\tAé\u{1F511}q"),
        ),
        ("use('line\\\ncontinued');", Some("linecontinued")),
        ("use(`template`);", Some("template")),
        ("use(`multi\nline`);", Some("multi\nline")),
        ("const A = 'x';\nuse(`a${A}b`);", Some("axb")),
        ("use(`${'nested'}${`deep`}`);", Some("nesteddeep")),
        ("use(`a${unknown}`);", None),
        ("use('a' + 'b' + ('c'));", Some("abc")),
        ("use('a' - 'b');", None),
        ("use(('a', 'b'));", None),
        ("use(String.raw`x`);", None),
    ];
    run_values(Javascript, &cases);
    run_values(Typescript, &cases);
    run_values(
        Typescript,
        &[
            ("use('as' as string);", Some("as")),
            ("use('sat' satisfies string);", Some("sat")),
            ("const K = 'nn';\nuse(K!);", Some("nn")),
            ("use(<string>'angle');", Some("angle")),
            ("const K = 'c' as const;\nuse(K);", Some("c")),
        ],
    );
}

#[test]
fn names_resolve_when_assigned_once() {
    let cases = [
        ("const KEY = 'k';\nuse(KEY);", Some("k")),
        ("use(KEY);\nvar KEY = 'hoisted';", Some("hoisted")),
        ("const A = 'a', B = A + 'b';\nuse(B);", Some("ab")),
        ("let s;\ns = 'later';\nuse(s);", Some("later")),
        ("let s = 'a';\ns += 'b';\nuse(s);", None),
        ("let s = 'a';\ns = 'b';\nuse(s);", None),
        ("const KEY = 'g';\nfunction f(KEY) { use(KEY); }", None),
        (
            "const KEY = 'g';\nfunction f(KEY = 'd') { use(KEY); }",
            None,
        ),
        ("for (const KEY in o) { use(KEY); }", None),
        (
            "class C { constructor() { this.key = 'ctor'; } m() { use(this.key); } }",
            Some("ctor"),
        ),
        (
            "class Settings { static KEY = 'field'; }\nuse(Settings.KEY);",
            Some("field"),
        ),
        ("use(config.KEY);\nconst KEY = 'x';", None),
        ("const { KEY } = process.env;\nuse(KEY);", None),
    ];
    run_values(Javascript, &cases);
    run_values(Typescript, &cases[..9]);
    run_values(
        Typescript,
        &[
            (
                "class C { private key = 'field'; m() { use(this.key); } }",
                Some("field"),
            ),
            (
                "const KEY = 'g';\nfunction f(KEY: string) { use(KEY); }",
                None,
            ),
            (
                "const KEY = 'g';\nfunction f(KEY?: string) { use(KEY); }",
                None,
            ),
        ],
    );
}

#[test]
fn joined_strings_are_the_outermost_resolved_joins() {
    let text = "const HEAD = 'FAKE';\nconst KEY = HEAD + 'key' + '==';\nconst T = `${HEAD}-${KEY}`;\nconst U = unknown + 'c' + 'd';\nconst P = `plain`;\n";
    for language in [Javascript, Typescript] {
        let view = view(language, text);
        assert_eq!(
            joined(text, &view),
            vec![
                ("HEAD + 'key' + '=='".to_owned(), "FAKEkey==".to_owned()),
                ("`${HEAD}-${KEY}`".to_owned(), "FAKE-FAKEkey==".to_owned()),
            ]
        );
    }
}

#[test]
fn javascript_fixture_with_key_based_clients() {
    let text = fixture("javascript/keyBased.js");
    let view = view(Javascript, &text);
    assert!(view.complete);
    let key = "FAKEkeyFAKEkeyFAKEkeyFAKE==";
    let connection =
        format!("DefaultEndpointsProtocol=https;AccountName=fakeaccount;AccountKey={key}");
    let from_cs = call(&view, "BlobServiceClient.fromConnectionString");
    assert_eq!(line_of(&text, from_cs.name_span.start), 11);
    assert_eq!(
        arguments(&text, from_cs),
        expected(&[(None, "connectionString", Some(&connection))])
    );
    let shared = call(&view, "new StorageSharedKeyCredential");
    assert_eq!(
        arguments(&text, shared),
        expected(&[
            (None, "ACCOUNT", Some("fakeaccount")),
            (None, "KEY", Some(key))
        ])
    );
    let cosmos = call(&view, "new CosmosClient");
    assert_eq!(line_of(&text, cosmos.name_span.start), 14);
    assert_eq!(
        options(&text, cosmos),
        expected(&[
            (Some("endpoint"), "endpoint", None),
            (
                Some("key"),
                "\"FAKEcosmosFAKE==\"",
                Some("FAKEcosmosFAKE==")
            ),
            (Some("userAgentSuffix"), "\"reports\"", Some("reports")),
        ])
    );
    assert_eq!(
        call(&view, "new AzureKeyCredential").arguments[0].value,
        None
    );
    assert!(
        view.calls
            .iter()
            .any(|c| c.callee == "blobs.getContainerClient().createIfNotExists")
    );
    assert!(view.calls.iter().any(|c| c.callee == "main().catch"));
    let joins = joined(&text, &view);
    assert!(
        joins.iter().any(|(_, value)| *value == connection),
        "{joins:?}"
    );
}

#[test]
fn javascript_fixture_with_identities() {
    let text = fixture("javascript/identity.js");
    let view = view(Javascript, &text);
    assert!(view.complete);
    let callees: Vec<&str> = view.calls.iter().map(|c| c.callee.as_str()).collect();
    assert_eq!(
        callees,
        [
            "new DefaultAzureCredential",
            "new BlobServiceClient",
            "new CosmosClient"
        ]
    );
    let cosmos = call(&view, "new CosmosClient");
    let names: Vec<Option<&str>> = cosmos.options.iter().map(|o| o.name.as_deref()).collect();
    assert_eq!(names, [Some("endpoint"), Some("aadCredentials")]);
}

#[test]
fn typescript_fixture_with_key_based_clients() {
    let text = fixture("typescript/keyBased.ts");
    let view = view(Typescript, &text);
    assert!(view.complete);
    let bus = call(&view, "new ServiceBusClient");
    assert_eq!(line_of(&text, bus.name_span.start), 13);
    assert_eq!(
        arguments(&text, bus),
        expected(&[(None, "connectionString", None)])
    );
    let secret = call(&view, "new ClientSecretCredential");
    assert_eq!(
        arguments(&text, secret),
        expected(&[
            (None, "TENANT", Some("fake-tenant")),
            (None, "process.env.CLIENT_ID!", None),
            (None, "SECRET", Some("FAKE~secret~FAKE")),
        ])
    );
    let send = call(&view, "this.client.createSender().sendMessages");
    assert_eq!(
        send.options
            .iter()
            .map(|o| o.name.as_deref())
            .collect::<Vec<_>>(),
        [Some("body")]
    );
    let create = call(&view, "this.client.createSender");
    assert_eq!(create.arguments[0].value.as_deref(), Some("reports"));
    assert!(
        joined(&text, &view)
            .iter()
            .any(|(_, value)| value == "FAKE~secret~FAKE")
    );
}

#[test]
fn tsx_files_fall_back_to_the_tsx_grammar() {
    let text = fixture("typescript/App.tsx");
    let tsx = view(Typescript, &text);
    assert!(tsx.complete, "parsed as TSX");
    let credential = call(&tsx, "new AzureKeyCredential");
    assert_eq!(
        credential.arguments[0].value.as_deref(),
        Some("FAKEtextFAKE")
    );
    assert!(
        tsx.calls
            .iter()
            .any(|c| c.callee == "client.analyzeSentiment")
    );
    // JSX in a .js file is JavaScript.
    let jsx = "const el = <Button onClick={() => connect(new AzureKeyCredential('FAKE'))} />;";
    let js = view(Javascript, jsx);
    assert!(js.complete);
    assert_eq!(
        call(&js, "new AzureKeyCredential").arguments[0]
            .value
            .as_deref(),
        Some("FAKE")
    );
}

#[test]
fn broken_code_keeps_what_it_can() {
    let text = "function broken( {\nconst c = BlobServiceClient.fromConnectionString('FAKE');\n";
    for language in [Javascript, Typescript] {
        let broken = view(language, text);
        assert!(!broken.complete);
        assert_eq!(
            call(&broken, "BlobServiceClient.fromConnectionString").arguments[0]
                .value
                .as_deref(),
            Some("FAKE")
        );
    }
}

#[test]
fn every_prefix_of_the_fixtures_parses() {
    every_prefix(Javascript, &fixture("javascript/keyBased.js"), 7);
    every_prefix(Typescript, &fixture("typescript/keyBased.ts"), 9);
    every_prefix(Typescript, &fixture("typescript/App.tsx"), 13);
}

#[test]
fn hostile_input_is_bounded() {
    hostile(Javascript, &|expression| {
        format!("const x = {expression};\n")
    });
    hostile(Typescript, &|expression| {
        format!("const x: string = {expression};\n")
    });
}
