//! Marvin32, the seeded hash .NET uses for string hashing (`Marvin.ComputeHash32`) and
//! that Microsoft uses to checksum its "identifiable" credentials.
//!
//! This module owns the hash itself and the derivation of a 64-bit seed from an
//! 8-character ASCII name (HIS v1 `ComputeHisV1ChecksumSeed`). It is written from the
//! published description of the algorithm:
//!
//! * the 64-bit seed is split into `p0` (low 32 bits) and `p1` (high 32 bits);
//! * the input is consumed as little-endian `u32` blocks, each added to `p0` and
//!   followed by one round of the block mix;
//! * the 0–3 trailing bytes are padded with a single `0x80` byte and zeros into one
//!   last `u32`, which is added to `p0` and mixed; then one more mix with nothing added;
//! * the 64-bit result is `p1 << 32 | p0`, the 32-bit result `p0 ^ p1`.
//!
//! Nothing here can panic, whatever the input.

/// One round of the Marvin block mix over the two 32-bit state words.
fn mix(p0: u32, p1: u32) -> (u32, u32) {
    let mut p0 = p0;
    let mut p1 = p1 ^ p0;
    p0 = p0.rotate_left(20).wrapping_add(p1);
    p1 = p1.rotate_left(9) ^ p0;
    p0 = p0.rotate_left(27).wrapping_add(p1);
    p1 = p1.rotate_left(19);
    (p0, p1)
}

/// Runs Marvin over `data` and returns the final state words `(p0, p1)`.
fn marvin_state(data: &[u8], seed: u64) -> (u32, u32) {
    // Truncations are the point here: the seed's low and high halves.
    let mut p0 = (seed & 0xffff_ffff) as u32;
    let mut p1 = (seed >> 32) as u32;

    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let word = block
            .iter()
            .rev()
            .fold(0u32, |acc, &byte| (acc << 8) | u32::from(byte));
        p0 = p0.wrapping_add(word);
        (p0, p1) = mix(p0, p1);
    }

    // Tail: the remaining 0..=3 bytes, little-endian, followed by a 0x80 marker byte.
    let tail = blocks.remainder();
    let marker_shift = 8 * tail.len() as u32; // at most 24
    let last = tail
        .iter()
        .rev()
        .fold(0u32, |acc, &byte| (acc << 8) | u32::from(byte))
        | (0x80u32 << marker_shift);
    p0 = p0.wrapping_add(last);
    (p0, p1) = mix(p0, p1);
    mix(p0, p1)
}

/// Marvin hash of `data` with `seed`, as the 64-bit value `(p1 << 32) | p0`.
///
/// This is what .NET's `Marvin.ComputeHash` returns (reinterpreted as unsigned); it is
/// exposed mainly so the published 64-bit test vectors can be checked.
#[must_use]
pub fn marvin64(data: &[u8], seed: u64) -> u64 {
    let (p0, p1) = marvin_state(data, seed);
    (u64::from(p1) << 32) | u64::from(p0)
}

/// Marvin32 checksum of `data` with `seed`: `p0 ^ p1` of the final state.
///
/// Equals .NET's `Marvin.ComputeHash32` reinterpreted as unsigned (`as u32`); Microsoft
/// identifiable keys store it little-endian in their last 4 decoded bytes.
#[must_use]
pub fn marvin32(data: &[u8], seed: u64) -> u32 {
    let (p0, p1) = marvin_state(data, seed);
    p0 ^ p1
}

/// Builds a HIS v1 checksum seed from a readable name such as `"Default0"`.
///
/// The name's ASCII bytes are read as a big-endian integer, so the first character
/// ends up in the most significant byte: `"Default0"` gives `0x44656661756c7430`. This is
/// what security-utilities' `ComputeHisV1ChecksumSeed` produces (it reverses the bytes
/// and reads them little-endian). Real seed names are exactly 8 ASCII characters; for
/// robustness a shorter name is padded on the right with zero bytes and only the first
/// 8 bytes of a longer one are used.
#[must_use]
pub fn seed_from_name(name: &str) -> u64 {
    let mut bytes = [0u8; 8];
    for (slot, byte) in bytes.iter_mut().zip(name.bytes()) {
        *slot = byte;
    }
    u64::from_be_bytes(bytes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests opt out: a panic is a failed test
mod tests {
    use super::*;

    // The full published vector set lives in tests/data/checksum-vectors.json (checked
    // by tests/it/checksum.rs); these are a few anchors so the module stands on its own.

    #[test]
    fn symcrypt_reference_vectors() {
        // SymCrypt marvin32.c self-test, as quoted by microsoft/security-utilities MarvinTests.cs.
        assert_eq!(
            marvin64(b"abc", 0xd53c_d9ce_cd08_93b7),
            0x22c7_4339_4927_69bf
        );
        assert_eq!(
            marvin64(b"abcdefghijklmnopqrstuvwxyz", 0x0ddd_deee_efff_f000),
            0xa128_eb7e_7260_aca2
        );
    }

    #[test]
    fn every_tail_length_is_covered() {
        // skeeto/marvin32 vectors (seed 0x004fb61a001bdbcc), via security-utilities MarvinShared.cs.
        let seed = 0x004f_b61a_001b_dbcc;
        let cases: [(&[u8], u64); 5] = [
            (&[], 0x30ed_35c1_00cd_3c7d),
            (&[0xaf], 0x48e7_3fc7_7d75_ddc1),
            (&[0xe7, 0x0f], 0xb5f6_e1fc_485d_bff8),
            (&[0x37, 0xf4, 0x95], 0xf0b0_7c78_9b8c_f7e8),
            (&[0x86, 0x42, 0xdc, 0x59], 0x7008_f2e8_7e9c_f556),
        ];
        for (input, expected) in cases {
            assert_eq!(marvin64(input, seed), expected, "input {input:02x?}");
        }
    }

    #[test]
    fn marvin32_folds_the_64_bit_hash() {
        let data = b"The quick brown fox";
        for seed in [0, 1, u64::MAX, seed_from_name("Default0")] {
            let wide = marvin64(data, seed);
            let folded = ((wide >> 32) ^ (wide & 0xffff_ffff)) as u32;
            assert_eq!(marvin32(data, seed), folded);
        }
    }

    #[test]
    fn seed_names_read_big_endian() {
        // Constants from security-utilities IdentifiableMetadata.cs / IdentifiableSecretsTests.cs.
        assert_eq!(seed_from_name("Default0"), 0x4465_6661_756c_7430);
        assert_eq!(seed_from_name("ROSeed00"), 0x524f_5365_6564_3030);
        assert_eq!(seed_from_name("AadPwd00"), 0x4161_6450_7764_3030);
    }

    #[test]
    fn seed_from_odd_names_does_not_panic() {
        assert_eq!(seed_from_name(""), 0);
        assert_eq!(seed_from_name("A"), 0x4100_0000_0000_0000);
        assert_eq!(
            seed_from_name("Default0andMore"),
            seed_from_name("Default0")
        );
    }
}
