//! PowerShell (tree-sitter-powershell): `.ps1`, `.psm1`, `.psd1`.
//!
//! Mapping:
//! - A command invocation is a call: the callee is the command name as written
//!   (`New-AzStorageContext`, `Az.Accounts\Connect-AzAccount` with name `Connect-AzAccount`;
//!   `& $tool` / `& "path"` have the expression as callee and no name). Parameters are named
//!   arguments without their dashes: `-StorageAccountKey $key` and `-Tenant:$t` are named with
//!   the value's span; a parameter followed by another parameter or by nothing
//!   (`-ServicePrincipal`, `--service-principal`) is a switch (value `Some("")`, span of the
//!   parameter). Other elements are positional; splats (`@params`) have no value, and when
//!   `$params` is assigned once a hashtable literal (`@{ StorageAccountKey = $k }`) its entries
//!   are the call's [`Call::options`](super::Call); redirections
//!   are skipped. PowerShell names compare case-insensitively ([`Call::argument`](super::Call)
//!   does).
//! - Native `az` lines are calls whose callee is `az` and the subcommand words
//!   (`az login`, `az storage account keys list`; name: the last word), with the flags as
//!   arguments as above (`-u x` → `u`, `--password x` → `password`).
//! - Method calls (`$obj.Method(x)`, `[Type]::Method(x)`) are calls with callee
//!   `$obj.Method` / `[Type]::Method` and positional arguments.
//! - Values: `'...'` (`''` escapes), `"..."` (backtick escapes) with `$var` / `${var}`
//!   substitutions that are known, here-strings of both kinds, bare words in command
//!   arguments, `+`, parentheses, `[string]` casts, and variables assigned once (names fold case
//!   and drop `$script:`-style scopes; parameters, `foreach` variables and `+=` make a name
//!   unknown; `$env:X` is never known).

use std::ops::Range;

use tree_sitter::Node;

use super::engine::{
    ArgShape, ArgValue, CallShape, Callee, Captures, Definition, Engine, Expr, Grammar, Part,
    children, named_children, slice, split_literal,
};
use super::literal::powershell_expandable;
use super::{CodeView, LanguageParser};

/// Expression nodes that only wrap their one child.
const WRAPPERS: &[&str] = &[
    "pipeline",
    "pipeline_chain",
    "statement_list",
    "logical_expression",
    "bitwise_expression",
    "comparison_expression",
    "additive_expression",
    "multiplicative_expression",
    "format_expression",
    "range_expression",
    "array_literal_expression",
    "unary_expression",
    "argument_expression",
    "logical_argument_expression",
    "bitwise_argument_expression",
    "comparison_argument_expression",
    "additive_argument_expression",
    "multiplicative_argument_expression",
    "format_argument_expression",
    "range_argument_expression",
    "string_literal",
    "parenthesized_expression",
    "left_assignment_expression",
];

/// The PowerShell grammar's mapping onto the engine.
pub(super) struct Powershell;

/// A reusable PowerShell parser.
pub(super) struct PowershellParser(Engine<Powershell>);

impl PowershellParser {
    pub(super) fn new() -> Self {
        Self(Engine::new(Powershell))
    }

    /// Whether the grammar and its query loaded.
    #[cfg(test)]
    pub(super) fn loaded(&self) -> bool {
        self.0.loaded()
    }
}

impl LanguageParser for PowershellParser {
    fn parse(&mut self, text: &str) -> CodeView {
        self.0.parse(text)
    }
}

impl Grammar for Powershell {
    fn language(&self) -> tree_sitter::Language {
        tree_sitter_powershell::LANGUAGE.into()
    }

