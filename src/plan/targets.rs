//! Which Azure resource a credential belongs to, read from the text around it: the account or
//! namespace name in a connection string or endpoint, or the resource a template's `listKeys()` /
//! Terraform key attribute refers to. Also the per-service settings that turn key auth off.

use regex::Regex;
use std::sync::LazyLock;

use crate::parse::{Document, Entry, ValueKind};
use crate::service::Service;

/// Endpoint and connection-string patterns that name the target resource, per service. The first
/// capture group is the resource name.
static NAME_PATTERNS: LazyLock<Vec<(Service, Regex)>> = LazyLock::new(|| {
    let table: [(Service, &str); 19] = [
        (Service::Storage, r"(?i)AccountName=([a-z0-9]{3,24})\b"),
        (
            Service::Storage,
            r"(?i)https?://([a-z0-9]{3,24})\.(?:blob|queue|table|file|dfs)\.core\.windows\.net",
        ),
        (
            Service::Servicebus,
            r"(?i)sb://([a-z0-9][a-z0-9-]{1,48})\.servicebus\.windows\.net",
        ),
        (
            Service::Eventhubs,
            r"(?i)sb://([a-z0-9][a-z0-9-]{1,48})\.servicebus\.windows\.net",
        ),
        (
            Service::Cosmos,
            r"(?i)https://([a-z0-9][a-z0-9-]{1,48})\.documents\.azure\.com",
        ),
        (
            Service::Keyvault,
            r"(?i)https://([a-z0-9][a-z0-9-]{1,23})\.vault\.azure\.net",
        ),
        (
            Service::Keyvault,
            r"(?i)VaultName=([a-z0-9][a-z0-9-]{1,23})",
        ),
        (
            Service::Appconfig,
            r"(?i)https://([a-z0-9][a-z0-9-]{1,49})\.azconfig\.io",
        ),
        (
            Service::Signalr,
            r"(?i)https://([a-z0-9][a-z0-9-]{1,62})\.service\.signalr\.net",
        ),
        (
            Service::Webpubsub,
            r"(?i)https://([a-z0-9][a-z0-9-]{1,62})\.webpubsub\.azure\.com",
        ),
        (
            Service::Iothub,
            r"(?i)HostName=([a-z0-9][a-z0-9-]{1,49})\.azure-devices\.net",
        ),
        (
            Service::Openai,
            r"(?i)https://([a-z0-9][a-z0-9-]{1,63})\.(?:openai|cognitiveservices)\.azure\.com",
        ),
        (
            Service::Search,
            r"(?i)https://([a-z0-9][a-z0-9-]{1,59})\.search\.windows\.net",
        ),
        (Service::Acr, r"(?i)\b([a-z0-9]{5,50})\.azurecr\.io"),
        (
            Service::Redis,
            r"(?i)\b([a-z0-9][a-z0-9-]{0,62})\.redis\.cache\.windows\.net",
        ),
        (
            Service::Sql,
            r"(?i)\b([a-z0-9][a-z0-9-]{0,62})\.database\.windows\.net",
        ),
        (
            Service::Postgresql,
            r"(?i)\b([a-z0-9][a-z0-9-]{2,62})\.postgres\.database\.azure\.com",
        ),
        (
            Service::Mysql,
            r"(?i)\b([a-z0-9][a-z0-9-]{2,62})\.mysql\.database\.azure\.com",
        ),
        (
            Service::Eventgrid,
            r"(?i)https://([a-z0-9][a-z0-9-]{2,49})\.[a-z0-9-]+\.eventgrid\.azure\.net",
        ),
    ];
    table
        .into_iter()
        .filter_map(|(service, pattern)| Regex::new(pattern).ok().map(|regex| (service, regex)))
        .collect()
});

static BICEP_LIST_KEYS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\b([A-Za-z_][A-Za-z0-9_]*)\.(?:listKeys|listConnectionStrings|listCredentials)\(|\blistKeys\(\s*(?:'\$\{)?([A-Za-z_][A-Za-z0-9_]*)\.id").ok()
});

static TERRAFORM_REFERENCE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\b(azurerm_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.").ok());

static ARM_LIST_KEYS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"listKeys\(\s*resourceId\(\s*'([^']+)'\s*,\s*(?:'([^']+)'|parameters\('([^']+)'\))")
        .ok()
});

