//! From findings to a migration plan: per workload, the identity to use, the role assignments it
//! needs, the settings that turn key auth off, the config and code changes, and the keys to
//! rotate. Rendered as Markdown and JSON ([`render`]) and as Bicep, Terraform and an `az` script
//! ([`iac`]).
//!
//! # How findings are grouped (the heuristic, kept simple so the plan can say why)
//!
//! 1. **Workload = app directory.** A finding belongs to the nearest directory at or above its
//!    file (inside the scanned root) that holds an app marker: `host.json`,
//!    `local.settings.json`, `appsettings.json`, `package.json`, `requirements.txt`,
//!    `pyproject.toml`, `go.mod`, `Cargo.toml`, `pom.xml`, `build.gradle`, `Dockerfile`,
//!    `function_app.py` or a `*.csproj`/`*.fsproj`/`*.vbproj`. Without one, the scanned root.
//!    So `infra/main.bicep`, `k8s/secret.yaml` and `src/Program.cs` join the app above them.
//! 2. **Target = the resource the credential opens**, read from the credential's line (then its
//!    file, when the file names exactly one): `AccountName=`, `sb://NS.servicebus.windows.net`,
//!    `AccountEndpoint=https://ACCOUNT.documents.azure.com`, service endpoints, and in templates
//!    the resource behind Bicep `x.listKeys()`, ARM `listKeys(resourceId('T', name))` or
//!    Terraform `azurerm_x.y.primary_access_key` (a literal name or a parameter's default). Findings of one workload on one target are tied together; the plan
//!    says which files use each target, and which other workloads use it too.
//! 3. **Roles** per finding: the roles inferred from the calls in the file (operations.yaml); for
//!    a Functions setting, the trigger or binding in the workload's code that names the setting;
//!    else every profile role marked `always`; else the profile's first (least) role. They are
//!    deduplicated per target and reduced with operations.yaml's `covers`.
//! 4. **Identity**: system-assigned when one app uses the access; user-assigned when the app runs
//!    on Kubernetes (Workload ID federates a user-assigned identity) or when several workloads
//!    need exactly the same roles (one identity, one set of assignments).
//! 5. **Key auth off** per target once no finding on it is left that no identity can replace
//!    (a profile with `no_identity`, such as the Functions content share). Each switch also
//!    names the findings, in any workload, that still use the key after `keyless fix`
//!    ([`KeyUse`]); the fix flips a switch only when there are none.
//! 6. **Rotate** every key found at level error: it was committed.

pub mod iac;
pub mod render;
pub mod rewrite;
pub mod targets;

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::finding::{Finding, Level};
use crate::parse::{self, Document, Format};
use crate::remediation::{Knowledge, Profile, RoleKind};
use crate::service::Service;
use crate::source::{self, Decoded, SourceText};

/// Files whose presence makes a directory an app (a workload).
const APP_MARKERS: [&str; 13] = [
    "host.json",
    "local.settings.json",
    "appsettings.json",
    "package.json",
    "requirements.txt",
    "pyproject.toml",
    "go.mod",
    "Cargo.toml",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "Dockerfile",
    "function_app.py",
];

/// Project-file extensions that also mark an app directory.
const PROJECT_EXTENSIONS: [&str; 3] = [".csproj", ".fsproj", ".vbproj"];

/// Compute resource types that can hold a managed identity (ARM and Terraform).
pub const COMPUTE_TYPES: [&str; 11] = [
    "Microsoft.Web/sites",
    "Microsoft.App/containerApps",
    "Microsoft.Compute/virtualMachines",
    "Microsoft.ContainerInstance/containerGroups",
    "azurerm_linux_function_app",
    "azurerm_windows_function_app",
    "azurerm_function_app_flex_consumption",
    "azurerm_linux_web_app",
    "azurerm_windows_web_app",
    "azurerm_container_app",
    "azurerm_linux_virtual_machine",
];

/// Functions triggers and bindings (normalised: lowercase, no `_`) and the role each needs on
/// the connection's target. Checked against rules/roles.yaml when used.
const BINDINGS: [(&str, &str); 14] = [
    ("servicebustrigger", "azure-service-bus-data-receiver"),
    ("servicebusqueuetrigger", "azure-service-bus-data-receiver"),
    ("servicebustopictrigger", "azure-service-bus-data-receiver"),
    ("servicebusoutput", "azure-service-bus-data-sender"),
    ("eventhubtrigger", "azure-event-hubs-data-receiver"),
    ("eventhubmessagetrigger", "azure-event-hubs-data-receiver"),
    ("eventhuboutput", "azure-event-hubs-data-sender"),
    ("queuetrigger", "storage-queue-data-message-processor"),
    ("queueoutput", "storage-queue-data-message-sender"),
    ("blobtrigger", "storage-blob-data-owner"),
    ("blobinput", "storage-blob-data-reader"),
    ("bloboutput", "storage-blob-data-contributor"),
    ("cosmosdbtrigger", "cosmos-db-built-in-data-contributor"),
    ("cosmosdbinput", "cosmos-db-built-in-data-reader"),
];

/// A migration plan for one scanned directory.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Plan format version.
    pub version: u32,
    /// How many findings went into it.
    pub findings: usize,
    /// One entry per workload, sorted by directory.
    pub workloads: Vec<Workload>,
    /// Every finding that reaches a resource with its key, in finding order: what a key-auth
    /// switch must wait for (`keyless fix` reads it; the workloads' switches name them).
    #[serde(skip)]
    pub key_uses: Vec<KeyUse>,
}

/// A finding that reaches a resource with its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUse {
    /// File relative to the root.
    pub path: String,
    /// 1-based line of the finding.
    pub line: usize,
    /// The rule that found it.
    pub rule_id: String,
    /// The service of the resource it opens (its target's, else the finding's).
    pub service: Service,
    /// The resource's name; `None` when the files do not tie the finding to one resource.
    pub target: Option<String>,
    /// No identity replaces this key (the Functions content share): a rewrite can move it into
    /// Key Vault but the key stays in use.
    pub needs_key: bool,
}

