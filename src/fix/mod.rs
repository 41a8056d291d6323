//! `keyless fix`: the rewrites that are mechanical and safe, applied in place (or shown as a
//! unified diff with `--dry-run`).
//!
//! What is rewritten:
//! - **Functions settings** in `local.settings.json` (`Values`): [`config_setting_rewrite`]
//!   (`AzureWebJobsStorage` -> `AzureWebJobsStorage__accountName`, trigger connections ->
//!   `__fullyQualifiedNamespace` / `__accountEndpoint`) and a Key Vault reference for the content
//!   share key, which no identity replaces, when the workload already names a vault.
//! - **Bicep, ARM and Terraform app settings** fed by `listKeys()` / key attributes: the
//!   identity-based setting, an `identity` block on the app when it has none, one role
//!   assignment per role the plan gives the app on the target, and the target's key-auth switch
//!   flipped when the same template no longer uses its keys and no finding left in the scanned
//!   tree does ([`compute`]'s second pass; modules `template` and `arm` propose the switches).
//!
//! What never is: code, settings that code may read as connection strings, anything ambiguous
//! (an `EntityPath`, a user-assigned identity, custom endpoints). A file is rewritten only when
//! it parses cleanly before and after; otherwise it is left byte-identical. Files keep their
//! encoding (UTF-8, UTF-8 with BOM, UTF-16 LE/BE with or without BOM) and line endings; inserted
//! lines use the file's line ending. Lossily decoded files are never written.

mod arm;
mod template;

// The rewrite primitives live below the plan, which shows them too; re-exported here because
// `keyless::fix::config_setting_rewrite` is the documented entry point for editors.
pub use crate::plan::rewrite::{AppliedEdit, Rewrite, config_setting_rewrite, key_vault_reference};

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use crate::finding::Finding;
use crate::parse::{self, Format};
use crate::plan::{self, Plan, targets};
use crate::remediation::Knowledge;
use crate::service::Service;
use crate::source::{self, Decoded, Encoding, SourceText};

/// The role assignments a rewritten template still needs: each role the plan gives on a rewritten
/// setting's target, once per (app, target, role), leaving out roles whose GUID the file already
/// names. `target` is the plan's name of an item's target; `owner` names its app and target in
/// the template, which tells assignments apart.
pub(crate) fn missing_assignments<'a, T>(
    rewritten: &'a [T],
    target: impl Fn(&T) -> &str,
    owner: impl Fn(&T) -> (String, String),
    workload: &'a plan::Workload,
    knowledge: &'a Knowledge,
    text: &str,
) -> Vec<(
    &'a T,
    &'a plan::RoleAssignment,
    &'a crate::remediation::Role,
)> {
    let mut missing = Vec::new();
    let mut seen = Vec::new();
    for item in rewritten {
        for assignment in workload
            .role_assignments
            .iter()
            .filter(|assignment| assignment.scope.name == target(item))
        {
            let (app, resource) = owner(item);
            let key = (app, resource, assignment.role_id.clone());
            if seen.contains(&key) || text.contains(&assignment.role_guid) {
                continue;
            }
            seen.push(key);
            if let Some(role) = knowledge.role(&assignment.role_id) {
                missing.push((item, assignment, role));
            }
        }
    }
    missing
}

/// A rewrite that was not applied, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// File relative to the root.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// Why it was left alone.
    pub reason: String,
}

/// The new content of one file.
#[derive(Debug, Clone)]
pub struct FileFix {
    /// File relative to the root.
    pub path: String,
    /// The decoded original.
    pub before: String,
    /// The rewritten text.
    pub after: String,
    encoding: Encoding,
    bom: bool,
    secrets: Vec<String>,
    /// The changes, by finding.
    pub edits: Vec<AppliedEdit>,
}

/// A key-auth switch `keyless fix` leaves on because other findings still use the resource's
/// key: turning it off would break them once deployed. `keyless plan` keeps it as a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldSwitch {
    /// The template that sets it (relative to the root).
    pub path: String,
    /// 1-based line of the setting.
    pub line: usize,
    /// The resource's name.
    pub resource: String,
    /// The setting once off, as the template writes it (`disableLocalAuth: true`,
    /// `local_auth_enabled = false`).
    pub setting: String,
    /// The findings that still use the key: `path:line (rule)`.
    pub users: Vec<String>,
}

/// Everything `keyless fix` would do.
#[derive(Debug, Clone, Default)]
pub struct FixOutcome {
    /// Files to rewrite, sorted by path.
    pub files: Vec<FileFix>,
    /// Rewrites left alone.
    pub skipped: Vec<Skipped>,
    /// Key-auth switches left on while other findings use the key.
    pub held: Vec<HeldSwitch>,
}

