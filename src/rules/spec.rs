//! Serde types for the rule data in `rules/*.yaml`.
//!
//! Every struct denies unknown fields, so a misspelt field fails loading (and the tests) with the
//! rule id and the file named. These types are the schema; `rules/README.md` documents it.

use serde::Deserialize;

use crate::finding::Level;
use crate::service::Service;

/// One detection rule: metadata, pattern, context checks, docs and executable examples.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Stable kebab-case id that names what is found; never reused.
    pub id: String,
    /// Short title shown in rule lists and SARIF.
    pub name: String,
    /// Level of a finding (error: leaked secret; warning: key-based auth; note: advice).
    pub level: Level,
    /// Service the credential belongs to (may be refined by `service_hints`).
    pub service: Service,
    /// Remediation profile id; defaults to the service's own profile.
    #[serde(default)]
    pub remediation: Option<String>,
    /// Text rules: a regex (Rust `regex` syntax, linear time) run over the whole file. The named
    /// group `secret` is the span reported and masked. Exactly one of `pattern`, `named`,
    /// `settings` and `calls`.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Text rules by name: the names that say what a value is and the value's shape; the
    /// pattern, written once for every syntax, comes from `rules::named`.
    #[serde(default)]
    pub named: Option<super::named::NamedSpec>,
    /// Text rules: whether the `secret` group is a secret (masked everywhere). False for rules
    /// that point at key-based wiring such as a `listKeys()` call.
    #[serde(default = "default_true")]
    pub secret: bool,
    /// Call rules: alternatives matched on the calls of parsed source code (C#, Python, JS/TS,
    /// Java, Go, PowerShell, Rust); any one that matches fires.
    #[serde(default)]
    pub calls: Vec<CallSpec>,
    /// Call rules: the calls the SDK catalogue (`rules/sdk/`) resolves to a member that takes a
    /// key of one of these kinds. The catalogue decides the calls it knows; `calls` alternatives
    /// only see the others.
    #[serde(default)]
    pub catalogue: Option<CatalogueSpec>,
    /// Setting rules: alternatives matched on the parsed key/value view of structured files
    /// (ARM, Bicep, Terraform, YAML, XML, JSON and key=value config); any one that matches fires.
    #[serde(default)]
    pub settings: Vec<SettingSpec>,
    /// Cheap literals (matched ASCII case-insensitively); the pattern only runs on files that hold
    /// one of them.
    pub keywords: Vec<String>,
    /// Named filters from `rules/filters.yaml` this rule applies besides the ones that apply to all.
    #[serde(default)]
    pub filters: Vec<String>,
    /// A small matcher in Rust that checks the secret (checksums).
    #[serde(default)]
    pub validate: Option<Validator>,
    /// Minimum Shannon entropy (bits per character) of the secret.
    #[serde(default)]
    pub min_entropy: Option<f64>,
    /// Context that must be present for the rule to fire.
    #[serde(default)]
    pub requires: Vec<ContextSpec>,
    /// Context that silences the rule.
    #[serde(default)]
    pub excludes: Vec<ContextSpec>,
    /// Context that refines the finding's service or remediation (e.g. Event Hubs vs Service
    /// Bus, a secret in a CI workflow); the first hint that matches wins.
    #[serde(default)]
    pub hints: Vec<Hint>,
    /// Message template: lowercase, no final period; `{name}` inserts a named capture group,
    /// `{secret}` the masked secret.
    pub message: String,
    /// What it finds, why it is bad, what to do instead.
    pub docs: Docs,
    /// Public sources for the format and the advice.
    #[serde(default)]
    pub references: Vec<String>,
    /// Texts the rule must fire on (run through the real pipeline by a test).
    pub examples: Vec<Example>,
    /// Texts the rule must stay silent on.
    pub negative_examples: Vec<Example>,
}

fn default_true() -> bool {
    true
}

/// Rule documentation, in clippy's what / why / instead shape.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Docs {
    /// What the rule finds.
    pub what: String,
    /// Why that is a problem.
    pub why: String,
    /// What to use instead.
    pub instead: String,
}

