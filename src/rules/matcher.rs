//! Matching: one prefilter pass picks the candidate rules, then each candidate's regex runs once
//! over the text and every match goes through filters, validators and context checks.
//!
//! Produces [`Finding`]s with masked snippets; knows nothing of files, walking or output formats.

use std::ops::Range;

use super::enclosing::{Innermost, ResourceBodies, SettingNames};
use super::gate::GateMemo;
use super::settings::{self, PathIndex};
use super::spec::{FilterTarget, Within};
use super::validators::{self, Verdict};
use super::{CompiledArgumentTest, Context, Matcher, Registry, Rule};
use crate::finding::Level;
use crate::finding::{Finding, Snippet, hash_secret, mask};
use crate::parse::code::{Argument, Call, CodeView, Language, StringValue};
use crate::parse::{self, Document, Format};
use crate::service::Service;
use crate::source::SourceText;
use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Longest stretch of a line shown on either side of a secret in a snippet.
const SNIPPET_CONTEXT_CHARS: usize = 60;

/// A match that passed every check, before it becomes a [`Finding`].
struct Candidate<'r> {
    rule: &'r Rule,
    secret: Range<usize>,
    /// True when `secret` really is a secret (masked everywhere); false for settings such as
    /// `disableLocalAuth: false`, shown as written.
    is_secret: bool,
    /// The secret's value when it differs from the text at `secret` (a key joined from pieces).
    value: Option<String>,
    /// How much text the match covered: the tie-breaker between overlapping findings of one
    /// level (the more specific rule saw more context).
    specificity: usize,
    level: crate::finding::Level,
    service: crate::service::Service,
    remediation: String,
    message: String,
    /// The validator checked the secret's embedded checksum.
    checksum_verified: bool,
    /// For a call reported at its name: the text that carries its credential (the argument, or
    /// the whole call when the shape names none). A secret reported inside it is that credential.
    claims: Option<Range<usize>>,
    /// The template resource whose body holds the match, when it is a known host's workload.
    workload: Option<crate::remediation::WorkloadResource>,
}

/// Named values a message template can use: a regex's capture groups, or a setting's key path,
/// resource type and value.
enum Groups<'a> {
    Captures(&'a regex::Captures<'a>),
    Setting {
        key: String,
        resource: &'a str,
        value: &'a str,
    },
    Call {
        callee: &'a str,
        name: &'a str,
        /// The catalogue package the callee belongs to.
        package: Option<&'a str>,
        /// For a legacy package, the one that replaces it.
        replacement: Option<&'a str>,
    },
}

impl Groups<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        match self {
            Groups::Captures(captures) => captures.name(name).map(|found| found.as_str()),
            Groups::Setting {
                key,
                resource,
                value,
            } => match name {
                "key" => Some(key),
                "resource" => Some(*resource).filter(|resource| !resource.is_empty()),
                "value" | "secret" => Some(value),
                _ => None,
            },
            Groups::Call {
                callee,
                name: call_name,
                package,
                replacement,
            } => match name {
                "callee" => Some(callee),
                "name" => Some(call_name),
                "package" => *package,
                "replacement" => *replacement,
                _ => None,
            },
        }
    }
}

/// How much of the matcher runs. The default runs everything; a history scan reads every past
/// version of every file and runs the secret rules on the text alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    /// Rules below this level do not run (their findings could not be reported).
    pub min_level: Level,
    /// Parse source code to join a key split over several string pieces. Parsing costs three
    /// times the rest of the matching, on every source file that names a secret rule's keyword.
    pub join_string_pieces: bool,
}

impl Default for Scope {
    fn default() -> Self {
        Self {
            min_level: Level::Note,
            join_string_pieces: true,
        }
    }
}

/// The filter (`rules/filters.yaml`) that knows stock sample hosts.
const SAMPLE_HOST_FILTER: &str = "sample-host";

/// Runs every rule over one decoded file and returns its findings, sorted and without overlaps.
pub fn scan_source(registry: &Registry, path: &str, source: &SourceText) -> Vec<Finding> {
    scan_source_scoped(registry, path, source, Scope::default())
}