    fn query(&self) -> &'static str {
        include_str!("queries/powershell.scm")
    }

    fn argument_lists(&self) -> &'static [&'static str] {
        &["argument_list"]
    }

    fn expr<'t>(&self, node: Node<'t>, text: &'t str) -> Expr<'t> {
        let kind = node.kind();
        if WRAPPERS.contains(&kind) {
            let inner = named_children(node);
            return match inner.as_slice() {
                [only] => Expr::Inner(*only),
                [left, right] if kind.starts_with("additive") && has_plus(node) => {
                    Expr::Parts(vec![Part::Node(*left), Part::Node(*right)])
                }
                _ => Expr::Unknown,
            };
        }
        let literal = slice(text, node);
        match kind {
            "expandable_string_literal" => {
                let quote = literal.chars().next().map_or(1, char::len_utf8);
                let close = literal.chars().last().map_or(1, char::len_utf8);
                split_literal(node, text, quote, close, hole, powershell_expandable)
            }
            "expandable_here_string_literal" => match here_string_bounds(literal) {
                Some((open, close)) => {
                    split_literal(node, text, open, close, hole, powershell_expandable)
                }
                None => Expr::Unknown,
            },
            "verbatim_string_characters" => {
                let mut chars = literal.chars();
                match (chars.next(), chars.next_back()) {
                    (Some(open), Some(_)) if literal.len() >= 2 => {
                        let close = literal.chars().last().map_or(1, char::len_utf8);
                        let content = literal
                            .get(open.len_utf8()..literal.len() - close)
                            .unwrap_or_default();
                        Expr::Text(content.replace("''", "'"))
                    }
                    _ => Expr::Unknown,
                }
            }
            "verbatim_here_string_characters" => match here_string_bounds(literal) {
                Some((open, close)) => Expr::Text(
                    literal
                        .get(open..literal.len() - close)
                        .unwrap_or_default()
                        .to_owned(),
                ),
                None => Expr::Unknown,
            },
            "generic_token" if !literal.contains(['$', '`', '@', '(', '{']) => {
                Expr::Text(literal.to_owned())
            }
            "variable" => match variable_key(literal) {
                Some(key) if !key.starts_with("env:") => Expr::Name(key),
                _ => Expr::Unknown,
            },
            // `[string]$x` / `[string]"x"`: a cast to string keeps the value.
            "expression_with_unary_operator" => match named_children(node).as_slice() {
                [cast] if cast.kind() == "cast_expression" => Expr::Inner(*cast),
                _ => Expr::Unknown,
            },
            "cast_expression" => match named_children(node).as_slice() {
                [ty, value]
                    if ty.kind() == "type_literal"
                        && slice(text, *ty).eq_ignore_ascii_case("[string]") =>
                {
                    Expr::Inner(*value)
                }
                _ => Expr::Unknown,
            },
            _ => Expr::Unknown,
        }
    }

    fn call<'t>(&self, captures: &Captures<'t>, text: &'t str) -> Option<CallShape<'t>> {
        let call = captures.call?;
        match call.kind() {
            "command" => command(call, text),
            "invokation_expression" => {
                let name = named_children(call)
                    .into_iter()
                    .find(|child| child.kind() == "member_name");
                let list = named_children(call)
                    .into_iter()
                    .find(|child| child.kind() == "argument_list");
                let arguments = list
                    .and_then(|list| {
                        named_children(list)
                            .into_iter()
                            .find(|child| child.kind() == "argument_expression_list")
                    })
                    .map(|list| {
                        named_children(list)
                            .into_iter()
                            .map(ArgShape::positional)
                            .collect()
                    })
                    .unwrap_or_default();
                let callee = match list {
                    Some(list) => Callee::Without(call, list),
                    None => Callee::Node(call),
                };
                Some(CallShape {
                    prefix: "",
                    callee,
                    name,
                    arguments,
                    options: Vec::new(),
                    splats: Vec::new(),
                })
            }
            _ => None,
        }
    }

    fn definitions<'t>(
        &self,
        captures: &Captures<'t>,
        text: &'t str,
        out: &mut Vec<Definition<'t>>,
    ) {
        if let (Some(name), Some(_)) = (captures.name, captures.reassign) {
            out.push((slice(text, name).to_owned(), None));
            return;
        }
        let Some(definition) = captures.definition else {
            return;
        };
        let parts = named_children(definition);
        let Some(target) = parts.first().and_then(|left| assigned_variable(*left)) else {
            return;
        };
        let plain = parts
            .iter()
            .find(|part| {
                part.kind() == "assignement_operator" || part.kind() == "assignment_operator"
            })
            .is_some_and(|operator| slice(text, *operator).trim() == "=");
        let value = if plain {
            definition.child_by_field_name("value")
        } else {
            None
        };
        out.push((slice(text, target).to_owned(), value));
    }

    fn name_key(&self, name: &str) -> String {
        variable_key(name).unwrap_or_else(|| name.to_ascii_lowercase())
    }

    fn splat_options<'t>(&self, value: Node<'t>, text: &'t str) -> Vec<ArgShape<'t>> {
        // Through the wrappers to `@{ ... }`.
        let mut node = value;
        for _ in 0..32 {
            if node.kind() == "hash_literal_expression" {
                break;
            }
            match named_children(node).as_slice() {
                [only] => node = *only,
                _ => return Vec::new(),
            }
        }
        let Some(body) = named_children(node)
            .into_iter()
            .find(|child| child.kind() == "hash_literal_body")
        else {
            return Vec::new();
        };
        named_children(body)
            .into_iter()
            .filter(|entry| entry.kind() == "hash_entry")
            .filter_map(|entry| {
                let parts = named_children(entry);
                let key = parts.first().filter(|key| key.kind() == "key_expression")?;
                let value = parts.get(1)?;
                let (name, name_span) = hash_key(*key, text)?;
                Some(ArgShape {
                    name: Some((name, name_span)),
                    span: value.byte_range(),
                    value: ArgValue::Node(*value),
                })
            })
            .collect()
    }
}

