//! Remediation in the template's own language: the identity block on the workload and the role
//! assignments to add, as Bicep, ARM JSON or Terraform, generated from the remediation data (the
//! advice's roles, the target service's resource types, the host's workload type), never
//! written per rule.
//!
//! Each snippet is a complete, parseable file fragment: `app` stands for the workload that used
//! the key (the host's resource: a web app, a function app, a container app, a VM) and `target`
//! for the resource whose key it used. Every role assignment is scoped to a target resource,
//! never to the app.

use super::{Knowledge, Role, RoleKind, TemplateTarget, WorkloadHost};
use crate::service::Service;

/// The template language a snippet is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateLanguage {
    /// Bicep.
    Bicep,
    /// ARM JSON.
    Arm,
    /// Terraform (azurerm).
    Terraform,
}

impl TemplateLanguage {
    /// The template language of a file, by its name (`.json` counts as ARM only for template
    /// files the caller already knows are templates).
    pub fn of_path(path: &str) -> Option<Self> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".bicep") || lower.ends_with(".bicepparam") {
            Some(Self::Bicep)
        } else if lower.ends_with(".tf") || lower.ends_with(".tfvars") {
            Some(Self::Terraform)
        } else if lower.ends_with(".json") || lower.ends_with(".jsonc") {
            Some(Self::Arm)
        } else {
            None
        }
    }

    /// The name used in output (`bicep`, `arm`, `terraform`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bicep => "bicep",
            Self::Arm => "arm",
            Self::Terraform => "terraform",
        }
    }
}

/// The resource that carries the identity in a snippet.
#[derive(Debug, Clone, Copy)]
pub struct Workload<'a> {
    /// ARM type (`Microsoft.Web/sites`).
    pub arm_type: &'a str,
    /// ARM `kind`, when the type is shared (`functionapp`).
    pub arm_kind: Option<&'a str>,
    /// API version of the ARM type.
    pub api_version: &'a str,
    /// Terraform type (`azurerm_linux_function_app`).
    pub terraform_type: &'a str,
}

/// A web app: the workload of snippets whose host is not known.
pub const DEFAULT_WORKLOAD: Workload<'static> = Workload {
    arm_type: "Microsoft.Web/sites",
    arm_kind: None,
    api_version: "2023-12-01",
    terraform_type: "azurerm_linux_web_app",
};

impl<'a> Workload<'a> {
    /// The workload resource of a host, when templates can declare one.
    pub fn of_host(host: &'a WorkloadHost) -> Option<Self> {
        Some(Self {
            arm_type: host.arm_type.as_deref()?,
            arm_kind: host.arm_kind.as_deref(),
            api_version: host.api_version.as_deref()?,
            terraform_type: host.terraform_type.as_deref()?,
        })
    }
}

/// One role to grant, on the resource of one target.
#[derive(Debug, Clone, Copy)]
pub struct Grant<'a> {
    /// The role.
    pub role: &'a Role,
    /// The resource it is granted on.
    pub target: &'a TemplateTarget,
}

/// What a snippet holds: the workload, the roles granted (each on its target), the roles only
/// named (granted when their condition holds) and the main target.
#[derive(Debug, Clone)]
pub struct SnippetSpec<'a> {
    /// The resource that carries the identity.
    pub workload: Workload<'a>,
    /// The resource whose key was used.
    pub target: &'a TemplateTarget,
    /// Roles to grant together.
    pub grants: Vec<Grant<'a>>,
    /// Roles to grant only when their condition holds: named in a comment.
    pub conditional: Vec<(&'a Role, &'a str)>,
}

/// The snippet for `service` with `role` (the narrowest role the finding needs) on a web app,
/// or `None` when the service has no template target.
pub fn snippet(
    language: TemplateLanguage,
    knowledge: &Knowledge,
    service: Service,
    role: Option<&Role>,
) -> Option<String> {
    let target = knowledge.template_target(service)?;
    Some(render(
        language,
        &SnippetSpec {
            workload: DEFAULT_WORKLOAD,
            target,
            grants: role
                .map(|role| Grant { role, target })
                .into_iter()
                .collect(),
            conditional: Vec::new(),
        },
    ))
}

/// Writes `spec` in `language`.
pub fn render(language: TemplateLanguage, spec: &SnippetSpec<'_>) -> String {
    match language {
        TemplateLanguage::Bicep => bicep(spec),
        TemplateLanguage::Arm => arm(spec),
        TemplateLanguage::Terraform => terraform(spec),
    }
}

fn guid_of(role: &Role) -> &str {
    role.guid.as_deref().unwrap_or(&role.name)
}

