//! Bicep and Terraform: app settings fed by `listKeys()` or key attributes become identity-based
//! settings; the app gets a system-assigned identity and one role assignment per role the plan
//! gives it on the target; the target's key-auth switch is flipped when nothing in the template
//! uses its keys any more. Role GUIDs come from rules/roles.yaml through the plan.

use std::collections::BTreeMap;

use super::{AppliedEdit, Edit, Rewrites, Skipped, SwitchProposal, line_ending};
use crate::finding::{Finding, Level};
use crate::parse::{self, Document, Entry, Format, ValueKind};
use crate::plan::{self, IdentityKind, Workload, targets};
use crate::remediation::{Knowledge, RoleKind};
use crate::service::Service;
use crate::source::SourceText;

/// A target resource whose keys a rewritten setting no longer uses.
struct Rewritten {
    service: Service,
    name: String,
    symbol: String,
    path: Vec<String>,
    compute: String,
    compute_path: Vec<String>,
}

/// The rewrites of one Bicep or Terraform file.
pub(super) fn rewrite(
    path: &str,
    format: Format,
    source: &SourceText,
    findings: &[&Finding],
    workload: &Workload,
    knowledge: &Knowledge,
) -> Rewrites {
    let text = source.text();
    let document = parse::parse(format, text);
    let bicep = format == Format::Bicep;
    let mut edits = Vec::new();
    let mut applied = Vec::new();
    let mut skipped = Vec::new();
    let mut rewritten: Vec<Rewritten> = Vec::new();
    let mut references: BTreeMap<String, usize> = BTreeMap::new();
    let credentials: Vec<&&Finding> = findings
        .iter()
        .filter(|finding| finding.level >= Level::Warning)
        .filter(|finding| {
            let matched = text.get(finding.byte_range.clone()).unwrap_or("");
            !targets::is_key_auth_setting(matched)
        })
        .collect();
    for finding in credentials {
        let line_number = finding.start.line;
        let mut skip = |reason: String| {
            skipped.push(Skipped {
                path: path.to_owned(),
                line: line_number,
                reason,
            });
        };
        let line = source.line(line_number);
        let Some(reference) = targets::template_reference(&document, text, line) else {
            skip("shown only: not a key reference to a resource of this template".to_owned());
            continue;
        };
        *references.entry(reference.symbol.clone()).or_default() += 1;
        if workload.identity.kind == IdentityKind::UserAssigned {
            skip("shown only: the plan gives this app a user-assigned identity".to_owned());
            continue;
        }
        let Some(service) = plan::service_of_type(knowledge, &reference.type_name) else {
            skip("shown only: unknown target resource type".to_owned());
            continue;
        };
        let Some(name) = reference.name.clone() else {
            skip("shown only: the target's name is not spelled in the template".to_owned());
            continue;
        };
        let offset = finding.byte_range.start;
        let Some(compute) = targets::resource_at(&document, text, offset).filter(|resource| {
            plan::COMPUTE_TYPES
                .iter()
                .any(|compute| resource.type_name.eq_ignore_ascii_case(compute))
        }) else {
            skip("shown only: the key does not feed an app's setting".to_owned());
            continue;
        };
        let Some(value_entry) = document
            .entries
            .iter()
            .filter(|entry| entry.value.contains(&offset))
            .max_by_key(|entry| entry.path.len())
        else {
            continue;
        };
        let Some(setting) = document.setting_name_at(text, offset) else {
            continue;
        };
        let direct_type_segments = line_reference_segments(&document, line, bicep);
        let target_ref = reference.symbol.clone();
        let compute_ref = if bicep {
            compute.symbol.clone()
        } else {
            compute
                .path
                .get(1..3)
                .map(|parts| parts.join("."))
                .unwrap_or_default()
        };
        let new = match service {
            Service::Storage if !bicep && setting == "storage_account_access_key" => Some((
                "storage_uses_managed_identity".to_owned(),
                "true".to_owned(),
            )),
            Service::Storage if setting.eq_ignore_ascii_case("AzureWebJobsStorage") => Some((
                format!("{setting}__accountName"),
                format!("{target_ref}.name"),
            )),
            Service::Servicebus | Service::Eventhubs if direct_type_segments <= 3 => Some((
                format!("{setting}__fullyQualifiedNamespace"),
                if bicep {
                    format!("'${{{target_ref}.name}}.servicebus.windows.net'")
                } else {
                    format!("\"${{{target_ref}.name}}.servicebus.windows.net\"")
                },
            )),
            Service::Cosmos => Some((
                format!("{setting}__accountEndpoint"),
                if bicep {
                    format!("{target_ref}.properties.documentEndpoint")
                } else {
                    format!("{target_ref}.endpoint")
                },
            )),
            _ => None,
        };
        let Some((new_name, new_value)) = new else {
            skip(format!(
                "shown only: `{setting}` may be read by code as a key or connection string"
            ));
            continue;
        };
        let name_edit = if bicep {
            sibling(&document, value_entry, "name").map(|entry| Edit {
                range: entry.value.clone(),
                text: new_name.clone(),
            })
        } else {
            terraform_key_edit(text, value_entry, &new_name)
        };
        let Some(name_edit) = name_edit else {
            skip("shown only: the setting's name is computed".to_owned());
            continue;
        };
        // A string's span excludes its quotes; the new value is an expression, so they go too.
        let span = value_entry.value.clone();
        let opening = span
            .start
            .checked_sub(1)
            .and_then(|at| text.get(at..span.start));
        let closing = text.get(span.end..span.end + 1);
        let quoted = matches!(opening, Some("'" | "\"")) && opening == closing;
        let value_range = if quoted {
            span.start - 1..span.end + 1
        } else {
            span
        };
        edits.push(name_edit);
        edits.push(Edit {
            range: value_range,
            text: new_value.clone(),
        });
        applied.push(AppliedEdit::identity_setting(
            path,
            line_number,
            format!("{new_name} = {new_value}"),
            &format!("`{compute_ref}`"),
            workload,
            &name,
        ));
        rewritten.push(Rewritten {
            service,
            name,
            symbol: target_ref,
            path: reference.path.clone(),
            compute: compute_ref,
            compute_path: compute.path.clone(),
        });
    }
    if rewritten.is_empty() {
        let switches = settled_switches(&document, source, findings, &references, bicep, knowledge);
        return Rewrites {
            edits,
            applied,
            skipped,
            switches,
        };
    }
    let newline = line_ending(text);

    // The identity block on each app that lost a key.
    let mut apps: Vec<(&str, &Vec<String>)> = rewritten
        .iter()
        .map(|item| (item.compute.as_str(), &item.compute_path))
        .collect();
    apps.sort();
    apps.dedup();
    for (_, compute_path) in &apps {
        let mut identity_path: Vec<&str> = compute_path.iter().map(String::as_str).collect();
        identity_path.push("identity");
        if document.get(&identity_path).is_some() {
            continue;
        }
        let resource_path: Vec<&str> = compute_path.iter().map(String::as_str).collect();
        if let Some(edit) = document
            .get(&resource_path)
            .and_then(|entry| identity_insertion(text, entry, bicep, newline))
        {
            edits.push(edit);
        }
    }

    // Role assignments, once per (app, target, role), skipping ones the file already has.
    let assign = if bicep {
        bicep_assignment
    } else {
        terraform_assignment
    };
    let blocks: Vec<String> = super::missing_assignments(
        &rewritten,
        |item| &item.name,
        |item| (item.compute.clone(), item.symbol.clone()),
        workload,
        knowledge,
        text,
    )
    .into_iter()
    .filter_map(|(item, assignment, role)| {
        assign(
            &item.compute,
            &item.symbol,
            role.kind,
            &role.name,
            &assignment.role_guid,
        )
    })
    .collect();
    if !blocks.is_empty() {
        let mut appended = String::new();
        if !text.ends_with('\n') {
            appended.push_str(newline);
        }
        if !bicep && !text.contains("data \"azurerm_subscription\" \"keyless\"") {
            appended.push_str(newline);
            appended.push_str(
                "# The subscription whose built-in role definitions the assignments below use.",
            );
            appended.push_str(newline);
            appended.push_str("data \"azurerm_subscription\" \"keyless\" {}");
            appended.push_str(newline);
        }
        for block in blocks {
            appended.push_str(newline);
            appended.push_str(&block.replace('\n', newline));
        }
        edits.push(Edit {
            range: text.len()..text.len(),
            text: appended,
        });
    }

    // Key auth off where this template no longer uses the target's keys, if nothing else in the
    // tree does (decided by `super::compute` once every file is rewritten).
    let mut switches: Vec<SwitchProposal> = Vec::new();
    for item in &rewritten {
        if switches
            .iter()
            .any(|switch| switch.symbol.as_ref() == Some(&item.symbol))
        {
            continue;
        }
        let used = references.get(&item.symbol).copied().unwrap_or(0);
        let done = rewritten
            .iter()
            .filter(|other| other.symbol == item.symbol)
            .count();
        if used != done {
            continue;
        }
        if let Some(switch) = switch_proposal(
            &document,
            source,
            item.service,
            &item.name,
            &item.symbol,
            &item.path,
            bicep,
        ) {
            switches.push(switch);
        }
    }
    Rewrites {
        edits,
        applied,
        skipped,
        switches,
    }
}

