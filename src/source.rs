//! A file's bytes turned into text, with a line index for 1-based positions.
//!
//! Owns encoding decisions (UTF-8, UTF-8 with BOM, UTF-16 with or without BOM, lossy fallback) and
//! binary detection. It never reads the file system: callers hand it bytes.

use std::borrow::Cow;

/// How many leading bytes are inspected to decide whether a file is binary.
pub const BINARY_SNIFF_LEN: usize = 8 * 1024;

/// The encoding a file was decoded from; reported in diagnostics and kept for rewrites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, possibly with invalid sequences replaced (see [`SourceText::lossy`]).
    Utf8,
    /// UTF-8 starting with the byte order mark `EF BB BF`.
    Utf8Bom,
    /// UTF-16 little endian (with a BOM, or recognised by its zero bytes).
    Utf16Le,
    /// UTF-16 big endian (with a BOM, or recognised by its zero bytes).
    Utf16Be,
}

/// What decoding made of a file's bytes.
#[derive(Debug)]
pub enum Decoded {
    /// The file is text.
    Text(SourceText),
    /// The file holds a NUL byte early on and no UTF-16 signature: skipped as binary.
    Binary,
}

/// Decoded text plus everything needed to turn byte offsets into line and column.
#[derive(Debug)]
pub struct SourceText {
    text: String,
    encoding: Encoding,
    lossy: bool,
    /// Byte offsets where lines start; built on first use, since most files have no finding
    /// and never need a position.
    line_starts: std::sync::OnceLock<Vec<usize>>,
    /// Characters before each [`CHAR_BLOCK`]-byte block, built on the first column asked for on
    /// a long line, so that columns on one huge line cost O(block), not O(line), each.
    block_chars: std::sync::OnceLock<Vec<usize>>,
}

/// Lines shorter than this count their columns directly; longer ones use the block index.
const CHAR_BLOCK: usize = 4096;

impl SourceText {
    /// Builds a source from text that is already decoded (rule examples, editor buffers).
    pub fn from_text(text: impl Into<String>) -> Self {
        Self::new(text.into(), Encoding::Utf8, false)
    }

    fn new(text: String, encoding: Encoding, lossy: bool) -> Self {
        Self {
            text,
            encoding,
            lossy,
            line_starts: std::sync::OnceLock::new(),
            block_chars: std::sync::OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|at| at + 1))
                .collect()
        })
    }

    /// Unicode scalar values in `text[..offset]` (`offset` on a character boundary): UTF-8
    /// continuation bytes are the only bytes that do not start a character.
    fn chars_before(&self, offset: usize) -> usize {
        let starts = |bytes: &[u8]| bytes.iter().filter(|byte| (**byte & 0xC0) != 0x80).count();
        let bytes = self.text.as_bytes();
        let blocks = self.block_chars.get_or_init(|| {
            let mut total = 0;
            let mut counts = vec![0];
            for block in bytes.chunks(CHAR_BLOCK) {
                total += starts(block);
                counts.push(total);
            }
            counts
        });
        let block = offset / CHAR_BLOCK;
        let before_block = blocks.get(block).copied().unwrap_or(0);
        before_block + bytes.get(block * CHAR_BLOCK..offset).map_or(0, starts)
    }

    /// The decoded text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The encoding the bytes were decoded from.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// True when invalid sequences were replaced with U+FFFD while decoding.
    pub fn lossy(&self) -> bool {
        self.lossy
    }

    /// Number of lines (a trailing newline does not start a new line for this count).
    pub fn line_count(&self) -> usize {
        match self.text.as_bytes().last() {
            Some(b'\n') => self.line_starts().len() - 1,
            _ => self.line_starts().len(),
        }
    }

    /// 1-based (line, column) of a byte offset; columns count Unicode scalar values.
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line_index = match self.line_starts().binary_search(&offset) {
            Ok(index) => index,
            Err(index) => index.saturating_sub(1),
        };
        let line_start = self.line_starts().get(line_index).copied().unwrap_or(0);
        let column = match self.text.get(line_start..offset) {
            Some(prefix) if prefix.len() < CHAR_BLOCK => prefix.chars().count(),
            Some(_) => self.chars_before(offset) - self.chars_before(line_start),
            None => offset - line_start,
        };
        Position {
            line: line_index + 1,
            column: column + 1,
        }
    }

    /// Byte range of a 1-based line, without its line terminator.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let start = line
            .checked_sub(1)
            .and_then(|index| self.line_starts().get(index))
            .copied()
            .unwrap_or(self.text.len());
        let end = self
            .line_starts()
            .get(line)
            .map_or(self.text.len(), |next| next - 1);
        let end = end.max(start);
        let trimmed_end =
            if self.text.as_bytes().get(end.wrapping_sub(1)) == Some(&b'\r') && end > start {
                end - 1
            } else {
                end
            };
        start..trimmed_end
    }

    /// The text of a 1-based line, without its line terminator.
    pub fn line(&self, line: usize) -> &str {
        self.text.get(self.line_range(line)).unwrap_or("")
    }
}

