//! What a source file imports: C# `using`, Python `import` / `from … import`, JavaScript and
//! TypeScript `import` / `require`, Java `import`, Go `import` and Rust `use`.
//!
//! The SDK catalogue resolves a callee such as `QueueClient` or `Client.fromConnectionString` to
//! the package it comes from through these. The scanner reads the text, not a syntax tree: import
//! statements sit at the top of a file in a handful of fixed shapes, so a text scan finds them in
//! broken files too, costs one pass, and never depends on a parse having succeeded.
//!
//! Every statement is read from a bounded window ([`MAX_STATEMENT`] bytes), so the scan is linear
//! in the size of the file whatever it holds.

use super::Language;

/// Longest import statement read (a multi-line `import { … } from "…"` or `use a::{…};`).
const MAX_STATEMENT: usize = 4096;

/// A module imported whole, with the local name it is known by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleImport {
    /// The module as written: a C# or Java namespace, a Python module path, a JavaScript module
    /// specifier, a Go import path, a Rust path.
    pub module: String,
    /// The local name, when the module is bound to one: Python `import a.b as c` (`c`), JS
    /// `import * as ns` / `const ns = require(…)`, Go's package name (the last path element
    /// unless aliased), C# `using Alias = Namespace;`.
    pub alias: Option<String>,
}

/// A name imported from a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameImport {
    /// The module it comes from.
    pub module: String,
    /// The name in that module (`default` for a JS default import; `*` for a wildcard).
    pub name: String,
    /// The name it has in this file.
    pub local: String,
}

/// Everything a file imports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imports {
    /// Modules imported whole.
    pub modules: Vec<ModuleImport>,
    /// Names imported from modules.
    pub names: Vec<NameImport>,
}

impl Imports {
    /// The module bound to `alias` in this file.
    pub fn module_of_alias(&self, alias: &str) -> Option<&str> {
        self.modules
            .iter()
            .find(|import| import.alias.as_deref() == Some(alias))
            .map(|import| import.module.as_str())
    }

    /// The (module, name) a local name refers to.
    pub fn name(&self, local: &str) -> Option<(&str, &str)> {
        self.names
            .iter()
            .find(|import| import.local == local)
            .map(|import| (import.module.as_str(), import.name.as_str()))
    }

    /// Every module the file names in an import, of either kind.
    pub fn all_modules(&self) -> impl Iterator<Item = &str> {
        self.modules
            .iter()
            .map(|import| import.module.as_str())
            .chain(self.names.iter().map(|import| import.module.as_str()))
    }
}

/// The imports of `text`, read as `language`.
pub fn scan(language: Language, text: &str) -> Imports {
    let mut imports = Imports::default();
    match language {
        Language::Csharp => csharp(text, &mut imports),
        Language::Python => python(text, &mut imports),
        Language::Javascript | Language::Typescript => javascript(text, &mut imports),
        Language::Java => java(text, &mut imports),
        Language::Go => go(text, &mut imports),
        Language::Rust => rust(text, &mut imports),
        // Cmdlets are known by their names; modules load implicitly.
        Language::Powershell => {}
    }
    imports
}

/// The statement starting at byte `start`, up to `end` (exclusive) or the window's end.
fn window(text: &str, start: usize) -> &str {
    let mut end = (start + MAX_STATEMENT).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(start..end).unwrap_or("")
}

/// Byte offsets of the starts of lines whose first non-blank text begins with `keyword`
/// followed by a blank (or `(`/`{` for block forms), with the offset of the keyword.
fn statements<'t>(text: &'t str, keywords: &'t [&'t str]) -> impl Iterator<Item = usize> + 't {
    let mut offset = 0;
    text.split_inclusive('\n').filter_map(move |line| {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        keywords
            .iter()
            .any(|keyword| {
                trimmed.strip_prefix(keyword).is_some_and(|rest| {
                    rest.starts_with([' ', '\t', '(', '{', '\'', '"', '*'])
                        || rest.starts_with("\r")
                        || rest.is_empty()
                })
            })
            .then_some(start + indent)
    })
}

