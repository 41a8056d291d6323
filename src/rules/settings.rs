//! Setting rules: find the entries of a parsed [`Document`] that a rule's alternatives describe
//! (a key path, possibly inside a resource of given types, whose value and siblings pass tests).
//!
//! Everything here is linear in the document (after one sort): a big or broken template can hold
//! thousands of entries under one parent and many resources at one path (several top-level
//! documents in one file), so nothing walks a parent's children or a resource's entries more
//! than once per test.

use std::collections::{HashMap, HashSet};

use super::{CompiledResourceTest, CompiledSetting, CompiledValueTest};
use crate::parse::{Document, Entry, Format, ValueKind};

/// An entry that one of a rule's alternatives matched.
pub struct SettingMatch<'d> {
    /// The entry.
    pub entry: &'d Entry,
    /// Its key path, relative to the resource when the alternative names resource types.
    pub key: String,
    /// The resource type, or `""`.
    pub resource: &'d str,
    /// True when the alternative asked for a literal value: the value is a secret.
    pub literal: bool,
    /// Where to report instead of the entry: the resource's header, for `missing` alternatives
    /// (the entry is then the evidence, used for context).
    pub report_at: Option<std::ops::Range<usize>>,
}

/// Every entry of `document` that one of `alternatives` (for `format`) matches, in document order.
/// `paths` is `document`'s [`PathIndex`], built once per file for every rule.
pub fn find<'d>(
    document: &'d Document,
    paths: &'d PathIndex,
    alternatives: &[CompiledSetting],
    format: Format,
    text: &str,
) -> Vec<SettingMatch<'d>> {
    let mut found: Vec<SettingMatch<'d>> = Vec::new();
    let index = Paths {
        entries: &document.entries,
        index: paths,
    };
    for alternative in alternatives {
        if !alternative.applies_to(format) {
            continue;
        }
        let mut siblings = SiblingTests::new(alternative, &index, text);
        if alternative.resources.is_empty() {
            for (entry_index, entry) in document.entries.iter().enumerate() {
                let key = index.key(entry_index, 0);
                if matches(alternative, &mut siblings, entry, key, text) {
                    found.push(SettingMatch {
                        entry,
                        key: key.to_owned(),
                        resource: "",
                        literal: alternative.value.literal,
                        report_at: None,
                    });
                }
            }
            continue;
        }
        // Resources at one path (one per top-level document of a multi-document file) share
        // their entries: each (path, type) is searched once.
        let mut searched = HashSet::new();
        // Paths of the resources that pass `another_resource`, found on first need.
        let mut others: Option<Vec<&[String]>> = None;
        for resource in &document.resources {
            if !alternative
                .resources
                .iter()
                .any(|wanted| wanted.eq_ignore_ascii_case(&resource.type_name))
                || !searched.insert((resource.path.as_slice(), resource.type_name.as_str()))
            {
                continue;
            }
            let depth = resource.path.len();
            if let Some(missing) = &alternative.missing
                && index
                    .below(&resource.path)
                    .any(|entry_index| missing.is_match(index.key(entry_index, depth)))
            {
                continue;
            }
            if let Some(test) = &alternative.another_resource {
                let others =
                    others.get_or_insert_with(|| passing_resources(document, &index, test, text));
                // The paths are distinct: with two, one of them is another resource's.
                let another = match others.as_slice() {
                    [] => false,
                    [only] => *only != resource.path.as_slice(),
                    _ => true,
                };
                if !another {
                    continue;
                }
            }
            for entry_index in index.below(&resource.path) {
                let Some(entry) = document.entries.get(entry_index) else {
                    continue;
                };
                let key = index.key(entry_index, depth);
                if matches(alternative, &mut siblings, entry, key, text) {
                    found.push(SettingMatch {
                        entry,
                        key: key.to_owned(),
                        resource: &resource.type_name,
                        literal: alternative.value.literal,
                        report_at: alternative
                            .missing
                            .as_ref()
                            .map(|_| resource.header.clone()),
                    });
                    if alternative.missing.is_some() {
                        // One finding per resource: the first piece of evidence.
                        break;
                    }
                }
            }
        }
    }
    found.sort_by_key(|found| found.entry.value.start);
    found.dedup_by_key(|found| found.entry.value.clone());
    found
}

