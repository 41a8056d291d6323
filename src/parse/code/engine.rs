//! The tree-sitter engine the C#, Python, JavaScript/TypeScript, Java, Go and PowerShell modules
//! share: the time-bounded parse, matching the language's patterns (`queries/<language>.scm`,
//! run by our own matcher in `pattern.rs` rather than a compiled tree-sitter query),
//! collecting definitions, resolving values, normalising callees and finding joined strings.
//!
//! A language supplies a [`Grammar`]: its tree-sitter language and patterns, and three small
//! mappings from nodes to this engine's vocabulary ([`Grammar::expr`] for values,
//! [`Grammar::call`] for calls, [`Grammar::definitions`] for assignments).
//!
//! The patterns' captures have fixed names:
//! - `@call`: a call or construction node (with `@type` where the constructed type is written
//!   elsewhere, as for C# `Foo x = new(...)`);
//! - `@join`: a node that can build a string from pieces (a `+`, adjacent literals, a template
//!   with substitutions); the outermost resolved ones become [`CodeView::joined_strings`];
//! - `@definition` with `@name` and `@value`: an assignment of `@value` to `@name`;
//! - `@reassign` with `@name`: an assignment that makes `@name` unknown (`x += ...`).
//!
//! Nothing here recurses over the tree: matching walks it with a cursor, values are computed
//! with an explicit stack (so a 100,000-deep expression costs memory, not stack) and callees are
//! built from the right with a size cap, so every call costs at most a bounded amount however
//! deep its receiver chain.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tree_sitter::{Node, Parser, Tree};

use super::super::tree::{Points, parse_bounded};
use super::pattern::Patterns;
use super::{Argument, Call, CodeView, MAX_CALLEE, MAX_VALUE, StringValue};

/// What an expression node means for literal resolution.
pub(super) enum Expr<'t> {
    /// A literal whose value is known (one piece).
    Text(String),
    /// The concatenation of these parts (`a + b`, adjacent literals, a template).
    Parts(Vec<Part<'t>>),
    /// A reference to a name defined in the file.
    Name(String),
    /// The same value as this node (parentheses, casts, wrappers).
    Inner(Node<'t>),
    /// Not statically known.
    Unknown,
}

/// One part of [`Expr::Parts`].
pub(super) enum Part<'t> {
    /// Literal text.
    Text(String),
    /// An expression to resolve.
    Node(Node<'t>),
    /// A part that is not statically known (a formatted substitution).
    Unknown,
}

/// How a call's callee is written.
pub(super) enum Callee<'t> {
    /// The text of this node.
    Node(Node<'t>),
    /// The text of a node without one of its children (a Java method invocation without its
    /// argument list).
    Without(Node<'t>, Node<'t>),
    /// Given text (PowerShell's `az login`).
    Text(String),
}

/// A call as a language sees it, before values are resolved.
pub(super) struct CallShape<'t> {
    /// `"new "` for constructions, else empty.
    pub prefix: &'static str,
    /// The callee.
    pub callee: Callee<'t>,
    /// The node of the callee's last segment.
    pub name: Option<Node<'t>>,
    /// Arguments in order.
    pub arguments: Vec<ArgShape<'t>>,
    /// Object-literal keys / struct fields / initializer assignments.
    pub options: Vec<ArgShape<'t>>,
    /// Names whose single assigned value spreads into the call (PowerShell `@params`): its
    /// entries ([`Grammar::splat_options`]) are added to the options.
    pub splats: Vec<String>,
}

/// An argument as a language sees it.
pub(super) struct ArgShape<'t> {
    /// The name and its span, for named arguments.
    pub name: Option<(String, Range<usize>)>,
    /// The span of the argument.
    pub span: Range<usize>,
    /// Where its value comes from.
    pub value: ArgValue<'t>,
}

impl<'t> ArgShape<'t> {
    /// A positional argument whose value is `node`.
    pub(super) fn positional(node: Node<'t>) -> Self {
        ArgShape {
            name: None,
            span: node.byte_range(),
            value: ArgValue::Node(node),
        }
    }