impl FixOutcome {
    /// Every applied edit.
    pub fn applied(&self) -> Vec<AppliedEdit> {
        self.files
            .iter()
            .flat_map(|file| file.edits.iter().cloned())
            .collect()
    }
}

/// A text edit: replace `range` of the decoded text with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edit {
    pub(crate) range: Range<usize>,
    pub(crate) text: String,
}

/// A finding that is a resource's own key-auth switch left on: the resource, its service, its
/// name as the template spells it and the switch. `None` for every other finding.
pub(crate) fn switch_finding(
    document: &parse::Document,
    text: &str,
    finding: &Finding,
    knowledge: &Knowledge,
) -> Option<(
    targets::TemplateResource,
    Service,
    String,
    &'static targets::KeyAuthSetting,
)> {
    let matched = text.get(finding.byte_range.clone()).unwrap_or("");
    if !targets::is_key_auth_setting(matched) {
        return None;
    }
    let resource = targets::resource_at(document, text, finding.byte_range.start)?;
    let service = plan::service_of_type(knowledge, &resource.type_name)?;
    let name = resource.name.clone()?;
    let setting = targets::key_auth_of(service)?;
    Some((resource, service, name, setting))
}

/// Applies non-overlapping edits (any order); `None` when two overlap.
pub(crate) fn apply_edits(text: &str, edits: &[Edit]) -> Option<String> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|edit| (edit.range.start, edit.range.end));
    let mut out = String::with_capacity(text.len() + 256);
    let mut at = 0;
    for edit in sorted {
        if edit.range.start < at || edit.range.end > text.len() {
            return None;
        }
        out.push_str(text.get(at..edit.range.start)?);
        out.push_str(&edit.text);
        at = edit.range.end;
    }
    out.push_str(text.get(at..)?);
    Some(out)
}

/// The line ending a text mostly uses.
pub(crate) fn line_ending(text: &str) -> &'static str {
    let crlf = text.matches("\r\n").count();
    let lf = text.matches('\n').count();
    if crlf * 2 > lf { "\r\n" } else { "\n" }
}

/// The plan for the findings of a scan of `root` ([`plan::build`]), with the changes that
/// `keyless fix` would make marked (what `keyless plan` shows).
pub fn plan_with_fixes(root: &Path, findings: &[Finding], knowledge: &Knowledge) -> Plan {
    let mut plan = plan::build(root, findings, knowledge);
    let fixes = compute(root, findings, &plan, knowledge);
    plan.mark_applied(&fixes.applied());
    plan
}

