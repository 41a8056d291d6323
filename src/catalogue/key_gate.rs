//! Whether a file can hold a call that [`resolve`](super::resolve) reads as key-based: the cheap
//! test that spares a source file its parse when no catalogue verdict could come of it.
//!
//! A key verdict comes from a member that takes a key (a key or credential parameter, or an
//! option type with a key field), and the resolver reaches a member only through words the file
//! must contain:
//! - the member's name (a constructor's is its type's), written at the call or in the import
//!   that renamed it; a module's default export is the exception, reached through the import of
//!   its module under any local name;
//! - for a member of a type, the type's name as a segment of the callee or in the import that
//!   renamed it, or the name of a type whose member returns it along a builder chain
//!   (`X.builder().credential(k)`); package functions, cmdlets and C# extension methods need none;
//! - an import, or a qualifier as written, that brings the member's namespace: each contains the
//!   namespace's first segment (`@azure`, `azure-iot-common`, `azure`, `Azure`). Only a type
//!   that the resolver takes without an import (a long, unambiguous name, outside Go) and
//!   PowerShell's cmdlets, which need no import, go without.
//!
//! The gate asks for exactly these words; it over-approximates (a name in a comment counts), so a
//! file it shuts out has no key verdict, and one it lets through may have none.

use std::collections::{BTreeSet, HashMap, HashSet};

use aho_corasick::AhoCorasick;

use super::resolve::separator;
use super::{CredentialKind, LanguageCatalogue, Member, MemberKind, bare_type, stands_alone};
use crate::parse::code::Language;

/// The words a key verdict needs, and the ways they combine.
#[derive(Debug, Default)]
pub(super) struct KeyGate {
    /// Finds every word below; `None` when there are none (an empty catalogue) or it cannot be
    /// built, and then every file is let through.
    matcher: Option<AhoCorasick>,
    /// Per word: counts only as a whole name (members, types) rather than anywhere (a
    /// namespace's first segment, which an import's module string holds).
    whole: Vec<bool>,
    /// Per word: the ways whose member it names.
    ways_of: Vec<Vec<usize>>,
    /// Per word: it names a member that needs no other word (a cmdlet), so finding it settles
    /// the answer.
    settles: Vec<bool>,
    /// Every way a key verdict can come.
    ways: Vec<Way>,
    /// The ways that need no member name (a default export).
    unnamed: Vec<usize>,
}

/// One way to a key verdict: all of its words present.
#[derive(Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Way {
    /// One of these type names must be present; none when the member needs no type.
    types: Vec<usize>,
    /// The first segment of the member's namespace, when an import must bring it.
    anchor: Option<usize>,
}

impl KeyGate {
    pub(super) fn new(catalogue: &LanguageCatalogue) -> KeyGate {
        let language = catalogue.language;
        let with_key_field: HashSet<&str> = catalogue
            .fields
            .iter()
            .filter(|(_, kind)| kind.is_key())
            .map(|((owner, _), _)| owner.as_str())
            .collect();
        let takes_key = |member: &Member| {
            member.params.iter().any(|param| {
                param
                    .kind
                    .is_some_and(|kind| kind.is_key() || kind == CredentialKind::Credential)
                    || with_key_field.contains(param.bare_type())
            })
        };
        let sources = chain_sources(catalogue);
        let mut words = Words::default();
        let mut ways: BTreeSet<(Option<usize>, Way)> = BTreeSet::new();
        for entry in &catalogue.types {
            let whole_type = with_key_field.contains(entry.name.as_str());
            for member in &entry.members {
                if member.kind == MemberKind::Field || !(whole_type || takes_key(member)) {
                    continue;
                }
                let name = match member.kind {
                    MemberKind::Ctor => entry.name.as_str(),
                    _ => member.name.as_str(),
                };
                if name == "-" {
                    continue;
                }
                let is_type = entry.name != "-";
                let needs_type = is_type
                    && !(language == Some(Language::Csharp) && entry.name.ends_with("Extensions"))
                    && language != Some(Language::Powershell);
                let mut types: Vec<usize> = Vec::new();
                if needs_type {
                    for type_name in reaching(&sources, &entry.name) {
                        types.push(words.intern(type_name, true));
                    }
                    types.sort_unstable();
                }
                let taken_without_import =
                    is_type && entry.name.len() >= 12 && language != Some(Language::Go);
                let anchor = first_segment(language, &entry.namespace)
                    .filter(|_| !taken_without_import)
                    .map(|segment| words.intern(segment, false));
                let member_word = (name != "default").then(|| words.intern(name, true));
                ways.insert((member_word, Way { types, anchor }));
            }
        }
        let mut gate = KeyGate {
            whole: words.whole,
            ways_of: vec![Vec::new(); words.list.len()],
            settles: vec![false; words.list.len()],
            ..KeyGate::default()
        };
        for (member_word, way) in ways {
            let id = gate.ways.len();
            let bare = way.types.is_empty() && way.anchor.is_none();
            gate.ways.push(way);
            match member_word {
                Some(word) => {
                    if let Some(slot) = gate.ways_of.get_mut(word) {
                        slot.push(id);
                    }
                    if let Some(settles) = gate.settles.get_mut(word) {
                        *settles |= bare;
                    }
                }
                None => gate.unnamed.push(id),
            }
        }
        if !words.list.is_empty() {
            gate.matcher = AhoCorasick::builder()
                .ascii_case_insensitive(catalogue.case_insensitive)
                .build(&words.list)
                .ok();
        }
        gate
    }

