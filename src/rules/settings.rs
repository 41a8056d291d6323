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
    for alternative in alternatives {
        if !alternative.formats.is_empty() && !alternative.formats.contains(&format) {
            continue;
        }
        if alternative.resources.is_empty() {
            for entry in &document.entries {
                let key = entry.path.join(".");
                if matches(alternative, document, entry, &key, text) {
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
                && document
                    .below(&resource.path)
                    .any(|(relative, _)| missing.is_match(&relative.join(".")))
            {
                continue;
            }
            for (relative, entry) in document.below(&resource.path) {
                let key = relative.join(".");
                if matches(alternative, document, entry, &key, text) {
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
    document: &Document,
    entry: &Entry,
    key: &str,
    text: &str,
) -> bool {
    alternative.key.is_match(key)
        && value_passes(&alternative.value, entry, text)
        && alternative.siblings.iter().all(|(name, test)| {
            siblings(document, entry)
                .any(|sibling| name.is_match(sibling.name()) && value_passes(test, sibling, text))
        })
}

fn siblings<'d>(document: &'d Document, entry: &'d Entry) -> impl Iterator<Item = &'d Entry> + 'd {
    let parent = entry
        .path
        .split_last()
        .map_or(&[][..], |(_, parent)| parent);
    document.entries.iter().filter(move |other| {
        other.path.len() == entry.path.len() && other.path.starts_with(parent) && *other != entry
    })
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
