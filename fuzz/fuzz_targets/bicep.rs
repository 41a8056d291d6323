#![no_main]
//! The Bicep parser on arbitrary text.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| keyless_fuzz::parse_and_check(keyless::parse::Format::Bicep, data));