/// [`scan_source`] with only the rules and checks of `scope`.
pub fn scan_source_scoped(
    registry: &Registry,
    path: &str,
    source: &SourceText,
    scope: Scope,
) -> Vec<Finding> {
    let select = |rule: &Rule| rule.spec.level >= scope.min_level;
    let text = source.text();
    let format = Format::of_path(path);
    let located = Located {
        source,
        path,
        format,
        document: OnceCell::new(),
        innermost: OnceCell::new(),
        setting_names: OnceCell::new(),
        resource_bodies: OnceCell::new(),
        paths: OnceCell::new(),
        region_checks: RefCell::default(),
    };
    let language = Language::of_path(path);
    let mut code: Option<CodeView> = None;
    let mut fixture_file: Option<bool> = None;
    // Whether the file names a catalogue member that can take a key: one search serves every
    // catalogue rule.
    let mut may_take_key: Option<bool> = None;
    // Whether the file may spell keys through escapes (then every setting rule parses it).
    let mut keys_escaped: Option<bool> = None;
    // The catalogue's verdicts on the file's calls: (key-based hits, indexes of known calls).
    let mut resolved: Option<(Vec<crate::catalogue::Hit>, Vec<usize>)> = None;
    let mut candidates = Vec::new();
    let mut candidate_rules = if scope.min_level == Level::Error {
        registry.candidate_error_rules(text)
    } else {
        registry.candidate_rules(text)
    };
    // Catalogue rules also run on a source file that names something in its language's SDK
    // catalogue (a namespace, type, function or cmdlet), even when none of their own keywords
    // is there; their hand-written call shapes then stay off.
    let mut catalogue_only: Vec<usize> = Vec::new();
    let catalogue_selected = registry
        .catalogue_rules()
        .iter()
        .filter_map(|&index| registry.rules().get(index))
        .any(select);
    let catalogue_mentioned = catalogue_selected
        && language
            .is_some_and(|language| crate::catalogue::for_language(language).mentioned_in(text));
    if catalogue_mentioned {
        for &index in registry.catalogue_rules() {
            if let Err(position) = candidate_rules.binary_search(&index) {
                candidate_rules.insert(position, index);
                catalogue_only.push(index);
            }
        }
    }
    // Conditions on the path or the whole file hold for every match or for none: checked once
    // here, they spare the rule's search and any parse it would need. A setting rule for other
    // formats is dropped first, before its file conditions search the text.
    candidate_rules.retain(|&index| {
        registry.rules().get(index).is_some_and(|rule| {
            let format_fits = match &rule.matcher {
                Matcher::Settings(alternatives) => {
                    format.is_some_and(|format| applies_to(alternatives, format))
                }
                _ => true,
            };
            select(rule) && format_fits && file_admits(rule, &located)
        })
    });
    let mut gates = GateMemo::default();
    for &rule_index in &candidate_rules {
        let Some(rule) = registry.rules().get(rule_index) else {
            continue;
        };
        match &rule.matcher {
            Matcher::Text { regex } => {
                if rule.gate_open(text, &mut gates) {
                    text_rule_candidates(
                        registry,
                        rule,
                        regex,
                        &located,
                        &mut gates,
                        &mut candidates,
                    );
                }
            }
            Matcher::Settings(alternatives) => {
                let Some(format) = format.filter(|format| applies_to(alternatives, *format)) else {
                    continue;
                };
                // Nor when no alternative's key or resource type is written in the file. JSON
                // and HCL paths are the keys, block types and labels as written (and item
                // numbers); Bicep's and the others' add segments of their own (`outputs`).
                let paths_as_written = matches!(format, Format::Json | Format::Terraform)
                    && !*keys_escaped.get_or_insert_with(|| super::keys_may_be_escaped(text));
                // Nor when no alternative's value test could pass a value written in the file
                // (`listKeys(` in a template output), in any format.
                if !alternatives.iter().any(|alternative| {
                    alternative.applies_to(format)
                        && (!paths_as_written || alternative.may_match_in(text))
                        && alternative.value.may_pass_in(text)
                }) {
                    continue;
                }
                // Parsed once per file, and only when a rule needs the structure.
                let Some(document) = located.document() else {
                    continue;
                };
                let paths = located
                    .paths
                    .get_or_init(|| PathIndex::new(&document.entries));
                for found in settings::find(document, paths, alternatives, format, text) {
                    let entry = found.entry;
                    let value = entry.text(text);
                    let is_secret = found.literal;
                    // A secret is reported on its value; a setting on `key: value`.
                    let same_line = !text
                        .get(entry.key.start..entry.value.end)
                        .unwrap_or("\n")
                        .contains('\n');
                    let whole = if same_line && entry.key.start < entry.value.start {
                        entry.key.start..entry.value.end
                    } else {
                        entry.value.clone()
                    };
                    let secret = match (&found.report_at, is_secret) {
                        (Some(header), _) => header.clone(),
                        (None, true) => entry.value.clone(),
                        (None, false) => whole.clone(),
                    };
                    if secret.is_empty() {
                        continue;
                    }
                    let groups = Groups::Setting {
                        key: found.key,
                        resource: found.resource,
                        value,
                    };
                    candidates.extend(evaluate(
                        registry,
                        rule,
                        &located,
                        &groups,
                        Matched::text(whole, secret, is_secret),
                    ));
                }
            }
            Matcher::Calls {
                alternatives,
                catalogue,
            } => {
                let alternatives: &[super::CompiledCall] = if catalogue_only.contains(&rule_index) {
                    &[]
                } else {
                    alternatives
                };
                let Some(language) = language.filter(|language| {
                    catalogue.is_some()
                        || alternatives.iter().any(|call| {
                            call.languages.is_empty() || call.languages.contains(language)
                        })
                }) else {
                    continue;
                };
                // A parse costs more than everything else a file needs: only when a call could
                // match, because a key-taking member of the catalogue or a shape's needed words
                // are there.
                let could_match = catalogue.is_some()
                    && *may_take_key.get_or_insert_with(|| {
                        crate::catalogue::for_language(language).may_take_key_in(text)
                    })
                    || alternatives.iter().any(|shape| {
                        (shape.languages.is_empty() || shape.languages.contains(&language))
                            && shape.may_match_in(text)
                    });
                if !could_match {
                    continue;
                }
                let view = code.get_or_insert_with(|| parse::code::parse(language, text));
                // A file whose endpoints are stock sample hosts (`acme.azure-devices.net`) is a
                // test of connection-string code: its literal keys are fixtures, so a key-based
                // call stays a warning there instead of becoming a leaked-secret error.
                let fixture_file = *fixture_file.get_or_insert_with(|| {
                    registry
                        .filters()
                        .iter()
                        .find(|filter| filter.spec.id == SAMPLE_HOST_FILTER)
                        .is_some_and(|filter| filter.drops(text))
                });
                // The catalogue decides every call it knows; hand-written shapes see the rest.
                let (hits, known): (&[crate::catalogue::Hit], &[usize]) = match catalogue {
                    Some(_) => {
                        let resolved = resolved.get_or_insert_with(|| {
                            let catalogue = crate::catalogue::for_language(language);
                            let imports = parse::code::imports::scan(language, text);
                            crate::catalogue::resolve(catalogue, language, view, &imports, text)
                        });
                        (&resolved.0, &resolved.1)
                    }
                    None => (&[], &[]),
                };
                if let Some(selector) = catalogue {
                    for hit in hits {
                        if !selector.selects(hit.kind, hit.service) {
                            continue;
                        }
                        let Some(call) = view.calls.get(hit.call) else {
                            continue;
                        };
                        let groups = Groups::Call {
                            callee: &call.callee,
                            name: &call.name,
                            package: Some(&hit.package),
                            replacement: hit.replacement.as_deref(),
                        };
                        let mut matched = match &hit.credential {
                            Some((span, Some(value)))
                                if !fixture_file
                                    && is_written_literal(text.get(span.clone()).unwrap_or(""))
                                    && !stand_in(registry, rule, value) =>
                            {
                                credential_literal(call, span, value, hit.kind)
                            }
                            _ => at_call(text, call, hit.credential.as_ref().map(|(span, _)| span)),
                        };
                        matched.service = hit.service;
                        matched.note = selector.legacy_note.clone().filter(|_| hit.legacy);
                        candidates.extend(evaluate(registry, rule, &located, &groups, matched));
                    }
                }
                for (index, call) in view.calls.iter().enumerate() {
                    if known.binary_search(&index).is_ok() {
                        continue;
                    }
                    let Some(shape) = alternatives.iter().find(|shape| {
                        (shape.languages.is_empty() || shape.languages.contains(&language))
                            && shape.callee.is_match(&call.callee)
                            && shape
                                .arguments
                                .iter()
                                .all(|test| argument_matching(test, call, text).is_some())
                    }) else {
                        continue;
                    };
                    let groups = Groups::Call {
                        callee: &call.callee,
                        name: &call.name,
                        package: None,
                        replacement: None,
                    };
                    let credential = shape
                        .credential
                        .as_ref()
                        .and_then(|test| argument_matching(test, call, text));
                    // A literal credential is the leak itself: an error on the literal.
                    let literal = credential
                        .filter(|argument| {
                            !fixture_file
                                && is_written_literal(text.get(argument.span.clone()).unwrap_or(""))
                        })
                        .and_then(|argument| argument.value.as_ref().map(|value| (argument, value)))
                        .filter(|(_, value)| !stand_in(registry, rule, value));
                    // Hand-written shapes carry no kind: a password rule's literal is judged
                    // as a password, any other as a key.
                    let kind = match catalogue {
                        Some(selector)
                            if selector.kinds == [crate::catalogue::CredentialKind::Password] =>
                        {
                            crate::catalogue::CredentialKind::Password
                        }
                        _ => crate::catalogue::CredentialKind::Key,
                    };
                    let matched = match literal {
                        Some((argument, value)) => {
                            credential_literal(call, &argument.span, value, kind)
                        }
                        None => at_call(text, call, credential.map(|argument| &argument.span)),
                    };
                    candidates.extend(evaluate(registry, rule, &located, &groups, matched));
                }
            }
        }
    }
    // A secret rule's keywords in a source file: its key may be split over pieces that only the
    // parser joins, so parse the code (once) and match the joined strings too.
    let secret_keywords = scope.join_string_pieces
        && candidate_rules
            .iter()
            .filter_map(|&index| registry.rules().get(index))
            .any(|rule| rule.spec.secret && matches!(rule.matcher, Matcher::Text { .. }));
    // Parsed for its joins only when a cheap lexer pass finds a join that could resolve.
    if let Some(language) = language.filter(|&language| {
        code.is_some() || secret_keywords && parse::code::joins::may_join(language, text)
    }) {
        let view = code.get_or_insert_with(|| parse::code::parse(language, text));
        candidates.extend(derived_string_candidates(
            registry,
            &candidate_rules,
            &located,
            &view.joined_strings,
        ));
    }
    let decoded = decoded_secret_values(&located);
    candidates.extend(derived_string_candidates(
        registry,
        &candidate_rules,
        &located,
        &decoded,
    ));
    if let Some(view) =
        parse::derived::Decoder::of_path(path).and_then(|decoder| decoder.decode(text))
    {
        candidates.extend(derived_view_candidates(registry, path, &view, scope));
    }
    let kept = drop_overlaps(candidates);
    let mut secrets: Vec<Range<usize>> = kept
        .iter()
        .filter(|candidate| candidate.is_secret)
        .map(|candidate| candidate.secret.clone())
        .collect();
    // Sorted, so that each snippet finds the secrets on its line by binary search.
    secrets.sort_by_key(|secret| (secret.start, secret.end));
    let kept = drop_calls_around_secrets(kept, &secrets);
    let mut findings: Vec<Finding> = kept
        .into_iter()
        .map(|candidate| to_finding(path, source, candidate, &secrets))
        .collect();
    // Least privilege from what the code does with the client. Parsed for this only when some
    // finding's service has an operation the file's calls could match: otherwise every role
    // list stays empty, as it would after the parse.
    let knowledge = registry.knowledge();
    if let Some(language) = language.filter(|_| {
        code.is_some() || {
            let services: BTreeSet<Service> =
                findings.iter().map(|finding| finding.service).collect();
            services
                .into_iter()
                .any(|service| knowledge.may_infer_roles(service, text))
        }
    }) {
        let view = code.get_or_insert_with(|| parse::code::parse(language, text));
        // The roles depend on the service and the file's calls only: once per service, not per
        // finding times every call of the file.
        let mut by_service = HashMap::new();
        for finding in &mut findings {
            finding.roles = by_service
                .entry(finding.service)
                .or_insert_with(|| {
                    let calls = view.calls.iter().map(|call| call.name.as_str());
                    knowledge.infer_roles(finding.service, calls)
                })
                .clone();
        }
    }
    findings.sort_by(|left, right| left.sort_key().cmp(&right.sort_key()));
    findings
}