/// Computes every safe rewrite for the findings of a scan of `root`, using the plan's
/// identities and roles. Reads files; writes nothing.
///
/// Two passes: first every file's rewrites, with the key-auth switches of rewritten templates
/// only proposed; then each switch is flipped only when no finding left in the scanned tree
/// (after the first pass's rewrites) still reaches that resource with a key. Deployed, a switch
/// flipped under a workload that still uses the key would break it.
pub fn compute(
    root: &Path,
    findings: &[Finding],
    plan: &Plan,
    knowledge: &Knowledge,
) -> FixOutcome {
    let mut by_path: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for finding in findings {
        by_path
            .entry(finding.path.as_str())
            .or_default()
            .push(finding);
    }
    let mut outcome = FixOutcome::default();
    let mut pending: Vec<PendingFile> = Vec::new();
    for (path, file_findings) in by_path {
        let Ok(bytes) = std::fs::read(root.join(path)) else {
            continue;
        };
        let Decoded::Text(source) = source::decode(&bytes) else {
            continue;
        };
        let workload = plan.workloads.iter().find(|workload| {
            workload.changes.iter().any(|change| change.path == path)
                || workload
                    .key_auth
                    .iter()
                    .any(|switch| switch.declared_at.iter().any(|at| at.starts_with(path)))
        });
        let format = Format::of_path(path);
        let name = path.rsplit('/').next().unwrap_or(path);
        let rewrites = match format {
            Some(Format::Json) if name.eq_ignore_ascii_case("local.settings.json") => {
                let vault = workload.and_then(|workload| workload_vault(root, workload));
                let user_assigned = workload.is_some_and(|workload| {
                    workload.identity.kind == plan::IdentityKind::UserAssigned
                });
                functions_settings(
                    path,
                    &source,
                    &file_findings,
                    vault.as_deref(),
                    user_assigned,
                )
            }
            Some(Format::Json)
                if !parse::parse(Format::Json, source.text())
                    .resources
                    .is_empty() =>
            {
                match workload {
                    Some(workload) => {
                        arm::rewrite(path, &source, &file_findings, workload, knowledge)
                    }
                    None => Rewrites::default(),
                }
            }
            Some(format @ (Format::Bicep | Format::Terraform)) => match workload {
                Some(workload) => {
                    template::rewrite(path, format, &source, &file_findings, workload, knowledge)
                }
                None => Rewrites::default(),
            },
            _ => Rewrites::default(),
        };
        outcome.skipped.extend(rewrites.skipped);
        if rewrites.edits.is_empty() && rewrites.switches.is_empty() {
            continue;
        }
        match rewritten_text(&source, format, &rewrites.edits) {
            Ok(after) => {
                // Only real secrets are masked: a finding whose shown text is its match (a
                // `listKeys(` call, a setting) holds nothing secret.
                let secrets = file_findings
                    .iter()
                    .filter_map(|finding| {
                        let matched = source.text().get(finding.byte_range.clone())?;
                        (!matched.is_empty() && matched != finding.masked).then_some(matched)
                    })
                    .map(str::to_owned)
                    .collect();
                let fix = FileFix {
                    path: path.to_owned(),
                    before: source.text().to_owned(),
                    after,
                    encoding: source.encoding(),
                    bom: has_bom(&bytes),
                    secrets,
                    edits: rewrites.applied,
                };
                pending.push(PendingFile {
                    source,
                    fix,
                    format,
                    edits: rewrites.edits,
                    switches: rewrites.switches,
                });
            }
            Err(reason) => {
                for edit in rewrites.applied {
                    outcome.skipped.push(Skipped {
                        path: path.to_owned(),
                        line: edit.line,
                        reason: reason.clone(),
                    });
                }
            }
        }
    }
    // What the first pass rewrites away no longer uses a key; everything else still does.
    let applied: Vec<AppliedEdit> = pending
        .iter()
        .flat_map(|file| file.fix.edits.iter().cloned())
        .collect();
    for mut file in pending {
        let mut flips = Vec::new();
        let mut notes: Vec<(String, String)> = Vec::new();
        for switch in &file.switches {
            let users: Vec<String> = plan
                .key_users_after(switch.service, &switch.name, &applied)
                .into_iter()
                .map(plan::KeyUse::describe)
                .collect();
            if users.is_empty() {
                flips.push(switch.clone());
                continue;
            }
            notes.push((
                switch.name.clone(),
                format!(
                    "; key auth stays on for `{}`: its key is still used by {}",
                    switch.name,
                    users.join(", ")
                ),
            ));
            outcome.held.push(HeldSwitch {
                path: file.fix.path.clone(),
                line: switch.line,
                resource: switch.name.clone(),
                setting: match file.format {
                    Some(Format::Terraform) => format!("{} = {}", switch.setting, switch.off),
                    _ => format!("{}: {}", switch.setting, switch.off),
                },
                users,
            });
        }
        if !flips.is_empty() {
            let mut edits = file.edits.clone();
            edits.extend(flips.iter().map(|switch| switch.edit.clone()));
            // A flipped boolean cannot break the parse; if it somehow does, the file keeps its
            // first-pass rewrite and the switches stay as they are.
            if let Ok(after) = rewritten_text(&file.source, file.format, &edits) {
                file.fix.after = after;
                let separator = if file.format == Some(Format::Terraform) {
                    " ="
                } else {
                    ":"
                };
                for switch in flips.iter().filter(|switch| switch.standalone) {
                    file.fix.edits.push(AppliedEdit {
                        path: file.fix.path.clone(),
                        line: switch.line,
                        after: format!("{}{separator} {}", switch.setting, switch.off),
                        note: format!(
                            "key auth off on `{}`: the template gives an identity a role on it \
                             and nothing left in the scanned tree uses its key",
                            switch.name
                        ),
                    });
                }
                notes.extend(flips.iter().filter_map(|switch| {
                    let symbol = switch.symbol.as_ref()?;
                    Some((
                        switch.name.clone(),
                        format!("; `{symbol}` now sets {} = {}", switch.setting, switch.off),
                    ))
                }));
            }
        }
        if file.fix.edits.is_empty() {
            // Only switches were proposed, and none could be flipped: nothing to write.
            continue;
        }
        // Each note goes on the first change that names the resource.
        for (resource, note) in notes {
            if let Some(edit) = file
                .fix
                .edits
                .iter_mut()
                .find(|edit| edit.note.contains(&format!("on `{resource}`")))
            {
                edit.note.push_str(&note);
            }
        }
        outcome.files.push(file.fix);
    }
    outcome
}

