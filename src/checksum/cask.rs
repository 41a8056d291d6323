//! Legacy "common annotated security keys" (CASK, `JQQJ` signature), used by Azure App
//! Configuration, Event Grid, AI Services / OpenAI and other Cognitive Services, DevOps,
//! Maps, Communication Services and more.
//!
//! This module owns the CASK layout, its checksum and a deterministic fixture generator.
//! Facts from microsoft/security-utilities (`IdentifiableSecrets.TryValidateCommonAnnotatedKey`,
//! `GenerateCommonAnnotatedTestKey`, `LegacyCommonAnnotatedSecurityKey.cs`,
//! `LegacyCaskProviderSignatures.cs`, `Base62.cs`):
//!
//! ```text
//! 0         52    58 60          72  76  80  84   88
//! [52 base62][JQQJ9k][YM][platform 12][rsv][sig][csum][xx==]
//! ```
//!
//! * 84 characters, or 88 in the long form (two more checksum characters and `==`);
//!   everything but the final `==` is base62 (`[A-Za-z0-9]`);
//! * `JQQJ` at 52, then `9`, then the key kind: `9` access key, `D` derived, `H` hashed;
//! * date at 58..60: year character, then the month `A`–`L`;
//! * 8-character provider tag at 72..80: 4 provider-reserved characters (e.g. `AAAB` for
//!   OpenAI) and the 4-character provider signature (e.g. `ACOG`, `AZAC`); the signature's
//!   first character is a letter;
//! * checksum: `c = marvin32(base64_decode(key[..80]), seed "Default0")`, taken as its 4
//!   little-endian bytes; those bytes, read as one big-endian number, are written in base 62
//!   (digits `0-9A-Za-z`, a leading `0` per leading zero byte) and right-padded with `0` to 6
//!   digits. The short form keeps the first 4 digits; the long form keeps 5 digits, then the
//!   6th digit with its low 4 bits (as a base64 character) cleared, then `==`. The library
//!   also accepts the plain base64 of the checksum bytes (3 bytes short form, 4 long form).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::marvin::{marvin32, seed_from_name};