/// The SDK language of a source file, by extension, as named in remediation data.
pub fn language_of(path: &str) -> Option<&'static str> {
    let extension = path
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase())?;
    Some(match extension.as_str() {
        "cs" | "csx" => "csharp",
        "py" | "pyi" => "python",
        "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" => "javascript",
        "java" | "kt" | "kts" | "scala" | "groovy" => "java",
        "go" => "go",
        "ps1" | "psm1" | "psd1" => "powershell",
        "rs" => "rust",
        _ => return None,
    })
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in Unicode scalar values.
    pub column: usize,
}

/// Decodes a file's bytes: BOMs first, then UTF-16 recognised by its zero bytes, then binary
/// detection, then UTF-8 (lossily when it is not valid).
pub fn decode(bytes: &[u8]) -> Decoded {
    decode_owned(bytes.to_vec())
}

/// [`decode`], taking the bytes: valid UTF-8 without a BOM (most files) becomes the text without
/// a copy.
pub fn decode_owned(mut bytes: Vec<u8>) -> Decoded {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        // UTF-8 with a BOM (most C# files Visual Studio wrote): validated in place, which is
        // several times faster than the lossy decoder, and copied only when it is not UTF-8.
        bytes.drain(..3);
        return match String::from_utf8(bytes) {
            Ok(text) => Decoded::Text(SourceText::new(text, Encoding::Utf8Bom, false)),
            Err(error) => {
                let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
                Decoded::Text(SourceText::new(text, Encoding::Utf8Bom, true))
            }
        };
    }
    if bytes.starts_with(&[0xFF, 0xFE])
        || bytes.starts_with(&[0xFE, 0xFF])
        || bytes[..bytes.len().min(BINARY_SNIFF_LEN)].contains(&0)
    {
        return decode_marked(&bytes);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Decoded::Text(SourceText::new(text, Encoding::Utf8, false)),
        Err(error) => {
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            Decoded::Text(SourceText::new(text, Encoding::Utf8, true))
        }
    }
}

/// Whether a file whose first [`BINARY_SNIFF_LEN`] bytes (or all, if shorter) are `head` decodes
/// as [`Decoded::Binary`]: the decision needs no more of the file, so a scan can skip an image
/// or an archive after its first block, as ripgrep does.
pub fn is_binary_head(head: &[u8]) -> bool {
    let head = &head[..head.len().min(BINARY_SNIFF_LEN)];
    !(head.starts_with(&[0xEF, 0xBB, 0xBF])
        || head.starts_with(&[0xFF, 0xFE])
        || head.starts_with(&[0xFE, 0xFF]))
        && head.contains(&0)
        && sniff_bomless_utf16(head).is_none()
}

/// Text with a BOM or zero bytes: UTF-8 with a BOM, UTF-16 (with or without a BOM) or binary.
fn decode_marked(bytes: &[u8]) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        let (text, lossy) = utf8_lossy(rest);
        return Decoded::Text(SourceText::new(text, Encoding::Utf8Bom, lossy));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return Decoded::Text(decode_utf16(rest, Encoding::Utf16Le));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return Decoded::Text(decode_utf16(rest, Encoding::Utf16Be));
    }
    let head = &bytes[..bytes.len().min(BINARY_SNIFF_LEN)];
    if head.contains(&0) {
        return match sniff_bomless_utf16(head) {
            Some(encoding) => Decoded::Text(decode_utf16(bytes, encoding)),
            None => Decoded::Binary,
        };
    }
    let (text, lossy) = utf8_lossy(bytes);
    Decoded::Text(SourceText::new(text, Encoding::Utf8, lossy))
}

