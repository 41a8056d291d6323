//! Remediation knowledge: what replaces each kind of key, and which built-in role the identity needs.
//!
//! Loaded from `rules/roles.yaml` and `rules/remediation.yaml`. Rules refer to a profile by id
//! (default: their service); profiles refer to roles by id. Reporters render this data; no rule
//! carries remediation text of its own. [`advice`] turns a finding and this data into the one
//! model of a fix every reporter prints; [`template`] writes its Bicep, ARM and Terraform
//! snippets.

pub mod advice;
pub mod template;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::service::Service;
pub use crate::service::{InferredRole, WorkloadResource};

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
    /// The services whose resources the role is granted on.
    pub services: Vec<Service>,
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
    /// The service whose resource the role is granted on, when it is not the profile's own
    /// (Key Vault Secrets User on the vault that holds a key no identity can replace).
    #[serde(default)]
    pub on: Option<Service>,
    /// In a profile whose roles are all needed together (`roles_needed: all`): this one is
    /// granted only when `when` holds (host storage's table role for Durable Functions), so
    /// snippets name it without granting it.
    #[serde(default)]
    pub conditional: bool,
}

/// How a profile's roles combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RolesNeeded {
    /// The roles are alternatives, least privilege first: grant the one that fits.
    #[default]
    Least,
    /// Every listed role (but the `conditional` ones) is needed at once, as the Functions host
    /// needs both blob and queue roles on its storage account.
    All,
}

/// Where a workload runs, as far as the identity is concerned: which resource carries the
/// `identity` block, and where the running code gets its token (`hosts:` in
/// `rules/remediation.yaml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadHost {
    /// Kebab-case id that profiles name in `host:`.
    pub id: String,
    /// What the workload is called in advice (`the function app`).
    pub workload: String,
    /// ARM type of the resource that carries the identity, when templates can declare one.
    #[serde(default)]
    pub arm_type: Option<String>,
    /// `kind` of that ARM resource (`functionapp`), when the type is shared.
    #[serde(default)]
    pub arm_kind: Option<String>,
    /// API version used in snippets.
    #[serde(default)]
    pub api_version: Option<String>,
    /// Terraform type of the same resource.
    #[serde(default)]
    pub terraform_type: Option<String>,
    /// How to turn the identity on in this host: the first step of the advice.
    pub identity_setup: String,
    /// Where the running code gets its token in this host.
    pub token_source: String,
    /// The ARM and Terraform resource types whose bodies are this host's workloads (a finding
    /// inside one is the workload's own); with `arm_kind`, an ARM resource must have that kind.
    #[serde(default)]
    pub resource_types: Vec<String>,
    /// Regex over a finding's path that says the workload runs on this host (Kubernetes
    /// manifests: AKS); hosts without one are chosen only by a profile's `host:`.
    #[serde(default)]
    pub paths: Option<String>,
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
    /// Set where no managed identity can replace the key: its first sentence says so plainly,
    /// the rest says what to do instead. Advice then never recommends an identity for the key.
    #[serde(default)]
    pub no_identity: Option<String>,
    /// What must be true before an identity can replace the key (an Entra admin on the
    /// database server, a cache tier with Entra authentication), and what to do until then.
    #[serde(default)]
    pub precondition: Option<String>,
    /// Whether the roles are alternatives (the least that fits) or all needed together.
    #[serde(default)]
    pub roles_needed: RolesNeeded,
    /// The host whose identity replaces the key, when the profile is about one (the Functions
    /// host's storage); otherwise the finding's path, then `app-service`, decide.
    #[serde(default)]
    pub host: Option<String>,
    /// What the role assignment's scope can be narrowed to inside the target resource
    /// (`the state container`); the scope is never wider than the target resource.
    #[serde(default)]
    pub narrower_scope: Option<String>,
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
    /// Where workloads run: the resource that carries the identity and where tokens come from.
    #[serde(default)]
    pub hosts: Vec<WorkloadHost>,
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
    /// Per service: the words a file must hold for one of its calls to match one of the
    /// service's operations. Built on first use (most scans infer no role).
    operation_needs: std::sync::OnceLock<BTreeMap<Service, crate::rules::needs::CallNeeds>>,
    covers: BTreeMap<String, Vec<String>>,
    templates: BTreeMap<Service, TemplateTarget>,
    hosts: Vec<(WorkloadHost, Option<crate::rules::lazy::LazyRegex>)>,
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
    /// A profile names a host that `hosts:` does not have.
    #[error("profile `{profile}` names unknown host `{host}`")]
    UnknownHost {
        /// The profile.
        profile: String,
        /// The missing host id.
        host: String,
    },
    /// A host's `paths` pattern does not compile.
    #[error("host `{host}`: bad paths pattern: {message}")]
    BadHostPattern {
        /// The host.
        host: String,
        /// The regex error.
        message: String,
    },
    /// A profile with `no_identity` whose note does not start by saying so.
    #[error(
        "profile `{0}`: a no_identity note must start with \"No managed identity can replace\""
    )]
    UnclearNoIdentity(String),
}