/// The proposal to turn key auth off on the resource at `path` (`symbol` in the template, `name`
/// in the plan), when the template sets its switch to a literal that keeps key auth on.
fn switch_proposal(
    document: &Document,
    source: &SourceText,
    service: Service,
    name: &str,
    symbol: &str,
    path: &[String],
    bicep: bool,
) -> Option<SwitchProposal> {
    let setting = targets::key_auth_of(service)?;
    let mut setting_path: Vec<&str> = path.iter().map(String::as_str).collect();
    let (setting_name, off) = if bicep {
        setting_path.extend(["properties", setting.arm_property]);
        (setting.arm_property, setting.arm_off)
    } else {
        setting_path.push(setting.terraform_argument);
        (setting.terraform_argument, setting.terraform_off)
    };
    let entry = document.get(&setting_path)?;
    (entry.kind == ValueKind::Bool && entry.text(source.text()) != off.to_string()).then(|| {
        SwitchProposal {
            service,
            name: name.to_owned(),
            symbol: Some(symbol.to_owned()),
            setting: setting_name,
            off,
            line: source.position(entry.value.start).line,
            edit: Edit {
                range: entry.value.clone(),
                text: off.to_string(),
            },
            standalone: false,
        }
    })
}

/// A later run's switches: resources whose key-auth setting is still on although this template no
/// longer reaches them with a key and grants an identity a role on them (what a first run leaves
/// while other code still uses the key). [`super::compute`] flips them only when nothing in the
/// tree uses the key any more.
fn settled_switches(
    document: &Document,
    source: &SourceText,
    findings: &[&Finding],
    references: &BTreeMap<String, usize>,
    bicep: bool,
    knowledge: &Knowledge,
) -> Vec<SwitchProposal> {
    let text = source.text();
    let mut switches: Vec<SwitchProposal> = Vec::new();
    for finding in findings {
        let Some((resource, service, name, _)) =
            super::switch_finding(document, text, finding, knowledge)
        else {
            continue;
        };
        let symbol = if bicep {
            resource.path.get(1).cloned().unwrap_or_default()
        } else {
            resource.symbol.clone()
        };
        let known = switches
            .iter()
            .any(|switch| switch.symbol.as_deref() == Some(symbol.as_str()));
        if known
            || references.contains_key(&symbol)
            || !grants_role_on(document, text, &symbol, bicep)
        {
            continue;
        }
        if let Some(mut switch) = switch_proposal(
            document,
            source,
            service,
            &name,
            &symbol,
            &resource.path,
            bicep,
        ) {
            switch.standalone = true;
            switches.push(switch);
        }
    }
    switches
}

