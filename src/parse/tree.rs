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

/// Rows and columns of byte offsets asked for in increasing order, in time linear in the text
/// overall (an earlier offset starts over from the top).
#[derive(Default)]
pub(super) struct Points {
    offset: usize,
    point: Point,
}

impl Points {
    /// The row and column of `offset` (clamped to the text).
    pub(super) fn at(&mut self, text: &str, offset: usize) -> Point {
        let offset = offset.min(text.len());
        if offset < self.offset {
            *self = Self::default();
        }
        for &byte in text.as_bytes().get(self.offset..offset).unwrap_or_default() {
            if byte == b'\n' {
                self.point.row += 1;
                self.point.column = 0;
            } else {
                self.point.column += 1;
            }
        }
        self.offset = offset;
        self.point
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
