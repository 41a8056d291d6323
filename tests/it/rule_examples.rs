//! Every rule's examples run through the real pipeline: each positive must yield a finding with
//! that rule id, each negative must yield nothing at all. Failures are collected so that one run
//! names every broken rule and example.

use keyless::rules::gate::GateMemo;
use keyless::rules::spec::Example;
use keyless::rules::{Matcher, Registry};
use keyless::scan_text;

fn registry() -> Registry {
    Registry::embedded().unwrap_or_else(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        panic!("rule data does not load:\n{}", lines.join("\n"))
    })
}

fn scan_example(registry: &Registry, example: &Example) -> Vec<keyless::Finding> {
    scan_text(registry, example.file_name(), example.text())
}

#[test]
fn positive_examples_fire_and_negative_examples_stay_silent() {
    let registry = registry();
    let mut failures = Vec::new();
    for rule in registry.rules() {
        let id = &rule.spec.id;
        for (index, example) in rule.spec.examples.iter().enumerate() {
            let findings = scan_example(&registry, example);
            if !findings.iter().any(|finding| &finding.rule_id == id) {
                let got: Vec<&str> = findings
                    .iter()
                    .map(|finding| finding.rule_id.as_str())
                    .collect();
                failures.push(format!("{id}: example {index} does not fire (got {got:?})"));
            }
        }
        for (index, example) in rule.spec.negative_examples.iter().enumerate() {
            let findings = scan_example(&registry, example);
            if let Some(finding) = findings.first() {
                failures.push(format!(
                    "{id}: negative example {index} yields {} at {}:{}",
                    finding.rule_id, finding.start.line, finding.start.column
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} rule example failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_has_enough_examples_docs_and_a_well_formed_message() {
    let registry = registry();
    let mut failures = Vec::new();
    for rule in registry.rules() {
        let spec = &rule.spec;
        let id = &spec.id;
        if spec.examples.len() < 3 || spec.negative_examples.len() < 3 {
            failures.push(format!(
                "{id}: needs at least 3 examples and 3 negative examples"
            ));
        }
        if !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            || id.starts_with("no-")
        {
            failures.push(format!("{id}: ids are kebab-case and name what is found"));
        }
        for (field, text) in [
            ("what", &spec.docs.what),
            ("why", &spec.docs.why),
            ("instead", &spec.docs.instead),
        ] {
            if text.trim().len() < 20 {
                failures.push(format!("{id}: docs.{field} is too short to help anyone"));
            }
        }
        let message = spec.message.trim();
        if message.ends_with('.') || message != spec.message {
            failures.push(format!(
                "{id}: message has no final period and no surrounding spaces"
            ));
        }
        let first_word = message.split_whitespace().next().unwrap_or_default();
        let starts_lowercase = first_word
            .chars()
            .find(|c| c.is_alphabetic())
            .is_some_and(|c| c.is_lowercase());
        if !starts_lowercase && !spec.name.split_whitespace().any(|word| word == first_word) {
            failures.push(format!(
                "{id}: message starts lowercase unless with a product name"
            ));
        }
        let groups: Vec<&str> = match &rule.matcher {
            Matcher::Text { regex } => {
                if regex.group_index("secret").is_none() {
                    failures.push(format!(
                        "{id}: pattern needs a `secret` group for the span and the mask"
                    ));
                }
                regex.capture_names().flatten().collect()
            }
            Matcher::Settings(_) => vec!["key", "resource", "value", "secret"],
            Matcher::Calls { .. } => vec!["callee", "name", "package", "replacement"],
        };
        for placeholder in message
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split('}').next())
        {
            let name = placeholder.split('|').next().unwrap_or_default();
            if !groups.contains(&name) {
                failures.push(format!(
                    "{id}: message placeholder `{{{name}}}` is not a capture group"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_filter_drops_its_examples() {
    let registry = registry();
    let mut failures = Vec::new();
    for filter in registry.filters() {
        for example in &filter.spec.examples {
            if !filter.drops(example) {
                failures.push(format!(
                    "filter {}: does not drop `{example}`",
                    filter.spec.id
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_misspelt_field_fails_loading_with_the_rule_id() {
    let storage = include_str!("../../rules/storage.yaml").replacen("keywords:", "keywrods:", 1);
    let mut files: Vec<(&str, &str)> = Vec::new();
    for name in ["filters.yaml", "roles.yaml", "remediation.yaml"] {
        let text = match name {
            "filters.yaml" => include_str!("../../rules/filters.yaml"),
            "roles.yaml" => include_str!("../../rules/roles.yaml"),
            _ => include_str!("../../rules/remediation.yaml"),
        };
        files.push((name, text));
    }
    files.push(("storage.yaml", &storage));
    let errors = Registry::from_files(files).expect_err("a misspelt field must not load");
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(
        text.iter()
            .any(|line| line.contains("storage-account-key") && line.contains("keywrods")),
        "errors do not name the rule and field: {text:?}"
    );
}

/// The look-alikes the core must never report (issue "Core scanner", scope 4): each appears in at
/// least one negative example, so the examples test proves the silence.
const TRAPS: &[&str] = &[
    "devstoreaccount1",
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    "UseDevelopmentStorage=true",
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==",
    "@Microsoft.KeyVault(",
    "__fullyQualifiedNamespace",
    "__accountName",
    "__serviceUri",
    "__credential",
    "${",
    "$(",
    "%STORAGE_KEY%",
    "{{ secrets.",
    "#{",
    "[parameters('",
    "<key>",
    "{cosmosKey}",
    "xxxxxxxx",
    "****",
    "REPLACE_ME",
    "AccountKey=...;",
];

#[test]
fn every_trap_is_among_the_negative_examples() {
    let registry = registry();
    let negatives: Vec<&str> = registry
        .rules()
        .iter()
        .flat_map(|rule| rule.spec.negative_examples.iter().map(Example::text))
        .collect();
    let missing: Vec<&&str> = TRAPS
        .iter()
        .filter(|trap| !negatives.iter().any(|text| text.contains(**trap)))
        .collect();
    assert!(
        missing.is_empty(),
        "traps with no negative example: {missing:?}"
    );
}

/// A Unicode `\b` makes the regex crate's fast engines give up on any text with a non-ASCII
/// character and fall back to one that is tens of times slower; rules use `(?-u:\b)`.
#[test]
fn no_rule_pattern_uses_a_unicode_word_boundary() {
    let registry = registry();
    let unicode_boundary =
        regex::Regex::new(r"(^|[^\\])(\\\\)*\\[bB]").expect("the check's own pattern compiles");
    let mut failures = Vec::new();
    for rule in registry.rules() {
        let mut patterns: Vec<&str> = rule.spec.pattern.iter().map(String::as_str).collect();
        patterns.extend(rule.requires.iter().map(|context| context.regex.as_str()));
        patterns.extend(rule.excludes.iter().map(|context| context.regex.as_str()));
        for pattern in patterns {
            let ascii_only = pattern.replace(r"(?-u:\b)", "").replace(r"(?-u:\B)", "");
            if unicode_boundary.is_match(&ascii_only) {
                failures.push(format!("{}: {pattern}", rule.spec.id));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A gate must never close on a text the rule fires on.
#[test]
fn every_gate_is_open_on_the_rules_positive_examples() {
    let registry = registry();
    let mut failures = Vec::new();
    for rule in registry.rules().iter().filter(|rule| rule.gate().is_some()) {
        for example in &rule.spec.examples {
            let mut memo = GateMemo::default();
            if !rule.gate_open(example.text(), &mut memo) {
                failures.push(format!("{}: {}", rule.spec.id, example.file_name()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Patterns are built on first use; building them all here keeps one that is over the regex
/// size limit from silently never matching.
#[test]
fn every_pattern_builds() {
    let failures = registry().compile_all();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