impl KeyUse {
    /// True when this use may reach the resource `name` of `service`. A use whose resource is
    /// unknown counts for every resource of its service: turning key auth off on the wrong guess
    /// breaks a running app, leaving it on costs nothing. Service Bus and Event Hubs share one
    /// namespace name space (`sb://NAME.servicebus.windows.net`), so either counts for the other.
    pub fn reaches(&self, service: Service, name: &str) -> bool {
        let same_family = self.service == service
            || matches!(
                (self.service, service),
                (Service::Servicebus, Service::Eventhubs)
                    | (Service::Eventhubs, Service::Servicebus)
            );
        same_family
            && self
                .target
                .as_deref()
                .is_none_or(|target| target.eq_ignore_ascii_case(name))
    }

    /// True when one of `applied` rewrites this use away: a change on its line that replaces
    /// the key (not one that only moves a key no identity replaces).
    pub fn removed_by(&self, applied: &[rewrite::AppliedEdit]) -> bool {
        !self.needs_key
            && applied
                .iter()
                .any(|edit| edit.path == self.path && edit.line == self.line)
    }

    /// `path:line (rule)`, as the plan and the fix name it.
    pub fn describe(&self) -> String {
        format!("{}:{} ({})", self.path, self.line, self.rule_id)
    }
}

/// One app: its directory, what runs it, and everything it needs to run without keys.
#[derive(Debug, Clone, Serialize)]
pub struct Workload {
    /// Short name (the directory's name).
    pub name: String,
    /// Directory relative to the scanned root (`.` for the root).
    pub directory: String,
    /// Why these findings were grouped into this workload.
    pub grouped_because: Vec<String>,
    /// What runs the app, as far as the files tell (Azure Functions, Kubernetes, a template's
    /// compute resource).
    pub hosting: Vec<String>,
    /// The compute resource a template in the workload declares, if any.
    pub compute: Option<Compute>,
    /// The identity to use.
    pub identity: Identity,
    /// Role assignments, deduplicated and reduced to least privilege.
    pub role_assignments: Vec<RoleAssignment>,
    /// Targets whose role could not be placed: the resource name was not found.
    pub unresolved: Vec<String>,
    /// Settings that turn key auth off on the targets.
    pub key_auth: Vec<KeyAuthSwitch>,
    /// Config, template and code changes, by file and line.
    pub changes: Vec<Change>,
    /// Committed keys to rotate.
    pub rotate: Vec<Rotation>,
}

/// A compute resource declared in a template.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Compute {
    /// Its name as the template spells it (a literal, or a parameter's default); where the
    /// template computes it, a readable label instead: the Bicep symbolic name, the Terraform
    /// `type.label` or the ARM name expression, shortened (see [`Compute::computed_name`]).
    pub name: String,
    /// True when `name` is such a label, not the resource's name in Azure: commands that need
    /// the real name (the `az` script) ask for it instead.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub computed_name: bool,
    /// ARM or Terraform type.
    pub resource_type: String,
    /// The template (path relative to the root).
    pub template: String,
}

/// System- or user-assigned.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityKind {
    /// Created and deleted with the app.
    SystemAssigned,
    /// A resource of its own, assignable to several apps.
    UserAssigned,
}

/// The identity a workload uses.
#[derive(Debug, Clone, Serialize)]
pub struct Identity {
    /// System- or user-assigned.
    pub kind: IdentityKind,
    /// The principal's display name in the plan (`func-x (system-assigned)`, `id-x`).
    pub principal: String,
    /// Why this kind.
    pub reason: String,
    /// Other workloads that share this (user-assigned) identity.
    pub shared_with: Vec<String>,
}

/// A resource whose keys were used.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    /// The service.
    pub service: Service,
    /// ARM resource type.
    pub resource_type: String,
    /// Terraform resource type.
    pub terraform_type: String,
    /// The resource's name.
    pub name: String,
    /// API version used for the ARM type (rules/templates.yaml).
    #[serde(skip)]
    pub api_version: String,
}

/// One role assignment: principal, role, scope.
#[derive(Debug, Clone, Serialize)]
pub struct RoleAssignment {
    /// The identity's display name (see [`Identity::principal`]).
    pub principal: String,
    /// Role id in rules/roles.yaml.
    pub role_id: String,
    /// Built-in role name.
    pub role: String,
    /// Role-definition GUID (Azure RBAC and Cosmos DB data plane), or the name for roles without
    /// one.
    pub role_guid: String,
    /// How it is assigned.
    pub kind: RoleKind,
    /// The scope: the target resource.
    pub scope: Target,
    /// The findings (`path:line`) and reasons that need it.
    pub needed_by: Vec<String>,
}

/// The setting that turns key auth off on one target.
#[derive(Debug, Clone, Serialize)]
pub struct KeyAuthSwitch {
    /// The resource.
    pub target: Target,
    /// ARM/Bicep setting, e.g. `properties.allowSharedKeyAccess: false`.
    pub arm: String,
    /// Terraform setting, e.g. `shared_access_key_enabled = false`.
    pub terraform: String,
    /// Where the templates set it today (`path:line`).
    pub declared_at: Vec<String>,
    /// Findings that still need the key; the switch waits until they are gone.
    pub blocked_by: Vec<String>,
    /// Findings in any workload that still use the key once `keyless fix` has made its changes
    /// (`path:line (rule)`), and those whose resource is unknown but of the same service:
    /// `keyless fix` leaves the switch on while there are any. [`build`] lists every use;
    /// [`Plan::mark_applied`] drops those the fix rewrites away.
    pub used_after_fix: Vec<String>,
}

/// Where a change is made.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// A configuration file.
    Config,
    /// A Bicep, ARM or Terraform template.
    Template,
    /// Source code.
    Code,
}

