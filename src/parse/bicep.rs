//! Bicep and `.bicepparam` (tree-sitter-bicep) into the [`Document`] view, normalised to the
//! shape the equivalent ARM template has, so one setting rule covers ARM and Bicep.
//!
//! This module owns the Bicep mapping; the bounded tree-sitter parse, the re-parse of broken
//! regions and the document builder are shared with [`super::hcl`] in `parse/tree.rs`.
//!
//! Mapping (paths are [`Entry::path`]s; "synthetic" entries have no key in the source, their key
//! span is empty at the value's start):
//! - `resource sym 'Microsoft.Storage/storageAccounts@2023-01-01' = {...}` (also `existing`,
//!   `= if (c) {...}`, `= [for x in xs: {...}]`, `[for ...: if (c) {...}]`): a [`Resource`] with
//!   `type_name` `Microsoft.Storage/storageAccounts`, `header` the whole type string's contents
//!   (with `@api`) and `path` `["resources", "sym"]`; entries `resources.sym` (object, the whole
//!   declaration), synthetic `resources.sym.type` (string: the type *without* `@api`, as written),
//!   `resources.sym.apiVersion` (string after `@`), `resources.sym.condition` (expression inside
//!   `if (...)`), then the body: `resources.sym.name`,
//!   `resources.sym.properties.disableLocalAuth`, ... A loop's body is mapped as if it were
//!   declared once. `existing` adds a synthetic `resources.sym.existing` (bool, text `true`, as
//!   in ARM's symbolic-name templates) spanning the keyword.
//! - A child resource nested in a parent's body (`resource blob 'blobServices' = {...}`) gets the
//!   joined type `Microsoft.Storage/storageAccounts/blobServices` and path
//!   `["resources", "blob"]`; a fully qualified nested type (with a `/`) and a top-level resource
//!   with `parent: x` keep their own type. Its `resources.blob.type` entry is the text as written.
//! - `param x string = 'v'`: `parameters.x` (object), synthetic `parameters.x.type` whose value
//!   span is the declared type (`string`, `int`, `bool`, `object`, `array`, `string[]`, a user
//!   type; `string?` and `(...)` are unwrapped), and `parameters.x.defaultValue`. With a
//!   `@secure()` decorator the type entry's text is ARM's `securestring` / `secureObject`
//!   ([`Entry::synthetic`]), its span still the declared type.
//!   `.bicepparam`: `param x = 'v'` yields `parameters.x` and `parameters.x.value`; `using` is
//!   ignored.
//! - `output o string = e`: `outputs.o`, `outputs.o.type`, `outputs.o.value`;
//!   `var v = e`: `variables.v`; `metadata m = e`: `metadata.m`;
//!   `module m './x.bicep' = {...}`: `modules.m` and the body as is (`modules.m.params.k`), with
//!   `modules.m.condition` like resources. `type`, `func`, `import`, `targetScope`, `assert` and
//!   `extension` are ignored.
//! - Values: a string literal without interpolation is [`ValueKind::String`] (span inside the
//!   quotes; for `'''` strings inside the delimiters, without the newline right after the opening
//!   `'''`, which Bicep drops); an interpolated string is [`ValueKind::Expression`] with the same
//!   inside-the-quotes span; any other expression (call, member access, symbol, ternary, `!x`,
//!   loop) is an expression spanning its text; `true`/`false`, numbers, `null` as such; objects
//!   and arrays cover their text and have their properties / items (`"0"`, `"1"`, ...) below.
//!   Quoted keys are unescaped; their key span is inside the quotes.
//!
//! Robustness: a file bigger than [`super::tree::WINDOW`] is parsed in windows cut at column-0
//! declarations (and a very long line in pieces), so that error recovery, which can cost the
//! rest of the input per token, stays linear in the file; each parse is bounded in time
//! (tree-sitter's error recovery is super-linear on some broken input, for example thousands
//! of unclosed `{`), values more than [`MAX_DEPTH`] keys deep are not walked, and the total
//! size of the paths is capped relative to the input; any of these marks the document
//! incomplete. Broken regions (top-level `ERROR` nodes) are split at column-0 declarations and
//! re-parsed piece by piece, and what is still broken is salvaged token by token (`resource x 'T' = {`, `key: value`, `key: {` ... `}`).
//! Two known grammar quirks of tree-sitter-bicep 1.1 are not counted as errors: `.bicepparam`'s
//! `param x = v` (parsed with an `ERROR` `=` or a missing type) and `output x resource 'T' = y`.

use std::ops::Range;
use std::rc::Rc;
use std::time::Instant;

use tree_sitter::{Node, Parser};

use super::tree::{
    DocumentBuilder, Inside, WindowSyntax, budget, chunk_starts, flatten_errors, named,
    parse_bounded, parse_window, piece_deadline, windows,
};
use super::{Document, Entry, MAX_DEPTH, Resource, ValueKind};

/// A reusable Bicep (tree-sitter-bicep) parser; see the [module documentation](self) for the
/// mapping.
pub struct BicepParser {
    /// `None` if the grammar could not be loaded (ABI mismatch); every parse is then empty.
    parser: Option<Parser>,
}

impl Default for BicepParser {
    fn default() -> Self {
        Self::new()
    }
}

impl BicepParser {
    /// Creates the parser.
    pub fn new() -> Self {
        let mut parser = Parser::new();
        let loaded = parser
            .set_language(&tree_sitter_bicep::LANGUAGE.into())
            .is_ok();
        Self {
            parser: loaded.then_some(parser),
        }
    }

