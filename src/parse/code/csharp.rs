//! C# (tree-sitter-c-sharp): `.cs`, `.csx`. Script directives (`#r`, `#load`) are blanked
//! before parsing (offsets unchanged).
//!
//! Mapping:
//! - `invocation_expression` is a call (`client.GetBlobContainerClient(x)`, `a?.M(x)` has callee
//!   `a?.M`), `new T(...)` a construction with callee `new T` (generic arguments kept:
//!   `new Foo.Bar<int>`), `new(...)` a construction of the declared type when there is one
//!   (`BlobServiceClient c = new(cs)` → `new BlobServiceClient`, its name span the declared
//!   type's name; else callee `new` with no name). Named arguments
//!   (`options: x`) are named; `ref` / `out` / `in` are dropped. The assignments of an object
//!   initializer (`new BlobClientOptions { Retry = ... }`) are [`Call::options`](super::Call).
//! - Values: regular (`"..."`, also `u8`), verbatim (`@"..."`), raw (`"""..."""`, indentation
//!   stripped) and interpolated strings (`$"..."`, `$@"..."`, single-line `$"""..."""`) whose
//!   holes are known and have no alignment or format; `+`, parentheses, casts; names assigned
//!   once: fields, consts, locals, properties with an initializer or `=> value`, and
//!   `this.x` / `Type.X` by member name.

use tree_sitter::Node;

use super::engine::{
    ArgShape, ArgValue, CallShape, Callee, Captures, Definition, Engine, Expr, Grammar, children,
    first_named, named_children, plus_parts, slice, split_literal,
};
use super::literal::{Escapes, csharp_raw, quote_runs, unescape};
use super::{CodeView, LanguageParser};

/// The C# grammar's mapping onto the engine.
pub(super) struct Csharp;

/// A reusable C# parser.
pub(super) struct CsharpParser(Engine<Csharp>);

impl CsharpParser {
    pub(super) fn new() -> Self {
        Self(Engine::new(Csharp))
    }

    /// Whether the grammar and its query loaded.
    #[cfg(test)]
    pub(super) fn loaded(&self) -> bool {
        self.0.loaded()
    }
}

impl LanguageParser for CsharpParser {
    fn parse(&mut self, text: &str) -> CodeView {
        match blank_script_directives(text) {
            Some(blanked) => self.0.parse(&blanked),
            None => self.0.parse(text),
        }
    }
}

/// C# script (`.csx`) directives the grammar does not know (`#r "Assembly"`, `#load "f.csx"`),
/// blanked with spaces so that every other byte keeps its offset; `None` when there are none.
fn blank_script_directives(text: &str) -> Option<String> {
    let directive = |line: &str| {
        let line = line.trim_start();
        line.starts_with("#r ")
            || line.starts_with("#r\"")
            || line.starts_with("#load ")
            || line.starts_with("#load\"")
    };
    if !text.split('\n').any(directive) {
        return None;
    }
    let mut blanked = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if directive(line) {
            let content = line.trim_end_matches(['\r', '\n']);
            blanked.extend(std::iter::repeat_n(' ', content.len()));
            blanked.push_str(line.get(content.len()..).unwrap_or_default());
        } else {
            blanked.push_str(line);
        }
    }
    Some(blanked)
}

impl Grammar for Csharp {
    fn language(&self) -> tree_sitter::Language {
        tree_sitter_c_sharp::LANGUAGE.into()
    }

