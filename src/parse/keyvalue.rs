//! `key=value` files into the [`Document`] view: `.env` (dotenv), Java `.properties`, and
//! `.ini`/`.cfg`/`.conf`. One line-based parser reads all three, since the file name does not
//! always tell them apart and their syntaxes barely conflict.
//!
//! The mapping:
//! - `key=value`, `key: value`, `key = value` and `export KEY=value` yield an entry at path
//!   `[key]`; inside an ini `[section]` at `[section, key]`. Keys are the text before the first
//!   `=` or `:` (a backslash escapes one, as in `.properties`), trimmed, case kept; dotted keys stay
//!   one segment (`spring.datasource.password`). A key followed by white space and then text other
//!   than the separator is the `.properties` form `key value` (split at the white space, so a
//!   value may hold `=`), except for an ini key with spaces (`my key = value`, the separator after
//!   a blank). A line with no separator and no white space is a bare key with a null value.
//! - A `[section]` header yields a [`ValueKind::Object`] entry at `[section]` (the name as
//!   written inside the brackets, trimmed) whose value span runs from the header to the end of
//!   the section's last value. A `[` line without `]` is skipped, with `complete = false`.
//! - Values: quoted with `"` (backslash escapes) or `'` are [`ValueKind::String`]s spanned inside
//!   the quotes, and may run over several lines (dotenv multi-line values, such as PEM keys) when
//!   the closing quote ends its line within 100 lines; an unterminated quote yields the rest of its
//!   line and `complete = false`. Unquoted values are trimmed [`ValueKind::String`]s, cut at an
//!   inline comment (white space then `#`); `true`/`false` in any case are [`ValueKind::Bool`];
//!   an empty value is [`ValueKind::Null`] with an empty span where the value would start.
//!   Numbers stay strings.
//! - An unquoted value ending in an odd number of backslashes continues on the next line
//!   (`.properties`), its span covering every line; continued values have no inline comments.
//!   Once an ini section header has been seen, a trailing backslash is literal instead
//!   (`path=C:\dir\`).
//! - Comment lines start with `#`, `;` or `!`; blank lines and lines with an empty key are
//!   skipped.

use std::ops::Range;

use super::{Document, Entry, ValueKind};

/// Lines a quoted value may span.
const MAX_QUOTED_LINES: usize = 100;

/// Parses `.env`, `.properties` or `.ini` text into entries.
pub fn parse(text: &str) -> Document {
    let mut parser = KeyValueParser {
        text,
        bytes: text.as_bytes(),
        entries: Vec::new(),
        complete: true,
        section: None,
    };
    let mut at = 0;
    // A byte order mark is not part of the first key.
    if text.starts_with('\u{feff}') {
        at = '\u{feff}'.len_utf8();
    }
    while at < text.len() {
        at = parser.line(at);
    }
    Document {
        entries: parser.entries,
        resources: Vec::new(),
        complete: parser.complete,
    }
}

struct KeyValueParser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    entries: Vec<Entry>,
    complete: bool,
    /// The current ini section: its name and the index of its entry.
    section: Option<(String, usize)>,
}

