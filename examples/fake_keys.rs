//! Prints fake Azure keys with valid checksums, for rule examples and fixtures.
//!
//! `cargo run --example fake_keys -- KIND LABEL`: KIND is `entra`, `cask:<TAG>` (e.g. `cask:AZAC`)
//! or an identifiable kind with its seed (`storage`, `cosmos`, `servicebus`, `eventhubs`, ...);
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
        "eventgrid" => (IdentifiableKind::EventGrid, "Default0"),
        "acr" => (IdentifiableKind::ContainerRegistry, "ACRDflt0"),
        "search" => (IdentifiableKind::Search, "PAdmin00"),
        "functions" => (IdentifiableKind::Functions, "Functi00"),
        _ => return None,
    })
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
        checksum::generate_cask_key(tag, &random)
    } else if let Some((kind, seed)) = identifiable(&kind) {
        checksum::generate_identifiable_key(kind, seed, &random)
    } else {
        eprintln!("unknown kind `{kind}`");
        return;
    };
    println!("{key}");
}
