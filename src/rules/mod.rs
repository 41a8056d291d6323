//! The rule registry: loads the embedded YAML, validates it and compiles every pattern once.
//!
//! Rule files hold lists of [`spec::RuleSpec`]; `filters.yaml`, `roles.yaml` and
//! `remediation.yaml` hold the shared filters and the remediation knowledge. Loading collects every
//! problem (file, line, rule id) before failing, so one run shows them all.

mod enclosing;
pub mod gate;
pub mod lazy;
pub mod matcher;
pub mod named;
pub(crate) mod needs;
mod prefilter;
mod settings;
pub mod spec;
mod validators;

pub use validators::identifiable_service;

use lazy::LazyRegex;
use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use crate::remediation::{
    Knowledge, KnowledgeFiles, OperationsFile, RemediationFile, Role, TemplateTarget,
};
use spec::{ContextSpec, FilterSpec, FilterTarget, RuleSpec, Within};

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// A problem in the rule data, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {}{message}", rule.as_ref().map(|id| format!("rule `{id}`: ")).unwrap_or_default())]
pub struct RuleLoadError {
    /// File name under `rules/`.
    pub file: String,
    /// 1-based line of the item with the problem.
    pub line: usize,
    /// The rule's id, when known.
    pub rule: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// A compiled context check.
#[derive(Debug)]
pub struct Context {
    /// The compiled pattern.
    pub regex: LazyRegex,
    /// Where it is looked for.
    pub within: Within,
}

/// A compiled false-alarm filter.
#[derive(Debug)]
pub struct Filter {
    /// The filter as written.
    pub spec: FilterSpec,
    regexes: Vec<LazyRegex>,
    /// [`FilterSpec::code_patterns`], compiled.
    code_regexes: Vec<LazyRegex>,
}

impl Filter {
    /// True when the filter recognises `text` as not a credential, where it may be code.
    pub fn drops(&self, text: &str) -> bool {
        self.drops_value(text, false)
    }

    /// True when the filter recognises `text` as not a credential; `literal` when the value is
    /// known to be a literal (quoted, or in a data file), so code patterns do not apply.
    pub fn drops_value(&self, text: &str, literal: bool) -> bool {
        let value_hit = match self.spec.target {
            FilterTarget::Secret => self.spec.values.iter().any(|value| value == text),
            FilterTarget::Match | FilterTarget::Line => self
                .spec
                .values
                .iter()
                .any(|value| text.contains(value.as_str())),
        };
        value_hit
            || self.regexes.iter().any(|regex| regex.is_match(text))
            || !literal && self.code_regexes.iter().any(|regex| regex.is_match(text))
    }
}

/// A compiled value test.
#[derive(Debug)]
pub struct CompiledValueTest {
    /// Values that match, lowercased.
    pub equals: Vec<String>,
    /// The value must be a literal string.
    pub literal: bool,
    /// Regex the value must match.
    pub matches: Option<LazyRegex>,
    /// The words a file needs for `matches` to pass one of its values; worked out on first use.
    pub needs: OnceLock<needs::CallNeeds>,
}

impl CompiledValueTest {
    /// Whether `text` could hold a value this test passes: false only when `matches` needs a
    /// word the text lacks. A value is the text of its span in the file or, for an entry the
    /// parser made up ([`crate::parse::SYNTHETIC_VALUES`]), a fixed word; a pattern one of
    /// those passes needs nothing.
    pub fn may_pass_in(&self, text: &str) -> bool {
        self.needs
            .get_or_init(|| match &self.matches {
                Some(regex)
                    if !crate::parse::SYNTHETIC_VALUES
                        .iter()
                        .any(|value| regex.is_match(value)) =>
                {
                    needs::CallNeeds::of_patterns([regex.as_str()])
                }
                _ => needs::CallNeeds::default(),
            })
            .met_by(text)
    }
}

/// A compiled setting alternative.
#[derive(Debug)]
pub struct CompiledSetting {
    /// Formats it applies to (empty: all).
    pub formats: Vec<crate::parse::Format>,
    /// Resource types (empty: document-wide keys).
    pub resources: Vec<String>,
    /// Regex over the dotted key path.
    pub key: LazyRegex,
    /// Test on the value.
    pub value: CompiledValueTest,
    /// Tests on siblings: (name regex, value test).
    pub siblings: Vec<(LazyRegex, CompiledValueTest)>,
    /// Fire only when no setting of the resource matches this.
    pub missing: Option<LazyRegex>,
    /// Fire only when another resource of the document passes this.
    pub another_resource: Option<CompiledResourceTest>,
    /// The words a file needs for this alternative to match one of its entries; worked out on
    /// first use.
    pub needs: OnceLock<needs::CallNeeds>,
}

impl CompiledSetting {
    /// Whether this alternative reads files of `format`.
    pub fn applies_to(&self, format: crate::parse::Format) -> bool {
        self.formats.is_empty() || self.formats.contains(&format)
    }

