//! Microsoft "identifiable keys" (HIS v1): base64 keys whose encoded text carries a fixed
//! 4-character signature and whose last 4 decoded bytes are a Marvin32 checksum.
//!
//! This module owns the per-service key formats (signature, decoded length, base64
//! alphabet, checksum seed names), validation of a candidate string, and a deterministic
//! generator for test fixtures. The facts come from microsoft/security-utilities
//! (`IdentifiableSecrets.cs`, `IdentifiableMetadata.cs` and the `SEC101_*` classes):
//!
//! * the key is `n` random bytes whose last 4 bytes are replaced by
//!   `marvin32(bytes[..n - 4], seed)` little-endian, and whose preceding bits are
//!   overwritten so that the encoded text shows the signature at
//!   `unpadded_length - 6 - 4` (any bits between the signature and the checksum are 0);
//! * `n` is 32 (44 chars with `=`), 64 (88 chars with `==`), 39 (52 chars, ACR and
//!   Search) or 40 (56 chars with `==`, Functions, base64url);
//! * the seed is [`seed_from_name`] of an 8-character name, e.g. `"Default0"`.
//!
//! Several kinds of key share one signature (IoT hub / DPS / device, Search query /
//! admin, the four APIM keys, the messaging key roles): only the seed tells them apart,
//! so a match reports which seed name verified the checksum.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

use super::marvin::{marvin32, seed_from_name};

/// Size in bytes of the Marvin32 checksum at the end of a decoded key.
const CHECKSUM_BYTES: usize = 4;
/// Encoded characters that follow the signature (they carry the checksum).
const ENCODED_CHECKSUM_CHARS: usize = 6;
/// Encoded characters of a signature.
const SIGNATURE_CHARS: usize = 4;

/// Services whose keys are Microsoft identifiable keys with a Marvin32 checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdentifiableKind {
    /// Azure Storage account key: `+ASt`, 64 bytes / 88 chars (SEC101/152).
    StorageAccount,
    /// Azure Cosmos DB key: `ACDb`, 64 bytes / 88 chars (SEC101/160).
    CosmosDb,
    /// Azure Batch account key: `+ABa`, 64 bytes / 88 chars (SEC101/163).
    Batch,
    /// Azure API Management key: `APIM`, 64 bytes / 88 chars (SEC101/181–184, by seed).
    Apim,
    /// Azure Service Bus SAS key: `+ASb`, 32 bytes / 44 chars (SEC101/171).
    ServiceBus,
    /// Azure Event Hubs SAS key: `+AEh`, 32 bytes / 44 chars (SEC101/172).
    EventHubs,
    /// Azure Relay SAS key: `+ARm`, 32 bytes / 44 chars (SEC101/173).
    Relay,
    /// Azure IoT hub, DPS or device key: `AIoT`, 32 bytes / 44 chars (SEC101/178–180, by seed).
    IotHub,
    /// Azure Cache for Redis access key: `AzCa`, 32 bytes / 44 chars (SEC101/154).
    CacheForRedis,
    /// Azure Event Grid (non-CASK) access key: `AZEG`, 32 bytes / 44 chars (SEC101/199).
    EventGrid,
    /// Azure Container Registry key: `+ACR`, 39 bytes / 52 chars, no padding (SEC101/176).
    ContainerRegistry,
    /// Azure AI Search query or admin key: `AzSe`, 39 bytes / 52 chars (SEC101/166–167, by seed).
    Search,
    /// Azure Functions key: `AzFu`, 40 bytes / 56 chars, base64url (SEC101/158).
    Functions,
    /// Azure ML web service (classic) key: `+AMC`, 64 bytes / 88 chars (SEC101/170).
    MlWebServiceClassic,
}

impl IdentifiableKind {
    /// Every kind, in a fixed order.
    pub const ALL: [IdentifiableKind; 14] = [
        IdentifiableKind::StorageAccount,
        IdentifiableKind::CosmosDb,
        IdentifiableKind::Batch,
        IdentifiableKind::Apim,
        IdentifiableKind::ServiceBus,
        IdentifiableKind::EventHubs,
        IdentifiableKind::Relay,
        IdentifiableKind::IotHub,
        IdentifiableKind::CacheForRedis,
        IdentifiableKind::EventGrid,
        IdentifiableKind::ContainerRegistry,
        IdentifiableKind::Search,
        IdentifiableKind::Functions,
        IdentifiableKind::MlWebServiceClassic,
    ];

