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
//! A cmdlet needs one thing more: a key reaches it only through an argument bound to a key
//! parameter, named (`-StorageAccountKey $k`: the file holds `-StorageAccountKey`) or positional
//! (enough arguments after the cmdlet's name, before any named one takes them, to reach the
//! first key parameter). `Connect-AzAccount` alone on its line, in nearly every PowerShell
//! sample, is no reason to parse the file.
//!
//! The gate asks for exactly these words; it over-approximates (a name in a comment counts), so a
//! file it shuts out has no key verdict, and one it lets through may have none.

use std::collections::{BTreeSet, HashMap, HashSet};

use aho_corasick::AhoCorasick;

use super::resolve::separator;
use super::{
    CredentialKind, LanguageCatalogue, Member, MemberKind, Param, bare_type, stands_alone,
};
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
    /// Per word: it names a member that needs no other word, so finding it settles the answer.
    settles: Vec<bool>,
    /// Per word: it names a cmdlet, whose calls the gate reads (see [`CmdletKeys`]).
    cmdlet: Vec<bool>,
    /// Every way a key verdict can come.
    ways: Vec<Way>,
    /// What the cmdlets' ways need at a call, by [`Way::cmdlet`].
    cmdlets: Vec<CmdletKeys>,
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
    /// For a cmdlet: which of [`KeyGate::cmdlets`] says how its calls can take a key.
    cmdlet: Option<usize>,
}

/// How a call of a PowerShell cmdlet binds an argument to a key parameter, over all its
/// parameter sets (the resolver's `evaluate`): by the parameter's name, compared without case,
/// or by position.
#[derive(Debug, Default, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct CmdletKeys {
    /// The key parameters' names, lower case.
    names: Vec<String>,
    /// The fewest positional arguments that reach a key parameter.
    reach: usize,
}

impl CmdletKeys {
    /// Whether `text` names a key parameter anywhere (`-StorageAccountKey`), or a call of the
    /// cmdlet whose name ends at one of `name_ends` may have enough positional arguments.
    fn may_bind(&self, text: &str, name_ends: &[usize]) -> bool {
        let bytes = text.as_bytes();
        let named = memchr::memchr_iter(b'-', bytes).any(|dash| {
            let after = &bytes[dash + 1..];
            self.names.iter().any(|name| {
                after
                    .get(..name.len())
                    .is_some_and(|written| written.eq_ignore_ascii_case(name.as_bytes()))
            })
        });
        named
            || name_ends
                .iter()
                .any(|&end| positional_arguments_reach(bytes, end, self.reach))
    }
}

