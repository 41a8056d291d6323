//! The Python parser (tree-sitter-python) on realistic Azure SDK code: calls with their callee,
//! name, spans, keyword arguments and resolved values; literal forms; joined strings; broken and
//! hostile input.

use crate::parse_code_support;

use keyless::parse::code::Language::Python;
use parse_code_support::{
    Case, arguments, call, every_prefix, expected, fixture, hostile, joined, line_of, run_cases,
    run_values, view,
};

#[test]
fn key_based_and_identity_based_calls() {
    run_cases(
        Python,
        &[
            Case {
                source: "client = BlobServiceClient.from_connection_string(conn)",
                callee: "BlobServiceClient.from_connection_string",
                name: "from_connection_string",
                arguments: &[(None, "conn", None)],
            },
            Case {
                source: "CONN = 'Endpoint=sb://fake.servicebus.windows.net/;SharedAccessKeyName=FAKE'\nc = ServiceBusClient.from_connection_string(CONN, logging_enable=True)",
                callee: "ServiceBusClient.from_connection_string",
                name: "from_connection_string",
                arguments: &[
                    (
                        None,
                        "CONN",
                        Some("Endpoint=sb://fake.servicebus.windows.net/;SharedAccessKeyName=FAKE"),
                    ),
                    (Some("logging_enable"), "True", None),
                ],
            },
            Case {
                source: "cred = ClientSecretCredential(tenant, client, \"FAKE-secret\")",
                callee: "ClientSecretCredential",
                name: "ClientSecretCredential",
                arguments: &[
                    (None, "tenant", None),
                    (None, "client", None),
                    (None, "\"FAKE-secret\"", Some("FAKE-secret")),
                ],
            },
            Case {
                source: "key = os.environ['KEY']\nclient = TextAnalyticsClient(endpoint, AzureKeyCredential(key))",
                callee: "AzureKeyCredential",
                name: "AzureKeyCredential",
                arguments: &[(None, "key", None)],
            },
            Case {
                source: "blobs = BlobServiceClient(account_url=url, credential=DefaultAzureCredential())",
                callee: "BlobServiceClient",
                name: "BlobServiceClient",
                arguments: &[
                    (Some("account_url"), "url", None),
                    (Some("credential"), "DefaultAzureCredential()", None),
                ],
            },
            Case {
                source: "c = azure.storage.blob.BlobClient.from_blob_url(u, *args, **kwargs)",
                callee: "azure.storage.blob.BlobClient.from_blob_url",
                name: "from_blob_url",
                arguments: &[
                    (None, "u", None),
                    (None, "*args", None),
                    (None, "**kwargs", None),
                ],
            },
            Case {
                source: "s = client.get_queue_sender(queue_name='q').send_messages(msg)",
                callee: "client.get_queue_sender().send_messages",
                name: "send_messages",
                arguments: &[(None, "msg", None)],
            },
            Case {
                source: "app = msal.ConfidentialClientApplication(cid, authority=a, client_credential='FAKE')",
                callee: "msal.ConfidentialClientApplication",
                name: "ConfidentialClientApplication",
                arguments: &[
                    (None, "cid", None),
                    (Some("authority"), "a", None),
                    (Some("client_credential"), "'FAKE'", Some("FAKE")),
                ],
            },
        ],
    );
}

#[test]
fn spans_point_at_the_call_and_its_name() {
    let text = "x = 1\nclient = BlobServiceClient.from_connection_string(\n    conn,\n)\n";
    let view = view(Python, text);
    let found = call(&view, "BlobServiceClient.from_connection_string");
    assert_eq!(
        &text[found.span.clone()],
        "BlobServiceClient.from_connection_string(\n    conn,\n)"
    );
    assert_eq!(&text[found.name_span.clone()], "from_connection_string");
    assert_eq!(line_of(text, found.name_span.start), 2);
    let named = view.calls.iter().find(|call| call.name.is_empty());
    assert!(named.is_none(), "{named:?}");
}

#[test]
fn every_literal_form_resolves() {
    run_values(
        Python,
        &[
            ("use('single')", Some("single")),
            ("use(\"double\")", Some("double")),
            ("use('''triple\nlines''')", Some("triple\nlines")),
            ("use(\"\"\"triple\"\"\")", Some("triple")),
            ("use('esc\\t\\x41\\u00e9\\N')", Some("esc\tAé\\N")),
            ("use(r'raw\\n')", Some("raw\\n")),
            ("use(R\"raw\\d\")", Some("raw\\d")),
            ("use(b'bytes')", Some("bytes")),
            ("use(u'unicode')", Some("unicode")),
            ("use(f'plain')", Some("plain")),
            ("use(f'{{braces}}')", Some("{braces}")),
            ("A = 'x'\nuse(f'a{A}b')", Some("axb")),
            ("use(f\"{'nested'}\")", Some("nested")),
            ("A = 'x'\nuse(f'{A!s}')", Some("x")),
            ("A = 'x'\nuse(f'{A!r}')", None),
            ("A = 'x'\nuse(f'{A:>5}')", None),
            ("A = 'x'\nuse(f'{A=}')", None),
            ("use(rf'{1}\\d')", None),
            ("use('a' 'b' \"c\")", Some("abc")),
            ("use('a' + 'b')", Some("ab")),
            ("use(('a' + ('b')))", Some("ab")),
            ("use('a' * 2)", None),
            ("use(t'template')", None),
        ],
    );
}

