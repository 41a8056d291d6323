//! YAML (`saphyr-parser` events) into the [`Document`] view: Kubernetes manifests, Helm values,
//! docker-compose files, GitHub Actions workflows, Azure Pipelines and Spring `application.yml`.
//!
//! The mapping:
//! - Every mapping key yields an entry whose path is the keys from the document root; sequence
//!   items are their index (`"0"`, `"1"`, …) with an empty key span at the item's start. The root
//!   node of a document yields no entry of its own.
//! - Mappings are [`ValueKind::Object`] and sequences [`ValueKind::Array`], block or flow style;
//!   their value span runs from their first token (after any anchor or tag) to their last one.
//! - Quoted scalars are [`ValueKind::String`], spanned inside the quotes (the text as written,
//!   escapes not decoded). Block scalars (`|`, `>`) are strings spanned over their content,
//!   indicator line excluded, surrounding white space trimmed. Plain scalars follow the YAML 1.2
//!   core schema: `true`/`True`/`TRUE`/`false`/… are [`ValueKind::Bool`], `null`/`Null`/`NULL`/`~`
//!   and the empty value are [`ValueKind::Null`] (empty span where the value would be), integers,
//!   floats, `0x`/`0o` numbers, `.inf` and `.nan` are [`ValueKind::Number`], anything else a
//!   string. YAML 1.1 words (`yes`, `on`) stay strings. Run-time references such as
//!   `${{ secrets.X }}` or `$(Build.Var)` are strings too: the rules' filters recognise them.
//! - Keys are the decoded scalar (`"a b"` is `a b`), keyed spans inside any quotes; a complex key
//!   (`? [a, b]`) is its source text, and its inner nodes yield no entries.
//! - Aliases are not expanded: `key: *anchor` yields one [`ValueKind::Expression`] entry spanning
//!   `*anchor` (a reference resolved at load time, not a literal). Anchors and tags are ignored:
//!   `!!str 123` is still a number.
//! - Multi-document streams (`---`): the documents' entries simply follow one another, with no
//!   prefix, so `kind` of the second manifest is a second entry at path `["kind"]`. Rules match
//!   every entry, so this loses nothing; [`Document::get`] finds the first.
//! - A syntax error ends the document it is in with `complete = false`; entries parsed so far are
//!   kept, open mappings and sequences end at their last parsed child, and parsing resumes at the
//!   next `---` line after the error, so one templated manifest does not hide the others.
//!
//! `saphyr-parser` is an iterative state machine: it does not recurse, and it refuses flow
//! collections nested deeper than a few hundred levels on its own. This module walks its events
//! with an explicit stack, and skips (with `complete = false`) any node nested deeper than
//! [`MAX_DEPTH`], so 100,000 nested `[` or `- ` levels cost linear time and no stack. Markers
//! count characters, not bytes; [`CharOffsets`] converts them.
//!
//! Note: `saphyr-parser` buffers the tokens of a flow collection that could still turn out to be
//! a mapping key until it closes, so a huge single flow collection (a JSON file saved as YAML)
//! holds all its tokens in memory at once (about 180 bytes per token).

use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::{Document, Entry, MAX_DEPTH, ValueKind};

/// Parses YAML `text` (one or more documents) into entries.
pub fn parse(text: &str) -> Document {
    let offsets = CharOffsets::new(text);
    let mut builder = Builder {
        text,
        offsets: &offsets,
        entries: Vec::new(),
        complete: true,
    };
    let mut start = 0;
    let mut start_char = 0;
    loop {
        let segment = text.get(start..).unwrap_or_default();
        let Some(error_byte) = builder.segment(segment, start_char) else {
            break;
        };
        builder.complete = false;
        let Some(next) = next_document_start(text, error_byte, start) else {
            break;
        };
        start_char += text
            .get(start..next)
            .map_or(0, |skipped| skipped.chars().count());
        start = next;
    }
    Document {
        entries: builder.entries,
        resources: Vec::new(),
        complete: builder.complete,
    }
}