/// The resource name a connection string, endpoint or URL in `text` names for `service`, when
/// exactly one name is found.
pub fn name_in_text(service: Service, text: &str) -> Option<String> {
    let family = |candidate: Service| {
        candidate == service
            || matches!(
                (candidate, service),
                (Service::Servicebus, Service::Eventhubs)
                    | (Service::Eventhubs, Service::Servicebus)
            )
    };
    let mut names: Vec<String> = NAME_PATTERNS
        .iter()
        .filter(|(candidate, _)| family(*candidate))
        .flat_map(|(_, regex)| regex.captures_iter(text))
        .filter_map(|captures| {
            captures
                .get(1)
                .map(|name| name.as_str().to_ascii_lowercase())
        })
        .filter(|name| name != "devstoreaccount1")
        .collect();
    names.sort();
    names.dedup();
    (names.len() == 1).then(|| names.remove(0))
}

/// Every Key Vault a text names (in references or URLs), sorted and deduplicated.
pub fn vaults_in_text(text: &str) -> Vec<String> {
    let mut names: Vec<String> = NAME_PATTERNS
        .iter()
        .filter(|(service, _)| *service == Service::Keyvault)
        .flat_map(|(_, regex)| regex.captures_iter(text))
        .filter_map(|captures| {
            captures
                .get(1)
                .map(|name| name.as_str().to_ascii_lowercase())
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// A resource of a template that a credential belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateResource {
    /// The Bicep symbol, or the Terraform `type.name`, or the ARM name expression (from
    /// [`resource_at`]: without brackets and shortened, never the resource's array index).
    pub symbol: String,
    /// ARM resource type (or Terraform type) of the resource itself, as declared.
    pub type_name: String,
    /// The resource's name when the template spells it (a literal, or a parameter's default).
    pub name: Option<String>,
    /// Path of the resource's body in the document.
    pub path: Vec<String>,
}

/// The resource that a template line's key reference (`x.listKeys()`,
/// `azurerm_x.y.primary_access_key`, `listKeys(resourceId('T', 'n'))`) points at, following a Bicep
/// child's `parent` up to the resource that owns the keys.
pub fn template_reference(document: &Document, text: &str, line: &str) -> Option<TemplateResource> {
    if let Some(captures) = BICEP_LIST_KEYS.as_ref()?.captures(line) {
        let symbol = captures.get(1).or_else(|| captures.get(2))?.as_str();
        return bicep_resource(document, text, symbol, 0);
    }
    if let Some(captures) = TERRAFORM_REFERENCE.as_ref()?.captures(line) {
        let type_name = captures.get(1)?.as_str();
        let name = captures.get(2)?.as_str();
        let path = vec!["resource".to_owned(), type_name.to_owned(), name.to_owned()];
        document
            .resources
            .iter()
            .find(|resource| resource.path == path)?;
        return Some(TemplateResource {
            symbol: format!("{type_name}.{name}"),
            type_name: type_name.to_owned(),
            name: terraform_name(document, text, &path),
            path,
        });
    }
    if let Some(captures) = ARM_LIST_KEYS.as_ref()?.captures(line) {
        let type_name = captures.get(1)?.as_str().to_owned();
        let name = match (captures.get(2), captures.get(3)) {
            (Some(literal), _) => Some(literal.as_str().to_owned()),
            (None, Some(parameter)) => string_at(
                document,
                text,
                &["parameters", parameter.as_str(), "defaultValue"],
            ),
            _ => None,
        };
        return Some(TemplateResource {
            symbol: name.clone().unwrap_or_default(),
            type_name,
            name,
            path: Vec::new(),
        });
    }
    None
}

/// The ARM `listKeys(resourceId('TYPE', NAME, ...))` on a line: the type and the name argument
/// as an ARM expression (`'literal'` or `parameters('x')`).
pub fn arm_list_keys(line: &str) -> Option<(String, String)> {
    let captures = ARM_LIST_KEYS.as_ref()?.captures(line)?;
    let type_name = captures.get(1)?.as_str().to_owned();
    let expression = match (captures.get(2), captures.get(3)) {
        (Some(literal), _) => format!("'{}'", literal.as_str()),
        (None, Some(parameter)) => format!("parameters('{}')", parameter.as_str()),
        _ => return None,
    };
    Some((type_name, expression))
}

fn string_at(document: &Document, text: &str, path: &[&str]) -> Option<String> {
    let entry = document.get(path)?;
    (entry.kind == ValueKind::String).then(|| entry.text(text).to_owned())
}

/// A Bicep resource by symbol, following `parent:` to the resource that owns the keys.
pub fn bicep_resource(
    document: &Document,
    text: &str,
    symbol: &str,
    depth: usize,
) -> Option<TemplateResource> {
    let path = vec!["resources".to_owned(), symbol.to_owned()];
    let resource = document
        .resources
        .iter()
        .find(|resource| resource.path == path)?;
    let segments = resource.type_name.split('/').count();
    if segments > 2 && depth < 4 {
        let parent = document.get(&["resources", symbol, "parent"])?;
        return bicep_resource(document, text, parent.text(text).trim(), depth + 1);
    }
    let name = document
        .get(&["resources", symbol, "name"])
        .and_then(|entry| value_or_parameter_default(document, text, entry, "parameters"));
    Some(TemplateResource {
        symbol: symbol.to_owned(),
        type_name: resource.type_name.clone(),
        name,
        path,
    })
}

fn value_or_parameter_default(
    document: &Document,
    text: &str,
    entry: &Entry,
    parameters: &str,
) -> Option<String> {
    match entry.kind {
        ValueKind::String => Some(entry.text(text).to_owned()),
        ValueKind::Expression => {
            let reference = entry.text(text).trim();
            // Terraform `var.x`, ARM `[parameters('x')]`, Bicep `x`.
            let reference = reference.strip_prefix("var.").unwrap_or(reference);
            let reference = reference
                .strip_prefix("[parameters('")
                .and_then(|rest| rest.strip_suffix("')]"))
                .unwrap_or(reference);
            let is_identifier = !reference.is_empty()
                && reference
                    .chars()
                    .all(|character| character.is_ascii_alphanumeric() || character == '_');
            if !is_identifier {
                return None;
            }
            let default = if parameters == "variable" {
                "default"
            } else {
                "defaultValue"
            };
            string_at(document, text, &[parameters, reference, default])
        }
        _ => None,
    }
}

fn terraform_name(document: &Document, text: &str, path: &[String]) -> Option<String> {
    let entry = document.child(path, "name")?;
    value_or_parameter_default(document, text, entry, "variable")
}

/// Longest name expression shown as a resource's label; longer ones are cut with an ellipsis.
const LABEL_CHARACTERS: usize = 48;

/// A readable label for a template resource whose name the template computes: the Bicep
/// symbolic name, the Terraform `type.label`, or the ARM name expression without its brackets
/// (a `variables('x')` that holds a literal shows the literal), cut to [`LABEL_CHARACTERS`].
/// Never the resource's index in the `resources` array.
fn resource_label(document: &Document, text: &str, path: &[String]) -> String {
    let last = path.last().map_or("", String::as_str);
    let is_index = !last.is_empty() && last.chars().all(|character| character.is_ascii_digit());
    if path.first().map(String::as_str) == Some("resource") {
        return path
            .get(1..)
            .map(|parts| parts.join("."))
            .unwrap_or_default();
    }
    if !is_index {
        return last.to_owned();
    }
    let Some(entry) = document.child(path, "name") else {
        return "(unnamed resource)".to_owned();
    };
    let raw = entry.text(text).trim();
    let expression = raw
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .unwrap_or(raw);
    let variable = expression
        .strip_prefix("variables('")
        .and_then(|rest| rest.strip_suffix("')"))
        .and_then(|variable| string_at(document, text, &["variables", variable]))
        .filter(|value| !value.starts_with('['));
    shorten(variable.as_deref().unwrap_or(expression))
}

/// `text` cut to [`LABEL_CHARACTERS`] characters, an ellipsis marking the cut.
fn shorten(text: &str) -> String {
    if text.chars().count() <= LABEL_CHARACTERS {
        return text.to_owned();
    }
    let kept: String = text.chars().take(LABEL_CHARACTERS - 1).collect();
    format!("{}…", kept.trim_end())
}

/// The resource whose body holds byte `offset`, with its name when the template spells it.
pub fn resource_at(document: &Document, text: &str, offset: usize) -> Option<TemplateResource> {
    let entry = document
        .entries
        .iter()
        .filter(|entry| entry.value.contains(&offset) || entry.key.contains(&offset))
        .max_by_key(|entry| entry.path.len())?;
    let resource = document
        .resources
        .iter()
        .filter(|resource| entry.path.starts_with(&resource.path))
        .max_by_key(|resource| resource.path.len())?;
    let name = if resource.path.first().map(String::as_str) == Some("resource") {
        terraform_name(document, text, &resource.path)
    } else {
        document
            .child(&resource.path, "name")
            .and_then(|entry| value_or_parameter_default(document, text, entry, "parameters"))
    };
    Some(TemplateResource {
        symbol: resource_label(document, text, &resource.path),
        type_name: resource.type_name.clone(),
        name,
        path: resource.path.clone(),
    })
}

/// The setting that turns key auth off on one kind of resource: in ARM/Bicep and in Terraform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyAuthSetting {
    /// The service.
    pub service: Service,
    /// ARM/Bicep property below `properties`.
    pub arm_property: &'static str,
    /// Its value once key auth is off.
    pub arm_off: bool,
    /// Terraform argument of the target's resource type.
    pub terraform_argument: &'static str,
    /// Its value once key auth is off.
    pub terraform_off: bool,
}

/// Per service, the settings the `*-local-auth-enabled` / `*-shared-key-access-enabled` IaC rules
/// check (rules/iac-local-auth.yaml), turned off.
pub const KEY_AUTH: [KeyAuthSetting; 13] = [
    key_auth(
        Service::Storage,
        "allowSharedKeyAccess",
        false,
        "shared_access_key_enabled",
        false,
    ),
    key_auth(
        Service::Servicebus,
        "disableLocalAuth",
        true,
        "local_auth_enabled",
        false,
    ),
    key_auth(
        Service::Eventhubs,
        "disableLocalAuth",
        true,
        "local_authentication_enabled",
        false,
    ),
    // azurerm_cosmosdb_account has no `local_authentication_enabled`: its switch is the inverse.
    key_auth(
        Service::Cosmos,
        "disableLocalAuth",
        true,
        "local_authentication_disabled",
        true,
    ),
    key_auth(
        Service::Eventgrid,
        "disableLocalAuth",
        true,
        "local_auth_enabled",
        false,
    ),
    key_auth(
        Service::Appconfig,
        "disableLocalAuth",
        true,
        "local_auth_enabled",
        false,
    ),
    key_auth(
        Service::Signalr,
        "disableLocalAuth",
        true,
        "local_auth_enabled",
        false,
    ),
    key_auth(
        Service::Webpubsub,
        "disableLocalAuth",
        true,
        "local_auth_enabled",
        false,
    ),
    key_auth(
        Service::Openai,
        "disableLocalAuth",
        true,
        "local_auth_enabled",
        false,
    ),
    key_auth(
        Service::Search,
        "disableLocalAuth",
        true,
        "local_authentication_enabled",
        false,
    ),
    key_auth(
        Service::Acr,
        "adminUserEnabled",
        false,
        "admin_enabled",
        false,
    ),
    key_auth(
        Service::Redis,
        "disableAccessKeyAuthentication",
        true,
        "access_keys_authentication_enabled",
        false,
    ),
    key_auth(
        Service::Iothub,
        "disableLocalAuth",
        true,
        "local_authentication_enabled",
        false,
    ),
];

const fn key_auth(
    service: Service,
    arm_property: &'static str,
    arm_off: bool,
    terraform_argument: &'static str,
    terraform_off: bool,
) -> KeyAuthSetting {
    KeyAuthSetting {
        service,
        arm_property,
        arm_off,
        terraform_argument,
        terraform_off,
    }
}

/// The key-auth setting of a service, if it has one.
pub fn key_auth_of(service: Service) -> Option<&'static KeyAuthSetting> {
    KEY_AUTH.iter().find(|setting| setting.service == service)
}

/// True when `matched` (the text a finding points at) is one of the key-auth settings.
pub fn is_key_auth_setting(matched: &str) -> bool {
    KEY_AUTH.iter().any(|setting| {
        matched.contains(setting.arm_property) || matched.contains(setting.terraform_argument)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_connection_strings_and_endpoints() {
        assert_eq!(
            name_in_text(
                Service::Storage,
                "DefaultEndpointsProtocol=https;AccountName=contosofake;AccountKey=x"
            )
            .as_deref(),
            Some("contosofake")
        );
        assert_eq!(
            name_in_text(
                Service::Eventhubs,
                "Endpoint=sb://contoso-fake.servicebus.windows.net/;SharedAccessKey=x"
            )
            .as_deref(),
            Some("contoso-fake")
        );
        assert_eq!(
            name_in_text(Service::Storage, "AccountName=a1b2c;AccountName=zz9zz"),
            None
        );
        assert_eq!(
            vaults_in_text("@Microsoft.KeyVault(VaultName=kv-one;SecretName=x)"),
            vec!["kv-one".to_owned()]
        );
    }
}
