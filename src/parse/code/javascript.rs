//! JavaScript (tree-sitter-javascript, JSX included), TypeScript and TSX
//! (tree-sitter-typescript): `.js`, `.mjs`, `.cjs`, `.jsx`, `.ts`, `.mts`, `.cts`, `.tsx`.
//!
//! TypeScript is parsed with the TypeScript grammar; a file with syntax errors there is parsed
//! again as TSX, and the TSX tree is used if it has none (the language of a `.tsx` file is
//! [`Language::Typescript`](super::Language) too).
//!
//! Mapping:
//! - `call_expression` is a call (`BlobServiceClient.fromConnectionString(cs)`, optional chains
//!   `a?.b?.(x)` with callee `a?.b`, tagged templates with the template as their argument),
//!   `new_expression` a construction with callee `new T` (`new T` without parentheses too;
//!   TypeScript type arguments are not part of the callee). An object literal argument
//!   (`new CosmosClient({ endpoint, key: "..." })`) gives its keys as
//!   [`Call::options`](super::Call): `key: value` pairs (identifier, string or number keys),
//!   shorthand `{ endpoint }` (value resolved by name) and methods (no value); computed keys and
//!   spreads are skipped.
//! - Values: strings (JS escapes), template literals whose substitutions are known, `+`,
//!   parentheses, TypeScript `as` / `satisfies` / `!` / `<T>x`, and names assigned once:
//!   `const` / `let` / `var` with a value, `x = ...`, `this.x = ...`, class fields, and
//!   `this.x` / `Type.X` by property name.

use tree_sitter::Node;

use super::engine::{
    ArgShape, ArgValue, CallShape, Callee, Captures, Definition, Engine, Expr, Grammar,
    first_named, named_children, plus_parts, slice, split_literal,
};
use super::literal::{Escapes, unescape};
use super::{CodeView, LanguageParser};

/// Which tree-sitter grammar: JavaScript, TypeScript or TSX.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    Javascript,
    Typescript,
    Tsx,
}

/// The JavaScript / TypeScript grammars' mapping onto the engine.
pub(super) struct Javascript(Dialect);

/// A reusable JavaScript parser.
pub(super) struct JavascriptParser(Engine<Javascript>);

impl JavascriptParser {
    pub(super) fn new() -> Self {
        Self(Engine::new(Javascript(Dialect::Javascript)))
    }

    /// Whether the grammar and its query loaded.
    #[cfg(test)]
    pub(super) fn loaded(&self) -> bool {
        self.0.loaded()
    }
}

impl LanguageParser for JavascriptParser {
    fn parse(&mut self, text: &str) -> CodeView {
        self.0.parse(text)
    }
}

/// A reusable TypeScript parser (TypeScript, then TSX for files that only parse as TSX).
pub(super) struct TypescriptParser {
    typescript: Engine<Javascript>,
    tsx: Engine<Javascript>,
}

impl TypescriptParser {
    pub(super) fn new() -> Self {
        Self {
            typescript: Engine::new(Javascript(Dialect::Typescript)),
            tsx: Engine::new(Javascript(Dialect::Tsx)),
        }
    }

    /// Whether both grammars and their query loaded.
    #[cfg(test)]
    pub(super) fn loaded(&self) -> bool {
        self.typescript.loaded() && self.tsx.loaded()
    }
}

impl LanguageParser for TypescriptParser {
    fn parse(&mut self, text: &str) -> CodeView {
        let tree = self.typescript.tree(text);
        if tree
            .as_ref()
            .is_some_and(|tree| !tree.root_node().has_error())
        {
            return self.typescript.view(tree.as_ref(), text);
        }
        let tsx = self.tsx.tree(text);
        match (&tree, &tsx) {
            (_, Some(tsx)) if !tsx.root_node().has_error() => self.tsx.view(Some(tsx), text),
            (Some(_), _) => self.typescript.view(tree.as_ref(), text),
            (None, _) => self.tsx.view(tsx.as_ref(), text),
        }
    }
}

impl Grammar for Javascript {
    fn language(&self) -> tree_sitter::Language {
        match self.0 {
            Dialect::Javascript => tree_sitter_javascript::LANGUAGE.into(),
            Dialect::Typescript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Dialect::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        }
    }