/// What the parser is inside of.
struct Frame {
    /// Index of this collection's entry (`None` for a document's root).
    entry: Option<usize>,
    /// Whether this collection pushed a segment onto the path.
    pushed: bool,
    /// End of the last node parsed inside it.
    last_end: usize,
    /// Mapping: the key waiting for its value (`None`: the next node is a key). Sequence: unused.
    key: Option<(String, Range<usize>)>,
    /// Sequence: index of the next item; `None` for a mapping.
    next_index: Option<usize>,
}

/// A subtree whose events are skipped: a complex mapping key, or a node nested too deep.
struct Skip {
    /// Nesting inside the skipped subtree.
    depth: usize,
    /// Start of the subtree (for a key's text).
    start: usize,
    /// Whether the subtree is a mapping key (its text becomes the key) or a value (dropped).
    is_key: bool,
}

struct Builder<'t, 'o> {
    text: &'t str,
    offsets: &'o CharOffsets<'t>,
    entries: Vec<Entry>,
    complete: bool,
}

/// The state of one run of the event parser over a segment of the text.
struct Run {
    /// Character offset of the segment in the text.
    base_char: usize,
    path: Vec<String>,
    stack: Vec<Frame>,
    skip: Option<Skip>,
}

impl<'t> Builder<'t, '_> {
    /// Parses one segment of the text (the whole text, or the rest after a syntax error);
    /// returns the byte offset of the syntax error that ended it, if one did.
    fn segment(&mut self, segment: &'t str, base_char: usize) -> Option<usize> {
        let mut run = Run {
            base_char,
            path: Vec::new(),
            stack: Vec::new(),
            skip: None,
        };
        let mut parser = Parser::new_from_str(segment);
        while let Some(result) = parser.next_event() {
            match result {
                Ok((event, span)) => self.event(&mut run, event, span),
                Err(error) => {
                    let at = self.byte(&run, error.marker().index());
                    self.close_all(&mut run);
                    return Some(at);
                }
            }
        }
        self.close_all(&mut run);
        None
    }

    fn byte(&self, run: &Run, char_index: usize) -> usize {
        self.offsets.byte(run.base_char.saturating_add(char_index))
    }

    fn range(&self, run: &Run, span: Span) -> Range<usize> {
        let start = self.byte(run, span.start.index());
        let end = self.byte(run, span.end.index()).max(start);
        start..end
    }

    fn event(&mut self, run: &mut Run, event: Event<'_>, span: Span) {
        let range = self.range(run, span);
        match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
            Event::DocumentStart(_) => self.close_all(run),
            Event::Scalar(value, style, _, _) => {
                let start = skip_properties(self.text, range.start, range.end);
                let raw = start..range.end;
                let (value_range, kind) = match style {
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                        (inside_quotes(self.text, raw), ValueKind::String)
                    }
                    ScalarStyle::Literal | ScalarStyle::Folded => {
                        (block_content(self.text, raw), ValueKind::String)
                    }
                    ScalarStyle::Plain => (raw, plain_kind(&value)),
                };
                self.leaf(run, range.end, value_range, kind, || value.into_owned());
            }
            Event::Alias(_) => {
                let range = trim_range(self.text, range);
                let name = self.text.get(range.clone()).unwrap_or_default().to_owned();
                self.leaf(run, range.end, range, ValueKind::Expression, || name);
            }
            Event::MappingStart(..) => self.open(run, range, None),
            Event::SequenceStart(..) => self.open(run, range, Some(0)),
            Event::MappingEnd | Event::SequenceEnd => self.close(run, range),
        }
    }

    /// A scalar or an alias ending at `end`: a mapping key (named `key_text`) or a value.
    fn leaf(
        &mut self,
        run: &mut Run,
        end: usize,
        value: Range<usize>,
        kind: ValueKind,
        key_text: impl FnOnce() -> String,
    ) {
        if run.skip.is_some() {
            Self::note_end(run, end);
            return;
        }
        if Self::expects_key(run) {
            if let Some(frame) = run.stack.last_mut() {
                frame.key = Some((key_text(), value));
                frame.last_end = frame.last_end.max(end);
            }
            return;
        }
        let deep = run.path.len() >= MAX_DEPTH;
        if let Some((segment, key)) = Self::next_segment(run, value.start) {
            if deep {
                self.complete = false;
            } else {
                run.path.push(segment);
                self.entries.push(Entry {
                    path: run.path.clone(),
                    key,
                    value,
                    kind,
                    synthetic: None,
                });
                run.path.pop();
            }
        }
        Self::note_end(run, end);
    }

    /// Whether the next node is a mapping key.
    fn expects_key(run: &Run) -> bool {
        run.stack
            .last()
            .is_some_and(|frame| frame.next_index.is_none() && frame.key.is_none())
    }

    /// The path segment and key span of the value starting at `start` in the current collection,
    /// advancing the collection to its next key or item; `None` at a document's root.
    fn next_segment(run: &mut Run, start: usize) -> Option<(String, Range<usize>)> {
        let frame = run.stack.last_mut()?;
        match &mut frame.next_index {
            Some(index) => {
                let segment = index.to_string();
                *index += 1;
                Some((segment, start..start))
            }
            None => frame.key.take(),
        }
    }

    /// Records that a node ended at `end` inside the current collection.
    fn note_end(run: &mut Run, end: usize) {
        if let Some(frame) = run.stack.last_mut() {
            frame.last_end = frame.last_end.max(end);
        }
    }

    fn open(&mut self, run: &mut Run, range: Range<usize>, next_index: Option<usize>) {
        if let Some(skip) = &mut run.skip {
            skip.depth += 1;
            return;
        }
        let start = skip_properties(self.text, range.start, range.end.max(range.start));
        if Self::expects_key(run) {
            run.skip = Some(Skip {
                depth: 1,
                start,
                is_key: true,
            });
            return;
        }
        if run.stack.is_empty() {
            run.stack.push(Frame {
                entry: None,
                pushed: false,
                last_end: start,
                key: None,
                next_index,
            });
            return;
        }
        if run.path.len() >= MAX_DEPTH {
            self.complete = false;
            // The parent's key or index is consumed by the skipped value.
            let _ = Self::next_segment(run, start);
            run.skip = Some(Skip {
                depth: 1,
                start,
                is_key: false,
            });
            return;
        }
        let Some((segment, key)) = Self::next_segment(run, start) else {
            return;
        };
        let kind = if next_index.is_some() {
            ValueKind::Array
        } else {
            ValueKind::Object
        };
        run.path.push(segment);
        self.entries.push(Entry {
            path: run.path.clone(),
            key,
            value: start..range.end.max(start),
            kind,
            synthetic: None,
        });
        run.stack.push(Frame {
            entry: Some(self.entries.len() - 1),
            pushed: true,
            last_end: range.end,
            key: None,
            next_index,
        });
    }

    fn close(&mut self, run: &mut Run, range: Range<usize>) {
        if let Some(skip) = &mut run.skip {
            skip.depth = skip.depth.saturating_sub(1);
            if skip.depth > 0 {
                return;
            }
            let (start, is_key) = (skip.start, skip.is_key);
            run.skip = None;
            let end = range.end.max(start);
            if is_key {
                let key = trim_range(self.text, start..end);
                let text = self.text.get(key.clone()).unwrap_or_default().to_owned();
                if let Some(frame) = run.stack.last_mut() {
                    frame.key = Some((text, key));
                }
            }
            Self::note_end(run, end);
            return;
        }
        // Flow collections end at their bracket; block ones at their last child.
        let end = if range.is_empty() {
            None
        } else {
            Some(range.end)
        };
        self.pop(run, end);
    }

    /// Ends the innermost open collection at `end` (or at its last child).
    fn pop(&mut self, run: &mut Run, end: Option<usize>) {
        let Some(frame) = run.stack.pop() else {
            return;
        };
        let end = end.unwrap_or(frame.last_end);
        if let Some(entry) = frame.entry.and_then(|index| self.entries.get_mut(index)) {
            entry.value.end = end.max(entry.value.start);
        }
        if frame.pushed {
            run.path.pop();
        }
        Self::note_end(run, end);
    }

    /// Ends every open collection (at a document's start, its end, or a syntax error).
    fn close_all(&mut self, run: &mut Run) {
        run.skip = None;
        while !run.stack.is_empty() {
            self.pop(run, None);
        }
        run.path.clear();
    }
}

