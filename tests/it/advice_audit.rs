//! The advice audit: every finding the fixtures, the rule examples, the real templates of
//! `../shared/corpus` and (when it is there) the bench corpus produce gets advice a reviewer can
//! apply as written. For each one:
//! - each role is one of the target service's (or of the service its profile names in `on:`);
//! - each role assignment in the Bicep, ARM and Terraform snippets is scoped to a resource of
//!   that service's type, never to the app (parsed with keyless's own parsers);
//! - the identity block is on the host's workload resource;
//! - identity settings exist for that host (`AzureWebJobsStorage__*` only for the Functions host);
//! - every snippet parses;
//! - a profile no identity can help (`no_identity`) never recommends one.
//!
//! Then snapshots of the advice for the host storage (Bicep, ARM, Terraform), a Bot Framework app
//! password, an EF6 SQL connection string and a QnA Maker key (`fixtures/advice`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common;

use keyless::Finding;
use keyless::parse::{self, Document, Format};
use keyless::remediation::NO_IDENTITY_OPENING;
use keyless::remediation::advice::{Advice, recommends_identity};
use keyless::remediation::template::{TemplateLanguage, Workload};
use keyless::remediation::{Knowledge, TemplateTarget};

const LANGUAGES: [(TemplateLanguage, Format); 3] = [
    (TemplateLanguage::Bicep, Format::Bicep),
    (TemplateLanguage::Arm, Format::Json),
    (TemplateLanguage::Terraform, Format::Terraform),
];

/// The resource types a role assignment may be scoped to and the one the identity must be on.
struct Expected<'a> {
    /// ARM and Terraform types of the targets the roles are granted on.
    targets: Vec<&'a TemplateTarget>,
    /// The workload resource.
    workload: Workload<'a>,
}

/// Every problem with one finding's advice, each naming the finding.
fn audit_finding(knowledge: &Knowledge, finding: &Finding) -> Vec<String> {
    let mut problems = Vec::new();
    let name = format!(
        "{}:{} {} ({})",
        finding.path, finding.start.line, finding.rule_id, finding.remediation
    );
    let Some(advice) = Advice::for_finding(knowledge, keyless::report::facts(finding), None) else {
        return vec![format!("{name}: no advice (unknown profile)")];
    };
    problems.extend(
        audit_advice(knowledge, &advice)
            .into_iter()
            .map(|problem| format!("{name}: {problem}")),
    );
    // The identity goes on the very resource that used the key, when the file declares it.
    if let Some(resource) = &finding.workload
        && advice.host.is_some_and(|host| host.id == resource.host)
    {
        let workload = advice.workload();
        let wanted = if resource.resource_type.starts_with("azurerm_") {
            workload.terraform_type
        } else {
            workload.arm_type
        };
        if !resource.resource_type.ends_with("/slots")
            && !wanted.eq_ignore_ascii_case(&resource.resource_type)
        {
            problems.push(format!(
                "{name}: the identity goes on {wanted}, but the key is used by {}",
                resource.resource_type
            ));
        }
    }
    for (language, _) in LANGUAGES {
        let Some(advice) =
            Advice::for_finding(knowledge, keyless::report::facts(finding), Some(language))
        else {
            continue;
        };
        let Some(snippet) = &advice.template else {
            continue;
        };
        let expected = expected_of(knowledge, &advice);
        problems.extend(
            audit_snippet(language, &snippet.code, &expected)
                .into_iter()
                .map(|problem| format!("{name} [{}]: {problem}", language.as_str())),
        );
    }
    problems
}

fn expected_of<'a>(knowledge: &'a Knowledge, advice: &'a Advice<'a>) -> Expected<'a> {
    let targets = std::iter::once(advice.target)
        .chain(advice.roles.iter().map(|role| role.on))
        .filter_map(|service| knowledge.template_target(service))
        .collect();
    Expected {
        targets,
        workload: advice.workload(),
    }
}

