//! Helpers shared by the tree-sitter document parsers (Bicep, Terraform/HCL): time-bounded
//! parsing of a file or of pieces of a broken region, row/column lookup, splitting broken regions
//! at declarations, comment-free child lists, and the [`DocumentBuilder`] that collects entries
//! under a memory budget.

use std::ops::{ControlFlow, Range};
use std::time::{Duration, Instant};

use tree_sitter::{Node, ParseOptions, ParseState, Parser, Point, Tree};

use super::{Document, Entry, Resource, ValueKind};

/// Parse time allowed per byte: some 20 times what tree-sitter takes on real files on a busy
/// machine (0.15 to 0.6 s per MB measured with both CPUs oversubscribed), yet bounded, since
/// tree-sitter's error recovery is super-linear on some broken input.
const PER_BYTE: Duration = Duration::from_micros(10);

/// Time allowed for parsing `len` bytes (a whole file, or all the pieces of a broken region).
pub(super) fn budget(len: usize) -> Duration {
    Duration::from_millis(250) + PER_BYTE.saturating_mul(u32::try_from(len).unwrap_or(u32::MAX))
}

/// When to give up on one piece of `len` bytes of a broken region whose pieces share `overall`:
/// a piece that is slow to parse does not use up the time of the pieces after it.
pub(super) fn piece_deadline(overall: Instant, len: usize) -> Instant {
    let own =
        Duration::from_millis(50) + PER_BYTE.saturating_mul(u32::try_from(len).unwrap_or(u32::MAX));
    overall.min(Instant::now() + own)
}

/// Parses `text` (or only `range` of it) with `parser`, giving up at `deadline`. `None` when
/// cancelled; the parser is then reset for the next use. `points` gives the range's rows and
/// columns (which tree-sitter wants).
pub(super) fn parse_bounded(
    parser: &mut Parser,
    text: &str,
    range: Option<Range<usize>>,
    points: &mut Points,
    deadline: Instant,
) -> Option<Tree> {
    let ranges = match range {
        Some(range) => vec![tree_sitter::Range {
            start_byte: range.start,
            end_byte: range.end,
            start_point: points.at(text, range.start),
            end_point: points.at(text, range.end),
        }],
        None => Vec::new(),
    };
    parser.set_included_ranges(&ranges).ok()?;
    let bytes = text.as_bytes();
    let mut progress = |_: &ParseState| {
        if Instant::now() >= deadline {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let tree = parser.parse_with_options(
        &mut |offset, _| bytes.get(offset..).unwrap_or_default(),
        None,
        Some(ParseOptions::new().progress_callback(&mut progress)),
    );
    if tree.is_none() {
        parser.reset();
    }
    tree
}

/// Parses one of the [`windows`] of `text` within its time budget (a window that is the whole
/// text is parsed without included ranges).
pub(super) fn parse_window(
    parser: &mut Parser,
    text: &str,
    window: &Range<usize>,
    points: &mut Points,
) -> Option<Tree> {
    let range = (window.len() < text.len()).then(|| window.clone());
    parse_bounded(
        parser,
        text,
        range,
        points,
        Instant::now() + budget(window.len()),
    )
}

/// Size of the windows a big file is parsed in. Error recovery can cost the rest of the input
/// per token (tree-sitter-bicep's external scanner looks for the end of a `'''` string up to
/// the end of the input each time recovery tries it), so one broken line in a big file would
/// cost the file's size again and again; windows bound that to their own size. Most real files
/// are smaller than one window.
pub(super) const WINDOW: usize = 8 * 1024;

/// Size of the pieces a line longer than [`WINDOW`] is cut into: such a line is minified or
/// broken text (both grammars put one statement or attribute on a line), where tree-sitter's
/// error recovery costs up to the piece's size per token.
pub(super) const LINE_PIECE: usize = 2 * 1024;

/// What a grammar's text looks like to [`windows`].
pub(super) struct WindowSyntax {
    /// Whether a line starts a top-level declaration, where a window may end.
    pub(super) starts_declaration: fn(&str) -> bool,
    /// The quote of one-line strings, inside which a long line is not cut.
    pub(super) quote: u8,
    /// Follows multi-line strings, comments and heredocs over one line.
    pub(super) inside_after: fn(&mut Inside, &str),
}

/// A multi-line construct a line ends inside of, where no window may start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Inside {
    Nothing,
    String,
    Comment,
    /// A heredoc, with the marker that closes it.
    Heredoc(String),
}

/// `text` cut into consecutive windows of at least [`WINDOW`] bytes (but the last), each ending
/// before a declaration that is not inside a multi-line construct and not right after a
/// decorator line; a line longer than a window is cut at blanks outside quotes.
pub(super) fn windows(text: &str, syntax: &WindowSyntax) -> Vec<Range<usize>> {
    let mut windows = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    let mut inside = Inside::Nothing;
    let mut after_decorator = false;
    for line in text.split_inclusive('\n') {
        let at = offset;
        offset += line.len();
        if inside == Inside::Nothing
            && !after_decorator
            && at - start >= WINDOW
            && (syntax.starts_declaration)(line)
        {
            windows.push(start..at);
            start = at;
        }
        if line.len() > WINDOW && inside == Inside::Nothing {
            let (mut quoted, mut escaped) = (false, false);
            for (index, byte) in line.bytes().enumerate() {
                match byte {
                    b'\\' if quoted => {
                        escaped = !escaped;
                        continue;
                    }
                    quote if quote == syntax.quote && !escaped => quoted = !quoted,
                    b' ' | b'\t' if !quoted && at + index - start >= LINE_PIECE => {
                        windows.push(start..at + index);
                        start = at + index;
                    }
                    _ => {}
                }
                escaped = false;
            }
        }
        if !line.trim().is_empty() {
            after_decorator = line.starts_with('@');
        }
        (syntax.inside_after)(&mut inside, line);
    }
    windows.push(start..text.len());
    windows
}

/// Rows and columns of byte offsets, by binary search over the line starts (found on first use):
/// offsets come in any order (a window, then the broken regions inside it).
#[derive(Default)]
pub(super) struct Points {
    line_starts: Vec<usize>,
}

impl Points {
    /// The row and column of `offset` (clamped to the text).
    pub(super) fn at(&mut self, text: &str, offset: usize) -> Point {
        if self.line_starts.is_empty() {
            self.line_starts = std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|at| at + 1))
                .collect();
        }
        let offset = offset.min(text.len());
        let row = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(row).copied().unwrap_or_default();
        Point {
            row,
            column: offset - start,
        }
    }
}

