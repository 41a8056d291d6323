//! Rust (syn with proc-macro2's span locations): `.rs`.
//!
//! Mapping:
//! - `f(x)` and `Type::f(x)` are calls with the path as callee (`StorageCredentials::access_key`,
//!   `ClientSecretCredential::new`; Rust constructs with functions, struct literals are not
//!   calls); `receiver.m(x)` has callee `receiver.m` with calls in the receiver shown as `()`
//!   (`ClientBuilder::new().credential().build`). The bodies of macros that read as
//!   comma-separated expressions (`println!`, `vec!`, `assert!`, `format!`) are searched for calls
//!   too. Rust has no named arguments.
//! - Values: string literals (raw `r#"..."#` included), `concat!` (and `const_format`'s
//!   `concatcp!`) of literals, nested `concat!`s and consts, `format!` / `formatcp!` whose
//!   arguments are known and unformatted, `+` (through `.to_string()`, `.to_owned()`, `.into()`,
//!   `String::from`), `[a, b].concat()` and `.join(sep)`, and names assigned once: `const`,
//!   `static` (not `static mut`), associated consts (`Self::KEY`, `Config::KEY` resolve by the last
//!   segment), `let` without `mut`, `x = ...`. Other bindings (parameters, patterns, `let mut`,
//!   `+=`) make a name unknown.
//!
//! Robustness: syn recurses, so before parsing, the token trees are weighed: the nesting of
//! groups plus the length of each run of tokens between `;` / `,` / attributes / item boundaries
//! along the path (what bounds the depth of the syntax tree syn would build). A file weighing up
//! to [`IN_PLACE_WEIGHT`] (nine in ten) is parsed on the caller's stack; a heavier one on a
//! short-lived thread with a [`SYN_STACK`] stack; one heavier than [`MAX_WEIGHT`] is not given to
//! syn whole. A file that does not lex, parse or weigh is parsed again in pieces split at
//! column-0 item lines (`fn`, `pub`, `impl`, `#[`, ...), and what parses is kept with
//! `complete = false`. The walks over the syntax tree stop at [`MAX_DEPTH`] nested expressions.
//! proc-macro2's per-thread span table is cleared after every parse.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::str::FromStr;

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{BinOp, Expr, Lit, Macro, Pat, Token};

use super::{Argument, Call, CodeView, LanguageParser, MAX_CALLEE, MAX_VALUE, StringValue};
use crate::parse::MAX_DEPTH;

/// The heaviest token tree syn is given (see the module documentation) on its own thread with a
/// [`SYN_STACK`] stack: far above real code (the heaviest of 4,840 crate sources weighs 772 and
/// 99.9% weigh under 320) and, at syn's worst (about 5 KiB of stack per nested block), well
/// inside the stack.
const MAX_WEIGHT: usize = 1_000;

/// Files up to this weight are parsed on the caller's stack (safe on a 2 MiB thread stack, with
/// room to spare; nine in ten real files weigh less); heavier ones on a thread of their own.
const IN_PLACE_WEIGHT: usize = 96;

/// The stack of the thread heavy files are parsed on (reserved, not committed, until used).
const SYN_STACK: usize = 64 << 20;

/// A reusable Rust parser. syn keeps no parser state; a file heavier than [`IN_PLACE_WEIGHT`]
/// (or one that must be parsed in pieces) is parsed on a short-lived thread with a
/// [`SYN_STACK`] stack, since syn recurses.
#[derive(Default)]
pub(super) struct RustParser;

impl LanguageParser for RustParser {
    fn parse(&mut self, text: &str) -> CodeView {
        let mut view = CodeView {
            complete: true,
            ..CodeView::default()
        };
        if parse_piece(text, 0, IN_PLACE_WEIGHT, &mut view).is_ok() {
            return view;
        }
        std::thread::scope(|scope| {
            let spawned = std::thread::Builder::new()
                .name("keyless-syn".to_owned())
                .stack_size(SYN_STACK)
                .spawn_scoped(scope, || parse_file(text, MAX_WEIGHT));
            match spawned {
                // A panic would be a bug in syn; the file then has no view (text rules still run).
                Ok(handle) => handle.join().unwrap_or_default(),
                Err(_) => parse_file(text, IN_PLACE_WEIGHT),
            }
        })
    }
}

