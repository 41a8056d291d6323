//! The keyword prefilter: which rules' keywords occur in a text, in one pass.
//!
//! The automaton starts as a contiguous NFA, which builds in a fraction of a millisecond; once
//! the process has searched [`DFA_AFTER`] bytes it builds the DFA (some 5 ms for the embedded
//! keywords, roughly twice as fast to search) and uses that. A pre-commit hook on one file never
//! pays for the DFA; a scan of a tree pays once. Both give the same matches.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use aho_corasick::{AhoCorasick, AhoCorasickKind};

/// Bytes searched with the NFA before the DFA is built.
const DFA_AFTER: usize = 2 << 20;

/// Keywords, the rules that own each, and the automata that find them.
#[derive(Debug)]
pub struct Prefilter {
    /// Keywords, ASCII-lowercased, deduplicated.
    keywords: Vec<String>,
    /// For each keyword, the rules (indexes into the registry) that listed it.
    owners: Vec<Vec<usize>>,
    nfa: AhoCorasick,
    dfa: OnceLock<Option<AhoCorasick>>,
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
        let nfa = build(&keywords, AhoCorasickKind::ContiguousNFA)?;
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
        let mut hit = vec![false; rule_count];
        let mut seen = vec![false; self.keywords.len()];
        for found in self.automaton(text.len()).find_overlapping_iter(text) {
            let keyword = found.pattern().as_usize();
            match seen.get_mut(keyword) {
                Some(flag) if !*flag => *flag = true,
                _ => continue,
            }
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

    /// The automaton to search `len` more bytes with.
    fn automaton(&self, len: usize) -> &AhoCorasick {
        if let Some(dfa) = self.dfa.get() {
            return dfa.as_ref().unwrap_or(&self.nfa);
        }
        let searched = self.searched.fetch_add(len, Ordering::Relaxed);
        if searched < DFA_AFTER {
            return &self.nfa;
        }
        self.dfa
            .get_or_init(|| build(&self.keywords, AhoCorasickKind::DFA).ok())
            .as_ref()
            .unwrap_or(&self.nfa)
    }
}

fn build(keywords: &[String], kind: AhoCorasickKind) -> Result<AhoCorasick, String> {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(kind))
        .build(keywords)
        .map_err(|error| format!("cannot build the keyword prefilter: {error}"))
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
}
