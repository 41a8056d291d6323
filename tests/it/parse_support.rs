//! Helpers shared by the `parse_<format>` tests: fixtures, and tables of expected entries.
#![allow(dead_code)]

use std::path::PathBuf;

use keyless::parse::{Document, ValueKind};

/// A fixture under `fixtures/parse/<folder>/`.
pub fn fixture(folder: &str, name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/parse")
        .join(folder)
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Expected `(dotted path, kind, value text)` entries.
pub type Table<'a> = &'a [(&'a str, ValueKind, &'a str)];

/// Asserts each `(path, kind, value text)` is an entry of `text`'s document.
#[track_caller]
pub fn expect(text: &str, document: &Document, table: Table) {
    for &(path, kind, value) in table {
        let segments: Vec<&str> = path.split('.').collect();
        let entry = document.get(&segments).unwrap_or_else(|| {
            let paths: Vec<String> = document
                .entries
                .iter()
                .map(|entry| entry.path.join("."))
                .collect();
            panic!("no entry {path}; entries: {paths:#?}")
        });
        assert_eq!((entry.kind, entry.text(text)), (kind, value), "{path}");
    }
}

/// The document's resources as (type, dotted path).
pub fn resources(document: &Document) -> Vec<(String, String)> {
    document
        .resources
        .iter()
        .map(|resource| (resource.type_name.clone(), resource.path.join(".")))
        .collect()
}

pub fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|&(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Every entry at exactly `path`, in order: its value text and kind.
pub fn at<'t>(document: &Document, text: &'t str, path: &[&str]) -> Vec<(&'t str, ValueKind)> {
    document
        .entries
        .iter()
        .filter(|entry| {
            entry
                .path
                .iter()
                .map(String::as_str)
                .eq(path.iter().copied())
        })
        .map(|entry| (&text[entry.value.clone()], entry.kind))
        .collect()
}

/// A path and every entry expected at it.
pub type Row<'a> = (&'a [&'a str], &'a [(&'a str, ValueKind)]);

pub fn check_table(document: &Document, text: &str, rows: &[Row<'_>]) {
    for (path, expected) in rows {
        assert_eq!(at(document, text, path), *expected, "at {path:?}");
    }
}