/// Parses a whole file, or its pieces when it does not parse whole.
fn parse_file(text: &str, limit: usize) -> CodeView {
    let mut view = CodeView {
        complete: true,
        ..CodeView::default()
    };
    if parse_piece(text, 0, limit, &mut view).is_ok() {
        return view;
    }
    let mut view = CodeView {
        complete: false,
        ..CodeView::default()
    };
    let starts = item_starts(text);
    for (index, &start) in starts.iter().enumerate() {
        let end = starts.get(index + 1).copied().unwrap_or(text.len());
        if let Some(piece) = text.get(start..end) {
            // A piece that does not parse is skipped; the view is incomplete already.
            let _ = parse_piece(piece, start, limit, &mut view);
        }
    }
    view.calls
        .sort_by_key(|call| (call.span.start, std::cmp::Reverse(call.span.end)));
    view
}

/// Parses `piece` (at byte `offset` of the file) and adds what it finds to `view`; `Err` (and
/// nothing added) if it does not lex, weigh or parse.
fn parse_piece(piece: &str, offset: usize, limit: usize, view: &mut CodeView) -> Result<(), ()> {
    let prepared = blank_shebang(piece);
    let result = (|| {
        let tokens = TokenStream::from_str(&prepared).map_err(drop)?;
        if !light_enough(&tokens, limit) {
            return Err(());
        }
        let file: syn::File = syn::parse2(tokens).map_err(drop)?;
        let mut definitions = Definitions::default();
        definitions.visit_file(&file);
        let mut collector = Collector::new(piece, offset, definitions);
        collector.visit_file(&file);
        Ok((collector.calls, collector.joined, collector.complete))
    })();
    // Every span of this parse is gone; the table would otherwise grow with every file.
    proc_macro2::extra::invalidate_current_thread_spans();
    let (calls, joined, complete) = result?;
    view.calls.extend(calls);
    view.joined_strings.extend(joined);
    view.complete &= complete;
    Ok(())
}

/// A `#!` first line that is not an inner attribute, blanked (same length) for the lexer.
fn blank_shebang(piece: &str) -> Cow<'_, str> {
    if piece.starts_with("#!") && !piece.trim_start_matches("#!").trim_start().starts_with('[') {
        let end = piece.find('\n').unwrap_or(piece.len());
        let mut blanked = " ".repeat(end);
        blanked.push_str(piece.get(end..).unwrap_or_default());
        Cow::Owned(blanked)
    } else {
        Cow::Borrowed(piece)
    }
}

/// Whether the token trees weigh at most `limit`: along any path of nested groups, the sum of
/// each level's run of tokens since the last `;`, `,`, attribute (`#`) or item boundary (a brace
/// group followed by a token that cannot continue an expression). Iterative.
fn light_enough(tokens: &TokenStream, limit: usize) -> bool {
    struct Level {
        tokens: proc_macro2::token_stream::IntoIter,
        base: usize,
        run: usize,
        after_brace: bool,
    }
    let mut stack = vec![Level {
        tokens: tokens.clone().into_iter(),
        base: 0,
        run: 0,
        after_brace: false,
    }];
    while let Some(level) = stack.last_mut() {
        let Some(tree) = level.tokens.next() else {
            stack.pop();
            continue;
        };
        if let TokenTree::Punct(punct) = &tree {
            if matches!(punct.as_char(), ';' | ',' | '#') {
                level.run = 0;
                level.after_brace = false;
                continue;
            }
        }
        if level.after_brace {
            let continues = match &tree {
                TokenTree::Punct(punct) => punct.as_char() != '!',
                TokenTree::Ident(ident) => ident == "as" || ident == "else",
                _ => false,
            };
            if !continues {
                level.run = 0;
            }
            level.after_brace = false;
        }
        level.run += 1;
        let weight = level.base + level.run;
        if weight > limit {
            return false;
        }
        if let TokenTree::Group(group) = tree {
            level.after_brace = group.delimiter() == Delimiter::Brace;
            stack.push(Level {
                tokens: group.stream().into_iter(),
                base: weight,
                run: 0,
                after_brace: false,
            });
        }
    }
    true
}

