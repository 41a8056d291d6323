//! Parsing: one "key path → value + span" view of every structured format keyless reads.
//!
//! Each format has its own module (`json`, `bicep`, `hcl`, `yaml`, `xml`, `keyvalue`) that turns
//! text into a [`Document`]: a flat list of [`Entry`]s (every scalar, object and array with its key
//! path and byte spans) and, for infrastructure as code, the [`Resource`]s it declares. Setting
//! rules (`setting:` in rule data) match on this view, so one rule covers ARM, Bicep and
//! Terraform alike.
//!
//! Conventions every parser follows:
//! - Paths hold object keys; array items are their index as a string (`"0"`, `"1"`).
//! - Bicep is normalised to ARM's shape: `@secure() param x string = 'v'` yields
//!   `parameters.x.type = securestring` and `parameters.x.defaultValue = 'v'`; a resource body
//!   yields the same paths an ARM resource object would (`properties.disableLocalAuth`).
//! - Spans are byte ranges into the decoded text; a string's value span excludes its quotes.
//! - Parsers never panic and never fail hard: a broken file yields what could be recovered, with
//!   `complete = false`. Text rules run on every file anyway, so nothing is lost.
//!
//! Parsers are created once per thread and reused ([`parse`] keeps them in a thread local).

pub mod bicep;
pub mod code;
pub mod derived;
pub mod hcl;
pub mod http;
pub mod json;
pub mod keyvalue;
pub mod notebook;
mod tree;
pub mod xml;
pub mod yaml;

use std::cell::RefCell;
use std::ops::Range;

/// A structured format keyless parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// JSON and JSONC: ARM templates and parameter files, appsettings, local.settings.json.
    Json,
    /// Bicep and `.bicepparam`.
    Bicep,
    /// Terraform / HCL and `.tfvars`.
    Terraform,
    /// YAML: Kubernetes, Helm values, docker-compose, GitHub Actions, Azure Pipelines, Spring.
    Yaml,
    /// XML: web.config, app.config, *.csproj, *.pubxml, Service Fabric Settings.xml.
    Xml,
    /// `.env`, `.properties`, `.ini` and similar `key=value` files.
    KeyValue,
}

impl Format {
    /// The format of a file, from its name; `None` for files that are not parsed. The names
    /// are those of [`crate::filetypes::FILE_TYPES`].
    pub fn of_path(path: &str) -> Option<Format> {
        match crate::filetypes::of_path(path)?.read_as {
            crate::filetypes::ReadAs::Parsed(format) => Some(format),
            _ => None,
        }
    }
}

/// What kind of value an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// A string literal (value span excludes the quotes).
    String,
    /// A number.
    Number,
    /// `true` / `false` (in YAML and key=value files also the bare words).
    Bool,
    /// `null` or an empty value.
    Null,
    /// An expression that is computed at deployment or run time: an ARM `[...]` string, a Bicep
    /// or HCL expression, an interpolated string (`'${x}'`, `"${var.x}"`).
    Expression,
    /// An object, block or mapping (value span covers it whole).
    Object,
    /// An array or sequence (value span covers it whole).
    Array,
}

/// Bicep's `@secure()` `string` parameter, as ARM types it: an [`Entry::synthetic`] value.
pub const SECURE_STRING: &str = "securestring";
/// Bicep's `@secure()` `object` parameter, as ARM types it: an [`Entry::synthetic`] value.
pub const SECURE_OBJECT: &str = "secureObject";
/// A flag the syntax implies (Bicep's `existing` resource): an [`Entry::synthetic`] value.
pub const IMPLIED_TRUE: &str = "true";
/// Every value an [`Entry::synthetic`] can hold: the only values not written in the file.
pub const SYNTHETIC_VALUES: [&str; 3] = [SECURE_STRING, SECURE_OBJECT, IMPLIED_TRUE];

/// One key/value pair (or array item) of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Keys from the document root; array items are their index as a string.
    pub path: Vec<String>,
    /// Byte range of the key (empty at the value's start for array items and synthetic entries).
    pub key: Range<usize>,
    /// Byte range of the value; for strings, inside the quotes.
    pub value: Range<usize>,
    /// What the value is.
    pub kind: ValueKind,
    /// A value the format implies but the text does not spell out (Bicep's `@secure()` string
    /// parameter is ARM's `securestring`); [`Entry::text`] returns it instead of the span's text.
    /// Always one of [`SYNTHETIC_VALUES`].
    pub synthetic: Option<&'static str>,
}

impl Entry {
    /// The last key of the path (`""` at the root).
    pub fn name(&self) -> &str {
        self.path.last().map_or("", String::as_str)
    }

    /// The value's text as written (for strings, without the quotes).
    pub fn text<'t>(&self, source: &'t str) -> &'t str {
        match self.synthetic {
            Some(value) => value,
            None => source.get(self.value.clone()).unwrap_or(""),
        }
    }
}

/// A resource an infrastructure-as-code file declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// ARM type without API version (`Microsoft.Storage/storageAccounts`, child types joined
    /// with `/`) or the Terraform type (`azurerm_storage_account`).
    pub type_name: String,
    /// Span to report resource-level findings at (the type string, or the block header).
    pub header: Range<usize>,
    /// Path of the resource's body in [`Document::entries`]; its settings are entries below it.
    pub path: Vec<String>,
}

