//! Findings as the editor shows them: diagnostics (one line naming the service and the role) and
//! hovers (the full remediation).
//!
//! The words come from the same remediation knowledge as the human, JSON and SARIF reports
//! ([`crate::report::advice_for`] and friends); nothing here is rule-specific text.

use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticSeverity, Hover, HoverContents, MarkupContent,
    MarkupKind, NumberOrString, Uri,
};
use std::fmt::Write as _;
use std::str::FromStr;

use super::text::LineIndex;
use crate::finding::{Finding, Level};
use crate::report::{advice_for, identity_steps, rule_help_uri, template_snippet};
use crate::rules::Registry;
use crate::source::language_of;

/// The `source` of every diagnostic.
pub const SOURCE: &str = "keyless";

/// LSP severity of a finding level.
pub fn severity(level: Level) -> DiagnosticSeverity {
    match level {
        Level::Error => DiagnosticSeverity::ERROR,
        Level::Warning => DiagnosticSeverity::WARNING,
        Level::Note => DiagnosticSeverity::INFORMATION,
    }
}

/// The diagnostic of one finding in `text`.
pub fn diagnostic(
    registry: &Registry,
    finding: &Finding,
    text: &str,
    index: &LineIndex,
) -> Diagnostic {
    let code_description = registry
        .rule(&finding.rule_id)
        .and_then(|rule| Uri::from_str(&rule_help_uri(rule)).ok())
        .map(|href| CodeDescription { href });
    Diagnostic {
        range: index.range(text, finding.byte_range.clone()),
        severity: Some(severity(finding.level)),
        code: Some(NumberOrString::String(finding.rule_id.clone())),
        code_description,
        source: Some(SOURCE.to_owned()),
        message: message(registry, finding),
        related_information: None,
        tags: None,
        data: Some(serde_json::json!({
            "rule": finding.rule_id,
            "fingerprint": finding.secret_hash,
        })),
    }
}

/// One line: what was found, the service, and the identity and role that replace it.
pub fn message(registry: &Registry, finding: &Finding) -> String {
    let mut text = format!("{} [{}]", finding.message, finding.service);
    if let Some(advice) = advice_for(registry.knowledge(), finding) {
        match (advice.roles.first(), &advice.profile.no_identity) {
            (_, Some(_)) => {
                text.push_str(": no managed identity replaces this key (hover for the next best)")
            }
            (Some((role, _)), None) => {
                let _ = write!(
                    text,
                    ": use a managed identity with {} ({})",
                    role.name,
                    role.output_id()
                );
            }
            (None, None) => {
                let _ = write!(text, ": {}", advice.profile.summary.trim());
            }
        }
    }
    text
}

/// The hover of a finding: the remediation in full, in markdown.
pub fn hover(registry: &Registry, finding: &Finding, range: lsp_types::Range) -> Hover {
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: hover_markdown(registry, finding),
        }),
        range: Some(range),
    }
}

/// Markdown: the finding, the steps (identity, role with its GUID, setting or SDK call, key
/// auth off, rotation), the roles, identity-based settings, the SDK code for the file's
/// language or the template snippet, and a link to the rule's documentation.
pub fn hover_markdown(registry: &Registry, finding: &Finding) -> String {
    let knowledge = registry.knowledge();
    let rule = registry.rule(&finding.rule_id);
    let mut text = format!(
        "**keyless** `{}` ({}): {} — `{}`\n",
        finding.rule_id,
        finding.level.as_str(),
        finding.message,
        finding.masked
    );
    let Some(advice) = advice_for(knowledge, finding) else {
        return text;
    };
    let profile = advice.profile;
    let _ = write!(
        text,
        "\n**Use a managed identity ({}).** {}\n\n",
        profile.title,
        profile.summary.trim()
    );
    for (number, step) in identity_steps(profile, knowledge).iter().enumerate() {
        let _ = writeln!(text, "{}. {step}", number + 1);
    }
    if !advice.roles.is_empty() {
        text.push_str("\n| Role | Id | When |\n|---|---|---|\n");
        for (role, when) in &advice.roles {
            let _ = writeln!(
                text,
                "| {} | `{}` | {} |",
                role.name,
                role.output_id(),
                when
            );
        }
    }
    if !profile.settings.is_empty() {
        text.push_str("\n**Identity-based settings**\n\n```\n");
        for setting in &profile.settings {
            let _ = writeln!(text, "{setting}");
        }
        text.push_str("```\n");
    }
    if let Some((language, sdk)) =
        language_of(&finding.path).and_then(|language| profile.sdk.get_key_value(language))
    {
        let _ = write!(
            text,
            "\n**{language}** ({})\n\n```{language}\n{}\n```\n",
            sdk.package.trim(),
            sdk.code.trim_end()
        );
    }
    if let Some((language, code)) = template_snippet(registry, finding, &advice) {
        let _ = write!(
            text,
            "\n**{language}**\n\n```{language}\n{}\n```\n",
            code.trim_end()
        );
    }
    if let Some(rule) = rule {
        let _ = write!(
            text,
            "\n[{}]({}) · `keyless explain {}`\n",
            rule.spec.name,
            rule_help_uri(rule),
            rule.spec.id
        );
    }
    text
}