    /// The 4-character signature that sits just before the encoded checksum.
    #[must_use]
    pub fn signature(self) -> &'static str {
        match self {
            IdentifiableKind::StorageAccount => "+ASt",
            IdentifiableKind::CosmosDb => "ACDb",
            IdentifiableKind::Batch => "+ABa",
            IdentifiableKind::Apim => "APIM",
            IdentifiableKind::ServiceBus => "+ASb",
            IdentifiableKind::EventHubs => "+AEh",
            IdentifiableKind::Relay => "+ARm",
            IdentifiableKind::IotHub => "AIoT",
            IdentifiableKind::CacheForRedis => "AzCa",
            IdentifiableKind::EventGrid => "AZEG",
            IdentifiableKind::ContainerRegistry => "+ACR",
            IdentifiableKind::Search => "AzSe",
            IdentifiableKind::Functions => "AzFu",
            IdentifiableKind::MlWebServiceClassic => "+AMC",
        }
    }

    /// Length of the decoded key in bytes (checksum included).
    #[must_use]
    pub fn key_length_bytes(self) -> usize {
        match self {
            IdentifiableKind::StorageAccount
            | IdentifiableKind::CosmosDb
            | IdentifiableKind::Batch
            | IdentifiableKind::Apim
            | IdentifiableKind::MlWebServiceClassic => 64,
            IdentifiableKind::ServiceBus
            | IdentifiableKind::EventHubs
            | IdentifiableKind::Relay
            | IdentifiableKind::IotHub
            | IdentifiableKind::CacheForRedis
            | IdentifiableKind::EventGrid => 32,
            IdentifiableKind::ContainerRegistry | IdentifiableKind::Search => 39,
            IdentifiableKind::Functions => 40,
        }
    }

    /// Whether the key is base64url (`-` `_`) rather than standard base64 (`+` `/`).
    ///
    /// security-utilities generates Functions and Search keys URL-safe; Search keys
    /// seen in practice are alphanumeric, so the difference rarely shows.
    #[must_use]
    pub fn is_url_safe(self) -> bool {
        matches!(self, IdentifiableKind::Functions | IdentifiableKind::Search)
    }

    /// Encoded length without `=` padding.
    #[must_use]
    pub fn unpadded_length(self) -> usize {
        (self.key_length_bytes() * 8).div_ceil(6)
    }

    /// Encoded length with `=` padding (what the services hand out).
    #[must_use]
    pub fn padded_length(self) -> usize {
        self.key_length_bytes().div_ceil(3) * 4
    }

    /// Names of the checksum seeds this kind's keys may use (see [`seed_from_name`]), in
    /// the order validation tries them.
    #[must_use]
    pub fn seed_names(self) -> &'static [&'static str] {
        match self {
            IdentifiableKind::StorageAccount => &["Default0"],
            IdentifiableKind::CosmosDb => &[
                "MastRW00", "MastRO00", "SysAll00", "SystRW00", "SystRO00", "Resour00", "Encryp00",
            ],
            IdentifiableKind::Batch => &["AbAcct00"],
            IdentifiableKind::Apim => &["Tenant00", "IoTHub00", "Gatewy00", "GitKey00"],
            IdentifiableKind::ServiceBus
            | IdentifiableKind::EventHubs
            | IdentifiableKind::Relay => {
                &["Send0000", "Listen00", "Manage00", "System00", "Unknown0"]
            }
            IdentifiableKind::IotHub => &["IoTHub00", "DpsKey00", "Device00"],
            IdentifiableKind::CacheForRedis => &["Access00"],
            // security-utilities' SEC101/199 class uses "SendRecv"; its Rust test vector
            // verifies with "Default0" (see tests/data/checksum-vectors.json). Accept both.
            IdentifiableKind::EventGrid => &["SendRecv", "Default0"],
            IdentifiableKind::ContainerRegistry => &["ACRDflt0"],
            IdentifiableKind::Search => &["Query000", "PAdmin00"],
            IdentifiableKind::Functions => &["Functi00", "Master00", "System00"],
            IdentifiableKind::MlWebServiceClassic => &["Classic0"],
        }
    }
}

