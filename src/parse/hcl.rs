//! Terraform / HCL (tree-sitter-hcl) into the [`Document`] view: `.tf`, `.tfvars` and `.hcl`.
//!
//! This module owns the HCL mapping; the bounded parse, the splitting of broken regions and the
//! document builder are shared with [`super::bicep`] in `parse/tree.rs`.
//!
//! Mapping (paths are [`super::Entry::path`]s):
//! - A top-level block's path is its type and labels: `resource "azurerm_storage_account" "sa"`
//!   → `["resource", "azurerm_storage_account", "sa"]`, likewise `data`, `variable "x"`,
//!   `output "x"`, `module "m"`, `provider "azurerm"`, `locals`, `terraform`. The block is an
//!   [`ValueKind::Object`] entry (key span: its last label's contents, or its type without
//!   labels; value span: the whole block) and its attributes are entries below it
//!   (`variable.x.default`, `variable.x.sensitive`, `output.x.value`, `locals.a`,
//!   `provider.azurerm.client_secret`, `module.m.x`). `.tfvars` attributes are `[name]`.
//! - `resource` blocks (not `data`) are [`Resource`]s: `type_name` the type label
//!   (`azurerm_storage_account`), `header` the type label's contents, `path` as above.
//! - A nested block adds its type (and labels, if any) to the path: `identity { type = "..." }`
//!   → `identity.type`. A repeated block type keeps the same path for each occurrence, in order.
//!   `dynamic "site_config" { for_each = ..., content { ... } }` maps its `content` to
//!   `site_config.*` (as if written out; that object's key span is empty at `content`) and its
//!   own attributes to `dynamic.site_config.*`.
//! - Values: `"literal"` without `${...}` / `%{...}` is [`ValueKind::String`] (span inside the
//!   quotes, escapes as written; `$${` and `%%{` are literal); a heredoc without interpolation is
//!   a string spanning its lines (from the line after `<<EOT` up to the closing line, so with the
//!   last newline); a template with interpolation or directives is [`ValueKind::Expression`]
//!   with the same inside-the-quotes (inside-the-heredoc) span; references, function calls,
//!   conditionals, operators and `for` expressions are expressions spanning their text; `true` /
//!   `false`, numbers (also negative literals) and `null` as such; `{...}` objects (keys
//!   identifiers, strings — key span inside the quotes — or parenthesised expressions) and
//!   `[...]` tuples (items `"0"`, `"1"`, ...) cover their text and have their contents below.
//!
//! Robustness: as for Bicep, the parse is time-bounded, a line longer than a window is parsed in
//! pieces, values more than [`MAX_DEPTH`] keys deep are not walked, the total size of paths is
//! capped, top-level `ERROR` regions are re-parsed in pieces split at column-0 lines, and
//! `ERROR`s inside bodies are salvaged (their attributes, blocks and `name = value` tokens).
//! When the file has errors, a block with a top-level keyword and label count (`resource "t"
//! "n"`, `data "t" "n"`, `variable "x"`, `output "x"`, `module "m"`, `provider "p"`, `locals`)
//! that tree-sitter nested inside an unclosed block is put back at the top level.

use std::ops::Range;
use std::time::Instant;

use tree_sitter::{Node, Parser};

use super::tree::{
    DocumentBuilder, Inside, WindowSyntax, budget, chunk_starts, flatten_errors, named,
    parse_bounded, parse_window, piece_deadline, windows,
};
use super::{Document, MAX_DEPTH, Resource, ValueKind};

/// A reusable Terraform / HCL (tree-sitter-hcl) parser; see the [module documentation](self)
/// for the mapping.
pub struct HclParser {
    /// `None` if the grammar could not be loaded (ABI mismatch); every parse is then empty.
    parser: Option<Parser>,
}

impl Default for HclParser {
    fn default() -> Self {
        Self::new()
    }
}

impl HclParser {
    /// Creates the parser.
    pub fn new() -> Self {
        let mut parser = Parser::new();
        let loaded = parser
            .set_language(&tree_sitter_hcl::LANGUAGE.into())
            .is_ok();
        Self {
            parser: loaded.then_some(parser),
        }
    }

