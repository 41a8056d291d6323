//! Reporters: each turns a [`ScanReport`] into one output format; `explain` renders one rule.
//!
//! Analysis never prints; reporters never analyse. All of them read the same findings and the
//! same remediation knowledge, so the advice is identical in every format.

mod azure;
pub mod explain;
mod github;
mod human;
mod json;
mod sarif;

use std::io::{self, Write};
use std::path::PathBuf;

use crate::finding::Finding;
use crate::remediation::{Knowledge, Profile, Role};
use crate::rules::Registry;
use crate::scan::ScanReport;

/// Output formats of `keyless scan --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: each finding with its masked snippet and advice (miette).
    Human,
    /// The JSON contract: `{"findings": [...], "summary": {...}}`.
    Json,
    /// SARIF 2.1.0 for code scanning and editors.
    Sarif,
    /// GitHub Actions workflow commands: one `::error` annotation per finding.
    Github,
    /// Azure Pipelines logging commands: one `##vso[task.logissue]` per finding.
    Azure,
}

/// `1 file`, `2 files`: a count with its noun in the right number.
pub fn count<N: std::fmt::Display + PartialEq + From<u8>>(
    count: N,
    one: &str,
    many: &str,
) -> String {
    let noun = if count == N::from(1) { one } else { many };
    format!("{count} {noun}")
}

/// What reporters need besides the findings.
#[derive(Debug, Clone)]
pub struct ReportContext {
    /// The scanned roots, as given (SARIF's `originalUriBaseIds`).
    pub roots: Vec<PathBuf>,
    /// The directory finding paths are relative to, when known better than the roots (the
    /// repository's top level for `--staged`).
    pub base: Option<PathBuf>,
    /// Colour and Unicode decorations in human output.
    pub color: bool,
    /// Terminal width for human output.
    pub width: usize,
}

/// Writes `report` in `format`.
pub fn write_report(
    format: Format,
    report: &ScanReport,
    registry: &Registry,
    context: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::write(report, registry, context, out),
        Format::Json => json::write(report, registry, out),
        Format::Sarif => sarif::write(report, registry, context, out),
        Format::Github => github::write(report, registry, out),
        Format::Azure => azure::write(report, registry, out),
    }
}

/// The profile a finding points to, with its roles resolved: the roles inferred from what the
/// code does when there are any, the profile's otherwise.
pub(crate) struct Advice<'k> {
    pub profile: &'k Profile,
    pub roles: Vec<(&'k Role, String)>,
}

/// The advice an annotation carries after the finding's message, one sentence a line: the
/// profile's summary (or its no-identity note), the roles, and where to read more. GitHub and
/// Azure Pipelines annotations join them with their own separator.
pub(crate) fn annotation_advice(registry: &Registry, finding: &Finding) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(advice) = advice_for(registry.knowledge(), finding) {
        let profile = advice.profile;
        lines.push(
            profile
                .no_identity
                .as_deref()
                .unwrap_or(&profile.summary)
                .to_owned(),
        );
        let roles: Vec<String> = advice
            .roles
            .iter()
            .map(|(role, _)| format!("{} ({})", role.name, role.output_id()))
            .collect();
        if !roles.is_empty() {
            lines.push(format!("Role: {}.", roles.join(" or ")));
        }
    }
    lines.push(format!("More: keyless explain {}", finding.rule_id));
    lines
}

pub(crate) fn advice_for<'k>(knowledge: &'k Knowledge, finding: &Finding) -> Option<Advice<'k>> {
    let profile = knowledge.profile(&finding.remediation)?;
    let inferred: Vec<(&Role, String)> = finding
        .roles
        .iter()
        .filter_map(|inferred| {
            let role = knowledge.role(&inferred.role)?;
            Some((role, format!("the code calls `{}`", inferred.because)))
        })
        .collect();
    let roles = if inferred.is_empty() {
        knowledge
            .roles_of(profile)
            .map(|(role, when)| (role, when.to_owned()))
            .collect()
    } else {
        inferred
    };
    Some(Advice { profile, roles })
}

/// Where a rule is documented: its rule file in the repository named by SARIF's
/// `informationUri` (the file holds the rule's what, why, instead, references and examples).
pub(crate) fn rule_help_uri(rule: &crate::rules::Rule) -> String {
    format!("{}/blob/main/rules/{}", sarif::INFORMATION_URI, rule.file)
}

/// The identity block and role assignment for an infrastructure-as-code finding, in the
/// template's language: Bicep and Terraform files always, JSON files when the rule is a
/// template rule (its data lives in `rules/iac*.yaml`).
pub(crate) fn template_snippet(
    registry: &Registry,
    finding: &Finding,
    advice: &Advice<'_>,
) -> Option<(&'static str, String)> {
    use crate::remediation::template::{TemplateLanguage, snippet};
    let language = TemplateLanguage::of_path(&finding.path)?;
    if language == TemplateLanguage::Arm
        && !registry
            .rule(&finding.rule_id)
            .is_some_and(|rule| rule.file.starts_with("iac"))
    {
        return None;
    }
    let role = advice.roles.first().map(|(role, _)| *role);
    let code = snippet(language, registry.knowledge(), finding.service, role)?;
    Some((language.as_str(), code))
}

/// The managed-identity way out of a profile as numbered steps, least privilege first: turn the
/// identity on, grant the role, switch the setting or SDK call, turn key auth off, rotate.
pub(crate) fn identity_steps(profile: &Profile, knowledge: &Knowledge) -> Vec<String> {
    let mut steps = Vec::new();
    if let Some(no_identity) = &profile.no_identity {
        steps.push(format!(
            "No managed identity can replace this key: {no_identity}"
        ));
    } else {
        steps.push(
            "Turn on a managed identity for the app that uses the key: system-assigned for a \
             single app, user-assigned when several resources share the access or the identity \
             must exist before the app starts."
                .to_owned(),
        );
    }
    let roles: Vec<_> = knowledge.roles_of(profile).collect();
    match roles.as_slice() {
        [] => {}
        [(role, _)] => steps.push(format!(
            "Grant the identity {} (`{}`) on the {} resource itself, not on its resource group \
             or subscription.",
            role.name,
            role.output_id(),
            profile.title
        )),
        [(role, when), ..] => steps.push(format!(
            "Grant the identity the least-privilege role among those listed, on the {} \
             resource itself (not its resource group or subscription): for example {} (`{}`) \
             when {}.",
            profile.title,
            role.name,
            role.output_id(),
            when
        )),
    }
    let mut switch = profile.replacement.trim().to_owned();
    if !profile.settings.is_empty() {
        let settings: Vec<String> = profile
            .settings
            .iter()
            .map(|setting| format!("`{setting}`"))
            .collect();
        switch.push_str(&format!(" Settings: {}.", settings.join(", ")));
    }
    steps.push(switch);
    steps.push(profile.disable_key_auth.trim().to_owned());
    steps.push(
        "Rotate the exposed key: it stays valid, and in your history, until you do.".to_owned(),
    );
    steps
}