    /// Whether `text` could hold an entry this alternative matches: false only when it lacks
    /// every word the key pattern needs, or every resource type the alternative names, as the
    /// document would spell them. Keys spelled with escapes ([`keys_may_be_escaped`]) are not
    /// in the text as the document reads them: the caller asks this only of texts without.
    pub fn may_match_in(&self, text: &str) -> bool {
        self.needs
            .get_or_init(|| needs::CallNeeds::of_setting(self.key.as_str(), &self.resources))
            .met_by(text)
    }
}

/// True when `text` may spell a letter of a key or resource type through an escape, a line
/// continuation or a character reference (JSON and YAML `\u`, `\x`, Bicep `\u{..}`,
/// `.properties` `\` at a line's end, XML `&#..;`): its parsed keys may then hold words its
/// bytes do not.
pub fn keys_may_be_escaped(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr2_iter(b'\\', b'&', bytes).any(|at| {
        let next = bytes.get(at + 1).copied();
        match bytes.get(at) {
            Some(b'&') => next == Some(b'#'),
            _ => matches!(next, Some(b'u' | b'U' | b'x' | b'\n' | b'\r')),
        }
    })
}

/// A compiled [`spec::ResourceTest`].
#[derive(Debug)]
pub struct CompiledResourceTest {
    /// Resource types (empty: any).
    pub resources: Vec<String>,
    /// Regex over an entry's key path relative to the resource.
    pub key: LazyRegex,
    /// Test on that entry's value.
    pub value: CompiledValueTest,
}

/// How a rule finds candidates.
#[derive(Debug)]
pub enum Matcher {
    /// A regex over the text; the secret is its `secret` capture group when it has one, else
    /// the whole match.
    Text {
        /// The compiled pattern.
        regex: LazyRegex,
    },
    /// Alternatives over the parsed key/value view.
    Settings(Vec<CompiledSetting>),
    /// Alternatives over the calls of parsed source code, and the SDK catalogue's verdicts.
    Calls {
        /// Hand-written call shapes.
        alternatives: Vec<CompiledCall>,
        /// The catalogue hits the rule reports.
        catalogue: Option<spec::CatalogueSpec>,
    },
}

/// A compiled call alternative.
#[derive(Debug)]
pub struct CompiledCall {
    /// Languages it applies to (empty: all).
    pub languages: Vec<crate::parse::code::Language>,
    /// Regex over the normalised callee.
    pub callee: LazyRegex,
    /// Argument conditions.
    pub arguments: Vec<CompiledArgumentTest>,
    /// The argument that carries the credential.
    pub credential: Option<CompiledArgumentTest>,
    /// The words a file needs for `callee` to match one of its calls (worked out on first use).
    needs: std::sync::OnceLock<needs::CallNeeds>,
}

impl CompiledCall {
    /// Whether `text` could hold a call this shape matches: false only when the file lacks
    /// every word the callee pattern needs, so that it need not be parsed for this shape.
    pub fn may_match_in(&self, text: &str) -> bool {
        self.needs
            .get_or_init(|| {
                let names = self.arguments.iter().filter_map(|test| test.name.as_ref());
                let written = self
                    .arguments
                    .iter()
                    .filter_map(|test| test.matches.as_ref());
                needs::CallNeeds::of_call(
                    self.callee.as_str(),
                    names.map(LazyRegex::as_str),
                    written.map(LazyRegex::as_str),
                )
            })
            .met_by(text)
    }
}

/// A compiled argument condition.
#[derive(Debug)]
pub struct CompiledArgumentTest {
    /// Only the argument at this position.
    pub index: Option<usize>,
    /// Regex over the argument's name.
    pub name: Option<LazyRegex>,
    /// Regex over the argument's source text.
    pub matches: Option<LazyRegex>,
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    /// The rule as written.
    pub spec: RuleSpec,
    /// File the rule came from.
    pub file: String,
    /// How it finds candidates.
    pub matcher: Matcher,
    /// Compiled `requires`.
    pub requires: Vec<Context>,
    /// Compiled `excludes`.
    pub excludes: Vec<Context>,
    /// Compiled `hints`, with the service and remediation each assigns.
    pub hints: Vec<(spec::Hint, Context)>,
    /// Indexes into [`Registry::filters`] that apply to this rule (shared ones included).
    pub filters: Vec<usize>,
    /// The rule's gate (see [`gate`]), derived from its pattern the first time a file needs
    /// it: when the gate does not match a text, neither can the pattern.
    gate: OnceLock<Option<gate::Gate>>,
}

impl Rule {
    /// False when the rule has a gate that does not match `text`: its pattern cannot match
    /// there. `memo` is one per text, so a gate several rules share looks at it once.
    pub fn gate_open<'r>(&'r self, text: &str, memo: &mut gate::GateMemo<'r>) -> bool {
        self.gate().is_none_or(|gate| memo.is_open(gate, text))
    }

