//! The innermost entry of a parsed document that holds a byte offset, for `within: key` contexts
//! and `{setting}` in messages: asked once per match, so it must not walk every entry each time.

use std::collections::BTreeSet;

use crate::parse::Entry;

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
}
