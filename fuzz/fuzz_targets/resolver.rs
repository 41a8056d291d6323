#![no_main]
//! The SDK catalogue's resolver: imports read from the text, calls resolved against the
//! catalogue. The first byte picks the language (the `code` target's table), the rest is the file.
//! Broken or half-written code must resolve without a panic, and every hit must point inside
//! the file's calls and text.
use keyless::catalogue;
use keyless::parse::code::{self, Language, imports};
use libfuzzer_sys::fuzz_target;

fuzz_target!(
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
        let imports = imports::scan(language, &text);
        let catalogue = catalogue::for_language(language);
        let (hits, known) = catalogue::resolve(catalogue, language, &view, &imports, &text);
        assert!(known.windows(2).all(|pair| pair[0] < pair[1]), "known calls are sorted");
        for hit in &hits {
            assert!(hit.call < view.calls.len(), "a hit names one of the file's calls");
            assert!(known.binary_search(&hit.call).is_ok(), "a hit is a known call");
            if let Some((span, _)) = &hit.credential {
                assert!(span.start <= span.end && span.end <= text.len(), "credential span in the text");
            }
        }
    }
);
