//! Checksum validation of Microsoft credentials that carry their own checksum.
//!
//! Owns everything needed to tell a real-looking Azure key from random text without any
//! context: the Marvin32 hash ([`marvin`]), Microsoft "identifiable keys" such as storage,
//! Cosmos DB or Service Bus keys ([`identifiable`]), Entra ID client secrets ([`entra`])
//! and legacy common annotated security keys, "CASK" ([`cask`]). Every validator takes the
//! exact candidate text (no surrounding characters), accepts any input without panicking,
//! and says which variant matched. Each module also has a deterministic generator so
//! tests and fixtures can plant keys that validate, without real keys in the source.
//!
//! The formats follow microsoft/security-utilities; the published test vectors that pin
//! them down are in `tests/data/checksum-vectors.json`, checked by `tests/it/checksum.rs`.

pub mod cask;
pub mod entra;
pub mod identifiable;
pub mod marvin;

pub use cask::{
    CaskMatch, generate_cask_key, generate_cask_key_long_form, inspect_cask_key, validate_cask_key,
};
pub use entra::{
    EntraSecretCheck, encode_entra_checksum, generate_entra_secret, validate_entra_secret,
};
pub use identifiable::{
    IdentifiableKind, IdentifiableMatch, generate_identifiable_key, validate_identifiable_key,
    validate_identifiable_key_as,
};
pub use marvin::{marvin32, marvin64, seed_from_name};