/// Where the next document starts after a syntax error at `error`: the next line (from the
/// error's own) that starts with `---`, after the current segment's start.
fn next_document_start(text: &str, error: usize, after: usize) -> Option<usize> {
    let before = text.get(..error.min(text.len()))?;
    let mut line = before.rfind('\n').map_or(0, |newline| newline + 1);
    loop {
        let rest = text.get(line..)?;
        if line > after && is_document_marker(rest) {
            return Some(line);
        }
        line += rest.find('\n')? + 1;
    }
}

/// Whether a line starts with the `---` document marker.
fn is_document_marker(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
}

/// Skips a node's properties (`&anchor`, `!tag`) and the white space or comments after them.
fn skip_properties(text: &str, start: usize, end: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = start;
    while at < end && matches!(bytes.get(at), Some(b'&' | b'!')) {
        while at < end && !matches!(bytes.get(at), Some(b' ' | b'\t' | b'\r' | b'\n') | None) {
            at += 1;
        }
        at = skip_blank(bytes, at, end);
    }
    at
}

/// Skips white space, line breaks and comments.
fn skip_blank(bytes: &[u8], mut at: usize, end: usize) -> usize {
    while at < end {
        match bytes.get(at) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => at += 1,
            Some(b'#') => {
                while at < end && !matches!(bytes.get(at), Some(b'\n') | None) {
                    at += 1;
                }
            }
            _ => break,
        }
    }
    at
}

