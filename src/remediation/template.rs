//! Remediation in the template's own language: the identity block and the role assignment to add,
//! as Bicep, ARM JSON or Terraform, generated from the remediation data (the profile's role, the
//! service's resource types), never written per rule.
//!
//! Each snippet is a complete, parseable file fragment: `app` stands for the resource that used
//! the key (a web or function app here; any identity-capable resource works the same way) and
//! `target` for the resource whose key it used.

use super::{Knowledge, Role, RoleKind, TemplateTarget};
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

/// The snippet for `service` with `role` (the narrowest role the finding needs), or `None` when
/// the service has no template target.
pub fn snippet(
    language: TemplateLanguage,
    knowledge: &Knowledge,
    service: Service,
    role: Option<&Role>,
) -> Option<String> {
    let target = knowledge.template_target(service)?;
    Some(match language {
        TemplateLanguage::Bicep => bicep(target, role),
        TemplateLanguage::Arm => arm(target, role),
        TemplateLanguage::Terraform => terraform(target, role),
    })
}

fn guid_of(role: &Role) -> &str {
    role.guid.as_deref().unwrap_or(&role.name)
}

fn bicep(target: &TemplateTarget, role: Option<&Role>) -> String {
    let mut text = format!(
        "// `app` used a key of `target`; give it an identity and a data role on `target` instead.\n\
         resource target '{arm}@{api}' existing = {{\n  name: '<target-name>'\n}}\n\n\
         resource app 'Microsoft.Web/sites@2023-12-01' = {{\n  name: '<app-name>'\n  location: resourceGroup().location\n  identity: {{\n    type: 'SystemAssigned'\n  }}\n  // ...the app's other properties, with identity-based settings instead of keys\n}}\n",
        arm = target.arm_type,
        api = target.api_version,
    );
    let Some(role) = role else { return text };
    let guid = guid_of(role);
    let assignment = match role.kind {
        RoleKind::AzureRbac => format!(
            "\n// {name}: {grants}\n\
             resource appRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{\n  name: guid(target.id, app.id, '{guid}')\n  scope: target\n  properties: {{\n    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{guid}')\n    principalId: app.identity.principalId\n    principalType: 'ServicePrincipal'\n  }}\n}}\n",
            name = role.name,
            grants = role.grants,
        ),
        RoleKind::CosmosDataPlane => format!(
            "\n// {name} (Cosmos DB data plane): {grants}\n\
             resource appRoleAssignment 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = {{\n  parent: target\n  name: guid(target.id, app.id, '{guid}')\n  properties: {{\n    roleDefinitionId: '${{target.id}}/sqlRoleDefinitions/{guid}'\n    principalId: app.identity.principalId\n    scope: target.id\n  }}\n}}\n",
            name = role.name,
            grants = role.grants,
        ),
        RoleKind::RedisAccessPolicy => format!(
            "\n// Access policy {name}: {grants}\n\
             resource appAccessPolicy 'Microsoft.Cache/redis/accessPolicyAssignments@2024-11-01' = {{\n  parent: target\n  name: 'app'\n  properties: {{\n    accessPolicyName: '{name}'\n    objectId: app.identity.principalId\n    objectIdAlias: 'app'\n  }}\n}}\n",
            name = role.name,
            grants = role.grants,
        ),
        RoleKind::Database => format!(
            "\n// In the database, as the Microsoft Entra admin: CREATE USER [<app-name>] FROM EXTERNAL PROVIDER;\n\
             // then grant {name} ({grants}). Make an Entra group the server's administrator:\n\
             resource entraAdmin '{arm}/administrators@{api}' = {{\n  parent: target\n  name: 'ActiveDirectory'\n  properties: {{\n    administratorType: 'ActiveDirectory'\n    login: '<entra-admin-group>'\n    sid: '<entra-admin-group-object-id>'\n    tenantId: subscription().tenantId\n  }}\n}}\n",
            name = role.name,
            grants = role.grants,
            arm = target.arm_type,
            api = target.api_version,
        ),
    };
    text.push_str(&assignment);
    text
}