/// The checks that need no snippet: roles, settings, no-identity wording.
fn audit_advice(knowledge: &Knowledge, advice: &Advice<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    let profile = advice.profile;
    if advice.target != profile.service {
        problems.push(format!(
            "target {} is not the profile's service {}",
            advice.target, profile.service
        ));
    }
    for role in &advice.roles {
        if !role.role.services.contains(&role.on) {
            problems.push(format!(
                "role {} is granted on {} but belongs to {:?}",
                role.role.id, role.on, role.role.services
            ));
        }
        let declared_elsewhere = profile
            .roles
            .iter()
            .any(|choice| choice.role == role.role.id && choice.on == Some(role.on));
        if role.on != advice.target && !declared_elsewhere {
            problems.push(format!(
                "role {} is granted on {}, not on the target {}",
                role.role.id, role.on, advice.target
            ));
        }
    }
    let host = profile.host.as_deref().unwrap_or("");
    for setting in advice.settings() {
        if setting.starts_with("AzureWebJobsStorage__") && host != "functions" {
            problems.push(format!(
                "setting `{setting}` exists only for the Functions host, not `{host}`"
            ));
        }
        if setting.starts_with("MicrosoftAppType") && host != "bot-service" {
            problems.push(format!(
                "setting `{setting}` exists only for a bot's host, not `{host}`"
            ));
        }
        if setting.starts_with("WEBSITE_CONTENT") && host != "functions" {
            problems.push(format!(
                "setting `{setting}` exists only for the Functions host, not `{host}`"
            ));
        }
    }
    if advice.no_identity() {
        if !advice.headline().starts_with(NO_IDENTITY_OPENING) {
            problems.push(format!(
                "no-identity advice does not open with \"{NO_IDENTITY_OPENING}\": {}",
                advice.headline()
            ));
        }
        if recommends_identity(&profile.summary) {
            problems.push(format!(
                "no-identity profile's summary recommends an identity: {}",
                profile.summary
            ));
        }
        if advice
            .steps(knowledge)
            .iter()
            .any(|step| recommends_identity(step))
            || advice.host.is_some_and(|host| {
                advice
                    .steps(knowledge)
                    .iter()
                    .any(|step| step == host.identity_setup.trim())
            })
        {
            problems.push("no-identity steps tell the reader to turn an identity on".to_owned());
        }
    }
    problems
}

/// A resource of a parsed snippet: its type (ARM type or Terraform type) and its symbol (Bicep
/// symbol, Terraform name, ARM index).
struct Declared {
    type_name: String,
    symbol: String,
    path: Vec<String>,
}

fn declared(document: &Document) -> Vec<Declared> {
    document
        .resources
        .iter()
        .map(|resource| Declared {
            type_name: resource.type_name.clone(),
            symbol: resource.path.last().cloned().unwrap_or_default(),
            path: resource.path.clone(),
        })
        .collect()
}

fn value_below(document: &Document, code: &str, path: &[String], key: &[&str]) -> Option<String> {
    let mut full = path.to_vec();
    full.extend(key.iter().map(|part| (*part).to_owned()));
    document
        .entries
        .iter()
        .find(|entry| entry.path == full)
        .map(|entry| entry.text(code).trim().to_owned())
}

/// Every problem with one snippet: it must parse, put the identity on the workload only, and
/// scope every role assignment to one of the expected targets, never to the app.
fn audit_snippet(language: TemplateLanguage, code: &str, expected: &Expected<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    let format = match language {
        TemplateLanguage::Bicep => Format::Bicep,
        TemplateLanguage::Arm => Format::Json,
        TemplateLanguage::Terraform => Format::Terraform,
    };
    let document = parse::parse(format, code);
    if !document.complete || document.entries.is_empty() {
        problems.push(format!("snippet does not parse cleanly:\n{code}"));
        return problems;
    }
    let resources = declared(&document);
    let workload_type = match language {
        TemplateLanguage::Terraform => expected.workload.terraform_type,
        _ => expected.workload.arm_type,
    };
    let target_types: Vec<&str> = expected
        .targets
        .iter()
        .map(|target| match language {
            TemplateLanguage::Terraform => target.terraform_type.as_str(),
            _ => target.arm_type.as_str(),
        })
        .collect();
    // The identity block: on the workload, and only there.
    for resource in &resources {
        let has_identity = document.entries.iter().any(|entry| {
            entry.path.len() == resource.path.len() + 1
                && entry.path.starts_with(&resource.path)
                && entry.name() == "identity"
        });
        if has_identity && !resource.type_name.eq_ignore_ascii_case(workload_type) {
            problems.push(format!(
                "identity block on {} instead of the workload {workload_type}",
                resource.type_name
            ));
        }
    }
    if !resources
        .iter()
        .any(|resource| resource.type_name.eq_ignore_ascii_case(workload_type))
    {
        problems.push(format!("no workload resource {workload_type}"));
    }
    if let Some(kind) = expected.workload.arm_kind
        && language != TemplateLanguage::Terraform
        && !code.contains(&format!("'{kind}'"))
        && !code.contains(&format!("\"{kind}\""))
    {
        problems.push(format!("the workload is not of kind {kind}"));
    }
    // Role assignments and their scopes.
    let type_of_symbol = |symbol: &str| {
        resources
            .iter()
            .find(|resource| resource.symbol == symbol)
            .map(|resource| resource.type_name.clone())
    };
    for resource in &resources {
        let scope_type = match language {
            TemplateLanguage::Bicep => {
                let key = if resource.type_name == "Microsoft.Authorization/roleAssignments" {
                    "scope"
                } else if resource.type_name.contains("sqlRoleAssignments")
                    || resource.type_name.contains("accessPolicyAssignments")
                    || resource.type_name.ends_with("/administrators")
                {
                    "parent"
                } else {
                    continue;
                };
                let symbol = value_below(&document, code, &resource.path, &[key]);
                symbol.and_then(|symbol| type_of_symbol(&symbol))
            }
            TemplateLanguage::Arm => {
                if resource.type_name == "Microsoft.Authorization/roleAssignments" {
                    value_below(&document, code, &resource.path, &["scope"]).and_then(|scope| {
                        scope
                            .trim_start_matches("[format('")
                            .split("/{0}")
                            .next()
                            .map(str::to_owned)
                    })
                } else if resource.type_name.contains("sqlRoleAssignments")
                    || resource.type_name.contains("accessPolicyAssignments")
                    || resource.type_name.ends_with("/administrators")
                {
                    resource
                        .type_name
                        .rsplit_once('/')
                        .map(|(parent, _)| parent.to_owned())
                } else {
                    continue;
                }
            }
            TemplateLanguage::Terraform => {
                let key = match resource.type_name.as_str() {
                    "azurerm_role_assignment" | "azurerm_cosmosdb_sql_role_assignment" => "scope",
                    "azurerm_redis_cache_access_policy_assignment" => "redis_cache_id",
                    _ => continue,
                };
                value_below(&document, code, &resource.path, &[key])
                    .and_then(|scope| scope.split('.').next().map(str::to_owned))
            }
        };
        let Some(scope_type) = scope_type else {
            problems.push(format!(
                "role assignment {} has no scope that names a resource",
                resource.symbol
            ));
            continue;
        };
        if scope_type.eq_ignore_ascii_case(workload_type) {
            problems.push(format!(
                "role assignment {} is scoped to the app ({scope_type})",
                resource.symbol
            ));
        } else if !target_types
            .iter()
            .any(|target| target.eq_ignore_ascii_case(&scope_type))
        {
            problems.push(format!(
                "role assignment {} is scoped to {scope_type}, not to {}",
                resource.symbol,
                target_types.join(" or ")
            ));
        }
    }
    problems
}

