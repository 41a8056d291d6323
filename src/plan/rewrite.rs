//! The rewrite primitives that the plan shows and `keyless fix` applies: config settings to their
//! identity-based forms (the mechanical part of the remediation data's `settings`,
//! rules/remediation.yaml, computed from the setting's name and the names in its connection
//! string; never the key, only account, namespace and endpoint names), and [`AppliedEdit`], the
//! record of one change the fix made, which the plan marks.
//!
//! Below both: the plan reads these, `crate::fix` builds on them, and nothing here imports the fix.

use super::targets;
use crate::service::Service;

/// One change `keyless fix` makes, located by the finding it resolves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedEdit {
    /// File relative to the root.
    pub path: String,
    /// 1-based line of the finding.
    pub line: usize,
    /// The new text, in words (`AzureWebJobsStorage__accountName = contosofake`).
    pub after: String,
    /// What else it did or needs.
    pub note: String,
}

impl AppliedEdit {
    /// An app setting now read through `who`'s system-assigned identity, which gets the roles
    /// that `workload`'s plan assigns on the target called `target`.
    pub(crate) fn identity_setting(
        path: &str,
        line: usize,
        after: String,
        who: &str,
        workload: &super::Workload,
        target: &str,
    ) -> Self {
        let roles: Vec<&str> = workload
            .role_assignments
            .iter()
            .filter(|assignment| assignment.scope.name == target)
            .map(|assignment| assignment.role.as_str())
            .collect();
        let roles = if roles.is_empty() {
            "no role (none needed)".to_owned()
        } else {
            roles.join(" and ")
        };
        Self {
            path: path.to_owned(),
            line,
            after,
            note: format!("{who} gets a system-assigned identity and {roles} on `{target}`"),
        }
    }
}

/// A setting rewritten to its identity-based form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// The settings that replace the original one: `(name, value)`.
    pub settings: Vec<(String, String)>,
    /// True when the rewrite is mechanical and safe on its own (nothing else must change for
    /// the app to keep working once its identity has the roles). Unsafe ones are only shown.
    pub safe: bool,
    /// What else to know or do.
    pub note: String,
}