    /// The text rule's gate, if its pattern has one (see [`gate`]).
    pub fn gate(&self) -> Option<&gate::Gate> {
        self.gate
            .get_or_init(|| match &self.matcher {
                Matcher::Text { regex, .. } => gate::Gate::of_pattern(regex.as_str()),
                _ => None,
            })
            .as_ref()
    }

    /// The remediation profile this rule's findings point to by default (hints may refine it).
    pub fn remediation_id(&self) -> &str {
        self.spec
            .remediation
            .as_deref()
            .unwrap_or(self.spec.service.as_str())
    }

    /// How this rule's matches are confirmed: every one by a checksum, some (signed keys) by a
    /// checksum and the rest by pattern and context, or none by a checksum.
    pub fn checksum(&self) -> Checksum {
        match self.spec.validate {
            Some(validator) if validators::always_verifies(validator) => Checksum::Always,
            Some(_) => Checksum::WhenSigned,
            None => Checksum::Never,
        }
    }

    /// SARIF's precision for the rule as a whole: `very-high` only when every finding's
    /// checksum is verified (a finding's own is [`crate::Finding::precision`]).
    pub fn precision(&self) -> &'static str {
        match self.checksum() {
            Checksum::Always => "very-high",
            Checksum::WhenSigned | Checksum::Never => "high",
        }
    }
}

/// Whether a rule's findings carry a verified checksum (see [`Rule::checksum`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    /// Every finding: no look-alike can fire.
    Always,
    /// Keys with a Microsoft signature are checksum-verified; unsigned keys are found by
    /// pattern and context.
    WhenSigned,
    /// Pattern and context only.
    Never,
}

impl Checksum {
    /// The phrase `keyless explain` shows after `match:`.
    pub fn describe(self) -> &'static str {
        match self {
            Checksum::Always => "checksum verified",
            Checksum::WhenSigned => {
                "checksum verified for signed keys, pattern and context for unsigned ones"
            }
            Checksum::Never => "pattern and context",
        }
    }
}

/// Every rule, filter and piece of remediation knowledge, compiled and cross-checked.
#[derive(Debug)]
pub struct Registry {
    rules: Vec<Rule>,
    filters: Vec<Filter>,
    knowledge: Knowledge,
    prefilter: prefilter::Prefilter,
    /// The rules with a `catalogue` selector, ascending.
    catalogue_rules: Vec<usize>,
    /// The prefilter of the error-level rules alone, built on first use: a history scan runs
    /// only those, and the other rules' common keywords would cost it a match each.
    error_prefilter: OnceLock<Option<prefilter::Prefilter>>,
}

