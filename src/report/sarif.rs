//! The SARIF 2.1.0 reporter, for GitHub and Azure DevOps code scanning and for editors.
//!
//! One run; `tool.driver.rules` comes from the registry (every rule, with its docs and the
//! managed-identity steps and roles as help text); results point at the secret with paths relative
//! to `%SRCROOT%` and carry fingerprints built from the rule and the secret's hash, never from line
//! numbers, so an alert survives code moving and closes when the secret changes. GitHub's limits
//! hold: one run, at most 25,000 results (a notification says what was left out).

use serde::Serialize;
use serde_json::{Value, json};
use std::io::{self, Write};

use sha2::{Digest, Sha256};
use std::collections::HashMap;

use super::ReportContext;
use crate::finding::{Finding, Level};
use crate::remediation::advice::Advice;
use crate::remediation::{Knowledge, Profile};
use crate::rules::{Registry, Rule};
use crate::scan::ScanReport;

const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub(crate) const INFORMATION_URI: &str = "https://github.com/keyless-lint/keyless";
/// GitHub code scanning rejects runs with more results than this.
const MAX_RESULTS: usize = 25_000;

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Value>,
}

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "note",
    }
}

/// GitHub's `security-severity`: 9.0+ critical, 7.0+ high, 4.0+ medium.
fn security_severity(level: Level) -> &'static str {
    match level {
        Level::Error => "8.5",
        Level::Warning => "5.0",
        Level::Note => "2.0",
    }
}

/// `storage-account-key` → `StorageAccountKey`, SARIF's conventional rule name shape.
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Help for a rule in markdown: what, why, the managed-identity steps with the roles, references.
pub(crate) fn help_markdown(rule: &Rule, knowledge: &Knowledge) -> String {
    let docs = &rule.spec.docs;
    let mut help = format!(
        "**What.** {}\n\n**Why.** {}\n\n**Instead.** {}\n",
        docs.what, docs.why, docs.instead
    );
    if let Some(profile) = knowledge.profile(rule.remediation_id()) {
        help.push_str(&profile_markdown(profile, knowledge));
    }
    if !rule.spec.references.is_empty() {
        help.push_str("\n**References.**\n");
        for reference in &rule.spec.references {
            help.push_str(&format!("- {reference}\n"));
        }
    }
    help
}

fn profile_markdown(profile: &Profile, knowledge: &Knowledge) -> String {
    let advice = Advice::for_profile(knowledge, profile);
    let heading = if advice.no_identity() {
        "What to do instead"
    } else {
        "Use a managed identity"
    };
    let mut text = format!(
        "\n**{heading} ({}).** {}\n\n",
        profile.title,
        advice.headline()
    );
    for (number, step) in advice.steps(knowledge).iter().enumerate() {
        text.push_str(&format!("{}. {step}\n", number + 1));
    }
    if !advice.roles.is_empty() {
        text.push_str("\n| Role | Id | When |\n|---|---|---|\n");
        for role in &advice.roles {
            text.push_str(&format!(
                "| {} | `{}` | {} |\n",
                role.role.name,
                role.role.output_id(),
                role.when
            ));
        }
    }
    text
}

fn help_text(rule: &Rule, knowledge: &Knowledge) -> String {
    let docs = &rule.spec.docs;
    let mut text = format!("{} {} Instead: {}", docs.what, docs.why, docs.instead);
    if let Some(profile) = knowledge.profile(rule.remediation_id()) {
        let roles: Vec<String> = knowledge
            .roles_of(profile)
            .map(|(role, when)| format!("{} ({}) when {}", role.name, role.output_id(), when))
            .collect();
        if !roles.is_empty() {
            text.push_str(&format!(" Roles: {}.", roles.join("; ")));
        }
    }
    text
}

fn rule_descriptor(rule: &Rule, knowledge: &Knowledge) -> Value {
    let spec = &rule.spec;
    json!({
        "id": spec.id,
        "name": pascal_case(&spec.id),
        "shortDescription": { "text": spec.name },
        "fullDescription": { "text": format!("{} {}", spec.docs.what, spec.docs.why) },
        "help": { "text": help_text(rule, knowledge), "markdown": help_markdown(rule, knowledge) },
        "helpUri": super::rule_help_uri(rule),
        "defaultConfiguration": { "level": sarif_level(spec.level) },
        "properties": {
            "tags": ["security", "secrets", "azure", spec.service.as_str(), "external/cwe/cwe-798"],
            "precision": rule.precision(),
            "problem.severity": match spec.level { Level::Error => "error", Level::Warning => "warning", Level::Note => "recommendation" },
            "security-severity": security_severity(spec.level),
        },
    })
}