/// Kubernetes Secrets keep values base64-encoded under `data:`; decoded, they are scanned like any
/// other text and reported on the encoded value.
fn decoded_secret_values(located: &Located<'_>) -> Vec<StringValue> {
    use base64::Engine as _;
    let text = located.source.text();
    if located.format != Some(Format::Yaml) || !text.contains("kind: Secret") {
        return Vec::new();
    }
    let Some(document) = located.document() else {
        return Vec::new();
    };
    document
        .entries
        .iter()
        .filter(|entry| {
            entry.path.len() == 2 && entry.path.first().is_some_and(|key| key == "data")
        })
        .filter_map(|entry| {
            let encoded = entry.text(text).trim();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()?;
            let value = String::from_utf8(bytes).ok()?;
            Some(StringValue {
                span: entry.value.clone(),
                value,
            })
        })
        .collect()
}

/// Text rules over strings whose value is not written as such in the file: built from pieces in
/// source code (`"abc" + "def"`, consts, `concat!`) or encoded (Kubernetes Secret `data`). A key
/// split or encoded to dodge scanners is matched whole and reported on the expression.
fn derived_string_candidates<'r>(
    registry: &'r Registry,
    candidate_rules: &[usize],
    located: &Located<'_>,
    values: &[StringValue],
) -> Vec<Candidate<'r>> {
    let mut candidates = Vec::new();
    for joined in values {
        // Keywords may only appear once the pieces are joined.
        let rules = registry.candidate_rules(&joined.value);
        for rule_index in rules
            .iter()
            .chain(candidate_rules)
            .copied()
            .collect::<std::collections::BTreeSet<_>>()
        {
            let Some(rule) = registry.rules().get(rule_index) else {
                continue;
            };
            let Matcher::Text { regex } = &rule.matcher else {
                continue;
            };
            let secret_group = regex.group_index("secret");
            for captures in regex.captures_iter(&joined.value) {
                let Some((whole, secret)) = whole_and_secret(&captures, secret_group) else {
                    continue;
                };
                if !rule.spec.secret {
                    continue;
                }
                let matched = Matched {
                    whole: joined.span.clone(),
                    secret: joined.span.clone(),
                    is_secret: true,
                    value: Some(secret.as_str().to_owned()),
                    level: None,
                    matched_len: Some(whole.len()),
                    service: None,
                    note: None,
                    at: None,
                    claims: None,
                };
                candidates.extend(evaluate(
                    registry,
                    rule,
                    located,
                    &Groups::Captures(&captures),
                    matched,
                ));
            }
        }
    }
    candidates
}

/// A match and its `secret` group (the whole match when the pattern has none); `None` when the
/// secret is empty.
fn whole_and_secret<'h>(
    captures: &regex::Captures<'h>,
    secret_group: Option<usize>,
) -> Option<(regex::Match<'h>, regex::Match<'h>)> {
    let whole = captures.get(0)?;
    let secret = secret_group
        .and_then(|group| captures.get(group))
        .unwrap_or(whole);
    (!secret.as_str().is_empty()).then_some((whole, secret))
}

/// Every match of a text rule in the located text.
fn text_rule_candidates<'r>(
    registry: &Registry,
    rule: &'r Rule,
    regex: &super::LazyRegex,
    located: &Located<'_>,
    gates: &mut GateMemo<'r>,
    candidates: &mut Vec<Candidate<'r>>,
) {
    let text = located.source.text();
    let secret_group = regex.group_index("secret");
    // A bounded pattern is searched only around the runs its gate needs.
    let windows = rule.gate().and_then(|gate| gates.windows(gate, text));
    let everything = 0..text.len();
    for window in windows
        .as_deref()
        .unwrap_or(std::slice::from_ref(&everything))
    {
        let Some(part) = text.get(window.clone()) else {
            continue;
        };
        let shift = |range: Range<usize>| range.start + window.start..range.end + window.start;
        for captures in regex.captures_iter(part) {
            let Some((whole, secret)) = whole_and_secret(&captures, secret_group) else {
                continue;
            };
            let matched = Matched::text(
                shift(whole.range()),
                shift(secret.range()),
                rule.spec.secret,
            );
            candidates.extend(evaluate(
                registry,
                rule,
                located,
                &Groups::Captures(&captures),
                matched,
            ));
        }
    }
}

