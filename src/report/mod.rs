//! Reporters: each turns a [`ScanReport`] into one output format.
//!
//! Analysis never prints; reporters never analyse. All of them read the same findings and the
//! same remediation knowledge, so the advice is identical in every format.

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
}

/// What reporters need besides the findings.
#[derive(Debug, Clone)]
pub struct ReportContext {
    /// The scanned roots, as given (SARIF's `originalUriBaseIds`).
    pub roots: Vec<PathBuf>,
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
    }
}

/// The profile a finding points to, with its roles resolved.
pub(crate) struct Advice<'k> {
    pub profile: &'k Profile,
    pub roles: Vec<(&'k Role, &'k str)>,
}

pub(crate) fn advice_for<'k>(knowledge: &'k Knowledge, finding: &Finding) -> Option<Advice<'k>> {
    let profile = knowledge.profile(&finding.remediation)?;
    Some(Advice {
        profile,
        roles: knowledge.roles_of(profile).collect(),
    })
}
