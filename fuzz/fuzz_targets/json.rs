#![no_main]
//! The JSON / ARM parser on arbitrary text.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| keyless_fuzz::parse_and_check(keyless::parse::Format::Json, data));