/// The distinct paths of the resources of `document` that pass `test`: of one of its types (any
/// when it names none), with an entry whose key (relative to the resource) and value pass.
fn passing_resources<'d>(
    document: &'d Document,
    index: &Paths<'d>,
    test: &CompiledResourceTest,
    text: &str,
) -> Vec<&'d [String]> {
    let mut passing: Vec<&'d [String]> = Vec::new();
    let mut searched = HashSet::new();
    for resource in &document.resources {
        let wanted = test.resources.is_empty()
            || test
                .resources
                .iter()
                .any(|wanted| wanted.eq_ignore_ascii_case(&resource.type_name));
        if !wanted || !searched.insert(resource.path.as_slice()) {
            continue;
        }
        let depth = resource.path.len();
        let passes = index.below(&resource.path).any(|entry_index| {
            document.entries.get(entry_index).is_some_and(|entry| {
                test.key.is_match(index.key(entry_index, depth))
                    && value_passes(&test.value, entry, text)
            })
        });
        if passes {
            passing.push(&resource.path);
        }
    }
    passing
}

fn matches<'d>(
    alternative: &CompiledSetting,
    siblings: &mut SiblingTests<'_, 'd>,
    entry: &'d Entry,
    key: &str,
    text: &str,
) -> bool {
    alternative.key.is_match(key)
        && value_passes(&alternative.value, entry, text)
        && (0..alternative.siblings.len()).all(|test| siblings.passes(test, entry))
}

/// An alternative's sibling tests, answered once per (test, parent): which children of the
/// parent pass, at most two of them, since an entry is not its own sibling.
struct SiblingTests<'a, 'd> {
    alternative: &'a CompiledSetting,
    index: &'a Paths<'d>,
    text: &'a str,
    passing: HashMap<(usize, &'d [String]), Vec<&'d Entry>>,
}

impl<'a, 'd> SiblingTests<'a, 'd> {
    fn new(alternative: &'a CompiledSetting, index: &'a Paths<'d>, text: &'a str) -> Self {
        Self {
            alternative,
            index,
            text,
            passing: HashMap::new(),
        }
    }

    /// Whether another entry under `entry`'s parent passes sibling test `test`.
    fn passes(&mut self, test: usize, entry: &'d Entry) -> bool {
        let Some((name, value)) = self.alternative.siblings.get(test) else {
            return false;
        };
        let parent = entry
            .path
            .split_last()
            .map_or(&[][..], |(_, parent)| parent);
        let (index, text) = (self.index, self.text);
        let passing = self.passing.entry((test, parent)).or_insert_with(|| {
            let mut passing: Vec<&Entry> = Vec::with_capacity(2);
            for child in index.children(parent) {
                // Two that differ are enough: one of them is not `entry`.
                if passing.first().is_none_or(|first| *first != child)
                    && name.is_match(child.name())
                    && value_passes(value, child, text)
                {
                    passing.push(child);
                    if passing.len() == 2 {
                        break;
                    }
                }
            }
            passing
        });
        passing.iter().any(|sibling| *sibling != entry)
    }
}

/// A document's entries sorted by path, so that the entries below a path are one run found by
/// binary search, with each entry's key path joined once.
pub struct PathIndex {
    by_path: Vec<usize>,
    /// Each entry's path joined with `.`, and where each of its segments starts in that string.
    keys: Vec<(String, Vec<usize>)>,
}

impl PathIndex {
    /// Sorts `entries` by path: O(n log n), once per file.
    pub fn new(entries: &[Entry]) -> Self {
        let mut by_path: Vec<usize> = (0..entries.len()).collect();
        by_path.sort_by(|&left, &right| {
            let path = |index: usize| entries.get(index).map(|entry| entry.path.as_slice());
            path(left).cmp(&path(right))
        });
        let keys = entries
            .iter()
            .map(|entry| {
                let mut starts = Vec::with_capacity(entry.path.len());
                let mut key = String::new();
                for segment in &entry.path {
                    if !starts.is_empty() {
                        key.push('.');
                    }
                    starts.push(key.len());
                    key.push_str(segment);
                }
                (key, starts)
            })
            .collect();
        Self { by_path, keys }
    }
}

/// A [`PathIndex`] with the entries it indexes.
struct Paths<'d> {
    entries: &'d [Entry],
    index: &'d PathIndex,
}