/// A file whose first-pass rewrite parses, waiting for its key-auth switches to be decided.
struct PendingFile {
    source: SourceText,
    fix: FileFix,
    format: Option<Format>,
    edits: Vec<Edit>,
    switches: Vec<SwitchProposal>,
}

/// The text after `edits`, or why the file must be left byte-identical.
fn rewritten_text(
    source: &SourceText,
    format: Option<Format>,
    edits: &[Edit],
) -> Result<String, String> {
    if source.lossy() {
        return Err("the file is not valid in its encoding; it is left byte-identical".to_owned());
    }
    let Some(after) = apply_edits(source.text(), edits) else {
        return Err("overlapping rewrites; the file is left byte-identical".to_owned());
    };
    if let Some(format) = format {
        if !parse::parse(format, source.text()).complete {
            return Err("the file does not parse cleanly; it is left byte-identical".to_owned());
        }
        if !parse::parse(format, &after).complete {
            return Err("the rewritten file would not parse; it is left byte-identical".to_owned());
        }
    }
    Ok(after)
}

fn has_bom(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xEF, 0xBB, 0xBF])
        || bytes.starts_with(&[0xFF, 0xFE])
        || bytes.starts_with(&[0xFE, 0xFF])
}

/// A vault the workload already references (Key Vault references or vault URLs in its files).
fn workload_vault(root: &Path, workload: &plan::Workload) -> Option<String> {
    let mut paths: Vec<&str> = workload
        .changes
        .iter()
        .map(|change| change.path.as_str())
        .collect();
    paths.sort_unstable();
    paths.dedup();
    paths.into_iter().find_map(|path| {
        let bytes = std::fs::read(root.join(path)).ok()?;
        let Decoded::Text(text) = source::decode(&bytes) else {
            return None;
        };
        targets::vaults_in_text(text.text()).into_iter().next()
    })
}

/// What the rewrite of one file proposes.
#[derive(Debug, Default)]
pub(crate) struct Rewrites {
    /// Text edits of the first pass.
    pub(crate) edits: Vec<Edit>,
    /// The changes they make, by finding.
    pub(crate) applied: Vec<AppliedEdit>,
    /// Rewrites left alone.
    pub(crate) skipped: Vec<Skipped>,
    /// Key-auth switches to flip once nothing left in the tree uses the resource's key.
    pub(crate) switches: Vec<SwitchProposal>,
}

/// A key-auth switch that a template rewrite would flip: the template no longer uses the
/// resource's key; [`compute`] decides whether anything else still does.
#[derive(Debug, Clone)]
pub(crate) struct SwitchProposal {
    /// The resource's service.
    pub(crate) service: Service,
    /// The resource's name as the plan knows it.
    pub(crate) name: String,
    /// How the template refers to the resource, for the note of a flipped switch; `None`
    /// leaves the note out (ARM, whose names are expressions).
    pub(crate) symbol: Option<String>,
    /// The setting's name (`disableLocalAuth`, `local_auth_enabled`).
    pub(crate) setting: &'static str,
    /// Its value once key auth is off.
    pub(crate) off: bool,
    /// 1-based line of the setting.
    pub(crate) line: usize,
    /// The edit that turns it off.
    pub(crate) edit: Edit,
    /// Proposed by a later run with nothing else to rewrite in the template: a flip is a change
    /// of its own, not a note on a rewritten setting.
    pub(crate) standalone: bool,
}

/// `local.settings.json`: `Values.X` settings to their identity-based forms.
fn functions_settings(
    path: &str,
    source: &SourceText,
    findings: &[&Finding],
    vault: Option<&str>,
    user_assigned: bool,
) -> Rewrites {
    let text = source.text();
    let document = parse::parse(Format::Json, text);
    let mut edits = Vec::new();
    let mut applied = Vec::new();
    let mut skipped = Vec::new();
    for finding in findings {
        let Some(entry) = document.entries.iter().find(|entry| {
            entry.path.len() == 2
                && entry.path.first().map(String::as_str) == Some("Values")
                && entry.value.contains(&finding.byte_range.start)
        }) else {
            continue;
        };
        let key = entry.name().to_owned();
        let value = entry.text(text);
        let rewrite = if key.eq_ignore_ascii_case("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING") {
            Some(key_vault_reference(&key, vault))
        } else {
            config_setting_rewrite(&key, value, finding.service)
        };
        let line = finding.start.line;
        match rewrite {
            Some(rewrite) if rewrite.safe && rewrite.settings.len() == 1 => {
                let Some((new_key, new_value)) = rewrite.settings.first() else {
                    continue;
                };
                if edits
                    .iter()
                    .any(|edit: &Edit| edit.range.start == entry.key.start)
                {
                    continue;
                }
                edits.push(Edit {
                    range: entry.key.clone(),
                    text: json_escape(new_key),
                });
                edits.push(Edit {
                    range: entry.value.clone(),
                    text: json_escape(new_value),
                });
                let mut note = rewrite.note.clone();
                if user_assigned && new_key.contains("__") {
                    let prefix = new_key.split("__").next().unwrap_or(new_key);
                    note.push_str(&format!(
                        "; in Azure, with the user-assigned identity, also set \
                         {prefix}__credential=managedidentity and {prefix}__clientId=<client-id>"
                    ));
                }
                applied.push(AppliedEdit {
                    path: path.to_owned(),
                    line,
                    after: rewrite.describe(),
                    note,
                });
            }
            Some(rewrite) => skipped.push(Skipped {
                path: path.to_owned(),
                line,
                reason: format!("shown only: {} ({})", rewrite.describe(), rewrite.note),
            }),
            None => skipped.push(Skipped {
                path: path.to_owned(),
                line,
                reason: format!("`{key}`: no identity-based form is known for this setting"),
            }),
        }
    }
    Rewrites {
        edits,
        applied,
        skipped,
        switches: Vec::new(),
    }
}