    /// A named argument: `name` node (its text is the name) and `value` node.
    pub(super) fn named(text: &str, name: Node<'t>, value: Node<'t>) -> Self {
        ArgShape {
            name: Some((slice(text, name).to_owned(), name.byte_range())),
            span: value.byte_range(),
            value: ArgValue::Node(value),
        }
    }
}

/// Where an argument's value comes from.
pub(super) enum ArgValue<'t> {
    /// This expression.
    Node(Node<'t>),
    /// A switch: the value is empty.
    Switch,
    /// Nothing known.
    Unknown,
}

/// The captures of one pattern match (see the module documentation for their names).
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Captures<'t> {
    /// `@call`.
    pub call: Option<Node<'t>>,
    /// `@type`.
    pub ty: Option<Node<'t>>,
    /// `@join`.
    pub join: Option<Node<'t>>,
    /// `@definition`.
    pub definition: Option<Node<'t>>,
    /// `@name`.
    pub name: Option<Node<'t>>,
    /// `@value`.
    pub value: Option<Node<'t>>,
    /// `@reassign`.
    pub reassign: Option<Node<'t>>,
}

/// A definition found by [`Grammar::definitions`]: a name and the value assigned (`None`: an
/// assignment whose value cannot be tracked, which makes the name unknown).
pub(super) type Definition<'t> = (String, Option<Node<'t>>);

/// One tree-sitter language's mapping onto the engine.
pub(super) trait Grammar {
    /// The tree-sitter language.
    fn language(&self) -> tree_sitter::Language;
    /// The pattern source (`queries/<language>.scm`).
    fn query(&self) -> &'static str;
    /// Node kinds of argument lists, shown as `()` inside callees.
    fn argument_lists(&self) -> &'static [&'static str];
    /// Node kinds left out of callees (Java's anonymous class bodies).
    fn hidden_in_callee(&self) -> &'static [&'static str] {
        &[]
    }
    /// What an expression node means for literal resolution.
    fn expr<'t>(&self, node: Node<'t>, text: &'t str) -> Expr<'t>;
    /// The call a `@call` match is, if it is one.
    fn call<'t>(&self, captures: &Captures<'t>, text: &'t str) -> Option<CallShape<'t>>;
    /// The definitions a `@definition` / `@reassign` match makes. By default `@name` gets
    /// `@value` (or becomes unknown for `@reassign`).
    fn definitions<'t>(
        &self,
        captures: &Captures<'t>,
        text: &'t str,
        out: &mut Vec<Definition<'t>>,
    ) {
        if let Some(name) = captures.name {
            let value = if captures.reassign.is_some() {
                None
            } else {
                captures.value
            };
            out.push((slice(text, name).to_owned(), value));
        }
    }
    /// The key a name is looked up by (PowerShell folds case and drops `$` and scopes).
    fn name_key(&self, name: &str) -> String {
        name.to_owned()
    }
    /// The options a splatted value gives (the entries of a PowerShell hashtable literal).
    fn splat_options<'t>(&self, _value: Node<'t>, _text: &'t str) -> Vec<ArgShape<'t>> {
        Vec::new()
    }
}

/// The text of a node (empty if its range is not on character boundaries).
pub(super) fn slice<'t>(text: &'t str, node: Node<'_>) -> &'t str {
    text.get(node.byte_range()).unwrap_or_default()
}

/// The named children of a node, with a cursor (linear, unlike indexing).
pub(super) fn named_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|child| !child.is_extra())
        .collect()
}

/// All children of a node (named and anonymous, without comments).
pub(super) fn children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.children(&mut cursor)
        .filter(|child| !child.is_extra())
        .collect()
}

/// The first named child, skipping comments.
pub(super) fn first_named<'t>(node: Node<'t>) -> Option<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .find(|child| !child.is_extra())
}