    /// Parses Bicep or `.bicepparam` text; never panics, a broken file yields what could be
    /// recovered with `complete = false`.
    pub fn parse(&mut self, text: &str) -> Document {
        let mut builder = Builder::new(text);
        let Some(parser) = self.parser.as_mut() else {
            builder.doc.complete = false;
            return builder.finish();
        };
        for window in windows(text, &BICEP_WINDOWS) {
            match parse_window(parser, text, &window, &mut builder.doc.points) {
                Some(tree) => {
                    let root = tree.root_node();
                    if has_real_error(root, text) {
                        builder.doc.complete = false;
                    }
                    builder.statements(root, Some(parser));
                }
                None => {
                    builder.doc.complete = false;
                    builder.reparse(parser, window, None);
                }
            }
        }
        builder.finish()
    }
}

/// How Bicep text is cut into parse windows: at declarations, never inside `'''` strings or
/// `/* */` comments, long lines at blanks outside `'...'`.
const BICEP_WINDOWS: WindowSyntax = WindowSyntax {
    starts_declaration: bicep_declaration,
    quote: b'\'',
    inside_after: bicep_inside_after,
};

/// Whether a line leaves the text inside a `'''` string or a `/* */` comment, given whether it
/// started inside one (`inside`, updated). Good enough to avoid cutting inside either: a `/*`
/// or `'''` inside an ordinary string only delays the next cut.
fn bicep_inside_after(inside: &mut Inside, line: &str) {
    let mut rest = line;
    while !rest.is_empty() {
        let (token, next) = match inside {
            Inside::Comment => ("*/", Inside::Nothing),
            Inside::String => ("'''", Inside::Nothing),
            Inside::Nothing | Inside::Heredoc(_) => {
                match (rest.find("/*"), rest.find("'''"), rest.find("//")) {
                    (comment, string, Some(line_comment))
                        if comment.is_none_or(|at| line_comment < at)
                            && string.is_none_or(|at| line_comment < at) =>
                    {
                        break;
                    }
                    (Some(comment), string, _) if string.is_none_or(|at| comment < at) => {
                        ("/*", Inside::Comment)
                    }
                    (_, Some(_), _) => ("'''", Inside::String),
                    _ => break,
                }
            }
        };
        let Some(found) = rest.find(token) else {
            break;
        };
        *inside = next;
        rest = rest.get(found + token.len()..).unwrap_or_default();
    }
}

/// Whether a line of Bicep starts a declaration at column 0.
fn bicep_declaration(line: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "resource",
        "param",
        "var",
        "output",
        "module",
        "metadata",
        "type",
        "func",
        "import",
        "using",
        "targetScope",
        "extension",
    ];
    line.starts_with('@')
        || KEYWORDS.iter().any(|keyword| {
            line.strip_prefix(keyword)
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_whitespace() || c == '='))
        })
}

/// Whether a tree has syntax errors other than the known tree-sitter-bicep 1.1 quirks on valid
/// input (`.bicepparam` assignments, `output x resource 'T' = y`).
fn has_real_error(root: Node, text: &str) -> bool {
    if !root.has_error() {
        return false;
    }
    let mut stack = vec![root];
    let mut cursor = root.walk();
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            if !is_quirk(node, text) {
                return true;
            }
            continue;
        }
        stack.extend(node.children(&mut cursor).filter(|child| child.has_error()));
    }
    false
}

fn is_quirk(node: Node, text: &str) -> bool {
    let Some(parent) = node.parent() else {
        return false;
    };
    if node.is_error() {
        let word = text.get(node.byte_range()).unwrap_or_default().trim();
        return (parent.kind() == "parameter_declaration" && word == "=")
            || (parent.kind() == "output_declaration" && word == "resource");
    }
    node.kind() == "identifier"
        && parent.kind() == "type"
        && parent.byte_range().is_empty()
        && parent
            .parent()
            .is_some_and(|declaration| declaration.kind() == "parameter_declaration")
}

/// Work for the iterative walk (no recursion: input can nest 100,000 deep).
enum Task<'t> {
    /// An entry for `node` at `path`, then its properties or items.
    Value {
        node: Node<'t>,
        path: Vec<String>,
        key: Range<usize>,
        parent: Option<Rc<str>>,
    },
    /// A `resource_declaration`, nested in a resource of type `parent` or not.
    Resource {
        node: Node<'t>,
        parent: Option<Rc<str>>,
    },
    /// A top-level declaration found inside an `ERROR` node.
    Statement(Node<'t>),
    /// An entry made up while salvaging an `ERROR` node.
    Emit(Entry),
    /// A resource found while salvaging an `ERROR` node.
    AddResource(Resource),
}

/// Accumulates the document.
struct Builder<'s> {
    doc: DocumentBuilder<'s>,
}

impl<'s> Builder<'s> {
    fn new(text: &'s str) -> Self {
        Self {
            doc: DocumentBuilder::new(text),
        }
    }

    fn finish(self) -> Document {
        self.doc.finish()
    }

    /// The top-level statements of a tree. With a parser, broken regions are re-parsed in pieces.
    fn statements(&mut self, root: Node<'_>, mut parser: Option<&mut Parser>) {
        // Some broken files have an `ERROR` root instead of an `infrastructure`.
        let children = if root.is_error() {
            vec![root]
        } else {
            named(root)
        };
        for node in children {
            match node.kind() {
                "ERROR" => match parser.as_deref_mut() {
                    Some(parser) => self.reparse(parser, node.byte_range(), Some(node)),
                    None => {
                        let tasks = self.salvage(node, &[], None, true);
                        self.run(tasks);
                    }
                },
                _ => self.statement(node),
            }
        }
    }

