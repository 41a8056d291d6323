//! Checks `keyless::checksum` against the published test vectors in
//! `tests/data/checksum-vectors.json` (each entry names its public source), and
//! round-trips the fixture generators.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use keyless::checksum::{
    EntraSecretCheck, IdentifiableKind, IdentifiableMatch, encode_entra_checksum,
    generate_cask_key, generate_cask_key_long_form, generate_entra_secret,
    generate_identifiable_key, inspect_cask_key, marvin32, marvin64, seed_from_name,
    validate_cask_key, validate_entra_secret, validate_identifiable_key,
    validate_identifiable_key_as,
};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/checksum-vectors.json"
    );
    let text = std::fs::read_to_string(path).expect("read checksum-vectors.json");
    serde_json::from_str(&text).expect("parse checksum-vectors.json")
}

fn section(name: &str) -> Vec<Value> {
    let all = vectors();
    let entries = all[name]
        .as_array()
        .unwrap_or_else(|| panic!("missing section {name}"));
    assert!(!entries.is_empty(), "section {name} is empty");
    for entry in entries {
        assert!(
            entry["source"].as_str().is_some_and(|s| !s.is_empty()),
            "{entry} has no source"
        );
    }
    entries.clone()
}

fn str_of<'a>(entry: &'a Value, field: &str) -> &'a str {
    entry[field]
        .as_str()
        .unwrap_or_else(|| panic!("{entry}: missing {field}"))
}

fn hex_u64(text: &str) -> u64 {
    u64::from_str_radix(text.trim_start_matches("0x"), 16).unwrap()
}

fn hex_bytes(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn kind_named(name: &str) -> IdentifiableKind {
    IdentifiableKind::ALL
        .into_iter()
        .find(|kind| format!("{kind:?}") == name)
        .unwrap_or_else(|| panic!("unknown kind {name}"))
}

/// Replaces the character at `position` with a different character of the same class.
fn change_char(text: &str, position: usize) -> String {
    let mut bytes = text.as_bytes().to_vec();
    bytes[position] = match bytes[position] {
        b'A' => b'B',
        b'0'..=b'8' => bytes[position] + 1,
        _ => b'A',
    };
    String::from_utf8(bytes).unwrap()
}

#[test]
fn file_names_its_source() {
    assert!(
        vectors()["source"]
            .as_str()
            .is_some_and(|s| s.contains("security-utilities"))
    );
}

#[test]
fn marvin_matches_published_vectors() {
    let entries = section("marvin");
    for entry in &entries {
        let seed = hex_u64(str_of(entry, "seed"));
        let input = hex_bytes(str_of(entry, "input_hex"));
        let expected = hex_u64(str_of(entry, "hash64"));
        assert_eq!(marvin64(&input, seed), expected, "{entry}");
        let folded = ((expected >> 32) ^ (expected & 0xffff_ffff)) as u32;
        assert_eq!(marvin32(&input, seed), folded, "{entry}");
    }
    assert!(entries.len() >= 30);
}

#[test]
fn seed_names_match_published_constants() {
    for entry in section("seeds") {
        let name = str_of(&entry, "name");
        assert_eq!(
            seed_from_name(name),
            hex_u64(str_of(&entry, "seed")),
            "{entry}"
        );
    }
}

#[test]
fn every_seed_name_in_use_is_a_published_constant() {
    let published: Vec<String> = section("seeds")
        .iter()
        .map(|e| str_of(e, "name").to_owned())
        .collect();
    for kind in IdentifiableKind::ALL {
        for name in kind.seed_names() {
            assert!(
                published.iter().any(|p| p == name),
                "{kind:?} seed {name} is not published"
            );
        }
    }
}

#[test]
fn entra_encoder_matches_published_vectors() {
    for entry in section("entra_encoder") {
        let value = u32::try_from(entry["value"].as_u64().unwrap()).unwrap();
        assert_eq!(
            encode_entra_checksum(value),
            str_of(&entry, "encoded"),
            "{entry}"
        );
    }
}

#[test]
fn identifiable_keys_validate_with_the_published_seed() {
    for entry in section("identifiable") {
        let key = str_of(&entry, "key");
        let kind = kind_named(str_of(&entry, "kind"));
        let seed_name = str_of(&entry, "seed_name");
        let expected = IdentifiableMatch {
            kind,
            seed_name: kind
                .seed_names()
                .iter()
                .copied()
                .find(|s| *s == seed_name)
                .unwrap(),
        };
        assert_eq!(validate_identifiable_key(key), Some(expected), "{key}");
        assert_eq!(
            validate_identifiable_key_as(kind, key),
            Some(expected),
            "{key}"
        );
        // Neither of the other credential families claims it.
        assert_eq!(validate_entra_secret(key), EntraSecretCheck::Invalid);
        assert_eq!(inspect_cask_key(key), None);
    }
}

#[test]
fn identifiable_generator_reproduces_published_keys() {
    let mut reproduced = 0;
    for entry in section("identifiable") {
        let Some(fill) = entry["generator_fill"].as_str() else {
            continue;
        };
        let kind = kind_named(str_of(&entry, "kind"));
        // security-utilities' GenerateTruePositiveExamples: decode the fill character
        // repeated to the padded encoded length, keep the key's length in bytes.
        let material = STANDARD_NO_PAD
            .decode(fill.repeat(kind.padded_length()))
            .unwrap();
        let generated = generate_identifiable_key(kind, str_of(&entry, "seed_name"), &material);
        assert_eq!(generated, str_of(&entry, "key"));
        reproduced += 1;
    }
    assert!(reproduced >= 12);
}

#[test]
fn identifiable_vectors_break_when_changed() {
    for entry in section("identifiable") {
        let key = str_of(&entry, "key");
        let kind = kind_named(str_of(&entry, "kind"));
        for position in 0..key.trim_end_matches('=').len() {
            let changed = change_char(key, position);
            assert_eq!(
                validate_identifiable_key(&changed),
                None,
                "{key} @{position}"
            );
        }
        // The same material under a seed of another kind does not validate.
        let material = STANDARD_NO_PAD
            .decode("Q".repeat(kind.padded_length()))
            .unwrap();
        let wrong = generate_identifiable_key(kind, "Wrong000", &material);
        assert_eq!(validate_identifiable_key(&wrong), None);
    }
    for entry in section("identifiable_invalid") {
        assert_eq!(
            validate_identifiable_key(str_of(&entry, "key")),
            None,
            "{entry}"
        );
    }
}

#[test]
fn entra_secrets_match_published_expectations() {
    for entry in section("entra") {
        let expected = match str_of(&entry, "expected") {
            "ValidChecksum" => EntraSecretCheck::ValidChecksum,
            "LegacyNoChecksum" => EntraSecretCheck::LegacyNoChecksum,
            "Invalid" => EntraSecretCheck::Invalid,
            other => panic!("unknown expectation {other}"),
        };
        let secret = str_of(&entry, "secret");
        assert_eq!(validate_entra_secret(secret), expected, "{secret}");
        if expected == EntraSecretCheck::ValidChecksum {
            for position in 0..secret.len() {
                let changed = change_char(secret, position);
                assert_eq!(validate_entra_secret(&changed), EntraSecretCheck::Invalid);
            }
        }
    }
}

#[test]
fn cask_keys_match_published_expectations() {
    for entry in section("cask") {
        let key = str_of(&entry, "key");
        let found = inspect_cask_key(key).unwrap_or_else(|| panic!("{key}: layout not recognised"));
        let tag = str_of(&entry, "provider_tag");
        assert_eq!(found.provider_tag, tag);
        assert_eq!(found.provider, &tag[4..]);
        assert_eq!(Some(found.long_form), entry["long_form"].as_bool(), "{key}");
        let verified = entry["checksum_verified"].as_bool().unwrap();
        assert_eq!(found.checksum_verified, verified, "{key}");
        assert_eq!(validate_cask_key(key).is_some(), verified, "{key}");
        assert_eq!(validate_identifiable_key(key), None);
        if verified {
            for position in 0..key.trim_end_matches('=').len() {
                assert_eq!(
                    validate_cask_key(&change_char(key, position)),
                    None,
                    "@{position}"
                );
            }
        }
    }
}

#[test]
fn generated_identifiable_keys_round_trip() {
    for seed_byte in [0u8, 7, 0x5a, 0xff] {
        let material: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(31) ^ seed_byte).collect();
        for kind in IdentifiableKind::ALL {
            for &seed_name in kind.seed_names() {
                let key = generate_identifiable_key(kind, seed_name, &material);
                assert_eq!(
                    validate_identifiable_key(&key),
                    Some(IdentifiableMatch { kind, seed_name })
                );
                let position = key.len() / 2;
                assert_eq!(
                    validate_identifiable_key(&change_char(&key, position)),
                    None,
                    "{key}"
                );
                let wrong = generate_identifiable_key(kind, "Default9", &material);
                assert_eq!(validate_identifiable_key(&wrong), None, "{wrong}");
            }
        }
    }
}