#[test]
fn names_resolve_when_assigned_once() {
    run_values(
        Python,
        &[
            ("KEY = 'k'\nuse(KEY)", Some("k")),
            ("use(KEY)\nKEY = 'later'", Some("later")),
            ("A = 'a'\nB = A + 'b'\nuse(B)", Some("ab")),
            ("KEY: str = 'typed'\nuse(KEY)", Some("typed")),
            ("a, b = 'x', 'y'\nuse(b)", Some("y")),
            ("a, b = f()\nuse(b)", None),
            ("if (k := 'walrus'):\n    use(k)", Some("walrus")),
            ("KEY = 'one'\nKEY = 'two'\nuse(KEY)", None),
            ("KEY = 'one'\nKEY += 'two'\nuse(KEY)", None),
            ("for KEY in keys:\n    use(KEY)", None),
            ("KEY = 'g'\ndef f(KEY):\n    use(KEY)", None),
            ("KEY = 'g'\ndef f(KEY='d'):\n    use(KEY)", None),
            (
                "class C:\n    def __init__(self):\n        self.key = 'attr'\n    def m(self):\n        use(self.key)",
                Some("attr"),
            ),
            (
                "class Config:\n    KEY = 'cls'\nuse(Config.KEY)",
                Some("cls"),
            ),
            ("use(settings.KEY)\nKEY = 'x'", None),
            ("A = B\nB = A\nuse(A)", None),
            ("A = A + 'x'\nuse(A)", None),
            ("use(undefined)", None),
        ],
    );
}

#[test]
fn joined_strings_are_the_outermost_resolved_joins() {
    let text = "HEAD = 'FAKE'\nKEY = HEAD + 'key' + '=='\nPART = 'a' 'b'\nX = f'{HEAD}-{PART}'\nY = unknown + 'c' + 'd'\nZ = 'single'\nW = f'no holes'\n";
    let view = view(Python, text);
    assert_eq!(
        joined(text, &view),
        vec![
            ("HEAD + 'key' + '=='".to_owned(), "FAKEkey==".to_owned()),
            ("'a' 'b'".to_owned(), "ab".to_owned()),
            ("f'{HEAD}-{PART}'".to_owned(), "FAKE-ab".to_owned()),
        ]
    );
}

#[test]
fn fixture_with_key_based_clients() {
    let text = fixture("python/key_based.py");
    let view = view(Python, &text);
    assert!(view.complete);
    let key = "FAKEkeyFAKEkeyFAKEkeyFAKE==";
    let conn = format!("DefaultEndpointsProtocol=https;AccountName=fakeaccount;AccountKey={key}");

    let blobs = call(&view, "BlobServiceClient.from_connection_string");
    assert_eq!(line_of(&text, blobs.name_span.start), 21);
    assert_eq!(
        arguments(&text, blobs),
        expected(&[(None, "CONN", Some(&conn))])
    );

    let bus = call(&view, "ServiceBusClient.from_connection_string");
    assert_eq!(
        arguments(&text, bus),
        expected(&[
            (None, "SB_CONN", None),
            (Some("logging_enable"), "True", None)
        ])
    );

    let secret = call(&view, "ClientSecretCredential");
    let rows = arguments(&text, secret);
    assert_eq!(
        rows[1..],
        expected(&[
            (
                Some("client_id"),
                "\"00000000-0000-0000-0000-000000000000\"",
                Some("00000000-0000-0000-0000-000000000000")
            ),
            (
                Some("client_secret"),
                "\"FAKE~secret~FAKE\"",
                Some("FAKE~secret~FAKE")
            ),
        ])[..]
    );

    let search = call(&view, "AzureKeyCredential");
    assert_eq!(
        search.arguments[0].value, None,
        "an attribute of an instance is not resolved"
    );
    assert_eq!(
        call(&view, "container.upload_blob")
            .arguments
            .iter()
            .map(|a| a.name.as_deref())
            .collect::<Vec<_>>(),
        [Some("name"), Some("data"), Some("overwrite")]
    );
    assert!(
        view.calls
            .iter()
            .any(|c| c.callee == "client.get_queue_sender().send_messages")
    );

    let joins = joined(&text, &view);
    assert!(joins.iter().any(|(_, value)| *value == conn), "{joins:?}");
    assert!(
        joins
            .iter()
            .any(|(_, value)| value == "FAKEkeyFAKEkey-search"),
        "{joins:?}"
    );
}

#[test]
fn fixture_with_identities_has_no_key_based_call() {
    let text = fixture("python/identity.py");
    let view = view(Python, &text);
    assert!(view.complete);
    let names: Vec<&str> = view.calls.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "DefaultAzureCredential",
            "BlobServiceClient",
            "ServiceBusClient",
            "ManagedIdentityCredential"
        ]
    );
    assert!(!names.iter().any(|n| n.contains("connection_string")));
    let blobs = call(&view, "BlobServiceClient");
    assert_eq!(
        blobs.arguments[0].value.as_deref(),
        Some("https://fakeaccount.blob.core.windows.net")
    );
}

#[test]
fn broken_code_keeps_what_it_can() {
    let text = "def broken(:\n    pass\nclient = BlobServiceClient.from_connection_string('FAKE')\nx = (\n";
    let broken = view(Python, text);
    assert!(!broken.complete);
    let found = call(&broken, "BlobServiceClient.from_connection_string");
    assert_eq!(found.arguments[0].value.as_deref(), Some("FAKE"));
    // An unterminated string is not a value.
    let unterminated = view(Python, "use('unterminated)\n");
    assert!(
        unterminated
            .calls
            .iter()
            .all(|c| c.arguments.iter().all(|a| a.value.is_none()))
    );
}

#[test]
fn every_prefix_of_the_fixture_parses() {
    every_prefix(Python, &fixture("python/key_based.py"), 7);
}

#[test]
fn hostile_input_is_bounded() {
    hostile(Python, &|expression| format!("x = {expression}\n"));
}