/// Where to split `range` of `text` into independently parsable pieces: its start, and every
/// later line that `starts_declaration` (a line right after a decorator line `@...` does not
/// split, so decorators stay with their declaration).
pub(super) fn chunk_starts(
    text: &str,
    range: Range<usize>,
    starts_declaration: fn(&str) -> bool,
) -> Vec<usize> {
    let mut starts = vec![range.start];
    let mut offset = range.start;
    let mut after_decorator = true;
    for line in text
        .get(range.clone())
        .unwrap_or_default()
        .split_inclusive('\n')
    {
        let at = offset;
        offset += line.len();
        if line.trim().is_empty() {
            continue;
        }
        if at != range.start && !after_decorator && starts_declaration(line) {
            starts.push(at);
        }
        after_decorator = line.starts_with('@');
    }
    starts
}

/// Comments in either grammar (`diagnostic_comment` is Bicep's `#disable-next-line`).
fn is_comment(node: Node<'_>) -> bool {
    matches!(node.kind(), "comment" | "diagnostic_comment")
}

/// Named children without comments.
pub(super) fn named(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|child| !is_comment(*child))
        .collect()
}

/// The nodes of an `ERROR` node in order, nested `ERROR`s opened (iteratively), comments left
/// out; anonymous tokens are kept.
pub(super) fn flatten_errors(error: Node) -> Vec<Node> {
    let mut items = Vec::new();
    let mut stack = vec![error];
    let mut cursor = error.walk();
    while let Some(node) = stack.pop() {
        let start = stack.len();
        stack.extend(
            node.children(&mut cursor)
                .filter(|child| !is_comment(*child)),
        );
        stack.get_mut(start..).unwrap_or_default().reverse();
        // Pop in order: non-ERROR nodes go to the output, ERRORs are opened.
        while let Some(&top) = stack.last() {
            if top.is_error() {
                break;
            }
            items.push(top);
            stack.pop();
        }
    }
    items
}

/// Collects a document's entries and resources, with a budget on path segments that caps memory
/// on wide and deep input.
pub(super) struct DocumentBuilder<'s> {
    pub(super) text: &'s str,
    pub(super) entries: Vec<Entry>,
    pub(super) resources: Vec<Resource>,
    pub(super) complete: bool,
    /// Path segments still allowed.
    segments_left: usize,
    /// Rows and columns for re-parsed ranges.
    pub(super) points: Points,
}

impl<'s> DocumentBuilder<'s> {
    pub(super) fn new(text: &'s str) -> Self {
        Self {
            text,
            entries: Vec::new(),
            resources: Vec::new(),
            complete: true,
            segments_left: text.len().saturating_mul(8).saturating_add(1 << 16),
            points: Points::default(),
        }
    }

    pub(super) fn finish(self) -> Document {
        Document {
            entries: self.entries,
            resources: self.resources,
            complete: self.complete,
        }
    }

    pub(super) fn slice(&self, range: Range<usize>) -> &'s str {
        self.text.get(range).unwrap_or_default()
    }

    pub(super) fn node_text(&self, node: Node) -> &'s str {
        self.slice(node.byte_range())
    }

    /// Adds an entry unless the path budget is spent.
    pub(super) fn push(
        &mut self,
        path: Vec<String>,
        key: Range<usize>,
        value: Range<usize>,
        kind: ValueKind,
    ) {
        if self.segments_left < path.len() {
            self.complete = false;
            return;
        }
        self.segments_left -= path.len();
        // Keyless entries (array items, synthetic entries) are anchored at the value's start.
        let key = if key.is_empty() {
            value.start..value.start
        } else {
            key
        };
        self.entries.push(Entry {
            path,
            key,
            value,
            kind,
            synthetic: None,
        });
    }
}
