//! Microsoft Entra ID (Azure AD) client secrets, rule SEC101/156.
//!
//! This module owns the checksum of current client secrets and a deterministic
//! generator for fixtures. Facts from microsoft/security-utilities
//! (`IdentifiableMetadata.IsAzureAadClientAppIdentifiableSecret`, `CustomAlphabetEncoder`,
//! `SEC101_156_AzureClientAppIdentifiableCredentials.cs`):
//!
//! * alphabet `[A-Za-z0-9._~-]`; characters 3..6 are the signature `8Q~` (current) or
//!   `7Q~` (legacy);
//! * current secrets are 40 characters; the last 3 are the first 3 characters of
//!   `Marvin32(latin1(secret[..37]), seed "AadPwd00")` as `u32`, written in base 66 with the
//!   alphabet `abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890.-_~`, most
//!   significant digit first, left-padded with `a` to 6 digits;
//! * legacy secrets are 37 characters and carry no checksum.

use super::marvin::{marvin32, seed_from_name};

/// Digits of the base-66 checksum encoding (note `1`…`9` then `0`).
const CHECKSUM_ALPHABET: &[u8; 66] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890.-_~";
/// Seed name of the client-secret checksum.
const SEED_NAME: &str = "AadPwd00";
/// Length of a current (`8Q~`) secret.
const CURRENT_LENGTH: usize = 40;
/// Length of a legacy (`7Q~`) secret.
const LEGACY_LENGTH: usize = 37;
/// Characters of the checksum kept at the end of a current secret.
const CHECKSUM_CHARS: usize = 3;

/// Outcome of [`validate_entra_secret`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntraSecretCheck {
    /// A 40-character `8Q~` secret whose checksum matches: almost certainly a real secret.
    ValidChecksum,
    /// A well-formed 37-character `7Q~` secret; this format has no checksum to verify.
    LegacyNoChecksum,
    /// Not a client secret: wrong length, alphabet or signature, or a bad checksum.
    Invalid,
}

/// Whether `ch` belongs to the client-secret alphabet `[A-Za-z0-9._~-]`.
fn is_secret_char(ch: u8) -> bool {
    ch.is_ascii_alphanumeric() || matches!(ch, b'.' | b'_' | b'~' | b'-')
}

/// Encodes `value` in base 66 with the client-secret alphabet, most significant digit
/// first, left-padded with `a` (digit zero) to 6 digits.
///
/// A `u32` needs at most 6 base-66 digits, so the result is always 6 characters. This is
/// security-utilities' `CustomAlphabetEncoder.Encode` with the client-secret alphabet.
#[must_use]
pub fn encode_entra_checksum(value: u32) -> String {
    let mut digits = [b'a'; 6];
    let mut rest = value;
    for slot in digits.iter_mut().rev() {
        let index = (rest % 66) as usize;
        *slot = CHECKSUM_ALPHABET.get(index).copied().unwrap_or(b'a');
        rest /= 66;
    }
    digits.iter().map(|&b| char::from(b)).collect()
}

/// The 3 checksum characters a current secret must end with, given its first 37 chars.
fn expected_checksum_chars(prefix: &[u8]) -> String {
    // The alphabet is ASCII, so the bytes are already the Latin-1 encoding.
    let checksum = marvin32(prefix, seed_from_name(SEED_NAME));
    encode_entra_checksum(checksum)
        .chars()
        .take(CHECKSUM_CHARS)
        .collect()
}

/// Classifies `candidate` (the exact secret text, nothing around it) as an Entra client
/// secret. Never panics.
#[must_use]
pub fn validate_entra_secret(candidate: &str) -> EntraSecretCheck {
    let bytes = candidate.as_bytes();
    if !bytes.iter().all(|&ch| is_secret_char(ch)) {
        return EntraSecretCheck::Invalid;
    }
    match (bytes.len(), bytes.get(3..6)) {
        (CURRENT_LENGTH, Some(b"8Q~")) => {
            let Some((prefix, checksum)) = bytes.split_at_checked(CURRENT_LENGTH - CHECKSUM_CHARS)
            else {
                return EntraSecretCheck::Invalid;
            };
            if expected_checksum_chars(prefix).as_bytes() == checksum {
                EntraSecretCheck::ValidChecksum
            } else {
                EntraSecretCheck::Invalid
            }
        }
        (LEGACY_LENGTH, Some(b"7Q~")) => EntraSecretCheck::LegacyNoChecksum,
        _ => EntraSecretCheck::Invalid,
    }
}

