#![no_main]
//! The baseline loader; a baseline that loads must survive a save and reload unchanged.
use keyless::baseline::Baseline;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("keyless-baseline.json");
    if let Ok(baseline) = Baseline::parse(path, text) {
        let saved = baseline.to_json();
        let reloaded = Baseline::parse(path, &saved);
        assert!(reloaded.is_ok_and(|again| again.len() == baseline.len()));
    }
});