fn is_identifier(word: &str) -> bool {
    !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        && !word.starts_with(|c: char| c.is_ascii_digit())
}

fn is_dotted(word: &str) -> bool {
    !word.is_empty() && word.split('.').all(is_identifier)
}

/// The first quoted string (`'…'`, `"…"` or `` `…` ``) in `text`, and the rest after it.
fn quoted(text: &str) -> Option<(&str, &str)> {
    let open = text.find(['\'', '"', '`'])?;
    let quote = text[open..].chars().next()?;
    let body = &text[open + 1..];
    let close = body.find(quote)?;
    Some((&body[..close], &body[close + 1..]))
}

fn csharp(text: &str, imports: &mut Imports) {
    for start in statements(text, &["using", "global using"]) {
        let statement = window(text, start);
        let Some(end) = statement.find([';', '\n']) else {
            continue;
        };
        let body = statement[..end]
            .trim_start_matches("global")
            .trim_start()
            .trim_start_matches("using")
            .trim();
        let body = body.strip_prefix("static ").unwrap_or(body).trim();
        if let Some((alias, target)) = body.split_once('=') {
            let (alias, target) = (alias.trim(), target.trim());
            if !is_identifier(alias) || !is_dotted(target) {
                continue;
            }
            // `using Alias = Namespace.Type;` names a type or a namespace: record both readings.
            if let Some((module, name)) = target.rsplit_once('.') {
                imports.names.push(NameImport {
                    module: module.to_owned(),
                    name: name.to_owned(),
                    local: alias.to_owned(),
                });
            }
            imports.modules.push(ModuleImport {
                module: target.to_owned(),
                alias: Some(alias.to_owned()),
            });
        } else if is_dotted(body) {
            imports.modules.push(ModuleImport {
                module: body.to_owned(),
                alias: None,
            });
        }
    }
}

fn python(text: &str, imports: &mut Imports) {
    for start in statements(text, &["import", "from"]) {
        let statement = window(text, start);
        // A statement ends at the end of its line, unless a parenthesis is open.
        let mut end = statement.len();
        let mut depth = 0usize;
        for (index, byte) in statement.bytes().enumerate() {
            match byte {
                b'(' => depth += 1,
                b')' => depth = depth.saturating_sub(1),
                b'\n' | b';' | b'#' if depth == 0 => {
                    end = index;
                    break;
                }
                _ => {}
            }
        }
        let body = statement[..end].replace(['(', ')', '\\', '\n', '\r'], " ");
        if let Some(rest) = body.strip_prefix("from") {
            let Some((module, names)) = rest.split_once(" import ") else {
                continue;
            };
            let module = module.trim();
            if module.is_empty() || !is_dotted(module.trim_start_matches('.')) && module != "." {
                continue;
            }
            for item in names.split(',') {
                let mut words = item.split_whitespace();
                let (Some(name), alias) = (words.next(), words.nth(1)) else {
                    continue;
                };
                if name == "*" || is_identifier(name) {
                    imports.names.push(NameImport {
                        module: module.to_owned(),
                        name: name.to_owned(),
                        local: alias.unwrap_or(name).to_owned(),
                    });
                }
            }
        } else if let Some(rest) = body.strip_prefix("import") {
            for item in rest.split(',') {
                let mut words = item.split_whitespace();
                let (Some(module), alias) = (words.next(), words.nth(1)) else {
                    continue;
                };
                if is_dotted(module) {
                    imports.modules.push(ModuleImport {
                        module: module.to_owned(),
                        // `import a.b` binds `a`; the full path is still how calls spell it.
                        alias: alias.map(str::to_owned),
                    });
                }
            }
        }
    }
}