/// Where to split a file that does not parse: its start and every column-0 line that starts an
/// item, unless the line before is an attribute or doc comment (they stay with their item).
fn item_starts(text: &str) -> Vec<usize> {
    const ITEMS: &[&str] = &[
        "fn ",
        "pub ",
        "pub(",
        "const ",
        "static ",
        "struct ",
        "enum ",
        "union ",
        "impl ",
        "impl<",
        "trait ",
        "mod ",
        "use ",
        "type ",
        "extern ",
        "unsafe ",
        "async ",
        "macro_rules!",
        "#[",
        "///",
        "//!",
        "#![",
    ];
    let mut starts = vec![0];
    let mut offset = 0;
    let mut attached = true;
    for line in text.split_inclusive('\n') {
        let at = offset;
        offset += line.len();
        if line.trim().is_empty() {
            continue;
        }
        let starts_item = ITEMS.iter().any(|item| line.starts_with(item));
        if at != 0 && !attached && starts_item {
            starts.push(at);
        }
        attached = line.starts_with("#[") || line.starts_with("///");
    }
    starts
}

/// What a name is bound to, from the first pass.
enum Binding<'f> {
    /// Assigned once, to this expression.
    Once(&'f Expr),
    /// Bound more than once, or by a pattern, parameter or `mut`.
    Unknown,
}

/// The first pass: every binding of the file.
#[derive(Default)]
struct Definitions<'f> {
    names: HashMap<String, Binding<'f>>,
    depth: usize,
    /// Expressions nested deeper than [`MAX_DEPTH`] were not looked into.
    truncated: bool,
}

impl<'f> Definitions<'f> {
    fn bind(&mut self, name: String, value: Option<&'f Expr>) {
        let binding = match (self.names.contains_key(&name), value) {
            (false, Some(value)) => Binding::Once(value),
            _ => Binding::Unknown,
        };
        self.names.insert(name, binding);
    }
}

impl<'f> Visit<'f> for Definitions<'f> {
    fn visit_expr(&mut self, expr: &'f Expr) {
        if self.depth >= MAX_DEPTH {
            self.truncated = true;
            return;
        }
        self.depth += 1;
        match expr {
            Expr::Assign(assign) => {
                if let Some(name) = path_name(&assign.left) {
                    self.bind(name, Some(&assign.right));
                }
            }
            Expr::Binary(binary) if is_compound_assignment(&binary.op) => {
                if let Some(name) = path_name(&binary.left) {
                    self.bind(name, None);
                }
            }
            _ => {}
        }
        visit::visit_expr(self, expr);
        self.depth -= 1;
    }

    fn visit_item_const(&mut self, item: &'f syn::ItemConst) {
        self.bind(item.ident.to_string(), Some(&item.expr));
        visit::visit_item_const(self, item);
    }

    fn visit_item_static(&mut self, item: &'f syn::ItemStatic) {
        let value = matches!(item.mutability, syn::StaticMutability::None).then_some(&*item.expr);
        self.bind(item.ident.to_string(), value);
        visit::visit_item_static(self, item);
    }

    fn visit_impl_item_const(&mut self, item: &'f syn::ImplItemConst) {
        self.bind(item.ident.to_string(), Some(&item.expr));
        visit::visit_impl_item_const(self, item);
    }

    fn visit_trait_item_const(&mut self, item: &'f syn::TraitItemConst) {
        self.bind(
            item.ident.to_string(),
            item.default.as_ref().map(|(_, value)| value),
        );
        visit::visit_trait_item_const(self, item);
    }

    fn visit_local(&mut self, local: &'f syn::Local) {
        let pat = match &local.pat {
            Pat::Type(typed) => &*typed.pat,
            pat => pat,
        };
        match pat {
            Pat::Ident(ident) if ident.subpat.is_none() => {
                let value = match (&ident.mutability, &local.init) {
                    (None, Some(init)) if init.diverge.is_none() => Some(&*init.expr),
                    _ => None,
                };
                // `let x;` declares; a later `x = ...` is the assignment.
                if local.init.is_some() {
                    self.bind(ident.ident.to_string(), value);
                }
            }
            pat => self.visit_pat(pat),
        }
        if let Some(init) = &local.init {
            self.visit_local_init(init);
        }
    }

    fn visit_pat_ident(&mut self, ident: &'f syn::PatIdent) {
        self.bind(ident.ident.to_string(), None);
        visit::visit_pat_ident(self, ident);
    }
}

/// Whether a binary operator assigns (`+=` and friends).
fn is_compound_assignment(op: &BinOp) -> bool {
    matches!(
        op,
        BinOp::AddAssign(_)
            | BinOp::SubAssign(_)
            | BinOp::MulAssign(_)
            | BinOp::DivAssign(_)
            | BinOp::RemAssign(_)
            | BinOp::BitXorAssign(_)
            | BinOp::BitAndAssign(_)
            | BinOp::BitOrAssign(_)
            | BinOp::ShlAssign(_)
            | BinOp::ShrAssign(_)
    )
}

