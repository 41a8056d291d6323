//! Remediation knowledge: what replaces each kind of key, and which built-in role the identity needs.
//!
//! Loaded from `rules/roles.yaml` and `rules/remediation.yaml`. Rules refer to a profile by id
//! (default: their service); profiles refer to roles by id. Reporters render this data; no rule
//! carries remediation text of its own. [`template`] turns the same data into Bicep, ARM and
//! Terraform snippets.

pub mod template;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use crate::service::InferredRole;
use crate::service::Service;

/// A built-in role the identity needs on the target resource.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// Kebab-case id used by profiles.
    pub id: String,
    /// Exact built-in name.
    pub name: String,
    /// What kind of role this is, which decides how it is assigned.
    pub kind: RoleKind,
    /// Role-definition GUID (Azure RBAC and Cosmos DB data-plane roles).
    #[serde(default)]
    pub guid: Option<String>,
    /// What it allows, as a short lowercase phrase.
    pub grants: String,
}

impl Role {
    /// The identifier shown in output: the role-definition GUID, or the name where the role has
    /// none (Redis access policies, database roles).
    pub fn output_id(&self) -> &str {
        self.guid.as_deref().unwrap_or(&self.name)
    }
}

/// How a role is assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoleKind {
    /// An Azure RBAC role definition, assigned with `Microsoft.Authorization/roleAssignments`.
    AzureRbac,
    /// A Cosmos DB data-plane role, assigned with `sqlRoleAssignments`.
    CosmosDataPlane,
    /// An Azure Cache for Redis access policy, assigned with `accessPolicyAssignments`.
    RedisAccessPolicy,
    /// A role inside the database engine, granted with SQL.
    Database,
}

/// Guidance that holds for every service.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CommonGuidance {
    /// How to choose between a system- and a user-assigned identity.
    pub identity: String,
    /// Where the managed identity's token comes from on each kind of compute.
    pub token_source: String,
    /// How to point SDKs at a user-assigned identity.
    pub user_assigned: String,
}

/// A role suggestion inside a profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleChoice {
    /// Role id from `rules/roles.yaml`.
    pub role: String,
    /// When this role is the right one.
    pub when: String,
}

/// SDK advice for one language.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SdkAdvice {
    /// Packages to reference.
    pub package: String,
    /// The identity-based code that replaces the key.
    pub code: String,
}

/// What to do instead of a key, for one service or one narrower situation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Profile id (a service name, or a narrower id such as `functions-host-storage`).
    pub id: String,
    /// The service it belongs to.
    pub service: Service,
    /// Human name of the service.
    pub title: String,
    /// One imperative sentence: what to do.
    pub summary: String,
    /// Which setting or SDK credential replaces the key.
    pub replacement: String,
    /// Identity-based settings that replace the key.
    #[serde(default)]
    pub settings: Vec<String>,
    /// The resource setting that turns key auth off.
    pub disable_key_auth: String,
    /// Least-privilege roles first; empty where the role depends on what the credential was
    /// used for (an Entra client secret: the target resource's data role).
    pub roles: Vec<RoleChoice>,
    /// Set where no managed identity can replace the key: says so and offers the next best.
    #[serde(default)]
    pub no_identity: Option<String>,
    /// Identity-based code per language (`csharp`, `python`, `javascript`, `java`, `go`,
    /// `powershell`, `rust`).
    #[serde(default)]
    pub sdk: BTreeMap<String, SdkAdvice>,
    /// Public documentation.
    #[serde(default)]
    pub references: Vec<String>,
}

/// The contents of `rules/remediation.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemediationFile {
    /// Guidance shared by every profile.
    pub common: CommonGuidance,
    /// One profile per service, plus narrower ones.
    pub profiles: Vec<Profile>,
}

/// `rules/operations.yaml`: which SDK calls need which role, and which roles include others.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationsFile {
    /// Roles that include narrower ones.
    pub covers: Vec<Cover>,
    /// Per service, the calls and the role each needs.
    pub operations: Vec<ServiceOperations>,
}

/// A role that includes narrower roles.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cover {
    /// The broader role.
    pub role: String,
    /// The roles it includes.
    pub covers: Vec<String>,
}

