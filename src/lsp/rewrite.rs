//! Mechanical rewrites: a setting that holds a key-based connection string, replaced by the
//! identity-based setting Azure Functions reads instead.
//!
//! Only rewrites that need no judgement are offered:
//! - `AzureWebJobsStorage` holding `AccountName=<a>;AccountKey=...` (public cloud, default
//!   endpoints) becomes `AzureWebJobsStorage__accountName` = `<a>`; that shortcut exists only for
//!   the host storage setting.
//! - A Functions app's trigger or binding connection setting (for example `ServiceBusConnection`)
//!   holding `Endpoint=sb://<ns>/;SharedAccessKeyName=...;SharedAccessKey=...` without an
//!   `EntityPath` becomes `ServiceBusConnection__fullyQualifiedNamespace` = `<ns>`, for Service Bus
//!   and Event Hubs alike. A file counts as a Functions app's settings when it is
//!   `local.settings.json` or mentions `FUNCTIONS_WORKER_RUNTIME`, `FUNCTIONS_EXTENSION_VERSION`
//!   or `AzureWebJobs`; elsewhere renaming an application's own setting would break the code that
//!   reads it.
//!
//! The new name and value come from [`crate::fix::config_setting_rewrite`], the knowledge that
//! `keyless fix` applies too (a Cosmos DB trigger connection becomes `__accountEndpoint` the same
//! way); this module finds where the setting sits in the file. Its name and value are found with
//! the same parsers the rules use, so the rewrite
//! works on JSON (`"Name": "value"` and ARM/Bicep `{ name, value }` pairs), YAML, `.env`-style
//! files, Bicep and Terraform alike. The result is a list of byte-range replacements on the
//! original text, independent of the editor: the language server turns it into a
//! `WorkspaceEdit`, and a `keyless fix` command can apply it to files directly. With a
//! user-assigned identity, `<PREFIX>__credential=managedidentity` and `<PREFIX>__clientId` are
//! still needed (the hover says so); the rewrite covers the system-assigned default.

use std::ops::Range;

use crate::finding::Finding;
use crate::parse::{self, Document, Entry, Format, ValueKind};

/// One replacement of a byte range of the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    /// Bytes of the original text to replace.
    pub range: Range<usize>,
    /// What replaces them.
    pub text: String,
}

/// A rewrite of one setting into its identity-based form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// The setting's new name, e.g. `AzureWebJobsStorage__accountName`.
    pub name: String,
    /// Its new value: an account name or a namespace host, never a secret.
    pub value: String,
    /// The replacements, in text order and not overlapping: the name, then the value.
    pub replacements: Vec<Replacement>,
}

impl Rewrite {
    /// A short title for the change, e.g. for a quick fix.
    pub fn title(&self) -> String {
        format!(
            "Use the identity-based setting {} = {}",
            self.name, self.value
        )
    }

    /// `text` with the replacements applied.
    pub fn apply(&self, text: &str) -> String {
        let mut result = String::with_capacity(text.len());
        let mut at = 0;
        for replacement in &self.replacements {
            result.push_str(text.get(at..replacement.range.start).unwrap_or_default());
            result.push_str(&replacement.text);
            at = replacement.range.end;
        }
        result.push_str(text.get(at..).unwrap_or_default());
        result
    }
}

/// The identity-based rewrite of the setting that holds `finding` in the file `path` with
/// contents `text`, when one applies mechanically.
pub fn identity_setting(path: &str, text: &str, finding: &Finding) -> Option<Rewrite> {
    let format = Format::of_path(path)?;
    let document = parse::parse(format, text);
    let holder = value_entry(&document, &finding.byte_range)?;
    let value = holder.text(text);
    let (name, name_range) = setting_name(&document, holder, text)?;
    if name.contains("__") {
        return None;
    }
    // Renaming an application's own setting would break the code that reads it; the host
    // storage setting and a Functions app's trigger connections are read by the runtime.
    if !name.eq_ignore_ascii_case("AzureWebJobsStorage") && !is_functions_settings(path, text) {
        return None;
    }
    let rewrite = crate::fix::config_setting_rewrite(&name, value, finding.service)
        .filter(|rewrite| rewrite.safe)?;
    let [(new_name, new_value)] = <[(String, String); 1]>::try_from(rewrite.settings).ok()?;
    if already_set(&document, holder, &new_name) {
        return None;
    }
    let mut replacements = vec![
        Replacement {
            range: name_range,
            text: new_name.clone(),
        },
        Replacement {
            range: holder.value.clone(),
            text: new_value.clone(),
        },
    ];
    replacements.sort_by_key(|replacement| replacement.range.start);
    let overlapping = replacements
        .windows(2)
        .any(|pair| pair[0].range.end > pair[1].range.start);
    if overlapping {
        return None;
    }
    Some(Rewrite {
        name: new_name,
        value: new_value,
        replacements,
    })
}

/// The innermost string entry whose value holds the secret.
fn value_entry<'d>(document: &'d Document, secret: &Range<usize>) -> Option<&'d Entry> {
    document
        .entries
        .iter()
        .filter(|entry| {
            entry.kind == ValueKind::String
                && entry.synthetic.is_none()
                && entry.value.start <= secret.start
                && secret.end <= entry.value.end
        })
        .min_by_key(|entry| entry.value.len())
}

/// The setting's name and the bytes to replace with the new name: the key itself, or the
/// `name` member of an ARM/Bicep `{ name, value }` app setting.
fn setting_name(document: &Document, holder: &Entry, text: &str) -> Option<(String, Range<usize>)> {
    if holder.name().eq_ignore_ascii_case("value") {
        let mut sibling = holder.path.clone();
        sibling.pop();
        sibling.push("name".to_owned());
        if let Some(name) = document
            .entries
            .iter()
            .find(|entry| entry.path == sibling && entry.kind == ValueKind::String)
        {
            let name_text = name.text(text).to_owned();
            return is_setting_name(&name_text).then(|| (name_text, name.value.clone()));
        }
    }
    let name = holder.name().to_owned();
    if !is_setting_name(&name) {
        return None;
    }
    let key_text = text.get(holder.key.clone())?;
    if key_text == name {
        return Some((name, holder.key.clone()));
    }
    let at = key_text.find(name.as_str())?;
    let start = holder.key.start + at;
    Some((name.clone(), start..start + name.len()))
}

fn is_setting_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.' | b':'))
}

/// True when the new setting already sits beside the old one.
fn already_set(document: &Document, holder: &Entry, new_name: &str) -> bool {
    let parent = &holder.path[..holder.path.len().saturating_sub(1)];
    document.entries.iter().any(|entry| {
        entry.path.len() == holder.path.len()
            && entry.path.starts_with(parent)
            && entry.name().eq_ignore_ascii_case(new_name)
    })
}

/// True for the settings of an Azure Functions app.
fn is_functions_settings(path: &str, text: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.eq_ignore_ascii_case("local.settings.json")
        || [
            "FUNCTIONS_WORKER_RUNTIME",
            "FUNCTIONS_EXTENSION_VERSION",
            "AzureWebJobs",
        ]
        .iter()
        .any(|marker| text.contains(marker))
}