/// Whether a binary node's operator is `+`.
pub(super) fn is_plus(node: Node<'_>) -> bool {
    node.child_by_field_name("operator")
        .is_some_and(|operator| operator.kind() == "+")
}

/// `Expr::Parts` of a binary `+` node's `left` and `right` fields, else `Unknown`.
pub(super) fn plus_parts(node: Node<'_>) -> Expr<'_> {
    match (
        is_plus(node),
        node.child_by_field_name("left"),
        node.child_by_field_name("right"),
    ) {
        (true, Some(left), Some(right)) => Expr::Parts(vec![Part::Node(left), Part::Node(right)]),
        _ => Expr::Unknown,
    }
}

/// Splits a literal with holes into parts: the text between `open` bytes from its start and
/// `close` bytes from its end, with each child that `hole` maps (to an expression, or `None` for
/// an unknown part) cut out. `decode` turns each text run into its value. A literal without
/// holes is [`Expr::Text`].
pub(super) fn split_literal<'t>(
    node: Node<'t>,
    text: &'t str,
    open: usize,
    close: usize,
    hole: impl Fn(Node<'t>) -> Option<Option<Node<'t>>>,
    decode: impl Fn(&str) -> String,
) -> Expr<'t> {
    let range = node.byte_range();
    let (Some(start), Some(end)) = (range.start.checked_add(open), range.end.checked_sub(close))
    else {
        return Expr::Unknown;
    };
    if start > end {
        return Expr::Unknown;
    }
    let mut parts = Vec::new();
    let mut at = start;
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        let Some(target) = hole(child) else { continue };
        if child.start_byte() < at || child.end_byte() > end {
            continue;
        }
        let run = text.get(at..child.start_byte()).unwrap_or_default();
        if !run.is_empty() {
            parts.push(Part::Text(decode(run)));
        }
        parts.push(target.map_or(Part::Unknown, Part::Node));
        at = child.end_byte();
    }
    let Some(rest) = text.get(at..end) else {
        return Expr::Unknown;
    };
    if parts.is_empty() {
        return Expr::Text(decode(rest));
    }
    if !rest.is_empty() {
        parts.push(Part::Text(decode(rest)));
    }
    Expr::Parts(parts)
}

/// The time a parse or a pattern walk may take on `len` bytes (generous: a real file takes a few
/// milliseconds per 100 KB; this only stops pathological input).
fn budget(len: usize) -> Duration {
    Duration::from_millis(250)
        + Duration::from_nanos(u64::try_from(len).unwrap_or(u64::MAX).saturating_mul(1_000))
}

/// A capture's meaning, by its name in the patterns.
#[derive(Debug, Clone, Copy)]
enum Role {
    Call,
    Type,
    Join,
    Definition,
    Name,
    Value,
    Reassign,
    Other,
}

/// A language's patterns and what each capture index means.
struct Compiled {
    patterns: Arc<Patterns>,
    roles: Vec<Role>,
}

/// Node kind ids the callee normaliser treats specially.
#[derive(Default)]
struct CalleeKinds {
    /// Argument lists, shown as `()`.
    lists: Vec<u16>,
    /// Left out.
    hidden: Vec<u16>,
}

/// A reusable parser for one tree-sitter [`Grammar`].
pub(super) struct Engine<G> {
    grammar: G,
    kinds: CalleeKinds,
    /// `None` if the grammar could not be loaded (ABI mismatch); every view is then empty.
    parser: Option<Parser>,
    /// `None` if the pattern source does not parse.
    compiled: Option<Compiled>,
}