/// What a parser made of a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    /// Every key/value pair, in document order.
    pub entries: Vec<Entry>,
    /// Resources declared (ARM, Bicep, Terraform), in document order.
    pub resources: Vec<Resource>,
    /// False when the parser had to recover from syntax errors.
    pub complete: bool,
}

impl Document {
    /// The entry at exactly `path`.
    pub fn get(&self, path: &[&str]) -> Option<&Entry> {
        self.entries.iter().find(|entry| {
            entry
                .path
                .iter()
                .map(String::as_str)
                .eq(path.iter().copied())
        })
    }

    /// The first entry whose path is `parent` followed by `name` (a resource's `name`).
    pub fn child(&self, parent: &[String], name: &str) -> Option<&Entry> {
        self.entries.iter().find(|entry| {
            entry
                .path
                .split_last()
                .is_some_and(|(last, rest)| last == name && rest == parent)
        })
    }

    /// The name of the setting whose value holds byte `offset` of `text`: the innermost entry's
    /// key or, for `{ name: X, value: ... }` items and `<add name="X" connectionString="..."/>`
    /// elements, the nearest `name` (or `key`) before the value. `None` for array items without
    /// a name and for offsets outside every value.
    pub fn setting_name_at(&self, text: &str, offset: usize) -> Option<String> {
        let entry = self
            .entries
            .iter()
            .filter(|entry| entry.value.contains(&offset) || entry.value.start == offset)
            .max_by_key(|entry| entry.path.len())?;
        let name = entry.name();
        if matches!(
            name,
            "value" | "Value" | "connectionString" | "connectionstring"
        ) {
            let parent = entry.path.get(..entry.path.len().saturating_sub(1))?;
            let sibling = self
                .entries
                .iter()
                .filter(|candidate| {
                    candidate.path.len() == entry.path.len()
                        && candidate.path.starts_with(parent)
                        && matches!(candidate.name(), "name" | "key" | "Name" | "Key")
                        && candidate.value.start < offset
                })
                .max_by_key(|candidate| candidate.value.start);
            if let Some(found) = sibling {
                return Some(found.text(text).to_owned());
            }
        }
        let numeric = name.chars().all(|character| character.is_ascii_digit());
        (!name.is_empty() && !numeric).then(|| name.to_owned())
    }

    /// The setting names ([`Document::setting_name_at`]) of the scalar values that lie wholly
    /// inside `range`.
    pub fn setting_names_within(&self, text: &str, range: Range<usize>) -> Vec<String> {
        self.entries
            .iter()
            .filter(|entry| {
                !matches!(entry.kind, ValueKind::Object | ValueKind::Array)
                    && range.start <= entry.value.start
                    && entry.value.end <= range.end
                    && entry.value.start < entry.value.end
            })
            .filter_map(|entry| self.setting_name_at(text, entry.value.start))
            .collect()
    }

    /// Entries below `prefix` (not the prefix itself), with their path relative to it.
    pub fn below<'d>(
        &'d self,
        prefix: &'d [String],
    ) -> impl Iterator<Item = (&'d [String], &'d Entry)> + 'd {
        self.entries.iter().filter_map(move |entry| {
            let rest = entry.path.strip_prefix(prefix)?;
            (!rest.is_empty()).then_some((rest, entry))
        })
    }
}

/// The parsers of one thread, created on first use and reused for every file it scans.
#[derive(Default)]
pub struct Parsers {
    json: Option<json::JsonParser>,
    bicep: Option<bicep::BicepParser>,
    hcl: Option<hcl::HclParser>,
    xml: Option<xml::XmlParser>,
}

impl Parsers {
    /// Parses `text` as `format`.
    pub fn parse(&mut self, format: Format, text: &str) -> Document {
        match format {
            Format::Json => self
                .json
                .get_or_insert_with(json::JsonParser::new)
                .parse(text),
            Format::Bicep => self
                .bicep
                .get_or_insert_with(bicep::BicepParser::new)
                .parse(text),
            Format::Terraform => self.hcl.get_or_insert_with(hcl::HclParser::new).parse(text),
            Format::Xml => self.xml.get_or_insert_with(xml::XmlParser::new).parse(text),
            Format::Yaml => yaml::parse(text),
            Format::KeyValue => keyvalue::parse(text),
        }
    }
}

thread_local! {
    static PARSERS: RefCell<Parsers> = RefCell::new(Parsers::default());
}

/// Parses with this thread's parsers.
pub fn parse(format: Format, text: &str) -> Document {
    PARSERS.with(|parsers| match parsers.try_borrow_mut() {
        Ok(mut parsers) => parsers.parse(format, text),
        // Re-entrant use cannot happen today; a fresh set keeps it correct if it ever does.
        Err(_) => Parsers::default().parse(format, text),
    })
}

/// Tree-sitter nesting deeper than this is not walked (deeply nested input must not overflow
/// the stack); the document is then marked incomplete.
pub const MAX_DEPTH: usize = 256;
