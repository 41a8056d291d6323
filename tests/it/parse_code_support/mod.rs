//! Helpers shared by the `parse_code_<language>` tests: parsing with invariant checks, finding
//! calls, argument tables, fixtures, and the hostile-input suite every language runs.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use keyless::parse::code::{Call, CodeView, Language, parse};

/// One argument as a table row: name, the text of its span, resolved value.
pub type Row = (Option<String>, String, Option<String>);

/// A fixture under `fixtures/parse/code/`.
pub fn fixture(path: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/parse/code")
        .join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Parses with the thread's parsers and checks the invariants every view must satisfy.
pub fn view(language: Language, text: &str) -> CodeView {
    let view = parse(language, text);
    check(text, &view);
    view
}

/// Spans inside the text on character boundaries, calls in document order, names that are the
/// text at their span, joined strings of at least one byte.
pub fn check(text: &str, view: &CodeView) {
    let in_text = |span: &std::ops::Range<usize>| {
        span.start <= span.end
            && span.end <= text.len()
            && text.is_char_boundary(span.start)
            && text.is_char_boundary(span.end)
    };
    let mut last = (0, usize::MAX);
    for call in &view.calls {
        assert!(in_text(&call.span) && in_text(&call.name_span), "{call:?}");
        assert!(
            (call.span.start, usize::MAX - call.span.end) >= (last.0, usize::MAX - last.1),
            "order: {call:?}"
        );
        last = (call.span.start, call.span.end);
        if !call.name.is_empty() {
            assert_eq!(&text[call.name_span.clone()], call.name, "{call:?}");
        }
        assert!(
            call.callee.len() <= keyless::parse::code::MAX_CALLEE + 8,
            "{call:?}"
        );
        for argument in call.arguments.iter().chain(&call.options) {
            assert!(in_text(&argument.span), "{argument:?}");
            if let (Some(name), Some(span)) = (&argument.name, &argument.name_span) {
                assert!(in_text(span), "{argument:?}");
                assert_eq!(&text[span.clone()], name, "{argument:?}");
            }
        }
    }
    for joined in &view.joined_strings {
        assert!(in_text(&joined.span), "{joined:?}");
        assert!(!joined.value.is_empty());
    }
}

/// The call whose callee is exactly `callee` (the first one).
pub fn call<'v>(view: &'v CodeView, callee: &str) -> &'v Call {
    view.calls
        .iter()
        .find(|call| call.callee == callee)
        .unwrap_or_else(|| {
            let callees: Vec<&str> = view.calls.iter().map(|call| call.callee.as_str()).collect();
            panic!("no call {callee:?} in {callees:?}")
        })
}

/// A call's arguments as rows.
pub fn arguments(text: &str, call: &Call) -> Vec<Row> {
    rows(text, &call.arguments)
}

/// A call's options as rows.
pub fn options(text: &str, call: &Call) -> Vec<Row> {
    rows(text, &call.options)
}

fn rows(text: &str, arguments: &[keyless::parse::code::Argument]) -> Vec<Row> {
    arguments
        .iter()
        .map(|argument| {
            (
                argument.name.clone(),
                text[argument.span.clone()].to_owned(),
                argument.value.clone(),
            )
        })
        .collect()
}

/// Expected rows from borrowed tuples.
pub fn expected(rows: &[(Option<&str>, &str, Option<&str>)]) -> Vec<Row> {
    rows.iter()
        .map(|(name, span, value)| {
            (
                name.map(str::to_owned),
                (*span).to_owned(),
                value.map(str::to_owned),
            )
        })
        .collect()
}

/// The joined strings as (text of the span, value).
pub fn joined(text: &str, view: &CodeView) -> Vec<(String, String)> {
    view.joined_strings
        .iter()
        .map(|joined| (text[joined.span.clone()].to_owned(), joined.value.clone()))
        .collect()
}

/// The 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// A table case: the snippet, the callee of the call to check, its name, and its arguments.
pub struct Case<'a> {
    pub source: &'a str,
    pub callee: &'a str,
    pub name: &'a str,
    pub arguments: &'a [(Option<&'a str>, &'a str, Option<&'a str>)],
}

/// Runs table cases: the call exists with that name and those arguments.
pub fn run_cases(language: Language, cases: &[Case<'_>]) {
    for case in cases {
        let view = view(language, case.source);
        let found = call(&view, case.callee);
        assert_eq!(found.name, case.name, "{}", case.source);
        assert_eq!(
            arguments(case.source, found),
            expected(case.arguments),
            "{}",
            case.source
        );
    }
}

/// Runs value cases: the first argument of the last call named `use` (`use_` in Rust) resolves
/// to the value.
pub fn run_values(language: Language, cases: &[(&str, Option<&str>)]) {
    for (source, value) in cases {
        let view = view(language, source);
        let found = view
            .calls
            .iter()
            .rfind(|call| call.name == "use" || call.name == "use_")
            .unwrap_or_else(|| panic!("no use(...) in {source}"));
        let argument = found
            .arguments
            .first()
            .unwrap_or_else(|| panic!("no argument in {source}"));
        assert_eq!(argument.value.as_deref(), *value, "{source}");
    }
}

/// Parses every prefix of `text` (at character boundaries, every `step` bytes): never a panic.
pub fn every_prefix(language: Language, text: &str, step: usize) {
    let mut end = 0;
    while end <= text.len() {
        if text.is_char_boundary(end) {
            view(language, &text[..end]);
        }
        end += step.max(1);
    }
}

/// Hostile input: deep nesting, long chains, unbalanced and binary-looking text, huge files. On
/// a 2 MiB stack (like a scan thread's), each must finish without a panic or an overflow, and
/// quickly.
pub fn hostile(language: Language, statement: &dyn Fn(&str) -> String) {
    let deep = 100_000;
    let cases: Vec<(&str, String)> = vec![
        (
            "parentheses",
            statement(&format!("{}1{}", "(".repeat(deep), ")".repeat(deep))),
        ),
        (
            "brackets",
            statement(&format!("{}1{}", "[".repeat(deep), "]".repeat(deep))),
        ),
        (
            "braces",
            format!("{}{}", "{".repeat(deep), "}".repeat(deep)),
        ),
        (
            "nested calls",
            statement(&format!("{}1{}", "f(".repeat(deep), ")".repeat(deep))),
        ),
        ("unclosed", statement(&"f(\"a\" + (".repeat(deep / 10))),
        (
            "concatenation",
            statement(&format!("\"a\"{}", " + \"b\"".repeat(deep / 4))),
        ),
        (
            "method chain",
            statement(&format!("a{}", ".b(\"x\")".repeat(deep / 10))),
        ),
        ("quotes", "\"'`".repeat(deep / 3)),
        (
            "punctuation",
            "(){}[]<>\"'`$@#;:,.\\/|&!?=+-*%^~\n".repeat(deep / 32),
        ),
        (
            "nul and replacement",
            "\0\u{fffd}\u{feff}é漢\r\n".repeat(deep / 8),
        ),
        (
            "many statements",
            statement("f(\"FAKE\" + \"x\", k)").repeat(deep / 10),
        ),
        ("empty", String::new()),
        ("whitespace", " \n\t\r".repeat(1000)),
    ];
    for (name, text) in cases {
        let started = Instant::now();
        let handle = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let view = parse(language, &text);
                check(&text, &view);
            })
            .expect("thread");
        assert!(handle.join().is_ok(), "{language:?} {name}: panicked");
        let elapsed = started.elapsed();
        assert!(
            elapsed < Duration::from_secs(60),
            "{language:?} {name}: {elapsed:?}"
        );
    }
}