    fn query(&self) -> &'static str {
        include_str!("queries/csharp.scm")
    }

    fn argument_lists(&self) -> &'static [&'static str] {
        &["argument_list", "initializer_expression"]
    }

    fn expr<'t>(&self, node: Node<'t>, text: &'t str) -> Expr<'t> {
        match node.kind() {
            "string_literal" => {
                let literal = slice(text, node);
                match (literal.find('"'), literal.rfind('"')) {
                    (Some(open), Some(close)) if open < close => Expr::Text(unescape(
                        literal.get(open + 1..close).unwrap_or_default(),
                        Escapes::CSHARP,
                    )),
                    _ => Expr::Unknown,
                }
            }
            "verbatim_string_literal" => {
                let literal = slice(text, node);
                match literal
                    .strip_prefix("@\"")
                    .and_then(|rest| rest.strip_suffix('"'))
                {
                    Some(content) => Expr::Text(content.replace("\"\"", "\"")),
                    None => Expr::Unknown,
                }
            }
            "raw_string_literal" => {
                let literal = slice(text, node);
                let content = quote_runs(literal, '"')
                    .and_then(|(open, close)| literal.get(open..literal.len() - close));
                content
                    .and_then(csharp_raw)
                    .map_or(Expr::Unknown, Expr::Text)
            }
            "interpolated_string_expression" => interpolated(node, text),
            "binary_expression" => plus_parts(node),
            "parenthesized_expression" => first_named(node).map_or(Expr::Unknown, Expr::Inner),
            "cast_expression" => node
                .child_by_field_name("value")
                .map_or(Expr::Unknown, Expr::Inner),
            "identifier" => Expr::Name(slice(text, node).to_owned()),
            "member_access_expression" => {
                member_name(node, text).map_or(Expr::Unknown, |name| Expr::Name(name.to_owned()))
            }
            _ => Expr::Unknown,
        }
    }

    fn call<'t>(&self, captures: &Captures<'t>, text: &'t str) -> Option<CallShape<'t>> {
        let call = captures.call?;
        match call.kind() {
            "invocation_expression" => {
                let function = call.child_by_field_name("function")?;
                let arguments = call
                    .child_by_field_name("arguments")
                    .map(|list| arguments(list, text))
                    .unwrap_or_default();
                Some(CallShape {
                    prefix: "",
                    callee: Callee::Node(function),
                    name: name_of(function),
                    arguments,
                    options: Vec::new(),
                    splats: Vec::new(),
                })
            }
            "object_creation_expression" => {
                let ty = call.child_by_field_name("type")?;
                let arguments = call
                    .child_by_field_name("arguments")
                    .map(|list| arguments(list, text))
                    .unwrap_or_default();
                let options = call
                    .child_by_field_name("initializer")
                    .map(|init| initializer(init, text))
                    .unwrap_or_default();
                Some(CallShape {
                    prefix: "new ",
                    callee: Callee::Node(ty),
                    name: name_of(ty),
                    arguments,
                    options,
                    splats: Vec::new(),
                })
            }
            "implicit_object_creation_expression" => {
                let mut arguments_list = None;
                let mut init = None;
                for child in named_children(call) {
                    match child.kind() {
                        "argument_list" => arguments_list = Some(child),
                        "initializer_expression" => init = Some(child),
                        _ => {}
                    }
                }
                let arguments = arguments_list
                    .map(|list| arguments(list, text))
                    .unwrap_or_default();
                let options = init.map(|init| initializer(init, text)).unwrap_or_default();
                let ty = captures.ty.filter(|ty| ty.kind() != "implicit_type");
                let (prefix, callee, name) = match ty {
                    Some(ty) => ("new ", Callee::Node(ty), name_of(ty)),
                    None => ("", Callee::Text("new".to_owned()), None),
                };
                Some(CallShape {
                    prefix,
                    callee,
                    name,
                    arguments,
                    options,
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
        match definition.kind() {
            "variable_declarator" => {
                // `name = value`: the value follows the `=`; a declarator without one assigns nothing.
                let parts = children(definition);
                let value = parts
                    .iter()
                    .skip_while(|part| part.kind() != "=")
                    .nth(1)
                    .copied();
                if let Some(value) = value {
                    out.push((slice(text, name).to_owned(), Some(value)));
                }
            }
            "property_declaration" => {
                let value = captures.value.map(|value| {
                    if value.kind() == "arrow_expression_clause" {
                        first_named(value).unwrap_or(value)
                    } else {
                        value
                    }
                });
                out.push((slice(text, name).to_owned(), value));
            }
            "assignment_expression" => {
                let target = match name.kind() {
                    "identifier" => Some(slice(text, name)),
                    "member_access_expression" => member_name(name, text),
                    _ => None,
                };
                let Some(target) = target else { return };
                let plain = definition
                    .child_by_field_name("operator")
                    .is_some_and(|operator| operator.kind() == "=");
                let value = if plain {
                    definition.child_by_field_name("right")
                } else {
                    None
                };
                out.push((target.to_owned(), value));
            }
            _ => {}
        }
    }
}

/// The member name of `this.X` / `Type.X` (a definition of this file may be meant).
fn member_name<'t>(node: Node<'_>, text: &'t str) -> Option<&'t str> {
    let object = node.child_by_field_name("expression")?;
    let name = node.child_by_field_name("name")?;
    let object_text = slice(text, object);
    let owner = object_text == "this"
        || (object.kind() == "identifier"
            && object_text.starts_with(|c: char| c.is_ascii_uppercase()));
    (owner && name.kind() == "identifier").then(|| slice(text, name))
}

/// The node of the last segment of a callee or type: `M` of `a.M`, `a?.M`, `M<T>`, `N.T<U>`.
fn name_of(node: Node<'_>) -> Option<Node<'_>> {
    let mut node = node;
    // Bounded: each step goes to a field of a small node.
    for _ in 0..8 {
        node = match node.kind() {
            "identifier" | "predefined_type" => return Some(node),
            "generic_name" => return first_named(node),
            "member_access_expression" | "qualified_name" | "member_binding_expression" => {
                node.child_by_field_name("name")?
            }
            "conditional_access_expression" => named_children(node).into_iter().last()?,
            "alias_qualified_name" => node.child_by_field_name("name")?,
            "nullable_type" | "array_type" => node
                .child_by_field_name("type")
                .or_else(|| first_named(node))?,
            _ => return None,
        };
    }
    None
}

/// The arguments of an `argument_list`.
fn arguments<'t>(list: Node<'t>, text: &'t str) -> Vec<ArgShape<'t>> {
    named_children(list)
        .into_iter()
        .filter(|argument| argument.kind() == "argument")
        .map(|argument| {
            let name = argument.child_by_field_name("name");
            let value = named_children(argument)
                .into_iter()
                .rfind(|part| Some(part.id()) != name.map(|name| name.id()));
            match (name, value) {
                (Some(name), Some(value)) => ArgShape::named(text, name, value),
                (None, Some(value)) => ArgShape::positional(value),
                _ => ArgShape {
                    name: None,
                    span: argument.byte_range(),
                    value: ArgValue::Unknown,
                },
            }
        })
        .collect()
}

/// The `Name = value` assignments of an object initializer.
fn initializer<'t>(init: Node<'t>, text: &'t str) -> Vec<ArgShape<'t>> {
    named_children(init)
        .into_iter()
        .filter(|item| item.kind() == "assignment_expression")
        .filter_map(|item| {
            let left = item.child_by_field_name("left")?;
            let right = item.child_by_field_name("right")?;
            (left.kind() == "identifier").then(|| ArgShape::named(text, left, right))
        })
        .collect()
}

/// An interpolated string: `$"..."`, `$@"..."`, `@$"..."`, `$"""..."""`.
fn interpolated<'t>(node: Node<'t>, text: &'t str) -> Expr<'t> {
    let literal = slice(text, node);
    let Some((open, close)) = quote_runs(literal, '"') else {
        return Expr::Unknown;
    };
    let prefix = literal.get(..open).unwrap_or_default();
    let quotes = prefix.chars().filter(|&c| c == '"').count();
    let verbatim = prefix.contains('@');
    let raw = quotes >= 3;
    if raw && literal.contains('\n') {
        // Multi-line raw interpolation: indentation spans holes; not resolved.
        return Expr::Unknown;
    }
    let hole = |child: Node<'t>| {
        (child.kind() == "interpolation").then(|| {
            let parts = named_children(child);
            let expressions: Vec<&Node> = parts
                .iter()
                .filter(|part| part.kind() != "interpolation_brace")
                .collect();
            match expressions.as_slice() {
                [expression] => Some(**expression),
                _ => None,
            }
        })
    };
    let decode = |run: &str| {
        if raw {
            run.to_owned()
        } else {
            let value = if verbatim {
                run.replace("\"\"", "\"")
            } else {
                unescape(run, Escapes::CSHARP)
            };
            value.replace("{{", "{").replace("}}", "}")
        }
    };
    split_literal(node, text, open, close, hole, decode)
}