impl Registry {
    /// Loads the rule files embedded in the binary.
    pub fn embedded() -> Result<Self, Vec<RuleLoadError>> {
        // The JSON the build made from the same files decodes in a tenth of the time; on any
        // problem the YAML is loaded instead, to report it with its line.
        let json: Option<Vec<(&str, &str)>> = EMBEDDED_RULE_JSON
            .iter()
            .map(|(file, json)| json.map(|json| (*file, json)))
            .collect();
        if let Some(Ok(registry)) =
            json.map(|files| lazy::trusting(|| Self::load(files, Encoding::Json)))
        {
            return Ok(registry);
        }
        Self::from_files(EMBEDDED_RULE_FILES.iter().copied())
    }

    /// Loads rules from (file name, YAML contents) pairs.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Vec<RuleLoadError>> {
        Self::load(files, Encoding::Yaml)
    }

    fn load<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
        encoding: Encoding,
    ) -> Result<Self, Vec<RuleLoadError>> {
        let (decoded, mut errors) = RuleData::decode(files, encoding);
        let RuleData {
            rule_specs,
            filter_specs,
            roles,
            remediation,
            operations,
            templates,
        } = decoded;
        let knowledge =
            match remediation {
                None => {
                    errors.push(load_error(
                        "remediation.yaml",
                        1,
                        None,
                        "file is missing".into(),
                    ));
                    None
                }
                Some(file) => Knowledge::new(KnowledgeFiles {
                    roles,
                    remediation: file,
                    operations,
                    templates,
                })
                .map_err(|problems| {
                    errors.extend(problems.into_iter().map(|problem| {
                        load_error("remediation.yaml", 1, None, problem.to_string())
                    }));
                })
                .ok(),
            };
        let filters = compile_filters(filter_specs, &mut errors);
        let filter_index: BTreeMap<&str, usize> = filters
            .iter()
            .enumerate()
            .map(|(index, filter)| (filter.spec.id.as_str(), index))
            .collect();
        let shared_filters: Vec<usize> = filters
            .iter()
            .enumerate()
            .filter(|(_, filter)| filter.spec.all_rules)
            .map(|(index, _)| index)
            .collect();
        let mut seen_ids = HashSet::new();
        let mut rules = Vec::new();
        for (file, spec) in rule_specs {
            if !seen_ids.insert(spec.id.clone()) {
                errors.push(load_error(
                    &file,
                    1,
                    Some(&spec.id),
                    "duplicate rule id".into(),
                ));
                continue;
            }
            if let Some(rule) = compile_rule(
                file,
                spec,
                &filter_index,
                &shared_filters,
                knowledge.as_ref(),
                &mut errors,
            ) {
                rules.push(rule);
            }
        }
        let prefilter = match prefilter::Prefilter::new(
            rules
                .iter()
                .enumerate()
                .map(|(index, rule)| (index, rule.spec.keywords.as_slice())),
        ) {
            Ok(built) => built,
            Err(message) => {
                errors.push(load_error("rules", 1, None, message));
                return Err(errors);
            }
        };
        match knowledge {
            Some(knowledge) if errors.is_empty() => Ok(Self {
                catalogue_rules: rules
                    .iter()
                    .enumerate()
                    .filter(|(_, rule)| rule.spec.catalogue.is_some())
                    .map(|(index, _)| index)
                    .collect(),
                rules,
                filters,
                knowledge,
                prefilter,
                error_prefilter: OnceLock::new(),
            }),
            _ => Err(errors),
        }
    }

    /// Builds every regex now (they are otherwise built on first use) and returns the ones that
    /// cannot be built, as `rule: pattern: error`. Tests call it so that a pattern over the size
    /// limit fails CI instead of silently never matching.
    pub fn compile_all(&self) -> Vec<String> {
        let mut failures = Vec::new();
        let mut check = |owner: &str, regex: &LazyRegex| {
            if let Err(error) = regex.compile() {
                failures.push(format!("{owner}: {}: {error}", regex.as_str()));
            }
        };
        for filter in &self.filters {
            for regex in &filter.regexes {
                check(&filter.spec.id, regex);
            }
        }
        for rule in &self.rules {
            let id = rule.spec.id.as_str();
            let contexts = rule.requires.iter().chain(&rule.excludes);
            for context in contexts.chain(rule.hints.iter().map(|(_, context)| context)) {
                check(id, &context.regex);
            }
            match &rule.matcher {
                Matcher::Text { regex, .. } => check(id, regex),
                Matcher::Settings(alternatives) => {
                    for setting in alternatives {
                        check(id, &setting.key);
                        let siblings = setting.siblings.iter();
                        for value in std::iter::once(&setting.value)
                            .chain(siblings.clone().map(|(_, value)| value))
                        {
                            value.matches.iter().for_each(|regex| check(id, regex));
                        }
                        siblings.for_each(|(name, _)| check(id, name));
                        setting.missing.iter().for_each(|regex| check(id, regex));
                        if let Some(another) = &setting.another_resource {
                            check(id, &another.key);
                            another
                                .value
                                .matches
                                .iter()
                                .for_each(|regex| check(id, regex));
                        }
                    }
                }
                Matcher::Calls { alternatives, .. } => {
                    for call in alternatives {
                        check(id, &call.callee);
                        for test in call.arguments.iter().chain(&call.credential) {
                            test.name.iter().for_each(|regex| check(id, regex));
                            test.matches.iter().for_each(|regex| check(id, regex));
                        }
                    }
                }
            }
        }
        failures.extend(self.knowledge.compile_all());
        failures
    }

    /// Every rule, in file and declaration order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// A rule by id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.spec.id == id)
    }

    /// The indexes of the rules that report SDK catalogue hits, ascending.
    pub fn catalogue_rules(&self) -> &[usize] {
        &self.catalogue_rules
    }

    /// Every filter.
    pub fn filters(&self) -> &[Filter] {
        &self.filters
    }

    /// Roles and remediation profiles.
    pub fn knowledge(&self) -> &Knowledge {
        &self.knowledge
    }

    /// Indexes of the rules whose keywords occur in `text`, ascending.
    pub fn candidate_rules(&self, text: &str) -> Vec<usize> {
        self.prefilter.candidates(self.rules.len(), text)
    }

    /// [`Registry::candidate_rules`] among the error-level rules only.
    pub fn candidate_error_rules(&self, text: &str) -> Vec<usize> {
        let built = self.error_prefilter.get_or_init(|| {
            prefilter::Prefilter::new(
                self.rules
                    .iter()
                    .enumerate()
                    .filter(|(_, rule)| rule.spec.level == crate::finding::Level::Error)
                    .map(|(index, rule)| (index, rule.spec.keywords.as_slice())),
            )
            .ok()
        });
        match built {
            Some(prefilter) => prefilter.candidates(self.rules.len(), text),
            None => self.candidate_rules(text),
        }
    }
}