/// The operations of one service's SDKs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceOperations {
    /// The service.
    pub service: Service,
    /// Call-name patterns and the role each needs.
    pub calls: Vec<OperationSpec>,
}

/// Calls whose name matches `name` need `role`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationSpec {
    /// Regex over the method or constructor name.
    pub name: String,
    /// Role id from `rules/roles.yaml`.
    pub role: String,
}

/// The resource types that template snippets for a service refer to (`rules/templates.yaml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateTarget {
    /// The service.
    pub service: Service,
    /// ARM resource type of the target.
    pub arm_type: String,
    /// API version used in snippets.
    pub api_version: String,
    /// Terraform resource type of the target.
    pub terraform_type: String,
}

/// Everything the knowledge base is built from.
#[derive(Debug, Clone)]
pub struct KnowledgeFiles {
    /// `rules/roles.yaml`.
    pub roles: Vec<Role>,
    /// `rules/remediation.yaml`.
    pub remediation: RemediationFile,
    /// `rules/operations.yaml`.
    pub operations: OperationsFile,
    /// `rules/templates.yaml`.
    pub templates: Vec<TemplateTarget>,
}

/// Roles and profiles, indexed by id.
#[derive(Debug, Clone)]
pub struct Knowledge {
    /// Guidance shared by every profile.
    pub common: CommonGuidance,
    roles: BTreeMap<String, Role>,
    profiles: BTreeMap<String, Profile>,
    operations: Vec<(Service, crate::rules::lazy::LazyRegex, String)>,
    covers: BTreeMap<String, Vec<String>>,
    templates: BTreeMap<Service, TemplateTarget>,
}

/// A remediation problem found while loading: a dangling reference or a missing service.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KnowledgeError {
    /// Two roles or two profiles share an id.
    #[error("duplicate {kind} id `{id}`")]
    Duplicate {
        /// "role" or "profile".
        kind: &'static str,
        /// The repeated id.
        id: String,
    },
    /// A profile names a role that `rules/roles.yaml` does not have.
    #[error("profile `{profile}` names unknown role `{role}`")]
    UnknownRole {
        /// The profile.
        profile: String,
        /// The missing role id.
        role: String,
    },
    /// An operation or cover names a role that `rules/roles.yaml` does not have.
    #[error("operations.yaml names unknown role `{0}`")]
    UnknownOperationRole(String),
    /// An operation's call pattern does not compile.
    #[error("operations.yaml: bad call pattern `{pattern}`: {message}")]
    BadOperationPattern {
        /// The pattern.
        pattern: String,
        /// The regex error.
        message: String,
    },
    /// A service of the vocabulary has no profile of its own.
    #[error("service `{0}` has no remediation profile with the same id")]
    MissingService(Service),
    /// An RBAC or Cosmos role has no GUID.
    #[error("role `{0}` needs a guid")]
    MissingGuid(String),
}

