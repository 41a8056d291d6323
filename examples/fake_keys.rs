//! Prints fake Azure keys with valid checksums, for rule examples and fixtures.
//!
//! `cargo run --example fake_keys -- KIND LABEL`, where KIND is one of:
//!
//! * `entra`: a 40-character `8Q~` client secret;
//! * `cask:<TAG>` / `cask-long:<TAG>`: an 84- (or 88-) character CASK key; TAG is the 8-character
//!   provider tag (`AAABACOG` Azure OpenAI) or its 4-character provider signature (`AZAC`, `AZEG`,
//!   `AZDO`, `ACOG`), which gets the reserved prefix `AAAA`;
//! * an identifiable kind (`storage`, `cosmos`, `batch`, `apim`, `servicebus`, `eventhubs`, `relay`,
//!   `iothub`, `redis`, `eventgrid`, `acr`, `search`, `functions`), optionally with a seed name:
//!   `iothub:Device00`, `search:Query000`, `functions:Master00`.
//!
//! LABEL makes the output deterministic (the same label gives the same key).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use keyless::checksum::{self, IdentifiableKind};
use sha2::{Digest, Sha256};

fn random_bytes(label: &str, count: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut block = 0u32;
    while bytes.len() < count {
        bytes.extend(Sha256::digest(format!("keyless-fake:{label}:{block}")));
        block += 1;
    }
    bytes.truncate(count);
    bytes
}

fn identifiable(kind: &str) -> Option<(IdentifiableKind, &'static str)> {
    Some(match kind {
        "storage" => (IdentifiableKind::StorageAccount, "Default0"),
        "cosmos" => (IdentifiableKind::CosmosDb, "MastRW00"),
        "batch" => (IdentifiableKind::Batch, "AbAcct00"),
        "apim" => (IdentifiableKind::Apim, "Tenant00"),
        "servicebus" => (IdentifiableKind::ServiceBus, "Manage00"),
        "eventhubs" => (IdentifiableKind::EventHubs, "Send0000"),
        "relay" => (IdentifiableKind::Relay, "Listen00"),
        "iothub" => (IdentifiableKind::IotHub, "IoTHub00"),
        "redis" => (IdentifiableKind::CacheForRedis, "Access00"),
        "eventgrid" => (IdentifiableKind::EventGrid, "SendRecv"),
        "acr" => (IdentifiableKind::ContainerRegistry, "ACRDflt0"),
        "search" => (IdentifiableKind::Search, "PAdmin00"),
        "functions" => (IdentifiableKind::Functions, "Functi00"),
        _ => return None,
    })
}

/// A provider signature (`AZAC`) becomes the full tag (`AAAAAZAC`); a full tag stays.
fn cask_tag(tag: &str) -> String {
    if tag.len() == 4 {
        format!("AAAA{tag}")
    } else {
        tag.to_owned()
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(kind), Some(label)) = (args.next(), args.next()) else {
        eprintln!("usage: fake_keys KIND LABEL");
        return;
    };
    let random = random_bytes(&label, 64);
    let key = if kind == "entra" {
        checksum::generate_entra_secret(&random)
    } else if let Some(tag) = kind.strip_prefix("cask:") {
        checksum::generate_cask_key(&cask_tag(tag), &random)
    } else if let Some(tag) = kind.strip_prefix("cask-long:") {
        checksum::generate_cask_key_long_form(&cask_tag(tag), &random)
    } else {
        let (name, seed) = kind
            .split_once(':')
            .map_or((kind.as_str(), None), |(name, seed)| (name, Some(seed)));
        let Some((kind, default_seed)) = identifiable(name) else {
            eprintln!("unknown kind `{kind}`");
            return;
        };
        let seed = seed.unwrap_or(default_seed);
        if !kind.seed_names().contains(&seed) {
            eprintln!(
                "`{seed}` is not a seed of {kind:?}: {:?}",
                kind.seed_names()
            );
            return;
        }
        checksum::generate_identifiable_key(kind, seed, &random)
    };
    println!("{key}");
}
