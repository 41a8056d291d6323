//! Python (tree-sitter-python): `.py`, `.pyi`.
//!
//! Mapping:
//! - Every `call` is a [`Call`](super::Call) (Python constructs objects by calling the class, so
//!   `BlobServiceClient(url)` has callee `BlobServiceClient`); `name` is the attribute of
//!   `obj.attr(...)` or the called identifier. Keyword arguments are named (`credential=x` →
//!   `credential`); `*args` / `**kwargs` are unnamed arguments with no value.
//! - Values: string literals with every prefix (`r`, `b`, `u`, `f` and combinations; triple
//!   quotes), f-strings whose substitutions are known and have no conversion (other than `!s`)
//!   or format spec, adjacent literals (`"a" "b"`), `+`, parentheses, names assigned once
//!   (`KEY = "..."`, `self.key = "..."` / `cls.KEY` / `Config.KEY` resolve by attribute name,
//!   `a, b = "x", "y"`, `(x := "...")`). Loop variables, parameters and `+=` make a name
//!   unknown.

use tree_sitter::Node;

use super::engine::{
    ArgShape, ArgValue, CallShape, Callee, Captures, Definition, Engine, Expr, Grammar, Part,
    first_named, named_children, plus_parts, slice, split_literal,
};
use super::literal::{Escapes, unescape};
use super::{CodeView, LanguageParser};

/// The Python grammar's mapping onto the engine.
pub(super) struct Python;

/// A reusable Python parser.
pub(super) struct PythonParser(Engine<Python>);

impl PythonParser {
    pub(super) fn new() -> Self {
        Self(Engine::new(Python))
    }

    /// Whether the grammar and its query loaded.
    #[cfg(test)]
    pub(super) fn loaded(&self) -> bool {
        self.0.loaded()
    }
}

impl LanguageParser for PythonParser {
    fn parse(&mut self, text: &str) -> CodeView {
        self.0.parse(text)
    }
}

impl Grammar for Python {
    fn language(&self) -> tree_sitter::Language {
        tree_sitter_python::LANGUAGE.into()
    }

    fn query(&self) -> &'static str {
        include_str!("queries/python.scm")
    }

    fn argument_lists(&self) -> &'static [&'static str] {
        &["argument_list", "generator_expression"]
    }

    fn expr<'t>(&self, node: Node<'t>, text: &'t str) -> Expr<'t> {
        match node.kind() {
            "string" => string(node, text),
            "concatenated_string" => {
                Expr::Parts(named_children(node).into_iter().map(Part::Node).collect())
            }
            "binary_operator" => plus_parts(node),
            "parenthesized_expression" => first_named(node).map_or(Expr::Unknown, Expr::Inner),
            "identifier" => Expr::Name(slice(text, node).to_owned()),
            "attribute" => {
                let object = node.child_by_field_name("object");
                let attribute = node.child_by_field_name("attribute");
                match (object, attribute) {
                    (Some(object), Some(attribute))
                        if object.kind() == "identifier" && owner(slice(text, object)) =>
                    {
                        Expr::Name(slice(text, attribute).to_owned())
                    }
                    _ => Expr::Unknown,
                }
            }
            _ => Expr::Unknown,
        }
    }

    fn call<'t>(&self, captures: &Captures<'t>, text: &'t str) -> Option<CallShape<'t>> {
        let call = captures.call?;
        let function = call.child_by_field_name("function")?;
        let name = match function.kind() {
            "identifier" => Some(function),
            "attribute" => function.child_by_field_name("attribute"),
            _ => None,
        };
        let mut arguments = Vec::new();
        if let Some(list) = call.child_by_field_name("arguments") {
            if list.kind() == "argument_list" {
                for argument in named_children(list) {
                    arguments.push(match argument.kind() {
                        "keyword_argument" => match (
                            argument.child_by_field_name("name"),
                            argument.child_by_field_name("value"),
                        ) {
                            (Some(name), Some(value)) => ArgShape::named(text, name, value),
                            _ => ArgShape {
                                name: None,
                                span: argument.byte_range(),
                                value: ArgValue::Unknown,
                            },
                        },
                        "list_splat" | "dictionary_splat" => ArgShape {
                            name: None,
                            span: argument.byte_range(),
                            value: ArgValue::Unknown,
                        },
                        _ => ArgShape::positional(argument),
                    });
                }
            } else {
                arguments.push(ArgShape::positional(list));
            }
        }
        Some(CallShape {
            prefix: "",
            callee: Callee::Node(function),
            name,
            arguments,
            options: Vec::new(),
            splats: Vec::new(),
        })
    }

    fn definitions<'t>(
        &self,
        captures: &Captures<'t>,
        text: &'t str,
        out: &mut Vec<Definition<'t>>,
    ) {
        let Some(definition) = captures.definition else {
            if let (Some(name), Some(_)) = (captures.name, captures.reassign) {
                out.push((slice(text, name).to_owned(), None));
            }
            return;
        };
        if let (Some(name), Some(value)) = (captures.name, captures.value) {
            out.push((slice(text, name).to_owned(), Some(value)));
            return;
        }
        // `a, b = "x", "y"`: pair targets and values; anything else makes the targets unknown.
        let (Some(left), Some(right)) = (
            definition.child_by_field_name("left"),
            definition.child_by_field_name("right"),
        ) else {
            return;
        };
        let targets = named_children(left);
        let values = if right.kind() == "expression_list" {
            named_children(right)
        } else {
            Vec::new()
        };
        for (index, target) in targets.iter().enumerate() {
            if target.kind() == "identifier" {
                let value = (values.len() == targets.len())
                    .then(|| values.get(index).copied())
                    .flatten();
                out.push((slice(text, *target).to_owned(), value));
            }
        }
    }
}

