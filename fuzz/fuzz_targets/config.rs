#![no_main]
//! The keyless.toml loader, then the policy it builds (rule selectors, globs, allowed values).
use keyless::config::{Config, Policy};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(
    // Compiling every rule's regexes is slow under the sanitizers: done once, before the clock
    // that -timeout measures starts.
    init: {
        keyless_fuzz::registry();
    },
    |data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        if let Ok(config) = Config::parse(Path::new("keyless.toml"), text) {
            let _ = config.max_file_size();
            let _ = Policy::new(keyless_fuzz::registry(), Some(&config), &[], &[]);
        }
    }
);