    /// Re-parses `range` in pieces split at column-0 declarations (after the whole text ran out
    /// of time, or for a top-level `ERROR` node); a range that does not split is salvaged from
    /// `error` as it is (or skipped, without one).
    fn reparse(&mut self, parser: &mut Parser, range: Range<usize>, error: Option<Node<'_>>) {
        self.doc.complete = false;
        let starts = chunk_starts(self.doc.text, range.clone(), bicep_declaration);
        if starts.len() < 2 {
            if let Some(error) = error {
                let tasks = self.salvage(error, &[], None, true);
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
                self.statements(tree.root_node(), None);
            }
        }
    }

    fn statement(&mut self, node: Node<'_>) {
        match node.kind() {
            "parameter_declaration" => self.declaration(node, "parameters"),
            "output_declaration" => self.declaration(node, "outputs"),
            "variable_declaration" => self.declaration(node, "variables"),
            "metadata_declaration" => self.declaration(node, "metadata"),
            "resource_declaration" => self.run(vec![Task::Resource { node, parent: None }]),
            "module_declaration" => self.module(node),
            _ => {}
        }
    }

    /// `param`, `output`, `var` and `metadata`.
    fn declaration(&mut self, node: Node<'_>, group: &str) {
        let parts = Parts::of(node, self.doc.text);
        let Some(name) = parts.name else { return };
        let base = vec![group.to_string(), self.doc.node_text(name).to_string()];
        let value_path = |last: &str| {
            let mut path = base.clone();
            path.push(last.to_string());
            path
        };
        let value = match group {
            "parameters" | "outputs" => {
                self.doc.push(
                    base.clone(),
                    name.byte_range(),
                    node.byte_range(),
                    ValueKind::Object,
                );
                if let Some(declared) = parts.declared {
                    let declared = declared_type(declared);
                    let span = match declared.kind() {
                        "string" => string_span(declared, self.doc.text),
                        _ => declared.byte_range(),
                    };
                    self.doc.push(
                        value_path("type"),
                        span.start..span.start,
                        span,
                        ValueKind::String,
                    );
                    // `@secure()` makes a `string` ARM's `securestring` (an `object`, `secureObject`).
                    if is_secure(node, self.doc.text)
                        && let Some(entry) = self.doc.entries.last_mut()
                    {
                        entry.synthetic = Some(if entry.text(self.doc.text) == "object" {
                            super::SECURE_OBJECT
                        } else {
                            super::SECURE_STRING
                        });
                    }
                }
                let last = match (group, parts.declared) {
                    ("outputs", _) | (_, None) => "value",
                    _ => "defaultValue",
                };
                parts
                    .value
                    .map(|value| (value, value_path(last), empty_at(value)))
            }
            _ => parts
                .value
                .map(|value| (value, base.clone(), name.byte_range())),
        };
        if let Some((node, path, key)) = value {
            self.run(vec![Task::Value {
                node,
                path,
                key,
                parent: None,
            }]);
        }
    }

    fn module(&mut self, node: Node<'_>) {
        let kids = named(node);
        let Some(name) = kids.iter().find(|kid| kid.kind() == "identifier") else {
            return;
        };
        let path = vec!["modules".to_string(), self.doc.node_text(*name).to_string()];
        self.doc.push(
            path.clone(),
            name.byte_range(),
            node.byte_range(),
            ValueKind::Object,
        );
        let body = kids
            .iter()
            .find(|kid| matches!(kid.kind(), "object" | "if_statement" | "for_statement"));
        let tasks = self.body(body.copied(), &path, None);
        self.run(tasks);
    }

