//! JSON and JSONC (tree-sitter-json) into the [`Document`] view, with ARM templates' resources.
//!
//! Every object member and array item becomes an [`Entry`]; a string whose text is an ARM
//! expression (`"[...]"`, not the `"[[` escape) is an [`ValueKind::Expression`]. Resources are the
//! objects with a string `type` and an `apiVersion` that sit in a `resources` array (or, in
//! language version 2.0 templates, a `resources` object), at any depth: nested child resources
//! with a relative type (`"config"`) get their parent's type prefixed, and the inner templates of
//! nested deployments are found too.

use std::ops::Range;
use tree_sitter::{Node, Parser};

use super::{Document, Entry, MAX_DEPTH, Resource, ValueKind};

/// A reusable JSON parser.
pub struct JsonParser {
    parser: Parser,
}

impl Default for JsonParser {
    fn default() -> Self {
        Self::new()
    }
}

/// A node still to visit, with the path and key span it sits at.
struct Pending<'t> {
    node: Node<'t>,
    path: Vec<String>,
    key: Option<Range<usize>>,
}

impl JsonParser {
    /// Creates the parser.
    pub fn new() -> Self {
        let mut parser = Parser::new();
        // The grammar is compiled in; setting it only fails on an ABI mismatch, which the tests
        // would show at once (every parse would then return an empty, incomplete document).
        let _ = parser.set_language(&tree_sitter_json::LANGUAGE.into());
        Self { parser }
    }

    /// Parses `text`.
    pub fn parse(&mut self, text: &str) -> Document {
        let Some(tree) = self.parser.parse(text, None) else {
            return Document::default();
        };
        let root = tree.root_node();
        let mut document = Document {
            complete: !root.has_error(),
            ..Document::default()
        };
        let mut stack: Vec<Pending<'_>> = Vec::new();
        let mut cursor = root.walk();
        let top: Vec<Node<'_>> = root
            .named_children(&mut cursor)
            .filter(|node| node.kind() != "comment")
            .collect();
        for node in top.into_iter().rev() {
            stack.push(Pending {
                node,
                path: Vec::new(),
                key: None,
            });
        }
        while let Some(Pending { node, path, key }) = stack.pop() {
            if path.len() > MAX_DEPTH {
                document.complete = false;
                continue;
            }
            let key_span = key.unwrap_or(node.start_byte()..node.start_byte());
            match node.kind() {
                "object" => {
                    if !path.is_empty() {
                        document.entries.push(entry(
                            &path,
                            key_span,
                            node.byte_range(),
                            ValueKind::Object,
                        ));
                    }
                    let mut members = Vec::new();
                    let mut walker = node.walk();
                    for pair in node
                        .named_children(&mut walker)
                        .filter(|child| child.kind() == "pair")
                    {
                        let (Some(key_node), Some(value)) = (
                            pair.child_by_field_name("key"),
                            pair.child_by_field_name("value"),
                        ) else {
                            continue;
                        };
                        let key_range = string_contents(key_node, text);
                        let name = text.get(key_range.clone()).unwrap_or_default().to_owned();
                        let mut child_path = path.clone();
                        child_path.push(name);
                        members.push(Pending {
                            node: value,
                            path: child_path,
                            key: Some(key_range),
                        });
                    }
                    stack.extend(members.into_iter().rev());
                }
                "array" => {
                    if !path.is_empty() {
                        document.entries.push(entry(
                            &path,
                            key_span,
                            node.byte_range(),
                            ValueKind::Array,
                        ));
                    }
                    let mut walker = node.walk();
                    let items: Vec<Node<'_>> = node
                        .named_children(&mut walker)
                        .filter(|child| child.kind() != "comment")
                        .collect();
                    for (index, item) in items.into_iter().enumerate().rev() {
                        let mut child_path = path.clone();
                        child_path.push(index.to_string());
                        stack.push(Pending {
                            node: item,
                            path: child_path,
                            key: None,
                        });
                    }
                }
                "string" => {
                    let contents = string_contents(node, text);
                    let kind = if is_arm_expression(text.get(contents.clone()).unwrap_or_default())
                    {
                        ValueKind::Expression
                    } else {
                        ValueKind::String
                    };
                    document
                        .entries
                        .push(entry(&path, key_span, contents, kind));
                }
                "number" => document.entries.push(entry(
                    &path,
                    key_span,
                    node.byte_range(),
                    ValueKind::Number,
                )),
                "true" | "false" => document.entries.push(entry(
                    &path,
                    key_span,
                    node.byte_range(),
                    ValueKind::Bool,
                )),
                "null" => document.entries.push(entry(
                    &path,
                    key_span,
                    node.byte_range(),
                    ValueKind::Null,
                )),
                _ => document.complete = false,
            }
        }
        document.resources = arm_resources(&document.entries, text);
        document
    }
}

fn entry(path: &[String], key: Range<usize>, value: Range<usize>, kind: ValueKind) -> Entry {
    Entry {
        path: path.to_vec(),
        key,
        value,
        kind,
        synthetic: None,
    }
}