/// True when the template assigns a role on the resource `symbol`: a Bicep role, SQL role or
/// access-policy assignment whose `scope` or `parent` is the resource, or a Terraform one whose
/// arguments name `symbol.id` / `symbol.name`. Evidence that an identity reaches its data.
fn grants_role_on(document: &Document, text: &str, symbol: &str, bicep: bool) -> bool {
    let references: Vec<String> = if bicep {
        vec![symbol.to_owned()]
    } else {
        vec![format!("{symbol}.id"), format!("{symbol}.name")]
    };
    document
        .resources
        .iter()
        .filter(|resource| {
            let lower = resource.type_name.to_ascii_lowercase();
            [
                "roleassignments",
                "role_assignment",
                "accesspolicyassignments",
                "access_policy_assignment",
            ]
            .iter()
            .any(|kind| lower.contains(kind))
        })
        .any(|assignment| {
            document.entries.iter().any(|entry| {
                entry.path.len() == assignment.path.len() + 1
                    && entry.path.starts_with(&assignment.path)
                    && references
                        .iter()
                        .any(|reference| entry.text(text).trim() == reference)
            })
        })
}

/// How many segments the type of the resource named on the line has (2 for a namespace, 3 for a
/// namespace rule, 4 for an entity's rule, whose connection string names the entity).
fn line_reference_segments(document: &Document, line: &str, bicep: bool) -> usize {
    let lower = line.to_ascii_lowercase();
    if ["/queues/", "/topics/", "/eventhubs/"]
        .iter()
        .any(|entity| lower.contains(entity))
    {
        return 4;
    }
    if !bicep {
        return if line.contains("_queue_")
            || line.contains("_topic_")
            || line.contains("eventhub_authorization")
        {
            4
        } else {
            2
        };
    }
    let symbol = line
        .split(".listKeys(")
        .next()
        .and_then(|before| {
            before
                .rsplit(|character: char| !(character.is_ascii_alphanumeric() || character == '_'))
                .next()
        })
        .unwrap_or("");
    document
        .resources
        .iter()
        .find(|resource| resource.path.get(1).map(String::as_str) == Some(symbol))
        .map_or(2, |resource| resource.type_name.split('/').count())
}