/// Seed name of the CASK checksum (`VersionTwoChecksumSeed`).
const SEED_NAME: &str = "Default0";
/// Length of the standard form.
const STANDARD_LENGTH: usize = 84;
/// Length of the long form.
const LONG_LENGTH: usize = 88;
/// Offset of the `JQQJ` signature.
const SIGNATURE_OFFSET: usize = 52;
/// Offset of the 8-character provider tag (reserved data + provider signature).
const PROVIDER_TAG_OFFSET: usize = 72;
/// Offset of the 4-character provider signature.
const PROVIDER_SIGNATURE_OFFSET: usize = 76;
/// Offset of the encoded checksum (also the length of the checksummed text).
const CHECKSUM_OFFSET: usize = 80;
/// Base-62 digits, in the order the checksum encoding uses.
const BASE62_DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Base-62 characters in the order the generator maps random bytes onto.
const BASE62_ALPHABET: &[u8; 62] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Provider tags that security-utilities classifies, with the service they denote.
///
/// The tag is the 8 characters at offset 72. Cognitive Services keys use `AAA?ACOG`,
/// where `?` is the base64 character of the service number.
const KNOWN_PROVIDER_TAGS: &[(&str, &str)] = &[
    (
        "AAAAmsql",
        "SQL Server private default cloud SA (SEC101/177)",
    ),
    ("AAAAAZAC", "Azure App Configuration (SEC101/197)"),
    ("AAAAAZFR", "Azure Fluid Relay (SEC101/198)"),
    ("AAAAAZEG", "Azure Event Grid (SEC101/199)"),
    ("AAAAAZDO", "Azure DevOps PAT (SEC101/201)"),
    ("AAAAAZMR", "Azure Mixed Reality (SEC101/202)"),
    ("AAAAAZMP", "Azure Maps (SEC101/203)"),
    ("AAAAAZCS", "Azure Communication Services (SEC101/204)"),
    ("AAAAACOG", "Azure AI Services (SEC101/205)"),
    ("AAABACOG", "Azure OpenAI (SEC101/206)"),
    ("AAACACOG", "Azure Anomaly Detector EE (SEC101/207)"),
    ("AAADACOG", "Azure Anomaly Detector (SEC101/208)"),
    ("AAAEACOG", "Azure Cognitive Services (SEC101/209)"),
    ("AAAFACOG", "Azure Computer Vision (SEC101/210)"),
    ("AAAGACOG", "Azure Content Moderator (SEC101/211)"),
    ("AAAHACOG", "Azure Content Safety (SEC101/212)"),
    ("AAAIACOG", "Azure Custom Vision Prediction (SEC101/213)"),
    ("AAAJACOG", "Azure Custom Vision Training (SEC101/214)"),
    ("AAAKACOG", "Azure Face (SEC101/215)"),
    ("AAALACOG", "Azure Form Recognizer (SEC101/216)"),
    ("AAAMACOG", "Azure Health Decision Support (SEC101/217)"),
    ("AAANACOG", "Azure Health Insights (SEC101/218)"),
    ("AAAOACOG", "Azure Immersive Reader (SEC101/219)"),
    ("AAAPACOG", "Azure Internal All-In-One (SEC101/220)"),
    ("AAAQACOG", "Azure Knowledge (SEC101/221)"),
    ("AAARACOG", "Azure LUIS Authoring (SEC101/222)"),
    ("AAASACOG", "Azure LUIS (SEC101/223)"),
    ("AAATACOG", "Azure Metrics Advisor (SEC101/224)"),
    ("AAAUACOG", "Azure Personalizer (SEC101/225)"),
    ("AAAVACOG", "Azure QnA Maker (SEC101/226)"),
    ("AAAWACOG", "Azure QnA Maker v2 (SEC101/227)"),
    ("AAAXACOG", "Azure Speaker Recognition (SEC101/228)"),
    ("AAAYACOG", "Azure Speech Services (SEC101/229)"),
    ("AAAZACOG", "Azure Speech Translation (SEC101/230)"),
    ("AAAaACOG", "Azure Text Analytics (SEC101/231)"),
    ("AAAbACOG", "Azure Text Translation (SEC101/232)"),
    ("AAAcACOG", "Azure Dummy (SEC101/233)"),
    ("AAAdACOG", "Azure Transcription Intelligence (SEC101/234)"),
    ("AAAeACOG", "Azure Video Intelligence (SEC101/235)"),
    ("AAAfACOG", "Azure Bing Autosuggest (SEC101/236)"),
    ("AAAgACOG", "Azure Bing Autosuggest v7 (SEC101/237)"),
    ("AAAhACOG", "Azure Bing Custom Search (SEC101/238)"),
    ("AAAiACOG", "Azure Bing Custom Visual Search (SEC101/239)"),
    ("AAAjACOG", "Azure Bing Entity Search (SEC101/240)"),
    ("AAAkACOG", "Azure Bing Search (SEC101/241)"),
    ("AAAlACOG", "Azure Bing Search v7 (SEC101/242)"),
    ("AAAmACOG", "Azure Bing Speech (SEC101/243)"),
    ("AAAnACOG", "Azure Bing Spell Check (SEC101/244)"),
    ("AAAoACOG", "Azure Bing Spell Check v7 (SEC101/245)"),
];

/// A candidate with the CASK layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CaskMatch<'a> {
    /// The 4-character provider signature at offset 76, e.g. `"AZAC"` or `"ACOG"`.
    pub provider: &'a str,
    /// The full 8-character provider tag at offset 72, e.g. `"AAABACOG"` (Azure OpenAI).
    pub provider_tag: &'a str,
    /// The service the provider tag denotes, when security-utilities classifies it
    /// (e.g. `"Azure OpenAI (SEC101/206)"`); `None` for an unclassified CASK (SEC101/200).
    pub service: Option<&'static str>,
    /// The key kind character at offset 57: `'9'` access key, `'D'` derived, `'H'` hashed.
    pub key_kind: char,
    /// Whether this is the 88-character long form.
    pub long_form: bool,
    /// Whether the embedded checksum matches (see the module docs for the computation).
    pub checksum_verified: bool,
}

/// Whether `ch` is a base62 character.
fn is_base62(ch: u8) -> bool {
    ch.is_ascii_alphanumeric()
}