/// Text rules over the text a file stands for (a notebook's decoded cells, an `.http` file with
/// its variables filled in): contexts and filters judge the derived text, and each finding is
/// reported on the original bytes its secret came from. A match the raw text gives as well
/// lands on the same span, and overlap dropping keeps one.
fn derived_view_candidates<'r>(
    registry: &'r Registry,
    path: &str,
    view: &parse::derived::DerivedText,
    scope: Scope,
) -> Vec<Candidate<'r>> {
    let source = SourceText::from_text(view.text());
    let text = source.text();
    let located = Located {
        source: &source,
        path,
        format: None,
        document: OnceCell::new(),
        innermost: OnceCell::new(),
        setting_names: OnceCell::new(),
        resource_bodies: OnceCell::new(),
        paths: OnceCell::new(),
        region_checks: RefCell::default(),
    };
    let rules = if scope.min_level == Level::Error {
        registry.candidate_error_rules(text)
    } else {
        registry.candidate_rules(text)
    };
    let mut gates = GateMemo::default();
    let mut candidates = Vec::new();
    for rule in rules
        .iter()
        .filter_map(|&index| registry.rules().get(index))
    {
        let Matcher::Text { regex } = &rule.matcher else {
            continue;
        };
        if rule.spec.level >= scope.min_level
            && file_admits(rule, &located)
            && rule.gate_open(text, &mut gates)
        {
            text_rule_candidates(registry, rule, regex, &located, &mut gates, &mut candidates);
        }
    }
    for candidate in &mut candidates {
        if candidate.value.is_none() {
            candidate.value = text.get(candidate.secret.clone()).map(str::to_owned);
        }
        candidate.secret = view.original_range(&candidate.secret);
    }
    candidates
}

/// A credential written as a literal argument of `call`: an error on the literal when it looks
/// like a real key; otherwise (a connection string, a test value, a placeholder) a warning on the
/// literal, so that a text rule's error on a real key inside it wins the overlap.
fn credential_literal(
    call: &Call,
    span: &Range<usize>,
    value: &str,
    kind: crate::catalogue::CredentialKind,
) -> Matched {
    if plausible_secret(kind, value) {
        Matched::literal(call.span.clone(), span.clone(), value.to_owned())
    } else {
        Matched {
            matched_len: Some(0),
            ..Matched::text(call.span.clone(), span.clone(), true)
        }
    }
}

/// A call that authenticates with a credential it does not spell out (a variable, an expression, a
/// placeholder literal): a finding at the call, claiming the text that carries the credential.
fn at_call(text: &str, call: &Call, credential: Option<&Range<usize>>) -> Matched {
    Matched {
        at: call_anchor(text, call, credential),
        claims: Some(credential.unwrap_or(&call.span).clone()),
        ..Matched::text(call.span.clone(), call.name_span.clone(), false)
    }
}

/// True when the rule's filters take a literal for a stand-in (`"<your-key>"`, `"${KEY}"`, an
/// emulator key): the call still authenticates with a key, so it is reported at the call, not
/// dropped with the literal.
fn stand_in(registry: &Registry, rule: &Rule, value: &str) -> bool {
    rule.filters
        .iter()
        .filter_map(|&index| registry.filters().get(index))
        .filter(|filter| filter.spec.target == FilterTarget::Secret)
        .any(|filter| filter.drops_value(value, true))
}

/// Whether a literal handed to a key parameter looks like a real credential rather than a test
/// value or a placeholder (`"key"`, `"sas"`, `"<your-key>"`): only then is the call a leak
/// (an error on the literal). A connection string is left to the text rules, which know its
/// key's format.
fn plausible_secret(kind: crate::catalogue::CredentialKind, value: &str) -> bool {
    use crate::catalogue::CredentialKind;
    let value = value.trim();
    let (length, entropy) = match kind {
        CredentialKind::ConnectionString | CredentialKind::Token | CredentialKind::Credential => {
            return false;
        }
        CredentialKind::Password => (8, 2.5),
        CredentialKind::Key | CredentialKind::Sas | CredentialKind::Secret => (16, 3.0),
    };
    // A word inside punctuation (`---SharedAccessSignatureKey---`, `<YourKey>`) is a placeholder.
    let core = value.trim_matches(|c: char| !c.is_alphanumeric());
    value.chars().count() >= length
        // A word (`sharedAccessSignature`, `placeholderkey`) is a test value, not a key; the
        // shared filters drop placeholders and references.
        && !core.chars().all(char::is_alphabetic)
        && !value.contains(char::is_whitespace)
        && !value.contains("---")
        && !encodes_plain_text(value)
        && !names_itself(value)
        && shannon_entropy(value) >= entropy
}

/// Words that make a literal a stand-in when they stand alone between separators:
/// `FAKE_SEARCH_KEY_0123456789`, `api-key-abc123456`, `my-test-secret-2024`. Random keys do not
/// spell words between dashes and underscores (three letters at least, so chance stays rare).
const STAND_IN_WORDS: &[&str] = &[
    "abc",
    "api",
    "apikey",
    "demo",
    "dummy",
    "example",
    "fake",
    "here",
    "insert",
    "key",
    "mock",
    "placeholder",
    "replace",
    "sample",
    "secret",
    "test",
    "todo",
    "token",
    "your",
];

/// True for a literal made of words that say what it stands for (see [`STAND_IN_WORDS`]) and
/// plain runs (`0123456789abcdef`, `abc123`), with no random part: a test value marked as fake
/// but random in the rest (`kl-fake-Zq8#Lm3!Tw9$Rx5@`) still reads as a real key.
fn names_itself(value: &str) -> bool {
    let segments: Vec<&str> = value
        .split(['-', '_', '.', ' '])
        .filter(|segment| !segment.is_empty())
        .collect();
    let random = |segment: &str| {
        let classes = [
            segment.chars().any(|c| c.is_ascii_uppercase()),
            segment.chars().any(|c| c.is_ascii_lowercase()),
            segment.chars().any(|c| c.is_ascii_digit()),
            segment.chars().any(|c| !c.is_ascii_alphanumeric()),
        ];
        classes.iter().filter(|&&present| present).count() >= 3
    };
    segments.len() >= 2
        && segments.iter().any(|segment| {
            STAND_IN_WORDS
                .iter()
                .any(|word| segment.eq_ignore_ascii_case(word))
        })
        && !segments.iter().any(|segment| random(segment))
}

/// True for base64 of readable text (`dGVzdFN0cmluZzM=` is `testString3`): a test value. A real
/// key decodes to random bytes.
fn encodes_plain_text(value: &str) -> bool {
    use base64::Engine as _;
    value.len() >= 8
        && base64::engine::general_purpose::STANDARD
            .decode(value)
            .is_ok_and(|decoded| {
                decoded.iter().all(|&byte| {
                    byte.is_ascii_alphanumeric() || matches!(byte, b' ' | b'-' | b'_' | b'.')
                })
            })
}