/// The distinct targets of a snippet, the main one first, each with its Bicep symbol and ARM
/// parameter name (`target`/`targetName`, then `<service>Target`/`<service>Name`).
fn targets<'a>(spec: &SnippetSpec<'a>) -> Vec<(&'a TemplateTarget, String, String)> {
    let mut found = vec![(spec.target, "target".to_owned(), "targetName".to_owned())];
    for grant in &spec.grants {
        if !found
            .iter()
            .any(|(target, ..)| target.arm_type == grant.target.arm_type)
        {
            let service = grant.target.service.as_str();
            found.push((
                grant.target,
                format!("{service}Target"),
                format!("{service}Name"),
            ));
        }
    }
    found
}

fn symbol_of<'s>(
    targets: &'s [(&TemplateTarget, String, String)],
    target: &TemplateTarget,
) -> (&'s str, &'s str) {
    targets
        .iter()
        .find(|(known, ..)| known.arm_type == target.arm_type)
        .map_or(("target", "targetName"), |(_, symbol, parameter)| {
            (symbol.as_str(), parameter.as_str())
        })
}

/// The name of an assignment: `base` when the snippet grants one role, else the role's id in
/// the language's style (`storageBlobDataOwner`, `storage_blob_data_owner`).
fn assignment_name(base: &str, spec: &SnippetSpec<'_>, role: &Role, style: NameStyle) -> String {
    if spec.grants.len() <= 1 {
        return base.to_owned();
    }
    let mut name = String::new();
    for (index, word) in role.id.split('-').enumerate() {
        match style {
            NameStyle::Camel if index > 0 => {
                let mut characters = word.chars();
                if let Some(first) = characters.next() {
                    name.extend(first.to_uppercase());
                    name.push_str(characters.as_str());
                }
            }
            NameStyle::Snake if index > 0 => {
                name.push('_');
                name.push_str(word);
            }
            _ => name.push_str(word),
        }
    }
    name
}

/// How a language names resources.
#[derive(Clone, Copy)]
enum NameStyle {
    /// Bicep symbols.
    Camel,
    /// Terraform labels.
    Snake,
}

fn conditional_comment(spec: &SnippetSpec<'_>, comment: &str) -> String {
    spec.conditional
        .iter()
        .map(|(role, when)| {
            format!(
                "{comment} Also grant {} ({}) the same way\n{comment} when {when}.\n",
                role.name,
                guid_of(role)
            )
        })
        .collect()
}

fn bicep(spec: &SnippetSpec<'_>) -> String {
    let targets = targets(spec);
    let mut text = String::from(
        "// `app` used a key of `target`; give it an identity and a data role on `target` instead.\n",
    );
    for (target, symbol, _) in &targets {
        text.push_str(&format!(
            "resource {symbol} '{arm}@{api}' existing = {{\n  name: '<{service}-name>'\n}}\n\n",
            arm = target.arm_type,
            api = target.api_version,
            service = if *symbol == "target" {
                "target"
            } else {
                target.service.as_str()
            },
        ));
    }
    let kind = spec
        .workload
        .arm_kind
        .map(|kind| format!("  kind: '{kind}'\n"))
        .unwrap_or_default();
    text.push_str(&format!(
        "resource app '{arm}@{api}' = {{\n  name: '<app-name>'\n  location: resourceGroup().location\n{kind}  // An identity the app already has (system- or user-assigned) is kept: grant the roles to it.\n  identity: {{\n    type: 'SystemAssigned'\n  }}\n  // ...the app's other properties, with identity-based settings instead of keys\n}}\n",
        arm = spec.workload.arm_type,
        api = spec.workload.api_version,
    ));
    for grant in &spec.grants {
        let role = grant.role;
        let guid = guid_of(role);
        let (target, _) = symbol_of(&targets, grant.target);
        let assignment = match role.kind {
            RoleKind::AzureRbac => format!(
                "\n// {name}: {grants}\n\
                 resource {symbol} 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{\n  name: guid({target}.id, app.id, '{guid}')\n  scope: {target}\n  properties: {{\n    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{guid}')\n    principalId: app.identity.principalId\n    principalType: 'ServicePrincipal'\n  }}\n}}\n",
                symbol = assignment_name("appRoleAssignment", spec, role, NameStyle::Camel),
                name = role.name,
                grants = role.grants,
            ),
            RoleKind::CosmosDataPlane => format!(
                "\n// {name} (Cosmos DB data plane): {grants}\n\
                 resource {symbol} 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = {{\n  parent: {target}\n  name: guid({target}.id, app.id, '{guid}')\n  properties: {{\n    roleDefinitionId: '${{{target}.id}}/sqlRoleDefinitions/{guid}'\n    principalId: app.identity.principalId\n    scope: {target}.id\n  }}\n}}\n",
                symbol = assignment_name("appRoleAssignment", spec, role, NameStyle::Camel),
                name = role.name,
                grants = role.grants,
            ),
            RoleKind::RedisAccessPolicy => format!(
                "\n// Access policy {name}: {grants}\n\
                 resource {symbol} 'Microsoft.Cache/redis/accessPolicyAssignments@2024-11-01' = {{\n  parent: {target}\n  name: 'app'\n  properties: {{\n    accessPolicyName: '{name}'\n    objectId: app.identity.principalId\n    objectIdAlias: 'app'\n  }}\n}}\n",
                symbol = assignment_name("appAccessPolicy", spec, role, NameStyle::Camel),
                name = role.name,
                grants = role.grants,
            ),
            RoleKind::Database => format!(
                "\n// In the database, as the Microsoft Entra admin: CREATE USER [<app-name>] FROM EXTERNAL PROVIDER;\n\
                 // then grant {name} ({grants}). Make an Entra group the server's administrator:\n\
                 resource {symbol} '{arm}/administrators@{api}' = {{\n  parent: {target}\n  name: 'ActiveDirectory'\n  properties: {{\n    administratorType: 'ActiveDirectory'\n    login: '<entra-admin-group>'\n    sid: '<entra-admin-group-object-id>'\n    tenantId: subscription().tenantId\n  }}\n}}\n",
                symbol = assignment_name("entraAdmin", spec, role, NameStyle::Camel),
                name = role.name,
                grants = role.grants,
                arm = grant.target.arm_type,
                api = grant.target.api_version,
            ),
        };
        text.push_str(&assignment);
    }
    text.push_str(&conditional_comment(spec, "//"));
    text
}

