//! The SDK catalogue: which Azure SDK types, constructors, factories, builder methods, option
//! fields and cmdlets take a connection string, key, SAS, client secret or password, and which
//! take a token credential instead, for every language keyless parses.
//!
//! The data is `rules/sdk/<language>.yaml`, generated from the SDKs' own API surfaces by
//! `scripts/sdk_catalogue/generate.py` (facts only: the rules keep the policy). It is embedded at
//! build time (as JSON, like the rule files) and decoded per language on first use, so a scan of
//! files in one language never pays for the others.
//!
//! [`resolve`] maps the calls of one parsed file onto the catalogue: the callee is resolved
//! through the file's imports to a package's type, the overload is chosen by the arguments'
//! count, names and evident types, and the verdict says whether the call authenticates with a
//! key (and which argument carries it) or with an identity.

mod key_gate;
mod resolve;

pub use resolve::{Hit, resolve};

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::parse::code::Language;
use crate::service::Service;

include!(concat!(env!("OUT_DIR"), "/embedded_sdk.rs"));

/// What a parameter carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialKind {
    /// A connection string holding a key.
    ConnectionString,
    /// An account, shared, API or subscription key (or a credential object made of one).
    Key,
    /// A shared access signature.
    Sas,
    /// An Entra client secret or app password.
    Secret,
    /// A user's password.
    Password,
    /// A token credential: the identity-based way in.
    Token,
    /// A credential object that can be either; the argument decides.
    Credential,
}

impl CredentialKind {
    /// True for the kinds that make a call key-based.
    pub fn is_key(self) -> bool {
        matches!(
            self,
            CredentialKind::ConnectionString
                | CredentialKind::Key
                | CredentialKind::Sas
                | CredentialKind::Secret
                | CredentialKind::Password
        )
    }

    /// The kebab-case name rule data uses.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::ConnectionString => "connection-string",
            CredentialKind::Key => "key",
            CredentialKind::Sas => "sas",
            CredentialKind::Secret => "secret",
            CredentialKind::Password => "password",
            CredentialKind::Token => "token",
            CredentialKind::Credential => "credential",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "connection-string" => CredentialKind::ConnectionString,
            "key" => CredentialKind::Key,
            "sas" => CredentialKind::Sas,
            "secret" => CredentialKind::Secret,
            "password" => CredentialKind::Password,
            "token" => CredentialKind::Token,
            "credential" => CredentialKind::Credential,
            _ => return None,
        })
    }
}

/// Whether a package is the current SDK or a retired one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// A current SDK.
    Current,
    /// A deprecated or retired library.
    Legacy,
}

/// The service a package talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageService {
    /// One service.
    Service(Service),
    /// A credential package (Azure.Identity, azure-core's key credentials, MSAL): client secrets
    /// are Entra's; key credentials belong to the client they are passed to.
    Identity,
}

/// One SDK package.
#[derive(Debug, Clone)]
pub struct Package {
    /// As installed (`Azure.Storage.Blobs`, `@azure/storage-blob`, `azure-storage-blob`).
    pub name: String,
    /// The service it talks to.
    pub service: PackageService,
    /// Current or legacy.
    pub status: Status,
    /// For a legacy package, the current package that replaces it.
    pub replacement: Option<String>,
}

/// What kind of member a catalogue entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MemberKind {
    /// A constructor (Python `__init__`).
    Ctor,
    /// A static method, factory, package function or associated function.
    Static,
    /// An instance method (a builder setter).
    Method,
    /// A settable option field.
    Field,
    /// A PowerShell cmdlet or CLI command (one parameter set).
    Cmdlet,
}

/// One parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Its name.
    pub name: String,
    /// Its type as the SDK writes it (may be empty).
    pub ty: String,
    /// What it carries, when it is a credential or a token credential.
    pub kind: Option<CredentialKind>,
    /// True when it may be left out.
    pub optional: bool,
    /// True for a variadic parameter or a keyword catch-all (`**kwargs`).
    pub variadic: bool,
}