/// The name a path expression refers to: `x`, or the last segment of `Self::X` / `Type::X`.
fn path_name(expr: &Expr) -> Option<String> {
    let Expr::Path(path) = expr else { return None };
    if path.qself.is_some() {
        return None;
    }
    let segments = &path.path.segments;
    let last = segments.last()?;
    if !last.arguments.is_none() {
        return None;
    }
    let first = segments.first()?.ident.to_string();
    let owner = segments.len() == 1
        || first == "Self"
        || first == "self"
        || first == "crate"
        || first == "super"
        || first.starts_with(|c: char| c.is_ascii_uppercase());
    owner.then(|| last.ident.to_string())
}

/// A resolved value and how many non-empty pieces it was built from.
#[derive(Debug, Clone)]
struct Value {
    text: String,
    pieces: usize,
}

impl Value {
    fn piece(text: String) -> Option<Value> {
        (text.len() <= MAX_VALUE).then(|| Value {
            pieces: usize::from(!text.is_empty()),
            text,
        })
    }

    fn join(parts: impl IntoIterator<Item = Option<Value>>) -> Option<Value> {
        let mut joined = Value {
            text: String::new(),
            pieces: 0,
        };
        for part in parts {
            let part = part?;
            if joined.text.len() + part.text.len() > MAX_VALUE {
                return None;
            }
            joined.text.push_str(&part.text);
            joined.pieces += part.pieces;
        }
        Some(joined)
    }
}

/// A name's resolution state in the second pass.
enum Slot<'f> {
    Pending(&'f Expr),
    Busy,
    Done(Option<Value>),
}

/// The second pass: calls, values and joined strings.
struct Collector<'s, 'f> {
    /// The piece being parsed (spans are relative to it).
    text: &'s str,
    offset: usize,
    names: HashMap<String, Slot<'f>>,
    calls: Vec<Call>,
    joined: Vec<StringValue>,
    /// Expression nesting of the walk.
    depth: usize,
    /// Inside a joined string already reported.
    in_join: usize,
    complete: bool,
    /// Bytes of values left (keeps hostile input linear).
    budget: usize,
}

impl<'s, 'f> Collector<'s, 'f> {
    fn new(text: &'s str, offset: usize, definitions: Definitions<'f>) -> Self {
        let names = definitions
            .names
            .into_iter()
            .filter_map(|(name, binding)| match binding {
                Binding::Once(value) => Some((name, Slot::Pending(value))),
                Binding::Unknown => None,
            })
            .collect();
        Self {
            text,
            offset,
            names,
            calls: Vec::new(),
            joined: Vec::new(),
            depth: 0,
            in_join: 0,
            complete: !definitions.truncated,
            budget: text.len().saturating_mul(16).saturating_add(1 << 20),
        }
    }

    /// The byte range of a span in the file.
    fn range(&self, span: Span) -> Range<usize> {
        let range = span.byte_range();
        range.start + self.offset..range.end + self.offset
    }

