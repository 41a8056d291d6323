//! Gates: a cheap necessary condition for a text rule, derived from its pattern.
//!
//! Most text rules look like `<name> <separator> (?P<secret>[A-Za-z0-9+/]{86}==)`: a costly
//! search with no literal to anchor on, although the secret's shape — a long unbroken run of one
//! character class — is rare in ordinary text. When every match of a pattern must contain such a
//! run (a repetition of a class, at least [`MIN_RUN`] long, on every path through the pattern),
//! a table-driven scan that probes the text for a run that long decides, at a fraction of the
//! regex's cost, whether the pattern can match at all. Rules without such a run get no gate. A
//! rule's gate is derived the first time a file needs it, and a gate several rules share is
//! evaluated once per file ([`GateMemo`]).

use std::ops::Range;

use regex_syntax::hir::{Class, Hir, HirKind};

/// Shortest run worth a gate: shorter runs are too common in ordinary text to spare a search.
const MIN_RUN: u32 = 16;

/// "Somewhere in the text, at least `min_run` consecutive bytes from `bytes`."
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    /// Which bytes belong to the run's class. Every byte of a non-ASCII character counts as in
    /// the class when the class has any non-ASCII member, so the gate never rejects a text the
    /// pattern could match (it may let through one it cannot).
    bytes: [bool; 256],
    /// Shortest run that lets the pattern match.
    min_run: u32,
    /// The longest match the pattern can have, when it is bounded: every match then lies within
    /// this many bytes of one of the text's runs, and only those windows need a search.
    reach: Option<usize>,
}

/// Bytes added on each side of a window: a match can then neither start at a window's first
/// byte nor end at its last, so `^`, `$` and `\b` at the cut never decide a match.
const WINDOW_SLACK: usize = 4;

impl Gate {
    /// The gate of a pattern (`None`: it has none, or does not parse): its longest class
    /// repetition that every match must contain.
    pub fn of_pattern(pattern: &str) -> Option<Gate> {
        let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
        Gate::of_hir(&hir)
    }

    /// [`Gate::of_pattern`] from the pattern's syntax tree.
    fn of_hir(hir: &Hir) -> Option<Gate> {
        let mut gate = required_run(hir).filter(|gate| gate.min_run >= MIN_RUN)?;
        gate.reach = hir.properties().maximum_len();
        Some(gate)
    }

    /// The parts of `text` a search for the pattern needs, when they are a small part of it:
    /// each run of the gate's class (at least `min_run` long), widened by the longest match on
    /// both sides, merged where they touch. `None`: search the whole text.
    ///
    /// Every match holds such a run and is no longer than `reach`, so it lies inside one window;
    /// windows are disjoint, so searching them in order finds the same matches as one search.
    pub fn windows(&self, text: &str) -> Option<Vec<Range<usize>>> {
        let reach = self.reach?.checked_add(WINDOW_SLACK)?;
        let bytes = text.as_bytes();
        let mut windows: Vec<Range<usize>> = Vec::new();
        let mut covered = 0;
        let mut at = 0;
        while at < bytes.len() {
            if !self.bytes[usize::from(bytes[at])] {
                at += 1;
                continue;
            }
            let start = at;
            while at < bytes.len() && self.bytes[usize::from(bytes[at])] {
                at += 1;
            }
            if at - start < self.min_run as usize {
                continue;
            }
            let low = floor_boundary(text, start.saturating_sub(reach));
            let high = ceil_boundary(text, at.saturating_add(reach).min(bytes.len()));
            match windows.last_mut() {
                Some(last) if low <= last.end => {
                    covered += high.saturating_sub(last.end);
                    last.end = last.end.max(high);
                }
                _ => {
                    covered += high - low;
                    windows.push(low..high);
                }
            }
            // Half the text or more: one search over all of it costs no more.
            if covered * 2 >= bytes.len() {
                return None;
            }
        }
        Some(windows)
    }