impl Rewrite {
    /// The new settings as `NAME = value`, joined with `; `.
    pub fn describe(&self) -> String {
        self.settings
            .iter()
            .map(|(name, value)| format!("{name} = {value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The identity-based replacement of a config setting `key` whose value is a connection string
/// of `service`, or `None` when keyless knows none.
///
/// * `AzureWebJobsStorage` -> `AzureWebJobsStorage__accountName = <account>` (safe with the
///   public cloud's default endpoints);
/// * a Service Bus / Event Hubs connection -> `<key>__fullyQualifiedNamespace =
///   <ns>.servicebus.windows.net` (not safe when the string has an `EntityPath`: the trigger
///   must then name the entity itself);
/// * a Cosmos DB connection -> `<key>__accountEndpoint = https://<account>.documents.azure.com:443/`;
/// * another storage connection -> `<key>__blobServiceUri` + `<key>__queueServiceUri` (shown
///   only: which services the trigger uses is not known);
/// * `WEBSITE_CONTENTAZUREFILECONNECTIONSTRING` (no identity can replace it) -> a Key Vault
///   reference; shown only here, [`key_vault_reference`] makes it concrete once the vault is
///   known.
///
/// This is the function an editor integration (the LSP's code action) should call for a
/// setting under the cursor: it needs no file system and no scan.
pub fn config_setting_rewrite(key: &str, value: &str, service: Service) -> Option<Rewrite> {
    if key.contains("__") || value.trim_start().starts_with("@Microsoft.KeyVault") {
        return None;
    }
    let upper = key.to_ascii_uppercase();
    if upper == "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING" {
        return Some(key_vault_reference(key, None));
    }
    let lower_value = value.to_ascii_lowercase();
    let custom_endpoints = lower_value.contains("blobendpoint=")
        || lower_value.contains("queueendpoint=")
        || (lower_value.contains("endpointsuffix=")
            && !lower_value.contains("endpointsuffix=core.windows.net"));
    match service {
        Service::Storage | Service::Functions if lower_value.contains("accountname=") => {
            let account = targets::name_in_text(Service::Storage, value)?;
            if upper == "AZUREWEBJOBSSTORAGE" {
                Some(Rewrite {
                    settings: vec![(format!("{key}__accountName"), account)],
                    safe: !custom_endpoints,
                    note: if custom_endpoints {
                        "custom endpoints: use AzureWebJobsStorage__blobServiceUri, __queueServiceUri \
                         and __tableServiceUri instead"
                            .to_owned()
                    } else {
                        "the function app's identity needs Storage Blob Data Owner and Storage Queue \
                         Data Contributor on the account"
                            .to_owned()
                    },
                })
            } else {
                Some(Rewrite {
                    settings: vec![
                        (
                            format!("{key}__blobServiceUri"),
                            format!("https://{account}.blob.core.windows.net"),
                        ),
                        (
                            format!("{key}__queueServiceUri"),
                            format!("https://{account}.queue.core.windows.net"),
                        ),
                    ],
                    safe: false,
                    note: "which storage services the trigger or code uses is not known: keep the \
                           service URIs it needs"
                        .to_owned(),
                })
            }
        }
        Service::Servicebus | Service::Eventhubs if lower_value.contains("endpoint=sb://") => {
            let namespace = targets::name_in_text(service, value)?;
            let entity = lower_value.contains("entitypath=");
            // The endpoint's own host keeps a sovereign cloud's suffix.
            let host = endpoint_host(value)
                .unwrap_or_else(|| format!("{namespace}.servicebus.windows.net"));
            Some(Rewrite {
                settings: vec![(format!("{key}__fullyQualifiedNamespace"), host)],
                safe: !entity,
                note: if entity {
                    "the connection string names an entity (EntityPath): the trigger must name the \
                     queue, topic or event hub itself before the rewrite"
                        .to_owned()
                } else {
                    "a Functions trigger connection; code that reads this setting as a connection \
                     string must change too"
                        .to_owned()
                },
            })
        }
        Service::Cosmos if lower_value.contains("accountendpoint=") => {
            let account = targets::name_in_text(Service::Cosmos, value)?;
            Some(Rewrite {
                settings: vec![(
                    format!("{key}__accountEndpoint"),
                    format!("https://{account}.documents.azure.com:443/"),
                )],
                safe: true,
                note:
                    "a Functions trigger connection; code that reads this setting as a connection \
                       string must change too"
                        .to_owned(),
            })
        }
        _ => None,
    }
}

/// The host of a messaging connection string's `Endpoint=sb://<host>/`, lowercased, when it is a
/// plain namespace host.
fn endpoint_host(value: &str) -> Option<String> {
    let endpoint = value.split(';').find_map(|part| {
        let (name, endpoint) = part.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("endpoint")
            .then_some(endpoint.trim())
    })?;
    let host = endpoint
        .strip_prefix("sb://")
        .or_else(|| endpoint.strip_prefix("https://"))?
        .trim_end_matches('/');
    let plain = host.contains(".servicebus.")
        && host
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.'));
    plain.then(|| host.to_ascii_lowercase())
}

/// A Key Vault reference for a secret that no identity can replace: `@Microsoft.KeyVault(
/// VaultName=<vault>;SecretName=<key in kebab-case>)`. Safe only when the vault is known (the
/// workload already references it); the secret itself must be stored there first.
pub fn key_vault_reference(key: &str, vault: Option<&str>) -> Rewrite {
    let secret: String = key
        .chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() {
                character.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let secret = secret.trim_matches('-').to_owned();
    Rewrite {
        settings: vec![(
            key.to_owned(),
            format!(
                "@Microsoft.KeyVault(VaultName={};SecretName={secret})",
                vault.unwrap_or("<vault-name>")
            ),
        )],
        safe: vault.is_some(),
        note: format!(
            "no identity replaces this key: store it in Key Vault as secret `{secret}`, give the \
             app's identity Key Vault Secrets User on the vault, set \
             WEBSITE_SKIP_CONTENTSHARE_VALIDATION=1 in Azure, and rotate the key"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_storage_becomes_account_name() {
        let rewrite = config_setting_rewrite(
            "AzureWebJobsStorage",
            "DefaultEndpointsProtocol=https;AccountName=contosofake;AccountKey=abc==;EndpointSuffix=core.windows.net",
            Service::Storage,
        );
        let rewrite = rewrite.unwrap_or_else(|| panic!("no rewrite"));
        assert!(rewrite.safe);
        assert_eq!(
            rewrite.settings,
            vec![(
                "AzureWebJobsStorage__accountName".to_owned(),
                "contosofake".to_owned()
            )]
        );
    }

    #[test]
    fn entity_path_makes_a_namespace_rewrite_unsafe() {
        let value = "Endpoint=sb://contoso-fake.servicebus.windows.net/;SharedAccessKeyName=x;SharedAccessKey=abc=;EntityPath=orders";
        let rewrite = config_setting_rewrite("Conn", value, Service::Eventhubs)
            .unwrap_or_else(|| panic!("no rewrite"));
        assert!(!rewrite.safe);
        assert_eq!(
            rewrite.describe(),
            "Conn__fullyQualifiedNamespace = contoso-fake.servicebus.windows.net"
        );
        assert!(
            config_setting_rewrite("Conn__fullyQualifiedNamespace", value, Service::Servicebus)
                .is_none()
        );
    }

    #[test]
    fn content_share_becomes_a_key_vault_reference() {
        let rewrite = key_vault_reference("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", Some("kv-x"));
        assert!(rewrite.safe);
        assert_eq!(
            rewrite.settings[0].1,
            "@Microsoft.KeyVault(VaultName=kv-x;SecretName=website-contentazurefileconnectionstring)"
        );
    }
}