/// One way a setting can be wrong, in one family of files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingSpec {
    /// Formats this alternative applies to; empty: every structured format.
    #[serde(default)]
    pub formats: Vec<crate::parse::Format>,
    /// Resource types (ARM type without API version, or Terraform type) whose settings are
    /// matched; `key` is then relative to the resource. Empty: keys anywhere in the document.
    #[serde(default)]
    pub resources: Vec<String>,
    /// Regex over the key path joined with `.` (relative to the resource when `resources` is set).
    pub key: String,
    /// What the value must be.
    #[serde(default)]
    pub value: ValueTest,
    /// Conditions on sibling entries (same parent path), e.g. a parameter's `type`.
    #[serde(default)]
    pub siblings: Vec<SiblingTest>,
    /// With `resources`: fire only when the resource has no setting whose relative key matches
    /// this regex (e.g. `^identity(\.|$)`); the finding points at the first entry that `key` and
    /// `value` matched, the evidence (e.g. an app setting fed by `listKeys()`).
    #[serde(default)]
    pub missing: Option<String>,
    /// With `resources`: fire only when another resource of the same document (not the matched
    /// one) passes this test, e.g. an app that already has a managed identity.
    #[serde(default)]
    pub another_resource: Option<ResourceTest>,
}

/// A condition on a resource: one of its entries (key relative to the resource) passes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceTest {
    /// Resource types it may be (empty: any type).
    #[serde(default)]
    pub resources: Vec<String>,
    /// Regex over an entry's key path relative to the resource (`^identity\.type$`).
    pub key: String,
    /// What that entry's value must be.
    #[serde(default)]
    pub value: ValueTest,
}

/// One key-based SDK call shape.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallSpec {
    /// Languages it applies to; empty: every language.
    #[serde(default)]
    pub languages: Vec<crate::parse::code::Language>,
    /// Regex over the normalised callee (`BlobServiceClient.from_connection_string`,
    /// `new StorageSharedKeyCredential`, `New-AzStorageContext`).
    pub callee: String,
    /// Conditions on arguments; each must be met by at least one argument.
    #[serde(default)]
    pub arguments: Vec<ArgumentTest>,
    /// The argument that carries the key or secret: when its value is a literal in the file, the
    /// finding becomes an `error` on that literal instead of a warning on the call.
    #[serde(default)]
    pub credential: Option<ArgumentTest>,
}

/// Which catalogue hits a rule reports.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueSpec {
    /// The credential kinds reported (`connection-string`, `key`, `sas`, `secret`, `password`).
    pub kinds: Vec<crate::catalogue::CredentialKind>,
    /// Only hits of these services (empty: any).
    #[serde(default)]
    pub services: Vec<Service>,
    /// Never hits of these services.
    #[serde(default)]
    pub exclude_services: Vec<Service>,
    /// Appended to the message when the callee's package is a legacy library; may use
    /// `{package}` and `{replacement}`.
    #[serde(default)]
    pub legacy_note: Option<String>,
}

impl CatalogueSpec {
    /// Whether a hit of this kind and service is this rule's.
    pub fn selects(
        &self,
        kind: crate::catalogue::CredentialKind,
        service: Option<Service>,
    ) -> bool {
        self.kinds.contains(&kind)
            && (self.services.is_empty() || service.is_some_and(|s| self.services.contains(&s)))
            && !service.is_some_and(|s| self.exclude_services.contains(&s))
    }
}

/// A condition on one argument of a call.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArgumentTest {
    /// Only the argument at this 0-based position.
    #[serde(default)]
    pub index: Option<usize>,
    /// Regex over the argument's name (keyword arguments, PowerShell parameters, object keys).
    #[serde(default)]
    pub name: Option<String>,
    /// Regex over the argument's source text.
    #[serde(default)]
    pub matches: Option<String>,
}

/// A condition on an entry's value. Every condition given must hold.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueTest {
    /// The value text equals one of these, ignoring ASCII case (`true`, `false`, `securestring`).
    #[serde(default)]
    pub equals: Vec<String>,
    /// The value is a string literal written in the file: not an expression, a reference or a
    /// placeholder (the shared filters apply), and not empty. Findings then mask the value.
    #[serde(default)]
    pub literal: bool,
    /// Regex the value text must match.
    #[serde(default)]
    pub matches: Option<String>,
}