    /// True when `text` has a long enough run of the class.
    ///
    /// Every run of `min_run` bytes covers one of the probes `min_run - 1`, `2 * min_run - 1`,
    /// …, so only the probes are tested, and a run is measured only around a probe in the class:
    /// most of the text is never looked at (a key's 86-byte run is probed every 86 bytes).
    pub fn is_open(&self, text: &str) -> bool {
        let bytes = text.as_bytes();
        let run = self.min_run.max(1) as usize;
        let in_class = |index: usize| {
            bytes
                .get(index)
                .is_some_and(|&byte| self.bytes[usize::from(byte)])
        };
        let mut probe = run - 1;
        while probe < bytes.len() {
            if !in_class(probe) {
                probe += run;
                continue;
            }
            // The left edge is bounded: the byte before the previous probe window failed.
            let mut start = probe;
            while start > 0 && in_class(start - 1) {
                start -= 1;
            }
            let mut end = probe + 1;
            while end - start < run && in_class(end) {
                end += 1;
            }
            if end - start >= run {
                return true;
            }
            // `end` is outside the class: a long enough run starts after it.
            probe = end + run;
        }
        false
    }

    /// [`Gate::is_open`], byte by byte: the reference the probing version is tested against.
    #[cfg(test)]
    fn is_open_naive(&self, text: &str) -> bool {
        let mut run = 0u32;
        for &byte in text.as_bytes() {
            if self.bytes[usize::from(byte)] {
                run += 1;
                if run >= self.min_run {
                    return true;
                }
            } else {
                run = 0;
            }
        }
        false
    }
}

/// The longest class run found on every path through `hir`.
fn required_run(hir: &Hir) -> Option<Gate> {
    match hir.kind() {
        HirKind::Capture(capture) => required_run(&capture.sub),
        HirKind::Concat(parts) => parts
            .iter()
            .filter_map(required_run)
            .max_by_key(|gate| gate.min_run),
        HirKind::Repetition(repetition) if repetition.min >= 1 => {
            match (repetition.sub.kind(), class_bytes(&repetition.sub)) {
                (HirKind::Class(_), Some(bytes)) => Some(Gate {
                    bytes,
                    min_run: repetition.min,
                    reach: None,
                }),
                _ => required_run(&repetition.sub),
            }
        }
        // Each branch has a run: some run of their classes together is on every path, as long
        // as the shortest of them.
        HirKind::Alternation(branches) => {
            let mut gates = branches.iter().map(required_run);
            let mut union = gates.next()??;
            for gate in gates {
                let gate = gate?;
                for (slot, byte) in union.bytes.iter_mut().zip(gate.bytes) {
                    *slot |= byte;
                }
                union.min_run = union.min_run.min(gate.min_run);
            }
            Some(union)
        }
        // An optional part, a lone class or a literal holds no run.
        _ => None,
    }
}

/// `at`, or the nearest character boundary before it.
fn floor_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `at`, or the nearest character boundary after it.
fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while at < text.len() && !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// The bytes that can occur in a match of a character class.
///
/// A class with a few non-ASCII members (case folding adds `K` and `ſ` to `(?i)[A-Za-z]`) marks
/// the bytes of their UTF-8 encodings; one with many marks every non-ASCII byte. Either way a
/// run of class characters is a run of marked bytes at least as long, so the gate stays sure;
/// the first way keeps text in other scripts (a Cyrillic or Chinese document) from counting as
/// one long run that opens the gate everywhere.
fn class_bytes(hir: &Hir) -> Option<[bool; 256]> {
    let HirKind::Class(class) = hir.kind() else {
        return None;
    };
    let mut bytes = [false; 256];
    let mut non_ascii: Vec<(u32, u32)> = Vec::new();
    let mut mark = |start: u32, end: u32| {
        for byte in start.min(0x80)..=end.min(0x7F) {
            if let Some(slot) = bytes.get_mut(byte as usize) {
                *slot = true;
            }
        }
        if end > 0x7F {
            non_ascii.push((start.max(0x80), end));
        }
    };
    match class {
        Class::Unicode(class) => {
            for range in class.iter() {
                mark(u32::from(range.start()), u32::from(range.end()));
            }
        }
        Class::Bytes(class) => {
            for range in class.iter() {
                mark(u32::from(range.start()), u32::from(range.end()));
            }
        }
    }
    let members: u32 = non_ascii.iter().map(|(start, end)| end - start + 1).sum();
    let encoded = non_ascii
        .iter()
        .flat_map(|&(start, end)| start..=end)
        .map(char::from_u32);
    if members <= FEW_NON_ASCII && matches!(class, Class::Unicode(_)) {
        for member in encoded {
            let mut buffer = [0; 4];
            // Surrogates are not characters: no text holds them.
            let Some(member) = member else { continue };
            for &byte in member.encode_utf8(&mut buffer).as_bytes() {
                if let Some(slot) = bytes.get_mut(usize::from(byte)) {
                    *slot = true;
                }
            }
        }
    } else if members > 0 {
        for slot in bytes.iter_mut().skip(0x80) {
            *slot = true;
        }
    }
    Some(bytes)
}

