//! ARM JSON templates: the same rewrites as [`super::template`] for Bicep and Terraform, written
//! as ARM expressions. An app setting fed by `listKeys(resourceId('TYPE', NAME, ...))` becomes
//! its identity-based form, the site gets `"identity": { "type": "SystemAssigned" }`, one
//! `roleAssignments` (or Cosmos DB `sqlRoleAssignments`) resource per role the plan gives it is
//! added to `resources`, and the target's key-auth switch is flipped when nothing in the template
//! uses its keys any more.

use std::collections::BTreeMap;

use super::{AppliedEdit, Edit, Rewrites, Skipped, SwitchProposal, json_escape, line_ending};
use crate::finding::{Finding, Level};
use crate::parse::{self, Document, Entry, Format, ValueKind};
use crate::plan::{self, IdentityKind, Workload, targets};
use crate::remediation::{Knowledge, RoleKind};
use crate::service::Service;
use crate::source::SourceText;

/// A target whose keys a rewritten setting no longer uses.
struct Rewritten {
    service: Service,
    /// ARM type of the target (the key owner: the first two type segments).
    target_type: String,
    /// The target's name as an ARM expression (`'name'` or `parameters('x')`).
    target_name: String,
    /// The target's name as the plan knows it.
    name: String,
    /// The site's name as an ARM expression.
    app_name: String,
    app_path: Vec<String>,
}

/// The name of a resource as an ARM expression: `'literal'` or the bracketed expression's body.
fn name_expression(entry: &Entry, text: &str) -> String {
    let value = entry.text(text);
    match value
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    {
        Some(expression) => expression.to_owned(),
        None => format!("'{}'", value.replace('\'', "''")),
    }
}

/// The [`name_expression`] of the resource whose body is at `path`.
fn resource_name(document: &Document, text: &str, path: &[String]) -> Option<String> {
    document
        .child(path, "name")
        .map(|entry| name_expression(entry, text))
}

/// A literal when the expression is one, else the bracketed template expression.
fn as_value(expression: &str) -> String {
    match expression
        .strip_prefix('\'')
        .and_then(|rest| rest.strip_suffix('\''))
    {
        Some(literal) if !literal.contains('\'') => literal.to_owned(),
        _ => format!("[{expression}]"),
    }
}

fn formatted(pattern: &str, expression: &str) -> String {
    match expression
        .strip_prefix('\'')
        .and_then(|rest| rest.strip_suffix('\''))
    {
        Some(literal) if !literal.contains('\'') => pattern.replace("{0}", literal),
        _ => format!("[format('{pattern}', {expression})]"),
    }
}

/// Where a member can be appended to an object or array entry: after its last child (after the
/// closing quote of a string, whose span excludes its quotes).
fn after_last_child(document: &Document, text: &str, parent: &[String]) -> Option<usize> {
    document
        .entries
        .iter()
        .filter(|entry| entry.path.len() == parent.len() + 1 && entry.path.starts_with(parent))
        .map(|entry| {
            if text.get(entry.value.end..entry.value.end + 1) == Some("\"")
                && text.get(entry.value.start.saturating_sub(1)..entry.value.start) == Some("\"")
            {
                entry.value.end + 1
            } else {
                entry.value.end
            }
        })
        .max()
}

fn indentation_at(text: &str, offset: usize) -> String {
    let line_start = text
        .get(..offset)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |at| at + 1);
    text.get(line_start..)
        .unwrap_or("")
        .chars()
        .take_while(|character| *character == ' ' || *character == '\t')
        .collect()
}