impl<G: Grammar> Engine<G> {
    /// Loads the grammar and its patterns (parsed once per process).
    pub(super) fn new(grammar: G) -> Self {
        let language = grammar.language();
        let mut parser = Parser::new();
        let parser = parser.set_language(&language).is_ok().then_some(parser);
        let compiled = Patterns::shared(&language, grammar.query()).map(|patterns| {
            let roles = patterns
                .capture_names()
                .iter()
                .map(|name| match name.as_str() {
                    "call" => Role::Call,
                    "type" => Role::Type,
                    "join" => Role::Join,
                    "definition" => Role::Definition,
                    "name" => Role::Name,
                    "value" => Role::Value,
                    "reassign" => Role::Reassign,
                    _ => Role::Other,
                })
                .collect();
            Compiled { patterns, roles }
        });
        let ids = |kinds: &[&str]| -> Vec<u16> {
            kinds
                .iter()
                .map(|kind| language.id_for_node_kind(kind, true))
                .filter(|&id| id != 0)
                .collect()
        };
        let kinds = CalleeKinds {
            lists: ids(grammar.argument_lists()),
            hidden: ids(grammar.hidden_in_callee()),
        };
        Self {
            grammar,
            kinds,
            parser,
            compiled,
        }
    }

    /// Whether the grammar loaded and every pattern parsed and names kinds and fields the
    /// grammar has.
    #[cfg(test)]
    pub(super) fn loaded(&self) -> bool {
        self.parser.is_some()
            && self
                .compiled
                .as_ref()
                .is_some_and(|compiled| compiled.patterns.complete())
    }

    /// Parses `text` into a tree (`None` if the grammar did not load or the parse timed out).
    pub(super) fn tree(&mut self, text: &str) -> Option<Tree> {
        let parser = self.parser.as_mut()?;
        // The whole text: no included ranges, so no row/column lookups either.
        parse_bounded(
            parser,
            text,
            None,
            &mut Points::default(),
            Instant::now() + budget(text.len()),
        )
    }

    /// Parses `text` into a view.
    pub(super) fn parse(&mut self, text: &str) -> CodeView {
        let tree = self.tree(text);
        self.view(tree.as_ref(), text)
    }

    /// The view of a parsed tree of `text`.
    pub(super) fn view(&mut self, tree: Option<&Tree>, text: &str) -> CodeView {
        let (Some(tree), Some(compiled)) = (tree, self.compiled.as_ref()) else {
            return CodeView {
                complete: false,
                ..CodeView::default()
            };
        };
        let root = tree.root_node();
        let mut complete = !root.has_error();

        // Every match, collected first: definitions may come after their uses. They come in
        // tree-sitter's query order; only calls of equal spans would depend on it (calls and
        // joins are sorted below, and a name's definitions count the same in any order).
        let deadline = Instant::now() + budget(text.len());
        let mut matches: Vec<Captures> = Vec::new();
        let Compiled { patterns, roles } = compiled;
        let outcome = patterns.matches(root, deadline, |_, found| {
            let mut captures = Captures::default();
            for &(index, node) in found {
                let node = Some(node);
                match roles
                    .get(usize::from(index))
                    .copied()
                    .unwrap_or(Role::Other)
                {
                    Role::Call => captures.call = node,
                    Role::Type => captures.ty = node,
                    Role::Join => captures.join = node,
                    Role::Definition => captures.definition = node,
                    Role::Name => captures.name = node,
                    Role::Value => captures.value = node,
                    Role::Reassign => captures.reassign = node,
                    Role::Other => {}
                }
            }
            matches.push(captures);
        });
        // As with the query cursor: out of time, or more partial matches open than its match
        // limit (hostile nesting), makes the view incomplete.
        if outcome.timed_out || outcome.exceeded {
            complete = false;
        }

        let grammar = &self.grammar;
        let mut evaluator = Evaluator::new(grammar, &self.kinds, text);
        let mut definitions = Vec::new();
        for captures in matches
            .iter()
            .filter(|c| c.definition.is_some() || c.reassign.is_some())
        {
            grammar.definitions(captures, text, &mut definitions);
        }
        for (name, value) in definitions {
            evaluator.define(grammar.name_key(&name), value);
        }

        // Calls, once per node (several patterns may capture one node; `@type` is kept).
        let mut by_node: HashMap<usize, Captures> = HashMap::new();
        let mut order = Vec::new();
        for captures in matches.iter().filter(|c| c.call.is_some()) {
            let Some(call) = captures.call else { continue };
            let entry = by_node.entry(call.id()).or_insert_with(|| {
                order.push(call);
                *captures
            });
            if entry.ty.is_none() {
                entry.ty = captures.ty;
            }
        }
        order.sort_by_key(|node| (node.start_byte(), Reverse(node.end_byte())));
        let mut calls = Vec::with_capacity(order.len());
        for node in order {
            let Some(captures) = by_node.get(&node.id()) else {
                continue;
            };
            if let Some(shape) = grammar.call(captures, text) {
                calls.push(evaluator.call(node, shape));
            }
        }

        // Joined strings: the outermost joins that resolve from two or more pieces.
        let mut joins: Vec<Node> = matches.iter().filter_map(|c| c.join).collect();
        joins.sort_by_key(|node| (node.start_byte(), Reverse(node.end_byte()), node.id()));
        joins.dedup_by_key(|node| node.id());
        let mut joined_strings = Vec::new();
        let mut covered = 0..0;
        for node in joins {
            let range = node.byte_range();
            if range.start >= covered.start && range.end <= covered.end && !covered.is_empty() {
                continue;
            }
            if let Some(value) = evaluator.eval(node) {
                if value.pieces >= 2 {
                    covered = range.clone();
                    joined_strings.push(StringValue {
                        span: range,
                        value: value.text,
                    });
                }
            }
        }
        complete &= evaluator.complete;
        CodeView {
            calls,
            joined_strings,
            complete,
        }
    }
}