fn arm(spec: &SnippetSpec<'_>) -> String {
    let targets = targets(spec);
    let workload = spec.workload;
    let kind = workload
        .arm_kind
        .map(|kind| format!("      \"kind\": \"{kind}\",\n"))
        .unwrap_or_default();
    let identity = format!(
        "    {{\n      \"type\": \"{arm}\",\n      \"apiVersion\": \"{api}\",\n      \"name\": \"[parameters('appName')]\",\n      \"location\": \"[resourceGroup().location]\",\n{kind}      \"identity\": {{ \"type\": \"SystemAssigned\" }},\n      \"properties\": {{}}\n    }}",
        arm = workload.arm_type,
        api = workload.api_version,
    );
    let app_id = format!("resourceId('{}', parameters('appName'))", workload.arm_type);
    let principal = format!(
        "[reference({app_id}, '{}', 'full').identity.principalId]",
        workload.api_version
    );
    let mut assignments = String::new();
    for grant in &spec.grants {
        let role = grant.role;
        let guid = guid_of(role);
        let (_, parameter) = symbol_of(&targets, grant.target);
        let arm = &grant.target.arm_type;
        let target_id = format!("resourceId('{arm}', parameters('{parameter}'))");
        let assignment = match role.kind {
            RoleKind::AzureRbac => format!(
                ",\n    {{\n      \"type\": \"Microsoft.Authorization/roleAssignments\",\n      \"apiVersion\": \"2022-04-01\",\n      \"scope\": \"[format('{arm}/{{0}}', parameters('{parameter}'))]\",\n      \"name\": \"[guid({target_id}, {app_id}, '{guid}')]\",\n      \"dependsOn\": [\"[{app_id}]\"],\n      \"properties\": {{\n        \"roleDefinitionId\": \"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{guid}')]\",\n        \"principalId\": \"{principal}\",\n        \"principalType\": \"ServicePrincipal\"\n      }}\n    }}",
            ),
            RoleKind::CosmosDataPlane => format!(
                ",\n    {{\n      \"type\": \"Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments\",\n      \"apiVersion\": \"2024-11-15\",\n      \"name\": \"[format('{{0}}/{{1}}', parameters('{parameter}'), guid(parameters('{parameter}'), parameters('appName'), '{guid}'))]\",\n      \"properties\": {{\n        \"roleDefinitionId\": \"[format('{{0}}/sqlRoleDefinitions/{guid}', {target_id})]\",\n        \"principalId\": \"{principal}\",\n        \"scope\": \"[{target_id}]\"\n      }}\n    }}",
            ),
            RoleKind::RedisAccessPolicy => format!(
                ",\n    {{\n      \"type\": \"Microsoft.Cache/redis/accessPolicyAssignments\",\n      \"apiVersion\": \"2024-11-01\",\n      \"name\": \"[format('{{0}}/app', parameters('{parameter}'))]\",\n      \"properties\": {{\n        \"accessPolicyName\": \"{name}\",\n        \"objectId\": \"{principal}\",\n        \"objectIdAlias\": \"app\"\n      }}\n    }}",
                name = role.name,
            ),
            RoleKind::Database => format!(
                ",\n    {{\n      \"type\": \"{arm}/administrators\",\n      \"apiVersion\": \"{api}\",\n      \"name\": \"[format('{{0}}/ActiveDirectory', parameters('{parameter}'))]\",\n      \"properties\": {{\n        \"administratorType\": \"ActiveDirectory\",\n        \"login\": \"<entra-admin-group>\",\n        \"sid\": \"<entra-admin-group-object-id>\",\n        \"tenantId\": \"[subscription().tenantId]\"\n      }}\n    }}",
                api = grant.target.api_version,
            ),
        };
        assignments.push_str(&assignment);
    }
    let parameters: String = targets
        .iter()
        .map(|(_, _, parameter)| format!(",\n    \"{parameter}\": {{ \"type\": \"string\" }}"))
        .collect();
    // JSON has no comments: a conditional role is named in the template's metadata.
    let metadata = if spec.conditional.is_empty() {
        String::new()
    } else {
        let notes: Vec<String> = spec
            .conditional
            .iter()
            .map(|(role, when)| {
                format!(
                    "Also grant {} ({}) the same way when {}.",
                    role.name,
                    guid_of(role),
                    when.replace('"', "'")
                )
            })
            .collect();
        format!(
            "  \"metadata\": {{ \"comments\": \"{}\" }},\n",
            notes.join(" ")
        )
    };
    format!(
        "{{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n  \"contentVersion\": \"1.0.0.0\",\n{metadata}  \"parameters\": {{\n    \"appName\": {{ \"type\": \"string\" }}{parameters}\n  }},\n  \"resources\": [\n{identity}{assignments}\n  ]\n}}\n",
    )
}

