//! The JSON reporter: the machine contract other tools rely on.
//!
//! Shape: `{"version", "findings": [{rule_id, level, path, line, column, end_line, end_column,
//! service, message, secret, fingerprint, remediation: {summary, roles: [{name, id, ...}], ...}}],
//! "diagnostics": [...], "unused_suppressions": [...], "summary": {..., "dropped": {...}}}`.
//! Deterministic: no timings, sorted input.

use serde::Serialize;
use std::io::{self, Write};

use super::advice_for;
use crate::finding::{Finding, Level};
use crate::remediation::advice::{Advice, RoleSet};
use crate::remediation::{CommonGuidance, RoleKind};
use crate::rules::Registry;
use crate::scan::ScanReport;

#[derive(Serialize)]
struct Document<'a> {
    version: &'static str,
    /// Advice that holds for every finding: choosing an identity, where tokens come from.
    guidance: &'a CommonGuidance,
    findings: Vec<JsonFinding<'a>>,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    /// `keyless:ignore` markers that suppress nothing (with `--report-unused-suppressions`).
    unused_suppressions: Vec<JsonUnused<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonUnused<'a> {
    path: &'a str,
    line: usize,
    column: usize,
    marker: &'a str,
}

/// Findings that did not reach the report, by what dropped them.
#[derive(Serialize)]
struct Dropped {
    inline: usize,
    allowed: usize,
    disabled: usize,
    baselined: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule_id: &'a str,
    level: Level,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    service: &'a str,
    message: &'a str,
    /// The masked secret: its first characters and an ellipsis.
    secret: &'a str,
    /// SHA-256 of the secret: stable across line moves, reveals nothing.
    fingerprint: &'a str,
    remediation: Option<JsonRemediation<'a>>,
    /// History scans only: the commit that first recorded the secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<JsonCommit<'a>>,
}

/// The commit a history finding was first recorded in, and whether HEAD still holds it.
#[derive(Serialize)]
pub(crate) struct JsonCommit<'a> {
    id: &'a str,
    author: &'a str,
    email: &'a str,
    /// RFC 3339, with the author's offset.
    date: &'a str,
    summary: &'a str,
    /// True: HEAD's tree still holds the secret (rotate it and remove it); false: removed
    /// since (rotate it; rewriting history is optional).
    present_at_head: bool,
    /// Other paths at which the same secret was committed.
    other_paths: &'a [String],
}

impl<'a> JsonCommit<'a> {
    pub(crate) fn of(origin: &'a crate::finding::Origin) -> Self {
        Self {
            id: &origin.commit,
            author: &origin.author,
            email: &origin.email,
            date: &origin.date,
            summary: &origin.summary,
            present_at_head: origin.present_at_head,
            other_paths: &origin.other_paths,
        }
    }
}

/// Remediation as JSON; also used by `keyless explain --format json` later.
#[derive(Serialize)]
pub(crate) struct JsonRemediation<'a> {
    profile: &'a str,
    title: &'a str,
    summary: &'a str,
    replacement: &'a str,
    settings: &'a [String],
    disable_key_auth: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    no_identity: Option<&'a str>,
    /// What must be true before an identity can replace the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    precondition: Option<&'a str>,
    /// The service whose resource the roles are granted on (the profile's, never the app's).
    target: &'a str,
    /// Who gets the roles: the workload's managed identity.
    principal: String,
    /// `least` (alternatives, least privilege first), `all` (granted together) or `inferred`
    /// (what the calls in the file need).
    roles_needed: &'static str,
    roles: Vec<JsonRole<'a>>,
    /// The identity-based code in the finding's language, when the file is source code.
    #[serde(skip_serializing_if = "Option::is_none")]
    sdk: Option<JsonSdk<'a>>,
    /// For infrastructure-as-code findings: the snippet to add, in the template's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    template: Option<JsonTemplate>,
    references: &'a [String],
}

#[derive(Serialize)]
struct JsonSdk<'a> {
    language: &'a str,
    package: &'a str,
    code: &'a str,
}