/// Most non-ASCII members a class may have for their bytes to be marked one by one.
const FEW_NON_ASCII: u32 = 64;

/// Which gates were found open or closed in one text, and their windows: rules with the same
/// run (most key rules share `[A-Za-z0-9+/]{86}`) look at the text once.
#[derive(Debug, Default)]
pub struct GateMemo<'g> {
    known: Vec<(&'g Gate, bool)>,
    windows: Vec<(&'g Gate, Option<Vec<Range<usize>>>)>,
}

impl<'g> GateMemo<'g> {
    /// True when `gate` is open in `text`, the text this memo was made for.
    pub fn is_open(&mut self, gate: &'g Gate, text: &str) -> bool {
        if let Some((_, open)) = self.known.iter().find(|(known, _)| *known == gate) {
            return *open;
        }
        let open = gate.is_open(text);
        self.known.push((gate, open));
        open
    }

    /// [`Gate::windows`] of `text`, the text this memo was made for.
    pub fn windows(&mut self, gate: &'g Gate, text: &str) -> Option<Vec<Range<usize>>> {
        if let Some((_, windows)) = self.windows.iter().find(|(known, _)| *known == gate) {
            return windows.clone();
        }
        let windows = gate.windows(text);
        self.windows.push((gate, windows.clone()));
        windows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(pattern: &str) -> Gate {
        Gate::of_pattern(pattern).expect("pattern has a required long run")
    }

    #[test]
    fn a_required_long_class_run_is_the_gate() {
        let gate = gate(r"(?i)AccountKey=(?P<secret>[A-Za-z0-9+/]{86}==)");
        assert!(gate.is_open(&format!("x = {}==", "a".repeat(86))));
        assert!(!gate.is_open(&format!("AccountKey={}", "a".repeat(85))));
        assert!(!gate.is_open("AccountKey=short; and a path/like/this"));
    }

    #[test]
    fn optional_short_or_alternative_runs_give_no_gate() {
        assert_eq!(Gate::of_pattern(r"a(?P<secret>[0-9]{40})?"), None);
        assert_eq!(Gate::of_pattern(r"a(?P<secret>[0-9]{40})|b"), None);
        assert_eq!(Gate::of_pattern(r"pwd=(?P<secret>[^;]{8,})"), None);
    }

    #[test]
    fn the_longest_run_on_every_path_wins() {
        let gate = gate(r"(?:x(?P<secret>[a-f0-9]{32})){1,2}-[0-9]{20}");
        assert_eq!(gate.min_run, 32);
    }

    #[test]
    fn probing_agrees_with_reading_every_byte() {
        let gate = gate(r"(?P<secret>[A-Za-z0-9+/]{16})");
        // Every text of up to 40 bytes over a class byte, a non-class byte and a multi-byte
        // character, in runs of lengths that straddle the probes.
        let pieces = ["a", "aaaaaaaa", "aaaaaaaaaaaaaaa", ";", "\u{e9}"];
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            let mut longer = Vec::new();
            for text in &texts {
                for piece in pieces {
                    longer.push(format!("{text}{piece}"));
                }
            }
            texts.extend(longer);
        }
        for text in &texts {
            assert_eq!(gate.is_open(text), gate.is_open_naive(text), "{text:?}");
        }
    }

    #[test]
    fn an_alternation_of_runs_is_a_run_of_their_union() {
        let gate = gate(r"k=(?P<secret>[0-9a-f]{32}|[A-Z]{40})");
        assert_eq!(gate.min_run, 32);
        assert!(gate.is_open(&"A".repeat(32)));
        assert!(!gate.is_open(&"g".repeat(40)));
    }

    #[test]
    fn searching_the_windows_finds_what_searching_everything_finds() {
        // Bounded patterns with assertions at both ends, over texts of runs, separators,
        // multi-byte characters and line ends in many orders and lengths.
        let patterns = [
            r"(?i)key\s{0,3}[=:]\s{0,3}(?P<secret>[A-Za-z0-9+/]{20}=)(?:$|[^A-Za-z0-9+/=])",
            r"(?m)(?:^|[^a-z0-9])(?P<secret>[a-f0-9]{16})(?:$|[^a-z0-9])",
            r"(?-u:\b)k[ \t]{1,2}(?P<secret>[a-z]{16}|[0-9]{18})(?-u:\b)",
        ];
        let pieces = [
            "key=",
            "key : ",
            "k ",
            "k  ",
            "aaaaaaaaaaaaaaaa",
            "0123456789abcdef",
            "AAAAAAAAAAAAAAAAAAAA=",
            "=",
            " ",
            "\n",
            "\u{e9}",
            "\u{212A}\u{212A}\u{212A}\u{212A}\u{212A}\u{212A}\u{212A}\u{212A}",
            "д",
            "012345678901234567",
            "x",
            "--",
        ];
        let mut texts = vec![String::new()];
        for round in 0..4 {
            let mut longer = Vec::new();
            for (index, text) in texts.iter().enumerate() {
                for (offset, piece) in pieces.iter().enumerate() {
                    if (index + offset + round) % 3 == 0 {
                        longer.push(format!("{text}{piece}"));
                    }
                }
            }
            texts.extend(longer);
        }
        // Long texts too, so that windows are a small part of them.
        let filler = "lorem ipsum; ".repeat(40);
        let long: Vec<String> = texts
            .iter()
            .take(400)
            .map(|text| format!("{filler}{text}{filler}{text}{filler}"))
            .collect();
        for pattern in patterns {
            let regex = regex::Regex::new(pattern).expect("pattern compiles");
            let gate = gate(pattern);
            assert!(gate.reach.is_some(), "{pattern} is bounded");
            let mut windowed_some = false;
            for text in texts.iter().chain(&long) {
                let everything: Vec<_> = regex.find_iter(text).map(|m| m.range()).collect();
                let Some(windows) = gate.windows(text) else {
                    continue;
                };
                windowed_some = true;
                let mut found = Vec::new();
                for window in &windows {
                    let part = &text[window.clone()];
                    found.extend(
                        regex
                            .find_iter(part)
                            .map(|m| m.start() + window.start..m.end() + window.start),
                    );
                }
                assert_eq!(found, everything, "{pattern} on {text:?}");
            }
            assert!(
                windowed_some,
                "{pattern} was searched in windows at least once"
            );
        }
    }

    #[test]
    fn unbounded_patterns_are_searched_whole() {
        let gate = gate(r"key\s*=\s*(?P<secret>[a-f0-9]{32})");
        let text = format!("{}key = {}", "x ".repeat(500), "a".repeat(32));
        assert_eq!(gate.windows(&text), None);
    }

    #[test]
    fn non_ascii_class_members_never_close_the_gate() {
        // Under (?i), [a-z] holds U+212A KELVIN SIGN; a key of such characters still opens it.
        let gate = gate(r"(?i)(?P<secret>[a-z]{20})");
        assert!(gate.is_open(&"\u{212A}".repeat(20)));
        assert!(gate.is_open(&"k\u{17F}".repeat(10)));
    }

    #[test]
    fn text_in_other_scripts_is_no_run_of_a_case_folded_ascii_class() {
        // Only K and ſ join [a-z] under (?i): a Cyrillic or Chinese paragraph opens no gate...
        let folded = gate(r"(?i)(?P<secret>[a-z0-9]{20})");
        assert!(!folded.is_open(&"Проверка доступности веб-приложения ".repeat(20)));
        assert!(!folded.is_open(&"监视任何 Web 应用的可用性和响应能力".repeat(20)));
        // ...while a class with many non-ASCII members still counts every non-ASCII byte.
        let wide = gate(r"(?P<secret>\w{20})");
        assert!(wide.is_open(&"Проверка".repeat(5)));
    }
}