/// A resolved value and how many non-empty pieces it was built from.
#[derive(Debug, Clone)]
struct Value {
    text: String,
    pieces: usize,
}

/// A name's definition and its resolution state.
enum Slot<'t> {
    /// Assigned once; not resolved yet.
    Pending(Node<'t>),
    /// Being resolved (a cycle resolves to unknown).
    Busy,
    /// Resolved.
    Done(Option<Value>),
    /// Assigned more than once, or in a way that cannot be tracked.
    Ambiguous,
}

/// Work for the value stack machine.
enum Task<'t> {
    /// Resolve a node; pushes one value.
    Eval(Node<'t>),
    /// Push a known text.
    Text(String),
    /// Push an unknown value.
    Unknown,
    /// Join the last `count` values into one (failures remembered for `node`).
    Combine { count: usize, node: usize },
    /// Remember the top value as the definition of a name.
    Store(String),
}

/// Resolves values within one file.
struct Evaluator<'t, 'g, G> {
    grammar: &'g G,
    kinds: &'g CalleeKinds,
    text: &'t str,
    names: HashMap<String, Slot<'t>>,
    /// The value node of every name assigned once.
    assigned: HashMap<String, Node<'t>>,
    /// Nodes known not to resolve (so nested joins are not re-walked).
    failed: HashSet<usize>,
    /// Bytes and steps left (keeps hostile input linear).
    budget: usize,
    complete: bool,
}

impl<'t, 'g, G: Grammar> Evaluator<'t, 'g, G> {
    fn new(grammar: &'g G, kinds: &'g CalleeKinds, text: &'t str) -> Self {
        Self {
            grammar,
            kinds,
            text,
            names: HashMap::new(),
            assigned: HashMap::new(),
            failed: HashSet::new(),
            budget: text.len().saturating_mul(16).saturating_add(1 << 20),
            complete: true,
        }
    }

    /// Records an assignment of `value` to `name`.
    fn define(&mut self, name: String, value: Option<Node<'t>>) {
        match (self.names.get_mut(&name), value) {
            (None, Some(value)) => {
                self.assigned.insert(name.clone(), value);
                self.names.insert(name, Slot::Pending(value));
            }
            (Some(slot), _) => {
                *slot = Slot::Ambiguous;
                self.assigned.remove(&name);
            }
            (None, None) => {
                self.names.insert(name, Slot::Ambiguous);
            }
        }
    }

