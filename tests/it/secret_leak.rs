//! Secrets never leak: 50 distinct fake keys (every identifiable key kind and seed, Entra client
//! secrets and CASK keys, generated here with valid checksums) are written into a temporary tree
//! of many file formats; every output format, on stdout and through `--output`, stderr, and a
//! written baseline are then searched for each key and for any 12-character piece of one. Masks
//! show at most the first few characters; the baseline stores hashes.

#![allow(clippy::unwrap_used)]

use crate::common;

use keyless::checksum::{
    IdentifiableKind, generate_cask_key, generate_entra_secret, generate_identifiable_key,
};
use std::path::Path;

/// Deterministic key material per index.
fn material(index: usize) -> Vec<u8> {
    let mut state = (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5eed;
    (0..64)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// 50 distinct fake keys of every generated kind.
fn fake_keys() -> Vec<String> {
    let mut keys = Vec::new();
    // ML Studio (classic) web services are retired and have no rule.
    for kind in IdentifiableKind::ALL
        .into_iter()
        .filter(|kind| *kind != IdentifiableKind::MlWebServiceClassic)
    {
        for seed in kind.seed_names() {
            keys.push(generate_identifiable_key(kind, seed, &material(keys.len())));
        }
    }
    for tag in ["AAAAAZAC", "AAAAAZEG", "AAAAAZDO", "AAAAACOG"] {
        keys.push(generate_cask_key(tag, &material(keys.len())));
    }
    while keys.len() < 50 {
        keys.push(generate_entra_secret(&material(keys.len())));
    }
    keys.truncate(50);
    let distinct: std::collections::HashSet<&String> = keys.iter().collect();
    assert_eq!(distinct.len(), 50, "generated keys are not distinct");
    keys
}

/// Writes the keys into files of many formats, a few keys per file.
fn write_tree(root: &Path, keys: &[String]) {
    let mut files: Vec<(String, String)> = Vec::new();
    for (index, key) in keys.iter().enumerate() {
        let (name, line) = match index % 8 {
            0 => (".env", format!("SECRET_{index}={key}\n")),
            1 => (
                "appsettings.json",
                format!("  \"Secret{index}\": \"{key}\",\n"),
            ),
            2 => (
                "web.config",
                format!("  <add key=\"Secret{index}\" value=\"{key}\" />\n"),
            ),
            3 => ("app.py", format!("SECRET_{index} = \"{key}\"\n")),
            4 => ("main.bicep", format!("var secret{index} = '{key}'\n")),
            5 => ("main.tf", format!("  secret_{index} = \"{key}\"\n")),
            6 => ("values.yaml", format!("secret{index}: \"{key}\"\n")),
            _ => ("Program.cs", format!("var secret{index} = \"{key}\";\n")),
        };
        match files.iter_mut().find(|(file, _)| file == name) {
            Some((_, text)) => text.push_str(&line),
            None => files.push((name.to_owned(), line)),
        }
    }
    for (name, body) in files {
        let text = match name.as_str() {
            "appsettings.json" => format!("{{\n{body}  \"End\": 1\n}}\n"),
            "web.config" => {
                format!("<configuration><appSettings>\n{body}</appSettings></configuration>\n")
            }
            "main.tf" => format!("locals {{\n{body}}}\n"),
            _ => body,
        };
        std::fs::write(root.join(name), text).unwrap();
    }
}

#[test]
fn fifty_keys_never_appear_in_any_output() {
    let keys = fake_keys();
    let tree = tempfile::tempdir().unwrap();
    write_tree(tree.path(), &keys);
    let out = tempfile::tempdir().unwrap();
    let mut outputs: Vec<(String, String)> = Vec::new();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();

    // Every key is found (otherwise the test proves nothing): its hash is a JSON fingerprint.
    let json = common::keyless(tree.path(), &["scan", "--format", "json", "."]);
    let report = common::json_of(&json);
    let fingerprints: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|finding| finding["fingerprint"].as_str())
        .collect();
    let missed: Vec<(usize, &String)> = keys
        .iter()
        .enumerate()
        .filter(|(_, key)| !fingerprints.contains(&keyless::finding::hash_secret(key).as_str()))
        .collect();
    assert!(missed.is_empty(), "keys not found: {missed:?}");

    for format in ["human", "json", "sarif", "github", "azure"] {
        let run = common::keyless(tree.path(), &["scan", "--format", format, "."]);
        assert_eq!(
            run.status.code(),
            Some(1),
            "{format}: {}",
            text(&run.stderr)
        );
        outputs.push((format!("{format} stdout"), text(&run.stdout)));
        outputs.push((format!("{format} stderr"), text(&run.stderr)));
        let file = out.path().join(format!("report.{format}"));
        let file_arg = file.to_string_lossy().into_owned();
        let run = common::keyless(
            tree.path(),
            &["scan", "--format", format, "--output", &file_arg, "."],
        );
        outputs.push((format!("{format} stderr with --output"), text(&run.stderr)));
        outputs.push((
            format!("{format} --output file"),
            std::fs::read_to_string(&file).unwrap(),
        ));
    }
    let baseline = out.path().join("baseline.json");
    let baseline_arg = baseline.to_string_lossy().into_owned();
    let run = common::keyless(
        tree.path(),
        &["scan", "--write-baseline", &baseline_arg, "."],
    );
    outputs.push(("--write-baseline stderr".into(), text(&run.stderr)));
    outputs.push((
        "baseline file".into(),
        std::fs::read_to_string(&baseline).unwrap(),
    ));
    let run = common::keyless(tree.path(), &["baseline", &baseline_arg, "."]);
    outputs.push(("baseline listing stdout".into(), text(&run.stdout)));
    outputs.push(("baseline listing stderr".into(), text(&run.stderr)));
    // Verbose-ish paths: unused suppressions and rule filters print lines of their own.
    let run = common::keyless(
        tree.path(),
        &[
            "scan",
            "--report-unused-suppressions",
            "--disable",
            "all",
            ".",
        ],
    );
    outputs.push(("all rules disabled stderr".into(), text(&run.stderr)));

    for key in &keys {
        let chars: Vec<char> = key.chars().collect();
        for window in chars.windows(12) {
            let piece: String = window.iter().collect();
            for (name, output) in &outputs {
                assert!(
                    !output.contains(&piece),
                    "{name} carries `{piece}`, a piece of a secret"
                );
            }
        }
    }
}