impl Param {
    /// Decodes `name?:type!kind` (`?` optional, a leading `...` or `**` variadic).
    fn decode(encoded: &str) -> Self {
        let (head, kind) = match encoded.rsplit_once('!') {
            Some((head, kind)) => (head, CredentialKind::parse(kind)),
            None => (encoded, None),
        };
        let (name, ty) = head.split_once(':').unwrap_or((head, ""));
        let variadic = name.starts_with("...") || name.starts_with("**") || name.starts_with('*');
        let name = name.trim_start_matches(['.', '*']);
        let optional = name.ends_with('?');
        Param {
            name: name.trim_end_matches('?').to_owned(),
            ty: ty.trim().to_owned(),
            kind,
            optional,
            variadic,
        }
    }

    /// The type's last identifier without generics or pointers (`Azure.Core.TokenCredential` →
    /// `TokenCredential`, `*azblob.SharedKeyCredential` → `SharedKeyCredential`).
    pub fn bare_type(&self) -> &str {
        bare_type(&self.ty)
    }
}

/// The last identifier of a type (before generics), without namespace or pointer.
pub fn bare_type(ty: &str) -> &str {
    let head = ty.split(['<', '[', '|', ' ']).next().unwrap_or(ty);
    let head = head.trim_start_matches(['*', '&']);
    head.rsplit(['.', ':']).next().unwrap_or(head)
}

/// One member of a type.
#[derive(Debug, Clone)]
pub struct Member {
    /// `new` for a constructor, else the name as called.
    pub name: String,
    /// What it is.
    pub kind: MemberKind,
    /// Its parameters.
    pub params: Vec<Param>,
    /// The return type of a static or method, when known.
    pub returns: Option<String>,
    /// Where the catalogue read it.
    pub source: String,
}

/// One type (or, for `-`, the package-level functions or cmdlets of a namespace).
#[derive(Debug, Clone)]
pub struct TypeEntry {
    /// The type's name, or `-`.
    pub name: String,
    /// What a file imports to use it.
    pub namespace: String,
    /// Index into [`LanguageCatalogue::packages`].
    pub package: usize,
    /// Its members.
    pub members: Vec<Member>,
}

/// The catalogue of one language.
#[derive(Debug, Default)]
pub struct LanguageCatalogue {
    /// Every package.
    pub packages: Vec<Package>,
    /// Every type.
    pub types: Vec<TypeEntry>,
    /// Type name → indexes into `types`.
    by_type: HashMap<String, Vec<usize>>,
    /// Package-level function or cmdlet name (PowerShell: lowercased) → indexes of the `-` types
    /// that hold it.
    by_function: HashMap<String, Vec<usize>>,
    /// C# extension method name → indexes of the `*Extensions` types that declare it (called on
    /// their first parameter: `clientBuilder.AddServiceBusClient(connectionString)`).
    by_extension: HashMap<String, Vec<usize>>,
    /// Credential type name → what it carries.
    credential_types: HashMap<String, CredentialKind>,
    /// (option type, field path) → what the field carries (`("Configuration",
    /// "auth.clientSecret")` → secret).
    fields: HashMap<(String, String), CredentialKind>,
    /// The language the catalogue was written for (JavaScript's serves TypeScript too).
    language: Option<Language>,
    /// PowerShell's names ignore case.
    case_insensitive: bool,
    /// Finds [`LanguageCatalogue::keywords`] in a text; built on first use.
    mentions: OnceLock<Option<aho_corasick::AhoCorasick>>,
    /// The words a key verdict needs ([`LanguageCatalogue::may_take_key_in`]); built on first
    /// use.
    key_gate: OnceLock<key_gate::KeyGate>,
}

/// A matcher of `names` (deduplicated; cmdlets ignore case, other names do not). `None` only if
/// it cannot be built, which these inputs never cause.
fn whole_names<'n>(
    names: impl Iterator<Item = &'n str>,
    case_insensitive: bool,
) -> Option<aho_corasick::AhoCorasick> {
    let mut names: Vec<&str> = names.filter(|name| !name.is_empty()).collect();
    names.sort_unstable();
    names.dedup();
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(case_insensitive)
        .build(names)
        .ok()
}