/// Whether `object.attr` may name a definition in this file by `attr` alone: `self`, `cls`, or a
/// class-like name.
fn owner(object: &str) -> bool {
    object == "self" || object == "cls" || object.starts_with(|c: char| c.is_ascii_uppercase())
}

/// A string literal: prefix, quotes, escapes, f-string substitutions.
fn string<'t>(node: Node<'t>, text: &'t str) -> Expr<'t> {
    let mut cursor = node.walk();
    let children: Vec<Node> = node.children(&mut cursor).collect();
    let (Some(start), Some(end)) = (children.first(), children.last()) else {
        return Expr::Unknown;
    };
    if start.kind() != "string_start" || end.kind() != "string_end" {
        return Expr::Unknown;
    }
    let prefix = slice(text, *start)
        .trim_end_matches(['"', '\''])
        .to_ascii_lowercase();
    let raw = prefix.contains('r');
    let formatted = prefix.contains('f') || prefix.contains('t');
    if prefix.contains('t') {
        // Template strings (3.14) are not strings.
        return Expr::Unknown;
    }
    let escapes = if prefix.contains('b') {
        Escapes::PYTHON_BYTES
    } else {
        Escapes::PYTHON
    };
    let decode = |run: &str| {
        let value = if raw {
            run.to_owned()
        } else {
            unescape(run, escapes)
        };
        if formatted {
            value.replace("{{", "{").replace("}}", "}")
        } else {
            value
        }
    };
    let hole = |child: Node<'t>| {
        (child.kind() == "interpolation").then(|| {
            let expression = child.child_by_field_name("expression")?;
            let plain = named_children(child).iter().all(|part| {
                part.id() == expression.id()
                    || (part.kind() == "type_conversion" && slice(text, *part) == "!s")
            });
            let debug = has_anonymous(child, "=");
            (plain && !debug).then_some(expression)
        })
    };
    split_literal(
        node,
        text,
        start.end_byte() - node.start_byte(),
        end.byte_range().len(),
        hole,
        decode,
    )
}

/// Whether a node has an anonymous child of this kind (`=` in `{x=}`).
fn has_anonymous(node: Node<'_>, kind: &str) -> bool {
    let mut cursor = node.walk();
    node.children(&mut cursor)
        .any(|child| !child.is_named() && child.kind() == kind)
}
