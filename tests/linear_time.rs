//! Regex safety and linear time: every rule runs in time linear in its input, whatever the input.
//!
//! keyless compiles its patterns with the `regex` crate (finite automata, no backtracking), and
//! no backtracking engine is a dependency (checked below against Cargo.lock). Linear per search
//! is not linear per file, though: iterating over matches, context checks around each candidate,
//! per-finding work and the parsers' error recovery can still go quadratic. So:
//!
//! - every text rule's pattern is timed, iterating over all its matches as the matcher does, on
//!   the inputs most likely to hurt it (each keyword repeated, keywords followed by long base64
//!   runs, runs of `=` and `;`);
//! - the whole pipeline is timed on every rule's examples repeated many times in one file, on
//!   one line and on many lines (thousands of findings, and of broken declarations, per file).
//!
//! Each input is timed at two sizes 8x apart and the time may grow at most 24x: linear work grows
//! 8x, `n log n` about 10x, quadratic work 64x, so the bound leaves room for caches and noise
//! and still catches what matters. A timing is the fastest of several runs, each repeated until
//! it lasts a few milliseconds: load only ever adds time, so the minimum is the most stable
//! estimate, and a ratio over the bound is measured again before it fails the test.
//!
//! This is its own test binary so that nothing else runs beside it (cargo runs test binaries one
//! after another), and its tests take turns for the same reason.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "it/common/mod.rs"]
mod common;

use keyless::rules::Matcher;
use keyless::rules::spec::Example;
use keyless::scan_text;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The bigger input is this many times the smaller.
const GROWTH: usize = 8;
/// ... and may take at most this many times as long.
const BOUND: f64 = 24.0;
/// Each timing repeats its work until at least this much time has passed, then averages.
const MIN_SAMPLE: Duration = Duration::from_millis(2);
/// Fastest of this many timings.
const RUNS: usize = 3;

/// Held by each timing test: two at once would slow each other down.
fn alone() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Engines with backreferences or look-around backtrack, and can take exponential time. (The
/// benchmarks' divan pulls in `regex-lite`, which, like `regex`, is linear-time.)
#[test]
fn no_backtracking_regex_engine_is_a_dependency() {
    let lock = std::fs::read_to_string(common::repo_root().join("Cargo.lock")).unwrap();
    for engine in ["fancy-regex", "pcre2", "onig", "pcre"] {
        assert!(
            !lock.contains(&format!("name = \"{engine}\"")),
            "{engine} is in Cargo.lock: patterns must stay linear-time (regex crate only)"
        );
    }
}

/// `unit` repeated to at least `size` bytes.
fn repeated(unit: &str, size: usize) -> String {
    unit.repeat(size.div_ceil(unit.len().max(1)))
}

const BASE64: &str = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/";

/// Input builders from (keyword, size).
type Shape = (&'static str, fn(&str, usize) -> String);

const SHAPES: &[Shape] = &[
    ("keyword repeated", |keyword, size| repeated(keyword, size)),
    ("keyword= repeated", |keyword, size| {
        repeated(&format!("{keyword}="), size)
    }),
    ("keyword=base64; repeated", |keyword, size| {
        repeated(&format!("{keyword}={};", BASE64.repeat(2)), size)
    }),
    ("keyword then one base64 run", |keyword, size| {
        format!("{keyword}={}", repeated(BASE64, size))
    }),
    ("keyword then = run", |keyword, size| {
        format!("{keyword}{}", "=".repeat(size))
    }),
    ("keyword then ; run", |keyword, size| {
        format!("{keyword}={}", ";".repeat(size))
    }),
    ("keyword and quotes", |keyword, size| {
        repeated(&format!("\"{keyword}\": \"{keyword}='"), size)
    }),
];

/// Seconds per call of `work`: the fastest of [`RUNS`] averaged samples.
fn time(mut work: impl FnMut()) -> f64 {
    (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let mut iterations = 0u32;
            while started.elapsed() < MIN_SAMPLE || iterations == 0 {
                work();
                iterations += 1;
            }
            started.elapsed().as_secs_f64() / f64::from(iterations)
        })
        .fold(f64::INFINITY, f64::min)
}

/// Time ratio between the bigger and the smaller input of `build`, measured up to three times
/// while over the bound.
fn growth(small_size: usize, build: impl Fn(usize) -> String, run: impl Fn(&str)) -> f64 {
    let small = build(small_size);
    let big = build(small_size * GROWTH);
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        best = best.min(time(|| run(&big)) / time(|| run(&small)));
        if best < BOUND {
            break;
        }
    }
    best
}