/// How the rule files are written: YAML in `rules/`, JSON as the build re-encoded them.
#[derive(Debug, Clone, Copy)]
enum Encoding {
    Yaml,
    Json,
}

impl Encoding {
    /// A file holding a list of `T`.
    fn items<T: serde::de::DeserializeOwned>(
        self,
        file: &str,
        text: &str,
        errors: &mut Vec<RuleLoadError>,
    ) -> Vec<T> {
        match self {
            Encoding::Yaml => parse_items(file, text, errors),
            Encoding::Json => self.whole(file, text, errors).unwrap_or_default(),
        }
    }

    /// A file holding one `T`.
    fn whole<T: serde::de::DeserializeOwned>(
        self,
        file: &str,
        text: &str,
        errors: &mut Vec<RuleLoadError>,
    ) -> Option<T> {
        let decoded = match self {
            Encoding::Yaml => serde_saphyr::from_str(text).map_err(|error| error.to_string()),
            Encoding::Json => serde_json::from_str(text).map_err(|error| error.to_string()),
        };
        decoded
            .map_err(|message| errors.push(load_error(file, 1, None, message)))
            .ok()
    }
}

/// The rule files, decoded and not yet compiled.
#[derive(Debug, Default)]
struct RuleData {
    rule_specs: Vec<(String, RuleSpec)>,
    filter_specs: Vec<FilterSpec>,
    roles: Vec<Role>,
    remediation: Option<RemediationFile>,
    operations: OperationsFile,
    templates: Vec<TemplateTarget>,
}