/// True when an argument is a string literal written in the call itself (`"..."`, `'...'`,
/// `@"..."`, `r"..."`, a template literal), not a variable that happens to resolve to one: only
/// then is the call's own line the place where the secret sits.
fn is_written_literal(argument: &str) -> bool {
    let trimmed =
        argument.trim_start_matches(['@', 'r', 'f', 'b', 'u', 'R', 'F', 'B', 'U', '$', '#']);
    trimmed.starts_with(['"', '\'', '`'])
}

/// The first argument of `call` that passes `test`.
fn argument_matching<'c>(
    test: &CompiledArgumentTest,
    call: &'c Call,
    text: &str,
) -> Option<&'c Argument> {
    call.arguments
        .iter()
        .chain(&call.options)
        .enumerate()
        .find_map(|(index, argument)| {
            let positional = index < call.arguments.len();
            let index_ok = test
                .index
                .is_none_or(|wanted| positional && wanted == index);
            let name_ok = test.name.as_ref().is_none_or(|name| {
                argument
                    .name
                    .as_deref()
                    .is_some_and(|argument_name| name.is_match(argument_name))
            });
            let text_ok = test.matches.as_ref().is_none_or(|pattern| {
                text.get(argument.span.clone())
                    .is_some_and(|written| pattern.is_match(written))
            });
            (index_ok && name_ok && text_ok).then_some(argument)
        })
}

fn applies_to(alternatives: &[super::CompiledSetting], format: Format) -> bool {
    alternatives
        .iter()
        .any(|alternative| alternative.applies_to(format))
}

/// Where a call's finding is reported, when not at the callee's name: the argument that carries
/// the credential, when it sits on a later line (a multi-line PowerShell command, a builder spread
/// over lines), so the editor marks the credential and two credentials of one call stay two
/// findings.
fn call_anchor(
    text: &str,
    call: &parse::code::Call,
    credential: Option<&Range<usize>>,
) -> Option<Range<usize>> {
    credential
        .filter(|argument| {
            argument.start > call.name_span.end
                && text
                    .get(call.name_span.end..argument.start)
                    .is_some_and(|between| between.contains('\n'))
        })
        .cloned()
}

/// Where a candidate is: the whole match, the secret inside it, whether it is a secret, its value
/// when that differs from the text at `secret`, and a level that overrides the rule's.
struct Matched {
    whole: Range<usize>,
    secret: Range<usize>,
    is_secret: bool,
    value: Option<String>,
    level: Option<Level>,
    /// Length of the text the rule matched, when it differs from `whole` (derived strings).
    matched_len: Option<usize>,
    /// The service, when the match itself knows it (the SDK catalogue's package): rule hints
    /// do not override it.
    service: Option<crate::service::Service>,
    /// A message template appended to the rule's (the catalogue's legacy-library note).
    note: Option<String>,
    /// Where the finding is reported when not at `secret` (filters still judge `secret`).
    at: Option<Range<usize>>,
    /// See [`Candidate::claims`].
    claims: Option<Range<usize>>,
}

impl Matched {
    /// A credential written as a literal in a call: the leak itself, an error on the literal.
    /// A text rule that recognises the literal knows its type better: with no length of its
    /// own, this one loses the overlap to it, so the literal is reported once.
    fn literal(whole: Range<usize>, secret: Range<usize>, value: String) -> Self {
        Self {
            is_secret: true,
            value: Some(value),
            level: Some(Level::Error),
            matched_len: Some(0),
            ..Self::text(whole, secret, true)
        }
    }

    fn text(whole: Range<usize>, secret: Range<usize>, is_secret: bool) -> Self {
        Self {
            whole,
            secret,
            is_secret,
            value: None,
            level: None,
            matched_len: None,
            service: None,
            note: None,
            at: None,
            claims: None,
        }
    }
}

/// The file being matched: its text, its display path (for `within: path`), and its parsed
/// structure, parsed at most once and only when a rule asks for it.
struct Located<'a> {
    source: &'a SourceText,
    path: &'a str,
    format: Option<Format>,
    document: OnceCell<Option<Document>>,
    /// Built on the first `within: key` check or `{setting}` message.
    innermost: OnceCell<Innermost>,
    /// Built on the first `within: setting` check.
    setting_names: OnceCell<SettingNames>,
    /// Built for the first finding in a template.
    resource_bodies: OnceCell<ResourceBodies>,
    /// Built for the first setting rule.
    paths: OnceCell<PathIndex>,
    /// Results of context and filter checks by (check, region): many matches on one line (or in
    /// one file) share a region, and re-running a regex over it per match is quadratic.
    region_checks: RefCell<HashMap<(usize, Range<usize>), bool>>,
}

impl Located<'_> {
    /// `check` over `region`, computed once per (`id`, `region`) for this file.
    fn checked(&self, id: usize, region: Range<usize>, check: impl FnOnce(&str) -> bool) -> bool {
        let key = (id, region);
        if let Some(&known) = self.region_checks.borrow().get(&key) {
            return known;
        }
        let found = self.source.text().get(key.1.clone()).is_some_and(check);
        self.region_checks.borrow_mut().insert(key, found);
        found
    }

    fn document(&self) -> Option<&Document> {
        self.document
            .get_or_init(|| {
                self.format
                    .map(|format| parse::parse(format, self.source.text()))
            })
            .as_ref()
    }

    /// The key path of the innermost structured entry whose value holds `offset`.
    fn enclosing_key(&self, offset: usize) -> Option<String> {
        let document = self.document()?;
        let innermost = self
            .innermost
            .get_or_init(|| Innermost::new(&document.entries));
        let entry = document.entries.get(innermost.at(offset)?)?;
        Some(entry.path.join("."))
    }
}

