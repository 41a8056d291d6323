#![no_main]
//! The source-code parsers: the first byte picks the language, the rest is the file. With
//! `KEYLESS_FUZZ_MAY_JOIN=1`, also checks that `may_join` never rules out a file whose parse
//! joins strings: that contract still fails on some broken input whose error recovery joins
//! (`parse::code::joins`' ignored `generated_snippets_long` test lists them), so CI's smoke run
//! leaves it out until the lexer covers them.
use keyless::parse::code::{self, Language};
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    // Tree-sitter queries compile slowly under the sanitizers: once, outside the timeout.
    init: {
        keyless_fuzz::warm_up();
    },
    |data: &[u8]| {
        let Some((&selector, rest)) = data.split_first() else {
            return;
        };
        let language = Language::ALL[usize::from(selector) % Language::ALL.len()];
        let text = keyless_fuzz::text(rest);
        let view = code::parse(language, &text);
        keyless_fuzz::check_code(&text, &view);
        if std::env::var_os("KEYLESS_FUZZ_MAY_JOIN").is_some() {
            keyless_fuzz::check_may_join(language, &text, &view);
        }
    }
);
