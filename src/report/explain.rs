//! `keyless explain RULE`: one rule's documentation for people (text or markdown) or tools (JSON).
//!
//! Everything comes from the data the rules are built from: the rule's docs and references, its
//! remediation profile and roles, and its first example and negative example, run through the
//! real scanner so the example's secret is shown masked. Nothing here is written twice.

use serde_json::json;
use std::io::{self, Write};

use super::sarif::help_markdown;
use crate::finding::Finding;
use crate::remediation::advice::Advice;
use crate::remediation::{Knowledge, Profile};
use crate::rules::{Registry, Rule};
use crate::scan::scan_text;

/// Output formats of `keyless explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    /// Sections for a terminal.
    Text,
    /// Markdown, as in SARIF rule help.
    Markdown,
    /// One JSON object.
    Json,
}

/// Languages whose SDK snippet `explain` shows first.
const PREFERRED_LANGUAGES: &[&str] = &["csharp", "python", "javascript", "java", "go"];

/// Width that text output wraps at.
const WIDTH: usize = 96;

/// An example of the rule, scanned: the text with every secret masked.
struct MaskedExample {
    file: String,
    text: String,
}

fn mask_findings(text: &str, findings: &[Finding]) -> String {
    let mut ranges: Vec<(&std::ops::Range<usize>, &str)> = findings
        .iter()
        .map(|finding| (&finding.byte_range, finding.masked.as_str()))
        .collect();
    ranges.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    let mut masked = text.to_owned();
    for (range, replacement) in ranges {
        if masked.get(range.clone()).is_some() {
            masked.replace_range(range.clone(), replacement);
        }
    }
    masked
}

/// The rule's first example that fires it, with its secrets masked.
fn flagged_example(registry: &Registry, rule: &Rule) -> Option<MaskedExample> {
    rule.spec.examples.iter().find_map(|example| {
        let findings = scan_text(registry, example.file_name(), example.text());
        findings
            .iter()
            .any(|finding| finding.rule_id == rule.spec.id)
            .then(|| MaskedExample {
                file: example.file_name().to_owned(),
                text: mask_findings(example.text(), &findings),
            })
    })
}

/// The rule's first negative example on which nothing fires at all.
fn quiet_example(registry: &Registry, rule: &Rule) -> Option<MaskedExample> {
    rule.spec.negative_examples.iter().find_map(|example| {
        scan_text(registry, example.file_name(), example.text())
            .is_empty()
            .then(|| MaskedExample {
                file: example.file_name().to_owned(),
                text: example.text().to_owned(),
            })
    })
}

fn preferred_sdk(profile: &Profile) -> Option<(&str, &crate::remediation::SdkAdvice)> {
    PREFERRED_LANGUAGES
        .iter()
        .find_map(|language| profile.sdk.get_key_value(*language))
        .or_else(|| profile.sdk.iter().next())
        .map(|(language, advice)| (language.as_str(), advice))
}

/// Writes the explanation of `rule` in `format`.
pub fn write(
    rule: &Rule,
    registry: &Registry,
    format: ExplainFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        ExplainFormat::Text => write_text(rule, registry, out),
        ExplainFormat::Markdown => write_markdown(rule, registry, out),
        ExplainFormat::Json => write_json(rule, registry, out),
    }
}