fn javascript(text: &str, imports: &mut Imports) {
    // ES imports.
    for start in statements(text, &["import", "export"]) {
        let statement = window(text, start);
        let Some(from) = statement.find(" from ").or_else(|| statement.find("from'")) else {
            // `import "side-effect";` or `import x = require("m")` (TypeScript).
            if let Some(position) = statement.find("require(") {
                let head = &statement[..position];
                if let (Some(local), Some((module, _))) = (
                    head.trim_start_matches("import")
                        .trim()
                        .trim_end_matches('=')
                        .split_whitespace()
                        .last(),
                    quoted(&statement[position..]),
                ) && is_identifier(local)
                {
                    imports.modules.push(ModuleImport {
                        module: module.to_owned(),
                        alias: Some(local.to_owned()),
                    });
                }
            }
            continue;
        };
        let clause = statement[..from]
            .trim_start_matches("import")
            .trim_start_matches("export")
            .trim();
        let clause = clause.strip_prefix("type ").unwrap_or(clause);
        if clause.contains(';') {
            continue;
        }
        let Some((module, _)) = quoted(&statement[from..]) else {
            continue;
        };
        es_clause(clause, module, imports);
    }
    // CommonJS: `const x = require("m")`, `const { a, b: c } = require("m")`,
    // `const x = require("m").Name`, and bare `require("m").Name` uses.
    let mut search = 0;
    while let Some(found) = text.get(search..).and_then(|rest| rest.find("require(")) {
        let position = search + found;
        search = position + "require(".len();
        let Some((module, after)) = quoted(window(text, search)) else {
            continue;
        };
        if !after.trim_start().starts_with(')') {
            continue;
        }
        // What the result is bound to: `x =` or a destructuring `{ … } =`, which may span lines.
        let mut back = position.saturating_sub(MAX_STATEMENT);
        while !text.is_char_boundary(back) {
            back += 1;
        }
        let Some(head) = text[back..position].trim_end().strip_suffix('=') else {
            continue;
        };
        let head = head.trim_end();
        let binding = if head.ends_with('}') {
            match head.rfind('{') {
                Some(open) => &head[open..],
                None => continue,
            }
        } else {
            let start = head
                .char_indices()
                .rev()
                .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '$'))
                .map_or(0, |(index, c)| index + c.len_utf8());
            head.get(start..).unwrap_or_default()
        };
        let member = after
            .trim_start()
            .strip_prefix(')')
            .and_then(|rest| rest.strip_prefix('.'))
            .map(|rest| {
                rest.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                    .next()
                    .unwrap_or("")
            })
            .filter(|name| is_identifier(name));
        if let Some(pattern) = binding
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
        {
            for item in pattern.split(',') {
                let (name, local) = match item.split_once(':') {
                    Some((name, local)) => (name.trim(), local.trim()),
                    None => (item.trim(), item.trim()),
                };
                if is_identifier(name) && is_identifier(local) {
                    imports.names.push(NameImport {
                        module: module.to_owned(),
                        name: name.to_owned(),
                        local: local.to_owned(),
                    });
                }
            }
        } else if is_identifier(binding) {
            match member {
                Some(name) => imports.names.push(NameImport {
                    module: module.to_owned(),
                    name: name.to_owned(),
                    local: binding.to_owned(),
                }),
                None => imports.modules.push(ModuleImport {
                    module: module.to_owned(),
                    alias: Some(binding.to_owned()),
                }),
            }
        }
    }
}

