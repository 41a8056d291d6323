//! Text a file means rather than what it spells: a notebook's cells decoded from their JSON
//! strings, an `.http` file with its `{{variables}}` filled in. Text rules run on the derived
//! text too, and every match is mapped back to the bytes of the file it came from.

use std::ops::Range;

/// How a file's derived text is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decoder {
    /// Jupyter notebook cells decoded from JSON ([`super::notebook`]).
    NotebookCells,
    /// `.http` / `.rest` requests with their variables filled in ([`super::http`]).
    HttpVariables,
}

impl Decoder {
    /// The decoder of a file, from its name (see [`crate::filetypes::FILE_TYPES`]).
    pub fn of_path(path: &str) -> Option<Decoder> {
        match crate::filetypes::of_path(path)?.read_as {
            crate::filetypes::ReadAs::Decoded(decoder) => Some(decoder),
            _ => None,
        }
    }

    /// What keeps the derived text from being whole (a notebook's JSON breaks off), for a
    /// diagnostic; the scan goes on with what could be read.
    pub fn problem(self, text: &str) -> Option<String> {
        match self {
            Decoder::NotebookCells => super::notebook::problem(text),
            // Every line of an `.http` file is text; nothing can be malformed.
            Decoder::HttpVariables => None,
        }
    }

    /// The derived text of `text`, when it has one that differs from the text itself.
    pub fn decode(self, text: &str) -> Option<DerivedText> {
        match self {
            Decoder::NotebookCells => super::notebook::cell_text(text),
            Decoder::HttpVariables => super::http::substituted(text),
        }
    }
}

/// A stretch of derived text and the original bytes it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    /// Start in the derived text.
    derived: usize,
    /// Start in the original text.
    original: usize,
    derived_len: usize,
    original_len: usize,
    /// Copied byte for byte: an offset inside maps to the same offset inside the original.
    /// Otherwise (an escape sequence) the segment maps to its original bytes as a whole.
    copy: bool,
}

/// Derived text with a map back to the original file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DerivedText {
    text: String,
    /// Sorted by `derived`, contiguous, covering `text`.
    segments: Vec<Segment>,
}

impl DerivedText {
    /// The derived text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Appends `original[range]` as it is.
    pub fn push_copy(&mut self, original: &str, range: Range<usize>) {
        let Some(piece) = original.get(range.clone()) else {
            return;
        };
        if piece.is_empty() {
            return;
        }
        let derived = self.text.len();
        self.text.push_str(piece);
        if let Some(last) = self.segments.last_mut()
            && last.copy
            && last.derived + last.derived_len == derived
            && last.original + last.original_len == range.start
        {
            last.derived_len += piece.len();
            last.original_len += piece.len();
            return;
        }
        self.segments.push(Segment {
            derived,
            original: range.start,
            derived_len: piece.len(),
            original_len: piece.len(),
            copy: true,
        });
    }

    /// Appends `piece`, which stands for `original` as a whole (an escape sequence, a
    /// separator): a match that touches it is reported on all of `original`.
    pub fn push_for(&mut self, piece: &str, original: Range<usize>) {
        if piece.is_empty() {
            return;
        }
        let derived = self.text.len();
        self.text.push_str(piece);
        self.segments.push(Segment {
            derived,
            original: original.start,
            derived_len: piece.len(),
            original_len: original.end.saturating_sub(original.start),
            copy: false,
        });
    }

    /// True when the text ends with a line break (or is empty).
    pub fn at_line_start(&self) -> bool {
        self.text.is_empty() || self.text.ends_with('\n')
    }

    /// The original bytes a derived range stands for.
    pub fn original_range(&self, range: &Range<usize>) -> Range<usize> {
        let start = self.map(range.start, false);
        let end = if range.end > range.start {
            self.map(range.end - 1, true)
        } else {
            start
        };
        start..end.max(start)
    }

    /// Where derived byte `offset` sits in the original: its start, or (with `end`) just past it.
    fn map(&self, offset: usize, end: bool) -> usize {
        let index = self
            .segments
            .partition_point(|segment| segment.derived <= offset)
            .saturating_sub(1);
        let Some(segment) = self.segments.get(index) else {
            return 0;
        };
        let inside = offset.saturating_sub(segment.derived);
        if segment.copy {
            segment.original + (inside + usize::from(end)).min(segment.original_len)
        } else if end {
            segment.original + segment.original_len
        } else {
            segment.original
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_map_inside_and_escapes_map_whole() {
        let original = r#"say "a\"bc" now"#;
        let mut derived = DerivedText::default();
        derived.push_copy(original, 5..6);
        derived.push_for("\"", 6..8);
        derived.push_copy(original, 8..10);
        assert_eq!(derived.text(), "a\"bc");
        assert_eq!(derived.original_range(&(0..1)), 5..6);
        assert_eq!(derived.original_range(&(1..2)), 6..8);
        assert_eq!(derived.original_range(&(0..4)), 5..10);
        assert_eq!(derived.original_range(&(2..4)), 8..10);
    }
}