    /// Parses Terraform / HCL text; never panics, a broken file yields what could be recovered
    /// with `complete = false`.
    pub fn parse(&mut self, text: &str) -> Document {
        let mut builder = Builder::new(text);
        let Some(parser) = self.parser.as_mut() else {
            builder.doc.complete = false;
            return builder.finish();
        };
        for window in windows(text, &HCL_WINDOWS) {
            match parse_window(parser, text, &window, &mut builder.doc.points) {
                Some(tree) => {
                    let root = tree.root_node();
                    builder.broken |= root.has_error();
                    builder.file(root, Some(parser));
                }
                None => {
                    builder.broken = true;
                    builder.reparse(parser, window, None);
                }
            }
        }
        builder.doc.complete &= !builder.broken;
        builder.finish()
    }
}

/// How HCL text is cut into parse windows: only lines longer than a window are cut (at blanks
/// outside `"..."`), since tree-sitter-hcl recovers from a broken line at the next one.
const HCL_WINDOWS: WindowSyntax = WindowSyntax {
    starts_declaration: |_| false,
    quote: b'"',
    inside_after: hcl_inside_after,
};

/// Follows heredocs (`<<EOT` or `<<-EOT` ending a line, closed by a line holding only `EOT`) and
/// `/* */` comments over one line.
fn hcl_inside_after(inside: &mut Inside, line: &str) {
    match inside {
        Inside::Heredoc(marker) => {
            if line.trim() == marker.as_str() {
                *inside = Inside::Nothing;
            }
        }
        Inside::Comment => {
            if line.contains("*/") {
                *inside = Inside::Nothing;
            }
        }
        Inside::Nothing | Inside::String => {
            let code = line.trim_end();
            if let Some((_, opener)) = code.rsplit_once("<<") {
                let marker = opener.trim_start_matches('-');
                if !marker.is_empty()
                    && marker
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    *inside = Inside::Heredoc(marker.to_owned());
                    return;
                }
            }
            if let Some((_, after)) = code.rsplit_once("/*")
                && !after.contains("*/")
            {
                *inside = Inside::Comment;
            }
        }
    }
}

/// Whether a line of HCL starts something at column 0 (a block or an attribute).
fn hcl_line_start(line: &str) -> bool {
    line.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
}

/// Top-level block types and their label counts, for putting blocks that tree-sitter nested in
/// an unclosed block back at the top level.
fn top_level_block(block_type: &str, labels: usize) -> bool {
    matches!(
        (block_type, labels),
        ("resource" | "data", 2)
            | ("variable" | "output" | "module" | "provider", 1)
            | ("locals", 0)
    )
}

/// Work for the iterative walk (no recursion: input can nest 100,000 deep).
enum Task<'t> {
    /// An entry for the expression `node` at `path`, then its contents.
    Value {
        node: Node<'t>,
        path: Vec<String>,
        key: Range<usize>,
    },
    /// A block whose enclosing body is at `base` (`top`: the file's body).
    Block {
        node: Node<'t>,
        base: Vec<String>,
        top: bool,
    },
}

/// Accumulates the document.
struct Builder<'s> {
    doc: DocumentBuilder<'s>,
    /// The tree has errors (enables putting nested top-level blocks back).
    broken: bool,
}

impl<'s> Builder<'s> {
    fn new(text: &'s str) -> Self {
        Self {
            doc: DocumentBuilder::new(text),
            broken: false,
        }
    }

    fn finish(self) -> Document {
        self.doc.finish()
    }

