//! Findings as the editor shows them: diagnostics (one line naming the service and the role) and
//! hovers (the full remediation).
//!
//! The words come from the same remediation knowledge as the human, JSON and SARIF reports
//! ([`crate::remediation::advice::Advice`], the one model every reporter prints); nothing here is
//! rule-specific text.

use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticSeverity, Hover, HoverContents, MarkupContent,
    MarkupKind, NumberOrString, Uri,
};
use std::fmt::Write as _;
use std::str::FromStr;

use super::text::LineIndex;
use crate::finding::{Finding, Level};
use crate::report::advice_for;
use crate::report::rule_help_uri;
use crate::rules::Registry;

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
    if let Some(advice) = advice_for(registry, finding) {
        let granted: Vec<String> = advice
            .granted()
            .map(|role| format!("{} ({})", role.role.name, role.role.output_id()))
            .collect();
        if advice.no_identity() {
            text.push_str(
                ": no managed identity can replace this key (hover for what to do instead)",
            );
        } else if granted.is_empty() {
            let _ = write!(text, ": {}", advice.headline());
        } else {
            let _ = write!(
                text,
                ": use {} with {}",
                advice.principal(),
                granted.join(" and ")
            );
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
    let Some(advice) = advice_for(registry, finding) else {
        return text;
    };
    let profile = advice.profile;
    let heading = if advice.no_identity() {
        "No managed identity can replace this key"
    } else {
        "Use a managed identity"
    };
    let _ = write!(
        text,
        "\n**{heading} ({}).** {}\n\n",
        profile.title,
        advice.headline()
    );
    for (number, step) in advice.steps(knowledge).iter().enumerate() {
        let _ = writeln!(text, "{}. {step}", number + 1);
    }
    if !advice.roles.is_empty() {
        text.push_str("\n| Role | Id | When | Granted |\n|---|---|---|---|\n");
        for role in &advice.roles {
            let _ = writeln!(
                text,
                "| {} | `{}` | {} | {} |",
                role.role.name,
                role.role.output_id(),
                role.when,
                if role.granted { "yes" } else { "if it applies" }
            );
        }
    }
    if !advice.settings().is_empty() {
        text.push_str("\n**Identity-based settings**\n\n```\n");
        for setting in advice.settings() {
            let _ = writeln!(text, "{setting}");
        }
        text.push_str("```\n");
    }
    if let Some((language, sdk)) = advice.sdk {
        let _ = write!(
            text,
            "\n**{language}** ({})\n\n```{language}\n{}\n```\n",
            sdk.package.trim(),
            sdk.code.trim_end()
        );
    }
    if let Some(snippet) = &advice.template {
        let language = snippet.language.as_str();
        let _ = write!(
            text,
            "\n**{language}**\n\n```{language}\n{}\n```\n",
            snippet.code.trim_end()
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