/// Percent-encodes a relative path for a SARIF `uri`, keeping `/` separators.
fn uri_path(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                encoded.push(byte as char)
            }
            other => encoded.push_str(&format!("%{other:02X}")),
        }
    }
    encoded
}

/// `file://` URI of the directory that finding paths are relative to: the base the scan reports
/// (the repository for `--staged`), else the root when one directory is scanned, otherwise the
/// working directory (paths are then shown as given).
fn root_uri(context: &ReportContext) -> Option<String> {
    let directory = match (&context.base, context.roots.as_slice()) {
        (Some(base), _) => std::fs::canonicalize(base).ok()?,
        (None, [root]) if root.is_dir() => std::fs::canonicalize(root).ok()?,
        _ => std::env::current_dir().ok()?,
    };
    Some(format!("{}/", file_uri(&directory.to_string_lossy())))
}

/// `file://` URI of an absolute path.
fn file_uri(path: &str) -> String {
    let text = path.replace('\\', "/");
    let text = text.trim_end_matches('/');
    let prefix = if text.starts_with('/') {
        "file://"
    } else {
        "file:///"
    };
    format!("{prefix}{}", uri_path(text))
}

/// A finding's `artifactLocation`: relative to `SRCROOT`, or an absolute `file://` URI for paths
/// given as absolute.
fn artifact_location(path: &str) -> Value {
    if std::path::Path::new(path).is_absolute() {
        json!({ "uri": file_uri(path) })
    } else {
        json!({ "uri": uri_path(path), "uriBaseId": "SRCROOT" })
    }
}

/// The repository a history scan read, as SARIF's `versionControlDetails`: its remote when that
/// is a URL (an scp-like `git@host:path` remote is rewritten as `ssh://`), else its directory.
fn version_control(history: &crate::scan::HistoryContext) -> Value {
    let remote = history.remote_url.as_deref().and_then(|url| {
        if url.contains("://") {
            Some(url.to_owned())
        } else {
            let (user_host, path) = url.split_once(':')?;
            (user_host.contains('@') && !path.starts_with('/'))
                .then(|| format!("ssh://{user_host}/{path}"))
        }
    });
    let repository = remote.unwrap_or_else(|| {
        let directory = std::fs::canonicalize(&history.repository)
            .unwrap_or_else(|_| history.repository.clone());
        format!("{}/", file_uri(&directory.to_string_lossy()))
    });
    let mut details =
        json!({ "repositoryUri": repository, "mappedTo": { "uriBaseId": "SRCROOT" } });
    if let Some(object) = details.as_object_mut() {
        if let Some(head) = &history.head {
            object.insert("revisionId".into(), json!(head));
        }
        if let Some(branch) = &history.branch {
            object.insert("branch".into(), json!(branch));
        }
    }
    details
}

/// GitHub's `primaryLocationLineHash`, built from the rule and the secret's hash instead of the
/// line's text: the same secret keeps its alert wherever it moves in the file; the suffix counts
/// repeats of the same secret in the same file, as GitHub's own hashes do.
fn location_hash(finding: &Finding, occurrence: usize) -> String {
    let digest = Sha256::digest(format!("{}\0{}", finding.rule_id, finding.secret_hash));
    let hex: String = digest
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("{hex}:{occurrence}")
}