/// Writes `bytes`, read as one big-endian number, in base 62 (`0-9A-Za-z`), with one
/// leading `0` digit per leading zero byte (but never more than `len - 1` of them), as
/// the Base62 code vendored in security-utilities does.
fn base62_of_bytes(bytes: &[u8]) -> Vec<u8> {
    let leading_zeros = bytes
        .iter()
        .take_while(|&&b| b == 0)
        .count()
        .min(bytes.len().saturating_sub(1));
    let mut number: Vec<u32> = bytes.iter().map(|&b| u32::from(b)).collect();
    let mut digits: Vec<u8> = Vec::new();
    while !number.is_empty() {
        let mut quotient: Vec<u32> = Vec::with_capacity(number.len());
        let mut remainder = 0u32;
        for &value in &number {
            let accumulator = value + remainder * 256;
            let digit = accumulator / 62;
            remainder = accumulator % 62;
            if !quotient.is_empty() || digit > 0 {
                quotient.push(digit);
            }
        }
        digits.push(remainder as u8); // remainder < 62
        number = quotient;
    }
    digits.extend(std::iter::repeat_n(0, leading_zeros));
    digits
        .iter()
        .rev()
        .map(|&d| BASE62_DIGITS.get(usize::from(d)).copied().unwrap_or(b'0'))
        .collect()
}

