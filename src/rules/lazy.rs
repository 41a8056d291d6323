//! Regexes compiled on first use.
//!
//! Rule data holds a few hundred patterns, many with Unicode classes and case folding, and
//! compiling them all costs far more than scanning a small file: a pre-commit hook that checks
//! one staged file would spend most of its time building automata it never runs. Each pattern is
//! parsed when the rules load (so a syntax error still fails loading with its id and line); the
//! automaton is built the first time a file needs it, once per process, and the tests build them
//! all (`Registry::compile_all`).

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Deref;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::{Arc, LazyLock, Mutex, OnceLock, PoisonError};

use regex::Regex;
use regex_automata::Input;
use regex_automata::hybrid::{
    self,
    dfa::{Cache, DFA},
};
use regex_automata::nfa::thompson;
use regex_automata::util::pool::Pool;
use regex_syntax::ast::{Ast, GroupKind};

/// A regex whose syntax parsed and whose automaton is built on first use.
#[derive(Clone)]
pub struct LazyRegex {
    /// Named capture groups and their indexes, read from the syntax tree; `None` for a trusted
    /// pattern, whose names come from the built automaton.
    names: Option<Vec<(String, usize)>>,
    /// Shared by every `LazyRegex` of the same pattern in the process: rules repeat contexts
    /// (five name the same Key Vault file context), which are then built once, and a file's
    /// answer for one serves them all (see [`LazyRegex::id`]).
    automata: Arc<Automata>,
}

/// A pattern and its automata, each built on first use.
struct Automata {
    pattern: String,
    compiled: OnceLock<Regex>,
    /// The automaton [`LazyRegex::is_match`] uses.
    tester: OnceLock<Option<Tester>>,
}

/// The automata of every pattern made so far, by pattern.
static AUTOMATA: LazyLock<Mutex<ByPattern>> = LazyLock::new(Mutex::default);

type ByPattern = HashMap<String, Arc<Automata>, BuildHasherDefault<WordHasher>>;

/// A multiply-rotate hash over eight bytes at a time (as rustc's FxHash): the few hundred
/// patterns a process loads come from rule files, not from an adversary, and SipHash over them
/// was a twentieth of a one-file scan.
#[derive(Default)]
struct WordHasher(u64);

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut add = |word: u64| {
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        };
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            add(u64::from_le_bytes(word));
        }
        let mut rest = [0; 8];
        rest[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        add(u64::from_le_bytes(rest) ^ bytes.len() as u64);
    }
}

fn automata_of(pattern: &str) -> Arc<Automata> {
    let mut known = AUTOMATA.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(automata) = known.get(pattern) {
        return Arc::clone(automata);
    }
    let automata = Arc::new(Automata {
        pattern: pattern.to_owned(),
        compiled: OnceLock::new(),
        tester: OnceLock::new(),
    });
    known.insert(pattern.to_owned(), Arc::clone(&automata));
    automata
}

/// Haystacks up to this many bytes are tested with the light automaton of
/// [`LazyRegex::is_match`]; longer ones (a whole file) with the full regex.
const LIGHT_HAYSTACK: usize = 2 * 1024;

thread_local! {
    /// Set while the embedded rules load (see [`trusting`]).
    static TRUSTED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `load` with syntax checks off for the patterns it makes. The embedded rules were
/// checked when keyless was tested (every pattern is built by `Registry::compile_all`), and
/// parsing their few hundred patterns again costs a third of a small file's scan; a pattern
/// that could not build would never match.
pub fn trusting<T>(load: impl FnOnce() -> T) -> T {
    let was = TRUSTED.with(|trusted| trusted.replace(true));
    let loaded = load();
    TRUSTED.with(|trusted| trusted.set(was));
    loaded
}

/// Stands in for a pattern that parses but cannot be built (over the size limit): it never
/// matches. `Registry::compile_all` finds such patterns in tests.
static NEVER: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern, checked by the tests
    Regex::new(r"(?-u:\b)(?-u:\B)").unwrap()
});