    /// Entries for a resource's or module's body (`{}`, `if (c) {}`, `[for ...: {}]`) below
    /// `path`: the condition, then the properties' tasks.
    fn body<'t>(
        &mut self,
        body: Option<Node<'t>>,
        path: &[String],
        parent: Option<Rc<str>>,
    ) -> Vec<Task<'t>> {
        let mut object = body;
        let mut condition = None;
        for _ in 0..3 {
            match object.map(|node| node.kind()) {
                Some("for_statement") => {
                    object = object.and_then(|node| node.child_by_field_name("body"))
                }
                Some("if_statement") => {
                    let kids = object.map(named).unwrap_or_default();
                    condition = kids
                        .iter()
                        .find(|kid| kid.kind() == "parenthesized_expression")
                        .copied();
                    object = kids.iter().find(|kid| kid.kind() == "object").copied();
                }
                _ => break,
            }
        }
        if let Some(condition) = condition {
            let inner = named(condition).first().copied().unwrap_or(condition);
            let mut condition_path = path.to_vec();
            condition_path.push("condition".to_string());
            self.doc.push(
                condition_path,
                empty_at(inner),
                inner.byte_range(),
                ValueKind::Expression,
            );
        }
        match object {
            Some(object) if object.kind() == "object" => self.properties(object, path, parent),
            _ => Vec::new(),
        }
    }

    /// Runs tasks in order (the first task first).
    fn run<'t>(&mut self, mut tasks: Vec<Task<'t>>) {
        tasks.reverse();
        while let Some(task) = tasks.pop() {
            match task {
                Task::Value {
                    node,
                    path,
                    key,
                    parent,
                } => {
                    let children = self.value(node, path, key, parent);
                    tasks.extend(children.into_iter().rev());
                }
                Task::Resource { node, parent } => {
                    let children = self.resource(node, parent);
                    tasks.extend(children.into_iter().rev());
                }
                Task::Statement(node) => self.statement(node),
                Task::Emit(entry) => self
                    .doc
                    .push(entry.path, entry.key, entry.value, entry.kind),
                Task::AddResource(resource) => self.doc.resources.push(resource),
            }
        }
    }

    /// The entry for one value; returns the tasks for its properties or items.
    fn value<'t>(
        &mut self,
        node: Node<'t>,
        path: Vec<String>,
        key: Range<usize>,
        parent: Option<Rc<str>>,
    ) -> Vec<Task<'t>> {
        if node.is_missing() {
            return Vec::new();
        }
        let node = unwrap_type(node);
        let (kind, span) = self.classify(node);
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
            return self.properties(node, &path, parent);
        }
        let mut tasks = Vec::new();
        for item in named(node) {
            if matches!(item.kind(), "decorators" | "ERROR") {
                continue;
            }
            let mut item_path = path.clone();
            item_path.push(tasks.len().to_string());
            tasks.push(Task::Value {
                node: item,
                path: item_path,
                key: empty_at(item),
                parent: parent.clone(),
            });
        }
        tasks
    }

    /// Tasks for an object's properties (and what can be salvaged from `ERROR`s among them).
    fn properties<'t>(
        &mut self,
        object: Node<'t>,
        path: &[String],
        parent: Option<Rc<str>>,
    ) -> Vec<Task<'t>> {
        let mut tasks = Vec::new();
        for child in named(object) {
            match child.kind() {
                "object_property" => tasks.extend(self.property(child, path, parent.clone())),
                "ERROR" => tasks.extend(self.salvage(child, path, parent.clone(), false)),
                _ => {}
            }
        }
        tasks
    }

    fn property<'t>(
        &self,
        property: Node<'t>,
        path: &[String],
        parent: Option<Rc<str>>,
    ) -> Option<Task<'t>> {
        let kids = named(property);
        if let Some(resource) = kids.iter().find(|kid| kid.kind() == "resource_declaration") {
            return Some(Task::Resource {
                node: *resource,
                parent,
            });
        }
        let (key, value) = (kids.first()?, kids.get(1)?);
        let (name, key_span) = self.key(*key);
        let mut value_path = path.to_vec();
        value_path.push(name);
        Some(Task::Value {
            node: *value,
            path: value_path,
            key: key_span,
            parent,
        })
    }

    /// A property key's name and span (inside the quotes for a quoted key).
    fn key(&self, key: Node) -> (String, Range<usize>) {
        if key.kind() == "string" {
            let span = string_span(key, self.doc.text);
            return (unescape(self.doc.slice(span.clone())), span);
        }
        (self.doc.node_text(key).to_string(), key.byte_range())
    }

    fn classify(&self, node: Node) -> (ValueKind, Range<usize>) {
        let kind = match node.kind() {
            "string" => {
                let mut cursor = node.walk();
                let interpolated = node
                    .named_children(&mut cursor)
                    .any(|child| child.kind() == "interpolation");
                let kind = if interpolated || node.has_error() {
                    ValueKind::Expression
                } else {
                    ValueKind::String
                };
                return (kind, string_span(node, self.doc.text));
            }
            "boolean" => ValueKind::Bool,
            "number" => ValueKind::Number,
            "null" => ValueKind::Null,
            "object" => ValueKind::Object,
            "array" => ValueKind::Array,
            _ => ValueKind::Expression,
        };
        let kind = match kind {
            ValueKind::Bool | ValueKind::Number | ValueKind::Null if node.has_error() => {
                ValueKind::Expression
            }
            kind => kind,
        };
        (kind, node.byte_range())
    }

    /// The entries for a resource's header; returns the tasks for its body.
    fn resource<'t>(&mut self, node: Node<'t>, parent: Option<Rc<str>>) -> Vec<Task<'t>> {
        let mut cursor = node.walk();
        let kids: Vec<Node<'t>> = node.children(&mut cursor).collect();
        let symbol = kids.iter().find(|kid| kid.kind() == "identifier");
        let Some(type_string) = kids.iter().find(|kid| kid.kind() == "string") else {
            return Vec::new();
        };
        let body = kids
            .iter()
            .find(|kid| matches!(kid.kind(), "object" | "if_statement" | "for_statement"));
        let (resource, entries) = self.resource_header(
            symbol.copied(),
            *type_string,
            node.byte_range(),
            parent.as_deref(),
        );
        let path = resource.path.clone();
        let type_name = Rc::from(resource.type_name.as_str());
        self.doc.resources.push(resource);
        for entry in entries {
            self.doc
                .push(entry.path, entry.key, entry.value, entry.kind);
        }
        // `existing` is ARM's `"existing": true`: the file refers to a resource deployed
        // elsewhere, whose settings it does not decide.
        if let Some(keyword) = kids.iter().find(|kid| kid.kind() == "existing") {
            let mut existing = path.clone();
            existing.push("existing".to_string());
            let pushed = self.doc.entries.len() + 1;
            self.doc.push(
                existing,
                keyword.start_byte()..keyword.start_byte(),
                keyword.byte_range(),
                ValueKind::Bool,
            );
            if self.doc.entries.len() == pushed
                && let Some(entry) = self.doc.entries.last_mut()
            {
                entry.synthetic = Some(super::IMPLIED_TRUE);
            }
        }
        self.body(body.copied(), &path, Some(type_name))
    }

    /// A resource (not yet added) and its header entries: the resource object, `type` (without
    /// `@api`) and `apiVersion`.
    fn resource_header(
        &self,
        symbol: Option<Node>,
        type_string: Node,
        declaration: Range<usize>,
        parent: Option<&str>,
    ) -> (Resource, Vec<Entry>) {
        let header = string_span(type_string, self.doc.text);
        let full = self.doc.slice(header.clone());
        let (type_span, api) = match full.find('@') {
            Some(at) => (
                header.start..header.start + at,
                Some(header.start + at + 1..header.end),
            ),
            None => (header.clone(), None),
        };
        let written = self.doc.slice(type_span.clone());
        let type_name = match parent {
            Some(parent) if !written.contains('/') => format!("{parent}/{written}"),
            _ => written.to_string(),
        };
        let name = symbol
            .map(|symbol| self.doc.node_text(symbol))
            .unwrap_or_default();
        let path = vec!["resources".to_string(), name.to_string()];
        let key = symbol.map_or(declaration.start..declaration.start, |symbol| {
            symbol.byte_range()
        });
        let below = |last: &str| {
            let mut below = path.clone();
            below.push(last.to_string());
            below
        };
        let mut entries = vec![
            Entry {
                path: path.clone(),
                key,
                value: declaration,
                kind: ValueKind::Object,
                synthetic: None,
            },
            Entry {
                path: below("type"),
                key: type_span.start..type_span.start,
                value: type_span,
                kind: ValueKind::String,
                synthetic: None,
            },
        ];
        if let Some(api) = api {
            entries.push(Entry {
                path: below("apiVersion"),
                key: api.start..api.start,
                value: api,
                kind: ValueKind::String,
                synthetic: None,
            });
        }
        (
            Resource {
                type_name,
                header,
                path,
            },
            entries,
        )
    }

    /// What can be recovered from an `ERROR` node, read as a token stream: whole nodes
    /// (properties, declarations, values) are kept; `resource x 'T' = {`, `param x T = v`,
    /// `key: v` and `key: {` ... `}` are reassembled. `top` says the node is at the top level
    /// (declaration keywords count only there). Returns the tasks in document order.
    fn salvage<'t>(
        &mut self,
        error: Node<'t>,
        base: &[String],
        parent: Option<Rc<str>>,
        top: bool,
    ) -> Vec<Task<'t>> {
        self.doc.complete = false;
        let items = flatten_errors(error);
        let end = error.end_byte();
        let mut tasks = Vec::new();
        let mut path = base.to_vec();
        let mut levels: Vec<usize> = Vec::new();
        let mut parent = parent;
        // Where the next value goes, and its key span (`None`: synthetic, empty at the value).
        let mut pending: Option<(Vec<String>, Option<Range<usize>>)> = None;
        let mut index = 0;
        while let Some(&item) = items.get(index) {
            index += 1;
            let keyword = !item.is_named();
            match item.kind() {
                "resource" if keyword && top => {
                    let symbol = peek(&items, index, &["identifier"]);
                    let Some(type_string) =
                        peek(&items, index + usize::from(symbol.is_some()), &["string"])
                    else {
                        continue;
                    };
                    index += 1 + usize::from(symbol.is_some());
                    let (resource, entries) =
                        self.resource_header(symbol, type_string, item.start_byte()..end, None);
                    parent = Some(Rc::from(resource.type_name.as_str()));
                    path = resource.path.clone();
                    levels.clear();
                    pending = None;
                    // Added when the tasks run, to keep document order.
                    tasks.push(Task::AddResource(resource));
                    tasks.extend(entries.into_iter().map(Task::Emit));
                }
                "param" | "var" | "output" | "metadata" | "module" if keyword && top => {
                    let Some(name) = peek(&items, index, &["identifier"]) else {
                        continue;
                    };
                    index += 1;
                    let group = match item.kind() {
                        "param" => "parameters",
                        "var" => "variables",
                        "output" => "outputs",
                        "module" => "modules",
                        _ => "metadata",
                    };
                    let mut at = vec![group.to_string(), self.doc.node_text(name).to_string()];
                    if matches!(group, "variables" | "metadata") {
                        pending = Some((at, Some(name.byte_range())));
                        continue;
                    }
                    tasks.push(Task::Emit(Entry {
                        path: at.clone(),
                        key: name.byte_range(),
                        value: item.start_byte()..end,
                        kind: ValueKind::Object,
                        synthetic: None,
                    }));
                    if group == "modules" {
                        index += usize::from(peek(&items, index, &["string"]).is_some());
                        path = at;
                        levels.clear();
                        pending = None;
                        continue;
                    }
                    let declared = peek(
                        &items,
                        index,
                        &[
                            "type",
                            "primitive_type",
                            "identifier",
                            "string",
                            "int",
                            "bool",
                            "object",
                            "array",
                        ],
                    );
                    if let Some(declared) = declared {
                        index += 1;
                        let span = declared.byte_range();
                        let mut type_path = at.clone();
                        type_path.push("type".to_string());
                        let key = span.start..span.start;
                        tasks.push(Task::Emit(Entry {
                            path: type_path,
                            key,
                            value: span,
                            kind: ValueKind::String,
                            synthetic: None,
                        }));
                    }
                    at.push(
                        if group == "parameters" && declared.is_some() {
                            "defaultValue"
                        } else {
                            "value"
                        }
                        .to_string(),
                    );
                    pending = Some((at, None));
                }
                "identifier" if peek(&items, index, &[":"]).is_some() => {
                    index += 1;
                    if path.len() < MAX_DEPTH {
                        let mut at = path.clone();
                        at.push(self.doc.node_text(item).to_string());
                        pending = Some((at, Some(item.byte_range())));
                    } else {
                        pending = None;
                    }
                }
                "{" | "[" if keyword => {
                    levels.push(path.len());
                    if let Some((at, key)) = pending.take() {
                        let key = key.unwrap_or(item.start_byte()..item.start_byte());
                        let kind = if item.kind() == "{" {
                            ValueKind::Object
                        } else {
                            ValueKind::Array
                        };
                        tasks.push(Task::Emit(Entry {
                            path: at.clone(),
                            key,
                            value: item.start_byte()..end,
                            kind,
                            synthetic: None,
                        }));
                        path = at;
                    }
                }
                "}" | "]" if keyword => {
                    if let Some(length) = levels.pop() {
                        path.truncate(length.max(base.len()));
                    }
                    pending = None;
                }
                "object_property" => tasks.extend(self.property(item, &path, parent.clone())),
                "resource_declaration" if !top => tasks.push(Task::Resource {
                    node: item,
                    parent: parent.clone(),
                }),
                "parameter_declaration"
                | "output_declaration"
                | "variable_declaration"
                | "metadata_declaration"
                | "resource_declaration"
                | "module_declaration"
                    if top =>
                {
                    tasks.push(Task::Statement(item));
                }
                // Declarations cannot be nested; only a resource can (above).
                "parameter_declaration"
                | "output_declaration"
                | "variable_declaration"
                | "metadata_declaration"
                | "module_declaration" => {}
                _ if item.is_named() => {
                    if let Some((at, key)) = pending.take() {
                        let key = key.unwrap_or_else(|| empty_at(item));
                        tasks.push(Task::Value {
                            node: item,
                            path: at,
                            key,
                            parent: parent.clone(),
                        });
                    }
                }
                _ => {}
            }
        }
        tasks
    }
}