fn evaluate<'r>(
    registry: &Registry,
    rule: &'r Rule,
    located: &Located<'_>,
    groups: &Groups<'_>,
    matched: Matched,
) -> Option<Candidate<'r>> {
    let Matched {
        whole,
        secret,
        is_secret,
        value,
        level,
        matched_len,
        service: known_service,
        note,
        at,
        claims,
    } = matched;
    let specificity = matched_len.unwrap_or(whole.len());
    let source = located.source;
    let text = source.text();
    let secret_text = match &value {
        Some(value) => value.as_str(),
        None => text.get(secret.clone())?,
    };
    let whole_text = text.get(whole.clone())?;
    let line_text = lines_around(source, &whole, 0);
    let literal = written_as_literal(located, &secret);
    for &filter_index in &rule.filters {
        let filter = registry.filters().get(filter_index)?;
        let drops = match filter.spec.target {
            FilterTarget::Secret => filter.drops_value(secret_text, literal),
            FilterTarget::Match => filter.drops_value(whole_text, literal),
            FilterTarget::Line => {
                let id = std::ptr::from_ref(filter) as usize;
                located.checked(id, line_text.clone(), |line| filter.drops(line))
            }
        };
        if drops {
            return None;
        }
    }
    if let Some(minimum) = rule.spec.min_entropy
        && shannon_entropy(secret_text) < minimum
    {
        return None;
    }
    let spans = Spans {
        whole: &whole,
        secret: &secret,
    };
    if !rule
        .requires
        .iter()
        .all(|context| context_found(context, located, &spans))
    {
        return None;
    }
    if rule
        .excludes
        .iter()
        .any(|context| context_found(context, located, &spans))
    {
        return None;
    }
    let mut service = rule.spec.service;
    let mut signed = false;
    let mut checksum_verified = false;
    if let Some(validator) = rule.spec.validate {
        match validators::check(validator, secret_text) {
            Verdict::Reject => return None,
            Verdict::Accept {
                service: by_signature,
                verified,
            } => {
                checksum_verified = verified;
                if let Some(by_signature) = by_signature {
                    service = by_signature;
                    signed = true;
                }
            }
        }
    }
    // Setting hints refine the profile once the service is settled (below); the others decide
    // the service as they always did: the first that holds wins.
    let hint = rule
        .hints
        .iter()
        .filter(|(_, context)| context.within != Within::Setting)
        .find(|(_, context)| context_found(context, located, &spans))
        .map(|(hint, _)| hint);
    if let Some(known) = known_service {
        service = known;
        signed = true;
    }
    if let Some(hinted) = hint.and_then(|hint| hint.service).filter(|_| !signed) {
        service = hinted;
    }
    // A hint's profile only applies to the service it was written for.
    let hint = hint.filter(|hint| !signed || hint.service.is_none_or(|hinted| hinted == service));
    // An explicit profile wins, then a hint's, then the (possibly refined) service's own.
    let remediation = rule
        .spec
        .remediation
        .clone()
        .or_else(|| hint.and_then(|hint| hint.remediation.clone()))
        .or_else(|| setting_profile(registry, rule, located, &spans, service))
        .unwrap_or_else(|| service.as_str().to_owned());
    let setting = rule
        .spec
        .message
        .contains("{setting")
        .then(|| located.enclosing_key(whole.start))
        .flatten();
    let template = match note {
        Some(note) => std::borrow::Cow::Owned(format!("{}{note}", rule.spec.message)),
        None => std::borrow::Cow::Borrowed(rule.spec.message.as_str()),
    };
    let message = render_message(
        &template,
        groups,
        setting.as_deref(),
        secret_text,
        is_secret,
    );
    let level = level.unwrap_or(rule.spec.level);
    let workload = enclosing_workload(registry, located, whole.start);
    Some(Candidate {
        rule,
        secret: at.unwrap_or(secret),
        is_secret,
        value,
        specificity,
        level,
        service,
        remediation,
        message,
        checksum_verified,
        claims,
        workload,
    })
}

/// The innermost template resource whose body holds byte `offset`, when its type (and ARM
/// `kind`) is a known host's workload: the app that uses the key found there.
fn enclosing_workload(
    registry: &Registry,
    located: &Located<'_>,
    offset: usize,
) -> Option<crate::remediation::WorkloadResource> {
    // Only templates declare resources; their documents are parsed for setting rules anyway.
    if !matches!(
        located.format,
        Some(Format::Bicep | Format::Terraform | Format::Json)
    ) {
        return None;
    }
    let document = located.document()?;
    if document.resources.is_empty() {
        return None;
    }
    let text = located.source.text();
    // The deepest resource body that holds the offset, from an index built once per file.
    let (resource, kind) = located
        .resource_bodies
        .get_or_init(|| ResourceBodies::new(document))
        .at(offset)?;
    let resource = document.resources.get(resource)?;
    let kind = kind
        .and_then(|index| document.entries.get(index))
        .map_or("", |entry| entry.text(text));
    let host = registry
        .knowledge()
        .host_of_resource(&resource.type_name, kind)?;
    Some(crate::remediation::WorkloadResource {
        host: host.id.clone(),
        resource_type: resource.type_name.clone(),
    })
}

/// The profile of the first `within: setting` hint that holds, when that profile is about the
/// finding's service (the setting `AzureWebJobsStorage` makes a storage key the Functions host's;
/// it never turns a Service Bus finding into a storage one).
fn setting_profile(
    registry: &Registry,
    rule: &Rule,
    located: &Located<'_>,
    spans: &Spans<'_>,
    service: Service,
) -> Option<String> {
    rule.hints
        .iter()
        .filter(|(hint, context)| context.within == Within::Setting && hint.service.is_none())
        .filter_map(|(hint, context)| hint.remediation.as_ref().map(|profile| (profile, context)))
        .filter(|(profile, _)| {
            registry
                .knowledge()
                .profile(profile)
                .is_some_and(|found| found.service == service)
        })
        .find(|(_, context)| context_found(context, located, spans))
        .map(|(profile, _)| profile.clone())
}

/// True when the value at `secret` cannot be code: it is quoted, or it sits in a data file
/// (JSON, YAML, XML, key=value), where every value is a literal. Only then is `Fk9.Kd3mQ2` a
/// password rather than a member chain.
fn written_as_literal(located: &Located<'_>, secret: &Range<usize>) -> bool {
    let data_file = matches!(
        located.format,
        Some(Format::Json | Format::Yaml | Format::Xml | Format::KeyValue)
    );
    let quoted = located
        .source
        .text()
        .get(..secret.start)
        .and_then(|before| before.chars().next_back())
        .is_some_and(|c| matches!(c, '"' | '\'' | '`'));
    data_file || quoted
}

/// Fills `{group}` placeholders from named values, `{group|fallback}` with a fallback for a
/// value that is absent. A secret (under any name) is always masked, so a message never carries
/// one.
fn render_message(
    template: &str,
    groups: &Groups<'_>,
    setting: Option<&str>,
    secret: &str,
    is_secret: bool,
) -> String {
    let mut message = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|at| open + at) else {
            break;
        };
        message.push_str(&rest[..open]);
        let inner = &rest[open + 1..close];
        let (name, fallback) = inner.split_once('|').unwrap_or((inner, "?"));
        // A capture group of that name wins; `{setting}` otherwise names the enclosing key.
        let found = groups
            .get(name)
            .or(if name == "setting" { setting } else { None });
        match found {
            Some(found) if is_secret && (name == "secret" || found == secret) => {
                message.push_str(&mask(found))
            }
            Some(found) => message.push_str(&truncate_chars(found, 64)),
            None => message.push_str(fallback),
        }
        rest = &rest[close + 1..];
    }
    message.push_str(rest);
    message
}