    /// True unless `text` lacks a word every key verdict needs.
    pub(super) fn admits(&self, text: &str) -> bool {
        let Some(matcher) = &self.matcher else {
            return true;
        };
        let mut present = vec![false; self.whole.len()];
        for found in matcher.find_overlapping_iter(text) {
            let word = found.pattern().as_usize();
            if self.whole.get(word).copied().unwrap_or(true)
                && !stands_alone(text, found.start(), found.end())
            {
                continue;
            }
            if let Some(slot) = present.get_mut(word) {
                *slot = true;
            }
            if self.settles.get(word).copied().unwrap_or(false) {
                return true;
            }
        }
        let holds = |way: &usize| {
            self.ways.get(*way).is_some_and(|way| {
                let has = |word: &usize| present.get(*word).copied().unwrap_or(false);
                (way.types.is_empty() || way.types.iter().any(has))
                    && way.anchor.as_ref().is_none_or(has)
            })
        };
        self.unnamed.iter().any(holds)
            || present
                .iter()
                .zip(&self.ways_of)
                .any(|(&present, ways)| present && ways.iter().any(holds))
    }
}

/// The words of a gate being built, each once (per kind of match).
#[derive(Default)]
struct Words<'c> {
    list: Vec<&'c str>,
    whole: Vec<bool>,
    ids: HashMap<(&'c str, bool), usize>,
}

impl<'c> Words<'c> {
    fn intern(&mut self, word: &'c str, whole: bool) -> usize {
        if let Some(&id) = self.ids.get(&(word, whole)) {
            return id;
        }
        self.list.push(word);
        self.whole.push(whole);
        self.ids.insert((word, whole), self.list.len() - 1);
        self.list.len() - 1
    }
}

/// Type name → the names of the types one of whose members returns it (the first links of a
/// builder chain that reaches it). Namespaces are ignored: more names only let more files in.
fn chain_sources(catalogue: &LanguageCatalogue) -> HashMap<&str, HashSet<&str>> {
    let mut sources: HashMap<&str, HashSet<&str>> = HashMap::new();
    for entry in &catalogue.types {
        for member in &entry.members {
            if let Some(returned) = member.returns.as_deref().map(bare_type)
                && returned != entry.name
            {
                sources
                    .entry(returned)
                    .or_default()
                    .insert(entry.name.as_str());
            }
        }
    }
    sources
}

/// `type_name` and every type a chain can start from to reach it.
fn reaching<'c>(sources: &HashMap<&'c str, HashSet<&'c str>>, type_name: &'c str) -> Vec<&'c str> {
    let mut seen = vec![type_name];
    let mut index = 0;
    while let Some(&name) = seen.get(index) {
        index += 1;
        for &source in sources.get(name).into_iter().flatten() {
            if !seen.contains(&source) {
                seen.push(source);
            }
        }
    }
    seen
}

/// The part of a namespace every import that brings it must contain, as the resolver compares
/// modules with namespaces (`namespace_matches`): up to the first separator.
fn first_segment(language: Option<Language>, namespace: &str) -> Option<&str> {
    namespace
        .split(separator(language?))
        .next()
        .filter(|segment| !segment.is_empty())
}