fn utf8_lossy(bytes: &[u8]) -> (String, bool) {
    match String::from_utf8_lossy(bytes) {
        Cow::Borrowed(text) => (text.to_owned(), false),
        Cow::Owned(text) => (text, true),
    }
}

/// UTF-16 text without a BOM: mostly ASCII, so every other byte is zero. Requires a clear
/// majority so that binary formats with scattered zeros stay binary.
fn sniff_bomless_utf16(head: &[u8]) -> Option<Encoding> {
    let pairs = head.len() / 2;
    if pairs < 4 {
        return None;
    }
    let (mut zero_even, mut zero_odd) = (0usize, 0usize);
    for pair in head.chunks_exact(2) {
        zero_even += usize::from(pair[0] == 0 && pair[1] != 0);
        zero_odd += usize::from(pair[1] == 0 && pair[0] != 0);
    }
    let threshold = pairs * 9 / 10;
    if zero_odd >= threshold {
        Some(Encoding::Utf16Le)
    } else if zero_even >= threshold {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

fn decode_utf16(bytes: &[u8], encoding: Encoding) -> SourceText {
    let units = bytes.chunks_exact(2).map(|pair| match encoding {
        Encoding::Utf16Be => u16::from_be_bytes([pair[0], pair[1]]),
        _ => u16::from_le_bytes([pair[0], pair[1]]),
    });
    let mut lossy = bytes.len() % 2 != 0;
    let text: String = char::decode_utf16(units)
        .map(|unit| {
            unit.unwrap_or_else(|_| {
                lossy = true;
                char::REPLACEMENT_CHARACTER
            })
        })
        .collect();
    SourceText::new(text, encoding, lossy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(bytes: &[u8]) -> SourceText {
        match decode(bytes) {
            Decoded::Text(text) => text,
            Decoded::Binary => panic!("decoded as binary"),
        }
    }

    #[test]
    fn positions_are_one_based_and_count_chars() {
        let source = SourceText::from_text("ab\né=x\r\nlast");
        assert_eq!(source.position(0), Position { line: 1, column: 1 });
        assert_eq!(source.position(3), Position { line: 2, column: 1 });
        assert_eq!(source.position(6), Position { line: 2, column: 3 });
        assert_eq!(source.line(2), "é=x");
        assert_eq!(source.line(3), "last");
        assert_eq!(source.line_count(), 3);
    }

    /// Columns on lines longer than a block come from the block index; they must equal a direct
    /// count, multi-byte characters and block edges included.
    #[test]
    fn columns_on_long_lines_match_a_direct_count() {
        let line: String = (0..6000)
            .map(|index| match index % 7 {
                0 => 'é',
                3 => '€',
                5 => '😀',
                _ => 'a',
            })
            .collect();
        let text = format!("short\n{line}\n{line}");
        let source = SourceText::from_text(text.clone());
        let second = source.line_range(2).start;
        for (offset, _) in text.char_indices().filter(|(offset, _)| offset % 97 < 4) {
            let position = source.position(offset);
            let line_start = if offset < second {
                0
            } else {
                source.line_range(position.line).start
            };
            let expected = text[line_start..offset].chars().count() + 1;
            assert_eq!(position.column, expected, "offset {offset}");
        }
    }

    #[test]
    fn decodes_every_supported_encoding() {
        let utf16le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("k=v".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let utf16be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("k=v".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        let bomless: Vec<u8> = "key=value\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(text_of(&utf16le).text(), "k=v");
        assert_eq!(text_of(&utf16be).text(), "k=v");
        assert_eq!(text_of(&bomless).encoding(), Encoding::Utf16Le);
        assert_eq!(text_of(b"\xEF\xBB\xBFk=v").encoding(), Encoding::Utf8Bom);
        let latin1 = text_of(b"caf\xE9=1");
        assert!(latin1.lossy());
        assert!(matches!(
            decode(b"\x7FELF\0\0\x01\x02\x03\x00\x00\x00\x00\x00"),
            Decoded::Binary
        ));
    }
}