/// A candidate that is a valid identifiable key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdentifiableMatch {
    /// The service the signature belongs to.
    pub kind: IdentifiableKind,
    /// The seed name whose checksum matched, e.g. `"PAdmin00"` (a Search admin key) or
    /// `"Device00"` (an IoT device key). Use it to tell apart kinds sharing a signature.
    pub seed_name: &'static str,
}

impl IdentifiableMatch {
    /// The security-utilities rule id for this key, e.g. `"SEC101/152"`.
    ///
    /// Kinds that share a signature get the id of the variant the seed identifies
    /// (Search query `SEC101/166` vs admin `SEC101/167`, IoT hub/DPS/device
    /// `SEC101/178`/`179`/`180`, APIM `SEC101/181`–`184`).
    #[must_use]
    pub fn rule_id(&self) -> &'static str {
        match (self.kind, self.seed_name) {
            (IdentifiableKind::StorageAccount, _) => "SEC101/152",
            (IdentifiableKind::CacheForRedis, _) => "SEC101/154",
            (IdentifiableKind::Functions, _) => "SEC101/158",
            (IdentifiableKind::CosmosDb, _) => "SEC101/160",
            (IdentifiableKind::Batch, _) => "SEC101/163",
            (IdentifiableKind::Search, "PAdmin00") => "SEC101/167",
            (IdentifiableKind::Search, _) => "SEC101/166",
            (IdentifiableKind::MlWebServiceClassic, _) => "SEC101/170",
            (IdentifiableKind::ServiceBus, _) => "SEC101/171",
            (IdentifiableKind::EventHubs, _) => "SEC101/172",
            (IdentifiableKind::Relay, _) => "SEC101/173",
            (IdentifiableKind::ContainerRegistry, _) => "SEC101/176",
            (IdentifiableKind::IotHub, "DpsKey00") => "SEC101/179",
            (IdentifiableKind::IotHub, "Device00") => "SEC101/180",
            (IdentifiableKind::IotHub, _) => "SEC101/178",
            (IdentifiableKind::Apim, "IoTHub00") => "SEC101/182",
            (IdentifiableKind::Apim, "Gatewy00") => "SEC101/183",
            (IdentifiableKind::Apim, "GitKey00") => "SEC101/184",
            (IdentifiableKind::Apim, _) => "SEC101/181",
            (IdentifiableKind::EventGrid, _) => "SEC101/199",
        }
    }
}

/// The 6-bit value of a base64 character, in the standard or URL-safe alphabet.
fn sextet(ch: u8, url_safe: bool) -> Option<u8> {
    match ch {
        b'A'..=b'Z' => Some(ch - b'A'),
        b'a'..=b'z' => Some(ch - b'a' + 26),
        b'0'..=b'9' => Some(ch - b'0' + 52),
        b'+' if !url_safe => Some(62),
        b'/' if !url_safe => Some(63),
        b'-' if url_safe => Some(62),
        b'_' if url_safe => Some(63),
        _ => None,
    }
}

/// Validates `candidate` (the exact key text, nothing around it) as an identifiable key.
///
/// Checks, in order: length (padded, or with the `=` padding left off), the signature
/// at `unpadded_length - 6 - 4`, the base64 alphabet of the kind (standard keys may not
/// contain `-`/`_`, URL-safe keys may not contain `+`/`/`), canonical decoding, and the
/// Marvin32 checksum against each of the kind's seeds. Returns `None` when any check
/// fails. Never panics.
#[must_use]
pub fn validate_identifiable_key(candidate: &str) -> Option<IdentifiableMatch> {
    IdentifiableKind::ALL
        .iter()
        .find_map(|&kind| validate_identifiable_key_as(kind, candidate))
}