/// The name of a hashtable key (`Name`, `'Name'`, `"Name"`) and the span of the name.
fn hash_key(key: Node<'_>, text: &str) -> Option<(String, Range<usize>)> {
    let written = slice(text, key).trim();
    let start = key.start_byte() + slice(text, key).find(written).unwrap_or(0);
    let quoted = written.len() >= 2
        && ((written.starts_with('\'') && written.ends_with('\''))
            || (written.starts_with('"') && written.ends_with('"')));
    let (name, offset) = if quoted {
        (written.get(1..written.len() - 1)?, 1)
    } else {
        (written, 0)
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        return None;
    }
    Some((name.to_owned(), start + offset..start + offset + name.len()))
}

/// A substitution inside an expandable string: `$var` / `${var}` resolve, `$(...)` does not.
fn hole(child: Node<'_>) -> Option<Option<Node<'_>>> {
    match child.kind() {
        "variable" => Some(Some(child)),
        "sub_expression" => Some(None),
        _ => None,
    }
}

/// Whether an additive node's operator is `+`.
fn has_plus(node: Node<'_>) -> bool {
    children(node).iter().any(|child| child.kind() == "+")
}

/// `(open, close)` byte lengths of a here-string's delimiters with their line breaks.
fn here_string_bounds(literal: &str) -> Option<(usize, usize)> {
    let after_open = literal.get(2..)?;
    let open = 2 + if after_open.starts_with("\r\n") {
        2
    } else {
        usize::from(after_open.starts_with('\n'))
    };
    let before_close = literal.get(..literal.len().checked_sub(2)?)?;
    let close = 2 + if before_close.ends_with("\r\n") {
        2
    } else {
        usize::from(before_close.ends_with('\n'))
    };
    (open + close <= literal.len()).then_some((open, close))
}

/// The lookup key of a variable: `$Script:Key` / `${key}` → `key`; `None` for splats.
fn variable_key(variable: &str) -> Option<String> {
    let name = variable.strip_prefix('$')?;
    let name = name
        .strip_prefix('{')
        .and_then(|name| name.strip_suffix('}'))
        .unwrap_or(name);
    let lower = name.to_ascii_lowercase();
    for scope in ["script:", "global:", "local:", "private:", "using:"] {
        if let Some(rest) = lower.strip_prefix(scope) {
            return Some(rest.to_owned());
        }
    }
    Some(lower)
}

/// The variable an assignment's left side names (through wrappers and a cast).
fn assigned_variable(left: Node<'_>) -> Option<Node<'_>> {
    let mut node = left;
    for _ in 0..32 {
        if node.kind() == "variable" {
            return Some(node);
        }
        node = match node.kind() {
            "expression_with_unary_operator" | "cast_expression" => {
                named_children(node).into_iter().last()?
            }
            kind if WRAPPERS.contains(&kind) => {
                let inner = named_children(node);
                match inner.as_slice() {
                    [only] => *only,
                    _ => return None,
                }
            }
            _ => return None,
        };
    }
    None
}

/// A command invocation: name, `az` subcommands, parameters and arguments.
fn command<'t>(call: Node<'t>, text: &'t str) -> Option<CallShape<'t>> {
    let name_node = call.child_by_field_name("command_name")?;
    let elements = call
        .child_by_field_name("command_elements")
        .map(children)
        .unwrap_or_default();
    let command_name = slice(text, name_node);
    let is_az = name_node.kind() == "command_name" && {
        let lower = command_name.to_ascii_lowercase();
        let lower = lower.rsplit(['/', '\\']).next().unwrap_or(&lower);
        matches!(lower, "az" | "az.cmd" | "az.exe")
    };
    let mut skip = 0;
    let (callee, name) = if is_az {
        // `az storage account keys list ...`: the leading words are the subcommand.
        let mut words = vec![command_name.to_owned()];
        let mut last = name_node;
        for element in &elements {
            match element.kind() {
                "command_argument_sep" => {}
                "generic_token"
                    if slice(text, *element)
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-')
                        && !slice(text, *element).starts_with('-') =>
                {
                    words.push(slice(text, *element).to_owned());
                    last = *element;
                }
                _ => break,
            }
            skip += 1;
        }
        (Callee::Text(words.join(" ")), Some(last))
    } else if name_node.kind() == "command_name" {
        (Callee::Node(name_node), Some(name_node))
    } else {
        (Callee::Node(name_node), None)
    };

    let mut arguments = Vec::new();
    let mut splats = Vec::new();
    // A parameter waiting for its value (`-Name value`, `-Name:value`): name, name span,
    // parameter span.
    let mut pending: Option<(String, Range<usize>, Range<usize>)> = None;
    for element in elements.into_iter().skip(skip) {
        match element.kind() {
            "command_argument_sep" | "redirection" | "stop_parsing" | "comment" => {}
            "command_parameter" => {
                if let Some((name, name_span, span)) = pending.take() {
                    arguments.push(ArgShape {
                        name: Some((name, name_span)),
                        span,
                        value: ArgValue::Switch,
                    });
                }
                let parameter = slice(text, element);
                let bare = parameter.trim_start_matches(['-', '\u{2013}', '\u{2014}', '\u{2015}']);
                let dashes = parameter.len() - bare.len();
                let name = bare.trim_end_matches(':');
                let start = element.start_byte() + dashes;
                pending = Some((
                    name.to_owned(),
                    start..start + name.len(),
                    element.byte_range(),
                ));
            }
            _ => {
                // `@params` splats a hashtable or array: no value of its own, but a hashtable
                // assigned once gives its entries as options.
                let element_text = slice(text, element);
                let splat = element_text
                    .strip_prefix('@')
                    .filter(|rest| rest.starts_with(|c: char| c.is_alphanumeric() || c == '_'));
                let value = match splat {
                    Some(variable) => {
                        splats.push(format!("${variable}"));
                        ArgValue::Unknown
                    }
                    None => ArgValue::Node(element),
                };
                let name = pending.take().map(|(name, name_span, _)| (name, name_span));
                arguments.push(ArgShape {
                    name,
                    span: element.byte_range(),
                    value,
                });
            }
        }
    }
    if let Some((name, name_span, span)) = pending {
        arguments.push(ArgShape {
            name: Some((name, name_span)),
            span,
            value: ArgValue::Switch,
        });
    }
    Some(CallShape {
        prefix: "",
        callee,
        name,
        arguments,
        options: Vec::new(),
        splats,
    })
}
