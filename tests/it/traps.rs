//! The traps fixture (`fixtures/traps`) holds everything that looks like a credential and is
//! not one: lock-file integrity hashes, go.sum / Cargo.lock / packages.lock.json checksums, git
//! SHAs, public keys and certificates, GUIDs that are ids (tenant, client, subscription, App
//! Insights instrumentation keys), base64 images and fonts, documentation with placeholders, and
//! the core traps (emulator keys, Key Vault references, identity-based settings, variable
//! references). Scanning it yields nothing at warning or above.

use crate::common;

use keyless::Level;

/// Each trap family and the fixture file that carries it.
const TRAP_FILES: &[(&str, &str)] = &[
    ("npm sha512 integrity", "package-lock.json"),
    ("yarn integrity and resolved SHAs", "yarn.lock"),
    ("go.sum hashes", "go.sum"),
    ("Cargo.lock checksums", "Cargo.lock"),
    ("NuGet contentHash", "packages.lock.json"),
    ("git SHAs", ".git-blame-ignore-revs"),
    ("git SHAs in prose", "CHANGELOG.md"),
    ("certificate", "certs/server.crt"),
    ("public key", "certs/signing.pub.pem"),
    ("ssh public key", "certs/id_rsa.pub"),
    ("thumbprint", "certs/README.md"),
    ("OIDC ids", ".github/workflows/deploy.yml"),
    ("role GUIDs", "main.bicep"),
    (
        "tenant, client, subscription ids, App Insights key",
        "appsettings.json",
    ),
    ("base64 image", "web/logo.html"),
    ("base64 font", "web/fonts.css"),
    ("base64 icons", "web/icons.json"),
    ("documentation placeholders", "docs/connection-strings.md"),
    ("emulators and identity settings", "local.settings.json"),
    ("variable references", "pipeline.yml"),
];

#[test]
fn every_trap_family_has_its_file() {
    let root = common::fixture("traps");
    for (family, file) in TRAP_FILES {
        assert!(root.join(file).is_file(), "{family}: {file} is missing");
    }
}

#[test]
fn traps_yield_nothing_at_warning_or_above() {
    let registry = common::registry();
    let root = common::fixture("traps");
    let report = keyless::scan(&registry, &common::scan_options(&root), &Default::default())
        .unwrap_or_else(|error| panic!("scan failed: {error}"));
    assert!(
        report.stats.files_scanned >= TRAP_FILES.len() as u64,
        "not every trap file was scanned: {:?}",
        report.stats
    );
    let loud: Vec<String> = report
        .findings
        .iter()
        .filter(|finding| finding.level >= Level::Warning)
        .map(|finding| {
            format!(
                "{}:{} {} ({})",
                finding.path, finding.start.line, finding.rule_id, finding.level
            )
        })
        .collect();
    assert!(loud.is_empty(), "traps reported:\n{}", loud.join("\n"));
}