#[derive(Serialize)]
struct JsonRole<'a> {
    name: &'a str,
    id: &'a str,
    kind: RoleKind,
    when: String,
    /// True for the roles the template snippet grants.
    granted: bool,
}

/// The identity block and role assignment to add, in the template's own language.
#[derive(Serialize)]
struct JsonTemplate {
    language: &'static str,
    code: String,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    path: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files_scanned: u64,
    bytes_scanned: u64,
    findings: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    skipped_binary: u64,
    skipped_large: u64,
    unreadable: u64,
    dropped: Dropped,
}

pub(crate) fn remediation_json<'a>(advice: &Advice<'a>) -> JsonRemediation<'a> {
    let profile = advice.profile;
    JsonRemediation {
        profile: &profile.id,
        title: &profile.title,
        summary: &profile.summary,
        replacement: &profile.replacement,
        settings: advice.settings(),
        disable_key_auth: &profile.disable_key_auth,
        no_identity: profile.no_identity.as_deref(),
        precondition: profile.precondition.as_deref(),
        target: advice.target.as_str(),
        principal: advice.principal(),
        roles_needed: match advice.role_set {
            RoleSet::LeastOf => "least",
            RoleSet::AllTogether => "all",
            RoleSet::InferredFromCode => "inferred",
        },
        roles: advice
            .roles
            .iter()
            .map(|role| JsonRole {
                name: &role.role.name,
                id: role.role.output_id(),
                kind: role.role.kind,
                when: role.when.clone(),
                granted: role.granted,
            })
            .collect(),
        sdk: advice.sdk.map(|(language, sdk)| JsonSdk {
            language,
            package: &sdk.package,
            code: &sdk.code,
        }),
        template: advice.template.as_ref().map(|snippet| JsonTemplate {
            language: snippet.language.as_str(),
            code: snippet.code.clone(),
        }),
        references: &profile.references,
    }
}

fn finding_json<'a>(finding: &'a Finding, registry: &'a Registry) -> JsonFinding<'a> {
    JsonFinding {
        rule_id: &finding.rule_id,
        level: finding.level,
        path: &finding.path,
        line: finding.start.line,
        column: finding.start.column,
        end_line: finding.end.line,
        end_column: finding.end.column,
        service: finding.service.as_str(),
        message: &finding.message,
        secret: &finding.masked,
        fingerprint: &finding.secret_hash,
        remediation: advice_for(registry, finding).map(|advice| remediation_json(&advice)),
        commit: finding.origin.as_deref().map(JsonCommit::of),
    }
}

pub(super) fn write(
    report: &ScanReport,
    registry: &Registry,
    out: &mut dyn Write,
) -> io::Result<()> {
    let stats = &report.stats;
    let document = Document {
        version: env!("CARGO_PKG_VERSION"),
        guidance: &registry.knowledge().common,
        findings: report
            .findings
            .iter()
            .map(|finding| finding_json(finding, registry))
            .collect(),
        diagnostics: report
            .diagnostics
            .iter()
            .map(|diagnostic| JsonDiagnostic {
                path: &diagnostic.path,
                message: &diagnostic.message,
            })
            .collect(),
        unused_suppressions: report
            .unused_suppressions
            .iter()
            .map(|unused| JsonUnused {
                path: &unused.path,
                line: unused.line,
                column: unused.column,
                marker: &unused.marker,
            })
            .collect(),
        summary: Summary {
            files_scanned: stats.files_scanned,
            bytes_scanned: stats.bytes_scanned,
            findings: report.findings.len(),
            errors: report.count(Level::Error),
            warnings: report.count(Level::Warning),
            notes: report.count(Level::Note),
            skipped_binary: stats.skipped_binary,
            skipped_large: stats.skipped_large,
            unreadable: stats.unreadable,
            dropped: Dropped {
                inline: report.dropped.inline,
                allowed: report.dropped.allowed,
                disabled: report.dropped.disabled,
                baselined: report.dropped.baselined,
            },
        },
    };
    serde_json::to_writer_pretty(&mut *out, &document).map_err(io::Error::from)?;
    writeln!(out)
}
