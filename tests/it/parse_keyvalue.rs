//! The `key=value` parser on realistic `.env`, `.properties` and `.ini` files
//! (`fixtures/parse/keyvalue`): exact paths, kinds and value texts, plus broken and huge inputs
//! that must not panic.

use keyless::parse::{self, Document, Format, ValueKind, keyvalue};

use ValueKind::{Bool, Null, Object, String};

fn fixture(name: &str) -> std::string::String {
    crate::parse_support::fixture("keyvalue", name)
}

/// Every entry in order: its path, value text and kind.
fn listed(
    document: &Document,
    text: &str,
) -> Vec<(std::string::String, std::string::String, ValueKind)> {
    document
        .entries
        .iter()
        .map(|entry| {
            (
                entry.path.join(" > "),
                text[entry.value.clone()].to_owned(),
                entry.kind,
            )
        })
        .collect()
}

fn rows(
    expected: &[(&str, &str, ValueKind)],
) -> Vec<(std::string::String, std::string::String, ValueKind)> {
    expected
        .iter()
        .map(|(path, value, kind)| ((*path).to_owned(), (*value).to_owned(), *kind))
        .collect()
}

/// What holds for every document: spans inside the text on character boundaries, entries in
/// document order, key spans naming the key.
fn check_invariants(document: &Document, text: &str) {
    let mut previous = 0;
    for entry in &document.entries {
        assert!(
            text.get(entry.value.clone()).is_some(),
            "value span {:?} of {:?}",
            entry.value,
            entry.path
        );
        assert!(
            text.get(entry.key.clone()).is_some(),
            "key span {:?} of {:?}",
            entry.key,
            entry.path
        );
        assert_eq!(
            &text[entry.key.clone()],
            entry.name(),
            "key span of {:?}",
            entry.path
        );
        assert!(!entry.name().is_empty() || entry.kind == Object);
        assert!(
            entry.key.start >= previous,
            "out of order: {:?}",
            entry.path
        );
        previous = entry.key.start;
        assert!(entry.path.len() <= 2);
    }
}

fn parsed(name: &str) -> (std::string::String, Document) {
    let text = fixture(name);
    let document = keyvalue::parse(&text);
    check_invariants(&document, &text);
    assert_eq!(
        parse::parse(Format::of_path(name).expect("a key=value name"), &text),
        document
    );
    (text, document)
}

#[test]
fn dotenv_with_export_quotes_and_comments() {
    let (text, document) = parsed(".env");
    assert!(document.complete);
    assert_eq!(
        listed(&document, &text),
        rows(&[
            ("AZURE_STORAGE_ACCOUNT", "fakestorage", String),
            ("AZURE_STORAGE_KEY", "FAKEa2V5LWZha2U=", String),
            (
                "SERVICEBUS_CONNECTION",
                "Endpoint=sb://fake.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=FAKE=",
                String
            ),
            ("DB_PASSWORD", "FAKE-Passw0rd!", String),
            ("EMPTY", "", Null),
            ("DEBUG", "true", Bool),
        ])
    );
    let exported = &document.entries[0];
    assert_eq!(&text[exported.key.clone()], "AZURE_STORAGE_ACCOUNT");
    let empty = document.get(&["EMPTY"]).expect("EMPTY");
    assert_eq!(
        empty.value.start,
        text.find("EMPTY=").expect("line") + "EMPTY=".len()
    );
}

#[test]
fn properties_with_continuation_and_every_separator() {
    let (text, document) = parsed("application.properties");
    assert!(document.complete);
    assert_eq!(
        listed(&document, &text),
        rows(&[
            (
                "spring.datasource.url",
                "jdbc:sqlserver://fake-sql.database.windows.net:1433;\\\n    database=orders;encrypt=true",
                String
            ),
            ("spring.datasource.username", "orders", String),
            ("spring.datasource.password", "FAKE-Passw0rd!", String),
            ("azure.storage.account-key", "FAKEa2V5LWZha2U=", String),
        ])
    );
}

#[test]
fn ini_sections() {
    let (text, document) = parsed("settings.ini");
    assert!(document.complete);
    let storage = &text[text.find("[storage]").expect("section")
        ..text.find("FAKEa2V5LWZha2U=").expect("key") + 16];
    let database = &text[text.find("[database]").expect("section")
        ..text.find("Passw0rd!\"").expect("password") + 9];
    assert_eq!(
        listed(&document, &text),
        rows(&[
            ("storage", storage, Object),
            ("storage > account", "fakestorage", String),
            ("storage > key", "FAKEa2V5LWZha2U=", String),
            ("database", database, Object),
            ("database > server", "fake-sql.database.windows.net", String),
            ("database > password", "FAKE-Passw0rd!", String),
        ])
    );
    assert_eq!(&text[document.entries[0].key.clone()], "storage");
}