    /// A `config_file` root. With a parser, top-level `ERROR`s are re-parsed in pieces.
    fn file(&mut self, root: Node<'_>, mut parser: Option<&mut Parser>) {
        // Some broken files have an `ERROR` root instead of a `config_file`.
        let children = if root.is_error() {
            vec![root]
        } else {
            named(root)
        };
        for child in children {
            match child.kind() {
                "body" => {
                    let mut tasks = Vec::new();
                    for item in named(child) {
                        match (item.kind(), parser.as_deref_mut()) {
                            ("ERROR", Some(parser)) => {
                                self.run(std::mem::take(&mut tasks));
                                self.reparse(parser, item.byte_range(), Some(item));
                            }
                            _ => tasks.extend(self.body_item(item, &[], true)),
                        }
                    }
                    self.run(tasks);
                }
                "object" => {
                    let tasks = self.object(child, &[]);
                    self.run(tasks);
                }
                "ERROR" => match parser.as_deref_mut() {
                    Some(parser) => self.reparse(parser, child.byte_range(), Some(child)),
                    None => {
                        let tasks = self.salvage(child, &[], true);
                        self.run(tasks);
                    }
                },
                _ => {}
            }
        }
    }

    /// Re-parses `range` in pieces split at column-0 lines; a range that does not split is
    /// salvaged from `error` as it is (or skipped, without one).
    fn reparse(&mut self, parser: &mut Parser, range: Range<usize>, error: Option<Node<'_>>) {
        self.doc.complete = false;
        self.broken = true;
        let starts = chunk_starts(self.doc.text, range.clone(), hcl_line_start);
        if starts.len() < 2 {
            if let Some(error) = error {
                let tasks = self.salvage(error, &[], true);
                self.run(tasks);
            }
            return;
        }
        let deadline = Instant::now() + budget(range.len());
        let ends = starts.iter().skip(1).copied().chain([range.end]);
        for (start, end) in starts.iter().copied().zip(ends) {
            if let Some(tree) = parse_bounded(
                parser,
                self.doc.text,
                Some(start..end),
                &mut self.doc.points,
                piece_deadline(deadline, end.saturating_sub(start)),
            ) {
                self.file(tree.root_node(), None);
            }
        }
    }