impl<'d> Paths<'d> {
    /// Entry `index`'s key path without its first `depth` segments, joined with `.`.
    fn key(&self, index: usize, depth: usize) -> &str {
        let Some((key, starts)) = self.index.keys.get(index) else {
            return "";
        };
        let from = match starts.get(depth) {
            Some(&start) => start,
            None if depth == 0 => 0,
            None => key.len(),
        };
        key.get(from..).unwrap_or_default()
    }

    /// Indices of the entries strictly below `prefix`, in document order.
    fn below(&self, prefix: &[String]) -> impl Iterator<Item = usize> + 'd {
        let mut below: Vec<usize> = self.run_below(prefix).to_vec();
        below.sort_unstable();
        let depth = prefix.len();
        let entries = self.entries;
        below.into_iter().filter(move |&index| {
            entries
                .get(index)
                .is_some_and(|entry| entry.path.len() > depth)
        })
    }

    /// The entries one level below `parent`, in path order.
    fn children(&self, parent: &[String]) -> impl Iterator<Item = &'d Entry> + '_ {
        let depth = parent.len() + 1;
        let entries = self.entries;
        self.run_below(parent)
            .iter()
            .filter_map(move |&index| entries.get(index))
            .filter(move |entry| entry.path.len() == depth)
    }

    /// The indices, in path order, of the entries whose path starts with `prefix` (itself too).
    fn run_below(&self, prefix: &[String]) -> &[usize] {
        let path = |index: &usize| {
            self.entries
                .get(*index)
                .map_or(&[][..], |entry| entry.path.as_slice())
        };
        // Paths that extend `prefix` sort right after it and before any other greater path.
        let start = self
            .index
            .by_path
            .partition_point(|index| path(index) < prefix);
        let run = self.index.by_path.get(start..).unwrap_or_default();
        let end = run.partition_point(|index| path(index).starts_with(prefix));
        run.get(..end).unwrap_or_default()
    }
}

