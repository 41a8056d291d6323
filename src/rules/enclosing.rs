//! The innermost entry of a parsed document that holds a byte offset, for `within: key` contexts
//! and `{setting}` in messages: asked once per match, so it must not walk every entry each time.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use crate::parse::{Document, Entry, ValueKind};

/// The entries' value spans cut into elementary pieces, each with the innermost entry that
/// covers it: the deepest, and of equally deep ones the last in document order.
pub(super) struct Innermost {
    /// Where each piece starts, increasing; a piece ends where the next starts.
    starts: Vec<usize>,
    /// The entry index covering each piece, if any.
    owners: Vec<Option<usize>>,
}

impl Innermost {
    /// Sweeps the entries' spans (`value`, at least one byte long) once: O(n log n).
    pub(super) fn new(entries: &[Entry]) -> Self {
        // (offset, opens, entry): at one offset closing comes before opening.
        let mut events: Vec<(usize, bool, usize)> = Vec::with_capacity(entries.len() * 2);
        for (index, entry) in entries.iter().enumerate() {
            let span = entry.value.start..entry.value.end.max(entry.value.start + 1);
            events.push((span.start, true, index));
            events.push((span.end, false, index));
        }
        events.sort_unstable();
        let mut open: BTreeSet<(usize, usize)> = BTreeSet::new();
        let mut starts = Vec::new();
        let mut owners = Vec::new();
        let mut events = events.into_iter().peekable();
        while let Some(&(offset, _, _)) = events.peek() {
            while let Some((_, opens, index)) = events.next_if(|event| event.0 == offset) {
                let depth = entries.get(index).map_or(0, |entry| entry.path.len());
                if opens {
                    open.insert((depth, index));
                } else {
                    open.remove(&(depth, index));
                }
            }
            starts.push(offset);
            owners.push(open.last().map(|&(_, index)| index));
        }
        Self { starts, owners }
    }

    /// The index of the innermost entry whose span holds `offset`.
    pub(super) fn at(&self, offset: usize) -> Option<usize> {
        let piece = self.starts.partition_point(|&start| start <= offset);
        *self.owners.get(piece.checked_sub(1)?)?
    }
}

/// Setting names of a document's values ([`Document::setting_name_at`]) without a walk over every
/// entry per question: the innermost entry by [`Innermost`], and each `{ name: X, value: ... }`
/// item's names by the parent path they share.
pub(super) struct SettingNames {
    innermost: Innermost,
    /// Per parent path, the `name` / `key` entries below it: (value start, entry), by start.
    names: HashMap<Vec<String>, Vec<(usize, usize)>>,
    /// Scalar entries with a non-empty value: (value start, entry), by start.
    scalars: Vec<(usize, usize)>,
}

impl SettingNames {
    pub(super) fn new(document: &Document) -> Self {
        let mut names: HashMap<Vec<String>, Vec<(usize, usize)>> = HashMap::new();
        let mut scalars = Vec::new();
        for (index, entry) in document.entries.iter().enumerate() {
            if matches!(entry.name(), "name" | "key" | "Name" | "Key")
                && let Some(parent) = entry.path.get(..entry.path.len().saturating_sub(1))
            {
                names
                    .entry(parent.to_vec())
                    .or_default()
                    .push((entry.value.start, index));
            }
            if !matches!(entry.kind, ValueKind::Object | ValueKind::Array)
                && entry.value.start < entry.value.end
            {
                scalars.push((entry.value.start, index));
            }
        }
        for list in names.values_mut() {
            list.sort_unstable();
        }
        scalars.sort_unstable();
        Self {
            innermost: Innermost::new(&document.entries),
            names,
            scalars,
        }
    }

    /// [`Document::setting_name_at`], answered from the index.
    pub(super) fn at(&self, document: &Document, text: &str, offset: usize) -> Option<String> {
        let entry = document.entries.get(self.innermost.at(offset)?)?;
        let name = entry.name();
        if matches!(
            name,
            "value" | "Value" | "connectionString" | "connectionstring"
        ) {
            let parent = entry.path.get(..entry.path.len().saturating_sub(1))?;
            // The nearest `name` before the value; of two at one offset, the later entry.
            let sibling = self.names.get(parent).and_then(|list| {
                let before = list.partition_point(|&(start, _)| start < offset);
                list.get(before.checked_sub(1)?)
            });
            if let Some(found) = sibling.and_then(|&(_, index)| document.entries.get(index)) {
                return Some(found.text(text).to_owned());
            }
        }
        let numeric = name.chars().all(|character| character.is_ascii_digit());
        (!name.is_empty() && !numeric).then(|| name.to_owned())
    }

    /// [`Document::setting_names_within`], answered from the index.
    pub(super) fn within(
        &self,
        document: &Document,
        text: &str,
        range: Range<usize>,
    ) -> Vec<String> {
        let first = self
            .scalars
            .partition_point(|&(start, _)| start < range.start);
        self.scalars[first..]
            .iter()
            .take_while(|&&(start, _)| start < range.end)
            .filter_map(|&(_, index)| document.entries.get(index))
            .filter(|entry| entry.value.end <= range.end)
            .filter_map(|entry| self.at(document, text, entry.value.start))
            .collect()
    }
}