#[test]
fn keys_keep_case_and_dots() {
    let text = "Spring.DataSource.Password=FAKE\n[Section.Sub]\nMixedCase = FAKE2\n";
    let document = keyvalue::parse(text);
    check_invariants(&document, text);
    assert_eq!(
        document
            .get(&["Spring.DataSource.Password"])
            .map(|entry| entry.text(text)),
        Some("FAKE")
    );
    assert_eq!(
        document
            .get(&["Section.Sub", "MixedCase"])
            .map(|entry| entry.text(text)),
        Some("FAKE2")
    );
}

#[test]
fn values_with_separators_and_hashes() {
    let text = "CONN=Server=x;Password=FAKE#1;\nURL=http://host:80/path\nHASH=abc#def\nQUOTED=\"a # b\"\nTRAIL=value # comment\n";
    let document = keyvalue::parse(text);
    check_invariants(&document, text);
    assert_eq!(
        listed(&document, text),
        rows(&[
            ("CONN", "Server=x;Password=FAKE#1;", String),
            ("URL", "http://host:80/path", String),
            ("HASH", "abc#def", String),
            ("QUOTED", "a # b", String),
            ("TRAIL", "value", String),
        ])
    );
}

#[test]
fn broken_inputs() {
    let cases: &[(&str, bool, &[&str])] = &[
        ("", true, &[]),
        ("\n\n", true, &[]),
        ("# only a comment", true, &[]),
        ("KEY=\"never closed\nNEXT=1\n", false, &["KEY", "NEXT"]),
        ("[unclosed section\nkey=value\n", false, &["key"]),
        ("=no key\n:nor this\n", true, &[]),
        ("trailing=continuation\\", true, &["trailing"]),
        ("KEY='", false, &["KEY"]),
        ("KEY=\"", false, &["KEY"]),
        ("[]\nk=v\n", true, &["", " > k"]),
        ("\u{0}\u{1}=\u{2}\n", true, &["\u{0}\u{1}"]),
    ];
    for (text, complete, paths) in cases {
        let document = keyvalue::parse(text);
        check_invariants(&document, text);
        assert_eq!(document.complete, *complete, "{text:?}");
        let found: Vec<std::string::String> = document
            .entries
            .iter()
            .map(|entry| entry.path.join(" > "))
            .collect();
        assert_eq!(found, *paths, "{text:?}");
    }
}

#[test]
fn broken_fixture_keeps_every_line() {
    let (text, document) = parsed("broken-unterminated.env");
    assert!(!document.complete);
    assert_eq!(
        listed(&document, &text),
        rows(&[
            ("AZURE_STORAGE_KEY", "FAKEa2V5LWZha2U=", String),
            ("SQL_PASSWORD", "FAKE-Passw0rd!", String),
            ("DEBUG", "false", Bool),
        ])
    );
}

#[test]
fn every_truncation_of_every_fixture_parses() {
    for name in [
        ".env",
        "application.properties",
        "settings.ini",
        "broken-unterminated.env",
    ] {
        let text = fixture(name);
        for (end, _) in text.char_indices() {
            let prefix = &text[..end];
            check_invariants(&keyvalue::parse(prefix), prefix);
        }
    }
}

#[test]
fn junk_and_huge_inputs_do_not_panic() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let bytes: Vec<u8> = (0..200_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let junk = std::string::String::from_utf8_lossy(&bytes);
    check_invariants(&keyvalue::parse(&junk), &junk);
    let structural: std::string::String = bytes
        .iter()
        .map(|byte| {
            [
                '=', ':', ' ', '\n', '[', ']', '"', '\'', '\\', '#', ';', '!', 'k', 'v', '\t', '\r',
            ][usize::from(*byte) % 16]
        })
        .collect();
    check_invariants(&keyvalue::parse(&structural), &structural);
    // Many unterminated quotes: each looks ahead a bounded number of lines.
    let quotes = "K=\"x\n".repeat(100_000);
    let document = keyvalue::parse(&quotes);
    assert_eq!(document.entries.len(), 100_000);
    // Continuation lines all the way down form one value.
    let continued = "K=a\\\n".repeat(100_000);
    assert_eq!(keyvalue::parse(&continued).entries.len(), 1);
    huge_single_line(8);
}

/// A `size_mib` MiB file of one line. The 50 MiB case is ignored by default:
/// `cargo test --release -- --ignored`.
fn huge_single_line(size_mib: usize) {
    let text = "KEY=".to_owned() + &"v".repeat(size_mib * 1024 * 1024);
    let document = keyvalue::parse(&text);
    assert!(document.complete);
    assert_eq!(document.entries.len(), 1);
    assert_eq!(document.entries[0].value, 4..text.len());
}

#[test]
#[ignore = "slow in debug builds; run with --release -- --ignored"]
fn fifty_mib_single_line() {
    huge_single_line(50);
}
