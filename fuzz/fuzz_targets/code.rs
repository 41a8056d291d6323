#![no_main]
//! The source-code parsers: the first byte picks the language, the rest is the file.
use keyless::parse::code::{self, Language};
use libfuzzer_sys::fuzz_target;

const LANGUAGES: [Language; 8] = [
    Language::Csharp,
    Language::Python,
    Language::Javascript,
    Language::Typescript,
    Language::Java,
    Language::Go,
    Language::Powershell,
    Language::Rust,
];

fuzz_target!(
    // Tree-sitter queries compile slowly under the sanitizers: once, outside the timeout.
    init: {
        keyless_fuzz::warm_up();
    },
    |data: &[u8]| {
        let Some((&selector, rest)) = data.split_first() else {
            return;
        };
        let language = LANGUAGES[usize::from(selector) % LANGUAGES.len()];
        let text = keyless_fuzz::text(rest);
        let view = code::parse(language, &text);
        keyless_fuzz::check_code(&text, &view);
    }
);