/// One change to a file.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// Config, template or code.
    pub kind: ChangeKind,
    /// File relative to the root.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// The setting's name, where there is one.
    pub setting: Option<String>,
    /// The line today, secrets masked.
    pub before: String,
    /// What replaces it.
    pub after: String,
    /// True when `keyless fix` makes this change.
    pub applied_by_fix: bool,
    /// Why it is (or is not) mechanical, and what else to do.
    pub note: String,
}

/// A committed key that must be regenerated.
#[derive(Debug, Clone, Serialize)]
pub struct Rotation {
    /// File relative to the root.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// The rule that found it.
    pub rule_id: String,
    /// The service.
    pub service: Service,
    /// The key, masked.
    pub secret: String,
    /// The resource, when known.
    pub target: Option<String>,
    /// How to regenerate it.
    pub how: String,
}

/// What the plan knows about one finding.
struct Analysed<'f> {
    finding: &'f Finding,
    workload: String,
    target: Option<Target>,
    setting: Option<String>,
    profile: String,
    kind: FindingKind,
    /// Where the template reference points (Bicep/Terraform), for grouping evidence.
    compute: Option<Compute>,
    /// A template setting of a resource of the finding's own service that holds no secret (a
    /// switch left at its default, password auth on): how the resource is configured, not a
    /// use of its key.
    configures_resource: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FindingKind {
    /// A credential or key wiring that an identity replaces.
    Credential,
    /// A template setting that keeps key auth on.
    KeyAuth,
    /// Anything else (advice, identifiers): not part of the migration.
    Other,
}

/// Decoded files, read once.
struct Files {
    base: PathBuf,
    texts: BTreeMap<String, Option<SourceText>>,
    documents: BTreeMap<String, Option<Document>>,
}

impl Files {
    fn new(base: &Path) -> Self {
        Self {
            base: base.to_path_buf(),
            texts: BTreeMap::new(),
            documents: BTreeMap::new(),
        }
    }

    fn text(&mut self, path: &str) -> Option<&SourceText> {
        self.texts
            .entry(path.to_owned())
            .or_insert_with(|| {
                let bytes = std::fs::read(self.base.join(path)).ok()?;
                match source::decode(&bytes) {
                    Decoded::Text(text) => Some(text),
                    Decoded::Binary => None,
                }
            })
            .as_ref()
    }

    fn document(&mut self, path: &str) -> Option<(&SourceText, &Document)> {
        if !self.documents.contains_key(path) {
            let format = Format::of_path(path);
            let document = match (format, self.text(path)) {
                (Some(format), Some(text)) => Some(parse::parse(format, text.text())),
                _ => None,
            };
            self.documents.insert(path.to_owned(), document);
        }
        let document = self.documents.get(path)?.as_ref()?;
        let text = self.texts.get(path)?.as_ref()?;
        Some((text, document))
    }
}

/// Builds the plan for the findings of a scan of `root` (a directory; finding paths are relative
/// to it).
pub fn build(root: &Path, findings: &[Finding], knowledge: &Knowledge) -> Plan {
    let mut files = Files::new(root);
    let mut marker_cache: BTreeMap<PathBuf, Option<String>> = BTreeMap::new();
    let analysed: Vec<Analysed> = findings
        .iter()
        .map(|finding| analyse(finding, root, &mut files, &mut marker_cache, knowledge))
        .collect();
    let directories: BTreeSet<String> = analysed
        .iter()
        .filter(|item| item.kind != FindingKind::Other)
        .map(|item| item.workload.clone())
        .collect();
    let mut workloads: Vec<Workload> = directories
        .iter()
        .map(|directory| {
            build_workload(
                directory,
                &analysed,
                root,
                &mut files,
                &marker_cache,
                knowledge,
            )
        })
        .collect();
    choose_identities(&mut workloads);
    let key_uses = analysed
        .iter()
        .filter(|item| item.kind == FindingKind::Credential && !item.configures_resource)
        .map(|item| KeyUse {
            path: item.finding.path.clone(),
            line: item.finding.start.line,
            rule_id: item.finding.rule_id.clone(),
            service: item
                .target
                .as_ref()
                .map_or(item.finding.service, |target| target.service),
            target: item.target.as_ref().map(|target| target.name.clone()),
            needs_key: knowledge
                .profile(&item.profile)
                .is_some_and(|profile| profile.no_identity.is_some()),
        })
        .collect();
    let mut plan = Plan {
        version: 1,
        findings: findings.len(),
        workloads,
        key_uses,
    };
    plan.mark_applied(&[]);
    plan
}

fn analyse<'f>(
    finding: &'f Finding,
    root: &Path,
    files: &mut Files,
    marker_cache: &mut BTreeMap<PathBuf, Option<String>>,
    knowledge: &Knowledge,
) -> Analysed<'f> {
    let workload = workload_of(root, &finding.path, marker_cache);
    let format = Format::of_path(&finding.path);
    let mut profile = finding.remediation.clone();
    let mut target = None;
    let mut setting = None;
    let mut compute = None;
    let mut configures_resource = false;
    let mut kind = if finding.level == Level::Note {
        FindingKind::Other
    } else {
        FindingKind::Credential
    };
    if let Some((text, document)) = files.document(&finding.path) {
        let source = text.text();
        let matched = source.get(finding.byte_range.clone()).unwrap_or("");
        let line = text.line(finding.start.line);
        let is_template = matches!(format, Some(Format::Bicep | Format::Terraform))
            || (format == Some(Format::Json) && !document.resources.is_empty());
        if targets::is_key_auth_setting(matched) && is_template {
            kind = FindingKind::KeyAuth;
            if let Some(resource) = targets::resource_at(document, source, finding.byte_range.start)
            {
                target = resource
                    .name
                    .and_then(|name| target_of(knowledge, finding.service, &name));
            }
        } else if is_template {
            if let Some(resource) = targets::template_reference(document, source, line) {
                let service = service_of_type(knowledge, &resource.type_name);
                if let (Some(service), Some(name)) = (service, resource.name) {
                    target = target_of(knowledge, service, &name);
                    if service != finding.service && profile == finding.service.as_str() {
                        profile = service.as_str().to_owned();
                    }
                }
            } else {
                configures_resource = matched == finding.masked
                    && targets::resource_at(document, source, finding.byte_range.start)
                        .and_then(|resource| service_of_type(knowledge, &resource.type_name))
                        == Some(finding.service);
            }
            compute = compute_at(document, source, finding.byte_range.start, &finding.path);
        }
        setting = document.setting_name_at(source, finding.byte_range.start);
    }
    if target.is_none()
        && kind == FindingKind::Credential
        && let Some(text) = files.text(&finding.path)
    {
        let name = targets::name_in_text(finding.service, text.line(finding.start.line))
            .or_else(|| targets::name_in_text(finding.service, text.text()));
        target = name.and_then(|name| target_of(knowledge, finding.service, &name));
    }
    if let Some(name) = &setting {
        let upper = name.to_ascii_uppercase();
        if upper == "AZUREWEBJOBSSTORAGE" && knowledge.profile("functions-host-storage").is_some() {
            profile = "functions-host-storage".to_owned();
        } else if upper == "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING"
            && knowledge.profile("functions-content-share").is_some()
        {
            profile = "functions-content-share".to_owned();
        }
    }
    Analysed {
        finding,
        workload,
        target,
        setting,
        profile,
        kind,
        compute,
        configures_resource,
    }
}