pub(super) fn sibling<'d>(document: &'d Document, entry: &Entry, name: &str) -> Option<&'d Entry> {
    let parent = entry.path.get(..entry.path.len().saturating_sub(1))?;
    let mut path: Vec<&str> = parent.iter().map(String::as_str).collect();
    path.push(name);
    document.get(&path)
}

/// Renames a Terraform argument or map key, keeping the `=` column where the new name fits.
fn terraform_key_edit(text: &str, entry: &Entry, new_name: &str) -> Option<Edit> {
    let key = entry.key.clone();
    if key.is_empty() {
        return None;
    }
    let quoted = text.get(key.start.saturating_sub(1)..key.start) == Some("\"");
    let start = if quoted { key.start - 1 } else { key.start };
    let after_key = if quoted { key.end + 1 } else { key.end };
    let gap = text.get(after_key..entry.value.start)?;
    let equals = gap.find('=')?;
    let width = after_key - start + equals;
    let padded = if new_name.len() < width {
        format!("{new_name:width$}")
    } else {
        format!("{new_name} ")
    };
    Some(Edit {
        range: start..after_key + equals,
        text: padded,
    })
}

/// `identity { type = SystemAssigned }` inserted before the resource's closing brace.
fn identity_insertion(text: &str, entry: &Entry, bicep: bool, newline: &str) -> Option<Edit> {
    let close = entry.value.end.checked_sub(1)?;
    if text.get(close..entry.value.end) != Some("}") {
        return None;
    }
    let line_start = text.get(..close)?.rfind('\n').map_or(0, |at| at + 1);
    let closing_indent = text.get(line_start..close)?;
    if !closing_indent.trim().is_empty() {
        return None;
    }
    let indent = format!("{closing_indent}  ");
    let block = if bicep {
        format!(
            "{indent}identity: {{{newline}{indent}  type: 'SystemAssigned'{newline}{indent}}}{newline}"
        )
    } else {
        format!(
            "{newline}{indent}identity {{{newline}{indent}  type = \"SystemAssigned\"{newline}{indent}}}{newline}"
        )
    };
    Some(Edit {
        range: line_start..line_start,
        text: block,
    })
}