/// The rewrites of one ARM template.
pub(super) fn rewrite(
    path: &str,
    source: &SourceText,
    findings: &[&Finding],
    workload: &Workload,
    knowledge: &Knowledge,
) -> Rewrites {
    let text = source.text();
    let document = parse::parse(Format::Json, text);
    let mut edits = Vec::new();
    let mut applied = Vec::new();
    let mut skipped = Vec::new();
    let mut rewritten: Vec<Rewritten> = Vec::new();
    let mut references: BTreeMap<(String, String), usize> = BTreeMap::new();
    for finding in findings
        .iter()
        .filter(|finding| finding.level >= Level::Warning)
    {
        let line_number = finding.start.line;
        let line = source.line(line_number);
        let Some((reference_type, target_name)) = targets::arm_list_keys(line) else {
            continue;
        };
        let target_type = reference_type
            .split('/')
            .take(2)
            .collect::<Vec<_>>()
            .join("/");
        *references
            .entry((target_type.to_ascii_lowercase(), target_name.clone()))
            .or_default() += 1;
        let mut skip = |reason: &str| {
            skipped.push(Skipped {
                path: path.to_owned(),
                line: line_number,
                reason: reason.to_owned(),
            });
        };
        if workload.identity.kind == IdentityKind::UserAssigned {
            skip("shown only: the plan gives this app a user-assigned identity");
            continue;
        }
        let Some(service) = plan::service_of_type(knowledge, &target_type) else {
            skip("shown only: unknown target resource type");
            continue;
        };
        let offset = finding.byte_range.start;
        let Some(app) = targets::resource_at(&document, text, offset).filter(|resource| {
            resource
                .type_name
                .eq_ignore_ascii_case("Microsoft.Web/sites")
        }) else {
            skip("shown only: the key does not feed a site's app setting");
            continue;
        };
        let Some(app_name) = resource_name(&document, text, &app.path) else {
            continue;
        };
        let Some(setting) = document.setting_name_at(text, offset) else {
            continue;
        };
        let Some(value_entry) = document
            .entries
            .iter()
            .filter(|entry| {
                matches!(entry.kind, ValueKind::String | ValueKind::Expression)
                    && entry.value.contains(&offset)
                    && text.get(entry.value.start.saturating_sub(1)..entry.value.start)
                        == Some("\"")
            })
            .max_by_key(|entry| entry.path.len())
        else {
            continue;
        };
        let Some(name_entry) = super::template::sibling(&document, value_entry, "name") else {
            skip("shown only: the setting's name is computed");
            continue;
        };
        let segments = reference_type.split('/').count();
        let new = match service {
            Service::Storage if setting.eq_ignore_ascii_case("AzureWebJobsStorage") => {
                Some((format!("{setting}__accountName"), as_value(&target_name)))
            }
            Service::Servicebus | Service::Eventhubs if segments <= 3 => Some((
                format!("{setting}__fullyQualifiedNamespace"),
                formatted("{0}.servicebus.windows.net", &target_name),
            )),
            Service::Cosmos => Some((
                format!("{setting}__accountEndpoint"),
                formatted("https://{0}.documents.azure.com:443/", &target_name),
            )),
            _ => None,
        };
        let Some((new_name, new_value)) = new else {
            skip("shown only: the setting may be read by code as a key or connection string");
            continue;
        };
        edits.push(Edit {
            range: name_entry.value.clone(),
            text: json_escape(&new_name),
        });
        edits.push(Edit {
            range: value_entry.value.clone(),
            text: json_escape(&new_value),
        });
        // The plan knows the target by its name: a literal, or the parameter's default.
        let plan_name = targets::template_reference(&document, text, line)
            .and_then(|reference| reference.name)
            .unwrap_or_else(|| as_value(&target_name));
        applied.push(AppliedEdit::identity_setting(
            path,
            line_number,
            format!("{new_name} = {new_value}"),
            "the site",
            workload,
            &plan_name,
        ));
        rewritten.push(Rewritten {
            service,
            target_type,
            target_name,
            name: plan_name,
            app_name,
            app_path: app.path.clone(),
        });
    }
    if rewritten.is_empty() {
        let switches = settled_switches(&document, source, findings, &references, knowledge);
        return Rewrites {
            edits,
            applied,
            skipped,
            switches,
        };
    }
    let newline = line_ending(text);

    // The identity on each site that lost a key.
    let mut apps: Vec<&Vec<String>> = rewritten.iter().map(|item| &item.app_path).collect();
    apps.sort();
    apps.dedup();
    for app_path in apps {
        let mut identity_path: Vec<&str> = app_path.iter().map(String::as_str).collect();
        identity_path.push("identity");
        if document.get(&identity_path).is_some() {
            continue;
        }
        if let Some(at) = after_last_child(&document, text, app_path) {
            let member = document
                .entries
                .iter()
                .filter(|entry| {
                    entry.path.len() == app_path.len() + 1 && entry.path.starts_with(app_path)
                })
                .max_by_key(|entry| entry.value.end);
            let indent = member.map_or_else(String::new, |entry| {
                indentation_at(text, entry.key.start.saturating_sub(1))
            });
            edits.push(Edit {
                range: at..at,
                text: format!(",{newline}{indent}\"identity\": {{ \"type\": \"SystemAssigned\" }}"),
            });
        }
    }

    // Role assignments appended to the top-level resources array.
    let blocks: Vec<String> = super::missing_assignments(
        &rewritten,
        |item| &item.name,
        |item| (item.app_name.clone(), item.target_name.clone()),
        workload,
        knowledge,
        text,
    )
    .into_iter()
    .filter_map(|(item, assignment, role)| {
        assignment_object(item, role.kind, &assignment.role_guid)
    })
    .collect();
    let resources = vec!["resources".to_owned()];
    if !blocks.is_empty()
        && let Some(at) = after_last_child(&document, text, &resources)
    {
        let first = document
            .entries
            .iter()
            .find(|entry| entry.path.len() == 2 && entry.path.starts_with(&resources));
        let indent = first.map_or_else(
            || "    ".to_owned(),
            |entry| indentation_at(text, entry.value.start),
        );
        let mut appended = String::new();
        for block in blocks {
            appended.push(',');
            appended.push_str(newline);
            for (index, line) in block.lines().enumerate() {
                if index > 0 {
                    appended.push_str(newline);
                }
                appended.push_str(&indent);
                appended.push_str(line);
            }
        }
        edits.push(Edit {
            range: at..at,
            text: appended,
        });
    }

    // Key auth off where the template no longer uses the target's keys, if nothing else in the
    // tree does (decided by `super::compute` once every file is rewritten).
    let mut switches: Vec<SwitchProposal> = Vec::new();
    for item in &rewritten {
        let key = (
            item.target_type.to_ascii_lowercase(),
            item.target_name.clone(),
        );
        let used = references.get(&key).copied().unwrap_or(0);
        let done = rewritten
            .iter()
            .filter(|other| {
                other.target_type.eq_ignore_ascii_case(&item.target_type)
                    && other.target_name == item.target_name
            })
            .count();
        let Some(setting) = targets::key_auth_of(item.service) else {
            continue;
        };
        if used != done {
            continue;
        }
        let Some(resource) = document.resources.iter().find(|resource| {
            resource.type_name.eq_ignore_ascii_case(&item.target_type)
                && resource_name(&document, text, &resource.path).as_ref()
                    == Some(&item.target_name)
        }) else {
            continue;
        };
        let found = switch_off(&document, source, &resource.path, setting, &switches);
        if let Some((line, edit)) = found {
            switches.push(SwitchProposal {
                service: item.service,
                name: item.name.clone(),
                symbol: None,
                setting: setting.arm_property,
                off: setting.arm_off,
                line,
                edit,
                standalone: false,
            });
        }
    }
    Rewrites {
        edits,
        applied,
        skipped,
        switches,
    }
}

