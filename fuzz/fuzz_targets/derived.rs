#![no_main]
//! The derived-text readers on arbitrary text: the first byte picks the notebook reader (even)
//! or the `.http` variable filler (odd). Every derived range must map into the original text on
//! character boundaries, and the whole matcher must run on the file without panicking.
use keyless::parse::derived::Decoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        keyless_fuzz::registry();
        keyless_fuzz::warm_up();
    },
    |data: &[u8]| {
        let Some((&selector, rest)) = data.split_first() else {
            return;
        };
        let (decoder, path) = if selector % 2 == 0 {
            (Decoder::NotebookCells, "analysis.ipynb")
        } else {
            (Decoder::HttpVariables, "requests.http")
        };
        let text = keyless_fuzz::text(rest);
        if let Some(derived) = decoder.decode(&text) {
            keyless_fuzz::check_derived(&text, &derived);
        }
        let _ = keyless::scan_text(keyless_fuzz::registry(), path, &text);
    }
);