/// Builds a 40-character `8Q~` client secret with a valid checksum, for tests and
/// fixtures.
///
/// Each byte of `random` picks one character of `[A-Za-z0-9._~-]` (byte modulo 66);
/// the bytes are used in order and repeated when fewer than 34 are given (an empty
/// slice gives `a`s), so the output is a pure function of `random`.
#[must_use]
pub fn generate_entra_secret(random: &[u8]) -> String {
    let mut material = random.iter().copied().cycle();
    let mut pick = || {
        let byte = material.next().unwrap_or(0);
        CHECKSUM_ALPHABET
            .get(usize::from(byte) % CHECKSUM_ALPHABET.len())
            .copied()
            .unwrap_or(b'a')
    };
    let mut secret: Vec<u8> = Vec::with_capacity(CURRENT_LENGTH);
    secret.extend((0..3).map(|_| pick()));
    secret.extend_from_slice(b"8Q~");
    secret.extend((0..CURRENT_LENGTH - CHECKSUM_CHARS - 6).map(|_| pick()));
    let checksum = expected_checksum_chars(&secret);
    let mut text: String = secret.iter().map(|&b| char::from(b)).collect();
    text.push_str(&checksum);
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests opt out: a panic is a failed test
mod tests {
    use super::*;

    const RANDOM: &[u8] = b"fixture material, not a secret: 0123456789";

    #[test]
    fn encoder_matches_security_utilities_vectors() {
        // CustomAlphabetEncoderTests.cs, password alphabet cases.
        assert_eq!(encode_entra_checksum(956_747_778), "aYB6eE");
        assert_eq!(encode_entra_checksum(1_179_413_251), "a.kybX");
        assert_eq!(encode_entra_checksum(0), "aaaaaa");
        assert_eq!(encode_entra_checksum(u32::MAX).len(), 6);
    }

    #[test]
    fn generated_secrets_validate() {
        for len in 0..80 {
            let random: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let secret = generate_entra_secret(&random);
            assert_eq!(secret.len(), CURRENT_LENGTH);
            assert_eq!(&secret[3..6], "8Q~");
            assert_eq!(
                validate_entra_secret(&secret),
                EntraSecretCheck::ValidChecksum,
                "{secret}"
            );
        }
    }

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(generate_entra_secret(RANDOM), generate_entra_secret(RANDOM));
        assert_ne!(
            generate_entra_secret(RANDOM),
            generate_entra_secret(b"other")
        );
    }

    #[test]
    fn any_single_character_change_invalidates() {
        let secret = generate_entra_secret(RANDOM);
        for position in 0..secret.len() {
            let mut bytes = secret.clone().into_bytes();
            bytes[position] = if bytes[position] == b'x' { b'y' } else { b'x' };
            let changed = String::from_utf8(bytes).unwrap();
            assert_eq!(
                validate_entra_secret(&changed),
                EntraSecretCheck::Invalid,
                "@{position}"
            );
        }
    }

    #[test]
    fn legacy_secrets_have_no_checksum() {
        let legacy = format!("abc7Q~{}", "d".repeat(31));
        assert_eq!(
            validate_entra_secret(&legacy),
            EntraSecretCheck::LegacyNoChecksum
        );
        // A current-format signature at the legacy length, or the reverse, is invalid.
        let mixed = format!("abc8Q~{}", "d".repeat(31));
        assert_eq!(validate_entra_secret(&mixed), EntraSecretCheck::Invalid);
        let current = generate_entra_secret(RANDOM).replacen("8Q~", "7Q~", 1);
        assert_eq!(validate_entra_secret(&current), EntraSecretCheck::Invalid);
    }

    #[test]
    fn wrong_seed_invalidates() {
        let secret = generate_entra_secret(RANDOM);
        let prefix = &secret.as_bytes()[..37];
        let other = encode_entra_checksum(marvin32(prefix, seed_from_name("Default0")));
        let resealed = format!("{}{}", &secret[..37], &other[..3]);
        if resealed != secret {
            assert_eq!(validate_entra_secret(&resealed), EntraSecretCheck::Invalid);
        }
    }

    #[test]
    fn garbage_never_panics() {
        for input in [
            "",
            "8Q~",
            "ab8Q~",
            &"é".repeat(20),
            &"~".repeat(40),
            "abc8Q~\u{0}",
        ] {
            assert_eq!(
                validate_entra_secret(input),
                EntraSecretCheck::Invalid,
                "{input:?}"
            );
        }
    }
}
