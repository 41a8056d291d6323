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
use crate::remediation::advice::{Advice, FindingFacts};
use crate::remediation::template::TemplateLanguage;
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

/// The advice an annotation carries after the finding's message, one sentence a line: the
/// headline (the profile's summary, or its no-identity note), the roles, and where to read more.
/// GitHub and Azure Pipelines annotations join them with their own separator.
pub(crate) fn annotation_advice(registry: &Registry, finding: &Finding) -> Vec<String> {
    match advice_for(registry, finding) {
        Some(advice) => advice.annotation_lines(&finding.rule_id),
        None => vec![format!("More: keyless explain {}", finding.rule_id)],
    }
}

/// Where a rule is documented: its rule file in the repository named by SARIF's
/// `informationUri` (the file holds the rule's what, why, instead, references and examples).
pub(crate) fn rule_help_uri(rule: &crate::rules::Rule) -> String {
    format!("{}/blob/main/rules/{}", sarif::INFORMATION_URI, rule.file)
}

/// The advice for a finding as reports show it, with the snippet in the template's language
/// for infrastructure-as-code findings: Bicep and Terraform files always, JSON files when the
/// rule is a template rule (its data lives in `rules/iac*.yaml`).
pub(crate) fn advice_for<'k>(registry: &'k Registry, finding: &Finding) -> Option<Advice<'k>> {
    let language = TemplateLanguage::of_path(&finding.path).filter(|language| {
        *language != TemplateLanguage::Arm
            || registry
                .rule(&finding.rule_id)
                .is_some_and(|rule| rule.file.starts_with("iac"))
    });
    Advice::for_finding(registry.knowledge(), facts(finding), language)
}

/// What the advice model needs to know of a finding.
pub fn facts(finding: &Finding) -> FindingFacts<'_> {
    FindingFacts {
        remediation: &finding.remediation,
        roles: &finding.roles,
        path: &finding.path,
        workload: finding.workload.as_ref(),
    }
}