/// Like [`validate_identifiable_key`], but only tries `kind`.
#[must_use]
pub fn validate_identifiable_key_as(
    kind: IdentifiableKind,
    candidate: &str,
) -> Option<IdentifiableMatch> {
    let body = candidate.trim_end_matches('=');
    let padding = candidate.len() - body.len();
    let unpadded = kind.unpadded_length();
    if body.len() != unpadded || (padding != 0 && padding != kind.padded_length() - unpadded) {
        return None;
    }

    let signature_start = unpadded.checked_sub(ENCODED_CHECKSUM_CHARS + SIGNATURE_CHARS)?;
    let signature = body.get(signature_start..signature_start + SIGNATURE_CHARS)?;
    if signature != kind.signature() {
        return None;
    }

    let url_safe = kind.is_url_safe();
    if !body.bytes().all(|ch| sextet(ch, url_safe).is_some()) {
        return None;
    }

    let engine = if url_safe {
        &URL_SAFE_NO_PAD
    } else {
        &STANDARD_NO_PAD
    };
    let bytes = engine.decode(body).ok()?;
    if bytes.len() != kind.key_length_bytes() {
        return None;
    }
    let (data, stored) = bytes.split_at_checked(bytes.len().checked_sub(CHECKSUM_BYTES)?)?;
    let stored = u32::from_le_bytes(stored.try_into().ok()?);

    kind.seed_names()
        .iter()
        .find(|name| marvin32(data, seed_from_name(name)) == stored)
        .map(|&seed_name| IdentifiableMatch { kind, seed_name })
}