    /// Tasks for one item of a body at `base`.
    fn body_item<'t>(&mut self, item: Node<'t>, base: &[String], top: bool) -> Vec<Task<'t>> {
        match item.kind() {
            "attribute" => self.attribute(item, base).into_iter().collect(),
            "block" => vec![Task::Block {
                node: item,
                base: base.to_vec(),
                top,
            }],
            "ERROR" => self.salvage(item, base, top),
            _ => Vec::new(),
        }
    }

    fn attribute<'t>(&self, attribute: Node<'t>, base: &[String]) -> Option<Task<'t>> {
        let kids = named(attribute);
        let name = kids.iter().find(|kid| kid.kind() == "identifier")?;
        let value = kids.iter().find(|kid| kid.kind() == "expression")?;
        let mut path = base.to_vec();
        path.push(self.doc.node_text(*name).to_string());
        Some(Task::Value {
            node: *value,
            path,
            key: name.byte_range(),
        })
    }

    /// Runs tasks in order (the first task first).
    fn run(&mut self, mut tasks: Vec<Task<'_>>) {
        tasks.reverse();
        while let Some(task) = tasks.pop() {
            let children = match task {
                Task::Value { node, path, key } => self.value(node, path, key),
                Task::Block { node, base, top } => self.block(node, &base, top),
            };
            tasks.extend(children.into_iter().rev());
        }
    }

    /// The entry for a block; returns the tasks for its body.
    fn block<'t>(&mut self, block: Node<'t>, base: &[String], top: bool) -> Vec<Task<'t>> {
        let mut cursor = block.walk();
        let kids: Vec<Node<'t>> = block.named_children(&mut cursor).collect();
        let Some(type_node) = kids.first().filter(|kid| kid.kind() == "identifier") else {
            return Vec::new();
        };
        let block_type = self.doc.node_text(*type_node);
        let labels: Vec<(String, Range<usize>)> = kids
            .iter()
            .skip(1)
            .filter_map(|kid| match kid.kind() {
                "string_lit" => {
                    let span = quoted_span(*kid);
                    Some((self.doc.slice(span.clone()).to_string(), span))
                }
                "identifier" => Some((self.doc.node_text(*kid).to_string(), kid.byte_range())),
                _ => None,
            })
            .collect();
        let top = top || (self.broken && top_level_block(block_type, labels.len()));
        let mut path = if top { Vec::new() } else { base.to_vec() };
        let dynamic_content = !top
            && block_type == "content"
            && labels.is_empty()
            && base
                .iter()
                .rev()
                .nth(1)
                .is_some_and(|segment| segment == "dynamic");
        if dynamic_content {
            // `dynamic "x" { content { ... } }` is written out as `x { ... }`.
            let label = path.pop();
            path.pop();
            path.extend(label);
        } else {
            path.push(block_type.to_string());
            path.extend(labels.iter().map(|(label, _)| label.clone()));
        }
        if path.len() > MAX_DEPTH {
            self.doc.complete = false;
            return Vec::new();
        }
        if top && block_type == "resource" {
            if let Some((type_name, header)) = labels.first() {
                self.doc.resources.push(Resource {
                    type_name: type_name.clone(),
                    header: header.clone(),
                    path: path.clone(),
                });
            }
        }
        let key = match labels.last() {
            _ if dynamic_content => block.start_byte()..block.start_byte(),
            Some((_, span)) => span.clone(),
            None => type_node.byte_range(),
        };
        self.doc
            .push(path.clone(), key, block.byte_range(), ValueKind::Object);
        let mut tasks = Vec::new();
        for body in kids.iter().filter(|kid| kid.kind() == "body") {
            for item in named(*body) {
                tasks.extend(self.body_item(item, &path, false));
            }
        }
        tasks
    }

    /// The entry for one expression; returns the tasks for its contents.
    fn value<'t>(&mut self, node: Node<'t>, path: Vec<String>, key: Range<usize>) -> Vec<Task<'t>> {
        if node.is_missing() {
            return Vec::new();
        }
        let inner = unwrap(node);
        let (kind, span) = self.classify(node, inner);
        if !matches!(kind, ValueKind::Object | ValueKind::Array) {
            self.doc.push(path, key, span, kind);
            return Vec::new();
        }
        self.doc.push(path.clone(), key, span, kind);
        if path.len() >= MAX_DEPTH {
            self.doc.complete = false;
            return Vec::new();
        }
        if kind == ValueKind::Object {
            return self.object(inner, &path);
        }
        let mut tasks = Vec::new();
        for item in named(inner) {
            if matches!(item.kind(), "tuple_start" | "tuple_end" | "ERROR") {
                continue;
            }
            let mut item_path = path.clone();
            item_path.push(tasks.len().to_string());
            let key = item.start_byte()..item.start_byte();
            tasks.push(Task::Value {
                node: item,
                path: item_path,
                key,
            });
        }
        tasks
    }

    /// Tasks for an object's elements below `path`.
    fn object<'t>(&mut self, object: Node<'t>, path: &[String]) -> Vec<Task<'t>> {
        let mut tasks = Vec::new();
        for element in named(object) {
            match element.kind() {
                "object_elem" => {
                    let (Some(key), Some(value)) = (
                        element.child_by_field_name("key"),
                        element.child_by_field_name("val"),
                    ) else {
                        continue;
                    };
                    let (name, key_span) = self.key(key);
                    let mut element_path = path.to_vec();
                    element_path.push(name);
                    tasks.push(Task::Value {
                        node: value,
                        path: element_path,
                        key: key_span,
                    });
                }
                "ERROR" => {
                    self.doc.complete = false;
                    tasks.extend(self.salvage(element, path, false));
                }
                _ => {}
            }
        }
        tasks
    }

    /// An object key's name and span: an identifier, a string (inside the quotes) or an
    /// expression's text.
    fn key(&self, key: Node) -> (String, Range<usize>) {
        let inner = unwrap(key);
        let span = match inner.kind() {
            "variable_expr" => inner.byte_range(),
            "string_lit" => quoted_span(inner),
            _ => key.byte_range(),
        };
        (self.doc.slice(span.clone()).to_string(), span)
    }

    /// Kind and value span of `node`, whose unwrapped form is `inner`.
    fn classify(&self, node: Node, inner: Node) -> (ValueKind, Range<usize>) {
        let (kind, span) = match inner.kind() {
            "string_lit" => (ValueKind::String, quoted_span(inner)),
            "quoted_template" => (template_kind(inner), quoted_span(inner)),
            "heredoc_template" => (template_kind(inner), self.heredoc_span(inner)),
            "bool_lit" => (ValueKind::Bool, inner.byte_range()),
            "null_lit" => (ValueKind::Null, inner.byte_range()),
            "numeric_lit" => (ValueKind::Number, inner.byte_range()),
            "object" => (ValueKind::Object, inner.byte_range()),
            "tuple" => (ValueKind::Array, inner.byte_range()),
            "operation" if is_negative_number(inner) => (ValueKind::Number, inner.byte_range()),
            _ => (ValueKind::Expression, node.byte_range()),
        };
        match kind {
            ValueKind::Object | ValueKind::Array | ValueKind::Expression => (kind, span),
            _ if inner.has_error() => (ValueKind::Expression, span),
            _ => (kind, span),
        }
    }

    /// A heredoc's lines: from the line after `<<EOT` to the start of the closing line.
    fn heredoc_span(&self, heredoc: Node) -> Range<usize> {
        let mut cursor = heredoc.walk();
        let markers: Vec<Node> = heredoc
            .named_children(&mut cursor)
            .filter(|child| child.kind() == "heredoc_identifier")
            .collect();
        let Some(open) = markers.first() else {
            return heredoc.byte_range();
        };
        let bytes = self.doc.text.as_bytes();
        let after_open = open.end_byte();
        let start = bytes
            .get(after_open..heredoc.end_byte())
            .and_then(|rest| rest.iter().position(|&byte| byte == b'\n'))
            .map_or(after_open, |at| after_open + at + 1);
        let end = match markers.last() {
            Some(close) if markers.len() >= 2 && !close.is_missing() => bytes
                .get(..close.start_byte())
                .and_then(|before| before.iter().rposition(|&byte| byte == b'\n'))
                .map_or(close.start_byte(), |at| at + 1),
            _ => heredoc.end_byte(),
        };
        start.min(end)..end
    }

    /// What can be recovered from an `ERROR` node: its attributes and blocks, and
    /// `name = value` token runs, as if they were in the body at `base`.
    fn salvage<'t>(&mut self, error: Node<'t>, base: &[String], top: bool) -> Vec<Task<'t>> {
        self.doc.complete = false;
        let items = flatten_errors(error);
        let mut tasks = Vec::new();
        let mut index = 0;
        while let Some(&item) = items.get(index) {
            index += 1;
            match item.kind() {
                "attribute" | "block" => tasks.extend(self.body_item(item, base, top)),
                "identifier" if items.get(index).is_some_and(|node| node.kind() == "=") => {
                    let value = items
                        .get(index + 1)
                        .filter(|node| node.kind() == "expression");
                    if let Some(value) = value {
                        index += 2;
                        let mut path = base.to_vec();
                        path.push(self.doc.node_text(item).to_string());
                        tasks.push(Task::Value {
                            node: *value,
                            path,
                            key: item.byte_range(),
                        });
                    }
                }
                _ => {}
            }
        }
        tasks
    }
}