fn terraform(spec: &SnippetSpec<'_>) -> String {
    let workload = spec.workload.terraform_type;
    let mut text = format!(
        "# `app` used a key of `target`; give it an identity and a data role on `target` instead.\n\
         resource \"{workload}\" \"app\" {{\n  # ...the app's other arguments, with identity-based settings instead of keys\n  # An identity the app already has (system- or user-assigned) is kept: grant the roles to it.\n  identity {{\n    type = \"SystemAssigned\"\n  }}\n}}\n",
    );
    let principal = format!("{workload}.app.identity[0].principal_id");
    for grant in &spec.grants {
        let role = grant.role;
        let guid = guid_of(role);
        let target_ref = format!("{}.target", grant.target.terraform_type);
        let label = assignment_name("app", spec, role, NameStyle::Snake);
        let assignment = match role.kind {
            RoleKind::AzureRbac => format!(
                "\n# {name}: {grants}\nresource \"azurerm_role_assignment\" \"{label}\" {{\n  scope              = {target_ref}.id\n  role_definition_id = \"/providers/Microsoft.Authorization/roleDefinitions/{guid}\"\n  principal_id       = {principal}\n  principal_type     = \"ServicePrincipal\"\n}}\n",
                name = role.name,
                grants = role.grants,
            ),
            RoleKind::CosmosDataPlane => format!(
                "\n# {name} (Cosmos DB data plane): {grants}\nresource \"azurerm_cosmosdb_sql_role_assignment\" \"{label}\" {{\n  resource_group_name = {target_ref}.resource_group_name\n  account_name        = {target_ref}.name\n  role_definition_id  = \"${{{target_ref}.id}}/sqlRoleDefinitions/{guid}\"\n  principal_id        = {principal}\n  scope               = {target_ref}.id\n}}\n",
                name = role.name,
                grants = role.grants,
            ),
            RoleKind::RedisAccessPolicy => format!(
                "\n# Access policy {name}: {grants}\nresource \"azurerm_redis_cache_access_policy_assignment\" \"{label}\" {{\n  name               = \"app\"\n  redis_cache_id     = {target_ref}.id\n  access_policy_name = \"{name}\"\n  object_id          = {principal}\n  object_id_alias    = \"app\"\n}}\n",
                name = role.name,
                grants = role.grants,
            ),
            RoleKind::Database => format!(
                "\n# In the database, as the Microsoft Entra admin: CREATE USER [<app-name>] FROM EXTERNAL PROVIDER;\n# then grant {name} ({grants}). On the server resource ({tf}):\n#   azuread_administrator {{\n#     login_username              = \"<entra-admin-group>\"\n#     object_id                   = \"<entra-admin-group-object-id>\"\n#     azuread_authentication_only = true\n#   }}\n",
                name = role.name,
                grants = role.grants,
                tf = grant.target.terraform_type,
            ),
        };
        text.push_str(&assignment);
    }
    text.push_str(&conditional_comment(spec, "#"));
    text
}
