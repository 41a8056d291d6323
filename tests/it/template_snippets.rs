//! Remediation snippets in Bicep, ARM and Terraform: generated for every profile from the data,
//! each parses cleanly with the parser keyless itself uses, and a few are snapshotted.

use crate::common;

use keyless::Service;
use keyless::parse::{self, Format};
use keyless::remediation::template::{TemplateLanguage, snippet};

const LANGUAGES: [(TemplateLanguage, Format); 3] = [
    (TemplateLanguage::Bicep, Format::Bicep),
    (TemplateLanguage::Arm, Format::Json),
    (TemplateLanguage::Terraform, Format::Terraform),
];

#[test]
fn every_profile_snippet_parses_with_keyless_parsers() {
    let registry = common::registry();
    let knowledge = registry.knowledge();
    let mut failures = Vec::new();
    let mut checked = 0;
    for profile in knowledge.profiles() {
        let role = knowledge.roles_of(profile).next().map(|(role, _)| role);
        for (language, format) in LANGUAGES {
            let Some(text) = snippet(language, knowledge, profile.service, role) else {
                continue;
            };
            checked += 1;
            let document = parse::parse(format, &text);
            if !document.complete || document.entries.is_empty() {
                failures.push(format!(
                    "{} / {}: does not parse cleanly:\n{text}",
                    profile.id,
                    language.as_str()
                ));
            }
            if let Some(guid) = role.and_then(|role| role.guid.as_deref())
                && !text.contains(guid)
            {
                failures.push(format!(
                    "{} / {}: role GUID {guid} missing",
                    profile.id,
                    language.as_str()
                ));
            }
        }
    }
    assert!(checked >= 60, "only {checked} snippets generated");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn snippets_snapshot() {
    let registry = common::registry();
    let knowledge = registry.knowledge();
    let mut rendered = String::new();
    for (service, role_id) in [
        (Service::Storage, "storage-blob-data-reader"),
        (Service::Cosmos, "cosmos-db-built-in-data-reader"),
        (Service::Redis, "redis-data-contributor"),
        (Service::Sql, "sql-db-datareader"),
    ] {
        let role = knowledge.role(role_id);
        assert!(role.is_some(), "no role {role_id}");
        for (language, _) in LANGUAGES {
            let text = snippet(language, knowledge, service, role).unwrap_or_default();
            rendered.push_str(&format!(
                "==== {service} / {} ====\n{text}\n",
                language.as_str()
            ));
        }
    }
    insta::assert_snapshot!("template_snippets", rendered);
}