    /// Spends `amount` of the budget; false (and incomplete) when it is spent.
    fn spend(&mut self, amount: usize) -> bool {
        match self.budget.checked_sub(amount) {
            Some(left) => {
                self.budget = left;
                true
            }
            None => {
                self.budget = 0;
                self.complete = false;
                false
            }
        }
    }

    /// The value of an expression node, if statically known.
    fn eval(&mut self, node: Node<'t>) -> Option<Value> {
        let mut tasks = vec![Task::Eval(node)];
        let mut values: Vec<Option<Value>> = Vec::new();
        while let Some(task) = tasks.pop() {
            match task {
                Task::Eval(node) => {
                    if !self.spend(1) || node.has_error() || self.failed.contains(&node.id()) {
                        values.push(None);
                        continue;
                    }
                    match self.grammar.expr(node, self.text) {
                        Expr::Text(text) => values.push(self.text_value(text)),
                        Expr::Unknown => values.push(None),
                        Expr::Inner(inner) => tasks.push(Task::Eval(inner)),
                        Expr::Name(name) => {
                            let key = self.grammar.name_key(&name);
                            match self.names.get_mut(&key) {
                                Some(slot @ Slot::Pending(_)) => {
                                    if let Slot::Pending(value) =
                                        std::mem::replace(slot, Slot::Busy)
                                    {
                                        tasks.push(Task::Store(key));
                                        tasks.push(Task::Eval(value));
                                    }
                                }
                                Some(Slot::Done(Some(value))) => {
                                    let value = value.clone();
                                    let known = self.spend(value.text.len());
                                    values.push(known.then_some(value));
                                }
                                _ => values.push(None),
                            }
                        }
                        Expr::Parts(parts) => {
                            tasks.push(Task::Combine {
                                count: parts.len(),
                                node: node.id(),
                            });
                            for part in parts.into_iter().rev() {
                                tasks.push(match part {
                                    Part::Text(text) => Task::Text(text),
                                    Part::Node(node) => Task::Eval(node),
                                    Part::Unknown => Task::Unknown,
                                });
                            }
                        }
                    }
                }
                Task::Text(text) => values.push(self.text_value(text)),
                Task::Unknown => values.push(None),
                Task::Combine { count, node } => {
                    let start = values.len().saturating_sub(count);
                    let mut joined = Some(Value {
                        text: String::new(),
                        pieces: 0,
                    });
                    for part in values.drain(start..) {
                        joined = match (joined, part) {
                            (Some(mut joined), Some(part))
                                if joined.text.len() + part.text.len() <= MAX_VALUE =>
                            {
                                joined.text.push_str(&part.text);
                                joined.pieces += part.pieces;
                                Some(joined)
                            }
                            _ => None,
                        };
                    }
                    if let Some(value) = &joined {
                        if !self.spend(value.text.len()) {
                            joined = None;
                        }
                    }
                    if joined.is_none() {
                        self.failed.insert(node);
                    }
                    values.push(joined);
                }
                Task::Store(key) => {
                    let value = values.last().cloned().flatten();
                    self.names.insert(key, Slot::Done(value));
                }
            }
        }
        values.pop().flatten()
    }

    /// A literal's value (unknown past [`MAX_VALUE`] or the budget).
    fn text_value(&mut self, text: String) -> Option<Value> {
        (text.len() <= MAX_VALUE && self.spend(text.len())).then(|| {
            let pieces = usize::from(!text.is_empty());
            Value { text, pieces }
        })
    }

