//! Inputs the fuzzers (fuzz/) once crashed on, replayed through the same code paths: every file
//! under `tests/data/fuzz-regressions/` is decoded and scanned as the file it is named after (so
//! its extension picks the parser), parsed by its format's or language's parser directly, and
//! loaded as `keyless.toml` or as a baseline when its name ends in `.keyless.toml` or
//! `.baseline.json`. Nothing may panic. Add a crash as `<target>-<what>.<ext>`.

#![allow(clippy::unwrap_used)]

use crate::common;

use keyless::source::{Decoded, decode};
use std::path::Path;

#[test]
fn every_recorded_crash_input_is_handled() {
    let registry = common::registry();
    let directory = common::repo_root().join("tests/data/fuzz-regressions");
    let mut files: Vec<_> = std::fs::read_dir(&directory)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        if let Some(format) = keyless::parse::Format::of_path(&name) {
            keyless::parse::parse(format, &text);
        }
        if let Some(language) = keyless::parse::code::Language::of_path(&name) {
            let view = keyless::parse::code::parse(language, &text);
            // The SDK catalogue's resolver reads the same text through the import scanner.
            let imports = keyless::parse::code::imports::scan(language, &text);
            let catalogue = keyless::catalogue::for_language(language);
            let _ = keyless::catalogue::resolve(catalogue, language, &view, &imports, &text);
        }
        if name.ends_with(".keyless.toml") {
            let _ = keyless::config::Config::parse(Path::new("keyless.toml"), &text);
        }
        if name.ends_with(".baseline.json") {
            let _ = keyless::baseline::Baseline::parse(Path::new("baseline.json"), &text);
        }
        if let Decoded::Text(source) = decode(&bytes) {
            keyless::scan_text(&registry, &name, source.text());
        }
    }
}
