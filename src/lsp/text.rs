//! Editor positions: LSP counts 0-based lines and UTF-16 code units; keyless counts bytes.
//!
//! A [`LineIndex`] converts between the two for one text, and [`apply_change`] applies an
//! incremental `didChange` edit. Every conversion clamps: a position past the end of a line or
//! of the text, or in the middle of a character, lands on the nearest valid place instead of
//! panicking, because clients do send such positions.

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

/// Byte offsets of line starts, for converting between byte offsets and LSP positions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|(_, byte)| *byte == b'\n')
                    .map(|(at, _)| at + 1),
            )
            .collect();
        Self { line_starts }
    }

    /// Number of lines (a trailing newline starts an empty last line, as editors count).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte range of a 0-based line without its terminator (`\n` or `\r\n`); empty past the end.
    pub fn line_range(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let Some(&start) = self.line_starts.get(line) else {
            return text.len()..text.len();
        };
        let mut end = self
            .line_starts
            .get(line + 1)
            .map_or(text.len(), |next| next - 1);
        if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        start..end.max(start)
    }

    /// The LSP position of a byte offset (clamped to the text, floored to a char boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_boundary(text, offset.min(text.len()));
        let line = match self.line_starts.binary_search(&offset) {
            Ok(index) => index,
            Err(index) => index.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let units = text
            .get(start..offset)
            .map_or(0, |prefix| prefix.encode_utf16().count());
        Position::new(to_u32(line), to_u32(units))
    }

    /// The LSP range of a byte range.
    pub fn range(&self, text: &str, bytes: std::ops::Range<usize>) -> Range {
        Range::new(
            self.position(text, bytes.start),
            self.position(text, bytes.end),
        )
    }

    /// The byte offset of an LSP position. A line past the end gives the end of the text; a
    /// column past the end of its line gives the end of the line; a column inside a surrogate
    /// pair gives the start of that character.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let line = position.line as usize;
        if line >= self.line_starts.len() {
            return text.len();
        }
        let range = self.line_range(text, line);
        let wanted = position.character as usize;
        let mut units = 0;
        let line_text = text.get(range.clone()).unwrap_or_default();
        for (at, character) in line_text.char_indices() {
            let next = units + character.len_utf16();
            if next > wanted {
                return range.start + at;
            }
            units = next;
        }
        range.end
    }
}

/// Applies one `didChange` content change: a ranged replacement, or the whole text.
pub fn apply_change(text: &mut String, change: TextDocumentContentChangeEvent) {
    match change.range {
        Some(range) => {
            let index = LineIndex::new(text);
            let start = index.offset(text, range.start);
            let end = index.offset(text, range.end).max(start);
            text.replace_range(start..end, &change.text);
        }
        None => *text = change.text,
    }
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "a\r\n😀é=x\nlast";
        let index = LineIndex::new(text);
        // `=` is after a 4-byte emoji (2 UTF-16 units) and a 2-byte é (1 unit).
        let equals = text.find('=').unwrap_or_default();
        assert_eq!(index.position(text, equals), Position::new(1, 3));
        assert_eq!(index.offset(text, Position::new(1, 3)), equals);
        // Inside the surrogate pair: the start of the emoji.
        assert_eq!(index.offset(text, Position::new(1, 1)), 3);
        // Past the end of a line: the line's end, before `\r\n`.
        assert_eq!(index.offset(text, Position::new(0, 99)), 1);
        // Past the last line: the end of the text.
        assert_eq!(index.offset(text, Position::new(9, 0)), text.len());
        // Offsets inside a character floor to its start.
        assert_eq!(index.position(text, 4), Position::new(1, 0));
        assert_eq!(index.position(text, 999), Position::new(2, 4));
    }

    #[test]
    fn incremental_changes_apply_in_place() {
        let mut text = "key=😀value\nnext".to_owned();
        apply_change(
            &mut text,
            TextDocumentContentChangeEvent {
                range: Some(Range::new(Position::new(0, 6), Position::new(0, 11))),
                range_length: None,
                text: "V".into(),
            },
        );
        assert_eq!(text, "key=😀V\nnext");
        apply_change(
            &mut text,
            TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: "whole".into(),
            },
        );
        assert_eq!(text, "whole");
    }
}