impl KeyValueParser<'_> {
    /// Where the line starting at `at` ends (before any `\r\n`) and where the next one starts.
    fn line_bounds(&self, at: usize) -> (usize, usize) {
        let newline = self
            .bytes
            .get(at..)
            .and_then(|rest| rest.iter().position(|&byte| byte == b'\n'));
        let (end, next) = match newline {
            Some(offset) => (at + offset, at + offset + 1),
            None => (self.bytes.len(), self.bytes.len()),
        };
        let end = if end > at && self.bytes.get(end - 1) == Some(&b'\r') {
            end - 1
        } else {
            end
        };
        (end, next)
    }

    /// Reads the line at `at` (and any lines its value continues on); returns where the next
    /// line starts.
    fn line(&mut self, at: usize) -> usize {
        let (end, next) = self.line_bounds(at);
        let start = self.skip_blanks(at, end);
        match self.bytes.get(start) {
            None | Some(b'#' | b';' | b'!') => return next,
            _ if start >= end => return next,
            Some(b'[') => {
                self.section_header(start, end);
                return next;
            }
            _ => {}
        }
        let start = self.strip_export(start, end);
        let (key, value_start) = self.split_key(start, end);
        if key.is_empty() {
            return next;
        }
        let (value, kind, next) = self.value(value_start, end, next);
        let name = self.text.get(key.clone()).unwrap_or_default().to_owned();
        let path = match &self.section {
            Some((section, _)) => vec![section.clone(), name],
            None => vec![name],
        };
        if let Some(section) = self
            .section
            .as_ref()
            .and_then(|(_, index)| self.entries.get_mut(*index))
        {
            section.value.end = section.value.end.max(value.end);
        }
        self.entries.push(Entry {
            path,
            key,
            value,
            kind,
            synthetic: None,
        });
        next
    }

    /// `[name]`: starts a section.
    fn section_header(&mut self, start: usize, end: usize) {
        let close = self
            .bytes
            .get(start..end)
            .and_then(|line| line.iter().position(|&byte| byte == b']'));
        let Some(close) = close.map(|offset| start + offset) else {
            self.complete = false;
            return;
        };
        let name = trim(self.text, start + 1..close);
        let text = self.text.get(name.clone()).unwrap_or_default().to_owned();
        self.entries.push(Entry {
            path: vec![text.clone()],
            key: name,
            value: start..close + 1,
            kind: ValueKind::Object,
            synthetic: None,
        });
        self.section = Some((text, self.entries.len() - 1));
    }

    /// Skips a dotenv `export ` prefix.
    fn strip_export(&self, start: usize, end: usize) -> usize {
        let rest = self.bytes.get(start..end).unwrap_or_default();
        if rest.starts_with(b"export") && matches!(rest.get(6), Some(b' ' | b'\t')) {
            let after = self.skip_blanks(start + 6, end);
            if after < end {
                return after;
            }
        }
        start
    }

    /// The key's span and where its value starts.
    ///
    /// The key ends at the first unescaped `=` or `:`, unless white space comes first: then
    /// `key = value` (only blanks before the separator) and `my key = value` (an ini key with
    /// spaces: a blank right before the separator) still split there, while anything else is
    /// the `.properties` form `key value`, whose value may hold `=` (`key FAKEa2V5==`).
    fn split_key(&self, start: usize, end: usize) -> (Range<usize>, usize) {
        let mut separator = None;
        let mut blank = None;
        let mut at = start;
        while at < end {
            match self.bytes.get(at) {
                Some(b'\\') => at += 2,
                Some(b'=' | b':') => {
                    separator = Some(at);
                    break;
                }
                Some(b' ' | b'\t') => {
                    blank = blank.or(Some(at));
                    at += 1;
                }
                _ => at += 1,
            }
        }
        let split_at_separator = |separator: usize| {
            (
                trim(self.text, start..separator),
                self.skip_blanks(separator + 1, end),
            )
        };
        match (separator, blank) {
            (Some(separator), None) => split_at_separator(separator),
            (Some(separator), Some(blank))
                if self.skip_blanks(blank, end) == separator
                    || matches!(self.bytes.get(separator - 1), Some(b' ' | b'\t')) =>
            {
                split_at_separator(separator)
            }
            (_, Some(blank)) => (start..blank, self.skip_blanks(blank, end)),
            (None, None) => (trim(self.text, start..end), end),
        }
    }

    /// The value starting at `start` on a line ending at `end` (the next line starts at `next`):
    /// its span, kind, and where the line after it starts.
    fn value(&mut self, start: usize, end: usize, next: usize) -> (Range<usize>, ValueKind, usize) {
        match self.bytes.get(start).copied() {
            Some(quote @ (b'"' | b'\'')) if start < end => self.quoted(start, end, next, quote),
            _ => {
                let (range, next) = self.unquoted(start, end, next);
                let kind = match self.text.get(range.clone()).unwrap_or_default() {
                    "" => ValueKind::Null,
                    word if word.eq_ignore_ascii_case("true")
                        || word.eq_ignore_ascii_case("false") =>
                    {
                        ValueKind::Bool
                    }
                    _ => ValueKind::String,
                };
                (range, kind, next)
            }
        }
    }

    /// A quoted value: on its line, or over the following lines when its closing quote ends one.
    fn quoted(
        &mut self,
        open: usize,
        end: usize,
        next: usize,
        quote: u8,
    ) -> (Range<usize>, ValueKind, usize) {
        if let Some(close) = self.closing_quote(open + 1, end, quote) {
            return (open + 1..close, ValueKind::String, next);
        }
        let mut line = next;
        for _ in 0..MAX_QUOTED_LINES {
            if line >= self.bytes.len() {
                break;
            }
            let (line_end, line_next) = self.line_bounds(line);
            if let Some(close) = self.closing_quote(line, line_end, quote) {
                let after = self.skip_blanks(close + 1, line_end);
                if after >= line_end || self.bytes.get(after) == Some(&b'#') {
                    return (open + 1..close, ValueKind::String, line_next);
                }
                break;
            }
            line = line_next;
        }
        self.complete = false;
        (trim(self.text, open + 1..end), ValueKind::String, next)
    }

    /// The first closing `quote` in `start..end` (a backslash escapes one inside `"`).
    fn closing_quote(&self, start: usize, end: usize, quote: u8) -> Option<usize> {
        let mut at = start;
        while at < end {
            match self.bytes.get(at) {
                Some(b'\\') if quote == b'"' => at += 2,
                Some(&byte) if byte == quote => return Some(at),
                _ => at += 1,
            }
        }
        None
    }

    /// An unquoted value: trimmed, without an inline comment, continued over lines that end in
    /// a backslash.
    fn unquoted(&self, start: usize, end: usize, next: usize) -> (Range<usize>, usize) {
        let range = trim(self.text, start..end);
        if !self.continues(&range) {
            return (
                trim(self.text, start..self.inline_comment(start, end)),
                next,
            );
        }
        let mut value_end = range.end;
        let mut line = next;
        while line < self.bytes.len() {
            let (line_end, line_next) = self.line_bounds(line);
            let content = trim(self.text, line..line_end);
            line = line_next;
            if !content.is_empty() {
                value_end = content.end;
            }
            if !self.continues(&content) {
                break;
            }
        }
        (range.start..value_end.max(range.start), line)
    }

    /// Whether a line's content ends in an odd number of backslashes (and no ini section has
    /// been seen).
    fn continues(&self, content: &Range<usize>) -> bool {
        if self.section.is_some() {
            return false;
        }
        let line = self.bytes.get(content.clone()).unwrap_or_default();
        line.iter().rev().take_while(|&&byte| byte == b'\\').count() % 2 == 1
    }

    /// Where an inline comment (white space, then `#`) starts, or `end`.
    fn inline_comment(&self, start: usize, end: usize) -> usize {
        let line = self.bytes.get(start..end).unwrap_or_default();
        line.windows(2)
            .position(|pair| matches!(pair, [b' ' | b'\t', b'#']))
            .map_or(end, |offset| start + offset)
    }

    fn skip_blanks(&self, mut at: usize, end: usize) -> usize {
        while at < end && matches!(self.bytes.get(at), Some(b' ' | b'\t')) {
            at += 1;
        }
        at
    }
}