/// A later run's switches (as in Bicep and Terraform): resources whose key-auth setting is still
/// on although no `listKeys()` of this template reaches them and a role assignment in it names
/// them (its scope or name holds the resource's type and name expression).
/// [`super::compute`] flips them only when nothing in the tree uses the key any more.
fn settled_switches(
    document: &Document,
    source: &SourceText,
    findings: &[&Finding],
    references: &BTreeMap<(String, String), usize>,
    knowledge: &Knowledge,
) -> Vec<SwitchProposal> {
    let text = source.text();
    let mut switches: Vec<SwitchProposal> = Vec::new();
    for finding in findings {
        let Some((resource, service, name, setting)) =
            super::switch_finding(document, text, finding, knowledge)
        else {
            continue;
        };
        let Some(expression) = resource_name(document, text, &resource.path) else {
            continue;
        };
        let key = (resource.type_name.to_ascii_lowercase(), expression.clone());
        if references.contains_key(&key)
            || !grants_role_on(document, text, &resource.type_name, &expression)
        {
            continue;
        }
        if let Some((line, edit)) = switch_off(document, source, &resource.path, setting, &switches)
        {
            switches.push(SwitchProposal {
                service,
                name,
                symbol: None,
                setting: setting.arm_property,
                off: setting.arm_off,
                line,
                edit,
                standalone: true,
            });
        }
    }
    switches
}