/// `expression`, `literal_value`, `collection_value` and `template_expr` wrappers removed.
fn unwrap(node: Node) -> Node {
    let mut node = node;
    // Each step goes one level down; the bound only guards against surprises.
    for _ in 0..16 {
        let wrapper = matches!(
            node.kind(),
            "expression" | "literal_value" | "collection_value" | "template_expr"
        );
        match node.child(0) {
            Some(child) if wrapper && node.child_count() == 1 => node = child,
            _ => break,
        }
    }
    node
}

/// `-1.5`: a unary minus on a number literal.
fn is_negative_number(operation: Node) -> bool {
    let Some(unary) = operation
        .child(0)
        .filter(|child| child.kind() == "unary_operation")
    else {
        return false;
    };
    let operator = unary.child(0).is_some_and(|child| child.kind() == "-");
    let operand = unary
        .child(1)
        .map(unwrap)
        .is_some_and(|child| child.kind() == "numeric_lit");
    operator && operand && unary.child_count() == 2
}

/// A template with interpolation or directives is an expression, else a string.
fn template_kind(template: Node) -> ValueKind {
    let mut cursor = template.walk();
    let dynamic = template.named_children(&mut cursor).any(|child| {
        matches!(
            child.kind(),
            "template_interpolation" | "template_directive"
        )
    });
    if dynamic || template.has_error() {
        ValueKind::Expression
    } else {
        ValueKind::String
    }
}