/// `Default, { A, B as C }`, `* as ns`, `{ A }`, `Default`.
fn es_clause(clause: &str, module: &str, imports: &mut Imports) {
    let (head, braces) = match clause.find('{') {
        Some(open) => {
            let close = clause[open..].find('}').map_or(clause.len(), |c| open + c);
            (&clause[..open], clause.get(open + 1..close).unwrap_or(""))
        }
        None => (clause, ""),
    };
    for part in head
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
    {
        if let Some(alias) = part.strip_prefix('*') {
            let alias = alias.trim().trim_start_matches("as").trim();
            if is_identifier(alias) {
                imports.modules.push(ModuleImport {
                    module: module.to_owned(),
                    alias: Some(alias.to_owned()),
                });
            }
        } else if is_identifier(part) {
            imports.names.push(NameImport {
                module: module.to_owned(),
                name: "default".to_owned(),
                local: part.to_owned(),
            });
        }
    }
    for item in braces.split(',') {
        let item = item.trim();
        let item = item.strip_prefix("type ").unwrap_or(item);
        let mut words = item.split_whitespace();
        let (Some(name), alias) = (words.next(), words.nth(1)) else {
            continue;
        };
        if is_identifier(name) {
            imports.names.push(NameImport {
                module: module.to_owned(),
                name: name.to_owned(),
                local: alias
                    .filter(|a| is_identifier(a))
                    .unwrap_or(name)
                    .to_owned(),
            });
        }
    }
}

fn java(text: &str, imports: &mut Imports) {
    for start in statements(text, &["import"]) {
        let statement = window(text, start);
        let Some(end) = statement.find([';', '\n']) else {
            continue;
        };
        let body = statement[..end].trim_start_matches("import").trim();
        let body = body.strip_prefix("static ").unwrap_or(body).trim();
        let Some((module, name)) = body.rsplit_once('.') else {
            continue;
        };
        if !is_dotted(module) {
            continue;
        }
        if name == "*" {
            imports.modules.push(ModuleImport {
                module: module.to_owned(),
                alias: None,
            });
        } else if is_identifier(name) {
            imports.names.push(NameImport {
                module: module.to_owned(),
                name: name.to_owned(),
                local: name.to_owned(),
            });
        }
    }
}

fn go(text: &str, imports: &mut Imports) {
    for start in statements(text, &["import"]) {
        let statement = window(text, start);
        let body = statement.trim_start_matches("import").trim_start();
        let specs = if let Some(block) = body.strip_prefix('(') {
            &block[..block.find(')').unwrap_or(block.len())]
        } else {
            &body[..body.find('\n').unwrap_or(body.len())]
        };
        for line in specs.lines() {
            let line = line.split("//").next().unwrap_or("").trim();
            let Some((path, _)) = quoted(line) else {
                continue;
            };
            let alias = line[..line.find(['"', '`']).unwrap_or(0)].trim();
            // The package name is the last path element, skipping a major-version suffix.
            let mut elements = path.rsplit('/');
            let last = elements.next().unwrap_or(path);
            let name = if last.len() > 1
                && last.starts_with('v')
                && last[1..].bytes().all(|b| b.is_ascii_digit())
            {
                elements.next().unwrap_or(last)
            } else {
                last
            };
            let name = name.trim_start_matches("go-").replace(['-', '.'], "_");
            let local = match alias {
                "" => name,
                "_" | "." => continue,
                alias => alias.to_owned(),
            };
            imports.modules.push(ModuleImport {
                module: path.to_owned(),
                alias: Some(local),
            });
        }
    }
}

fn rust(text: &str, imports: &mut Imports) {
    for start in statements(text, &["use", "pub use", "extern crate"]) {
        let statement = window(text, start);
        let Some(end) = statement.find(';') else {
            continue;
        };
        let body = statement[..end]
            .trim_start_matches("pub")
            .trim_start()
            .trim_start_matches("use")
            .trim();
        let body: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
        rust_tree("", &body, imports, 0);
    }
}