/// The edit that turns key auth off on the resource at `path`: its `properties.<setting>` is a
/// boolean still on and no proposal in `switches` edits it yet. With the setting's 1-based line.
fn switch_off(
    document: &Document,
    source: &SourceText,
    path: &[String],
    setting: &targets::KeyAuthSetting,
    switches: &[SwitchProposal],
) -> Option<(usize, Edit)> {
    let mut setting_path: Vec<&str> = path.iter().map(String::as_str).collect();
    setting_path.extend(["properties", setting.arm_property]);
    let entry = document.get(&setting_path)?;
    let still_on = entry.kind == ValueKind::Bool
        && entry.text(source.text()) != setting.arm_off.to_string()
        && !switches
            .iter()
            .any(|switch| switch.edit.range == entry.value);
    still_on.then(|| {
        let edit = Edit {
            range: entry.value.clone(),
            text: setting.arm_off.to_string(),
        };
        (source.position(entry.value.start).line, edit)
    })
}

/// True when a role (or Cosmos DB SQL role) assignment of the template names the resource of
/// `type_name` called `expression` in one of its members (`scope`, `name`): evidence that an
/// identity reaches its data.
fn grants_role_on(document: &Document, text: &str, type_name: &str, expression: &str) -> bool {
    let type_lower = type_name.to_ascii_lowercase();
    document
        .resources
        .iter()
        .filter(|resource| {
            resource
                .type_name
                .to_ascii_lowercase()
                .contains("roleassignments")
        })
        .any(|assignment| {
            document.entries.iter().any(|entry| {
                let value = entry.text(text);
                entry.path.len() == assignment.path.len() + 1
                    && entry.path.starts_with(&assignment.path)
                    && value.contains(expression)
                    && (value.to_ascii_lowercase().contains(&type_lower)
                        || assignment
                            .type_name
                            .to_ascii_lowercase()
                            .starts_with(&type_lower))
            })
        })
}

/// A role assignment resource (pretty JSON, two-space indent, no trailing newline).
fn assignment_object(item: &Rewritten, kind: RoleKind, guid: &str) -> Option<String> {
    let app_id = format!("resourceId('Microsoft.Web/sites', {})", item.app_name);
    let target_id = format!("resourceId('{}', {})", item.target_type, item.target_name);
    let principal = format!("[reference({app_id}, '2023-12-01', 'full').identity.principalId]");
    match kind {
        RoleKind::AzureRbac => Some(format!(
            "{{\n  \"type\": \"Microsoft.Authorization/roleAssignments\",\n  \"apiVersion\": \"2022-04-01\",\n  \"scope\": \"[format('{}/{{0}}', {})]\",\n  \"name\": \"[guid({target_id}, {app_id}, '{guid}')]\",\n  \"dependsOn\": [\"[{app_id}]\"],\n  \"properties\": {{\n    \"roleDefinitionId\": \"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{guid}')]\",\n    \"principalId\": \"{principal}\",\n    \"principalType\": \"ServicePrincipal\"\n  }}\n}}",
            item.target_type, item.target_name
        )),
        RoleKind::CosmosDataPlane => Some(format!(
            "{{\n  \"type\": \"Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments\",\n  \"apiVersion\": \"2024-11-15\",\n  \"name\": \"[format('{{0}}/{{1}}', {}, guid({target_id}, {app_id}, '{guid}'))]\",\n  \"dependsOn\": [\"[{app_id}]\"],\n  \"properties\": {{\n    \"roleDefinitionId\": \"[format('{{0}}/sqlRoleDefinitions/{guid}', {target_id})]\",\n    \"principalId\": \"{principal}\",\n    \"scope\": \"[{target_id}]\"\n  }}\n}}",
            item.target_name
        )),
        RoleKind::RedisAccessPolicy | RoleKind::Database => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_and_parameter_names_become_values() {
        assert_eq!(as_value("'stfake'"), "stfake");
        assert_eq!(as_value("parameters('name')"), "[parameters('name')]");
        assert_eq!(
            formatted("{0}.servicebus.windows.net", "'sb-fake'"),
            "sb-fake.servicebus.windows.net"
        );
        assert_eq!(
            formatted("{0}.servicebus.windows.net", "parameters('ns')"),
            "[format('{0}.servicebus.windows.net', parameters('ns'))]"
        );
    }
}
