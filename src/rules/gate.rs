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
    /// When set, `reach` leaves out what the pattern's unbounded runs of white space (`\s*`,
    /// `[ \t]*`) match, and these are the bytes such runs can hold (ASCII white space and the
    /// UTF-8 bytes of `\s`'s few other members): a match then holds at most `reach` other bytes
    /// besides its run, and a window is widened by that many plus any of these between them.
    spaces: Option<[bool; 256]>,
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
        if gate.reach.is_none() {
            let mut spaces = [false; 256];
            gate.reach = reach_beside_spaces(hir, &mut spaces);
            gate.spaces = gate.reach.map(|_| spaces);
        }
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
        // Bytes stepped over while widening windows across spaces: past one pass over the text
        // (long stretches of spaces between many runs), a single search is cheaper.
        let mut walked = 0usize;
        for Range { start, end: at } in self.runs(bytes) {
            let (low, high) = if let Some(spaces) = &self.spaces {
                let floor = windows.last().map_or(0, |last| last.end);
                let back = |at| (at > floor).then(|| at - 1);
                let low = floor_boundary(text, widen(bytes, spaces, start, reach, back));
                let ahead = |at| (at < bytes.len()).then_some(at + 1);
                let high = ceil_boundary(text, widen(bytes, spaces, at, reach, ahead));
                walked += start.saturating_sub(low) + high.saturating_sub(at);
                if walked > bytes.len() {
                    return None;
                }
                (low, high)
            } else {
                (
                    floor_boundary(text, start.saturating_sub(reach)),
                    ceil_boundary(text, at.saturating_add(reach).min(bytes.len())),
                )
            };
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

    /// The runs of the class in `bytes` at least `min_run` long, each whole, in order.
    ///
    /// Every such run covers one of the probes `min_run - 1`, `2 * min_run - 1`, … (counted
    /// from the end of the last run looked at), so only the probes are tested and a run is
    /// measured only around a probe in the class: most of the text is never looked at.
    fn runs<'t>(&self, bytes: &'t [u8]) -> impl Iterator<Item = Range<usize>> + use<'t, '_> {
        let run = self.min_run.max(1) as usize;
        let in_class = move |index: usize| {
            bytes
                .get(index)
                .is_some_and(|&byte| self.bytes[usize::from(byte)])
        };
        let mut probe = run - 1;
        std::iter::from_fn(move || {
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
                while in_class(end) {
                    end += 1;
                }
                // `end` is outside the class: a long enough run starts after it.
                probe = end + run;
                if end - start >= run {
                    return Some(start..end);
                }
            }
            None
        })
    }

    /// True when `text` has a long enough run of the class (probed: a key's 86-byte run is
    /// looked for every 86 bytes, see [`Gate::runs`]).
    pub fn is_open(&self, text: &str) -> bool {
        self.runs(text.as_bytes()).next().is_some()
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
                    spaces: None,
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

/// The edge of a window widened from `from`, one byte at a time (`step` gives the next edge,
/// `None` at the end of the text or of the room left): `spaces` are free, and `budget` other
/// bytes may be taken. It stops before the first other byte it cannot take, which may sit
/// inside a character: the caller rounds the edge out to a character boundary.
fn widen(
    bytes: &[u8],
    spaces: &[bool; 256],
    from: usize,
    mut budget: usize,
    step: impl Fn(usize) -> Option<usize>,
) -> usize {
    let mut edge = from;
    while let Some(next) = step(edge) {
        // The byte taken by the step: before `edge` going back, at `edge` going forward.
        let byte = bytes.get(next.min(edge)).copied().unwrap_or(b' ');
        if !spaces[usize::from(byte)] {
            if budget == 0 {
                break;
            }
            budget -= 1;
        }
        edge = next;
    }
    edge
}

/// The longest a match of `hir` can be when the unbounded runs of white space in it
/// (`\s*`, `[ \t]+`) are left out, with the bytes those runs can hold marked in `spaces`;
/// `None` when it has another unbounded part.
fn reach_beside_spaces(hir: &Hir, spaces: &mut [bool; 256]) -> Option<usize> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(0),
        HirKind::Literal(literal) => Some(literal.0.len()),
        HirKind::Class(_) => hir.properties().maximum_len(),
        HirKind::Capture(capture) => reach_beside_spaces(&capture.sub, spaces),
        HirKind::Repetition(repetition) => match repetition.max {
            Some(max) => reach_beside_spaces(&repetition.sub, spaces)?.checked_mul(max as usize),
            None => {
                let bytes = class_bytes(&repetition.sub)?;
                // White space only: its ASCII members are spaces, tabs and line ends.
                let ascii_spaces = (0..0x80u8).all(|byte| {
                    !bytes[usize::from(byte)]
                        || matches!(byte, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
                });
                if !ascii_spaces {
                    return None;
                }
                for (slot, member) in spaces.iter_mut().zip(bytes) {
                    *slot |= member;
                }
                Some(0)
            }
        },
        HirKind::Concat(parts) => parts.iter().try_fold(0usize, |sum, part| {
            sum.checked_add(reach_beside_spaces(part, spaces)?)
        }),
        HirKind::Alternation(branches) => branches.iter().try_fold(0usize, |longest, branch| {
            Some(longest.max(reach_beside_spaces(branch, spaces)?))
        }),
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
            // Every maximal run long enough, found byte by byte.
            let bytes = text.as_bytes();
            let mut naive = Vec::new();
            let mut start = None;
            for at in 0..=bytes.len() {
                let in_class = bytes
                    .get(at)
                    .is_some_and(|&byte| gate.bytes[usize::from(byte)]);
                match (in_class, start) {
                    (true, None) => start = Some(at),
                    (false, Some(from)) => {
                        if at - from >= gate.min_run as usize {
                            naive.push(from..at);
                        }
                        start = None;
                    }
                    _ => {}
                }
            }
            assert_eq!(gate.runs(bytes).collect::<Vec<_>>(), naive, "{text:?}");
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
            // Unbounded only in white space: windows widen across any spaces.
            r"(?i)key\s*[=:]\s*(?P<secret>[A-Za-z0-9+/]{20}=)(?:$|[^A-Za-z0-9+/=])",
            r"(?m)(?:^|[^a-z0-9])k[ \t]*,\s*(?P<secret>[a-f0-9]{16})\s*(?:$|[^a-z0-9])",
            r"\bk\s+(?P<secret>[a-z]{16}|[0-9]{18})\b",
            r"(?i)[a-z_.]{0,12}key\s*[=:]\s*(?P<secret>[A-Za-z0-9+/]{20}=)",
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
            "k ,",
            "my_long.name_key",
            "   \n\t ",
            "\u{3000}",
            "\u{a0}",
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
        let mut long: Vec<String> = texts
            .iter()
            .take(400)
            .map(|text| format!("{filler}{text}{filler}{text}{filler}"))
            .collect();
        // Settings whose name, separator and value lie apart across runs of spaces.
        for name in ["my_long.name_key", "key", "k", "k ,"] {
            for gap in ["", " ", "\n\n\t  ", "\u{3000}\u{a0} \n"] {
                for value in [
                    "AAAAAAAAAAAAAAAAAAAA=",
                    "0123456789abcdef",
                    "012345678901234567",
                ] {
                    long.push(format!("{filler}{name}{gap}={gap}{value}{gap};{filler}"));
                    long.push(format!("{filler}{name}{gap}{value} x{filler}"));
                    // Text in another script around it: window edges fall inside characters.
                    let cyrillic = "\u{434}\u{436}".repeat(40);
                    long.push(format!(
                        "{filler}{cyrillic}{name}{gap}={value}{cyrillic}{filler}"
                    ));
                }
            }
        }
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
        let gate = gate(r"key.*=\s*(?P<secret>[a-f0-9]{32})");
        let text = format!("{}key = {}", "x ".repeat(500), "a".repeat(32));
        assert_eq!(gate.windows(&text), None);
    }

    #[test]
    fn unbounded_white_space_widens_windows_across_spaces() {
        let gate = gate(r"key\s*=\s*(?P<secret>[a-f0-9]{32})");
        assert!(gate.spaces.is_some());
        // The window reaches back over any spaces, and over the bounded part's bytes.
        let spaces = " \n".repeat(300);
        let text = format!(
            "{}key{spaces}={spaces}{}{}",
            "x".repeat(2000),
            "a".repeat(32),
            "y".repeat(2000)
        );
        let windows = gate.windows(&text).expect("a small part of the text");
        let key = text.find("key").expect("has key");
        assert!(
            windows
                .iter()
                .any(|window| window.start <= key && window.end >= key + 3 + 2 * spaces.len() + 33)
        );
        assert!(windows.iter().map(|window| window.len()).sum::<usize>() < text.len() / 2);
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
