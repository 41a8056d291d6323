//! Parse cost of the source-code parsers on real code: every C#, Python, JavaScript,
//! TypeScript, Java, Go, PowerShell and Rust file of `bench-corpus/` (public Azure repositories).
//! Ignored by default (timing is only meaningful in a release build):
//!
//! ```sh
//! cargo test --release --test it parse_code_bench:: -- --ignored --nocapture
//! ```
//!
//! It prints, per language, the files and bytes parsed, the cost in milliseconds per megabyte,
//! how many files parsed with errors (`complete == false`), and the calls and joined strings
//! found.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use keyless::parse::code::{CodeParsers, Language};

fn files(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
#[ignore = "benchmark: run with --release -- --ignored --nocapture"]
fn parse_cost_on_bench_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-corpus");
    let mut all = Vec::new();
    files(&root, &mut all);
    all.sort();
    let languages = Language::ALL;
    println!("| language | files | bytes | ms/MB | incomplete | calls | joined strings |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut parsers = CodeParsers::default();
    for language in languages {
        let mut count = 0;
        let mut bytes = 0;
        let mut elapsed = Duration::ZERO;
        let mut incomplete = Vec::new();
        let mut calls = 0;
        let mut joined = 0;
        for path in &all {
            let name = path.to_string_lossy();
            if Language::of_path(&name) != Some(language) {
                continue;
            }
            let Ok(raw) = std::fs::read(path) else {
                continue;
            };
            let text = String::from_utf8_lossy(&raw);
            // Warm up (first use creates the parser), then measure.
            if count == 0 {
                parsers.parse(language, &text);
            }
            let start = Instant::now();
            let view = parsers.parse(language, &text);
            elapsed += start.elapsed();
            count += 1;
            bytes += text.len();
            calls += view.calls.len();
            joined += view.joined_strings.len();
            if !view.complete {
                incomplete.push(
                    path.strip_prefix(&root)
                        .unwrap_or(path)
                        .display()
                        .to_string(),
                );
            }
        }
        let megabytes = bytes as f64 / 1_048_576.0;
        let per_megabyte = if megabytes > 0.0 {
            elapsed.as_secs_f64() * 1000.0 / megabytes
        } else {
            0.0
        };
        println!(
            "| {language:?} | {count} | {bytes} | {per_megabyte:.0} | {} | {calls} | {joined} |",
            incomplete.len()
        );
        for path in incomplete.iter().take(5) {
            println!("|   incomplete: {path} | | | | | | |");
        }
    }
}