/// Every file finding of every fixture directory.
fn fixture_findings() -> Vec<Finding> {
    let mut findings = Vec::new();
    let root = common::repo_root().join("fixtures");
    let Ok(entries) = std::fs::read_dir(&root) else {
        panic!("no fixtures directory at {}", root.display());
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    let registry = common::registry();
    for dir in dirs {
        if let Ok(report) =
            keyless::scan(&registry, &common::scan_options(&dir), &Default::default())
        {
            findings.extend(report.findings);
        }
    }
    findings
}

fn example_findings(registry: &keyless::Registry) -> Vec<Finding> {
    registry
        .rules()
        .iter()
        .flat_map(|rule| &rule.spec.examples)
        .flat_map(|example| keyless::scan_text(registry, example.file_name(), example.text()))
        .collect()
}

/// `bench-corpus` beside the sources (bench/run.sh and DEVELOPERS.md build it; it is never
/// committed), or the directory `KEYLESS_BENCH_CORPUS` names. Absent: skipped with a notice,
/// failing under `CI` only when `KEYLESS_BENCH_CORPUS` says it should be there.
fn bench_corpus() -> Option<PathBuf> {
    let named = std::env::var_os("KEYLESS_BENCH_CORPUS").map(PathBuf::from);
    let path = named
        .clone()
        .unwrap_or_else(|| common::repo_root().join("bench-corpus"));
    if path.is_dir() {
        return Some(path);
    }
    assert!(
        named.is_none() || std::env::var_os("CI").is_none(),
        "advice audit: KEYLESS_BENCH_CORPUS={} is not a directory, and CI is set",
        path.display()
    );
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "notice: advice audit skips the bench corpus: {} is absent (bench/run.sh says how to build it)",
            path.display()
        );
    }
    None
}

/// Audits each distinct (rule, profile, language, inferred roles) once.
fn audit_all(knowledge: &Knowledge, findings: &[Finding]) -> (usize, Vec<String>) {
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for finding in findings {
        let extension = Path::new(&finding.path)
            .extension()
            .map(|extension| extension.to_string_lossy().into_owned())
            .unwrap_or_default();
        let roles: Vec<&str> = finding
            .roles
            .iter()
            .map(|role| role.role.as_str())
            .collect();
        let key = (
            finding.rule_id.clone(),
            finding.remediation.clone(),
            extension,
            roles.join(","),
            finding.path.contains("k8s"),
        );
        if seen.insert(key) {
            problems.extend(audit_finding(knowledge, finding));
        }
    }
    (seen.len(), problems)
}

