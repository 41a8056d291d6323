//! Micro-benchmarks of the scan pipeline's hot parts, on the repository's own fixtures:
//! the keyword prefilter, each structured-format parser, each source-code parser, and the whole
//! per-file `scan_source` (prefilter, parsers, rules).
//!
//! ```sh
//! cargo bench --bench scan                 # everything
//! cargo bench --bench scan -- parse_code   # one group (divan filters by name)
//! cargo bench --bench scan -- kind         # one fixture per file kind (config, iac, code, other)
//! ```
//!
//! Inputs are read at start-up from `fixtures/` (never from outside the repository), so the numbers
//! move only when the code or the fixtures do. Each benchmark reports throughput in bytes.
//! Under `cargo test --all-targets` divan runs every benchmark once, as a smoke test.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use keyless::Registry;
use keyless::parse::code::{self, CodeParsers, Language};
use keyless::parse::{Format, Parsers};
use keyless::rules::matcher::scan_source;
use keyless::source::{Decoded, SourceText, decode};

fn main() {
    divan::main();
}

/// One fixture file: its path relative to `fixtures/` and its decoded text.
struct Fixture {
    path: String,
    source: SourceText,
}

/// Every text file under `fixtures/`, in path order.
static FIXTURES: LazyLock<Vec<Fixture>> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut paths = Vec::new();
    collect_files(&root, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let bytes = std::fs::read(&path).ok()?;
            let Decoded::Text(source) = decode(&bytes) else {
                return None;
            };
            let relative = path
                .strip_prefix(&root)
                .ok()?
                .to_string_lossy()
                .into_owned();
            Some(Fixture {
                path: relative,
                source,
            })
        })
        .collect()
});

/// The embedded rule set, loaded once.
static REGISTRY: LazyLock<Registry> =
    LazyLock::new(|| Registry::embedded().expect("the embedded rules load"));

/// Every fixture's text joined into one document: a realistic config and code mix for the
/// prefilter and for `scan_source` on one large file.
static MIXED: LazyLock<String> = LazyLock::new(|| {
    FIXTURES
        .iter()
        .map(|fixture| fixture.source.text())
        .collect::<Vec<_>>()
        .join("\n")
});

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The fixtures a filter selects, and their total size.
fn select(keep: impl Fn(&Fixture) -> bool) -> (Vec<&'static Fixture>, usize) {
    let chosen: Vec<&Fixture> = FIXTURES.iter().filter(|fixture| keep(fixture)).collect();
    let bytes = chosen
        .iter()
        .map(|fixture| fixture.source.text().len())
        .sum();
    (chosen, bytes)
}

/// The keyword prefilter (Aho-Corasick over every rule's keywords).
mod prefilter {
    use super::*;

    /// Over the fixtures joined into one text.
    #[divan::bench]
    fn candidate_rules_mixed(bencher: Bencher) {
        let registry = &*REGISTRY;
        let text = MIXED.as_str();
        bencher
            .counter(BytesCount::new(text.len()))
            .bench(|| registry.candidate_rules(black_box(text)));
    }

    /// File by file over every fixture, as the scanner calls it.
    #[divan::bench]
    fn candidate_rules_per_file(bencher: Bencher) {
        let registry = &*REGISTRY;
        let (files, bytes) = select(|_| true);
        bencher.counter(BytesCount::new(bytes)).bench(|| {
            files
                .iter()
                .map(|fixture| {
                    registry
                        .candidate_rules(black_box(fixture.source.text()))
                        .len()
                })
                .sum::<usize>()
        });
    }
}

/// Structured-format parsers: every fixture of the format, parsed with one reused parser set.
#[divan::bench(args = [Format::Json, Format::Bicep, Format::Terraform, Format::Yaml, Format::Xml, Format::KeyValue])]
fn parse_format(bencher: Bencher, format: Format) {
    let (files, bytes) = select(|fixture| Format::of_path(&fixture.path) == Some(format));
    let mut parsers = Parsers::default();
    bencher.counter(BytesCount::new(bytes)).bench_local(|| {
        files
            .iter()
            .map(|fixture| {
                parsers
                    .parse(format, black_box(fixture.source.text()))
                    .entries
                    .len()
            })
            .sum::<usize>()
    });
}

/// Source-code parsers: every fixture of the language, parsed with one reused parser set.
#[divan::bench(args = Language::ALL)]
fn parse_code(bencher: Bencher, language: Language) {
    let (files, bytes) = select(|fixture| code::Language::of_path(&fixture.path) == Some(language));
    let mut parsers = CodeParsers::default();
    bencher.counter(BytesCount::new(bytes)).bench_local(|| {
        files
            .iter()
            .map(|fixture| {
                parsers
                    .parse(language, black_box(fixture.source.text()))
                    .calls
                    .len()
            })
            .sum::<usize>()
    });
}

/// The whole per-file pipeline: prefilter, parsers and every candidate rule.
mod scan {
    use super::*;

    /// Every fixture under its own name, so each goes through its format's or language's parser.
    #[divan::bench]
    fn scan_source_every_fixture(bencher: Bencher) {
        let registry = &*REGISTRY;
        let (files, bytes) = select(|_| true);
        bencher.counter(BytesCount::new(bytes)).bench_local(|| {
            files
                .iter()
                .map(|fixture| {
                    scan_source(registry, &fixture.path, black_box(&fixture.source)).len()
                })
                .sum::<usize>()
        });
    }

    /// One small representative fixture per file kind, the kinds of `bench/run.sh`'s per-kind
    /// table (`bench/trees.py`): parsed config, infrastructure as code, source code, and "other"
    /// (no parser, text rules only). Each is scanned under its own name, so its parser runs.
    #[divan::bench(args = ["config", "iac", "code", "other"])]
    fn scan_source_kind(bencher: Bencher, kind: &str) {
        let registry = &*REGISTRY;
        let path = match kind {
            "config" => "config/planted/app.config",
            "iac" => "iac/bicep/main.bicep",
            "code" => "code/planted/Orders.cs",
            _ => "traps/docs/connection-strings.md",
        };
        let fixture = FIXTURES
            .iter()
            .find(|fixture| fixture.path.replace('\\', "/") == path)
            .unwrap_or_else(|| panic!("fixtures/{path} is missing"));
        bencher
            .counter(BytesCount::new(fixture.source.text().len()))
            .bench_local(|| scan_source(registry, &fixture.path, black_box(&fixture.source)).len());
    }

    /// The fixtures joined into one large file of no particular format (text rules only).
    #[divan::bench]
    fn scan_source_mixed_file(bencher: Bencher) {
        let registry = &*REGISTRY;
        let source = SourceText::from_text(MIXED.as_str());
        bencher
            .counter(BytesCount::new(MIXED.len()))
            .bench_local(|| scan_source(registry, "mixed.txt", black_box(&source)).len());
    }
}