fn json_escape(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(text)
        .to_owned()
}

impl FileFix {
    /// A unified diff of the change, every secret of the file masked.
    pub fn unified_diff(&self) -> String {
        let mask = |text: &str| {
            let mut masked = text.to_owned();
            for secret in &self.secrets {
                masked = masked.replace(secret.as_str(), &crate::finding::mask(secret));
            }
            masked
        };
        let before = mask(&self.before);
        let after = mask(&self.after);
        similar::TextDiff::from_lines(&before, &after)
            .unified_diff()
            .context_radius(2)
            .header(&format!("a/{}", self.path), &format!("b/{}", self.path))
            .to_string()
    }

    /// The rewritten file's bytes, in the original encoding (and BOM).
    pub fn encoded(&self) -> Vec<u8> {
        match self.encoding {
            Encoding::Utf8 => self.after.as_bytes().to_vec(),
            Encoding::Utf8Bom => {
                let mut bytes = vec![0xEF, 0xBB, 0xBF];
                bytes.extend_from_slice(self.after.as_bytes());
                bytes
            }
            Encoding::Utf16Le | Encoding::Utf16Be => {
                let little = self.encoding == Encoding::Utf16Le;
                let mut bytes = Vec::with_capacity(self.after.len() * 2 + 2);
                if self.bom {
                    bytes.extend_from_slice(if little { &[0xFF, 0xFE] } else { &[0xFE, 0xFF] });
                }
                for unit in self.after.encode_utf16() {
                    bytes.extend_from_slice(&if little {
                        unit.to_le_bytes()
                    } else {
                        unit.to_be_bytes()
                    });
                }
                bytes
            }
        }
    }

    /// Writes the rewritten file under `root`.
    pub fn write(&self, root: &Path) -> std::io::Result<()> {
        std::fs::write(root.join(&self.path), self.encoded())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_apply_in_any_order_and_refuse_overlaps() {
        let edits = [
            Edit {
                range: 4..5,
                text: "X".to_owned(),
            },
            Edit {
                range: 0..1,
                text: "Y".to_owned(),
            },
        ];
        assert_eq!(apply_edits("abcdef", &edits).as_deref(), Some("YbcdXf"));
        let overlapping = [
            Edit {
                range: 0..3,
                text: String::new(),
            },
            Edit {
                range: 2..4,
                text: String::new(),
            },
        ];
        assert_eq!(apply_edits("abcdef", &overlapping), None);
        assert_eq!(line_ending("a\r\nb\r\n"), "\r\n");
        assert_eq!(line_ending("a\nb\n"), "\n");
    }

    #[test]
    fn encodings_round_trip() {
        let fix = |encoding, bom| FileFix {
            path: "x".to_owned(),
            before: String::new(),
            after: "k=v\r\n".to_owned(),
            encoding,
            bom,
            secrets: Vec::new(),
            edits: Vec::new(),
        };
        for (encoding, bom) in [
            (Encoding::Utf8, false),
            (Encoding::Utf8Bom, true),
            (Encoding::Utf16Le, true),
            (Encoding::Utf16Be, true),
            (Encoding::Utf16Le, false),
        ] {
            let bytes = fix(encoding, bom).encoded();
            let Decoded::Text(text) = source::decode(&bytes) else {
                panic!("binary")
            };
            assert_eq!(text.text(), "k=v\r\n");
            assert_eq!(text.encoding(), encoding);
        }
    }
}
