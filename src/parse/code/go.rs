//! Go (tree-sitter-go): `.go`.
//!
//! Mapping:
//! - Every `call_expression` is a call: `azblob.NewClientFromConnectionString(cs, nil)` has
//!   callee `azblob.NewClientFromConnectionString` and name `NewClientFromConnectionString`.
//!   Go constructs with functions (`pkg.NewX(...)`); composite literals are not calls, but a
//!   keyed struct literal passed as an argument, by address or not
//!   (`&azidentity.ClientSecretCredentialOptions{ClientOptions: o}`), gives its fields as
//!   [`Call::options`](super::Call).
//! - Values: interpreted strings (escapes decoded) and raw strings (carriage returns dropped),
//!   `+`, parentheses, and names assigned once: `const`, `var`, `:=` and `=`, paired by
//!   position in multi-name specs (`const A, B = "a", "b"`); a const spec without a value
//!   (`iota` continuation) or a multi-value call makes its names unknown.

use tree_sitter::Node;

use super::engine::{
    ArgShape, CallShape, Callee, Captures, Definition, Engine, Expr, Grammar, first_named,
    named_children, plus_parts, slice,
};
use super::literal::{Escapes, unescape};
use super::{CodeView, LanguageParser};

/// The Go grammar's mapping onto the engine.
pub(super) struct Go;

/// A reusable Go parser.
pub(super) struct GoParser(Engine<Go>);

impl GoParser {
    pub(super) fn new() -> Self {
        Self(Engine::new(Go))
    }

    /// Whether the grammar and its query loaded.
    #[cfg(test)]
    pub(super) fn loaded(&self) -> bool {
        self.0.loaded()
    }
}

impl LanguageParser for GoParser {
    fn parse(&mut self, text: &str) -> CodeView {
        self.0.parse(text)
    }
}

impl Grammar for Go {
    fn language(&self) -> tree_sitter::Language {
        tree_sitter_go::LANGUAGE.into()
    }

    fn query(&self) -> &'static str {
        include_str!("queries/go.scm")
    }

    fn argument_lists(&self) -> &'static [&'static str] {
        &["argument_list", "literal_value"]
    }

    fn expr<'t>(&self, node: Node<'t>, text: &'t str) -> Expr<'t> {
        let literal = slice(text, node);
        match node.kind() {
            "interpreted_string_literal" => match literal
                .strip_prefix('"')
                .and_then(|rest| rest.strip_suffix('"'))
            {
                Some(content) => Expr::Text(unescape(content, Escapes::GO)),
                None => Expr::Unknown,
            },
            "raw_string_literal" => match literal
                .strip_prefix('`')
                .and_then(|rest| rest.strip_suffix('`'))
            {
                Some(content) => Expr::Text(content.replace('\r', "")),
                None => Expr::Unknown,
            },
            "binary_expression" => plus_parts(node),
            "parenthesized_expression" => first_named(node).map_or(Expr::Unknown, Expr::Inner),
            "identifier" => Expr::Name(literal.to_owned()),
            _ => Expr::Unknown,
        }
    }

    fn call<'t>(&self, captures: &Captures<'t>, text: &'t str) -> Option<CallShape<'t>> {
        let call = captures.call?;
        let function = call.child_by_field_name("function")?;
        let name = match function.kind() {
            "identifier" => Some(function),
            "selector_expression" => function.child_by_field_name("field"),
            "generic_type" | "index_expression" => {
                first_named(function).filter(|n| n.kind() == "identifier")
            }
            _ => None,
        };
        let mut arguments = Vec::new();
        let mut options = Vec::new();
        if let Some(list) = call.child_by_field_name("arguments") {
            for argument in named_children(list) {
                if let Some(literal) = struct_literal(argument) {
                    options.extend(fields(literal, text));
                }
                arguments.push(ArgShape::positional(argument));
            }
        }
        Some(CallShape {
            prefix: "",
            callee: Callee::Node(function),
            name,
            arguments,
            options,
            splats: Vec::new(),
        })
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
        let (names, values, plain) = match definition.kind() {
            "const_spec" | "var_spec" => {
                let mut cursor = definition.walk();
                let names: Vec<Node> = definition
                    .children_by_field_name("name", &mut cursor)
                    .filter(|name| name.kind() == "identifier")
                    .collect();
                let values = definition.child_by_field_name("value").map(named_children);
                if values.is_none() && definition.kind() == "var_spec" {
                    // `var x string`: a declaration, not an assignment.
                    return;
                }
                (names, values.unwrap_or_default(), true)
            }
            "short_var_declaration" | "assignment_statement" => {
                let names = definition
                    .child_by_field_name("left")
                    .map(named_children)
                    .unwrap_or_default();
                let values = definition
                    .child_by_field_name("right")
                    .map(named_children)
                    .unwrap_or_default();
                let plain = definition.kind() == "short_var_declaration"
                    || definition
                        .child_by_field_name("operator")
                        .is_some_and(|operator| operator.kind() == "=");
                (names, values, plain)
            }
            _ => return,
        };
        let paired = plain && names.len() == values.len();
        for (index, name) in names.iter().enumerate() {
            if name.kind() == "identifier" && slice(text, *name) != "_" {
                let value = if paired {
                    values.get(index).copied()
                } else {
                    None
                };
                out.push((slice(text, *name).to_owned(), value));
            }
        }
    }
}

/// The composite literal of an argument `T{...}` or `&T{...}`.
fn struct_literal(argument: Node<'_>) -> Option<Node<'_>> {
    let literal = match argument.kind() {
        "composite_literal" => argument,
        "unary_expression" => argument
            .child_by_field_name("operand")
            .filter(|operand| operand.kind() == "composite_literal")?,
        _ => return None,
    };
    literal.child_by_field_name("body")
}

/// The `Field: value` elements of a literal body.
fn fields<'t>(body: Node<'t>, text: &'t str) -> Vec<ArgShape<'t>> {
    named_children(body)
        .into_iter()
        .filter(|element| element.kind() == "keyed_element")
        .filter_map(|element| {
            let key = element
                .child_by_field_name("key")
                .or_else(|| first_named(element))?;
            let key = if key.kind() == "literal_element" {
                first_named(key)?
            } else {
                key
            };
            if !matches!(key.kind(), "identifier" | "field_identifier") {
                return None;
            }
            let value = element
                .child_by_field_name("value")
                .or_else(|| named_children(element).into_iter().nth(1))?;
            let value = if value.kind() == "literal_element" {
                first_named(value).unwrap_or(value)
            } else {
                value
            };
            Some(ArgShape::named(text, key, value))
        })
        .collect()
}