    /// The source text of a span (relative to the piece).
    fn source(&self, span: Span) -> &'s str {
        self.text.get(span.byte_range()).unwrap_or_default()
    }

    fn spend(&mut self, amount: usize) -> bool {
        match self.budget.checked_sub(amount) {
            Some(left) => {
                self.budget = left;
                true
            }
            None => {
                self.complete = false;
                false
            }
        }
    }

    /// The value of an expression, if statically known.
    fn eval(&mut self, expr: &Expr, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH || !self.spend(1) {
            return None;
        }
        let value = match expr {
            Expr::Lit(literal) => match &literal.lit {
                Lit::Str(string) => Value::piece(string.value()),
                _ => None,
            },
            Expr::Paren(inner) => self.eval(&inner.expr, depth + 1),
            Expr::Group(inner) => self.eval(&inner.expr, depth + 1),
            Expr::Reference(inner) => self.eval(&inner.expr, depth + 1),
            Expr::Path(_) => {
                let name = path_name(expr)?;
                self.lookup(&name, depth)
            }
            Expr::Binary(binary) if matches!(binary.op, BinOp::Add(_)) => {
                let left = self.eval(&binary.left, depth + 1);
                let right = left
                    .as_ref()
                    .and_then(|_| self.eval(&binary.right, depth + 1));
                Value::join([left, right])
            }
            Expr::MethodCall(call) => {
                let method = call.method.to_string();
                match (method.as_str(), call.args.len()) {
                    (
                        "to_string" | "to_owned" | "into" | "as_str" | "clone" | "as_ref"
                        | "to_str",
                        0,
                    ) => self.eval(&call.receiver, depth + 1),
                    ("concat", 0) => {
                        let items = array_items(&call.receiver)?;
                        let values: Vec<Option<Value>> = items
                            .iter()
                            .map(|item| self.eval(item, depth + 1))
                            .collect();
                        Value::join(values)
                    }
                    ("join", 1) => {
                        let items = array_items(&call.receiver)?;
                        let separator = self.eval(call.args.first()?, depth + 1)?;
                        let mut values = Vec::new();
                        for (index, item) in items.iter().enumerate() {
                            if index > 0 {
                                values.push(Value::piece(separator.text.clone()));
                            }
                            values.push(self.eval(item, depth + 1));
                        }
                        Value::join(values)
                    }
                    _ => None,
                }
            }
            Expr::Call(call) if call.args.len() == 1 => {
                let Expr::Path(function) = &*call.func else {
                    return None;
                };
                let path: Vec<String> = function
                    .path
                    .segments
                    .iter()
                    .map(|segment| segment.ident.to_string())
                    .collect();
                let tail: Vec<&str> = path.iter().rev().take(2).map(String::as_str).collect();
                match tail.as_slice() {
                    ["from", "String"]
                    | ["to_string", "ToString" | "str"]
                    | ["to_owned", "ToOwned" | "str"] => self.eval(call.args.first()?, depth + 1),
                    _ => None,
                }
            }
            Expr::Macro(mac) => self.macro_value(&mac.mac, depth + 1),
            _ => None,
        };
        match value {
            Some(value) if self.spend(value.text.len()) => Some(value),
            _ => None,
        }
    }

    /// The value of a name assigned once.
    fn lookup(&mut self, name: &str, depth: usize) -> Option<Value> {
        match self.names.get_mut(name)? {
            slot @ Slot::Pending(_) => {
                let Slot::Pending(value) = std::mem::replace(slot, Slot::Busy) else {
                    return None;
                };
                let resolved = self.eval(value, depth + 1);
                self.names
                    .insert(name.to_owned(), Slot::Done(resolved.clone()));
                resolved
            }
            Slot::Busy => None,
            Slot::Done(value) => value.clone(),
        }
    }

    /// The value of `concat!`, `concatcp!`, `format!` or `formatcp!`.
    fn macro_value(&mut self, mac: &Macro, depth: usize) -> Option<Value> {
        let name = mac.path.segments.last()?.ident.to_string();
        if !matches!(name.as_str(), "concat" | "concatcp" | "format" | "formatcp") {
            return None;
        }
        let args = mac
            .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
            .ok()?;
        if name.starts_with("concat") {
            let values: Vec<Option<Value>> = args
                .iter()
                .map(|arg| self.concat_piece(arg, depth + 1))
                .collect();
            return Value::join(values);
        }
        let mut args = args.into_iter();
        let Some(Expr::Lit(format)) = args.next() else {
            return None;
        };
        let Lit::Str(format) = &format.lit else {
            return None;
        };
        let mut positional = Vec::new();
        let mut named = HashMap::new();
        for arg in args {
            match arg {
                Expr::Assign(assign) => {
                    let name = path_name(&assign.left)?;
                    named.insert(name, *assign.right);
                }
                arg => positional.push(arg),
            }
        }
        self.format_value(&format.value(), &positional, &named, depth)
    }

    /// One argument of `concat!`: a string, char, number or bool literal, a nested macro, a name.
    fn concat_piece(&mut self, arg: &Expr, depth: usize) -> Option<Value> {
        match arg {
            Expr::Lit(literal) => match &literal.lit {
                Lit::Str(string) => Value::piece(string.value()),
                Lit::Char(c) => Value::piece(c.value().to_string()),
                Lit::Int(int) => Value::piece(int.base10_digits().to_owned()),
                Lit::Float(float) => Value::piece(float.base10_digits().to_owned()),
                Lit::Bool(boolean) => Value::piece(boolean.value.to_string()),
                _ => None,
            },
            Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Neg(_)) => {
                let inner = self.concat_piece(&unary.expr, depth + 1)?;
                Value::piece(format!("-{}", inner.text))
            }
            other => self.eval(other, depth + 1),
        }
    }

    /// A `format!` string with its arguments: `{}`, `{0}`, `{name}` and `{{` / `}}`; any format
    /// spec other than an empty one makes the value unknown.
    fn format_value(
        &mut self,
        format: &str,
        positional: &[Expr],
        named: &HashMap<String, Expr>,
        depth: usize,
    ) -> Option<Value> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut next = 0;
        let mut chars = format.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut spec = String::new();
                    for c in chars.by_ref() {
                        if c == '}' {
                            break;
                        }
                        spec.push(c);
                    }
                    let (argument, style) = spec.split_once(':').unwrap_or((&spec, ""));
                    if !style.is_empty() {
                        return None;
                    }
                    let argument = argument.trim();
                    let value = if argument.is_empty() {
                        next += 1;
                        let expr = positional.get(next - 1)?;
                        self.eval(expr, depth + 1)
                    } else if let Ok(index) = argument.parse::<usize>() {
                        let expr = positional.get(index)?;
                        self.eval(expr, depth + 1)
                    } else if let Some(expr) = named.get(argument) {
                        self.eval(expr, depth + 1)
                    } else {
                        self.lookup(argument, depth + 1)
                    };
                    if !literal.is_empty() {
                        parts.push(Value::piece(std::mem::take(&mut literal)));
                    }
                    parts.push(value);
                }
                '}' => return None,
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Value::piece(literal));
        }
        Value::join(parts)
    }

    /// The callee text of a receiver chain, built from the right and cut at [`MAX_CALLEE`].
    fn callee_text(&self, expr: &Expr) -> String {
        let mut segments: Vec<String> = Vec::new();
        let mut length = 0;
        let mut current = expr;
        let mut truncated = false;
        loop {
            if length > MAX_CALLEE {
                truncated = true;
                break;
            }
            let segment = match current {
                Expr::MethodCall(call) => {
                    let turbofish = call
                        .turbofish
                        .as_ref()
                        .map(|t| compact(self.source(t.span())))
                        .unwrap_or_default();
                    let segment = format!(".{}{turbofish}()", call.method);
                    current = &call.receiver;
                    segment
                }
                Expr::Call(call) => {
                    current = &call.func;
                    "()".to_owned()
                }
                Expr::Field(field) => {
                    let segment = match &field.member {
                        syn::Member::Named(name) => format!(".{name}"),
                        syn::Member::Unnamed(index) => format!(".{}", index.index),
                    };
                    current = &field.base;
                    segment
                }
                Expr::Try(inner) => {
                    current = &inner.expr;
                    "?".to_owned()
                }
                Expr::Await(inner) => {
                    current = &inner.base;
                    ".await".to_owned()
                }
                other => {
                    let source = self.source(span_of_leaf(other));
                    let source = if source.len() > MAX_CALLEE * 4 {
                        truncated = true;
                        let cut = source.len() - MAX_CALLEE;
                        let cut = (cut..source.len())
                            .find(|&at| source.is_char_boundary(at))
                            .unwrap_or(source.len());
                        source.get(cut..).unwrap_or_default()
                    } else {
                        source
                    };
                    segments.push(compact(source));
                    break;
                }
            };
            length += segment.len();
            segments.push(segment);
        }
        let mut out = String::new();
        if truncated {
            out.push('…');
        }
        for segment in segments.iter().rev() {
            out.push_str(segment);
        }
        out
    }

    /// The start of an expression's span without walking all its tokens.
    fn start_of(&self, expr: &Expr) -> usize {
        let mut current = expr;
        for _ in 0..MAX_DEPTH * 8 {
            current = match current {
                Expr::MethodCall(call) => &call.receiver,
                Expr::Call(call) => &call.func,
                Expr::Field(field) => &field.base,
                Expr::Try(inner) => &inner.expr,
                Expr::Await(inner) => &inner.base,
                Expr::Index(index) => &index.expr,
                Expr::Binary(binary) => &binary.left,
                Expr::Cast(cast) => &cast.expr,
                _ => break,
            };
        }
        self.range(span_of_leaf(current)).start
    }

    fn arguments(&mut self, args: &Punctuated<Expr, Token![,]>) -> Vec<Argument> {
        args.iter()
            .map(|arg| Argument {
                name: None,
                name_span: None,
                span: self.range(arg.span()),
                value: self.eval(arg, 0).map(|value| value.text),
            })
            .collect()
    }

    fn record_call(&mut self, call: &syn::ExprCall) {
        let (callee, name, name_span) = match &*call.func {
            Expr::Path(path) if path.qself.is_none() => {
                let last = path.path.segments.last();
                let name = last
                    .map(|segment| segment.ident.to_string())
                    .unwrap_or_default();
                let name_span = last.map_or_else(
                    || self.range(path.span()),
                    |segment| self.range(segment.ident.span()),
                );
                (
                    truncate_callee(compact(self.source(path.span()))),
                    name,
                    name_span,
                )
            }
            other => (
                self.callee_text(other),
                String::new(),
                self.range(span_of_leaf(other)),
            ),
        };
        let span = self.start_of(&call.func)..self.range(call.paren_token.span.close()).end;
        let arguments = self.arguments(&call.args);
        self.calls.push(Call {
            callee,
            name,
            span,
            name_span,
            arguments,
            options: Vec::new(),
        });
    }

    fn record_method_call(&mut self, call: &syn::ExprMethodCall) {
        let turbofish = call
            .turbofish
            .as_ref()
            .map(|t| compact(self.source(t.span())))
            .unwrap_or_default();
        let receiver = self.callee_text(&call.receiver);
        let callee = truncate_callee(format!("{receiver}.{}{turbofish}", call.method));
        let span = self.start_of(&call.receiver)..self.range(call.paren_token.span.close()).end;
        let arguments = self.arguments(&call.args);
        let name_span = self.range(call.method.span());
        self.calls.push(Call {
            callee,
            name: call.method.to_string(),
            span,
            name_span,
            arguments,
            options: Vec::new(),
        });
    }
}