/// Collects ratios and reports the worst and every one over the bound.
#[derive(Default)]
struct Verdicts {
    failures: Vec<String>,
    worst: (f64, String),
    measured: usize,
}

impl Verdicts {
    fn add(&mut self, ratio: f64, label: impl FnOnce() -> String) {
        self.measured += 1;
        if ratio > self.worst.0 || ratio >= BOUND {
            let label = label();
            if ratio >= BOUND {
                self.failures
                    .push(format!("{label}: {ratio:.1}x for {GROWTH}x the input"));
            }
            if ratio > self.worst.0 {
                self.worst = (ratio, label);
            }
        }
    }

    fn check(self, what: &str) {
        eprintln!(
            "{what}: {} inputs timed; worst growth {:.1}x for {GROWTH}x the input ({})",
            self.measured, self.worst.0, self.worst.1
        );
        assert!(
            self.failures.is_empty(),
            "{what}: super-linear:\n{}",
            self.failures.join("\n")
        );
    }
}

#[test]
fn every_pattern_is_linear_on_its_worst_inputs() {
    let _alone = alone();
    let registry = common::registry();
    let mut verdicts = Verdicts::default();
    let mut seen = HashSet::new();
    for rule in registry.rules() {
        let mut keywords = rule.spec.keywords.clone();
        if keywords.is_empty() {
            keywords.push("key".to_owned());
        }
        // Context patterns run once per region (`is_match`, a single linear search); the pattern
        // itself runs over the whole file, match after match, where iteration can go quadratic.
        let Matcher::Text { regex, .. } = &rule.matcher else {
            continue;
        };
        for keyword in &keywords {
            for (shape, build) in SHAPES {
                // Rules share keywords: each distinct (pattern, input) is timed once.
                if !seen.insert((regex.as_str().to_owned(), keyword.clone(), *shape)) {
                    continue;
                }
                let ratio = growth(
                    32 * 1024,
                    |size| build(keyword, size),
                    |text| {
                        std::hint::black_box(regex.captures_iter(text).count());
                    },
                );
                verdicts.add(ratio, || {
                    format!("{} / {shape} / `{keyword}`", rule.spec.id)
                });
            }
        }
    }
    verdicts.check("patterns");
}

/// What parses a file: its structured format or source language, or nothing (text rules only).
fn family(file: &str) -> String {
    if let Some(format) = keyless::parse::Format::of_path(file) {
        return format!("{format:?}");
    }
    if let Some(language) = keyless::parse::code::Language::of_path(file) {
        return format!("{language:?}");
    }
    "text".to_owned()
}

/// Every rule's examples, grouped by what parses them, repeated into one big file: thousands of
/// findings (and of near misses) in a file, on one line or on many.
#[test]
fn many_findings_in_one_file_scan_in_linear_time() {
    let _alone = alone();
    let registry = common::registry();
    // family -> (the first file name seen, every example's text)
    let mut by_family: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for rule in registry.rules() {
        for example in rule
            .spec
            .examples
            .iter()
            .chain(&rule.spec.negative_examples)
        {
            let file = example.file_name();
            by_family
                .entry(family(file))
                .or_insert_with(|| (file.to_owned(), Vec::new()))
                .1
                .push(Example::text(example).to_owned());
        }
    }
    let mut verdicts = Verdicts::default();
    for (family, (file, examples)) in &by_family {
        for (layout, separator) in [("one line", " ; "), ("many lines", "\n")] {
            let unit = examples
                .iter()
                .map(|example| example.replace('\n', separator))
                .collect::<Vec<_>>()
                .join(separator)
                + separator;
            let ratio = growth(
                // A few repetitions of the unit in the smaller input.
                (8 * 1024).max(unit.len() * 2),
                |size| repeated(&unit, size),
                |text| {
                    std::hint::black_box(scan_text(&registry, file, text));
                },
            );
            verdicts.add(ratio, || {
                format!("{family}: {} examples as {file}, {layout}", examples.len())
            });
        }
    }
    verdicts.check("pipeline");
}