/// `range` without white space at either end (empty at its start when blank).
fn trim(text: &str, range: Range<usize>) -> Range<usize> {
    let Some(slice) = text.get(range.clone()) else {
        return range.start..range.start;
    };
    let start = range.start + (slice.len() - slice.trim_start().len());
    let end = range.start + slice.trim_end().len();
    if end <= start {
        start..start
    } else {
        start..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(text: &str) -> Vec<(String, &str, ValueKind)> {
        parse(text)
            .entries
            .iter()
            .map(|entry| (entry.path.join("/"), entry.text(text), entry.kind))
            .collect()
    }

    #[test]
    fn separators_and_kinds() {
        let text = "a=1\nb: two\nc = three # note\nd\ne=\nf=TRUE\ng value with spaces\n=orphan\n";
        assert_eq!(
            listed(text),
            [
                ("a".to_owned(), "1", ValueKind::String),
                ("b".to_owned(), "two", ValueKind::String),
                ("c".to_owned(), "three", ValueKind::String),
                ("d".to_owned(), "", ValueKind::Null),
                ("e".to_owned(), "", ValueKind::Null),
                ("f".to_owned(), "TRUE", ValueKind::Bool),
                ("g".to_owned(), "value with spaces", ValueKind::String),
            ]
        );
    }

    #[test]
    fn white_space_before_the_separator() {
        let text = "a   =  1\nmy key = 2\nkey FAKEa2V5==\nk\\ x=3\nlast\tword\n";
        assert_eq!(
            listed(text),
            [
                ("a".to_owned(), "1", ValueKind::String),
                ("my key".to_owned(), "2", ValueKind::String),
                ("key".to_owned(), "FAKEa2V5==", ValueKind::String),
                ("k\\ x".to_owned(), "3", ValueKind::String),
                ("last".to_owned(), "word", ValueKind::String),
            ]
        );
    }

    #[test]
    fn quotes() {
        let text = "A=\"x # not a comment\" # comment\nB='it''s'\nC=\"esc \\\" q\"\nD=\"\"\nE=\"open\nF=1\n";
        let document = parse(text);
        assert!(!document.complete);
        let listed = listed(text);
        assert_eq!(
            listed[0],
            ("A".to_owned(), "x # not a comment", ValueKind::String)
        );
        assert_eq!(listed[1], ("B".to_owned(), "it", ValueKind::String));
        assert_eq!(listed[2], ("C".to_owned(), "esc \\\" q", ValueKind::String));
        assert_eq!(listed[3], ("D".to_owned(), "", ValueKind::String));
        assert_eq!(listed[4], ("E".to_owned(), "open", ValueKind::String));
        assert_eq!(listed[5], ("F".to_owned(), "1", ValueKind::String));
    }

    #[test]
    fn multi_line_quoted_values() {
        let text = "KEY=\"-----BEGIN KEY-----\nabc=\n-----END KEY-----\"\nNEXT=1\n";
        let listed = listed(text);
        assert_eq!(
            listed[0],
            (
                "KEY".to_owned(),
                "-----BEGIN KEY-----\nabc=\n-----END KEY-----",
                ValueKind::String
            )
        );
        assert_eq!(listed[1], ("NEXT".to_owned(), "1", ValueKind::String));
        // A quote that closes mid-line belongs to another value: the first stays unterminated.
        let text = "A=\"open\nB=\"x\" y\n";
        let listed = super::tests::listed(text);
        assert_eq!(listed[0], ("A".to_owned(), "open", ValueKind::String));
        assert_eq!(listed[1], ("B".to_owned(), "x", ValueKind::String));
    }

    #[test]
    fn continuation_lines() {
        let text = "a=one \\\n    two\\\\\nb=three\\\n\nc=4\n";
        assert_eq!(
            listed(text),
            [
                ("a".to_owned(), "one \\\n    two\\\\", ValueKind::String),
                ("b".to_owned(), "three\\", ValueKind::String),
                ("c".to_owned(), "4", ValueKind::String),
            ]
        );
        let text = "[paths]\nroot=C:\\dir\\\nnext=1\n";
        let listed = listed(text);
        assert_eq!(
            listed[1],
            ("paths/root".to_owned(), "C:\\dir\\", ValueKind::String)
        );
        assert_eq!(listed[2], ("paths/next".to_owned(), "1", ValueKind::String));
    }

    #[test]
    fn crlf_bom_and_escaped_separators() {
        let text = "\u{feff}key\\:a=b\r\nc=d\r\n";
        let listed = listed(text);
        assert_eq!(listed[0], ("key\\:a".to_owned(), "b", ValueKind::String));
        assert_eq!(listed[1], ("c".to_owned(), "d", ValueKind::String));
    }
}
