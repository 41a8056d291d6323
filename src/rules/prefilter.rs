//! The keyword prefilter: which rules' keywords occur in a text, in one pass.
//!
//! The automaton starts as a contiguous NFA, which builds in a fraction of a millisecond; once
//! the process has searched [`DFA_AFTER`] bytes (the text at hand included) it builds the DFA
//! (some 5 ms for the embedded keywords) and uses that. A pre-commit hook on a few files never
//! pays for the DFA; a scan of a tree pays once. Both give the same matches.
//!
//! The DFA is searched through [`Table`], its transitions laid out for the loop. A DFA step
//! waits for the step before it (the next state is a table load indexed by the current one), so
//! one search runs at the latency of a load per byte. A longer text is cut into
//! [`STREAMS`] overlapping parts searched in one loop, whose steps are independent: the CPU
//! overlaps their loads, and the text goes through two to three times faster.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use aho_corasick::automaton::Automaton;
use aho_corasick::automaton::StateID;
use aho_corasick::dfa::DFA;
use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, MatchKind};

/// Bytes searched with the NFA before the DFA is built: the NFA's overlapping search costs
/// several nanoseconds a byte more than the DFA, so by about this many bytes it has cost what
/// building the DFA does.
const DFA_AFTER: usize = 512 << 10;

/// Parts a long text is cut into for the DFA search.
const STREAMS: usize = 4;

/// Texts shorter than this are searched as one part: the parts' set-up would cost more than
/// their overlap saves.
const INTERLEAVE_FROM: usize = 4096;

/// Keywords, the rules that own each, and the automata that find them.
#[derive(Debug)]
pub struct Prefilter {
    /// Keywords, ASCII-lowercased, deduplicated.
    keywords: Vec<String>,
    /// For each keyword, the rules (indexes into the registry) that listed it.
    owners: Vec<Vec<usize>>,
    nfa: AhoCorasick,
    dfa: OnceLock<Option<Table>>,
    searched: AtomicUsize,
}

impl Prefilter {
    /// The prefilter of `rules`: (index in the registry, keywords) pairs.
    pub fn new<'k>(rules: impl IntoIterator<Item = (usize, &'k [String])>) -> Result<Self, String> {
        let mut keywords: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        let mut index_of: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        for (rule, listed) in rules {
            for keyword in listed.iter().filter(|keyword| !keyword.trim().is_empty()) {
                let folded = keyword.to_ascii_lowercase();
                let slot = *index_of.entry(folded.clone()).or_insert_with(|| {
                    keywords.push(folded);
                    owners.push(Vec::new());
                    keywords.len() - 1
                });
                if let Some(list) = owners.get_mut(slot) {
                    list.push(rule);
                }
            }
        }
        let nfa = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(&keywords)
            .map_err(|error| format!("cannot build the keyword prefilter: {error}"))?;
        Ok(Self {
            keywords,
            owners,
            nfa,
            dfa: OnceLock::new(),
            searched: AtomicUsize::new(0),
        })
    }

    /// Indexes of the rules (below `rule_count`) whose keywords occur in `text`, ascending.
    pub fn candidates(&self, rule_count: usize, text: &str) -> Vec<usize> {
        let mut seen = vec![false; self.keywords.len()];
        match self.dfa(text.len()) {
            Some(table) => table.search(text.as_bytes(), &mut seen),
            None => {
                for found in self.nfa.find_overlapping_iter(text) {
                    if let Some(flag) = seen.get_mut(found.pattern().as_usize()) {
                        *flag = true;
                    }
                }
            }
        }
        let mut hit = vec![false; rule_count];
        for (keyword, _) in seen.iter().enumerate().filter(|(_, found)| **found) {
            for &rule in self.owners.get(keyword).map_or(&[][..], Vec::as_slice) {
                if let Some(flag) = hit.get_mut(rule) {
                    *flag = true;
                }
            }
        }
        hit.iter()
            .enumerate()
            .filter(|(_, flag)| **flag)
            .map(|(index, _)| index)
            .collect()
    }

    /// The DFA, once the process has searched enough (counting `len` more bytes) to pay for
    /// building it; `None` before, or when it cannot be built.
    fn dfa(&self, len: usize) -> Option<&Table> {
        if let Some(dfa) = self.dfa.get() {
            return dfa.as_ref();
        }
        let searched = self.searched.fetch_add(len, Ordering::Relaxed);
        if searched.saturating_add(len) < DFA_AFTER {
            return None;
        }
        self.dfa
            .get_or_init(|| {
                let dfa = keyword_dfa(&self.keywords)?;
                Table::of(&dfa, &self.keywords)
            })
            .as_ref()
    }
}