/// Whether `matcher` finds one of its names in `text` as a whole word (`NewClient` does not
/// count inside `NewClientFactory`); without a matcher every text qualifies.
fn names_any(matcher: Option<&aho_corasick::AhoCorasick>, text: &str) -> bool {
    let Some(matcher) = matcher else {
        return true;
    };
    matcher
        .find_overlapping_iter(text)
        .any(|found| stands_alone(text, found.start(), found.end()))
}

/// Whether `text[start..end]` is a whole name: no letter, digit or `_` right before or after.
pub(crate) fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let bytes = text.as_bytes();
    let part_of_name = |at: Option<usize>| {
        at.and_then(|at| bytes.get(at))
            .is_some_and(|&byte| byte.is_ascii_alphanumeric() || byte == b'_')
    };
    !part_of_name(start.checked_sub(1)) && !part_of_name(Some(end))
}

impl LanguageCatalogue {
    /// The types named `name`.
    pub fn types_named(&self, name: &str) -> &[usize] {
        self.by_type.get(name).map_or(&[], Vec::as_slice)
    }

    /// The C# `*Extensions` types that declare an extension method named `name`.
    pub fn extensions_named(&self, name: &str) -> &[usize] {
        self.by_extension.get(name).map_or(&[], Vec::as_slice)
    }

    /// The `-` types that hold a function or cmdlet named `name`.
    pub fn functions_named(&self, name: &str) -> &[usize] {
        self.by_function.get(name).map_or(&[], Vec::as_slice)
    }

    /// What a credential type carries (`AzureKeyCredential` → key).
    pub fn credential_type(&self, name: &str) -> Option<CredentialKind> {
        self.credential_types.get(name).copied()
    }

    /// True when `text` names something in this catalogue (a type, function, cmdlet or
    /// namespace): only then can one of its calls resolve here, so only then is it worth
    /// reading the file's imports and resolving its calls.
    pub fn mentioned_in(&self, text: &str) -> bool {
        let matcher = self
            .mentions
            .get_or_init(|| whole_names(self.keywords(), self.case_insensitive));
        names_any(matcher.as_ref(), text)
    }

    /// True when a call in `text` could resolve to a key-based verdict: sure, not a guess. The
    /// file holds every word the resolver needs to reach a member that takes a key (see
    /// [`key_gate`]): the member's name, its type's name, and its namespace's first segment,
    /// however short or common they are (`Client`, `create`, `Azure`). The one other way, a
    /// client over a SAS URL with an `AnonymousCredential`, can take any member: a file that
    /// names it qualifies.
    pub fn may_take_key_in(&self, text: &str) -> bool {
        text.contains("AnonymousCredential")
            || self
                .key_gate
                .get_or_init(|| key_gate::KeyGate::new(self))
                .admits(text)
    }

    /// What the field at `path` of the option type `type_name` carries, when it is a credential.
    pub fn field_kind(&self, type_name: &str, path: &str) -> Option<CredentialKind> {
        self.fields
            .get(&(type_name.to_owned(), path.to_owned()))
            .copied()
    }

    /// The package of a type.
    pub fn package_of(&self, entry: &TypeEntry) -> Option<&Package> {
        self.packages.get(entry.package)
    }