fn truncate_chars(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Byte range of the lines that hold `range`, widened by `extra` lines each side.
fn lines_around(source: &SourceText, range: &Range<usize>, extra: usize) -> Range<usize> {
    let first = source
        .position(range.start)
        .line
        .saturating_sub(extra)
        .max(1);
    let last = source
        .position(range.end.saturating_sub(1).max(range.start))
        .line
        + extra;
    let start = source.line_range(first).start;
    let end = source.line_range(last.min(source.line_count().max(1))).end;
    start..end.max(start)
}

/// The run of characters around a match up to whitespace, quotes or angle brackets, at most
/// [`TOKEN_REACH`] bytes either side (many matches in one huge token must not cost its length
/// each).
fn token_around(text: &str, range: &Range<usize>) -> Range<usize> {
    let is_boundary = |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>');
    // A match that ends on the white space after it (a line's newline) stays on its own line:
    // the token does not run on into the next one.
    let matched_end = range.start
        + text
            .get(range.clone())
            .map_or(range.len(), |matched| matched.trim_end().len());
    let floor = char_boundary_at_or_before(text, range.start.saturating_sub(TOKEN_REACH));
    let ceiling = char_boundary_at_or_before(text, matched_end.saturating_add(TOKEN_REACH));
    let start = text
        .get(floor..range.start)
        .and_then(|before| {
            before
                .rfind(is_boundary)
                .map(|at| floor + at + before[at..].chars().next().map_or(1, char::len_utf8))
        })
        .unwrap_or(floor);
    let end = text
        .get(matched_end..ceiling)
        .and_then(|after| after.find(is_boundary))
        .map_or(ceiling.max(matched_end), |at| matched_end + at);
    start..end
}

/// How far [`token_around`] looks either side of a match: far beyond any URL or connection string.
const TOKEN_REACH: usize = 4096;

/// The largest character boundary of `text` at or before `offset` (clamped to its length).
fn char_boundary_at_or_before(text: &str, offset: usize) -> usize {
    let mut at = offset.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The match and the secret inside it.
struct Spans<'a> {
    whole: &'a Range<usize>,
    secret: &'a Range<usize>,
}

/// False when a `requires` on the path or the whole file fails, or such an `excludes` holds:
/// then no match of `rule` in this file can be reported.
fn file_admits(rule: &Rule, located: &Located<'_>) -> bool {
    let found = |context: &Context| match context.within {
        Within::Path => Some(context.regex.is_match(located.path)),
        Within::File => Some(file_holds(context, located)),
        _ => None,
    };
    rule.requires
        .iter()
        .all(|context| found(context) != Some(false))
        && rule
            .excludes
            .iter()
            .all(|context| found(context) != Some(true))
}

fn context_found(context: &Context, located: &Located<'_>, spans: &Spans<'_>) -> bool {
    let source = located.source;
    let text = source.text();
    let region = match context.within {
        Within::Path => return context.regex.is_match(located.path),
        Within::Key => {
            return located
                .enclosing_key(spans.whole.start)
                .is_some_and(|key| context.regex.is_match(&key));
        }
        Within::Setting => {
            return located.document().is_some_and(|document| {
                let names = located
                    .setting_names
                    .get_or_init(|| SettingNames::new(document));
                // The match's last byte is inside the value even when the match starts at its
                // key; a match that covers whole entries (a resource's evidence) names each
                // setting inside it.
                names
                    .at(document, text, spans.whole.end.saturating_sub(1))
                    .into_iter()
                    .chain(names.within(document, text, spans.whole.clone()))
                    .any(|name| context.regex.is_match(&name))
            });
        }
        Within::Secret => spans.secret.clone(),
        Within::Match => spans.whole.clone(),
        Within::Token => token_around(text, spans.whole),
        Within::Line => lines_around(source, spans.whole, 0),
        Within::Nearby => lines_around(source, spans.whole, 3),
        Within::File => return file_holds(context, located),
    };
    // Keyed by the pattern: rules that share a condition share its answer.
    located.checked(context.regex.id(), region, |haystack| {
        context.regex.is_match(haystack)
    })
}

/// Whether `context`'s pattern is somewhere in the file, remembered by pattern: a file's rules
/// that share the condition ask it once, before their search and for their matches.
fn file_holds(context: &Context, located: &Located<'_>) -> bool {
    let whole = 0..located.source.text().len();
    located.checked(context.regex.id(), whole, |text| {
        context.regex.is_match_in_file(text)
    })
}

/// Shannon entropy in bits per character.
pub fn shannon_entropy(text: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut total = 0usize;
    for c in text.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    let total = total as f64;
    counts
        .values()
        .map(|&count| {
            let share = count as f64 / total;
            -share * share.log2()
        })
        .sum()
}

/// Keeps one finding per secret: where spans overlap, the higher level wins, then the match that
/// covered more text (more context, more specific advice), then the earlier rule.
fn drop_overlaps(mut candidates: Vec<Candidate<'_>>) -> Vec<Candidate<'_>> {
    candidates.sort_by(|left, right| {
        right
            .level
            .cmp(&left.level)
            .then(right.specificity.cmp(&left.specificity))
    });
    let mut kept: Vec<Candidate<'_>> = Vec::new();
    // What a pairwise check would find, in O(log n): kept non-empty spans never overlap one
    // another, so the last one starting before a candidate's end is the only one that can reach
    // past its start; a kept empty span (a point) overlaps a candidate that strictly contains it.
    let mut spans: BTreeMap<usize, usize> = BTreeMap::new();
    let mut points: BTreeSet<usize> = BTreeSet::new();
    for candidate in candidates {
        let (start, end) = (candidate.secret.start, candidate.secret.end);
        let overlaps_span = spans
            .range(..end)
            .next_back()
            .is_some_and(|(_, &span_end)| start < span_end);
        let overlaps_point =
            end > start.saturating_add(1) && points.range(start + 1..end).next().is_some();
        if !overlaps_span && !overlaps_point {
            if start < end {
                spans.insert(start, end);
            } else {
                points.insert(start);
            }
            kept.push(candidate);
        }
    }
    kept
}

/// Drops a call reported at its name when a secret is reported inside the text that carries its
/// credential (`-Credential (New-Object PSCredential($id, (ConvertTo-SecureString "…")))`): that
/// is one credential, and the error on the literal says more than the warning on the call.
/// `secrets` are the kept secrets, sorted; they never overlap, so their ends are sorted too.
fn drop_calls_around_secrets<'r>(
    kept: Vec<Candidate<'r>>,
    secrets: &[Range<usize>],
) -> Vec<Candidate<'r>> {
    kept.into_iter()
        .filter(|candidate| {
            let Some(claim) = candidate.claims.as_ref().filter(|_| !candidate.is_secret) else {
                return true;
            };
            let first_inside = secrets.partition_point(|secret| secret.start < claim.start);
            !secrets
                .get(first_inside)
                .is_some_and(|secret| secret.end <= claim.end && secret.start < secret.end)
        })
        .collect()
}

