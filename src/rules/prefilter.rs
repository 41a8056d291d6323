//! The keyword prefilter: which rules' keywords occur in a text, in one pass.
//!
//! The automaton starts as a contiguous NFA, which builds in a fraction of a millisecond; once
//! the process has searched [`DFA_AFTER`] bytes (the text at hand included) it builds the DFA
//! (some 5 ms for the embedded keywords) and uses that. A pre-commit hook on a few files never
//! pays for the DFA; a scan of a tree pays once. Both give the same matches.
//!
//! A DFA step waits for the step before it (the next state is a table load indexed by the
//! current one), so one search runs at the latency of a load per byte. A longer text is cut into
//! [`STREAMS`] overlapping parts searched in one loop, whose steps are independent: the CPU
//! overlaps their loads, and the text goes through two to three times faster.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use aho_corasick::automaton::Automaton;
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
    dfa: OnceLock<Option<DFA>>,
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
            Some(dfa) => search_dfa(dfa, text.as_bytes(), &mut seen),
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
    fn dfa(&self, len: usize) -> Option<&DFA> {
        if let Some(dfa) = self.dfa.get() {
            return dfa.as_ref();
        }
        let searched = self.searched.fetch_add(len, Ordering::Relaxed);
        if searched.saturating_add(len) < DFA_AFTER {
            return None;
        }
        self.dfa
            .get_or_init(|| {
                aho_corasick::dfa::Builder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .start_kind(aho_corasick::StartKind::Unanchored)
                    .build(&self.keywords)
                    .ok()
            })
            .as_ref()
    }
}

/// Marks in `seen` every keyword of `dfa` (a standard, unanchored automaton) that occurs in
/// `haystack`, overlapping occurrences included.
fn search_dfa(dfa: &DFA, haystack: &[u8], seen: &mut [bool]) {
    let Ok(start) = dfa.start_state(Anchored::No) else {
        return;
    };
    let mut mark = |state| {
        for index in 0..dfa.match_len(state) {
            if let Some(flag) = seen.get_mut(dfa.match_pattern(state, index).as_usize()) {
                *flag = true;
            }
        }
    };
    let mut step = |state, byte| {
        let next = dfa.next_state(Anchored::No, state, byte);
        if dfa.is_match(next) {
            mark(next);
        }
        next
    };
    if haystack.len() < INTERLEAVE_FROM {
        haystack
            .iter()
            .fold(start, |state, &byte| step(state, byte));
        return;
    }
    // Each part after the first starts early by the longest keyword's length less one, so a
    // keyword across a cut is whole in the later part; one found twice is marked twice.
    let overlap = dfa.max_pattern_len().saturating_sub(1);
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
    let mut states = [start; STREAMS];
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
        let dfa = aho_corasick::dfa::Builder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&prefilter.keywords)
            .expect("builds");
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
                    search_dfa(&dfa, text.as_bytes(), &mut seen);
                    assert_eq!(
                        seen,
                        by_nfa(&prefilter, &text),
                        "{keyword} at {at} of {len}"
                    );
                }
            }
        }
    }
}