/// The target for a service and name, with the resource types from rules/templates.yaml.
fn target_of(knowledge: &Knowledge, service: Service, name: &str) -> Option<Target> {
    let template = knowledge.template_target(service)?;
    Some(Target {
        service,
        resource_type: template.arm_type.clone(),
        terraform_type: template.terraform_type.clone(),
        name: name.to_owned(),
        api_version: template.api_version.clone(),
    })
}

/// The service whose target resource type is (or owns) `type_name`.
pub fn service_of_type(knowledge: &Knowledge, type_name: &str) -> Option<Service> {
    let lower = type_name.to_ascii_lowercase();
    Service::ALL.into_iter().find(|service| {
        knowledge.template_target(*service).is_some_and(|target| {
            let arm = target.arm_type.to_ascii_lowercase();
            lower == arm
                || lower.starts_with(&format!("{arm}/"))
                || lower == target.terraform_type
                || lower.starts_with(&format!("{}_", target.terraform_type))
        })
    })
}

/// The text of the innermost value that holds byte `offset`.
pub fn value_at(document: &Document, text: &str, offset: usize) -> Option<String> {
    document
        .entries
        .iter()
        .filter(|entry| entry.value.contains(&offset))
        .max_by_key(|entry| entry.path.len())
        .map(|entry| entry.text(text).to_owned())
}

fn compute_at(document: &Document, text: &str, offset: usize, path: &str) -> Option<Compute> {
    let resource = targets::resource_at(document, text, offset)?;
    COMPUTE_TYPES
        .iter()
        .any(|compute| resource.type_name.eq_ignore_ascii_case(compute))
        .then(|| Compute {
            computed_name: resource.name.is_none(),
            name: resource.name.unwrap_or(resource.symbol),
            resource_type: resource.type_name,
            template: path.to_owned(),
        })
}

/// The workload directory of a file: the nearest app directory at or above it, else `.`.
fn workload_of(root: &Path, path: &str, cache: &mut BTreeMap<PathBuf, Option<String>>) -> String {
    let mut directory = Path::new(path).parent().map(Path::to_path_buf);
    while let Some(current) = directory {
        let relative = current.to_string_lossy().replace('\\', "/");
        let relative = if relative.is_empty() {
            ".".to_owned()
        } else {
            relative
        };
        if marker_of(&root.join(&current), cache).is_some() {
            return relative;
        }
        if relative == "." {
            break;
        }
        directory = current.parent().map(Path::to_path_buf);
    }
    ".".to_owned()
}

/// The app marker a directory holds, if any (cached).
fn marker_of(directory: &Path, cache: &mut BTreeMap<PathBuf, Option<String>>) -> Option<String> {
    cache
        .entry(directory.to_path_buf())
        .or_insert_with(|| {
            let mut names: Vec<String> = std::fs::read_dir(directory)
                .ok()?
                .filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
                .iter()
                .find(|name| APP_MARKERS.contains(&name.as_str()))
                .or_else(|| {
                    names.iter().find(|name| {
                        PROJECT_EXTENSIONS
                            .iter()
                            .any(|extension| name.ends_with(extension))
                    })
                })
                .cloned()
        })
        .clone()
}