/// A condition on a sibling entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiblingTest {
    /// Regex over the sibling's name (the last key of its path).
    pub key: String,
    /// What the sibling's value must be.
    pub value: ValueTest,
}

/// A rule example: a bare text (scanned as `example.txt`) or a text with a file name that
/// selects how it is parsed.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Example {
    /// A text scanned as a plain file.
    Text(String),
    /// A text scanned as if it were the named file.
    File {
        /// File name (e.g. `appsettings.json`), which decides the parser.
        file: String,
        /// File contents.
        text: String,
    },
}

impl Example {
    /// The file name the example is scanned as.
    pub fn file_name(&self) -> &str {
        match self {
            Example::Text(_) => "example.txt",
            Example::File { file, .. } => file,
        }
    }

    /// The example's text.
    pub fn text(&self) -> &str {
        match self {
            Example::Text(text) | Example::File { text, .. } => text,
        }
    }
}

/// Where a context pattern is looked for, relative to the match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Within {
    /// The secret capture.
    Secret,
    /// The matched text itself.
    Match,
    /// The run of non-space, non-quote characters around the match (a URL, a query string).
    Token,
    /// The line(s) of the match.
    Line,
    /// The lines of the match and three lines either side.
    Nearby,
    /// The whole file.
    File,
    /// The file's path as shown in output (e.g. `.github/workflows/`).
    Path,
    /// The key path (joined with `.`) of the structured entry whose value holds the match:
    /// `ConnectionStrings.Blobs` in appsettings.json, `spring.datasource.password`, `stringData.x`.
    /// Nothing matches in files keyless does not parse.
    Key,
    /// The name of the setting whose value holds the match: the entry's own key, or the `name`
    /// beside the value of a `{ name: X, value: ... }` app setting or an `<add name="X" .../>`
    /// element (`AzureWebJobsStorage` in a template's appSettings). Nothing matches in files
    /// keyless does not parse.
    Setting,
}

/// A regex looked for around a match.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextSpec {
    /// Regex looked for.
    pub pattern: String,
    /// Where it is looked for.
    pub within: Within,
}

/// Context that assigns a finding to another service or remediation profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hint {
    /// The service to assign when the pattern is found.
    #[serde(default)]
    pub service: Option<Service>,
    /// The remediation profile to point to when the pattern is found.
    #[serde(default)]
    pub remediation: Option<String>,
    /// Regex looked for.
    pub pattern: String,
    /// Where it is looked for.
    pub within: Within,
}

/// Small matchers written in Rust, named from rule data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validator {
    /// The secret is an Entra client secret whose `8Q~` checksum is valid.
    EntraChecksum,
    /// The secret is a Microsoft identifiable key whose embedded checksum is valid; the key's
    /// signature decides the service.
    IdentifiableKey,
    /// The secret is a CASK key with a known provider tag.
    CaskKey,
    /// A key found by context: when it carries a Microsoft identifiable signature, its checksum
    /// must be valid (a signed key with a broken checksum is not a real key); unsigned legacy
    /// keys pass. The rule keeps its own service.
    ChecksumIfSigned,
}

/// A named, reusable false-alarm filter from `rules/filters.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterSpec {
    /// Kebab-case id that rules refer to.
    pub id: String,
    /// What the filter recognises and why it is not a credential.
    pub description: String,
    /// Which text the filter looks at.
    pub target: FilterTarget,
    /// When true the filter applies to every rule; otherwise only to rules that name it.
    #[serde(default)]
    pub all_rules: bool,
    /// Regexes; the finding is dropped when one matches the target.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Regexes for what is code only where a value can be an expression: they are skipped for a
    /// quoted value and for any value of a JSON, YAML, XML or key=value file, which is always a
    /// literal (`password = Fk9.Kd3m` in an `.ini` is a password, not a member chain).
    #[serde(default)]
    pub code_patterns: Vec<String>,
    /// Exact values; the finding is dropped when the target equals one (or, for `match` and
    /// `line` targets, contains one).
    #[serde(default)]
    pub values: Vec<String>,
    /// Texts the filter must drop (checked by a test).
    pub examples: Vec<String>,
}

/// The text a filter inspects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FilterTarget {
    /// The secret capture.
    Secret,
    /// The whole regex match.
    Match,
    /// The line(s) of the match.
    Line,
}