impl RuleData {
    fn decode<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
        encoding: Encoding,
    ) -> (Self, Vec<RuleLoadError>) {
        let mut errors = Vec::new();
        let mut data = RuleData::default();
        for (file, text) in files {
            match file {
                "roles.yaml" => data.roles.extend(encoding.items(file, text, &mut errors)),
                "filters.yaml" => data
                    .filter_specs
                    .extend(encoding.items(file, text, &mut errors)),
                "templates.yaml" => data
                    .templates
                    .extend(encoding.items(file, text, &mut errors)),
                "operations.yaml" => {
                    if let Some(parsed) = encoding.whole(file, text, &mut errors) {
                        data.operations = parsed;
                    }
                }
                "remediation.yaml" => {
                    data.remediation = encoding.whole(file, text, &mut errors);
                }
                _ => data.rule_specs.extend(
                    encoding
                        .items::<RuleSpec>(file, text, &mut errors)
                        .into_iter()
                        .map(|spec| (file.to_owned(), spec)),
                ),
            }
        }
        (data, errors)
    }
}

fn load_error(file: &str, line: usize, rule: Option<&str>, message: String) -> RuleLoadError {
    RuleLoadError {
        file: file.to_owned(),
        line,
        rule: rule.map(str::to_owned),
        message,
    }
}

/// Parses a YAML list item by item, so that an error names the item's line and id.
fn parse_items<T: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
    errors: &mut Vec<RuleLoadError>,
) -> Vec<T> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, line)| line.starts_with("- "))
        .map(|(index, _)| index)
        .collect();
    let mut items = Vec::new();
    for (position, &start) in starts.iter().enumerate() {
        let end = starts.get(position + 1).copied().unwrap_or(lines.len());
        let chunk: String = lines.get(start..end).unwrap_or_default().concat();
        match serde_saphyr::from_str::<Vec<T>>(&chunk) {
            Ok(parsed) => items.extend(parsed),
            Err(error) => {
                let id = chunk
                    .lines()
                    .find_map(|line| line.trim_start_matches(['-', ' ']).strip_prefix("id:"))
                    .map(|id| id.trim().trim_matches(['"', '\'']).to_owned());
                errors.push(load_error(
                    file,
                    start + 1,
                    id.as_deref(),
                    error.to_string(),
                ));
            }
        }
    }
    items
}

fn compile_filters(specs: Vec<FilterSpec>, errors: &mut Vec<RuleLoadError>) -> Vec<Filter> {
    let mut filters = Vec::new();
    for spec in specs {
        let mut compile = |patterns: &[String]| {
            let mut regexes = Vec::new();
            for pattern in patterns {
                match LazyRegex::new(pattern) {
                    Ok(regex) => regexes.push(regex),
                    Err(error) => errors.push(load_error(
                        "filters.yaml",
                        1,
                        Some(&spec.id),
                        format!("bad pattern: {error}"),
                    )),
                }
            }
            regexes
        };
        let regexes = compile(&spec.patterns);
        let code_regexes = compile(&spec.code_patterns);
        filters.push(Filter {
            spec,
            regexes,
            code_regexes,
        });
    }
    filters
}

fn compile_context(
    file: &str,
    id: &str,
    specs: &[ContextSpec],
    errors: &mut Vec<RuleLoadError>,
) -> Vec<Context> {
    specs
        .iter()
        .filter_map(|spec| match LazyRegex::new(&spec.pattern) {
            Ok(regex) => Some(Context {
                regex,
                within: spec.within,
            }),
            Err(error) => {
                errors.push(load_error(
                    file,
                    1,
                    Some(id),
                    format!("bad context pattern: {error}"),
                ));
                None
            }
        })
        .collect()
}