/// Expands a `use` tree (`a::b::{c, d::e as f, g::*}`) into name imports.
fn rust_tree(prefix: &str, tree: &str, imports: &mut Imports, depth: usize) {
    if depth > 8 {
        return;
    }
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let base = tree[..open].trim_end_matches("::").trim();
        let inner = tree[open + 1..].trim_end().strip_suffix('}').unwrap_or("");
        let prefix = join_path(prefix, base);
        // Split the group at top-level commas.
        let mut level = 0usize;
        let mut piece_start = 0;
        for (index, c) in inner.char_indices() {
            match c {
                '{' => level += 1,
                '}' => level = level.saturating_sub(1),
                ',' if level == 0 => {
                    rust_tree(&prefix, &inner[piece_start..index], imports, depth + 1);
                    piece_start = index + 1;
                }
                _ => {}
            }
        }
        rust_tree(&prefix, &inner[piece_start..], imports, depth + 1);
        return;
    }
    let (path, alias) = match tree.split_once(" as ") {
        Some((path, alias)) => (path.trim(), Some(alias.trim())),
        None => (tree, None),
    };
    let full = join_path(prefix, path);
    if full.is_empty() {
        return;
    }
    let (module, name) = full.rsplit_once("::").unwrap_or(("", full.as_str()));
    if name == "self" {
        let local = alias.unwrap_or_else(|| module.rsplit("::").next().unwrap_or(module));
        imports.modules.push(ModuleImport {
            module: module.to_owned(),
            alias: Some(local.to_owned()),
        });
    } else if name == "*" {
        imports.modules.push(ModuleImport {
            module: module.to_owned(),
            alias: None,
        });
    } else if is_identifier(name) {
        imports.names.push(NameImport {
            module: module.to_owned(),
            name: name.to_owned(),
            local: alias.unwrap_or(name).to_owned(),
        });
        // `use azure_storage::prelude;` makes `prelude::X` a path too.
        imports.modules.push(ModuleImport {
            module: full.clone(),
            alias: Some(alias.unwrap_or(name).to_owned()),
        });
    }
}