fn build_workload(
    directory: &str,
    analysed: &[Analysed],
    root: &Path,
    files: &mut Files,
    marker_cache: &BTreeMap<PathBuf, Option<String>>,
    knowledge: &Knowledge,
) -> Workload {
    let mine: Vec<&Analysed> = analysed
        .iter()
        .filter(|item| item.workload == directory && item.kind != FindingKind::Other)
        .collect();
    let name = if directory == "." {
        root.canonicalize()
            .ok()
            .and_then(|path| {
                path.file_name()
                    .map(|name| name.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "app".to_owned())
    } else {
        directory.rsplit('/').next().unwrap_or(directory).to_owned()
    };
    let marker = marker_cache
        .get(&root.join(if directory == "." { "" } else { directory }))
        .cloned()
        .flatten();
    let workload_root = if directory == "." {
        root.to_path_buf()
    } else {
        root.join(directory)
    };
    let bindings = find_bindings(&workload_root);

    let mut grouped_because = Vec::new();
    let file_list: BTreeSet<&str> = mine.iter().map(|item| item.finding.path.as_str()).collect();
    grouped_because.push(match &marker {
        Some(marker) => format!(
            "`{directory}` holds {marker}: an app; its files with findings: {}",
            join_ticked(file_list.iter().copied())
        ),
        None => format!(
            "no app marker (host.json, package.json, *.csproj, ...) above these files, so they \
             belong to the scanned directory: {}",
            join_ticked(file_list.iter().copied())
        ),
    });
    let mut by_target: BTreeMap<&Target, BTreeSet<&str>> = BTreeMap::new();
    for item in &mine {
        if let Some(target) = &item.target {
            by_target
                .entry(target)
                .or_default()
                .insert(item.finding.path.as_str());
        }
    }
    for (target, paths) in &by_target {
        let others: BTreeSet<&str> = analysed
            .iter()
            .filter(|item| item.workload != directory && item.target.as_ref() == Some(*target))
            .map(|item| item.workload.as_str())
            .collect();
        let mut line = format!(
            "{} `{}` is named in {}",
            service_noun(target.service),
            target.name,
            join_ticked(paths.iter().copied())
        );
        if !others.is_empty() {
            line.push_str(&format!(
                "; also used by workload {}",
                join_ticked(others.iter().copied())
            ));
        }
        grouped_because.push(line);
    }

    let mut hosting = Vec::new();
    if matches!(marker.as_deref(), Some("host.json" | "local.settings.json"))
        || workload_root.join("host.json").is_file()
    {
        hosting.push("Azure Functions (host.json / local.settings.json)".to_owned());
    }
    let compute = mine.iter().find_map(|item| item.compute.clone());
    if let Some(compute) = &compute {
        hosting.push(format!(
            "`{}` ({}) in `{}`",
            compute.name, compute.resource_type, compute.template
        ));
    }
    let kubernetes: Vec<&str> = mine
        .iter()
        .map(|item| item.finding.path.as_str())
        .filter(|path| is_kubernetes(files, path))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !kubernetes.is_empty() {
        hosting.push(format!(
            "Kubernetes ({})",
            join_ticked(kubernetes.iter().copied())
        ));
    }

    // A principal's name becomes symbols and shell words in the Bicep and az outputs: a name
    // expression (quotes, parentheses, braces) gives way to the workload's name.
    let principal = compute
        .as_ref()
        .filter(|compute| {
            compute.name.chars().all(|character| {
                character.is_ascii_alphanumeric() || matches!(character, '-' | '_' | '.')
            })
        })
        .map_or_else(
            || format!("{name} (system-assigned)"),
            |compute| format!("{} (system-assigned)", compute.name),
        );
    let identity = Identity {
        kind: IdentityKind::SystemAssigned,
        principal: principal.clone(),
        reason: match &compute {
            Some(compute) => format!(
                "one app (`{}`) uses these credentials: a system-assigned identity is created and \
                 deleted with it, and nothing else can use it",
                compute.name
            ),
            None => "one app uses these credentials: a system-assigned identity is created and \
                     deleted with it, and nothing else can use it"
                .to_owned(),
        },
        shared_with: Vec::new(),
    };
    let identity = if kubernetes.is_empty() {
        identity
    } else {
        Identity {
            kind: IdentityKind::UserAssigned,
            principal: format!("id-{name}"),
            reason: format!(
                "it runs on Kubernetes ({}): AKS Workload ID federates a user-assigned identity \
                 with the pod's service account",
                join_ticked(kubernetes.iter().copied())
            ),
            shared_with: Vec::new(),
        }
    };

    let (role_assignments, unresolved) =
        role_assignments(&mine, &identity.principal, &bindings, files, knowledge);
    let key_auth = key_auth_switches(&mine, analysed, knowledge);
    let changes = changes(&mine, files, knowledge);
    let rotate = rotations(&mine, files);
    Workload {
        name,
        directory: directory.to_owned(),
        grouped_because,
        hosting,
        compute,
        identity,
        role_assignments,
        unresolved,
        key_auth,
        changes,
        rotate,
    }
}

fn join_ticked<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How a target is named in prose.
pub fn service_noun(service: Service) -> &'static str {
    match service {
        Service::Storage => "storage account",
        Service::Servicebus => "Service Bus namespace",
        Service::Eventhubs => "Event Hubs namespace",
        Service::Cosmos => "Cosmos DB account",
        Service::Keyvault => "key vault",
        Service::Sql => "SQL server",
        Service::Redis => "cache",
        _ => "resource",
    }
}

fn is_kubernetes(files: &mut Files, path: &str) -> bool {
    if Format::of_path(path) != Some(Format::Yaml) {
        return false;
    }
    files.text(path).is_some_and(|text| {
        let text = text.text();
        text.contains("apiVersion:") && text.contains("kind:")
    })
}

/// Functions bindings in a workload's code: setting name -> (role id, where).
fn find_bindings(workload_root: &Path) -> BTreeMap<String, (String, String)> {
    let mut found = BTreeMap::new();
    let mut stack = vec![(workload_root.to_path_buf(), 0usize)];
    let connection = regex::Regex::new(r#"(?i)connection"?\s*[=:]\s*"([A-Za-z0-9_:.-]+)""#).ok();
    let Some(connection) = connection else {
        return found;
    };
    while let Some((directory, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&directory) else {
            continue;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if path.is_dir() {
                // Another app's directory holds that app's bindings, not this one's.
                let other_app = APP_MARKERS.iter().any(|marker| path.join(marker).is_file());
                let skip = name.starts_with('.')
                    || other_app
                    || matches!(name.as_str(), "node_modules" | "bin" | "obj" | "target");
                if !skip && depth < 6 {
                    stack.push((path, depth + 1));
                }
                continue;
            }
            let relevant = source::language_of(&name).is_some() || name == "function.json";
            let small = entry.metadata().is_ok_and(|meta| meta.len() < 1_000_000);
            if !relevant || !small {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let shown = path
                .strip_prefix(workload_root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let lines: Vec<&str> = text.lines().collect();
            for (index, line) in lines.iter().enumerate() {
                for captures in connection.captures_iter(line) {
                    let Some(setting) = captures.get(1) else {
                        continue;
                    };
                    // The trigger is on the same line (C#, Java, Python decorators) or, in
                    // function.json, a few lines around it.
                    let window = lines
                        .get(index.saturating_sub(4)..(index + 5).min(lines.len()))
                        .unwrap_or_default()
                        .join(" ")
                        .to_ascii_lowercase()
                        .replace('_', "");
                    let same_line = line.to_ascii_lowercase().replace('_', "");
                    let role = BINDINGS
                        .iter()
                        .find(|(binding, _)| same_line.contains(binding))
                        .or_else(|| {
                            BINDINGS
                                .iter()
                                .find(|(binding, _)| window.contains(binding))
                        });
                    if let Some((binding, role)) = role {
                        found.entry(setting.as_str().to_owned()).or_insert((
                            (*role).to_owned(),
                            format!("{binding} in {shown}:{}", index + 1),
                        ));
                    }
                }
            }
        }
    }
    found
}

/// The roles a credential finding needs, each with why.
fn roles_needed(
    item: &Analysed,
    profile: &Profile,
    bindings: &BTreeMap<String, (String, String)>,
) -> Vec<(String, String)> {
    let place = format!("{}:{}", item.finding.path, item.finding.start.line);
    if !item.finding.roles.is_empty() {
        return item
            .finding
            .roles
            .iter()
            .map(|role| {
                (
                    role.role.clone(),
                    format!("{place} (the code calls `{}`)", role.because),
                )
            })
            .collect();
    }
    if let Some((role, because)) = item.setting.as_ref().and_then(|name| bindings.get(name)) {
        return vec![(role.clone(), format!("{place} ({because})"))];
    }
    let always: Vec<(String, String)> = profile
        .roles
        .iter()
        .filter(|choice| choice.when.starts_with("always"))
        .map(|choice| (choice.role.clone(), format!("{place} ({})", choice.when)))
        .collect();
    if !always.is_empty() {
        return always;
    }
    profile
        .roles
        .first()
        .map(|choice| {
            vec![(
                choice.role.clone(),
                format!("{place} (least privilege: {})", choice.when),
            )]
        })
        .unwrap_or_default()
}

fn role_assignments(
    mine: &[&Analysed],
    principal: &str,
    bindings: &BTreeMap<String, (String, String)>,
    files: &mut Files,
    knowledge: &Knowledge,
) -> (Vec<RoleAssignment>, Vec<String>) {
    let vault = mine
        .iter()
        .flat_map(|item| {
            files
                .text(&item.finding.path)
                .map(|text| targets::vaults_in_text(text.text()))
                .unwrap_or_default()
        })
        .next();
    let mut needed: BTreeMap<(Target, String), BTreeSet<String>> = BTreeMap::new();
    let mut unresolved = BTreeSet::new();
    for item in mine
        .iter()
        .filter(|item| item.kind == FindingKind::Credential)
    {
        let Some(profile) = knowledge.profile(&item.profile) else {
            continue;
        };
        for (role_id, because) in roles_needed(item, profile, bindings) {
            let Some(role) = knowledge.role(&role_id) else {
                continue;
            };
            // A Key Vault role is scoped to the vault (a Key Vault reference), not the target.
            let target =
                if role.name.starts_with("Key Vault") && profile.service != Service::Keyvault {
                    vault
                        .as_deref()
                        .and_then(|name| target_of(knowledge, Service::Keyvault, name))
                } else {
                    item.target.clone()
                };
            match target {
                Some(target) => {
                    needed.entry((target, role_id)).or_default().insert(because);
                }
                None => {
                    let noun = if role.name.starts_with("Key Vault") {
                        "key vault"
                    } else {
                        service_noun(profile.service)
                    };
                    unresolved.insert(format!(
                        "{} on the {noun} for {}:{} (its name is not in the files)",
                        role.name, item.finding.path, item.finding.start.line
                    ));
                }
            }
        }
    }
    // Least privilege: drop a role that another needed role on the same target includes.
    let keys: Vec<(Target, String)> = needed.keys().cloned().collect();
    for (target, role) in &keys {
        let covered = keys.iter().any(|(other_target, other_role)| {
            other_target == target && knowledge.covered_by(other_role).contains(role)
        });
        if covered
            && let Some(reasons) = needed.remove(&(target.clone(), role.clone()))
            && let Some(broader) = keys.iter().find(|(other_target, other_role)| {
                other_target == target && knowledge.covered_by(other_role).contains(role)
            })
            && let Some(entry) = needed.get_mut(broader)
        {
            entry.extend(reasons);
        }
    }
    let assignments = needed
        .into_iter()
        .filter_map(|((target, role_id), because)| {
            let role = knowledge.role(&role_id)?;
            Some(RoleAssignment {
                principal: principal.to_owned(),
                role_id: role_id.clone(),
                role: role.name.clone(),
                role_guid: role.output_id().to_owned(),
                kind: role.kind,
                scope: target,
                needed_by: because.into_iter().collect(),
            })
        })
        .collect();
    (assignments, unresolved.into_iter().collect())
}

fn key_auth_switches(
    mine: &[&Analysed],
    analysed: &[Analysed],
    knowledge: &Knowledge,
) -> Vec<KeyAuthSwitch> {
    let targets: BTreeSet<&Target> = mine
        .iter()
        .filter_map(|item| item.target.as_ref())
        .collect();
    targets
        .into_iter()
        .filter_map(|target| {
            let setting = targets::key_auth_of(target.service)?;
            let declared_at = analysed
                .iter()
                .filter(|item| {
                    item.kind == FindingKind::KeyAuth && item.target.as_ref() == Some(target)
                })
                .map(|item| format!("{}:{}", item.finding.path, item.finding.start.line))
                .collect();
            let blocked_by = analysed
                .iter()
                .filter(|item| {
                    item.kind == FindingKind::Credential && item.target.as_ref() == Some(target)
                })
                .filter(|item| {
                    knowledge
                        .profile(&item.profile)
                        .is_some_and(|profile| profile.no_identity.is_some())
                })
                .map(|item| {
                    format!(
                        "{}:{} (`{}` needs the key: no identity replaces it)",
                        item.finding.path,
                        item.finding.start.line,
                        item.setting.as_deref().unwrap_or(&item.profile)
                    )
                })
                .collect();
            Some(KeyAuthSwitch {
                target: target.clone(),
                arm: format!("properties.{}: {}", setting.arm_property, setting.arm_off),
                terraform: format!("{} = {}", setting.terraform_argument, setting.terraform_off),
                declared_at,
                blocked_by,
                used_after_fix: Vec::new(),
            })
        })
        .collect()
}

fn changes(mine: &[&Analysed], files: &mut Files, knowledge: &Knowledge) -> Vec<Change> {
    let mut changes = Vec::new();
    for item in mine
        .iter()
        .filter(|item| item.kind == FindingKind::Credential)
    {
        let finding = item.finding;
        let profile = knowledge.profile(&item.profile);
        let format = Format::of_path(&finding.path);
        let language = source::language_of(&finding.path);
        let before = finding.snippet.text.trim().to_owned();
        let (kind, after, note) = match (format, language) {
            (Some(Format::Bicep | Format::Terraform), _) => (
                ChangeKind::Template,
                profile
                    .map(|profile| profile.replacement.clone())
                    .unwrap_or_default(),
                "the app setting takes the identity-based form; the app gets an identity and \
                 role assignments"
                    .to_owned(),
            ),
            (Some(Format::Json), _)
                if files
                    .document(&finding.path)
                    .is_some_and(|(_, document)| !document.resources.is_empty()) =>
            {
                (
                    ChangeKind::Template,
                    profile
                        .map(|profile| profile.replacement.clone())
                        .unwrap_or_default(),
                    "the app setting takes the identity-based form; the site gets an identity and \
                 role assignments"
                        .to_owned(),
                )
            }
            (None, Some(language)) => (
                ChangeKind::Code,
                profile
                    .and_then(|profile| profile.sdk.get(language))
                    .map_or_else(
                        || {
                            profile
                                .map(|profile| profile.replacement.clone())
                                .unwrap_or_default()
                        },
                        |sdk| format!("{} (packages: {})", sdk.code, sdk.package),
                    ),
                "code is never rewritten: change it by hand".to_owned(),
            ),
            _ => {
                let value = files
                    .document(&finding.path)
                    .and_then(|(text, document)| {
                        value_at(document, text.text(), finding.byte_range.start)
                    })
                    .unwrap_or_default();
                let rewrite = item.setting.as_deref().and_then(|setting| {
                    rewrite::config_setting_rewrite(setting, &value, finding.service)
                });
                match rewrite {
                    Some(rewrite) => (ChangeKind::Config, rewrite.describe(), rewrite.note),
                    None => (
                        ChangeKind::Config,
                        profile
                            .map(|profile| {
                                profile.settings.first().map_or_else(
                                    || profile.replacement.clone(),
                                    |setting| {
                                        setting.replace(
                                            "<PREFIX>",
                                            item.setting.as_deref().unwrap_or("<PREFIX>"),
                                        )
                                    },
                                )
                            })
                            .unwrap_or_default(),
                        "not mechanical: the code that reads this setting changes too".to_owned(),
                    ),
                }
            }
        };
        changes.push(Change {
            kind,
            path: finding.path.clone(),
            line: finding.start.line,
            setting: item.setting.clone(),
            before,
            after,
            applied_by_fix: false,
            note,
        });
    }
    changes
}

fn rotations(mine: &[&Analysed], files: &mut Files) -> Vec<Rotation> {
    mine.iter()
        .filter(|item| item.kind == FindingKind::Credential && item.finding.level == Level::Error)
        .map(|item| {
            let finding = item.finding;
            let line = files
                .text(&finding.path)
                .map(|text| text.line(finding.start.line).to_owned())
                .unwrap_or_default();
            Rotation {
                path: finding.path.clone(),
                line: finding.start.line,
                rule_id: finding.rule_id.clone(),
                service: finding.service,
                secret: finding.masked.clone(),
                target: item.target.as_ref().map(|target| target.name.clone()),
                how: rotation_command(finding.service, item.target.as_ref(), &line),
            }
        })
        .collect()
}

/// How to regenerate a committed key (an `az` command where one exists).
fn rotation_command(service: Service, target: Option<&Target>, line: &str) -> String {
    let name = target.map_or("<name>", |target| target.name.as_str());
    let rule = regex::Regex::new(r"SharedAccessKeyName=([A-Za-z0-9_.-]+)")
        .ok()
        .and_then(|regex| regex.captures(line))
        .and_then(|captures| captures.get(1))
        .map_or("<rule>", |rule| rule.as_str());
    match service {
        Service::Storage => format!(
            "az storage account keys renew --resource-group \"$RG\" --account-name {name} --key primary"
        ),
        Service::Servicebus => format!(
            "az servicebus namespace authorization-rule keys renew --resource-group \"$RG\" --namespace-name {name} --name {rule} --key PrimaryKey"
        ),
        Service::Eventhubs => format!(
            "az eventhubs namespace authorization-rule keys renew --resource-group \"$RG\" --namespace-name {name} --name {rule} --key PrimaryKey"
        ),
        Service::Cosmos => format!(
            "az cosmosdb keys regenerate --resource-group \"$RG\" --name {name} --key-kind primary"
        ),
        Service::Entra => {
            "az ad app credential delete --id <app-id> --key-id <credential-id>".to_owned()
        }
        _ => format!(
            "regenerate the {} key in the Azure portal",
            service.as_str()
        ),
    }
}

/// Workloads with the same non-empty role set share one user-assigned identity.
fn choose_identities(workloads: &mut [Workload]) {
    let signature = |workload: &Workload| -> BTreeSet<(Target, String)> {
        workload
            .role_assignments
            .iter()
            .map(|assignment| (assignment.scope.clone(), assignment.role_id.clone()))
            .collect()
    };
    let signatures: Vec<BTreeSet<(Target, String)>> = workloads.iter().map(signature).collect();
    let names: Vec<String> = workloads
        .iter()
        .map(|workload| workload.name.clone())
        .collect();
    for (index, workload) in workloads.iter_mut().enumerate() {
        let Some(mine) = signatures.get(index) else {
            continue;
        };
        if mine.is_empty() {
            continue;
        }
        let sharing: Vec<usize> = signatures
            .iter()
            .enumerate()
            .filter(|(other, theirs)| *other != index && *theirs == mine)
            .map(|(other, _)| other)
            .collect();
        if sharing.is_empty() {
            continue;
        }
        let first = sharing
            .iter()
            .copied()
            .chain([index])
            .min()
            .unwrap_or(index);
        let principal = format!(
            "id-{}-shared",
            names.get(first).map_or("app", String::as_str)
        );
        workload.identity = Identity {
            kind: IdentityKind::UserAssigned,
            principal: principal.clone(),
            reason: format!(
                "workloads {} need exactly the same roles: one user-assigned identity holds them \
                 once",
                join_ticked(
                    sharing
                        .iter()
                        .chain([&index])
                        .filter_map(|other| names.get(*other))
                        .map(String::as_str)
                )
            ),
            shared_with: sharing
                .iter()
                .filter_map(|other| names.get(*other).cloned())
                .collect(),
        };
        for assignment in &mut workload.role_assignments {
            assignment.principal = principal.clone();
        }
    }
}

impl Plan {
    /// The findings that still use the key of the resource `name` of `service` once `applied`
    /// are made (see [`KeyUse::reaches`] and [`KeyUse::removed_by`]).
    pub fn key_users_after(
        &self,
        service: Service,
        name: &str,
        applied: &[rewrite::AppliedEdit],
    ) -> Vec<&KeyUse> {
        self.key_uses
            .iter()
            .filter(|usage| usage.reaches(service, name) && !usage.removed_by(applied))
            .collect()
    }

    /// Marks the changes that `keyless fix` makes, with its description of the new text, and
    /// lists on each key-auth switch the uses of the key those changes leave.
    pub fn mark_applied(&mut self, applied: &[rewrite::AppliedEdit]) {
        let left: Vec<Vec<String>> = self
            .workloads
            .iter()
            .flat_map(|workload| &workload.key_auth)
            .map(|switch| {
                self.key_users_after(switch.target.service, &switch.target.name, applied)
                    .into_iter()
                    .map(KeyUse::describe)
                    .collect()
            })
            .collect();
        let mut left = left.into_iter();
        for switch in self
            .workloads
            .iter_mut()
            .flat_map(|workload| &mut workload.key_auth)
        {
            switch.used_after_fix = left.next().unwrap_or_default();
        }
        for workload in &mut self.workloads {
            for change in &mut workload.changes {
                if let Some(edit) = applied
                    .iter()
                    .find(|edit| edit.path == change.path && edit.line == change.line)
                {
                    change.applied_by_fix = true;
                    change.after = edit.after.clone();
                    change.note = edit.note.clone();
                }
            }
        }
    }

    /// Every distinct identity of the plan: (principal, kind, workloads using it, compute).
    pub fn identities(&self) -> Vec<(String, IdentityKind, Vec<&Workload>)> {
        let mut identities: Vec<(String, IdentityKind, Vec<&Workload>)> = Vec::new();
        for workload in &self.workloads {
            match identities
                .iter_mut()
                .find(|(principal, ..)| *principal == workload.identity.principal)
            {
                Some((_, _, users)) => users.push(workload),
                None => identities.push((
                    workload.identity.principal.clone(),
                    workload.identity.kind,
                    vec![workload],
                )),
            }
        }
        identities
    }

    /// Every role assignment once: by principal, role and scope.
    pub fn unique_assignments(&self) -> Vec<&RoleAssignment> {
        let mut seen = BTreeSet::new();
        self.workloads
            .iter()
            .flat_map(|workload| &workload.role_assignments)
            .filter(|assignment| {
                seen.insert((
                    assignment.principal.clone(),
                    assignment.role_id.clone(),
                    assignment.scope.clone(),
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(service: Service, target: Option<&str>, needs_key: bool) -> KeyUse {
        KeyUse {
            path: "worker/index.js".to_owned(),
            line: 4,
            rule_id: "servicebus-connection-string".to_owned(),
            service,
            target: target.map(str::to_owned),
            needs_key,
        }
    }

    fn edit_at(path: &str, line: usize) -> rewrite::AppliedEdit {
        rewrite::AppliedEdit {
            path: path.to_owned(),
            line,
            after: String::new(),
            note: String::new(),
        }
    }

    #[test]
    fn a_key_use_reaches_its_resource_and_unknown_ones_of_its_service() {
        let named = usage(Service::Servicebus, Some("sb-fake"), false);
        assert!(named.reaches(Service::Servicebus, "SB-FAKE"));
        assert!(named.reaches(Service::Eventhubs, "sb-fake"));
        assert!(!named.reaches(Service::Servicebus, "sb-other"));
        assert!(!named.reaches(Service::Storage, "sb-fake"));
        let unknown = usage(Service::Servicebus, None, false);
        assert!(unknown.reaches(Service::Servicebus, "anything"));
        assert!(!unknown.reaches(Service::Cosmos, "anything"));
    }

    #[test]
    fn only_a_rewrite_on_its_line_that_replaces_the_key_removes_a_use() {
        let replaced = usage(Service::Storage, Some("st"), false);
        assert!(replaced.removed_by(&[edit_at("worker/index.js", 4)]));
        assert!(!replaced.removed_by(&[edit_at("worker/index.js", 5)]));
        assert!(!replaced.removed_by(&[edit_at("other.js", 4)]));
        // Moved into Key Vault, a key no identity replaces is still used.
        let content_share = usage(Service::Storage, Some("st"), true);
        assert!(!content_share.removed_by(&[edit_at("worker/index.js", 4)]));
        assert_eq!(
            replaced.describe(),
            "worker/index.js:4 (servicebus-connection-string)"
        );
    }
}