/// The template resources' bodies, for the innermost resource that holds an offset.
pub(super) struct ResourceBodies {
    /// The body entries, as [`Innermost`] takes them.
    bodies: Vec<Entry>,
    /// For each body, its resource and its `kind` entry, if it has one.
    owners: Vec<(usize, Option<usize>)>,
    innermost: Innermost,
}

impl ResourceBodies {
    pub(super) fn new(document: &Document) -> Self {
        let mut by_path: HashMap<&[String], usize> = HashMap::new();
        for (index, resource) in document.resources.iter().enumerate() {
            by_path.entry(resource.path.as_slice()).or_insert(index);
        }
        let mut kinds: HashMap<&[String], usize> = HashMap::new();
        let mut bodies = Vec::new();
        let mut owners = Vec::new();
        for (index, entry) in document.entries.iter().enumerate() {
            if let Some(&resource) = by_path.get(entry.path.as_slice()) {
                bodies.push(entry.clone());
                owners.push((resource, None));
            } else if entry.name() == "kind"
                && let Some(parent) = entry.path.get(..entry.path.len().saturating_sub(1))
                && by_path.contains_key(parent)
            {
                kinds.entry(parent).or_insert(index);
            }
        }
        for (body, owner) in bodies.iter().zip(owners.iter_mut()) {
            owner.1 = kinds.get(body.path.as_slice()).copied();
        }
        Self {
            innermost: Innermost::new(&bodies),
            bodies,
            owners,
        }
    }

    /// The innermost resource (its index in [`Document::resources`]) whose body holds `offset`,
    /// with its `kind` entry, if it has one.
    pub(super) fn at(&self, offset: usize) -> Option<(usize, Option<usize>)> {
        let body = self.innermost.at(offset)?;
        // Innermost counts an empty span's start as inside it; a body never is that small.
        self.bodies
            .get(body)
            .filter(|entry| entry.value.contains(&offset))?;
        self.owners.get(body).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::ValueKind;

    fn entry(path: &[&str], value: std::ops::Range<usize>) -> Entry {
        Entry {
            path: path.iter().map(|segment| (*segment).to_owned()).collect(),
            key: value.clone(),
            value,
            kind: ValueKind::String,
            synthetic: None,
        }
    }

    /// What the index replaces: a walk over every entry.
    fn naive(entries: &[Entry], offset: usize) -> Option<usize> {
        entries
            .iter()
            .enumerate()
            .filter(|(_, entry)| {
                entry.value.start <= offset && offset < entry.value.end.max(entry.value.start + 1)
            })
            .max_by_key(|(_, entry)| entry.path.len())
            .map(|(index, _)| index)
    }

    #[test]
    fn agrees_with_a_walk_over_every_entry() {
        let entries = vec![
            entry(&["a"], 0..40),
            entry(&["a", "b"], 2..10),
            entry(&["a", "c"], 12..12),
            entry(&["a", "d"], 14..30),
            entry(&["a", "d", "e"], 16..20),
            // Duplicate paths (a second document in the file), overlapping and empty spans.
            entry(&["a", "d"], 18..25),
            entry(&["x"], 50..50),
            entry(&["y"], 45..60),
            entry(&["y", "z"], 45..60),
        ];
        let index = Innermost::new(&entries);
        for offset in 0..70 {
            assert_eq!(index.at(offset), naive(&entries, offset), "offset {offset}");
        }
        assert_eq!(Innermost::new(&[]).at(3), None);
    }

    #[test]
    fn setting_names_agree_with_the_document_at_every_offset() {
        let text = r#"{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [ { "type": "Microsoft.Web/sites", "apiVersion": "2023-12-01", "kind": "functionapp",
  "properties": { "siteConfig": { "appSettings": [
    { "name": "AzureWebJobsStorage", "value": "[listKeys('a', '2019-06-01').keys[0].value]" },
    { "value": "x", "name": "Later" },
    { "name": "Other", "value": "y" } ] },
  "connectionStrings": { "Db": "Server=tcp:x" } } } ] }"#;
        for format in [crate::parse::Format::Json] {
            let document = crate::parse::parse(format, text);
            let names = SettingNames::new(&document);
            for offset in 0..=text.len() {
                assert_eq!(
                    names.at(&document, text, offset),
                    document.setting_name_at(text, offset),
                    "at {offset}"
                );
            }
            for start in (0..text.len()).step_by(7) {
                for end in (start..=text.len()).step_by(11) {
                    assert_eq!(
                        names.within(&document, text, start..end),
                        document.setting_names_within(text, start..end),
                        "within {start}..{end}"
                    );
                }
            }
            assert_eq!(document.resources.len(), 1, "{:?}", document.resources);
            let bodies = ResourceBodies::new(&document);
            let inside = text.find("appSettings").unwrap_or(0);
            let (resource, kind) = bodies.at(inside).expect("inside the site");
            assert_eq!(
                document.resources[resource].type_name,
                "Microsoft.Web/sites"
            );
            assert_eq!(
                kind.map(|index| document.entries[index].text(text)),
                Some("functionapp")
            );
            assert_eq!(bodies.at(0), None);
        }
    }
}
