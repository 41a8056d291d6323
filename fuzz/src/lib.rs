//! Helpers shared by the fuzz targets.

use keyless::parse::{Document, Format};

/// Fuzz input as text: invalid UTF-8 becomes U+FFFD, as a lossy decode would.
pub fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// Parses `data` as `format` and checks what every consumer of a [`Document`] relies on: spans
/// lie inside the text, on character boundaries, start before they end, and resources point at
/// real spans too.
pub fn parse_and_check(format: Format, data: &[u8]) {
    let text = text(data);
    let document = keyless::parse::parse(format, &text);
    check_document(&text, &document);
}

fn check_span(text: &str, span: &std::ops::Range<usize>, what: &str) {
    assert!(
        span.start <= span.end && span.end <= text.len(),
        "{what} span {span:?} outside text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "{what} span {span:?} not on character boundaries"
    );
}

/// Checks the invariants of one document.
pub fn check_document(text: &str, document: &Document) {
    for entry in &document.entries {
        check_span(text, &entry.key, "key");
        check_span(text, &entry.value, "value");
        let _ = entry.text(text);
        let _ = entry.name();
    }
    for resource in &document.resources {
        check_span(text, &resource.header, "resource header");
        let _ = document.below(&resource.path).count();
    }
}

/// Checks that every span of a source view lies inside the text, on character boundaries.
pub fn check_code(text: &str, view: &keyless::parse::code::CodeView) {
    let check_argument = |argument: &keyless::parse::code::Argument| {
        check_span(text, &argument.span, "argument");
        if let Some(name) = &argument.name_span {
            check_span(text, name, "argument name");
        }
    };
    for call in &view.calls {
        check_span(text, &call.span, "call");
        check_span(text, &call.name_span, "callee");
        call.arguments.iter().for_each(check_argument);
        call.options.iter().for_each(check_argument);
    }
    for joined in &view.joined_strings {
        check_span(text, &joined.span, "joined string");
    }
}

/// Checks the contract of [`keyless::parse::code::joins::may_join`]: a view with joined strings
/// means `may_join` said so (it may say so for views without any).
pub fn check_may_join(
    language: keyless::parse::code::Language,
    text: &str,
    view: &keyless::parse::code::CodeView,
) {
    if let Some(joined) = view.joined_strings.first() {
        assert!(
            keyless::parse::code::joins::may_join(language, text),
            "{language:?}: may_join said false, but the parse joins {joined:?}"
        );
    }
}

/// The embedded rules, loaded once per fuzzing process.
pub fn registry() -> &'static keyless::Registry {
    static REGISTRY: std::sync::OnceLock<keyless::Registry> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| match keyless::Registry::embedded() {
        Ok(registry) => {
            // Rule regexes are built on first use; build them all now, outside any one input's
            // time limit (the sanitizers make building slow).
            let failures = registry.compile_all();
            assert!(failures.is_empty(), "rule regexes do not build: {failures:?}");
            registry
        }
        Err(errors) => panic!("embedded rules do not load: {errors:?}"),
    })
}

/// Creates this thread's parsers (the source-code ones compile tree-sitter queries, which takes
/// seconds under the sanitizers) so that no input pays for it inside libFuzzer's timeout.
pub fn warm_up() {
    use keyless::parse::code::{self, Language};
    for language in Language::ALL {
        code::parse(language, "");
        // The SDK catalogue decodes on first use: once here, outside the timeout.
        let _ = keyless::catalogue::for_language(language);
    }
    for format in [
        Format::Json,
        Format::Bicep,
        Format::Terraform,
        Format::Yaml,
        Format::Xml,
        Format::KeyValue,
    ] {
        keyless::parse::parse(format, "");
    }
}

/// Checks that every character of a derived text, and the whole of it, maps to a range of the
/// original text on character boundaries.
pub fn check_derived(text: &str, derived: &keyless::parse::derived::DerivedText) {
    let derived_text = derived.text();
    let mut ranges: Vec<std::ops::Range<usize>> = derived_text
        .char_indices()
        .map(|(at, c)| at..at + c.len_utf8())
        .collect();
    ranges.push(0..derived_text.len());
    for range in ranges {
        let original = derived.original_range(&range);
        check_span(text, &original, "derived");
    }
}