    /// The names a file must contain for a key-based call to resolve here: the types and
    /// functions that take a key (an identity-only type such as `DefaultAzureCredential` is no
    /// reason to parse a file), their key-taking factories, cmdlets, and the modules of
    /// default-exported clients. Short names (`Client`) would let every file through; such a
    /// type's calls are still found through its factory's name (`fromConnectionString`).
    pub fn keywords(&self) -> impl Iterator<Item = &str> {
        let takes_key = |member: &Member| {
            member
                .params
                .iter()
                .any(|param| param.kind.is_some_and(CredentialKind::is_key))
        };
        let identity_only = move |entry: &TypeEntry| {
            self.package_of(entry)
                .is_some_and(|package| package.service == PackageService::Identity)
                && !entry.members.iter().any(takes_key)
        };
        // Option types (`Configuration`, `ClientOptions`) are named everywhere; the client that
        // takes them is the telling name.
        let option_type =
            |entry: &TypeEntry| entry.members.iter().any(|m| m.kind == MemberKind::Field);
        self.types
            .iter()
            .filter(move |entry| !identity_only(entry))
            .flat_map(move |entry| {
                let own = (entry.name != "-" && !option_type(entry)).then_some(entry.name.as_str());
                let members = entry
                    .members
                    .iter()
                    .filter(move |member| takes_key(member) && member.name != "new")
                    .map(|member| member.name.as_str())
                    .filter(move |name| entry.name == "-" || name.len() >= 12);
                let module = entry
                    .members
                    .iter()
                    .any(|member| member.name == "default")
                    .then_some(entry.namespace.as_str());
                own.into_iter().chain(members).chain(module)
            })
            .filter(|name| {
                name.len() >= 9
                    || name.starts_with(|c: char| c.is_ascii_uppercase()) && name.contains('-')
            })
    }

    fn from_file(file: CatalogueFile) -> Self {
        let mut catalogue = LanguageCatalogue {
            language: Some(file.language),
            case_insensitive: file.language == Language::Powershell,
            ..LanguageCatalogue::default()
        };
        let mut package_index = HashMap::new();
        for package in file.packages {
            let service = match package.service.as_str() {
                "identity" | "core" => PackageService::Identity,
                other => match Service::parse(other) {
                    Some(service) => PackageService::Service(service),
                    // Generated data is checked by a test; an unknown service is skipped here.
                    None => continue,
                },
            };
            package_index.insert(package.package.clone(), catalogue.packages.len());
            catalogue.packages.push(Package {
                name: package.package,
                service,
                status: package.status,
                replacement: package.replacement,
            });
        }
        for entry in file.types {
            let Some(&package) = package_index.get(&entry.package) else {
                continue;
            };
            let index = catalogue.types.len();
            let members: Vec<Member> = entry
                .members
                .into_iter()
                .map(|member| Member {
                    name: member.name,
                    kind: member.kind,
                    params: member.params.iter().map(|p| Param::decode(p)).collect(),
                    returns: member.returns,
                    source: member.source,
                })
                .collect();
            for member in members.iter().filter(|m| m.kind == MemberKind::Field) {
                if let Some(kind) = member.params.first().and_then(|param| param.kind) {
                    catalogue
                        .fields
                        .entry((entry.name.clone(), member.name.clone()))
                        .or_insert(kind);
                }
            }
            if file.language == Language::Csharp && entry.name.ends_with("Extensions") {
                for member in members.iter().filter(|m| m.kind == MemberKind::Static) {
                    let slot = catalogue
                        .by_extension
                        .entry(member.name.clone())
                        .or_default();
                    if !slot.contains(&index) {
                        slot.push(index);
                    }
                }
            }
            if entry.name == "-" {
                for member in &members {
                    let key = function_key(file.language, &member.name);
                    let slot = catalogue.by_function.entry(key).or_default();
                    if !slot.contains(&index) {
                        slot.push(index);
                    }
                }
            } else {
                catalogue
                    .by_type
                    .entry(entry.name.clone())
                    .or_default()
                    .push(index);
            }
            catalogue.types.push(TypeEntry {
                name: entry.name,
                namespace: entry.namespace,
                package,
                members,
            });
        }
        catalogue.credential_types = file
            .credential_types
            .into_iter()
            .filter_map(|(name, kind)| CredentialKind::parse(&kind).map(|kind| (name, kind)))
            .collect();
        catalogue
    }
}

