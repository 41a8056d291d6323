//! Java (tree-sitter-java): `.java`.
//!
//! Mapping:
//! - `method_invocation` is a call whose callee is everything before the argument list
//!   (`new BlobServiceClientBuilder().connectionString().buildClient`, `this.<T>m`);
//!   `new T(...)` is a construction with callee `new T` (`new com.azure.Foo<Bar>`, anonymous
//!   class bodies ignored). Java has no named arguments.
//! - Values: string literals and text blocks (`"""` with incidental indentation stripped,
//!   `\<newline>` and `\s`), `+`, parentheses, casts, and names assigned once: fields
//!   (`static final String KEY = "..."`), locals, `this.x = ...`, and `this.X` / `Type.X` by
//!   field name.

use tree_sitter::Node;

use super::engine::{
    ArgShape, CallShape, Callee, Captures, Definition, Engine, Expr, Grammar, first_named,
    named_children, plus_parts, slice,
};
use super::literal::{Escapes, java_text_block, unescape};
use super::{CodeView, LanguageParser};

/// The Java grammar's mapping onto the engine.
pub(super) struct Java;

/// A reusable Java parser.
pub(super) struct JavaParser(Engine<Java>);

impl JavaParser {
    pub(super) fn new() -> Self {
        Self(Engine::new(Java))
    }

    /// Whether the grammar and its query loaded.
    #[cfg(test)]
    pub(super) fn loaded(&self) -> bool {
        self.0.loaded()
    }
}

impl LanguageParser for JavaParser {
    fn parse(&mut self, text: &str) -> CodeView {
        self.0.parse(text)
    }
}

impl Grammar for Java {
    fn language(&self) -> tree_sitter::Language {
        tree_sitter_java::LANGUAGE.into()
    }

    fn query(&self) -> &'static str {
        include_str!("queries/java.scm")
    }

    fn argument_lists(&self) -> &'static [&'static str] {
        &["argument_list"]
    }

    fn hidden_in_callee(&self) -> &'static [&'static str] {
        &["class_body"]
    }

    fn expr<'t>(&self, node: Node<'t>, text: &'t str) -> Expr<'t> {
        match node.kind() {
            "string_literal" => {
                let literal = slice(text, node);
                if let Some(block) = literal
                    .strip_prefix("\"\"\"")
                    .and_then(|rest| rest.strip_suffix("\"\"\""))
                {
                    Expr::Text(java_text_block(block))
                } else {
                    match literal
                        .strip_prefix('"')
                        .and_then(|rest| rest.strip_suffix('"'))
                    {
                        Some(content) => Expr::Text(unescape(content, Escapes::JAVA)),
                        None => Expr::Unknown,
                    }
                }
            }
            "binary_expression" => plus_parts(node),
            "parenthesized_expression" => first_named(node).map_or(Expr::Unknown, Expr::Inner),
            "cast_expression" => node
                .child_by_field_name("value")
                .map_or(Expr::Unknown, Expr::Inner),
            "identifier" => Expr::Name(slice(text, node).to_owned()),
            "field_access" => {
                field_name(node, text).map_or(Expr::Unknown, |name| Expr::Name(name.to_owned()))
            }
            _ => Expr::Unknown,
        }
    }

    fn call<'t>(&self, captures: &Captures<'t>, _text: &'t str) -> Option<CallShape<'t>> {
        let call = captures.call?;
        let arguments: Vec<ArgShape> = call
            .child_by_field_name("arguments")
            .map(|list| {
                named_children(list)
                    .into_iter()
                    .map(ArgShape::positional)
                    .collect()
            })
            .unwrap_or_default();
        match call.kind() {
            "method_invocation" => {
                let name = call.child_by_field_name("name")?;
                let callee = match call.child_by_field_name("arguments") {
                    Some(list) => Callee::Without(call, list),
                    None => Callee::Node(name),
                };
                Some(CallShape {
                    prefix: "",
                    callee,
                    name: Some(name),
                    arguments,
                    options: Vec::new(),
                    splats: Vec::new(),
                })
            }
            "object_creation_expression" => {
                let ty = call.child_by_field_name("type")?;
                Some(CallShape {
                    prefix: "new ",
                    callee: Callee::Node(ty),
                    name: type_name(ty),
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
        let Some(name) = captures.name else { return };
        if captures.reassign.is_some() {
            out.push((slice(text, name).to_owned(), None));
            return;
        }
        let Some(definition) = captures.definition else {
            return;
        };
        if definition.kind() != "assignment_expression" {
            out.push((slice(text, name).to_owned(), captures.value));
            return;
        }
        let target = match name.kind() {
            "identifier" => Some(slice(text, name)),
            "field_access" => field_name(name, text),
            _ => None,
        };
        let Some(target) = target else { return };
        let plain = definition
            .child_by_field_name("operator")
            .is_some_and(|operator| operator.kind() == "=");
        out.push((
            target.to_owned(),
            if plain {
                definition.child_by_field_name("right")
            } else {
                None
            },
        ));
    }
}

/// The field name of `this.X` / `Type.X`.
fn field_name<'t>(node: Node<'_>, text: &'t str) -> Option<&'t str> {
    let object = node.child_by_field_name("object")?;
    let field = node.child_by_field_name("field")?;
    let object_text = slice(text, object);
    let owner = object.kind() == "this"
        || (object.kind() == "identifier"
            && object_text.starts_with(|c: char| c.is_ascii_uppercase()));
    (owner && field.kind() == "identifier").then(|| slice(text, field))
}

/// The node of a type's simple name: `Foo` of `com.azure.Foo<Bar>`.
fn type_name(node: Node<'_>) -> Option<Node<'_>> {
    let mut node = node;
    for _ in 0..8 {
        node = match node.kind() {
            "type_identifier" | "identifier" => return Some(node),
            "generic_type" | "annotated_type" => {
                named_children(node).into_iter().find(|child| {
                    child.kind() != "annotation" && child.kind() != "marker_annotation"
                })?
            }
            "scoped_type_identifier" => named_children(node).into_iter().last()?,
            _ => return None,
        };
    }
    None
}