/// Builds a well-formed identifiable key of `kind` for tests and fixtures.
///
/// `random` supplies the key material: its bytes are used in order, repeated if it is
/// shorter than the key (an empty slice gives all-zero material), so the output is a
/// pure function of the arguments. The signature and the checksum (seeded with
/// [`seed_from_name`]`(seed_name)`) are then written exactly as security-utilities'
/// `GenerateBase64KeyHelper` does, and the result is encoded with `=` padding (URL-safe
/// alphabet for [`IdentifiableKind::is_url_safe`] kinds). `seed_name` is not checked
/// against the kind's seeds, so a wrong seed can be planted deliberately.
#[must_use]
pub fn generate_identifiable_key(kind: IdentifiableKind, seed_name: &str, random: &[u8]) -> String {
    let length = kind.key_length_bytes();
    let mut bytes: Vec<u8> = random.iter().copied().cycle().take(length).collect();
    bytes.resize(length, 0);

    let url_safe = kind.is_url_safe();
    let signature_bits = kind.signature().bytes().fold(0u32, |acc, ch| {
        (acc << 6) | u32::from(sextet(ch, url_safe).unwrap_or(0))
    });
    let signature_start = kind.unpadded_length() - ENCODED_CHECKSUM_CHARS - SIGNATURE_CHARS;
    let first_bit = signature_start * 6;
    let checksum_bit = (length - CHECKSUM_BYTES) * 8;
    for bit in first_bit..checksum_bit {
        let offset = bit - first_bit;
        // Signature bits first (24 of them), then zeros up to the checksum.
        let value = offset < 24 && (signature_bits >> (23 - offset)) & 1 == 1;
        if let Some(byte) = bytes.get_mut(bit / 8) {
            let mask = 0x80u8 >> (bit % 8);
            if value {
                *byte |= mask;
            } else {
                *byte &= !mask;
            }
        }
    }

    let split = length - CHECKSUM_BYTES;
    let checksum = marvin32(
        bytes.get(..split).unwrap_or_default(),
        seed_from_name(seed_name),
    );
    if let Some(tail) = bytes.get_mut(split..) {
        tail.copy_from_slice(&checksum.to_le_bytes());
    }

    if url_safe {
        URL_SAFE.encode(&bytes)
    } else {
        STANDARD.encode(&bytes)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests opt out: a panic is a failed test
mod tests {
    use super::*;

    const RANDOM: &[u8] = b"fixture material, not a secret: 0123456789abcdefghijklmnopqrstuvwxyz";

    #[test]
    fn lengths_match_the_published_formats() {
        for kind in IdentifiableKind::ALL {
            let expected = match kind.key_length_bytes() {
                32 => (43, 44),
                64 => (86, 88),
                39 => (52, 52),
                40 => (54, 56),
                other => panic!("unexpected key length {other}"),
            };
            assert_eq!(
                (kind.unpadded_length(), kind.padded_length()),
                expected,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn signatures_are_distinct() {
        for (i, a) in IdentifiableKind::ALL.iter().enumerate() {
            for b in IdentifiableKind::ALL.iter().skip(i + 1) {
                assert_ne!(a.signature(), b.signature(), "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn generated_keys_round_trip_for_every_kind_and_seed() {
        for kind in IdentifiableKind::ALL {
            for &seed in kind.seed_names() {
                let key = generate_identifiable_key(kind, seed, RANDOM);
                assert_eq!(key.len(), kind.padded_length(), "{kind:?}");
                let signature_start = kind.unpadded_length() - 10;
                assert_eq!(&key[signature_start..signature_start + 4], kind.signature());
                let found = validate_identifiable_key(&key);
                assert_eq!(
                    found,
                    Some(IdentifiableMatch {
                        kind,
                        seed_name: seed
                    }),
                    "{key}"
                );
                // The padding may be left off.
                let unpadded = key.trim_end_matches('=');
                assert_eq!(validate_identifiable_key(unpadded), found);
            }
        }
    }

    #[test]
    fn generation_is_deterministic() {
        let kind = IdentifiableKind::StorageAccount;
        assert_eq!(
            generate_identifiable_key(kind, "Default0", RANDOM),
            generate_identifiable_key(kind, "Default0", RANDOM)
        );
        assert_ne!(
            generate_identifiable_key(kind, "Default0", RANDOM),
            generate_identifiable_key(kind, "Default0", b"other material")
        );
    }

    #[test]
    fn any_single_character_change_invalidates() {
        for kind in IdentifiableKind::ALL {
            let seed = kind.seed_names()[0];
            let key = generate_identifiable_key(kind, seed, RANDOM);
            let body_len = key.trim_end_matches('=').len();
            for position in 0..body_len {
                let mut bytes = key.clone().into_bytes();
                bytes[position] = if bytes[position] == b'Q' { b'R' } else { b'Q' };
                let changed = String::from_utf8(bytes).unwrap();
                assert_eq!(
                    validate_identifiable_key(&changed),
                    None,
                    "{kind:?} @{position}"
                );
            }
        }
    }

    #[test]
    fn wrong_seed_invalidates() {
        for kind in IdentifiableKind::ALL {
            let key = generate_identifiable_key(kind, "NotASed0", RANDOM);
            assert_eq!(validate_identifiable_key(&key), None, "{kind:?}");
        }
    }

    #[test]
    fn shared_signatures_report_the_seed() {
        let dps = generate_identifiable_key(IdentifiableKind::IotHub, "DpsKey00", RANDOM);
        let found = validate_identifiable_key(&dps).unwrap();
        assert_eq!(found.seed_name, "DpsKey00");
        assert_eq!(found.rule_id(), "SEC101/179");

        let admin = generate_identifiable_key(IdentifiableKind::Search, "PAdmin00", RANDOM);
        let found = validate_identifiable_key(&admin).unwrap();
        assert_eq!(
            (found.kind, found.seed_name),
            (IdentifiableKind::Search, "PAdmin00")
        );
        assert_eq!(found.rule_id(), "SEC101/167");
    }

    #[test]
    fn wrong_alphabet_or_padding_is_rejected() {
        // A standard-alphabet key rewritten URL-safe (and vice versa) is not accepted.
        let storage =
            generate_identifiable_key(IdentifiableKind::StorageAccount, "Default0", RANDOM);
        let url = storage.replace('+', "-").replace('/', "_");
        assert_eq!(validate_identifiable_key(&url), None);

        let functions = generate_identifiable_key(IdentifiableKind::Functions, "Master00", RANDOM);
        let standard = functions.replace('-', "+").replace('_', "/");
        if standard != functions {
            assert_eq!(validate_identifiable_key(&standard), None);
        }

        assert_eq!(validate_identifiable_key(&format!("{storage}=")), None);
        let one_pad = storage.strip_suffix('=').unwrap();
        assert_eq!(validate_identifiable_key(one_pad), None);
    }

    #[test]
    fn garbage_never_panics() {
        let inputs = [
            String::new(),
            "=".repeat(100),
            "é".repeat(44),
            "+ASt".repeat(22),
            "\0".repeat(88),
            format!("{}+ASt{}", "a".repeat(75), "ééé=="),
        ];
        for input in &inputs {
            assert_eq!(validate_identifiable_key(input), None, "{input:?}");
        }
        for kind in IdentifiableKind::ALL {
            for len in 0..100 {
                let random: Vec<u8> = (0..len).map(|i| i as u8).collect();
                let key = generate_identifiable_key(kind, "", &random);
                assert_eq!(key.len(), kind.padded_length());
            }
        }
    }
}