impl<'ast> Visit<'ast> for Collector<'_, '_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        if self.depth >= MAX_DEPTH {
            self.complete = false;
            return;
        }
        self.depth += 1;
        let joined = self.in_join == 0 && builds_string(expr) && {
            match self.eval(expr, 0) {
                Some(value) if value.pieces >= 2 => {
                    let span = self.range(expr.span());
                    self.joined.push(StringValue {
                        span,
                        value: value.text,
                    });
                    true
                }
                _ => false,
            }
        };
        if joined {
            self.in_join += 1;
        }
        match expr {
            Expr::Call(call) => self.record_call(call),
            Expr::MethodCall(call) => self.record_method_call(call),
            _ => {}
        }
        visit::visit_expr(self, expr);
        if joined {
            self.in_join -= 1;
        }
        self.depth -= 1;
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        if let Ok(args) = mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated) {
            for arg in &args {
                self.visit_expr(arg);
            }
        }
    }
}

/// Whether an expression builds a string from pieces (a joined-string candidate).
fn builds_string(expr: &Expr) -> bool {
    match expr {
        Expr::Binary(binary) => matches!(binary.op, BinOp::Add(_)),
        Expr::Macro(mac) => mac.mac.path.segments.last().is_some_and(|segment| {
            matches!(
                segment.ident.to_string().as_str(),
                "concat" | "concatcp" | "format" | "formatcp"
            )
        }),
        Expr::MethodCall(call) => call.method == "concat" || call.method == "join",
        _ => false,
    }
}

/// The items of `[a, b]` / `&[a, b]`.
fn array_items(expr: &Expr) -> Option<&Punctuated<Expr, Token![,]>> {
    match expr {
        Expr::Array(array) => Some(&array.elems),
        Expr::Reference(reference) => array_items(&reference.expr),
        Expr::Paren(paren) => array_items(&paren.expr),
        _ => None,
    }
}

/// The span of an expression that is not a receiver chain (paths, literals, groups).
fn span_of_leaf(expr: &Expr) -> Span {
    expr.span()
}

/// Source text without whitespace (one space kept between two words).
fn compact(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut pending_space = false;
    for c in source.chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && out.chars().last().is_some_and(is_word) && is_word(c) {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// A callee longer than [`MAX_CALLEE`] keeps its end, prefixed with `…`.
fn truncate_callee(callee: String) -> String {
    if callee.len() <= MAX_CALLEE {
        return callee;
    }
    let cut = callee.len() - MAX_CALLEE;
    let cut = (cut..callee.len())
        .find(|&at| callee.is_char_boundary(at))
        .unwrap_or(callee.len());
    format!("…{}", callee.get(cut..).unwrap_or_default())
}