/// How functions are looked up: PowerShell cmdlets ignore case.
pub(crate) fn function_key(language: Language, name: &str) -> String {
    if language == Language::Powershell {
        name.to_ascii_lowercase()
    } else {
        name.to_owned()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    language: Language,
    #[serde(default)]
    credential_types: std::collections::BTreeMap<String, String>,
    packages: Vec<PackageSpec>,
    types: Vec<TypeSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackageSpec {
    package: String,
    service: String,
    status: Status,
    replacement: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TypeSpec {
    name: String,
    namespace: String,
    package: String,
    members: Vec<MemberSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberSpec {
    name: String,
    kind: MemberKind,
    params: Vec<String>,
    #[serde(default)]
    returns: Option<String>,
    source: String,
}

/// A problem in a catalogue file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rules/sdk/{file}: {message}")]
pub struct CatalogueError {
    /// File name under `rules/sdk/`.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

/// Decodes one language's embedded catalogue (JSON when the build made it, else YAML).
fn decode(language: Language) -> Result<LanguageCatalogue, CatalogueError> {
    let name = format!("{}.yaml", language_file(language));
    let json = EMBEDDED_SDK_JSON
        .iter()
        .find(|(file, _)| *file == name)
        .and_then(|(_, json)| *json);
    let file: CatalogueFile = match json {
        Some(json) => serde_json::from_str(json).map_err(|error| CatalogueError {
            file: name.clone(),
            message: error.to_string(),
        })?,
        None => {
            let Some((_, yaml)) = EMBEDDED_SDK_FILES.iter().find(|(file, _)| *file == name) else {
                return Ok(LanguageCatalogue::default());
            };
            serde_saphyr::from_str(yaml).map_err(|error| CatalogueError {
                file: name.clone(),
                message: error.to_string(),
            })?
        }
    };
    Ok(LanguageCatalogue::from_file(file))
}

/// The catalogue file a language reads (TypeScript shares JavaScript's).
pub fn language_file(language: Language) -> &'static str {
    catalogue_of(language).1
}

/// A language's slot in [`CATALOGUES`] and its catalogue file's name.
fn catalogue_of(language: Language) -> (usize, &'static str) {
    match language {
        Language::Csharp => (0, "csharp"),
        Language::Python => (1, "python"),
        Language::Javascript | Language::Typescript => (2, "javascript"),
        Language::Java => (3, "java"),
        Language::Go => (4, "go"),
        Language::Powershell => (5, "powershell"),
        Language::Rust => (6, "rust"),
    }
}

static CATALOGUES: [OnceLock<LanguageCatalogue>; 7] = [
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
];

/// The catalogue of a language, decoded on first use. A file that does not decode gives an empty
/// catalogue here; [`check_all`] (run by the tests and `keyless rules`) reports it.
pub fn for_language(language: Language) -> &'static LanguageCatalogue {
    let (slot, _) = catalogue_of(language);
    CATALOGUES[slot].get_or_init(|| decode(language).unwrap_or_default())
}

/// Decodes every language's catalogue and returns the problems found.
pub fn check_all() -> Vec<CatalogueError> {
    let mut problems = Vec::new();
    for language in Language::ALL {
        if language == Language::Typescript {
            continue;
        }
        match decode(language) {
            Ok(catalogue) => {
                if catalogue.packages.is_empty() {
                    continue;
                }
                for entry in &catalogue.types {
                    if catalogue.package_of(entry).is_none() {
                        problems.push(CatalogueError {
                            file: format!("{}.yaml", language_file(language)),
                            message: format!("type {} has no package", entry.name),
                        });
                    }
                }
            }
            Err(error) => problems.push(error),
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_decode() {
        let param = Param::decode("connectionString?:string!connection-string");
        assert_eq!(param.name, "connectionString");
        assert_eq!(param.ty, "string");
        assert_eq!(param.kind, Some(CredentialKind::ConnectionString));
        assert!(param.optional && !param.variadic);
        let kwargs = Param::decode("**kwargs:");
        assert!(kwargs.variadic && kwargs.kind.is_none());
        assert_eq!(
            bare_type("*azblob.SharedKeyCredential"),
            "SharedKeyCredential"
        );
        assert_eq!(bare_type("Azure.Core.TokenCredential"), "TokenCredential");
        assert_eq!(bare_type("Arc<dyn TokenCredential>"), "Arc");
    }

    #[test]
    fn every_catalogue_decodes() {
        assert_eq!(check_all(), Vec::new());
    }
}