impl LazyRegex {
    /// Checks `pattern`'s syntax now (unless [`trusting`]) and defers building it; the error
    /// says what is wrong.
    ///
    /// Only the parse is checked here: translating the syntax (case folding, Unicode classes)
    /// costs three times as much, and `Registry::compile_all` builds every embedded pattern in
    /// the tests.
    pub fn new(pattern: &str) -> Result<Self, String> {
        let names = if TRUSTED.with(Cell::get) {
            None
        } else {
            let ast = regex_syntax::ast::parse::Parser::new()
                .parse(pattern)
                .map_err(|error| error.to_string())?;
            Some(regex_syntax::ast::visit(&ast, CaptureNames::default()).unwrap_or_default())
        };
        Ok(Self {
            names,
            automata: automata_of(pattern),
        })
    }

    /// The same number for every `LazyRegex` of this pattern, and a different one for any
    /// other: what a file's answers are remembered by.
    pub fn id(&self) -> usize {
        Arc::as_ptr(&self.automata) as usize
    }

    /// The index of the capture group called `name` (read from the syntax tree, or for a
    /// trusted pattern from the automaton, which matching builds anyway).
    pub fn group_index(&self, name: &str) -> Option<usize> {
        match &self.names {
            Some(names) => names
                .iter()
                .find(|(known, _)| known == name)
                .map(|(_, index)| *index),
            None => self
                .compile()
                .ok()?
                .capture_names()
                .position(|group| group == Some(name)),
        }
    }

    /// Whether the pattern matches somewhere in `haystack`, as [`Regex::is_match`] says. Hints,
    /// contexts and filters mostly ask this of short regions (a match, a line) for the few
    /// candidates a file has: there a forward lazy DFA answers ([`Tester`]), without the
    /// reverse automaton, capture groups and literal prefilter that cost most of a regex's build
    /// and save little on a few hundred bytes. A long haystack gets the full regex.
    pub fn is_match(&self, haystack: &str) -> bool {
        // A whole file is searched faster with the full regex's literal prefilter.
        if haystack.len() > LIGHT_HAYSTACK {
            return self.is_match_in_file(haystack);
        }
        let tester = self
            .automata
            .tester
            .get_or_init(|| Tester::new(&self.automata.pattern));
        match tester.as_ref().and_then(|tester| tester.is_match(haystack)) {
            Some(found) => found,
            None => self.compile().unwrap_or(&NEVER).is_match(haystack),
        }
    }

    /// [`LazyRegex::is_match`] with the full regex, whose literal prefilter pays on a whole
    /// file tested once per rule.
    pub fn is_match_in_file(&self, text: &str) -> bool {
        self.compile().unwrap_or(&NEVER).is_match(text)
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.automata.pattern
    }

    /// Builds the automaton now; the error says why it cannot be built.
    pub fn compile(&self) -> Result<&Regex, String> {
        let automata = &self.automata;
        if let Some(regex) = automata.compiled.get() {
            return Ok(regex);
        }
        let regex = Regex::new(&automata.pattern).map_err(|error| error.to_string())?;
        Ok(automata.compiled.get_or_init(|| regex))
    }
}

/// A forward lazy DFA without capture groups: all [`LazyRegex::is_match`] needs. A whole
/// regex also builds a reverse automaton (to find where matches start), a literal prefilter and
/// the capture groups, several times the work for a test of a few hundred bytes.
struct Tester {
    dfa: DFA,
    /// One cache per thread that tests (the DFA's states are built in it).
    caches: Pool<Cache, NewCache>,
}

/// The regex crate's default size limit: a pattern it cannot build, the tester does not
/// build either.
const NFA_SIZE_LIMIT: usize = 10 << 20;

type NewCache = Box<dyn Fn() -> Cache + Send + Sync + RefUnwindSafe + UnwindSafe>;