impl Knowledge {
    /// Indexes the loaded files and checks every reference.
    pub fn new(files: KnowledgeFiles) -> Result<Self, Vec<KnowledgeError>> {
        let KnowledgeFiles {
            roles,
            remediation: file,
            operations,
            templates,
        } = files;
        let mut errors = Vec::new();
        let mut role_index = BTreeMap::new();
        for role in roles {
            let needs_guid = matches!(role.kind, RoleKind::AzureRbac | RoleKind::CosmosDataPlane);
            if needs_guid && role.guid.is_none() {
                errors.push(KnowledgeError::MissingGuid(role.id.clone()));
            }
            if let Some(previous) = role_index.insert(role.id.clone(), role) {
                errors.push(KnowledgeError::Duplicate {
                    kind: "role",
                    id: previous.id,
                });
            }
        }
        let mut profile_index = BTreeMap::new();
        for profile in file.profiles {
            for choice in &profile.roles {
                if !role_index.contains_key(&choice.role) {
                    errors.push(KnowledgeError::UnknownRole {
                        profile: profile.id.clone(),
                        role: choice.role.clone(),
                    });
                }
            }
            if let Some(previous) = profile_index.insert(profile.id.clone(), profile) {
                errors.push(KnowledgeError::Duplicate {
                    kind: "profile",
                    id: previous.id,
                });
            }
        }
        for service in Service::ALL {
            if !profile_index.contains_key(service.as_str()) {
                errors.push(KnowledgeError::MissingService(service));
            }
        }
        let mut compiled_operations = Vec::new();
        for service in operations.operations {
            for operation in service.calls {
                if !role_index.contains_key(&operation.role) {
                    errors.push(KnowledgeError::UnknownOperationRole(operation.role.clone()));
                }
                match crate::rules::lazy::LazyRegex::new(&operation.name) {
                    Ok(regex) => compiled_operations.push((service.service, regex, operation.role)),
                    Err(error) => errors.push(KnowledgeError::BadOperationPattern {
                        pattern: operation.name,
                        message: error,
                    }),
                }
            }
        }
        let mut covers = BTreeMap::new();
        for cover in operations.covers {
            for role in std::iter::once(&cover.role).chain(&cover.covers) {
                if !role_index.contains_key(role) {
                    errors.push(KnowledgeError::UnknownOperationRole(role.clone()));
                }
            }
            covers.insert(cover.role, cover.covers);
        }
        if errors.is_empty() {
            Ok(Self {
                common: file.common,
                roles: role_index,
                profiles: profile_index,
                operations: compiled_operations,
                covers,
                templates: templates
                    .into_iter()
                    .map(|target| (target.service, target))
                    .collect(),
            })
        } else {
            Err(errors)
        }
    }

    /// Builds every operation pattern now; returns the ones that cannot be built.
    pub fn compile_all(&self) -> Vec<String> {
        self.operations
            .iter()
            .filter_map(|(service, regex, _)| {
                let error = regex.compile().err()?;
                Some(format!(
                    "operations of {service}: {}: {error}",
                    regex.as_str()
                ))
            })
            .collect()
    }

    /// A profile by id.
    pub fn profile(&self, id: &str) -> Option<&Profile> {
        self.profiles.get(id)
    }

    /// The resource types template snippets use for a service.
    pub fn template_target(&self, service: Service) -> Option<&TemplateTarget> {
        self.templates.get(&service)
    }

    /// A role by id.
    pub fn role(&self, id: &str) -> Option<&Role> {
        self.roles.get(id)
    }

    /// Every role, sorted by id.
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.values()
    }

    /// Every profile, sorted by id.
    pub fn profiles(&self) -> impl Iterator<Item = &Profile> {
        self.profiles.values()
    }

    /// The smallest set of roles that covers the calls a file makes on `service`'s clients, each
    /// with the first call that needs it; empty when no call is recognised.
    pub fn infer_roles<'c>(
        &self,
        service: Service,
        calls: impl IntoIterator<Item = &'c str>,
    ) -> Vec<InferredRole> {
        let mut needed: Vec<InferredRole> = Vec::new();
        for call in calls {
            for (_, pattern, role) in self
                .operations
                .iter()
                .filter(|(owner, ..)| *owner == service)
            {
                if pattern.is_match(call) && !needed.iter().any(|inferred| &inferred.role == role) {
                    needed.push(InferredRole {
                        role: role.clone(),
                        because: call.to_owned(),
                    });
                }
            }
        }
        let covered: Vec<String> = needed
            .iter()
            .filter_map(|inferred| self.covers.get(&inferred.role))
            .flatten()
            .cloned()
            .collect();
        needed.retain(|inferred| !covered.contains(&inferred.role));
        needed
    }

    /// The narrower roles that `role` includes (from `rules/operations.yaml` `covers`).
    pub fn covered_by(&self, role: &str) -> &[String] {
        self.covers.get(role).map_or(&[], Vec::as_slice)
    }

    /// The roles of a profile with their `when` text, least privilege first.
    pub fn roles_of<'a>(
        &'a self,
        profile: &'a Profile,
    ) -> impl Iterator<Item = (&'a Role, &'a str)> + 'a {
        profile.roles.iter().filter_map(|choice| {
            self.roles
                .get(&choice.role)
                .map(|role| (role, choice.when.as_str()))
        })
    }
}