fn wrap(text: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent + line.chars().count() + 1 + word.chars().count() > WIDTH {
            lines.push(format!("{pad}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(format!("{pad}{line}"));
    }
    lines.join("\n")
}

fn indent_block(text: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    text.trim_end()
        .lines()
        .map(|line| format!("{pad}{line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn write_text(rule: &Rule, registry: &Registry, out: &mut dyn Write) -> io::Result<()> {
    let spec = &rule.spec;
    let knowledge = registry.knowledge();
    writeln!(out, "{}: {}", spec.id, spec.name)?;
    let checksum = rule.checksum().describe();
    writeln!(
        out,
        "level: {}   service: {}   match: {}   remediation: {}",
        spec.level,
        spec.service,
        checksum,
        rule.remediation_id()
    )?;
    writeln!(out, "\nWHAT IT FINDS\n{}", wrap(&spec.docs.what, 4))?;
    writeln!(out, "\nWHY IT MATTERS\n{}", wrap(&spec.docs.why, 4))?;
    writeln!(out, "\nINSTEAD\n{}", wrap(&spec.docs.instead, 4))?;
    if let Some(profile) = knowledge.profile(rule.remediation_id()) {
        write_profile_text(profile, knowledge, out)?;
    }
    writeln!(out, "\nEXAMPLE")?;
    if let Some(example) = flagged_example(registry, rule) {
        writeln!(
            out,
            "    Flagged in {} (secret masked):\n{}",
            example.file,
            indent_block(&example.text, 8)
        )?;
    }
    if let Some(example) = quiet_example(registry, rule) {
        writeln!(
            out,
            "    Not flagged ({}):\n{}",
            example.file,
            indent_block(&example.text, 8)
        )?;
    }
    let sdk = knowledge
        .profile(rule.remediation_id())
        .and_then(preferred_sdk);
    if let Some((language, sdk)) = sdk {
        writeln!(
            out,
            "    Instead, in {language} ({}):\n{}",
            sdk.package,
            indent_block(&sdk.code, 8)
        )?;
    }
    if !spec.references.is_empty() {
        writeln!(out, "\nREFERENCES")?;
        for reference in &spec.references {
            writeln!(out, "    {reference}")?;
        }
    }
    writeln!(
        out,
        "\nSuppress one finding with a `keyless:ignore[{}]` comment on its line or the line before.",
        spec.id
    )
}

fn write_profile_text(
    profile: &Profile,
    knowledge: &Knowledge,
    out: &mut dyn Write,
) -> io::Result<()> {
    let advice = Advice::for_profile(knowledge, profile);
    let heading = if advice.no_identity() {
        "NO IDENTITY WAY OUT: WHAT TO DO INSTEAD"
    } else {
        "THE IDENTITY WAY OUT"
    };
    writeln!(out, "\n{heading} ({})", profile.title)?;
    writeln!(out, "{}\n", wrap(advice.headline(), 4))?;
    for (number, step) in advice.steps(knowledge).iter().enumerate() {
        let wrapped = wrap(step, 7);
        let body = wrapped.get(7..).unwrap_or(&wrapped);
        writeln!(out, "    {}. {body}", number + 1)?;
    }
    if !advice.roles.is_empty() {
        let heading = match advice.role_set {
            crate::remediation::advice::RoleSet::AllTogether => "ROLES (needed together)",
            _ => "ROLES (least privilege first)",
        };
        writeln!(out, "\n{heading}")?;
        for role in &advice.roles {
            writeln!(out, "    {}  {}", role.role.name, role.role.output_id())?;
            writeln!(out, "{}", wrap(&format!("when {}", role.when), 8))?;
        }
    }
    Ok(())
}

fn write_markdown(rule: &Rule, registry: &Registry, out: &mut dyn Write) -> io::Result<()> {
    let spec = &rule.spec;
    writeln!(out, "# `{}`: {}\n", spec.id, spec.name)?;
    writeln!(
        out,
        "Level **{}**, service **{}**.\n",
        spec.level, spec.service
    )?;
    write!(out, "{}", help_markdown(rule, registry.knowledge()))?;
    if let Some(example) = flagged_example(registry, rule) {
        writeln!(
            out,
            "\n**Flagged** (`{}`, secret masked):\n\n```\n{}\n```",
            example.file,
            example.text.trim_end()
        )?;
    }
    if let Some(example) = quiet_example(registry, rule) {
        writeln!(
            out,
            "\n**Not flagged** (`{}`):\n\n```\n{}\n```",
            example.file,
            example.text.trim_end()
        )?;
    }
    Ok(())
}

fn write_json(rule: &Rule, registry: &Registry, out: &mut dyn Write) -> io::Result<()> {
    let spec = &rule.spec;
    let knowledge = registry.knowledge();
    let profile = knowledge.profile(rule.remediation_id());
    let remediation = profile.map(|profile| {
        let advice = Advice::for_profile(knowledge, profile);
        json!({
            "profile": profile.id,
            "title": profile.title,
            "summary": profile.summary,
            "steps": advice.steps(knowledge),
            "roles": advice.roles.iter().map(|role| json!({
                "name": role.role.name,
                "id": role.role.output_id(),
                "kind": role.role.kind,
                "when": role.when,
                "granted": role.granted,
            })).collect::<Vec<_>>(),
            "settings": profile.settings,
            "disable_key_auth": profile.disable_key_auth,
            "no_identity": profile.no_identity,
            "precondition": profile.precondition,
            "target": advice.target,
            "principal": advice.principal(),
            "sdk": profile.sdk,
        })
    });
    let example = |found: Option<MaskedExample>| {
        found.map(|example| json!({ "file": example.file, "text": example.text }))
    };
    let document = json!({
        "id": spec.id,
        "name": spec.name,
        "level": spec.level,
        "service": spec.service,
        "checksum_verified": rule.checksum() == crate::rules::Checksum::Always,
        "precision": rule.precision(),
        "what": spec.docs.what,
        "why": spec.docs.why,
        "instead": spec.docs.instead,
        "remediation": remediation,
        "example": example(flagged_example(registry, rule)),
        "negative_example": example(quiet_example(registry, rule)),
        "references": spec.references,
    });
    serde_json::to_writer_pretty(&mut *out, &document).map_err(io::Error::from)?;
    writeln!(out)
}

/// Rule ids close to `wanted` (same prefix or containing it), for "did you mean".
pub fn similar_ids<'r>(registry: &'r Registry, wanted: &str) -> Vec<&'r str> {
    let wanted = wanted.to_ascii_lowercase();
    let head = wanted.split('-').next().unwrap_or_default().to_owned();
    registry
        .rules()
        .iter()
        .map(|rule| rule.spec.id.as_str())
        .filter(|id| id.contains(&wanted) || (!head.is_empty() && id.starts_with(&head)))
        .collect()
}