fn arm(target: &TemplateTarget, role: Option<&Role>) -> String {
    let identity = "    {\n      \"type\": \"Microsoft.Web/sites\",\n      \"apiVersion\": \"2023-12-01\",\n      \"name\": \"[parameters('appName')]\",\n      \"location\": \"[resourceGroup().location]\",\n      \"identity\": { \"type\": \"SystemAssigned\" },\n      \"properties\": {}\n    }";
    let target_id = format!(
        "[resourceId('{}', parameters('targetName'))]",
        target.arm_type
    );
    let principal = "[reference(resourceId('Microsoft.Web/sites', parameters('appName')), '2023-12-01', 'full').identity.principalId]";
    let assignment = role.map(|role| {
        let guid = guid_of(role);
        match role.kind {
            RoleKind::AzureRbac => format!(
                ",\n    {{\n      \"type\": \"Microsoft.Authorization/roleAssignments\",\n      \"apiVersion\": \"2022-04-01\",\n      \"scope\": \"[format('{arm}/{{0}}', parameters('targetName'))]\",\n      \"name\": \"[guid({target_id_inner}, resourceId('Microsoft.Web/sites', parameters('appName')), '{guid}')]\",\n      \"dependsOn\": [\"[resourceId('Microsoft.Web/sites', parameters('appName'))]\"],\n      \"properties\": {{\n        \"roleDefinitionId\": \"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{guid}')]\",\n        \"principalId\": \"{principal}\",\n        \"principalType\": \"ServicePrincipal\"\n      }}\n    }}",
                arm = target.arm_type,
                target_id_inner = target_id.trim_start_matches('[').trim_end_matches(']'),
            ),
            RoleKind::CosmosDataPlane => format!(
                ",\n    {{\n      \"type\": \"Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments\",\n      \"apiVersion\": \"2024-11-15\",\n      \"name\": \"[format('{{0}}/{{1}}', parameters('targetName'), guid(parameters('targetName'), parameters('appName'), '{guid}'))]\",\n      \"properties\": {{\n        \"roleDefinitionId\": \"[format('{{0}}/sqlRoleDefinitions/{guid}', {target_id_inner})]\",\n        \"principalId\": \"{principal}\",\n        \"scope\": \"{target_id}\"\n      }}\n    }}",
                target_id_inner = target_id.trim_start_matches('[').trim_end_matches(']'),
            ),
            RoleKind::RedisAccessPolicy => format!(
                ",\n    {{\n      \"type\": \"Microsoft.Cache/redis/accessPolicyAssignments\",\n      \"apiVersion\": \"2024-11-01\",\n      \"name\": \"[format('{{0}}/app', parameters('targetName'))]\",\n      \"properties\": {{\n        \"accessPolicyName\": \"{name}\",\n        \"objectId\": \"{principal}\",\n        \"objectIdAlias\": \"app\"\n      }}\n    }}",
                name = role.name,
            ),
            RoleKind::Database => format!(
                ",\n    {{\n      \"type\": \"{arm}/administrators\",\n      \"apiVersion\": \"{api}\",\n      \"name\": \"[format('{{0}}/ActiveDirectory', parameters('targetName'))]\",\n      \"properties\": {{\n        \"administratorType\": \"ActiveDirectory\",\n        \"login\": \"<entra-admin-group>\",\n        \"sid\": \"<entra-admin-group-object-id>\",\n        \"tenantId\": \"[subscription().tenantId]\"\n      }}\n    }}",
                arm = target.arm_type,
                api = target.api_version,
            ),
        }
    });
    format!(
        "{{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n  \"contentVersion\": \"1.0.0.0\",\n  \"parameters\": {{\n    \"appName\": {{ \"type\": \"string\" }},\n    \"targetName\": {{ \"type\": \"string\" }}\n  }},\n  \"resources\": [\n{identity}{assignment}\n  ]\n}}\n",
        assignment = assignment.unwrap_or_default(),
    )
}

fn terraform(target: &TemplateTarget, role: Option<&Role>) -> String {
    let mut text = String::from(
        "# `app` used a key of `target`; give it an identity and a data role on `target` instead.\n\
         resource \"azurerm_linux_web_app\" \"app\" {\n  # ...the app's other arguments, with identity-based settings instead of keys\n  identity {\n    type = \"SystemAssigned\"\n  }\n}\n",
    );
    let Some(role) = role else { return text };
    let guid = guid_of(role);
    let principal = "azurerm_linux_web_app.app.identity[0].principal_id";
    let target_ref = format!("{}.target", target.terraform_type);
    let assignment = match role.kind {
        RoleKind::AzureRbac => format!(
            "\n# {name}: {grants}\nresource \"azurerm_role_assignment\" \"app\" {{\n  scope              = {target_ref}.id\n  role_definition_id = \"/providers/Microsoft.Authorization/roleDefinitions/{guid}\"\n  principal_id       = {principal}\n  principal_type     = \"ServicePrincipal\"\n}}\n",
            name = role.name,
            grants = role.grants,
        ),
        RoleKind::CosmosDataPlane => format!(
            "\n# {name} (Cosmos DB data plane): {grants}\nresource \"azurerm_cosmosdb_sql_role_assignment\" \"app\" {{\n  resource_group_name = {target_ref}.resource_group_name\n  account_name        = {target_ref}.name\n  role_definition_id  = \"${{{target_ref}.id}}/sqlRoleDefinitions/{guid}\"\n  principal_id        = {principal}\n  scope               = {target_ref}.id\n}}\n",
            name = role.name,
            grants = role.grants,
        ),
        RoleKind::RedisAccessPolicy => format!(
            "\n# Access policy {name}: {grants}\nresource \"azurerm_redis_cache_access_policy_assignment\" \"app\" {{\n  name               = \"app\"\n  redis_cache_id     = {target_ref}.id\n  access_policy_name = \"{name}\"\n  object_id          = {principal}\n  object_id_alias    = \"app\"\n}}\n",
            name = role.name,
            grants = role.grants,
        ),
        RoleKind::Database => format!(
            "\n# In the database, as the Microsoft Entra admin: CREATE USER [<app-name>] FROM EXTERNAL PROVIDER;\n# then grant {name} ({grants}). On the server resource ({tf}):\n#   azuread_administrator {{\n#     login_username              = \"<entra-admin-group>\"\n#     object_id                   = \"<entra-admin-group-object-id>\"\n#     azuread_authentication_only = true\n#   }}\n",
            name = role.name,
            grants = role.grants,
            tf = target.terraform_type,
        ),
    };
    text.push_str(&assignment);
    text
}