/// The words a `no_identity` note starts with: the reader learns first that no identity helps.
pub const NO_IDENTITY_OPENING: &str = "No managed identity can replace";

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
        let mut host_index = Vec::new();
        for host in file.hosts {
            let pattern = match host
                .paths
                .as_deref()
                .map(crate::rules::lazy::LazyRegex::new)
            {
                None => None,
                Some(Ok(regex)) => Some(regex),
                Some(Err(message)) => {
                    errors.push(KnowledgeError::BadHostPattern {
                        host: host.id.clone(),
                        message,
                    });
                    None
                }
            };
            host_index.push((host, pattern));
        }
        let mut profile_index = BTreeMap::new();
        for profile in file.profiles {
            if let Some(host) = &profile.host
                && !host_index.iter().any(|(known, _)| &known.id == host)
            {
                errors.push(KnowledgeError::UnknownHost {
                    profile: profile.id.clone(),
                    host: host.clone(),
                });
            }
            if profile
                .no_identity
                .as_deref()
                .is_some_and(|note| !note.trim_start().starts_with(NO_IDENTITY_OPENING))
            {
                errors.push(KnowledgeError::UnclearNoIdentity(profile.id.clone()));
            }
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
                operation_needs: std::sync::OnceLock::new(),
                covers,
                templates: templates
                    .into_iter()
                    .map(|target| (target.service, target))
                    .collect(),
                hosts: host_index,
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

    /// A workload host by id.
    pub fn host(&self, id: &str) -> Option<&WorkloadHost> {
        self.hosts
            .iter()
            .find(|(host, _)| host.id == id)
            .map(|(host, _)| host)
    }

    /// Every workload host, in file order.
    pub fn hosts(&self) -> impl Iterator<Item = &WorkloadHost> {
        self.hosts.iter().map(|(host, _)| host)
    }

    /// The host whose workloads are resources of `resource_type` (ARM or Terraform) with ARM
    /// `kind` (empty when the resource has none).
    pub fn host_of_resource(&self, resource_type: &str, kind: &str) -> Option<&WorkloadHost> {
        let kind = kind.to_ascii_lowercase();
        self.hosts().find(|host| {
            host.resource_types
                .iter()
                .any(|known| known.eq_ignore_ascii_case(resource_type))
                && (resource_type.starts_with("azurerm_")
                    || host
                        .arm_kind
                        .as_deref()
                        .is_none_or(|wanted| kind.contains(wanted)))
        })
    }

    /// The host a file's path says its workload runs on (a Kubernetes manifest: AKS).
    pub fn host_of_path(&self, path: &str) -> Option<&WorkloadHost> {
        self.hosts
            .iter()
            .find(|(_, pattern)| pattern.as_ref().is_some_and(|regex| regex.is_match(path)))
            .map(|(host, _)| host)
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

    /// Whether [`Knowledge::infer_roles`] can find a role for `service` among the calls of
    /// `text`: false when no operation of the service could match a call the file makes, so the
    /// file need not be parsed for its calls. A call's name is a segment of its callee, whose
    /// letters, digits and underscores all come from the file (see `rules::needs`), so an
    /// operation whose pattern needs one of a few words matches no call of a file without them.
    pub fn may_infer_roles(&self, service: Service, text: &str) -> bool {
        let needs = self.operation_needs.get_or_init(|| {
            let mut patterns: BTreeMap<Service, Vec<&str>> = BTreeMap::new();
            for (owner, pattern, _) in &self.operations {
                patterns.entry(*owner).or_default().push(pattern.as_str());
            }
            patterns
                .into_iter()
                .map(|(owner, patterns)| {
                    (
                        owner,
                        crate::rules::needs::CallNeeds::of_any_pattern(patterns),
                    )
                })
                .collect()
        });
        needs.get(&service).is_some_and(|needs| needs.met_by(text))
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