/// The item at `index` if it is one of `kinds` (and not a missing node).
fn peek<'t>(items: &[Node<'t>], index: usize, kinds: &[&str]) -> Option<Node<'t>> {
    items
        .get(index)
        .filter(|node| !node.is_missing() && kinds.contains(&node.kind()))
        .copied()
}

/// A declaration's name, declared type and value (tolerating the `.bicepparam` quirks).
struct Parts<'t> {
    name: Option<Node<'t>>,
    declared: Option<Node<'t>>,
    value: Option<Node<'t>>,
}

impl<'t> Parts<'t> {
    fn of(node: Node<'t>, text: &str) -> Self {
        let mut parts = Parts {
            name: None,
            declared: None,
            value: None,
        };
        let mut after_equals = false;
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if child.is_missing() || matches!(child.kind(), "comment" | "diagnostic_comment") {
                continue;
            }
            match child.kind() {
                "=" => after_equals = true,
                "ERROR" => {
                    after_equals |= text.get(child.byte_range()).unwrap_or_default().trim() == "="
                }
                _ if !child.is_named() => {}
                _ if after_equals => {
                    parts.value = parts.value.or(Some(child));
                }
                "identifier" if parts.name.is_none() => parts.name = Some(child),
                "type" if parts.declared.is_none() && !child.byte_range().is_empty() => {
                    parts.declared = Some(child)
                }
                _ => {}
            }
        }
        parts
    }
}