    /// Builds a [`Call`] from its shape, resolving argument values.
    fn call(&mut self, node: Node<'t>, shape: CallShape<'t>) -> Call {
        let (callee, callee_span) = match &shape.callee {
            Callee::Node(callee) => (
                normalise(self.text, *callee, None, self.kinds),
                callee.byte_range(),
            ),
            Callee::Without(callee, skip) => (
                normalise(self.text, *callee, Some(*skip), self.kinds),
                callee.byte_range(),
            ),
            Callee::Text(text) => (text.clone(), node.byte_range()),
        };
        let (name, name_span) = match shape.name {
            Some(name) => {
                let written = slice(self.text, name);
                let segment = last_segment(written);
                // `segment` is a slice of `written`: its offset is the difference of their addresses.
                let offset = (segment.as_ptr() as usize).saturating_sub(written.as_ptr() as usize);
                let start = name.start_byte() + offset.min(written.len());
                (segment.to_owned(), start..start + segment.len())
            }
            None => (String::new(), callee_span),
        };
        let mut option_shapes = shape.options;
        for splat in &shape.splats {
            let key = self.grammar.name_key(splat);
            if let Some(value) = self.assigned.get(&key).copied() {
                option_shapes.extend(self.grammar.splat_options(value, self.text));
            }
        }
        let arguments = shape
            .arguments
            .into_iter()
            .map(|argument| self.argument(argument))
            .collect();
        let options = option_shapes
            .into_iter()
            .map(|option| self.argument(option))
            .collect();
        Call {
            callee: format!("{}{callee}", shape.prefix),
            name,
            span: node.byte_range(),
            name_span,
            arguments,
            options,
        }
    }

    fn argument(&mut self, shape: ArgShape<'t>) -> Argument {
        let value = match shape.value {
            ArgValue::Node(node) => self.eval(node).map(|value| value.text),
            ArgValue::Switch => Some(String::new()),
            ArgValue::Unknown => None,
        };
        let (name, name_span) = match shape.name {
            Some((name, span)) => (Some(name), Some(span)),
            None => (None, None),
        };
        Argument {
            name,
            name_span,
            span: shape.span,
            value,
        }
    }
}

/// The last segment of a callee name: generic arguments dropped, then what follows the last
/// `.`, `::` or `\`.
pub(super) fn last_segment(name: &str) -> &str {
    let name = name.split('<').next().unwrap_or(name).trim();
    name.rsplit(['.', ':', '\\']).next().unwrap_or(name)
}

/// The callee text of `node`: its tokens without whitespace or comments (one space between two
/// words), argument lists inside it as `()`, `skip` left out; built from the right and cut at
/// [`MAX_CALLEE`] bytes (then prefixed with `…`).
fn normalise(text: &str, node: Node<'_>, skip: Option<Node<'_>>, kinds: &CalleeKinds) -> String {
    /// Nodes with more children than this are not looked into (a lambda body in a callee).
    const MAX_CHILDREN: u32 = 64;
    let skip = skip.map(|skip| skip.id());
    let mut tokens: Vec<&str> = Vec::new();
    let mut length = 0;
    let mut truncated = false;
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        if length > MAX_CALLEE {
            truncated = true;
            break;
        }
        let kind = node.kind_id();
        if node.is_extra() || Some(node.id()) == skip || kinds.hidden.contains(&kind) {
            continue;
        }
        if kinds.lists.contains(&kind) {
            tokens.push("()");
            length += 2;
            continue;
        }
        let count = node.child_count();
        if count == 0 {
            let token = slice(text, node);
            length += token.len();
            tokens.push(token);
        } else if count > MAX_CHILDREN {
            tokens.push("…");
            length += 3;
        } else {
            for index in 0..count {
                if let Some(child) = node.child(index) {
                    stack.push(child);
                }
            }
        }
    }
    let mut out = String::new();
    if truncated {
        out.push('…');
    }
    let mut previous_word = false;
    for token in tokens.iter().rev() {
        let token: String = token.chars().filter(|c| !c.is_whitespace()).collect();
        let Some(first) = token.chars().next() else {
            continue;
        };
        if previous_word && is_word(first) {
            out.push(' ');
        }
        previous_word = token.chars().last().is_some_and(is_word);
        out.push_str(&token);
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}
