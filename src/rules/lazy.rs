//! Regexes compiled on first use.
//!
//! Rule data holds a few hundred patterns, many with Unicode classes and case folding, and
//! compiling them all costs far more than scanning a small file: a pre-commit hook that checks
//! one staged file would spend most of its time building automata it never runs. Each pattern's
//! syntax is checked when the rules load (so a broken rule still fails loading with its id and
//! line); the automaton is built the first time a file needs it, once per process.

use std::fmt;
use std::ops::Deref;
use std::sync::{LazyLock, OnceLock};

use regex::Regex;
use regex_syntax::hir::Hir;

/// A regex whose syntax is known to be valid and whose automaton is built on first use.
#[derive(Clone)]
pub struct LazyRegex {
    pattern: String,
    /// Named capture groups and their indexes, read from the syntax tree.
    names: Vec<(String, usize)>,
    compiled: OnceLock<Regex>,
}

/// Stands in for a pattern that parses but cannot be built (over the size limit): it never
/// matches. `Registry::compile_all` finds such patterns in tests.
static NEVER: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern, checked by the tests
    Regex::new(r"(?-u:\b)(?-u:\B)").unwrap()
});

impl LazyRegex {
    /// Checks `pattern`'s syntax now and defers building it; the error says what is wrong.
    pub fn new(pattern: &str) -> Result<Self, String> {
        Self::with_syntax(pattern).map(|(regex, _)| regex)
    }

    /// [`LazyRegex::new`], also handing back the syntax tree it checked, for callers that
    /// derive more from the pattern (a rule's gate) without parsing it again.
    pub fn with_syntax(pattern: &str) -> Result<(Self, Hir), String> {
        let hir = regex_syntax::Parser::new()
            .parse(pattern)
            .map_err(|error| error.to_string())?;
        let mut names = Vec::new();
        collect_names(&hir, &mut names);
        let regex = Self {
            pattern: pattern.to_owned(),
            names,
            compiled: OnceLock::new(),
        };
        Ok((regex, hir))
    }

    /// The index of the capture group called `name`, without building the automaton.
    pub fn group_index(&self, name: &str) -> Option<usize> {
        self.names
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, index)| *index)
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Builds the automaton now; the error says why it cannot be built.
    pub fn compile(&self) -> Result<&Regex, String> {
        if let Some(regex) = self.compiled.get() {
            return Ok(regex);
        }
        let regex = Regex::new(&self.pattern).map_err(|error| error.to_string())?;
        Ok(self.compiled.get_or_init(|| regex))
    }
}

fn collect_names(hir: &Hir, names: &mut Vec<(String, usize)>) {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Capture(capture) => {
            if let Some(name) = &capture.name {
                names.push((name.to_string(), capture.index as usize));
            }
            collect_names(&capture.sub, names);
        }
        HirKind::Repetition(repetition) => collect_names(&repetition.sub, names),
        HirKind::Concat(parts) | HirKind::Alternation(parts) => {
            for part in parts {
                collect_names(part, names);
            }
        }
        _ => {}
    }
}

impl Deref for LazyRegex {
    type Target = Regex;

    fn deref(&self) -> &Regex {
        self.compile().unwrap_or(&NEVER)
    }
}

impl fmt::Debug for LazyRegex {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_tuple("LazyRegex")
            .field(&self.pattern)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_show_at_once_and_valid_patterns_match_on_use() {
        assert!(LazyRegex::new("(unclosed").is_err());
        let regex = LazyRegex::new("a+b").expect("valid");
        assert_eq!(regex.as_str(), "a+b");
        assert!(regex.is_match("xaab"));
    }

    #[test]
    fn group_indexes_agree_with_the_built_regex() {
        let pattern = r"(?P<name>\w+)(x)?=(?:(?P<secret>\d+)|(?P<other>z))";
        let lazy = LazyRegex::new(pattern).expect("valid");
        let built = Regex::new(pattern).expect("valid");
        for name in ["name", "secret", "other"] {
            let expected = built.capture_names().position(|known| known == Some(name));
            assert_eq!(lazy.group_index(name), expected, "{name}");
        }
        assert_eq!(lazy.group_index("missing"), None);
    }

    #[test]
    fn a_pattern_too_large_to_build_never_matches() {
        let huge = LazyRegex::new(r"\w{1000}\w{1000}\w{1000}").expect("valid syntax");
        assert!(huge.compile().is_err());
        assert!(!huge.is_match(&"a".repeat(5000)));
    }
}