/// The standard, unanchored, ASCII-case-insensitive DFA of `keywords`.
fn keyword_dfa(keywords: &[String]) -> Option<DFA> {
    aho_corasick::dfa::Builder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .start_kind(aho_corasick::StartKind::Unanchored)
        .build(keywords)
        .ok()
}

/// The keyword DFA laid out for the search loop: one step is a column lookup, an add and a
/// load, and one compare says whether the state ends a keyword.
///
/// Columns: bytes that no keyword holds all act alike (every state goes where a byte outside
/// the keywords takes it), and a letter acts like its other case (the DFA ignores ASCII case),
/// so a column per byte the keywords hold, letters in one case, and one for every other byte
/// give the same steps as 256. States are numbered from the start state outward with the
/// states that end a keyword first, and stored premultiplied by the column count.
#[derive(Debug)]
struct Table {
    /// Byte → column.
    columns: [u32; 256],
    /// Columns per state.
    width: u32,
    /// `next[state + column]`: the next state.
    next: Vec<u32>,
    start: u32,
    /// States below this end a keyword.
    ends_below: u32,
    /// The keywords each such state ends (by state number, not premultiplied).
    ends: Vec<Vec<u32>>,
    /// The longest keyword's length.
    longest: usize,
}

impl Table {
    fn of(dfa: &DFA, keywords: &[String]) -> Option<Table> {
        // Column 0: the bytes no keyword holds.
        let mut columns = [0u32; 256];
        let mut width = 1u32;
        for byte in keywords.iter().flat_map(|keyword| keyword.bytes()) {
            let lower = byte.to_ascii_lowercase();
            if columns[usize::from(lower)] == 0 {
                columns[usize::from(lower)] = width;
                columns[usize::from(lower.to_ascii_uppercase())] = width;
                width += 1;
            }
        }
        // A byte standing for each column (column 0 may have none: then it is never used).
        let mut sample: Vec<Option<u8>> = vec![None; width as usize];
        for byte in 0..=255u8 {
            let slot = sample.get_mut(columns[usize::from(byte)] as usize)?;
            slot.get_or_insert(byte);
        }
        // Every state reachable from the start, in breadth-first order.
        let start = dfa.start_state(Anchored::No).ok()?;
        let mut order = vec![start];
        let mut number: std::collections::HashMap<StateID, usize> =
            std::collections::HashMap::from([(start, 0)]);
        let mut at = 0;
        while let Some(&state) = order.get(at) {
            at += 1;
            for &byte in sample.iter().flatten() {
                let next = dfa.next_state(Anchored::No, state, byte);
                if let std::collections::hash_map::Entry::Vacant(slot) = number.entry(next) {
                    slot.insert(order.len());
                    order.push(next);
                }
            }
        }
        // Keyword ends first, so that one compare tells them.
        order.sort_by_key(|&state| !dfa.is_match(state));
        for (index, state) in order.iter().enumerate() {
            number.insert(*state, index);
        }
        let ends_count = order.iter().filter(|&&state| dfa.is_match(state)).count();
        let premultiplied = |state: StateID| -> Option<u32> {
            u32::try_from(number.get(&state)?.checked_mul(width as usize)?).ok()
        };
        let mut next = vec![0u32; order.len().checked_mul(width as usize)?];
        for (index, &state) in order.iter().enumerate() {
            for (column, byte) in sample.iter().enumerate() {
                let Some(byte) = *byte else { continue };
                let slot = next.get_mut(index * width as usize + column)?;
                *slot = premultiplied(dfa.next_state(Anchored::No, state, byte))?;
            }
        }
        let ends = order
            .iter()
            .take(ends_count)
            .map(|&state| {
                (0..dfa.match_len(state))
                    .map(|index| dfa.match_pattern(state, index).as_u32())
                    .collect()
            })
            .collect();
        Some(Table {
            longest: keywords.iter().map(String::len).max().unwrap_or(0),
            columns,
            width,
            next,
            start: premultiplied(start)?,
            ends_below: u32::try_from(ends_count.checked_mul(width as usize)?).ok()?,
            ends,
        })
    }

