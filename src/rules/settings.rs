//! Setting rules: find the entries of a parsed [`Document`] that a rule's alternatives describe
//! (a key path, possibly inside a resource of given types, whose value and siblings pass tests).

use super::{CompiledSetting, CompiledValueTest};
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
pub fn find<'d>(
    document: &'d Document,
    alternatives: &[CompiledSetting],
    format: Format,
    text: &str,
) -> Vec<SettingMatch<'d>> {
    let mut found: Vec<SettingMatch<'d>> = Vec::new();
    let index = PathIndex::new(document);
    for alternative in alternatives {
        if !alternative.formats.is_empty() && !alternative.formats.contains(&format) {
            continue;
        }
        if alternative.resources.is_empty() {
            for entry in &document.entries {
                let key = entry.path.join(".");
                if matches(alternative, &index, entry, &key, text) {
                    found.push(SettingMatch {
                        entry,
                        key,
                        resource: "",
                        literal: alternative.value.literal,
                        report_at: None,
                    });
                }
            }
            continue;
        }
        for resource in &document.resources {
            if !alternative
                .resources
                .iter()
                .any(|wanted| wanted.eq_ignore_ascii_case(&resource.type_name))
            {
                continue;
            }
            if let Some(missing) = &alternative.missing
                && index
                    .below(&resource.path)
                    .any(|(relative, _)| missing.is_match(&relative.join(".")))
            {
                continue;
            }
            for (relative, entry) in index.below(&resource.path) {
                let key = relative.join(".");
                if matches(alternative, &index, entry, &key, text) {
                    found.push(SettingMatch {
                        entry,
                        key,
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

fn matches(
    alternative: &CompiledSetting,
    index: &PathIndex<'_>,
    entry: &Entry,
    key: &str,
    text: &str,
) -> bool {
    alternative.key.is_match(key)
        && value_passes(&alternative.value, entry, text)
        && alternative.siblings.iter().all(|(name, test)| {
            siblings(index, entry)
                .any(|sibling| name.is_match(sibling.name()) && value_passes(test, sibling, text))
        })
}

fn siblings<'d>(index: &PathIndex<'d>, entry: &'d Entry) -> impl Iterator<Item = &'d Entry> + 'd {
    let parent = entry
        .path
        .split_last()
        .map_or(&[][..], |(_, parent)| parent);
    index
        .below(parent)
        .map(|(_, other)| other)
        .filter(move |other| other.path.len() == entry.path.len() && *other != entry)
}

/// A document's entries sorted by path, so that the entries below a path are one run found by
/// binary search: [`Document::below`] walks every entry, and once per resource (or per matched
/// entry, for siblings) that is quadratic in big templates.
struct PathIndex<'d> {
    entries: &'d [Entry],
    by_path: Vec<usize>,
}

impl<'d> PathIndex<'d> {
    fn new(document: &'d Document) -> Self {
        let entries = document.entries.as_slice();
        let mut by_path: Vec<usize> = (0..entries.len()).collect();
        by_path.sort_by(|&left, &right| {
            let path = |index: usize| entries.get(index).map(|entry| entry.path.as_slice());
            path(left).cmp(&path(right))
        });
        Self { entries, by_path }
    }

    /// What [`Document::below`] yields, in document order.
    fn below(&self, prefix: &[String]) -> impl Iterator<Item = (&'d [String], &'d Entry)> + 'd {
        let path = |index: &usize| {
            self.entries
                .get(*index)
                .map_or(&[][..], |entry| entry.path.as_slice())
        };
        // Paths that extend `prefix` sort right after it and before any other greater path.
        let start = self.by_path.partition_point(|index| path(index) <= prefix);
        let run = self.by_path.get(start..).unwrap_or_default();
        let end = run.partition_point(|index| path(index).starts_with(prefix));
        let mut below: Vec<usize> = run.get(..end).unwrap_or_default().to_vec();
        below.sort_unstable();
        let entries = self.entries;
        let depth = prefix.len();
        below.into_iter().filter_map(move |index| {
            let entry = entries.get(index)?;
            Some((entry.path.get(depth..)?, entry))
        })
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
