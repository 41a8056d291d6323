//! `keyless explain` for every rule of the embedded registry, and help that reads like ripgrep's.

use crate::workflow_common;

use workflow_common::{keyless, repo_root, stderr, stdout};

fn registry() -> keyless::Registry {
    keyless::Registry::embedded().unwrap_or_else(|errors| panic!("{errors:?}"))
}

#[test]
fn explain_works_for_every_rule() {
    let registry = registry();
    let mut failures = Vec::new();
    for rule in registry.rules() {
        let id = &rule.spec.id;
        let output = keyless(&repo_root(), &["explain", id]);
        let text = stdout(&output);
        if output.status.code() != Some(0) {
            failures.push(format!(
                "{id}: exit {:?}: {}",
                output.status,
                stderr(&output)
            ));
            continue;
        }
        let mut wanted = vec![
            format!("{id}: {}", rule.spec.name),
            "WHAT IT FINDS".to_owned(),
            "WHY IT MATTERS".to_owned(),
            // "THE IDENTITY WAY OUT", or "NO IDENTITY WAY OUT: WHAT TO DO INSTEAD" where no
            // managed identity can replace the key.
            "WAY OUT".to_owned(),
            "EXAMPLE".to_owned(),
            "Flagged in".to_owned(),
        ];
        let knowledge = registry.knowledge();
        if let Some(profile) = knowledge.profile(rule.remediation_id()) {
            // The role with its GUID, from the same data the findings use.
            wanted.extend(
                knowledge
                    .roles_of(profile)
                    .map(|(role, _)| role.output_id().to_owned()),
            );
        }
        for piece in wanted {
            if !text.contains(&piece) {
                failures.push(format!("{id}: missing `{piece}`"));
            }
        }
        // The example's leaked secrets (error-level findings) are masked like every output;
        // lower levels point at settings and names, which are not secrets.
        for secret in rule.spec.examples.iter().flat_map(|example| {
            keyless::scan_text(&registry, example.file_name(), example.text())
                .into_iter()
                .filter(|finding| finding.level == keyless::Level::Error)
                .map(|finding| {
                    example
                        .text()
                        .get(finding.byte_range.clone())
                        .unwrap_or_default()
                        .to_owned()
                })
        }) {
            if secret.len() >= 16 && text.contains(&secret) {
                failures.push(format!("{id}: prints an example secret unmasked"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn explain_markdown_carries_the_steps_and_role_table() {
    let output = keyless(
        &repo_root(),
        &["explain", "--format", "markdown", "storage-account-key"],
    );
    let text = stdout(&output);
    assert!(text.starts_with("# `storage-account-key`"), "{text}");
    assert!(text.contains("1. Turn on a managed identity"), "{text}");
    assert!(text.contains("| Role | Id | When |"), "{text}");
}

#[test]
fn explain_json_is_one_object_with_the_roles() {
    let output = keyless(
        &repo_root(),
        &[
            "explain",
            "--format",
            "json",
            "servicebus-connection-string",
        ],
    );
    let document: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(document["id"], "servicebus-connection-string");
    assert!(
        document["remediation"]["roles"][0]["id"].is_string(),
        "{document}"
    );
    assert!(
        document["example"]["text"]
            .as_str()
            .is_some_and(|text| text.contains('…'))
    );
}

#[test]
fn an_unknown_rule_is_a_usage_error_with_suggestions() {
    let output = keyless(&repo_root(), &["explain", "storage-key"]);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(text.contains("unknown rule `storage-key`"), "{text}");
    assert!(text.contains("did you mean"), "{text}");
}

#[test]
fn help_has_sections_and_examples() {
    let long = stdout(&keyless(&repo_root(), &["scan", "--help"]));
    for section in [
        "Input:",
        "Rules and configuration:",
        "Suppressions and baseline:",
        "Output:",
        "EXAMPLES:",
        "--staged",
        "keyless:ignore[storage-account-key]",
    ] {
        assert!(
            long.contains(section),
            "scan --help lacks {section}:\n{long}"
        );
    }
    let short = stdout(&keyless(&repo_root(), &["scan", "-h"]));
    assert!(!short.contains("EXAMPLES:"), "-h stays short");
    let top = stdout(&keyless(&repo_root(), &["--help"]));
    for piece in [
        "EXAMPLES:",
        "EXIT STATUS:",
        "explain",
        "install-hook",
        "baseline",
    ] {
        assert!(top.contains(piece), "--help lacks {piece}:\n{top}");
    }
}

/// Advice that sends the reader elsewhere names something `keyless explain` knows: a rule id,
/// never a remediation profile's id (`storage-sas` is a profile; the rule is
/// `storage-sas-token`).
#[test]
fn cross_references_in_the_advice_are_rule_ids() {
    let registry = registry();
    let knowledge = registry.knowledge();
    let explain = regex::Regex::new(r"keyless explain ([a-z0-9-]+)").unwrap();
    let see = regex::Regex::new(r"\bsee ([a-z0-9]+(?:-[a-z0-9]+)+)\b").unwrap();
    let mut failures = Vec::new();
    for profile in knowledge.profiles() {
        let texts = [
            Some(&profile.summary),
            Some(&profile.replacement),
            Some(&profile.disable_key_auth),
            profile.no_identity.as_ref(),
        ];
        for text in texts.into_iter().flatten() {
            for found in explain.captures_iter(text) {
                if registry.rule(&found[1]).is_none() {
                    failures.push(format!("{}: `keyless explain {}`", profile.id, &found[1]));
                }
            }
            for found in see.captures_iter(text) {
                if knowledge.profile(&found[1]).is_some() && registry.rule(&found[1]).is_none() {
                    failures.push(format!(
                        "{}: `see {}` names a profile",
                        profile.id, &found[1]
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    let text = stdout(&keyless(&repo_root(), &["explain", "storage-account-key"]));
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("keyless explain storage-sas-token"),
        "{text}"
    );
    assert!(!words.contains("see storage-sas."), "{text}");
}