/// The span inside a quoted scalar's quotes (the span itself if it is not quoted as expected).
fn inside_quotes(text: &str, range: Range<usize>) -> Range<usize> {
    let bytes = text.as_bytes();
    let (Some(&open), Some(&close)) = (
        bytes.get(range.start),
        range.end.checked_sub(1).and_then(|last| bytes.get(last)),
    ) else {
        return range;
    };
    if range.len() >= 2 && matches!(open, b'"' | b'\'') && close == open {
        range.start + 1..range.end - 1
    } else if matches!(open, b'"' | b'\'') {
        range.start + 1..range.end
    } else {
        range
    }
}

/// A block scalar's content: the indicator line (`|-`, `>2 # comment`) excluded, white space
/// around it trimmed.
fn block_content(text: &str, range: Range<usize>) -> Range<usize> {
    let bytes = text.as_bytes();
    let mut start = range.start;
    if matches!(bytes.get(start), Some(b'|' | b'>')) {
        while start < range.end && !matches!(bytes.get(start), Some(b'\n') | None) {
            start += 1;
        }
    }
    trim_range(text, start..range.end)
}

/// `range` without leading and trailing white space (empty at its start when blank).
fn trim_range(text: &str, range: Range<usize>) -> Range<usize> {
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

/// The kind of a plain scalar under the YAML 1.2 core schema.
fn plain_kind(value: &str) -> ValueKind {
    match value {
        "" | "~" | "null" | "Null" | "NULL" => ValueKind::Null,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => ValueKind::Bool,
        _ if is_number(value) => ValueKind::Number,
        _ => ValueKind::String,
    }
}

/// Core schema numbers: `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`, floats with optional
/// exponent, `[-+]?.inf` and `.nan` (in their three spellings).
fn is_number(value: &str) -> bool {
    if let Some(octal) = value.strip_prefix("0o") {
        return !octal.is_empty() && octal.bytes().all(|byte| (b'0'..=b'7').contains(&byte));
    }
    if let Some(hex) = value.strip_prefix("0x") {
        return !hex.is_empty() && hex.bytes().all(|byte| byte.is_ascii_hexdigit());
    }
    if matches!(value, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let unsigned = value.strip_prefix(['-', '+']).unwrap_or(value);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        return true;
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (
            unsigned.get(..at).unwrap_or_default(),
            Some(unsigned.get(at + 1..).unwrap_or_default()),
        ),
        None => (unsigned, None),
    };
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => {
            digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty())
        }
        None => !mantissa.is_empty() && digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|exponent| {
        let exponent = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
        !exponent.is_empty() && digits(exponent)
    });
    mantissa_ok && exponent_ok && (exponent.is_none() || !mantissa.is_empty())
}