#[test]
fn generated_entra_and_cask_keys_round_trip() {
    for seed_byte in [0u8, 7, 0x5a, 0xff] {
        let material: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(29) ^ seed_byte).collect();

        let secret = generate_entra_secret(&material);
        assert_eq!(
            validate_entra_secret(&secret),
            EntraSecretCheck::ValidChecksum
        );
        assert_eq!(
            validate_entra_secret(&change_char(&secret, 10)),
            EntraSecretCheck::Invalid
        );

        for tag in ["AAAAAZAC", "AAAAAZEG", "AAAAACOG", "AAABACOG", "AAAAAZDO"] {
            for key in [
                generate_cask_key(tag, &material),
                generate_cask_key_long_form(tag, &material),
            ] {
                let found = validate_cask_key(&key).unwrap_or_else(|| panic!("{key}"));
                assert_eq!(found.provider_tag, tag);
                assert!(found.service.is_some());
                assert_eq!(validate_cask_key(&change_char(&key, 10)), None);
            }
        }
    }
}

#[test]
fn arbitrary_text_never_panics() {
    // A small linear congruential generator: deterministic, no extra dependency.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (state >> 33) as u32
    };
    let pieces = [
        "A", "z", "9", "+", "/", "-", "_", "=", "~", ".", "é", "\0", "JQQJ9", "8Q~", "+ASt",
    ];
    for _ in 0..20_000 {
        let len = next() % 100;
        let text: String = (0..len)
            .map(|_| pieces[(next() as usize) % pieces.len()])
            .collect();
        let _ = validate_identifiable_key(&text);
        let _ = validate_entra_secret(&text);
        let _ = inspect_cask_key(&text);
    }
}