fn to_finding(
    path: &str,
    source: &SourceText,
    candidate: Candidate<'_>,
    secrets: &[Range<usize>],
) -> Finding {
    let text = source.text();
    let secret_text = candidate
        .value
        .as_deref()
        .unwrap_or_else(|| text.get(candidate.secret.clone()).unwrap_or(""));
    Finding {
        rule_id: candidate.rule.spec.id.clone(),
        level: candidate.level,
        path: path.to_owned(),
        start: source.position(candidate.secret.start),
        end: source.position(candidate.secret.end),
        byte_range: candidate.secret.clone(),
        service: candidate.service,
        message: candidate.message,
        remediation: candidate.remediation,
        masked: if candidate.is_secret {
            mask(secret_text)
        } else {
            truncate_chars(secret_text, 64)
        },
        secret_hash: hash_secret(secret_text),
        snippet: snippet(source, &candidate.secret, secrets),
        roles: Vec::new(),
        workload: candidate.workload,
        checksum_verified: candidate.checksum_verified,
        origin: None,
    }
}

/// Builds a snippet's text, tracking where the highlighted target lands in it.
struct SnippetText<'t> {
    text: &'t str,
    rendered: String,
    cursor: usize,
    target: Range<usize>,
    highlight_start: Option<usize>,
    highlight_end: Option<usize>,
}

impl SnippetText<'_> {
    /// Copies source text up to `until`, noting where the target's start and end land.
    fn copy_until(&mut self, until: usize) {
        let until = until.max(self.cursor);
        let copied = self.cursor..=until;
        if self.highlight_start.is_none() && copied.contains(&self.target.start) {
            self.highlight_start = Some(self.rendered.len() + (self.target.start - self.cursor));
        }
        if self.highlight_end.is_none()
            && self.target.end > self.target.start
            && copied.contains(&self.target.end)
        {
            self.highlight_end = Some(self.rendered.len() + (self.target.end - self.cursor));
        }
        self.rendered
            .push_str(self.text.get(self.cursor..until).unwrap_or(""));
        self.cursor = until;
    }

    /// Writes a secret masked in place of its text.
    fn mask(&mut self, secret: &Range<usize>, window_end: usize) {
        self.copy_until(secret.start);
        let at = self.rendered.len();
        self.rendered
            .push_str(&mask(self.text.get(secret.clone()).unwrap_or("")));
        if *secret == self.target {
            self.highlight_start = Some(at);
            self.highlight_end = Some(self.rendered.len());
        }
        self.cursor = secret.end.min(window_end).max(self.cursor);
    }
}

/// The target's line, cut to a window around it, with every secret on it masked. The target is
/// highlighted whether or not it is a secret itself.
fn snippet(source: &SourceText, target: &Range<usize>, secrets: &[Range<usize>]) -> Snippet {
    let text = source.text();
    let position = source.position(target.start);
    let line = source.line_range(position.line);
    let window_start = back_chars(text, target.start, SNIPPET_CONTEXT_CHARS).max(line.start);
    let target_end = target.end.min(line.end).max(target.start);
    let window_end = forward_chars(text, target_end, SNIPPET_CONTEXT_CHARS).min(line.end);
    let mut builder = SnippetText {
        text,
        rendered: String::new(),
        cursor: window_start,
        target: target.start..target_end,
        highlight_start: None,
        highlight_end: None,
    };
    if window_start > line.start {
        builder.rendered.push('…');
    }
    // `secrets` are sorted and do not overlap, so their ends are sorted too: the ones in the
    // window are one slice, found without walking every secret of the file.
    let first = secrets.partition_point(|other| other.end <= window_start);
    let last = secrets.partition_point(|other| other.start < window_end);
    let mut on_line: Vec<&Range<usize>> = secrets
        .get(first..last.max(first))
        .unwrap_or_default()
        .iter()
        .filter(|other| other.start < window_end && other.end > window_start)
        .collect();
    on_line.sort_by_key(|other| other.start);
    for secret in on_line {
        builder.mask(secret, window_end);
    }
    builder.copy_until(window_end);
    if window_end < line.end {
        builder.rendered.push('…');
    }
    let rendered = builder.rendered;
    let start = builder.highlight_start.unwrap_or(0).min(rendered.len());
    let end = builder
        .highlight_end
        .unwrap_or(start)
        .clamp(start, rendered.len());
    // Through the line index: counting from the line's start is quadratic on a huge line.
    let column_offset = if window_start > line.start {
        source.position(window_start).column - 1
    } else {
        0
    };
    Snippet {
        line: position.line,
        text: rendered,
        highlight: start..end,
        column_offset,
    }
}

fn back_chars(text: &str, from: usize, count: usize) -> usize {
    text.get(..from)
        .and_then(|before| {
            before
                .char_indices()
                .rev()
                .nth(count.saturating_sub(1))
                .map(|(at, _)| at)
        })
        .unwrap_or(0)
}

fn forward_chars(text: &str, from: usize, count: usize) -> usize {
    text.get(from..)
        .and_then(|after| after.char_indices().nth(count).map(|(at, _)| from + at))
        .unwrap_or(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::CredentialKind::Key;

    #[test]
    fn placeholders_and_encoded_words_are_no_plausible_secret() {
        assert!(!plausible_secret(Key, "---SharedAccessSignatureKey----"));
        assert!(!plausible_secret(Key, "<YourSubscriptionKeyHere>"));
        assert!(!plausible_secret(Key, "dGVzdFN0cmluZzM="));
        assert!(plausible_secret(Key, "q3J9vX2mK8pL4nR7tY1wZ5sD0fG6hB/+"));
    }

    #[test]
    fn literal_keys_beside_a_stock_sample_host_stay_warnings() {
        let registry = Registry::embedded().expect("embedded rules load");
        let levels = |host: &str| {
            let text = format!(
                "using Microsoft.Azure.Devices.Client;\nstring hostName = \"{host}\";\n\
                 var auth = new DeviceAuthenticationWithRegistrySymmetricKey(\"Device1\", \
                 \"q3J9vX2mK8pL4nR7tY1wZ5sD0fG6hBFAKEa8c2e4g6i=\");\n"
            );
            let source = SourceText::from_text(text);
            scan_source(&registry, "Tests.cs", &source)
                .into_iter()
                .filter(|finding| finding.rule_id == "sdk-key-credential")
                .map(|finding| finding.level)
                .collect::<Vec<_>>()
        };
        assert_eq!(levels("kl-fake-hub.azure-devices.net"), [Level::Error]);
        assert_eq!(levels("acme.azure-devices.net"), [Level::Warning]);
    }

    #[test]
    fn literals_that_name_what_they_stand_for_are_no_plausible_secret() {
        for stand_in in [
            "FAKE_SEARCH_KEY_0123456789abcdef",
            "api-key-abc123456789",
            "my-test-secret-value-2024",
            "your_openai_key_goes_here",
        ] {
            assert!(!plausible_secret(Key, stand_in), "{stand_in}");
        }
        for key in [
            "q3J9vX2mK8pL4nR7-tY1wZ5sD0fG6hB",
            "Zq8Lm2Xv7Np4Rt6Wy1Bc3Dk5Fh9Gj0Hs",
            "VbvbrSjXFxATtCfyJJ5bCL1hSGmi1Zga3FAKEd/4gmo=",
            "kl-fake-Zq8#Lm3!Tw9$Rx5@",
        ] {
            assert!(plausible_secret(Key, key), "{key}");
        }
    }
}