/// The node a declared type's text is taken from: `string?` → `string`, `(T)` → `T`.
fn declared_type(node: Node) -> Node {
    let mut node = node;
    for _ in 0..8 {
        let inner = match node.kind() {
            "type" | "nullable_type" | "parenthesized_type" => {
                named(node).into_iter().find(|child| child.kind() != "?")
            }
            _ => None,
        };
        match inner {
            Some(inner)
                if !matches!(inner.kind(), "union_type" | "array_type")
                    || node.kind() != "type" =>
            {
                node = inner
            }
            Some(inner) => return inner,
            None => break,
        }
    }
    node
}

/// `.bicepparam` values parse as a `type` wrapping the value; unwrap it.
fn unwrap_type(node: Node) -> Node {
    if node.kind() != "type" {
        return node;
    }
    let kids = named(node);
    match kids.as_slice() {
        [only] => *only,
        _ => node,
    }
}

/// The span of a string's contents: inside `'...'`, or inside `'''...'''` without the newline
/// right after the opening delimiter. Tolerates a missing closing quote.
fn string_span(node: Node, text: &str) -> Range<usize> {
    let mut cursor = node.walk();
    let kids: Vec<Node> = node.children(&mut cursor).collect();
    let (Some(first), Some(last)) = (kids.first(), kids.last()) else {
        return node.byte_range();
    };
    let mut start = if first.is_named() {
        node.start_byte()
    } else {
        first.end_byte()
    };
    let closed =
        kids.len() >= 2 && !last.is_named() && !last.is_missing() && last.kind() == first.kind();
    let end = if closed {
        last.start_byte()
    } else {
        node.end_byte()
    };
    if first.kind() == "'''" {
        let contents = text.get(start..end).unwrap_or_default();
        if contents.starts_with("\r\n") {
            start += 2;
        } else if contents.starts_with('\n') {
            start += 1;
        }
    }
    start.min(end)..end
}