fn join_path(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty()) {
        (true, _) => path.to_owned(),
        (_, true) => prefix.to_owned(),
        _ => format!("{prefix}::{path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(imports: &Imports) -> Vec<(String, String, String)> {
        imports
            .names
            .iter()
            .map(|n| (n.module.clone(), n.name.clone(), n.local.clone()))
            .collect()
    }

    fn modules(imports: &Imports) -> Vec<(String, Option<String>)> {
        imports
            .modules
            .iter()
            .map(|m| (m.module.clone(), m.alias.clone()))
            .collect()
    }

    #[test]
    fn csharp_usings() {
        let imports = scan(
            Language::Csharp,
            "using System;\nglobal using Azure.Storage.Blobs;\nusing SB = Microsoft.Azure.ServiceBus;\nusing static Foo.Bar;\n",
        );
        assert_eq!(
            modules(&imports),
            vec![
                ("System".into(), None),
                ("Azure.Storage.Blobs".into(), None),
                ("Microsoft.Azure.ServiceBus".into(), Some("SB".into())),
                ("Foo.Bar".into(), None),
            ]
        );
    }

    #[test]
    fn python_imports() {
        let imports = scan(
            Language::Python,
            "import os, azure.storage.blob as blob\nfrom azure.iot.device import (\n    IoTHubDeviceClient,\n    Message as M,\n)\nfrom msrest.authentication import CognitiveServicesCredentials\n",
        );
        assert_eq!(
            modules(&imports),
            vec![
                ("os".into(), None),
                ("azure.storage.blob".into(), Some("blob".into()))
            ]
        );
        assert_eq!(
            names(&imports),
            vec![
                (
                    "azure.iot.device".into(),
                    "IoTHubDeviceClient".into(),
                    "IoTHubDeviceClient".into()
                ),
                ("azure.iot.device".into(), "Message".into(), "M".into()),
                (
                    "msrest.authentication".into(),
                    "CognitiveServicesCredentials".into(),
                    "CognitiveServicesCredentials".into()
                ),
            ]
        );
    }

    #[test]
    fn javascript_imports_and_requires() {
        let text = "import { EventHubConsumerClient, earliestEventPosition as start } from \"@azure/event-hubs\";\nimport * as msRest from '@azure/ms-rest-js';\nimport Default from 'm';\nconst Client = require('azure-iot-device').Client;\nconst {\n  Registry,\n  Client: ServiceClient\n} = require(\"azure-iothub\");\nvar azure = require('azure-storage');\nconst Protocol = require('azure-iot-device-mqtt').Mqtt;\n";
        let imports = scan(Language::Javascript, text);
        assert!(
            imports
                .names
                .iter()
                .any(|n| n.module == "@azure/event-hubs" && n.local == "EventHubConsumerClient")
        );
        assert!(
            imports
                .names
                .iter()
                .any(|n| n.name == "earliestEventPosition" && n.local == "start")
        );
        assert_eq!(imports.module_of_alias("msRest"), Some("@azure/ms-rest-js"));
        assert_eq!(imports.name("Default"), Some(("m", "default")));
        assert_eq!(imports.name("Client"), Some(("azure-iot-device", "Client")));
        assert_eq!(imports.name("Registry"), Some(("azure-iothub", "Registry")));
        assert_eq!(
            imports.name("ServiceClient"),
            Some(("azure-iothub", "Client"))
        );
        assert_eq!(imports.module_of_alias("azure"), Some("azure-storage"));
        assert_eq!(
            imports.name("Protocol"),
            Some(("azure-iot-device-mqtt", "Mqtt"))
        );
    }

    #[test]
    fn java_imports() {
        let imports = scan(
            Language::Java,
            "package x;\nimport com.azure.storage.blob.BlobServiceClientBuilder;\nimport com.microsoft.azure.servicebus.*;\nimport static a.b.C.d;\n",
        );
        assert_eq!(
            imports.name("BlobServiceClientBuilder"),
            Some(("com.azure.storage.blob", "BlobServiceClientBuilder"))
        );
        assert!(
            imports
                .modules
                .iter()
                .any(|m| m.module == "com.microsoft.azure.servicebus")
        );
    }

    #[test]
    fn go_imports() {
        let imports = scan(
            Language::Go,
            "package main\n\nimport (\n\t\"fmt\"\n\tsb \"github.com/Azure/azure-service-bus-go\"\n\t\"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob\"\n\t\"github.com/Azure/go-autorest/autorest/azure/auth\"\n\t\"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos/v2\"\n)\nimport \"os\"\n",
        );
        assert_eq!(
            imports.module_of_alias("azblob"),
            Some("github.com/Azure/azure-sdk-for-go/sdk/storage/azblob")
        );
        assert_eq!(
            imports.module_of_alias("sb"),
            Some("github.com/Azure/azure-service-bus-go")
        );
        assert_eq!(
            imports.module_of_alias("auth"),
            Some("github.com/Azure/go-autorest/autorest/azure/auth")
        );
        assert_eq!(
            imports.module_of_alias("azcosmos"),
            Some("github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos/v2")
        );
        assert_eq!(imports.module_of_alias("os"), Some("os"));
    }

    #[test]
    fn rust_use_trees() {
        let imports = scan(
            Language::Rust,
            "use azure_storage::{prelude::*, StorageCredentials, ConnectionString as Cs};\nuse azure_data_cosmos::prelude::CosmosClient;\n",
        );
        assert_eq!(
            imports.name("StorageCredentials"),
            Some(("azure_storage", "StorageCredentials"))
        );
        assert_eq!(
            imports.name("Cs"),
            Some(("azure_storage", "ConnectionString"))
        );
        assert_eq!(
            imports.name("CosmosClient"),
            Some(("azure_data_cosmos::prelude", "CosmosClient"))
        );
        assert!(
            imports
                .modules
                .iter()
                .any(|m| m.module == "azure_storage::prelude" && m.alias.is_none())
        );
    }

    #[test]
    fn broken_text_never_panics() {
        for language in Language::ALL {
            for text in [
                "import",
                "from",
                "using =",
                "import { a as",
                "const {",
                "= require('x'",
                "use a::{b::{c",
                "import (\n\"x",
                "require(\"é\")",
                "import * as",
            ] {
                let _ = scan(language, text);
            }
        }
    }
}