fn compile_rule(
    file: String,
    spec: RuleSpec,
    filter_index: &BTreeMap<&str, usize>,
    shared_filters: &[usize],
    knowledge: Option<&Knowledge>,
    errors: &mut Vec<RuleLoadError>,
) -> Option<Rule> {
    let before = errors.len();
    let id = spec.id.clone();
    let matcher = compile_matcher(&file, &spec, errors);
    if spec
        .keywords
        .iter()
        .all(|keyword| keyword.trim().is_empty())
    {
        errors.push(load_error(
            &file,
            1,
            Some(&id),
            "needs at least one keyword".into(),
        ));
    }
    let mut filters = shared_filters.to_vec();
    for name in &spec.filters {
        match filter_index.get(name.as_str()) {
            Some(&index) if !filters.contains(&index) => filters.push(index),
            Some(_) => {}
            None => errors.push(load_error(
                &file,
                1,
                Some(&id),
                format!("unknown filter `{name}`"),
            )),
        }
    }
    if let Some(knowledge) = knowledge {
        let named = spec
            .hints
            .iter()
            .filter_map(|hint| hint.remediation.as_deref());
        for profile in std::iter::once(spec.remediation.as_deref().unwrap_or(spec.service.as_str()))
            .chain(named)
        {
            if knowledge.profile(profile).is_none() {
                errors.push(load_error(
                    &file,
                    1,
                    Some(&id),
                    format!("unknown remediation profile `{profile}`"),
                ));
            }
        }
    }
    let requires = compile_context(&file, &id, &spec.requires, errors);
    let excludes = compile_context(&file, &id, &spec.excludes, errors);
    let hint_specs: Vec<ContextSpec> = spec
        .hints
        .iter()
        .map(|hint| ContextSpec {
            pattern: hint.pattern.clone(),
            within: hint.within,
        })
        .collect();
    let hints = spec
        .hints
        .iter()
        .cloned()
        .zip(compile_context(&file, &id, &hint_specs, errors))
        .collect();
    let matcher = matcher?;
    if errors.len() != before {
        return None;
    }
    Some(Rule {
        spec,
        file,
        matcher,
        requires,
        excludes,
        hints,
        filters,
        gate: OnceLock::new(),
    })
}

fn compile_regex(
    file: &str,
    id: &str,
    what: &str,
    pattern: &str,
    errors: &mut Vec<RuleLoadError>,
) -> Option<LazyRegex> {
    LazyRegex::new(pattern)
        .map_err(|error| {
            errors.push(load_error(
                file,
                1,
                Some(id),
                format!("bad {what}: {error}"),
            ))
        })
        .ok()
}

fn compile_value_test(
    file: &str,
    id: &str,
    test: &spec::ValueTest,
    errors: &mut Vec<RuleLoadError>,
) -> CompiledValueTest {
    CompiledValueTest {
        equals: test
            .equals
            .iter()
            .map(|value| value.to_ascii_lowercase())
            .collect(),
        literal: test.literal,
        matches: test
            .matches
            .as_deref()
            .and_then(|pattern| compile_regex(file, id, "value pattern", pattern, errors)),
        needs: OnceLock::new(),
    }
}