    /// Marks in `seen` every keyword that occurs in `haystack`, overlapping occurrences
    /// included. A step waits for the step before it (the next state is a load indexed by the
    /// current one), so a longer text is cut into [`STREAMS`] overlapping parts stepped in one
    /// loop: their loads overlap.
    fn search(&self, haystack: &[u8], seen: &mut [bool]) {
        let mut mark = |state: u32| {
            let ends = self
                .ends
                .get((state / self.width) as usize)
                .map_or(&[][..], Vec::as_slice);
            for &keyword in ends {
                if let Some(flag) = seen.get_mut(keyword as usize) {
                    *flag = true;
                }
            }
        };
        let mut step = |state: u32, byte: u8| {
            let column = self.columns[usize::from(byte)];
            let next = self
                .next
                .get((state + column) as usize)
                .copied()
                .unwrap_or(self.start);
            if next < self.ends_below {
                mark(next);
            }
            next
        };
        if haystack.len() < INTERLEAVE_FROM {
            haystack
                .iter()
                .fold(self.start, |state, &byte| step(state, byte));
            return;
        }
        // Each part after the first starts early by the longest keyword's length less one, so
        // a keyword across a cut is whole in the later part; one found twice is marked twice.
        let overlap = self.longest.saturating_sub(1);
        let cut = haystack.len() / STREAMS;
        let parts: [&[u8]; STREAMS] = std::array::from_fn(|part| {
            let from = (part * cut).saturating_sub(overlap);
            let to = if part + 1 == STREAMS {
                haystack.len()
            } else {
                (part + 1) * cut
            };
            haystack.get(from..to).unwrap_or_default()
        });
        let [first, second, third, fourth] = parts;
        let together = parts.iter().map(|part| part.len()).min().unwrap_or(0);
        let mut states = [self.start; STREAMS];
        for (((&a, &b), &c), &d) in first
            .iter()
            .zip(second)
            .zip(third)
            .zip(fourth)
            .take(together)
        {
            states[0] = step(states[0], a);
            states[1] = step(states[1], b);
            states[2] = step(states[2], c);
            states[3] = step(states[3], d);
        }
        for (part, state) in parts.iter().zip(states) {
            let rest = part.get(together..).unwrap_or_default();
            rest.iter().fold(state, |state, &byte| step(state, byte));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfa_and_dfa_find_the_same_rules() {
        let keywords = [
            vec!["AccountKey".to_owned(), "key".to_owned()],
            vec!["SharedAccessKey".to_owned()],
            vec!["KEY".to_owned()],
        ];
        let prefilter =
            Prefilter::new(keywords.iter().enumerate().map(|(i, k)| (i, &k[..]))).expect("builds");
        let text = "Endpoint=sb://x/;SharedAccessKeyName=a;SharedAccessKey=b";
        let before = prefilter.candidates(3, text);
        assert_eq!(before, vec![0, 1, 2]);
        // Past the threshold the DFA takes over and finds the same.
        let big = "x".repeat(DFA_AFTER + 1);
        assert!(prefilter.candidates(3, &big).is_empty());
        assert_eq!(prefilter.candidates(3, text), before);
        assert!(prefilter.dfa.get().is_some_and(Option::is_some));
        assert_eq!(prefilter.candidates(3, "accountkey"), vec![0, 2]);
    }

    /// The keywords the NFA's overlapping search finds in `text`.
    fn by_nfa(prefilter: &Prefilter, text: &str) -> Vec<bool> {
        let mut seen = vec![false; prefilter.keywords.len()];
        for found in prefilter.nfa.find_overlapping_iter(text) {
            seen[found.pattern().as_usize()] = true;
        }
        seen
    }

    #[test]
    fn the_interleaved_dfa_search_finds_every_keyword_the_nfa_finds() {
        let keywords = ["accountkey", "key", "sharedaccesskey", "sig=", "ey"].map(str::to_owned);
        let prefilter = Prefilter::new([(0, &keywords[..])]).expect("builds");
        let dfa = keyword_dfa(&prefilter.keywords).expect("builds");
        let table = Table::of(&dfa, &prefilter.keywords).expect("lays out");
        // Each keyword, in both cases, at every offset around the cuts of texts of several
        // lengths, alone and next to another keyword that overlaps it.
        for len in [
            INTERLEAVE_FROM - 1,
            INTERLEAVE_FROM,
            INTERLEAVE_FROM + 3,
            10_007,
        ] {
            let cut = len / STREAMS;
            let places: Vec<usize> = (1..STREAMS)
                .flat_map(|part| (part * cut).saturating_sub(20)..part * cut + 20)
                .chain([0, len.saturating_sub(16)])
                .collect();
            for keyword in [
                "AccountKey",
                "sharedaccesskey",
                "SIG=",
                "kEy",
                "SharedAccessKey=sig=",
            ] {
                for &at in &places {
                    let mut text = "x".repeat(len);
                    if at + keyword.len() <= len {
                        text.replace_range(at..at + keyword.len(), keyword);
                    }
                    let mut seen = vec![false; prefilter.keywords.len()];
                    table.search(text.as_bytes(), &mut seen);
                    assert_eq!(
                        seen,
                        by_nfa(&prefilter, &text),
                        "{keyword} at {at} of {len}"
                    );
                }
            }
        }
    }

    /// Every step of the table, from every state it reaches on every byte, lands where the
    /// DFA's step does: for a small set and for the embedded rules' keywords.
    #[test]
    fn the_table_takes_the_dfa_steps_on_every_byte() {
        let small: Vec<String> = ["accountkey", "key", "sig=", "ey", "a\u{e9}b"]
            .map(str::to_owned)
            .to_vec();
        let registry = crate::rules::Registry::embedded().expect("rules load");
        for keywords in [small, registry.prefilter.keywords.clone()] {
            let dfa = keyword_dfa(&keywords).expect("builds");
            let table = Table::of(&dfa, &keywords).expect("lays out");
            let start = dfa.start_state(Anchored::No).expect("unanchored");
            // Walk both from the start, pairing each DFA state with the table's.
            let mut pairs = vec![(start, table.start)];
            let mut known = std::collections::HashMap::from([(start, table.start)]);
            while let Some((state, row)) = pairs.pop() {
                assert_eq!(dfa.is_match(state), row < table.ends_below);
                for byte in 0..=255u8 {
                    let next = dfa.next_state(Anchored::No, state, byte);
                    let column = table.columns[usize::from(byte)];
                    let stepped = table.next[(row + column) as usize];
                    match known.get(&next) {
                        Some(&seen) => assert_eq!(seen, stepped, "byte {byte}"),
                        None => {
                            known.insert(next, stepped);
                            pairs.push((next, stepped));
                        }
                    }
                }
            }
        }
    }
}