/// A symbol-safe PascalCase form of a role name.
fn pascal(text: &str) -> String {
    text.split(|character: char| !character.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn snake(text: &str) -> String {
    text.split(|character: char| !character.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

fn bicep_assignment(
    app: &str,
    target: &str,
    kind: RoleKind,
    name: &str,
    guid: &str,
) -> Option<String> {
    let symbol = format!("{app}{}{}", pascal(name), pascal(target));
    match kind {
        RoleKind::AzureRbac => Some(format!(
            "// {name} for `{app}`'s identity on `{target}` (added by keyless fix instead of its keys)\n\
             resource {symbol} 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{\n  name: guid({target}.id, {app}.id, '{guid}')\n  scope: {target}\n  properties: {{\n    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{guid}')\n    principalId: {app}.identity.principalId\n    principalType: 'ServicePrincipal'\n  }}\n}}\n"
        )),
        RoleKind::CosmosDataPlane => Some(format!(
            "// {name} (Cosmos DB data plane) for `{app}`'s identity on `{target}` (added by keyless fix)\n\
             resource {symbol} 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = {{\n  parent: {target}\n  name: guid({target}.id, {app}.id, '{guid}')\n  properties: {{\n    roleDefinitionId: '${{{target}.id}}/sqlRoleDefinitions/{guid}'\n    principalId: {app}.identity.principalId\n    scope: {target}.id\n  }}\n}}\n"
        )),
        RoleKind::RedisAccessPolicy | RoleKind::Database => None,
    }
}

fn terraform_assignment(
    app: &str,
    target: &str,
    kind: RoleKind,
    name: &str,
    guid: &str,
) -> Option<String> {
    let app_name = app.rsplit('.').next().unwrap_or(app);
    let target_name = target.rsplit('.').next().unwrap_or(target);
    let label = format!("{}_{}_{}", snake(app_name), snake(name), snake(target_name));
    let principal = format!("{app}.identity[0].principal_id");
    match kind {
        RoleKind::AzureRbac => Some(format!(
            "# {name} for {app_name}'s identity on {target_name} (added by keyless fix instead of its keys)\n\
             resource \"azurerm_role_assignment\" \"{label}\" {{\n  scope              = {target}.id\n  role_definition_id = \"${{data.azurerm_subscription.keyless.id}}/providers/Microsoft.Authorization/roleDefinitions/{guid}\"\n  principal_id       = {principal}\n  principal_type     = \"ServicePrincipal\"\n}}\n"
        )),
        RoleKind::CosmosDataPlane => Some(format!(
            "# {name} (Cosmos DB data plane) for {app_name}'s identity on {target_name} (added by keyless fix)\n\
             resource \"azurerm_cosmosdb_sql_role_assignment\" \"{label}\" {{\n  resource_group_name = {target}.resource_group_name\n  account_name        = {target}.name\n  role_definition_id  = \"${{{target}.id}}/sqlRoleDefinitions/{guid}\"\n  principal_id        = {principal}\n  scope               = {target}.id\n}}\n"
        )),
        RoleKind::RedisAccessPolicy | RoleKind::Database => None,
    }
}
