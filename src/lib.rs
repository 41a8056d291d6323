//! keyless finds Azure credentials that should be managed identities.
//!
//! The pipeline: [`walk`] picks files, [`source`] decodes them, [`rules`] match them (a keyword
//! prefilter, then each candidate rule's regex, filters, validators and context checks),
//! [`suppress`] drops what is suppressed, and [`report`] renders the [`finding::Finding`]s with the
//! [`remediation`] knowledge. [`scan::scan`] ties it together; the binary only parses flags and
//! picks a reporter.

pub mod baseline;
pub mod catalogue;
pub mod checksum;
pub mod cli;
pub mod config;
pub mod filetypes;
pub mod finding;
pub mod fix;
pub mod history;
pub mod lsp;
pub mod parse;
pub mod plan;
pub mod remediation;
pub mod report;
pub mod rules;
pub mod scan;
pub mod service;
pub mod source;
pub mod suppress;
pub mod walk;

pub use finding::{Finding, Level};
pub use rules::Registry;
pub use scan::{ScanOptions, ScanReport, scan, scan_text};
pub use service::Service;

#[cfg(test)]
mod layering_tests;