    fn query(&self) -> &'static str {
        match self.0 {
            Dialect::Javascript => include_str!("queries/javascript.scm"),
            Dialect::Typescript | Dialect::Tsx => include_str!("queries/typescript.scm"),
        }
    }

    fn argument_lists(&self) -> &'static [&'static str] {
        &["arguments"]
    }

    fn expr<'t>(&self, node: Node<'t>, text: &'t str) -> Expr<'t> {
        match node.kind() {
            "string" => string_value(node, text).map_or(Expr::Unknown, Expr::Text),
            "template_string" => split_literal(
                node,
                text,
                1,
                1,
                |child| (child.kind() == "template_substitution").then(|| first_named(child)),
                |run| unescape(run, Escapes::JAVASCRIPT),
            ),
            "binary_expression" => plus_parts(node),
            "parenthesized_expression" => first_named(node)
                .filter(|inner| inner.kind() != "sequence_expression")
                .map_or(Expr::Unknown, Expr::Inner),
            "as_expression" | "satisfies_expression" | "non_null_expression" => {
                first_named(node).map_or(Expr::Unknown, Expr::Inner)
            }
            "type_assertion" => named_children(node)
                .into_iter()
                .last()
                .map_or(Expr::Unknown, Expr::Inner),
            "identifier" | "shorthand_property_identifier" => {
                Expr::Name(slice(text, node).to_owned())
            }
            "member_expression" => {
                member_name(node, text).map_or(Expr::Unknown, |name| Expr::Name(name.to_owned()))
            }
            _ => Expr::Unknown,
        }
    }

    fn call<'t>(&self, captures: &Captures<'t>, text: &'t str) -> Option<CallShape<'t>> {
        let call = captures.call?;
        let (prefix, callee) = match call.kind() {
            "call_expression" => ("", call.child_by_field_name("function")?),
            "new_expression" => ("new ", call.child_by_field_name("constructor")?),
            _ => return None,
        };
        let name = match callee.kind() {
            "identifier" | "super" | "import" => Some(callee),
            "member_expression" => callee.child_by_field_name("property"),
            _ => None,
        };
        let mut arguments = Vec::new();
        let mut options = Vec::new();
        match call.child_by_field_name("arguments") {
            Some(list) if list.kind() == "arguments" => {
                for argument in named_children(list) {
                    match argument.kind() {
                        "spread_element" => {
                            arguments.push(ArgShape {
                                name: None,
                                span: argument.byte_range(),
                                value: ArgValue::Unknown,
                            });
                        }
                        "object" => {
                            options.extend(object_keys(argument, text));
                            arguments.push(ArgShape::positional(argument));
                        }
                        _ => arguments.push(ArgShape::positional(argument)),
                    }
                }
            }
            Some(template) => arguments.push(ArgShape::positional(template)),
            None => {}
        }
        Some(CallShape {
            prefix,
            callee: Callee::Node(callee),
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
        let Some(name) = captures.name else { return };
        let target = match name.kind() {
            "identifier" | "property_identifier" => Some(slice(text, name)),
            "member_expression" => member_name(name, text),
            _ => None,
        };
        let Some(target) = target else { return };
        let value = if captures.reassign.is_some() {
            None
        } else {
            captures.value
        };
        out.push((target.to_owned(), value));
    }
}

/// The property name of `this.x` / `Type.X`.
fn member_name<'t>(node: Node<'_>, text: &'t str) -> Option<&'t str> {
    let object = node.child_by_field_name("object")?;
    let property = node.child_by_field_name("property")?;
    let object_text = slice(text, object);
    let owner = object.kind() == "this"
        || (object.kind() == "identifier"
            && object_text.starts_with(|c: char| c.is_ascii_uppercase()));
    (owner && property.kind() == "property_identifier").then(|| slice(text, property))
}

/// The decoded value of a `string` node.
fn string_value(node: Node<'_>, text: &str) -> Option<String> {
    let literal = slice(text, node);
    let mut chars = literal.chars();
    let quote = chars.next()?;
    let content = literal.get(quote.len_utf8()..)?.strip_suffix(quote)?;
    Some(unescape(content, Escapes::JAVASCRIPT))
}

/// How deep nested object literals are read for option paths (`auth.clientSecret`).
const MAX_OPTION_DEPTH: usize = 3;

/// The keys of an object literal argument; the keys of object literals nested in it follow
/// their parent's, as dotted paths (`{ auth: { clientSecret } }` gives `auth` and
/// `auth.clientSecret`).
fn object_keys<'t>(object: Node<'t>, text: &'t str) -> Vec<ArgShape<'t>> {
    let mut keys = Vec::new();
    let mut pending = vec![(object, String::new(), 0usize)];
    while let Some((object, prefix, depth)) = pending.pop() {
        let start = keys.len();
        direct_keys(object, text, &mut keys);
        for key in keys.get_mut(start..).unwrap_or_default() {
            if let (Some((name, _)), ArgValue::Node(value)) = (&mut key.name, &key.value) {
                if value.kind() == "object" && depth + 1 < MAX_OPTION_DEPTH {
                    pending.push((*value, format!("{prefix}{name}."), depth + 1));
                }
                if !prefix.is_empty() {
                    name.insert_str(0, &prefix);
                }
            }
        }
    }
    keys
}

/// The keys written directly in one object literal.
fn direct_keys<'t>(object: Node<'t>, text: &'t str, keys: &mut Vec<ArgShape<'t>>) {
    for member in named_children(object) {
        match member.kind() {
            "pair" => {
                let (Some(key), Some(value)) = (
                    member.child_by_field_name("key"),
                    member.child_by_field_name("value"),
                ) else {
                    continue;
                };
                let (name, name_span) = match key.kind() {
                    "property_identifier" | "number" => {
                        (slice(text, key).to_owned(), key.byte_range())
                    }
                    // The name's span is inside the quotes.
                    "string" => match string_value(key, text) {
                        Some(name) => {
                            let end = key.end_byte().saturating_sub(1).max(key.start_byte() + 1);
                            (name, key.start_byte() + 1..end)
                        }
                        None => continue,
                    },
                    _ => continue,
                };
                keys.push(ArgShape {
                    name: Some((name, name_span)),
                    span: value.byte_range(),
                    value: ArgValue::Node(value),
                });
            }
            "shorthand_property_identifier" => keys.push(ArgShape::named(text, member, member)),
            "method_definition" => {
                if let Some(name) = member
                    .child_by_field_name("name")
                    .filter(|name| name.kind() == "property_identifier")
                {
                    keys.push(ArgShape {
                        name: Some((slice(text, name).to_owned(), name.byte_range())),
                        span: member.byte_range(),
                        value: ArgValue::Unknown,
                    });
                }
            }
            _ => {}
        }
    }
}