/// The 6-bit value of a standard base64 character (`None` for anything else).
fn base64_value(ch: u8) -> Option<u8> {
    match ch {
        b'A'..=b'Z' => Some(ch - b'A'),
        b'a'..=b'z' => Some(ch - b'a' + 26),
        b'0'..=b'9' => Some(ch - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// The standard base64 character of a 6-bit value.
fn base64_char(value: u8) -> u8 {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    ALPHABET
        .get(usize::from(value & 0x3f))
        .copied()
        .unwrap_or(b'A')
}

/// The checksum of the first 80 characters of a CASK, as its 4 little-endian bytes.
fn checksum_bytes(checksummed: &str) -> Option<[u8; 4]> {
    let decoded = STANDARD.decode(checksummed).ok()?;
    Some(marvin32(&decoded, seed_from_name(SEED_NAME)).to_le_bytes())
}

/// The base62 checksum text of a key: 4 characters, or for the long form 6 + `==`.
fn base62_checksum_text(checksum: [u8; 4], long_form: bool) -> Vec<u8> {
    let mut digits = base62_of_bytes(&checksum);
    digits.resize(6, b'0');
    if long_form {
        // The 6th character shares its base64 group with padding: only its top 2 bits
        // survive a decode/encode round trip.
        if let Some(last) = digits.get_mut(5) {
            *last = base64_char(base64_value(*last).unwrap_or(0) & 0x30);
        }
        digits.extend_from_slice(b"==");
    } else {
        digits.truncate(4);
    }
    digits
}

/// Checks the CASK layout of `candidate` and reports what it says, including whether its
/// checksum matches; `None` when the text does not have the layout. Never panics.
///
/// The layout is that of security-utilities' SEC101/200 pattern: 84 characters
/// (`[A-Za-z0-9]{52}JQQJ9[9DH][A-Za-z0-9][A-L][A-Za-z0-9]{16}[A-Za-z][A-Za-z0-9]{7}`), or 88
/// with two more base62 characters and `==`. security-utilities itself classifies CASKs
/// by this layout alone; use [`validate_cask_key`] to also require the checksum.
#[must_use]
pub fn inspect_cask_key(candidate: &str) -> Option<CaskMatch<'_>> {
    let bytes = candidate.as_bytes();
    let long_form = match bytes.len() {
        STANDARD_LENGTH => false,
        LONG_LENGTH => true,
        _ => return None,
    };
    let (body, padding) = bytes
        .split_at_checked(LONG_LENGTH - 2)
        .unwrap_or((bytes, &[]));
    if !body.iter().all(|&ch| is_base62(ch)) || (long_form && padding != b"==") {
        return None;
    }
    if bytes.get(SIGNATURE_OFFSET..SIGNATURE_OFFSET + 5) != Some(b"JQQJ9") {
        return None;
    }
    let key_kind = *bytes.get(SIGNATURE_OFFSET + 5)?;
    if !matches!(key_kind, b'9' | b'D' | b'H') {
        return None;
    }
    if !matches!(bytes.get(SIGNATURE_OFFSET + 7), Some(b'A'..=b'L')) {
        return None;
    }
    if !bytes.get(PROVIDER_SIGNATURE_OFFSET)?.is_ascii_alphabetic() {
        return None;
    }

    let provider_tag = candidate.get(PROVIDER_TAG_OFFSET..CHECKSUM_OFFSET)?;
    let provider = candidate.get(PROVIDER_SIGNATURE_OFFSET..CHECKSUM_OFFSET)?;
    let service = KNOWN_PROVIDER_TAGS
        .iter()
        .find(|(tag, _)| *tag == provider_tag)
        .map(|&(_, service)| service);

    let checksum_verified = checksum_bytes(candidate.get(..CHECKSUM_OFFSET)?)
        .zip(bytes.get(CHECKSUM_OFFSET..))
        .is_some_and(|(checksum, stored)| {
            let plain_length = if long_form { 4 } else { 3 };
            let plain = checksum
                .get(..plain_length)
                .map(|part| STANDARD.encode(part))
                .unwrap_or_default();
            base62_checksum_text(checksum, long_form) == stored || plain.as_bytes() == stored
        });

    Some(CaskMatch {
        provider,
        provider_tag,
        service,
        key_kind: char::from(key_kind),
        long_form,
        checksum_verified,
    })
}

/// Validates `candidate` (the exact key text) as a CASK with a matching checksum.
///
/// Returns `None` when the layout is wrong or the checksum does not match; a returned
/// match always has `checksum_verified == true`. Never panics.
#[must_use]
pub fn validate_cask_key(candidate: &str) -> Option<CaskMatch<'_>> {
    inspect_cask_key(candidate).filter(|found| found.checksum_verified)
}

/// Builds an 84-character CASK access key with a valid checksum, for tests and fixtures.
///
/// `provider_tag` is the 8-character tag at offset 72 (e.g. `"AAAAAZAC"`); characters
/// that are not base62 are replaced by `A`, and the tag is cut or padded with `A` to 8
/// characters (if its 5th character is not a letter the result is not a valid CASK).
/// Each byte of `random` picks one base62 character of the secret part and the platform
/// data (byte modulo 62) and the month of the date; bytes are used in order and
/// repeated as needed (an empty slice gives `A`s), so the output is a pure function of
/// the arguments. The date's year character is always `A` (2024).
#[must_use]
pub fn generate_cask_key(provider_tag: &str, random: &[u8]) -> String {
    let mut key = cask_body(provider_tag, random);
    if let Some(checksum) = checksum_bytes(&key) {
        key.extend(
            base62_checksum_text(checksum, false)
                .iter()
                .map(|&b| char::from(b)),
        );
    }
    key
}

/// Builds the 88-character long form of [`generate_cask_key`]'s key (same first 80
/// characters, full checksum, `==`).
#[must_use]
pub fn generate_cask_key_long_form(provider_tag: &str, random: &[u8]) -> String {
    let mut key = cask_body(provider_tag, random);
    if let Some(checksum) = checksum_bytes(&key) {
        key.extend(
            base62_checksum_text(checksum, true)
                .iter()
                .map(|&b| char::from(b)),
        );
    }
    key
}

/// The first 80 characters of a generated CASK (everything the checksum covers).
fn cask_body(provider_tag: &str, random: &[u8]) -> String {
    let mut material = random.iter().copied().cycle();
    let mut next = move || material.next().unwrap_or(0);
    let mut pick = || {
        BASE62_ALPHABET
            .get(usize::from(next()) % BASE62_ALPHABET.len())
            .copied()
            .unwrap_or(b'A')
    };
    let mut key: Vec<u8> = Vec::with_capacity(LONG_LENGTH);
    key.extend((0..SIGNATURE_OFFSET).map(|_| pick()));
    key.extend_from_slice(b"JQQJ99A");
    let month = pick() % 12; // any byte value; only its residue matters
    key.push(b'A' + month);
    key.extend((0..12).map(|_| pick()));
    let tag = provider_tag
        .bytes()
        .map(|ch| if is_base62(ch) { ch } else { b'A' })
        .chain(std::iter::repeat(b'A'))
        .take(8);
    key.extend(tag);
    key.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests opt out: a panic is a failed test
mod tests {
    use super::*;

    const RANDOM: &[u8] = b"fixture material, not a secret: 0123456789abcdefghijklmnopqrstuvwxyz";

    #[test]
    fn base62_matches_the_vendored_conversion() {
        assert_eq!(base62_of_bytes(&[0, 0, 0, 0]), b"0000");
        assert_eq!(base62_of_bytes(&[0, 0, 0, 61]), b"000z");
        assert_eq!(base62_of_bytes(&[0, 0, 0, 62]), b"00010");
        assert_eq!(base62_of_bytes(&[0xff, 0xff, 0xff, 0xff]), b"4gfFC3");
        // 2883656711 = 0xabe1_1c07; "399Wq7" per CustomAlphabetEncoderTests.cs (base62 default).
        assert_eq!(base62_of_bytes(&[0xab, 0xe1, 0x1c, 0x07]), b"399Wq7");
    }

    #[test]
    fn generated_keys_validate_for_known_providers() {
        for (tag, service) in KNOWN_PROVIDER_TAGS {
            let key = generate_cask_key(tag, RANDOM);
            assert_eq!(key.len(), STANDARD_LENGTH);
            let found = validate_cask_key(&key).unwrap_or_else(|| panic!("{key}"));
            assert_eq!(found.provider_tag, *tag);
            assert_eq!(found.provider, &tag[4..]);
            assert_eq!(found.service, Some(*service));
            assert_eq!(found.key_kind, '9');
            assert!(!found.long_form);

            let long = generate_cask_key_long_form(tag, RANDOM);
            assert_eq!(long.len(), LONG_LENGTH);
            assert_eq!(&long[..80], &key[..80]);
            let found = validate_cask_key(&long).unwrap_or_else(|| panic!("{long}"));
            assert!(found.long_form && found.checksum_verified);
            // The long form decodes as base64 (its last group is canonical).
            assert_eq!(STANDARD.decode(&long).map(|b| b.len()), Ok(64));
        }
    }

    #[test]
    fn unknown_provider_is_unclassified() {
        let key = generate_cask_key("AAAAZZZZ", RANDOM);
        let found = validate_cask_key(&key).unwrap();
        assert_eq!((found.provider, found.service), ("ZZZZ", None));
    }

    #[test]
    fn any_single_character_change_breaks_the_checksum_or_layout() {
        for key in [
            generate_cask_key("AAAAAZAC", RANDOM),
            generate_cask_key_long_form("AAABACOG", RANDOM),
        ] {
            for position in 0..key.trim_end_matches('=').len() {
                let mut bytes = key.clone().into_bytes();
                bytes[position] = if bytes[position] == b'x' { b'y' } else { b'x' };
                let changed = String::from_utf8(bytes).unwrap();
                assert_eq!(validate_cask_key(&changed), None, "@{position}");
                // Layout-only inspection still recognises changes outside the fixed parts.
                if !(52..60).contains(&position) && position != 76 {
                    let inspected = inspect_cask_key(&changed).unwrap();
                    assert!(!inspected.checksum_verified, "@{position}");
                }
            }
        }
    }

    #[test]
    fn wrong_seed_invalidates() {
        let key = generate_cask_key("AAAAAZEG", RANDOM);
        let decoded = STANDARD.decode(&key[..80]).unwrap();
        let other = marvin32(&decoded, seed_from_name("Default1")).to_le_bytes();
        let resealed = format!(
            "{}{}",
            &key[..80],
            String::from_utf8(base62_checksum_text(other, false)).unwrap()
        );
        assert_ne!(resealed, key);
        assert!(!inspect_cask_key(&resealed).unwrap().checksum_verified);
    }

    #[test]
    fn plain_base64_checksum_is_accepted() {
        let key = generate_cask_key("AAAAAZDO", RANDOM);
        let checksum = checksum_bytes(&key[..80]).unwrap();
        let plain = STANDARD.encode(&checksum[..3]);
        if plain.bytes().all(is_base62) {
            let variant = format!("{}{}", &key[..80], plain);
            assert!(validate_cask_key(&variant).is_some());
        }
    }

    #[test]
    fn garbage_never_panics() {
        let inputs = [
            String::new(),
            "JQQJ".repeat(21),
            "é".repeat(42),
            format!("{}JQQJ99AE{}", "a".repeat(52), "é".repeat(12)),
            format!("{}JQQJ99AE{}==", "a".repeat(52), "A".repeat(26)),
        ];
        for input in &inputs {
            assert_eq!(validate_cask_key(input), None, "{input:?}");
        }
        for len in 0..80 {
            let random: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let key = generate_cask_key("é", &random);
            assert_eq!(key.len(), STANDARD_LENGTH);
        }
    }
}