/// Whether the command whose name ends at `end` may have `reach` positional arguments, as the
/// PowerShell view reads its elements: an element right after a parameter (`-Name value`) is that
/// parameter's value, any other is positional. Only plain words, `$variables` and parameters are
/// followed (separated by spaces, over backtick line ends, up to the end of the line, `;`, `|`,
/// `)`, `}` or a comment); anything else (a quote, a bracket, a comma, a tab, a redirection)
/// answers yes, as does text right after the name that is not a separator (then it is not this
/// command's name).
fn positional_arguments_reach(bytes: &[u8], end: usize, reach: usize) -> bool {
    let plain = |byte: u8| {
        byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'_' | b'-' | b'.' | b':' | b'$' | b'/' | b'\\' | b'=' | b'*' | b'%' | b'+' | b'~'
            )
    };
    let ends_command = |byte: u8| matches!(byte, b'\n' | b'\r' | b';' | b'|' | b')' | b'}' | b'#');
    let mut at = end;
    match bytes.get(at) {
        None => return false,
        Some(&byte) if byte == b' ' || ends_command(byte) || byte == b'`' => {}
        Some(_) => return true,
    }
    let (mut positional, mut awaiting_value) = (0, false);
    loop {
        while bytes.get(at) == Some(&b' ') {
            at += 1;
        }
        let Some(&first) = bytes.get(at) else {
            return false;
        };
        if first == b'`' {
            // A line continuation, or something this does not read.
            match bytes.get(at + 1..at + 3) {
                Some([b'\r', b'\n']) => at += 3,
                Some([b'\n', ..]) => at += 2,
                _ => return true,
            }
            continue;
        }
        if ends_command(first) {
            return false;
        }
        let start = at;
        while bytes.get(at).is_some_and(|&byte| plain(byte)) {
            at += 1;
        }
        let token = &bytes[start..at];
        let separated = bytes.get(at).is_none_or(|&byte| {
            matches!(byte, b' ' | b'`') || (byte != b'#' && ends_command(byte))
        });
        if token.is_empty() || !separated {
            return true;
        }
        if first == b'-' {
            // `-Name` or `-Name:`, a parameter that takes the next element; any other dashed
            // word (`-5`, `--`, `-Name:value`, `--flag=x`) is beyond this reading.
            let dashes = token.iter().take_while(|&&c| c == b'-').count();
            let name = &token[dashes..];
            let name = name.strip_suffix(b":").unwrap_or(name);
            let parameter = name
                .first()
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
                && name
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-');
            if !parameter {
                return true;
            }
            awaiting_value = true;
        } else if awaiting_value {
            awaiting_value = false;
        } else {
            positional += 1;
            if positional >= reach {
                return true;
            }
        }
    }
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
            member
                .params
                .iter()
                .any(|param| carries_key(param) || with_key_field.contains(param.bare_type()))
        };
        let sources = chain_sources(catalogue);
        let mut words = Words::default();
        let mut ways: BTreeSet<(Option<usize>, Way)> = BTreeSet::new();
        // A cmdlet's parameter sets, merged: (its word and anchor, how its calls take a key).
        let mut cmdlets: Vec<((usize, Option<usize>), CmdletKeys)> = Vec::new();
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
                if let (Some(word), Some(keys)) =
                    (member_word, cmdlet_keys(catalogue, member, &with_key_field))
                {
                    match cmdlets
                        .iter_mut()
                        .find(|(known, _)| *known == (word, anchor))
                    {
                        Some((_, merged)) => {
                            merged.names.extend(keys.names);
                            merged.reach = merged.reach.min(keys.reach);
                        }
                        None => cmdlets.push(((word, anchor), keys)),
                    }
                    continue;
                }
                ways.insert((
                    member_word,
                    Way {
                        types,
                        anchor,
                        cmdlet: None,
                    },
                ));
            }
        }
        let mut cmdlet_needs = Vec::new();
        for ((word, anchor), mut keys) in cmdlets {
            keys.names.sort_unstable();
            keys.names.dedup();
            ways.insert((
                Some(word),
                Way {
                    types: Vec::new(),
                    anchor,
                    cmdlet: Some(cmdlet_needs.len()),
                },
            ));
            cmdlet_needs.push(keys);
        }
        let mut gate = KeyGate {
            whole: words.whole,
            ways_of: vec![Vec::new(); words.list.len()],
            settles: vec![false; words.list.len()],
            cmdlet: vec![false; words.list.len()],
            cmdlets: cmdlet_needs,
            ..KeyGate::default()
        };
        for (member_word, way) in ways {
            let id = gate.ways.len();
            let bare = way.types.is_empty() && way.anchor.is_none() && way.cmdlet.is_none();
            let cmdlet = way.cmdlet.is_some();
            gate.ways.push(way);
            match member_word {
                Some(word) => {
                    if let Some(slot) = gate.ways_of.get_mut(word) {
                        slot.push(id);
                    }
                    if let Some(settles) = gate.settles.get_mut(word) {
                        *settles |= bare;
                    }
                    if let Some(slot) = gate.cmdlet.get_mut(word) {
                        *slot |= cmdlet;
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
        // Where each cmdlet's name ends, by word.
        let mut cmdlet_ends: Vec<(usize, usize)> = Vec::new();
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
            if self.cmdlet.get(word).copied().unwrap_or(false) {
                cmdlet_ends.push((word, found.end()));
            }
        }
        let holds = |member_word: Option<usize>, way: &usize| {
            self.ways.get(*way).is_some_and(|way| {
                let has = |word: &usize| present.get(*word).copied().unwrap_or(false);
                (way.types.is_empty() || way.types.iter().any(has))
                    && way.anchor.as_ref().is_none_or(has)
                    && way.cmdlet.is_none_or(|cmdlet| {
                        let ends: Vec<usize> = cmdlet_ends
                            .iter()
                            .filter(|(word, _)| Some(*word) == member_word)
                            .map(|(_, end)| *end)
                            .collect();
                        self.cmdlets
                            .get(cmdlet)
                            .is_none_or(|keys| keys.may_bind(text, &ends))
                    })
            })
        };
        self.unnamed.iter().any(|way| holds(None, way))
            || present
                .iter()
                .zip(&self.ways_of)
                .enumerate()
                .any(|(word, (&present, ways))| {
                    present && ways.iter().any(|way| holds(Some(word), way))
                })
    }
}

/// How `member`, a PowerShell cmdlet that takes a key, can be given one; `None` for any other
/// member, and for a cmdlet whose key could also come through an option (a parameter whose type
/// has a key field, which the resolver reads from splatted hashtables).
fn cmdlet_keys(
    catalogue: &LanguageCatalogue,
    member: &Member,
    with_key_field: &HashSet<&str>,
) -> Option<CmdletKeys> {
    if catalogue.language != Some(Language::Powershell) || member.kind != MemberKind::Cmdlet {
        return None;
    }
    let mut keys = CmdletKeys {
        names: Vec::new(),
        reach: usize::MAX,
    };
    for (index, param) in member.params.iter().enumerate() {
        if with_key_field.contains(param.bare_type()) {
            return None;
        }
        if carries_key(param) {
            keys.names.push(param.name.to_ascii_lowercase());
            keys.reach = keys.reach.min(index + 1);
        }
    }
    Some(keys)
}

/// Whether an argument bound to `param` can make a key verdict: a key parameter, or one whose
/// verdict depends on its argument.
fn carries_key(param: &Param) -> bool {
    param
        .kind
        .is_some_and(|kind| kind.is_key() || kind == CredentialKind::Credential)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// (text after the cmdlet's name, arguments needed, may reach): plain words and parameters
    /// are counted, anything else is read as reaching.
    #[test]
    fn positional_arguments_are_counted_the_way_the_view_binds_them() {
        let table: &[(&str, usize, bool)] = &[
            ("", 1, false),
            ("\n$a $b", 1, false),
            (" -Identity", 1, false),
            (" -Tenant $t -Subscription $s", 1, false),
            (" -Tenant $t -Subscription $s", 2, false),
            (" -ServicePrincipal -Tenant $t; $x $y", 1, false),
            (" -Tenant $t | Out-Null", 1, false),
            (" # comment $a $b", 1, false),
            (" $a", 1, true),
            (" $a", 2, false),
            (" -Force $a $b", 2, false),
            (" -Force $a $b", 1, true),
            (" $a `\n  $b", 2, true),
            (" $a `\r\n$b", 2, true),
            (" $a `\n-Name $b", 2, false),
            (" $a $b)", 2, true),
            // Beyond this reading: yes.
            (" \"quoted\"", 3, true),
            (" ($a)", 3, true),
            (" $a,$b", 3, true),
            (" -Name:$a", 3, true),
            (" -5", 3, true),
            (" --", 3, true),
            ("\t$a", 3, true),
            (" $a 2>&1", 3, true),
            (" ` $a", 3, true),
            // Not this command's name.
            ("X $a", 3, true),
            (".ps1", 3, true),
        ];
        for &(after, reach, expected) in table {
            let text = format!("Connect-AzAccount{after}");
            let end = "Connect-AzAccount".len();
            assert_eq!(
                positional_arguments_reach(text.as_bytes(), end, reach),
                expected,
                "{text:?} reaching {reach}"
            );
        }
    }

    #[test]
    fn a_cmdlet_lets_a_file_through_only_when_a_call_can_bind_a_key() {
        let catalogue = super::super::for_language(Language::Powershell);
        let shut = [
            "Connect-AzAccount\n",
            "Connect-AzAccount -Identity -AccountId $id\n",
            "connect-azaccount -Tenant $t\nGet-AzContext\n",
            "New-AzStorageContext -StorageAccountName $name -UseConnectedAccount\n",
        ];
        for text in shut {
            assert!(!catalogue.may_take_key_in(text), "{text:?}");
        }
        let through = [
            "Connect-AzAccount -ServicePrincipal -Credential $credential -Tenant $t\n",
            "New-AzStorageContext -StorageAccountName $name -StorageAccountKey $key\n",
            "new-azstoragecontext $connectionString\n",
            "Connect-AzAccount -Environment AzureCloud $credential `\n  $more\n",
            "Connect-AzAccount -Tenant \"$t\"\n",
        ];
        for text in through {
            assert!(catalogue.may_take_key_in(text), "{text:?}");
        }
    }
}