fn value_passes(test: &CompiledValueTest, entry: &Entry, text: &str) -> bool {
    let value = entry.text(text);
    if !test.equals.is_empty()
        && !test
            .equals
            .iter()
            .any(|wanted| wanted.eq_ignore_ascii_case(value.trim()))
    {
        return false;
    }
    let is_literal = entry.kind == ValueKind::String && !value.trim().is_empty();
    if test.literal && !is_literal {
        return false;
    }
    test.matches
        .as_ref()
        .is_none_or(|regex| regex.is_match(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::LazyRegex;

    fn regex(pattern: &str) -> LazyRegex {
        LazyRegex::new(pattern).unwrap_or_else(|error| panic!("{pattern}: {error}"))
    }

    fn value_matching(pattern: &str) -> CompiledValueTest {
        CompiledValueTest {
            equals: Vec::new(),
            literal: false,
            matches: Some(regex(pattern)),
            needs: std::sync::OnceLock::new(),
        }
    }

    /// Storage accounts without `allowSharedKeyAccess`, where another resource has an identity.
    fn storage_default_beside_identity() -> CompiledSetting {
        CompiledSetting {
            formats: vec![Format::Bicep],
            resources: vec!["Microsoft.Storage/storageAccounts".into()],
            key: regex("^name$"),
            value: value_matching("."),
            siblings: Vec::new(),
            missing: Some(regex(r"^properties\.allowSharedKeyAccess$")),
            another_resource: Some(CompiledResourceTest {
                resources: Vec::new(),
                key: regex(r"^identity\.type$"),
                value: value_matching("(?i)assigned"),
            }),
            needs: std::sync::OnceLock::new(),
        }
    }

    /// The names of the resources the alternative reports.
    fn reported(text: &str) -> Vec<String> {
        let document = crate::parse::parse(Format::Bicep, text);
        let paths = PathIndex::new(&document.entries);
        find(
            &document,
            &paths,
            &[storage_default_beside_identity()],
            Format::Bicep,
            text,
        )
        .iter()
        .map(|found| found.entry.text(text).to_owned())
        .collect()
    }

    const STORAGE: &str = "resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'klfakesa'\n  properties: {\n    minimumTlsVersion: 'TLS1_2'\n  }\n}\n";
    const APP_WITH_IDENTITY: &str = "resource app 'Microsoft.Web/sites@2023-12-01' = {\n  name: 'kl-fake-app'\n  identity: {\n    type: 'SystemAssigned'\n  }\n}\n";

    #[test]
    fn another_resource_must_pass_the_test() {
        assert_eq!(
            reported(&format!("{STORAGE}{APP_WITH_IDENTITY}")),
            ["klfakesa"]
        );
        // No other resource, or one without an identity.
        assert!(reported(STORAGE).is_empty());
        let app = APP_WITH_IDENTITY.replace("SystemAssigned", "None");
        assert!(reported(&format!("{STORAGE}{app}")).is_empty());
    }

    #[test]
    fn the_matched_resource_itself_does_not_count() {
        let storage_with_identity = STORAGE.replace(
            "  properties:",
            "  identity: {\n    type: 'SystemAssigned'\n  }\n  properties:",
        );
        assert!(reported(&storage_with_identity).is_empty());
        // Two storage accounts with identities: each has the other.
        let second = storage_with_identity
            .replace("sa '", "sb '")
            .replace("klfakesa", "klfakesb");
        assert_eq!(
            reported(&format!("{storage_with_identity}{second}")),
            ["klfakesa", "klfakesb"]
        );
    }

    #[test]
    fn another_resource_may_be_limited_to_types() {
        let mut alternative = storage_default_beside_identity();
        if let Some(test) = alternative.another_resource.as_mut() {
            test.resources = vec!["Microsoft.App/containerApps".into()];
        }
        let text = format!("{STORAGE}{APP_WITH_IDENTITY}");
        let document = crate::parse::parse(Format::Bicep, &text);
        let paths = PathIndex::new(&document.entries);
        assert!(find(&document, &paths, &[alternative], Format::Bicep, &text).is_empty());
    }

    #[test]
    fn missing_still_silences() {
        let text = format!(
            "{}{APP_WITH_IDENTITY}",
            STORAGE.replace("minimumTlsVersion: 'TLS1_2'", "allowSharedKeyAccess: false")
        );
        assert!(reported(&text).is_empty());
    }

    #[test]
    fn a_value_pattern_rules_out_files_without_its_words() {
        let output_keys = value_matching(r"(?-u:\b)list(?:Keys|Secrets)\s*\(");
        let cases = [
            ("output key string = sa.listKeys().keys[0].value", true),
            ("\"value\": \"[LISTSECRETS (variables('id'))]\"", true),
            (
                "output blob string = sa.properties.primaryEndpoints.blob",
                false,
            ),
        ];
        for (text, passes) in cases {
            assert_eq!(output_keys.may_pass_in(text), passes, "{text}");
        }
        // A value the parser makes up is in no file: a pattern it passes needs no word.
        for pattern in ["(?i)^securestring$", "^true$"] {
            assert!(value_matching(pattern).may_pass_in(""), "{pattern}");
        }
        let document = crate::parse::parse(
            Format::Bicep,
            "@secure()\nparam a string\n@secure()\nparam b object\nresource r 'T@1' existing = { name: 'r' }\n",
        );
        let synthetic: Vec<&str> = document
            .entries
            .iter()
            .filter_map(|entry| entry.synthetic)
            .collect();
        assert_eq!(synthetic, ["securestring", "secureObject", "true"]);
    }
}