#[test]
fn every_finding_gets_advice_a_reviewer_can_apply() {
    let registry = common::registry();
    let knowledge = registry.knowledge();
    let mut findings = fixture_findings();
    findings.extend(example_findings(&registry));
    // Real templates nobody on the team wrote: ../shared/corpus everywhere, the bench set where
    // it has been exported.
    if let Some(shared) = common::shared_dir("every_finding_gets_advice_a_reviewer_can_apply")
        && let Ok(report) = keyless::scan(
            &registry,
            &common::scan_options(&shared.join("corpus")),
            &Default::default(),
        )
    {
        findings.extend(report.findings);
    }
    if let Some(corpus) = bench_corpus()
        && let Ok(report) = keyless::scan(
            &registry,
            &common::scan_options(&corpus),
            &Default::default(),
        )
    {
        findings.extend(report.findings);
    }
    let (audited, problems) = audit_all(knowledge, &findings);
    assert!(audited >= 200, "only {audited} distinct findings audited");
    assert!(
        problems.is_empty(),
        "{} advice problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_profile_passes_the_audit_in_every_template_language() {
    let registry = common::registry();
    let knowledge = registry.knowledge();
    let mut problems = Vec::new();
    for profile in knowledge.profiles() {
        let advice = Advice::for_profile(knowledge, profile);
        problems.extend(
            audit_advice(knowledge, &advice)
                .into_iter()
                .map(|problem| format!("{}: {problem}", profile.id)),
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The audit itself: a role assignment scoped to the app is reported.
#[test]
fn the_audit_rejects_a_role_assignment_scoped_to_the_app() {
    let registry = common::registry();
    let knowledge = registry.knowledge();
    let profile = knowledge.profile("functions-host-storage");
    let Some(profile) = profile else {
        panic!("no functions-host-storage profile")
    };
    let advice = Advice::for_profile(knowledge, profile);
    let expected = expected_of(knowledge, &advice);
    for (language, bad_scope) in [
        (TemplateLanguage::Bicep, ("scope: target", "scope: app")),
        (
            TemplateLanguage::Terraform,
            (
                "scope              = azurerm_storage_account.target.id",
                "scope              = azurerm_linux_function_app.app.id",
            ),
        ),
        (
            TemplateLanguage::Arm,
            (
                "format('Microsoft.Storage/storageAccounts/{0}'",
                "format('Microsoft.Web/sites/{0}'",
            ),
        ),
    ] {
        let finding_like = Advice::for_profile(knowledge, profile);
        let good = keyless::remediation::template::render(
            language,
            &keyless::remediation::template::SnippetSpec {
                workload: expected.workload,
                target: expected.targets[0],
                grants: finding_like
                    .granted()
                    .map(|role| keyless::remediation::template::Grant {
                        role: role.role,
                        target: expected.targets[0],
                    })
                    .collect(),
                conditional: Vec::new(),
            },
        );
        assert!(
            audit_snippet(language, &good, &expected).is_empty(),
            "{}: the good snippet fails: {:?}",
            language.as_str(),
            audit_snippet(language, &good, &expected)
        );
        let (from, to) = bad_scope;
        assert!(
            good.contains(from),
            "{}: no `{from}` in\n{good}",
            language.as_str()
        );
        let bad = good.replace(from, to);
        let problems = audit_snippet(language, &bad, &expected);
        assert!(
            problems.iter().any(|problem| problem.contains("scoped to")),
            "{}: a role assignment on the app passes the audit: {problems:?}\n{bad}",
            language.as_str()
        );
    }
    // And an identity block on the target instead of the app.
    let moved = keyless::remediation::template::render(
        TemplateLanguage::Terraform,
        &keyless::remediation::template::SnippetSpec {
            workload: Workload {
                terraform_type: "azurerm_storage_account",
                ..expected.workload
            },
            target: expected.targets[0],
            grants: Vec::new(),
            conditional: Vec::new(),
        },
    );
    assert!(!audit_snippet(TemplateLanguage::Terraform, &moved, &expected).is_empty());
}

fn advice_of_fixture(name: &str) -> String {
    let dir = common::fixture("advice").join(name);
    let output = common::keyless(&dir, &["scan", ".", "--format", "human", "--quiet"]);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn host_storage_advice_snapshot() {
    insta::assert_snapshot!("advice_host_storage", advice_of_fixture("host-storage"));
}

#[test]
fn bot_app_password_advice_snapshot() {
    insta::assert_snapshot!("advice_bot_app_password", advice_of_fixture("bot"));
}

#[test]
fn ef6_sql_advice_snapshot() {
    insta::assert_snapshot!("advice_ef6_sql", advice_of_fixture("ef6"));
}

#[test]
fn no_identity_advice_snapshot() {
    insta::assert_snapshot!("advice_qna_maker_no_identity", advice_of_fixture("qna"));
}