/// Converts `saphyr-parser`'s character indexes into byte offsets of the text: the identity for
/// ASCII text, otherwise a checkpoint every [`CharOffsets::STRIDE`] characters and a short walk.
struct CharOffsets<'t> {
    text: &'t str,
    /// Byte offset of every `STRIDE`th character; `None` when the text is ASCII.
    checkpoints: Option<Vec<usize>>,
}

impl<'t> CharOffsets<'t> {
    const STRIDE: usize = 64;

    fn new(text: &'t str) -> Self {
        let checkpoints = (!text.is_ascii()).then(|| {
            text.char_indices()
                .enumerate()
                .filter(|(index, _)| index % Self::STRIDE == 0)
                .map(|(_, (byte, _))| byte)
                .collect()
        });
        Self { text, checkpoints }
    }

    /// The byte offset of character `index` (the text's length past its end).
    fn byte(&self, index: usize) -> usize {
        let Some(checkpoints) = &self.checkpoints else {
            return index.min(self.text.len());
        };
        let Some(&start) = checkpoints.get(index / Self::STRIDE) else {
            return self.text.len();
        };
        self.text
            .get(start..)
            .and_then(|rest| rest.char_indices().nth(index % Self::STRIDE))
            .map_or(self.text.len(), |(offset, _)| start + offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_at<'t>(
        document: &Document,
        text: &'t str,
        path: &[&str],
    ) -> Option<(&'t str, ValueKind)> {
        document
            .get(path)
            .map(|entry| (entry.text(text), entry.kind))
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let text = "a: true\nb: False\nc: ~\nd:\ne: 42\nf: -1.5e3\ng: 0x1F\nh: yes\ni: 1.2.3\nj: .inf\nk: null\n";
        let document = parse(text);
        assert!(document.complete);
        assert_eq!(
            value_at(&document, text, &["a"]),
            Some(("true", ValueKind::Bool))
        );
        assert_eq!(
            value_at(&document, text, &["b"]),
            Some(("False", ValueKind::Bool))
        );
        assert_eq!(
            value_at(&document, text, &["c"]),
            Some(("~", ValueKind::Null))
        );
        assert_eq!(
            value_at(&document, text, &["d"]),
            Some(("", ValueKind::Null))
        );
        assert_eq!(
            value_at(&document, text, &["e"]),
            Some(("42", ValueKind::Number))
        );
        assert_eq!(
            value_at(&document, text, &["f"]),
            Some(("-1.5e3", ValueKind::Number))
        );
        assert_eq!(
            value_at(&document, text, &["g"]),
            Some(("0x1F", ValueKind::Number))
        );
        assert_eq!(
            value_at(&document, text, &["h"]),
            Some(("yes", ValueKind::String))
        );
        assert_eq!(
            value_at(&document, text, &["i"]),
            Some(("1.2.3", ValueKind::String))
        );
        assert_eq!(
            value_at(&document, text, &["j"]),
            Some((".inf", ValueKind::Number))
        );
        assert_eq!(
            value_at(&document, text, &["k"]),
            Some(("null", ValueKind::Null))
        );
    }

    #[test]
    fn numbers() {
        for number in [
            "0", "-0", "+12", "1.", ".5", "1e5", "1.5E-3", "0o17", ".NaN", "-.Inf",
        ] {
            assert!(is_number(number), "{number}");
        }
        for other in [
            "", ".", "-", "e5", "1e", "0x", "0o8", "1_000", "12a", "1.2.3", "+.", "inf",
        ] {
            assert!(!is_number(other), "{other}");
        }
    }

    #[test]
    fn multibyte_text_gets_byte_spans() {
        let text = "é: ü\n\"ключ\": 'значение'\nk: |\n  ✓ done\n";
        let document = parse(text);
        assert_eq!(
            value_at(&document, text, &["é"]),
            Some(("ü", ValueKind::String))
        );
        assert_eq!(
            value_at(&document, text, &["ключ"]),
            Some(("значение", ValueKind::String))
        );
        assert_eq!(
            value_at(&document, text, &["k"]),
            Some(("✓ done", ValueKind::String))
        );
        let key = &document.entries[1].key;
        assert_eq!(&text[key.clone()], "ключ");
    }

    #[test]
    fn crlf_and_byte_order_mark() {
        let text = "\u{feff}a: 1\r\nb: \"x\"\r\nc: |\r\n  t\r\n  u\r\nd:\r\n  - e\r\n";
        let document = parse(text);
        assert!(document.complete);
        assert_eq!(
            value_at(&document, text, &["a"]),
            Some(("1", ValueKind::Number))
        );
        assert_eq!(
            value_at(&document, text, &["b"]),
            Some(("x", ValueKind::String))
        );
        assert_eq!(
            value_at(&document, text, &["c"]),
            Some(("t\r\n  u", ValueKind::String))
        );
        assert_eq!(
            value_at(&document, text, &["d"]),
            Some(("- e", ValueKind::Array))
        );
        assert_eq!(
            value_at(&document, text, &["d", "0"]),
            Some(("e", ValueKind::String))
        );
        assert_eq!(&text[document.entries[0].key.clone()], "a");
    }

    #[test]
    fn char_offsets_convert_past_checkpoints() {
        let text = "ü".repeat(200) + "x";
        let offsets = CharOffsets::new(&text);
        assert_eq!(offsets.byte(0), 0);
        assert_eq!(offsets.byte(70), 140);
        assert_eq!(offsets.byte(200), 400);
        assert_eq!(offsets.byte(201), 401);
        assert_eq!(offsets.byte(10_000), 401);
    }

    #[test]
    fn anchors_tags_and_aliases() {
        let text = "base: &base\n  user: admin\nother: !!str 123\nref: *base\nq: &q \"quoted\"\nb: !!binary |\n  ZGF0YQ==\n";
        let document = parse(text);
        assert!(document.complete);
        assert_eq!(
            value_at(&document, text, &["base"]),
            Some(("user: admin", ValueKind::Object))
        );
        assert_eq!(
            value_at(&document, text, &["other"]),
            Some(("123", ValueKind::Number))
        );
        assert_eq!(
            value_at(&document, text, &["ref"]),
            Some(("*base", ValueKind::Expression))
        );
        assert_eq!(
            value_at(&document, text, &["q"]),
            Some(("quoted", ValueKind::String))
        );
        assert_eq!(
            value_at(&document, text, &["b"]),
            Some(("ZGF0YQ==", ValueKind::String))
        );
    }

    #[test]
    fn complex_keys_are_their_source_text() {
        let text = "? [a, b]\n: c\nd: 1\n";
        let document = parse(text);
        let paths: Vec<_> = document
            .entries
            .iter()
            .map(|entry| entry.path.join("/"))
            .collect();
        assert_eq!(paths, ["[a, b]", "d"]);
        assert_eq!(
            value_at(&document, text, &["[a, b]"]),
            Some(("c", ValueKind::String))
        );
    }

    #[test]
    fn errors_resume_at_the_next_document() {
        let text = "---\na: 1\n---\nb: [\n---\nc: 3\n";
        let document = parse(text);
        assert!(!document.complete);
        let paths: Vec<_> = document
            .entries
            .iter()
            .map(|entry| entry.path.join("/"))
            .collect();
        assert_eq!(paths, ["a", "b", "c"]);
        assert_eq!(
            value_at(&document, text, &["b"]),
            Some(("[", ValueKind::Array))
        );
        assert_eq!(
            value_at(&document, text, &["c"]),
            Some(("3", ValueKind::Number))
        );
    }

    #[test]
    fn too_deep_values_are_skipped() {
        let text = format!(
            "a: {}x{}\nb: 1\n",
            "[".repeat(MAX_DEPTH + 10),
            "]".repeat(MAX_DEPTH + 10)
        );
        let document = parse(&text);
        assert!(!document.complete);
        let text = format!("{}x\n", "- ".repeat(MAX_DEPTH + 10));
        let document = parse(&text);
        assert!(!document.complete);
        assert!(
            document
                .entries
                .iter()
                .all(|entry| entry.path.len() <= MAX_DEPTH)
        );
        assert_eq!(document.entries.len(), MAX_DEPTH);
    }
}