fn result(
    finding: &Finding,
    rule_index: Option<usize>,
    occurrence: usize,
    knowledge: &Knowledge,
) -> Value {
    let advice = Advice::for_finding(knowledge, super::facts(finding), None);
    let help = advice.map(|advice| {
        let mut help = format!(" Instead: {}", advice.headline());
        // Some profiles name no role (the role depends on what the credential was used for).
        if let Some(roles) = advice.role_line() {
            help.push(' ');
            help.push_str(&roles);
        }
        help
    });
    let mut value = json!({
        "ruleId": finding.rule_id,
        "level": sarif_level(finding.level),
        "message": { "text": format!("{}.{}", finding.message, help.unwrap_or_default()) },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact_location(&finding.path),
                "region": {
                    "startLine": finding.start.line,
                    "startColumn": finding.start.column,
                    "endLine": finding.end.line,
                    "endColumn": finding.end.column,
                    "snippet": { "text": finding.snippet.text },
                },
            },
        }],
        "partialFingerprints": {
            // Built from the secret, not the line: stable when lines move, new when the secret changes.
            "primaryLocationLineHash": location_hash(finding, occurrence),
            "keylessSecretHash/v1": finding.secret_hash,
        },
        // Per finding: `very-high` only where this secret's checksum was verified.
        "properties": { "service": finding.service.as_str(), "remediation": finding.remediation, "secret": finding.masked, "precision": finding.precision() },
    });
    if let (Some(index), Some(object)) = (rule_index, value.as_object_mut()) {
        object.insert("ruleIndex".into(), json!(index));
    }
    if let (Some(origin), Some(properties)) = (
        finding.origin.as_deref(),
        value.get_mut("properties").and_then(Value::as_object_mut),
    ) {
        properties.insert("commit".into(), json!(super::json::JsonCommit::of(origin)));
        properties.insert("presentAtHead".into(), json!(origin.present_at_head));
    }
    value
}

pub(super) fn write(
    report: &ScanReport,
    registry: &Registry,
    context: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let knowledge = registry.knowledge();
    let rules: Vec<Value> = registry
        .rules()
        .iter()
        .map(|rule| rule_descriptor(rule, knowledge))
        .collect();
    let mut occurrences: HashMap<(&str, &str, &str), usize> = HashMap::new();
    let results: Vec<Value> = report
        .findings
        .iter()
        .take(MAX_RESULTS)
        .map(|finding| {
            let index = registry
                .rules()
                .iter()
                .position(|rule| rule.spec.id == finding.rule_id);
            let occurrence = occurrences
                .entry((&finding.path, &finding.rule_id, &finding.secret_hash))
                .or_insert(0);
            *occurrence += 1;
            result(finding, index, *occurrence, knowledge)
        })
        .collect();
    let mut notifications: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|diagnostic| {
            json!({
                "level": "warning",
                "message": { "text": format!("{}: {}", diagnostic.path, diagnostic.message) },
            })
        })
        .collect();
    notifications.extend(report.unused_suppressions.iter().map(|unused| {
        json!({
            "level": "warning",
            "message": { "text": format!("unused suppression: `{}` suppresses nothing", unused.marker) },
            "locations": [{ "physicalLocation": {
                "artifactLocation": artifact_location(&unused.path),
                "region": { "startLine": unused.line, "startColumn": unused.column },
            }}],
        })
    }));
    if report.findings.len() > MAX_RESULTS {
        notifications.push(json!({
            "level": "warning",
            "message": { "text": format!("{} findings; only the first {MAX_RESULTS} are in this log (GitHub's limit)", report.findings.len()) },
        }));
    }
    let mut run = json!({
        "tool": { "driver": {
            "name": "keyless",
            "fullName": "keyless: Azure credentials that should be managed identities",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }},
        "automationDetails": { "id": "keyless/" },
        "columnKind": "unicodeCodePoints",
        "results": results,
        "invocations": [{ "executionSuccessful": true, "toolExecutionNotifications": notifications }],
    });
    if let (Some(uri), Some(object)) = (root_uri(context), run.as_object_mut()) {
        object.insert(
            "originalUriBaseIds".into(),
            json!({ "SRCROOT": { "uri": uri } }),
        );
    }
    if let (Some(history), Some(object)) = (&report.history, run.as_object_mut()) {
        object.insert(
            "versionControlProvenance".into(),
            json!([version_control(history)]),
        );
    }
    let log = Log {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: vec![run],
    };
    serde_json::to_writer_pretty(&mut *out, &log).map_err(io::Error::from)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_and_uris() {
        assert_eq!(pascal_case("storage-account-key"), "StorageAccountKey");
        assert_eq!(uri_path("a dir/web.config"), "a%20dir/web.config");
    }
}