/// Bicep string escapes (`\'`, `\\`, `\n`, `\r`, `\t`, `\$`, `\u{...}`) resolved.
fn unescape(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let rest = chars.as_str();
                let code = rest
                    .strip_prefix('{')
                    .and_then(|rest| rest.split_once('}'))
                    .and_then(|(hex, _)| {
                        u32::from_str_radix(hex, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .map(|c| (c, hex.len() + 2))
                    });
                match code {
                    Some((c, length)) => {
                        out.push(c);
                        chars = rest.get(length..).unwrap_or_default().chars();
                    }
                    None => out.push_str("\\u"),
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// An empty range at the node's start (the key span of array items and synthetic entries).
fn empty_at(node: Node) -> Range<usize> {
    node.start_byte()..node.start_byte()
}

/// True when the statement before `declaration` is a decorator list with `@secure()`
/// (or `@sys.secure()`).
fn is_secure(declaration: Node<'_>, text: &str) -> bool {
    declaration.prev_named_sibling().is_some_and(|previous| {
        previous.kind() == "decorators"
            && text.get(previous.byte_range()).is_some_and(|decorators| {
                decorators.split('@').any(|decorator| {
                    let name = decorator.trim_start().trim_start_matches("sys.");
                    name.starts_with("secure(") || name.starts_with("secure (")
                })
            })
    })
}

#[cfg(test)]
mod tests {
    use super::super::tree::{LINE_PIECE, Points, WINDOW};
    use super::*;
    use std::time::Duration;
    use tree_sitter::Point;

    fn parse(text: &str) -> Document {
        BicepParser::new().parse(text)
    }

    /// (path, kind, value text) of every entry.
    fn entries(text: &str) -> Vec<(String, ValueKind, String)> {
        parse(text)
            .entries
            .iter()
            .map(|entry| {
                (
                    entry.path.join("."),
                    entry.kind,
                    entry.text(text).to_string(),
                )
            })
            .collect()
    }

    fn has(text: &str, path: &str, kind: ValueKind, value: &str) -> bool {
        entries(text).contains(&(path.to_string(), kind, value.to_string()))
    }

    #[test]
    fn multi_line_strings_drop_the_newline_after_the_opening_quotes() {
        let text = "var script = '''\n#!/bin/sh\necho hi\n'''\nvar single = '''one line'''\n";
        assert!(has(
            text,
            "variables.script",
            ValueKind::String,
            "#!/bin/sh\necho hi\n"
        ));
        assert!(has(text, "variables.single", ValueKind::String, "one line"));
    }

    #[test]
    fn interpolated_strings_are_expressions_inside_the_quotes() {
        let text = "var a = 'pre-${suffix}'\nvar b = ''\nvar c = 'it\\'s'\n";
        assert!(has(
            text,
            "variables.a",
            ValueKind::Expression,
            "pre-${suffix}"
        ));
        assert!(has(text, "variables.b", ValueKind::String, ""));
        assert!(has(text, "variables.c", ValueKind::String, "it\\'s"));
    }

    #[test]
    fn quoted_keys_are_unescaped_and_spanned_inside_the_quotes() {
        let text = "var o = {\n  'a\\'b': 1\n  'x-y': 2\n}\n";
        let document = parse(text);
        let entry = document
            .get(&["variables", "o", "a'b"])
            .expect("unescaped key");
        assert_eq!(&text[entry.key.clone()], "a\\'b");
        assert!(document.get(&["variables", "o", "x-y"]).is_some());
        assert_eq!(unescape("\\u{41}\\n\\$\\\\"), "A\n$\\");
        assert_eq!(unescape("bad\\u{zz}"), "bad\\u{zz}");
    }

    #[test]
    fn bicepparam_assignments_are_values_and_not_errors() {
        let text = "using './main.bicep'\nparam a = 'x'\nparam b = [1]\nparam c = f()\n";
        let document = parse(text);
        assert!(
            document.complete,
            "tree-sitter-bicep's .bicepparam quirks are not errors"
        );
        assert!(has(text, "parameters.a.value", ValueKind::String, "x"));
        assert!(has(text, "parameters.b.value", ValueKind::Array, "[1]"));
        assert!(has(
            text,
            "parameters.c.value",
            ValueKind::Expression,
            "f()"
        ));
        assert!(document.get(&["parameters", "a", "type"]).is_none());
    }

    #[test]
    fn resource_outputs_are_not_errors() {
        let text = "output sa resource 'Microsoft.Storage/storageAccounts@2023-01-01' = sa\n";
        let document = parse(text);
        assert!(document.complete);
        assert!(has(
            text,
            "outputs.sa.type",
            ValueKind::String,
            "Microsoft.Storage/storageAccounts@2023-01-01"
        ));
        assert!(has(text, "outputs.sa.value", ValueKind::Expression, "sa"));
    }

    #[test]
    fn declared_types_are_unwrapped() {
        let text = "param a string?\nparam b (int)\nparam c string[]\nparam d myType\n";
        assert!(has(text, "parameters.a.type", ValueKind::String, "string"));
        assert!(has(text, "parameters.b.type", ValueKind::String, "int"));
        assert!(has(
            text,
            "parameters.c.type",
            ValueKind::String,
            "string[]"
        ));
        assert!(has(text, "parameters.d.type", ValueKind::String, "myType"));
    }

    #[test]
    fn child_types_join_unless_fully_qualified() {
        let text =
            "resource a 'A.B/c@1' = {\n  resource b 'd@1' = {}\n  resource e 'A.B/c/f@1' = {}\n}\n";
        let types: Vec<String> = parse(text)
            .resources
            .into_iter()
            .map(|resource| resource.type_name)
            .collect();
        assert_eq!(types, ["A.B/c", "A.B/c/d", "A.B/c/f"]);
    }

    #[test]
    fn chunks_split_at_declarations_but_keep_decorators() {
        let text =
            "resource a 'T@1' = {\n  x: 1\n@secure()\nparam p string\nvar v = 1\n  resourceX\n";
        let starts = chunk_starts(text, 0..text.len(), bicep_declaration);
        let lines: Vec<&str> = starts
            .iter()
            .map(|&at| text[at..].lines().next().unwrap_or(""))
            .collect();
        assert_eq!(lines, ["resource a 'T@1' = {", "@secure()", "var v = 1"]);
    }

    #[test]
    fn windows_cut_only_between_declarations() {
        // Declarations that would be cut points if they were not inside a string, a comment or
        // right after a decorator.
        let filler = format!("var pad = '{}'\n", "x".repeat(WINDOW));
        let text = [
            filler.as_str(),
            "var script = '''\nparam inside string\n'''\n",
            filler.as_str(),
            "/* a comment\nparam inside comment\n*/\n",
            filler.as_str(),
            "@secure()\nparam secret string\n",
            filler.as_str(),
            "// '''\nparam after_a_line_comment string\n",
        ]
        .concat();
        let windows = windows(&text, &BICEP_WINDOWS);
        // A window ends at the first allowed cut after WINDOW bytes.
        let firsts: Vec<&str> = windows
            .iter()
            .map(|window| &text[window.start..(window.start + 16).min(text.len())])
            .collect();
        assert_eq!(
            firsts,
            [
                "var pad = 'xxxxx",
                "var script = '''",
                "var pad = 'xxxxx",
                "@secure()\nparam ",
                "param after_a_li",
            ]
        );
        assert_eq!(windows.first().map(|window| window.start), Some(0));
        assert_eq!(windows.last().map(|window| window.end), Some(text.len()));
        assert!(windows.windows(2).all(|pair| pair[0].end == pair[1].start));

        // A line longer than a window is cut into pieces, at blanks outside quotes.
        let line = format!(
            "var x = {{ {}}}\n",
            "k: 'a b\\' c' ".repeat(2 * WINDOW / 14)
        );
        let pieces = super::windows(&line, &BICEP_WINDOWS);
        assert!(
            pieces.len() > 2 * WINDOW / LINE_PIECE - 2,
            "{}",
            pieces.len()
        );
        for piece in pieces.iter().skip(1) {
            assert_eq!(line.as_bytes()[piece.start], b' ');
            let before = &line[..piece.start];
            assert_eq!(
                (before.matches('\'').count() - before.matches("\\'").count()) % 2,
                0
            );
        }

        // Parsed window by window, the file is still complete and whole.
        let document = parse(&text);
        assert!(document.complete);
        let script = document
            .get(&["variables", "script"])
            .expect("the multi-line string");
        assert_eq!(script.text(&text), "param inside string\n");
        assert!(document.get(&["parameters", "secret", "type"]).is_some());
        assert!(document.get(&["parameters", "inside"]).is_none());
    }

    #[test]
    fn an_expired_deadline_cancels_and_the_parser_stays_usable() {
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_bicep::LANGUAGE.into())
            .expect("grammar");
        let text = "var x = {\n".repeat(5_000);
        let mut points = Points::default();
        assert!(parse_bounded(&mut parser, &text, None, &mut points, Instant::now()).is_none());
        let deadline = Instant::now() + Duration::from_secs(5);
        let tree = parse_bounded(&mut parser, "var y = 1\n", None, &mut points, deadline);
        assert!(tree.is_some_and(|tree| !tree.root_node().has_error()));
    }

    #[test]
    fn included_ranges_keep_absolute_offsets() {
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_bicep::LANGUAGE.into())
            .expect("grammar");
        let text = "garbage {{{\nvar y = 'z'\n";
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut points = Points::default();
        let range = Some(12..text.len());
        let tree = parse_bounded(&mut parser, text, range, &mut points, deadline).expect("tree");
        let mut builder = Builder::new(text);
        builder.statements(tree.root_node(), None);
        let document = builder.finish();
        let entry = document.get(&["variables", "y"]).expect("entry");
        assert_eq!(entry.text(text), "z");
        assert_eq!(points.at(text, 14), Point { row: 1, column: 2 });
        assert_eq!(points.at(text, 3), Point { row: 0, column: 3 });
        assert_eq!(points.at(text, 999), Point { row: 2, column: 0 });
    }

    #[test]
    fn salvage_rebuilds_nesting_from_tokens() {
        let text = "resource sa 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'x'\n  properties: {\n    allowSharedKeyAccess: true\n\n";
        let document = parse(text);
        assert!(!document.complete);
        assert_eq!(document.resources.len(), 1);
        assert!(has(
            text,
            "resources.sa.properties.allowSharedKeyAccess",
            ValueKind::Bool,
            "true"
        ));
        assert!(has(text, "resources.sa.name", ValueKind::String, "x"));
    }
}