/// The rule's matcher.
fn compile_matcher(
    file: &str,
    spec: &RuleSpec,
    errors: &mut Vec<RuleLoadError>,
) -> Option<Matcher> {
    let id = spec.id.as_str();
    let kinds = usize::from(spec.pattern.is_some())
        + usize::from(spec.named.is_some())
        + usize::from(!spec.settings.is_empty())
        + usize::from(!spec.calls.is_empty() || spec.catalogue.is_some());
    if kinds != 1 {
        errors.push(load_error(
            file,
            1,
            Some(id),
            "needs exactly one of `pattern`, `named`, `settings` and `calls` (with `catalogue`)"
                .into(),
        ));
        return None;
    }
    if let Some(pattern) = spec
        .pattern
        .clone()
        .or_else(|| spec.named.as_ref().map(named::pattern))
    {
        let regex = compile_regex(file, id, "pattern", &pattern, errors)?;
        return Some(Matcher::Text { regex });
    }
    if !spec.calls.is_empty() || spec.catalogue.is_some() {
        let mut compiled = Vec::new();
        for call in &spec.calls {
            let callee = compile_regex(file, id, "callee", &call.callee, errors)?;
            let mut compile_test = |test: &spec::ArgumentTest| CompiledArgumentTest {
                index: test.index,
                name: test
                    .name
                    .as_deref()
                    .and_then(|pattern| compile_regex(file, id, "argument name", pattern, errors)),
                matches: test.matches.as_deref().and_then(|pattern| {
                    compile_regex(file, id, "argument pattern", pattern, errors)
                }),
            };
            let arguments = call.arguments.iter().map(&mut compile_test).collect();
            let credential = call.credential.as_ref().map(&mut compile_test);
            compiled.push(CompiledCall {
                languages: call.languages.clone(),
                callee,
                arguments,
                credential,
                needs: std::sync::OnceLock::new(),
            });
        }
        return Some(Matcher::Calls {
            alternatives: compiled,
            catalogue: spec.catalogue.clone(),
        });
    }
    let mut compiled = Vec::new();
    for setting in &spec.settings {
        let key = compile_regex(file, id, "setting key", &setting.key, errors)?;
        let siblings = setting
            .siblings
            .iter()
            .filter_map(|sibling| {
                let name = compile_regex(file, id, "sibling key", &sibling.key, errors)?;
                Some((name, compile_value_test(file, id, &sibling.value, errors)))
            })
            .collect();
        compiled.push(CompiledSetting {
            formats: setting.formats.clone(),
            resources: setting.resources.clone(),
            key,
            value: compile_value_test(file, id, &setting.value, errors),
            siblings,
            missing: setting
                .missing
                .as_deref()
                .and_then(|pattern| compile_regex(file, id, "missing key", pattern, errors)),
            another_resource: match &setting.another_resource {
                Some(test) => Some(CompiledResourceTest {
                    resources: test.resources.clone(),
                    key: compile_regex(file, id, "another resource key", &test.key, errors)?,
                    value: compile_value_test(file, id, &test.value, errors),
                }),
                None => None,
            },
            needs: OnceLock::new(),
        });
    }
    Some(Matcher::Settings(compiled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_spelled_through_escapes_or_references_are_noticed() {
        for text in [
            r#"{"\u0061llowSharedKeyAccess": true}"#,
            r#"key: "\x61ccountKey""#,
            "storage.\\\naccount.key = x",
            "storage.\\\r\naccount.key = x",
            r#"<add key="&#65;ccountKey" />"#,
        ] {
            assert!(keys_may_be_escaped(text), "{text}");
        }
        for text in [
            r#"{"path": "C:\\temp\\new", "a": "b & c", "t": "\t"}"#,
            "",
            "\\",
        ] {
            assert!(!keys_may_be_escaped(text), "{text}");
        }
    }

    /// The build's JSON must say exactly what the YAML says: the binary loads the JSON.
    #[test]
    fn embedded_json_decodes_like_the_yaml() {
        let json: Vec<(&str, &str)> = EMBEDDED_RULE_JSON
            .iter()
            .map(|(file, json)| match json {
                Some(json) => (*file, *json),
                None => panic!("rules/{file} did not convert to JSON at build time"),
            })
            .collect();
        let (from_yaml, yaml_errors) =
            RuleData::decode(EMBEDDED_RULE_FILES.iter().copied(), Encoding::Yaml);
        let (from_json, json_errors) = RuleData::decode(json, Encoding::Json);
        assert_eq!(yaml_errors, Vec::new());
        assert_eq!(json_errors, Vec::new());
        assert_eq!(format!("{from_yaml:#?}"), format!("{from_json:#?}"));
    }
}