/// The byte range inside a string node's quotes (the whole node when it is not quoted).
fn string_contents(node: Node<'_>, text: &str) -> Range<usize> {
    let range = node.byte_range();
    let raw = text.get(range.clone()).unwrap_or_default();
    if raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"') {
        range.start + 1..range.end - 1
    } else {
        range
    }
}

/// `[concat(...)]` is an ARM expression; `[[literal]` is the escape for a literal `[`.
fn is_arm_expression(value: &str) -> bool {
    let trimmed = value.trim();
    trimmed.starts_with('[') && !trimmed.starts_with("[[") && trimmed.ends_with(']')
}

/// Resources: objects in a `resources` array or object with a string `type` and an `apiVersion`.
fn arm_resources(entries: &[Entry], text: &str) -> Vec<Resource> {
    let with_api_version: std::collections::HashSet<&[String]> = entries
        .iter()
        .filter(|entry| entry.name().eq_ignore_ascii_case("apiVersion"))
        .filter_map(|entry| entry.path.split_last().map(|(_, parent)| parent))
        .collect();
    let mut resources: Vec<Resource> = Vec::new();
    for entry in entries {
        let Some((last, parent)) = entry.path.split_last() else {
            continue;
        };
        if last != "type" || entry.kind != ValueKind::String || !with_api_version.contains(parent) {
            continue;
        }
        let Some((_, container)) = parent.split_last() else {
            continue;
        };
        if container.last().map(String::as_str) != Some("resources") {
            continue;
        }
        let declared = entry.text(text);
        let declared = declared.split('@').next().unwrap_or(declared);
        let is_full_type = declared
            .split('/')
            .next()
            .is_some_and(|namespace| namespace.contains('.'));
        let type_name = match resources
            .iter()
            .rev()
            .find(|outer| parent.starts_with(&outer.path))
        {
            Some(outer) if !is_full_type => format!("{}/{declared}", outer.type_name),
            _ => declared.to_owned(),
        };
        resources.push(Resource {
            type_name,
            header: entry.value.clone(),
            path: parent.to_vec(),
        });
    }
    resources
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Document {
        JsonParser::new().parse(text)
    }

    fn value_at<'t>(
        document: &Document,
        text: &'t str,
        path: &[&str],
    ) -> Option<(&'t str, ValueKind)> {
        document
            .get(path)
            .map(|entry| (entry.text(text), entry.kind))
    }

    #[test]
    fn entries_have_paths_kinds_and_spans() {
        let text = r#"{ "a": { "b": [1, "x", true, null, {"c": "[parameters('p')]"}] }, // comment
  "s": "v" }"#;
        let document = parse(text);
        assert!(document.complete);
        assert_eq!(
            value_at(&document, text, &["a", "b", "0"]),
            Some(("1", ValueKind::Number))
        );
        assert_eq!(
            value_at(&document, text, &["a", "b", "1"]),
            Some(("x", ValueKind::String))
        );
        assert_eq!(
            value_at(&document, text, &["a", "b", "2"]),
            Some(("true", ValueKind::Bool))
        );
        assert_eq!(
            value_at(&document, text, &["a", "b", "3"]),
            Some(("null", ValueKind::Null))
        );
        assert_eq!(
            value_at(&document, text, &["a", "b", "4", "c"]),
            Some(("[parameters('p')]", ValueKind::Expression))
        );
        let s = document.get(&["s"]).map(|entry| &text[entry.key.clone()]);
        assert_eq!(s, Some("s"));
    }

    #[test]
    fn arm_resources_nested_children_and_symbolic_names() {
        let text = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [
    { "type": "Microsoft.Web/sites", "apiVersion": "2022-09-01", "name": "app",
      "resources": [ { "type": "config", "apiVersion": "2022-09-01", "name": "appsettings", "properties": {} } ] },
    { "type": "Microsoft.Storage/storageAccounts@2023-01-01", "apiVersion": "2023-01-01",
      "properties": { "allowSharedKeyAccess": true } }
  ]
}"#;
        let document = parse(text);
        let types: Vec<&str> = document
            .resources
            .iter()
            .map(|resource| resource.type_name.as_str())
            .collect();
        assert_eq!(
            types,
            [
                "Microsoft.Web/sites",
                "Microsoft.Web/sites/config",
                "Microsoft.Storage/storageAccounts"
            ]
        );
        let storage = &document.resources[2];
        let setting = document
            .below(&storage.path)
            .find(|(rest, _)| rest.join(".") == "properties.allowSharedKeyAccess");
        assert_eq!(setting.map(|(_, entry)| entry.text(text)), Some("true"));
        let v2 = r#"{ "languageVersion": "2.0", "resources": { "sb": { "type": "Microsoft.ServiceBus/namespaces", "apiVersion": "2022-10-01-preview" } } }"#;
        assert_eq!(parse(v2).resources.len(), 1);
    }

    #[test]
    fn broken_and_hostile_input_never_panics() {
        for text in [
            "",
            "{",
            "{\"a\": [1, 2",
            "}}}]]]",
            "\"unterminated",
            "{\"a\":}",
        ] {
            let _ = parse(text);
        }
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        let document = parse(&deep);
        assert!(!document.complete || document.entries.len() <= MAX_DEPTH + 2);
    }
}