impl Tester {
    fn new(pattern: &str) -> Option<Tester> {
        let nfa = thompson::Compiler::new()
            .configure(
                thompson::Config::new()
                    .which_captures(thompson::WhichCaptures::None)
                    .nfa_size_limit(Some(NFA_SIZE_LIMIT)),
            )
            .build(pattern)
            .ok()?;
        // A Unicode word boundary is followed on ASCII text; next to another character the
        // search gives up and the full regex answers.
        let dfa = DFA::builder()
            .configure(hybrid::dfa::Config::new().unicode_word_boundary(true))
            .build_from_nfa(nfa)
            .ok()?;
        let template = dfa.clone();
        Some(Tester {
            dfa,
            caches: Pool::new(Box::new(move || template.create_cache())),
        })
    }

    /// Whether `haystack` holds a match; `None` when the DFA gives up (a Unicode word boundary
    /// next to a non-ASCII character, or a cache cleared too often).
    fn is_match(&self, haystack: &str) -> Option<bool> {
        let mut cache = self.caches.get();
        let input = Input::new(haystack).earliest(true);
        let found = self.dfa.try_search_fwd(&mut cache, &input).ok()?;
        Some(found.is_some())
    }
}

/// Collects the named capture groups of a pattern and their indexes.
#[derive(Default)]
struct CaptureNames(Vec<(String, usize)>);

impl regex_syntax::ast::Visitor for CaptureNames {
    type Output = Vec<(String, usize)>;
    type Err = std::convert::Infallible;

    fn finish(self) -> Result<Self::Output, Self::Err> {
        Ok(self.0)
    }

    fn visit_pre(&mut self, ast: &Ast) -> Result<(), Self::Err> {
        if let Ast::Group(group) = ast {
            if let GroupKind::CaptureName { name, .. } = &group.kind {
                self.0.push((name.name.clone(), name.index as usize));
            }
        }
        Ok(())
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
            .field(&self.automata.pattern)
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
    fn is_match_agrees_with_the_regex() {
        let patterns = [
            r"(?i)-ConnectionString\s+\$[A-Za-z0-9_]*storage",
            r"(?i)UseDevelopmentStorage=true|devstoreaccount1|//(localhost|127\.0\.0\.1)",
            r"^\$[A-Za-z_][A-Za-z0-9_]*$",
            r"(?-u:\b)KEY(?-u:\b)",
            r"Ä+ö",
            // A Unicode word boundary: next to `é` the tester gives up and the regex answers.
            r"\bKEY\b",
            r"(?m)^\s*KEY$",
        ];
        let haystacks = [
            "",
            "-connectionstring   $myStorageConn",
            "UseDevelopmentStorage=true",
            "http://127.0.0.1:10000",
            "$env",
            "a KEY b",
            "KEYS",
            "ÄÄö",
            "éKEY",
            "é KEY",
            "x\n  KEY\ny",
            // Past the light automaton's size, the full regex answers.
            &format!("{}UseDevelopmentStorage=true", "x".repeat(LIGHT_HAYSTACK)),
        ];
        for pattern in patterns {
            let lazy = LazyRegex::new(pattern).expect("valid");
            let built = Regex::new(pattern).expect("valid");
            for haystack in &haystacks {
                assert_eq!(
                    lazy.is_match(haystack),
                    built.is_match(haystack),
                    "{pattern} on {haystack:?}"
                );
            }
        }
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
    fn regexes_of_one_pattern_share_their_automata_and_their_id() {
        let one = LazyRegex::new("(?i)shared-pattern-[0-9]+").expect("valid");
        let two = LazyRegex::new("(?i)shared-pattern-[0-9]+").expect("valid");
        let other = LazyRegex::new("(?i)shared-pattern-[a-z]+").expect("valid");
        assert_eq!(one.id(), two.id());
        assert_ne!(one.id(), other.id());
        let built = one.compile().expect("builds");
        assert!(std::ptr::eq(built, two.compile().expect("builds")));
        assert!(two.is_match("SHARED-PATTERN-42") && !other.is_match("shared-pattern-42"));
    }

    #[test]
    fn a_pattern_too_large_to_build_never_matches() {
        let huge = LazyRegex::new(r"\w{1000}\w{1000}\w{1000}").expect("valid syntax");
        assert!(huge.compile().is_err());
        assert!(!huge.is_match(&"a".repeat(5000)));
        assert!(!huge.is_match("a short haystack"));
    }
}