/// The span inside a quoted string or template's quotes (to its end if unterminated).
fn quoted_span(node: Node) -> Range<usize> {
    let mut cursor = node.walk();
    let kids: Vec<Node> = node.children(&mut cursor).collect();
    let start = kids
        .first()
        .filter(|kid| kid.kind() == "quoted_template_start")
        .map_or(node.start_byte(), |kid| kid.end_byte());
    let end = kids
        .last()
        .filter(|kid| kid.kind() == "quoted_template_end" && !kid.is_missing() && kids.len() >= 2)
        .map_or(node.end_byte(), |kid| kid.start_byte());
    start.min(end)..end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Document {
        HclParser::new().parse(text)
    }

    #[test]
    fn only_long_lines_outside_heredocs_are_cut() {
        use super::super::tree::{LINE_PIECE, WINDOW};
        let long_line = format!("tags = {{ {}}}\n", "k = \"a b\" ".repeat(2 * WINDOW / 10));
        let heredoc = format!("policy = <<-EOT\n{long_line}  EOT\n");
        let text = [
            "resource \"a\" \"b\" {\n  x = 1\n}\n".repeat(WINDOW / 16),
            heredoc.clone(),
            "/* a comment\n".to_owned(),
            long_line.clone(),
            "*/\n".to_owned(),
            long_line.clone(),
        ]
        .concat();
        let windows = windows(&text, &HCL_WINDOWS);
        let last_line = text.len() - long_line.len();
        // Nothing is cut before the last line: short lines, a heredoc and a comment.
        assert!(
            windows.len() > 2 * WINDOW / LINE_PIECE - 2,
            "{}",
            windows.len()
        );
        assert_eq!(
            windows.first().map(|window| window.end > last_line),
            Some(true)
        );
        for window in windows.iter().skip(1) {
            assert!(window.start > last_line);
            assert_eq!(text.as_bytes()[window.start], b' ');
            assert_eq!(text[last_line..window.start].matches('"').count() % 2, 0);
        }
        // The heredoc is whole.
        let document = parse(&heredoc);
        let policy = document.get(&["policy"]).expect("the heredoc");
        assert_eq!(policy.text(&heredoc), long_line);
    }

    fn has(text: &str, path: &str, kind: ValueKind, value: &str) -> bool {
        parse(text).entries.iter().any(|entry| {
            entry.path.join(".") == path && entry.kind == kind && entry.text(text) == value
        })
    }

    #[test]
    fn heredocs_span_their_lines() {
        let text =
            "a = <<EOT\nline one\nline two\nEOT\nb = <<-EOT\n  x ${var.y}\n  EOT\nc = <<EOT\nEOT\n";
        assert!(has(text, "a", ValueKind::String, "line one\nline two\n"));
        assert!(has(text, "b", ValueKind::Expression, "  x ${var.y}\n"));
        assert!(has(text, "c", ValueKind::String, ""));
    }

    #[test]
    fn templates_are_expressions_only_with_interpolation_or_directives() {
        let text = "a = \"x-${var.y}\"\nb = \"%{ if true }x%{ endif }\"\nc = \"$${literal}\"\nd = \"a\\\"b\"\n";
        assert!(has(text, "a", ValueKind::Expression, "x-${var.y}"));
        assert!(has(
            text,
            "b",
            ValueKind::Expression,
            "%{ if true }x%{ endif }"
        ));
        assert!(has(text, "c", ValueKind::String, "$${literal}"));
        assert!(has(text, "d", ValueKind::String, "a\\\"b"));
    }

    #[test]
    fn scalars_and_expressions() {
        let text = "a = -1.5\nb = - var.x\nc = (1)\nd = null\ne = false\nf = [for x in y : x]\ng = a.b[0].c\n";
        assert!(has(text, "a", ValueKind::Number, "-1.5"));
        assert!(has(text, "b", ValueKind::Expression, "- var.x"));
        assert!(has(text, "c", ValueKind::Expression, "(1)"));
        assert!(has(text, "d", ValueKind::Null, "null"));
        assert!(has(text, "e", ValueKind::Bool, "false"));
        assert!(has(text, "f", ValueKind::Expression, "[for x in y : x]"));
        assert!(has(text, "g", ValueKind::Expression, "a.b[0].c"));
    }

    #[test]
    fn object_keys_may_be_identifiers_strings_or_expressions() {
        let text = "m = {\n  plain = 1\n  \"quoted-key\" = 2\n  (var.k) = 3\n  colon: 4\n}\n";
        let document = parse(text);
        let quoted = document.get(&["m", "quoted-key"]).expect("quoted key");
        assert_eq!(&text[quoted.key.clone()], "quoted-key");
        assert!(document.get(&["m", "plain"]).is_some());
        assert!(document.get(&["m", "(var.k)"]).is_some());
        assert!(document.get(&["m", "colon"]).is_some());
    }

    #[test]
    fn dynamic_blocks_map_their_content_to_the_block_type() {
        let text = "resource \"t\" \"n\" {\n  dynamic \"site_config\" {\n    for_each = var.c\n    content {\n      always_on = true\n    }\n  }\n}\n";
        assert!(has(
            text,
            "resource.t.n.site_config.always_on",
            ValueKind::Bool,
            "true"
        ));
        assert!(has(
            text,
            "resource.t.n.dynamic.site_config.for_each",
            ValueKind::Expression,
            "var.c"
        ));
    }

    #[test]
    fn identifier_labels_and_repeated_blocks() {
        let text = "resource t n {\n  rule { a = 1 }\n  rule { a = 2 }\n}\n";
        let document = parse(text);
        assert_eq!(document.resources.len(), 1);
        assert_eq!(
            document
                .resources
                .first()
                .map(|resource| resource.type_name.as_str()),
            Some("t")
        );
        let values: Vec<&str> = document
            .entries
            .iter()
            .filter(|entry| entry.path.join(".") == "resource.t.n.rule.a")
            .map(|entry| entry.text(text))
            .collect();
        assert_eq!(values, ["1", "2"]);
    }

    #[test]
    fn nested_top_level_blocks_come_back_only_in_broken_files() {
        let broken =
            "resource \"a\" \"x\" {\n  inner {\n    k = 1\n\nresource \"b\" \"y\" {\n  k = 2\n}\n";
        let document = parse(broken);
        assert!(!document.complete);
        let paths: Vec<Vec<String>> = document
            .resources
            .iter()
            .map(|resource| resource.path.clone())
            .collect();
        assert_eq!(
            paths,
            [vec!["resource", "a", "x"], vec!["resource", "b", "y"]]
        );
        assert!(has(broken, "resource.b.y.k", ValueKind::Number, "2"));
        // A valid file keeps a nested block where it is written.
        let valid = "outer {\n  variable \"v\" {\n    k = 1\n  }\n}\n";
        assert!(has(valid, "outer.variable.v.k", ValueKind::Number, "1"));
    }

    #[test]
    fn a_json_style_root_object_is_read() {
        let text = "{\n  a = 1\n  b = \"x\"\n}\n";
        assert!(has(text, "a", ValueKind::Number, "1"));
        assert!(has(text, "b", ValueKind::String, "x"));
    }

    #[test]
    fn top_level_error_regions_are_reparsed_in_pieces() {
        let text = "resource \"a\" \"b\" {\n  x = 1\n}\n}\nresource \"c\" \"d\" {\n  y = 2\n}\n";
        let document = parse(text);
        assert!(!document.complete);
        assert!(has(text, "resource.a.b.x", ValueKind::Number, "1"));
        assert!(has(text, "resource.c.d.y", ValueKind::Number, "2"));
    }
}
