//! One model of a fix per (service, host, language): what every reporter, `keyless explain` and
//! the language server print for a finding or a rule.
//!
//! [`Advice`] is built from the knowledge and a finding (its remediation profile, inferred
//! roles and path) or from a profile alone (rule documentation). It holds the profile, the
//! target service (always the profile's service, never the app's), the host whose identity
//! replaces the key, the SDK replacement for the file's language, the roles (alternatives or a
//! set needed together), the principal and scope of each role assignment (the target resource
//! or a narrower child, never the app), the step that turns key auth off and the Bicep, ARM or
//! Terraform snippet. Reporters only format it; nothing here writes output.

use super::template::{self, Grant, SnippetSpec, TemplateLanguage, Workload};
use super::{
    Knowledge, NO_IDENTITY_OPENING, Profile, Role, RolesNeeded, SdkAdvice, TemplateTarget,
    WorkloadHost, WorkloadResource,
};
use crate::service::{InferredRole, Service};

/// The host used when neither the profile nor the finding's path names one.
pub const DEFAULT_HOST: &str = "app-service";

/// One role of an [`Advice`].
#[derive(Debug, Clone)]
pub struct RoleAdvice<'k> {
    /// The role.
    pub role: &'k Role,
    /// When it is the right one (or the call that needs it).
    pub when: String,
    /// The service whose resource it is granted on.
    pub on: Service,
    /// True when the snippet grants it: every role of a set needed together (but conditional
    /// ones), every role the code needs, or the least role among alternatives.
    pub granted: bool,
}

/// How an [`Advice`]'s roles combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleSet {
    /// Alternatives, least privilege first: grant the one that fits.
    LeastOf,
    /// Every granted role at once (the Functions host's storage roles).
    AllTogether,
    /// The roles the calls in the file need, all of them.
    InferredFromCode,
}

/// The template snippet of an [`Advice`].
#[derive(Debug, Clone)]
pub struct TemplateSnippet {
    /// Its language.
    pub language: TemplateLanguage,
    /// The code: the identity block on the workload and one role assignment per granted role.
    pub code: String,
}

/// The fix for one finding (or one rule's profile), as every output format prints it.
#[derive(Debug, Clone)]
pub struct Advice<'k> {
    /// The remediation profile.
    pub profile: &'k Profile,
    /// The service whose resource the identity gets its role on: the profile's service.
    pub target: Service,
    /// The target's resource types, when templates can name it.
    pub target_resource: Option<&'k TemplateTarget>,
    /// Where the workload runs, when known.
    pub host: Option<&'k WorkloadHost>,
    /// The roles, least privilege first.
    pub roles: Vec<RoleAdvice<'k>>,
    /// How the roles combine.
    pub role_set: RoleSet,
    /// The identity-based code in the file's language, when the profile has it.
    pub sdk: Option<(&'k str, &'k SdkAdvice)>,
    /// The ARM or Terraform type of the resource that holds the finding, when it is one of the
    /// host's: the snippet puts the identity on that very type.
    pub workload_type: Option<String>,
    /// The snippet for an infrastructure-as-code finding.
    pub template: Option<TemplateSnippet>,
}

/// What advice needs to know of a finding.
#[derive(Debug, Clone, Copy)]
pub struct FindingFacts<'f> {
    /// The remediation profile id.
    pub remediation: &'f str,
    /// Roles inferred from the file's calls.
    pub roles: &'f [InferredRole],
    /// The file's path.
    pub path: &'f str,
    /// The template resource that holds the finding, if known.
    pub workload: Option<&'f WorkloadResource>,
}

impl<'k> Advice<'k> {
    /// The advice for a profile alone, as rule documentation shows it: no file, no snippet.
    pub fn for_profile(knowledge: &'k Knowledge, profile: &'k Profile) -> Self {
        Self::build(knowledge, profile, &[], None, None)
    }

    /// The advice for a finding: its profile, the roles the code needs (else the profile's),
    /// the SDK code for its language and, when `template` names the file's template language,
    /// the snippet. Findings sit above this module, so the caller hands over what it needs.
    pub fn for_finding(
        knowledge: &'k Knowledge,
        finding: FindingFacts<'_>,
        template: Option<TemplateLanguage>,
    ) -> Option<Self> {
        let profile = knowledge.profile(finding.remediation)?;
        let inferred: Vec<(&'k Role, String)> = finding
            .roles
            .iter()
            .filter_map(|inferred| {
                let role = knowledge.role(&inferred.role)?;
                Some((role, format!("the code calls `{}`", inferred.because)))
            })
            .collect();
        Some(Self::build(
            knowledge,
            profile,
            &inferred,
            Some((finding.path, finding.workload)),
            template,
        ))
    }

    fn build(
        knowledge: &'k Knowledge,
        profile: &'k Profile,
        inferred: &[(&'k Role, String)],
        file: Option<(&str, Option<&WorkloadResource>)>,
        template: Option<TemplateLanguage>,
    ) -> Self {
        let target = profile.service;
        let path = file.map(|(path, _)| path);
        let workload = file.and_then(|(_, workload)| workload);
        // The profile's host first (host storage belongs to the Functions host whatever the
        // resource), then the resource that holds the finding, its path, and a web app.
        let host = profile
            .host
            .as_deref()
            .and_then(|id| knowledge.host(id))
            .or_else(|| workload.and_then(|workload| knowledge.host(&workload.host)))
            .or_else(|| path.and_then(|path| knowledge.host_of_path(path)))
            .or_else(|| knowledge.host(DEFAULT_HOST));
        // The finding's own resource type, when it is one of the chosen host's.
        let workload_type = workload
            .filter(|workload| {
                host.is_some_and(|host| {
                    host.resource_types
                        .iter()
                        .any(|known| known.eq_ignore_ascii_case(&workload.resource_type))
                })
            })
            .map(|workload| workload.resource_type.clone());
        let (roles, role_set) = if inferred.is_empty() {
            let role_set = match profile.roles_needed {
                RolesNeeded::All => RoleSet::AllTogether,
                RolesNeeded::Least => RoleSet::LeastOf,
            };
            let roles = profile
                .roles
                .iter()
                .filter_map(|choice| {
                    let role = knowledge.role(&choice.role)?;
                    Some((role, choice))
                })
                .enumerate()
                .map(|(index, (role, choice))| RoleAdvice {
                    role,
                    when: choice.when.clone(),
                    on: choice.on.unwrap_or(target),
                    granted: match role_set {
                        RoleSet::AllTogether => !choice.conditional,
                        _ => index == 0,
                    },
                })
                .collect();
            (roles, role_set)
        } else {
            let roles = inferred
                .iter()
                .map(|(role, when)| RoleAdvice {
                    role,
                    when: when.clone(),
                    on: target,
                    granted: true,
                })
                .collect();
            (roles, RoleSet::InferredFromCode)
        };
        let sdk = path
            .and_then(crate::source::language_of)
            .and_then(|language| profile.sdk.get_key_value(language))
            .map(|(language, advice)| (language.as_str(), advice));
        let mut advice = Self {
            profile,
            target,
            target_resource: knowledge.template_target(target),
            host,
            roles,
            role_set,
            sdk,
            workload_type,
            template: None,
        };
        advice.template = template.and_then(|language| advice.snippet(knowledge, language));
        advice
    }

    /// True when no managed identity can replace the key.
    pub fn no_identity(&self) -> bool {
        self.profile.no_identity.is_some()
    }

    /// The first thing to say: for a key no identity can replace, the note that says so (its
    /// first sentence: "No managed identity can replace ..."); otherwise the profile's summary.
    pub fn headline(&self) -> &'k str {
        self.profile
            .no_identity
            .as_deref()
            .unwrap_or(&self.profile.summary)
            .trim()
    }

    /// The identity-based settings that replace the key.
    pub fn settings(&self) -> &'k [String] {
        &self.profile.settings
    }

    /// The step that turns key auth off (or says why it cannot be turned off).
    pub fn disable_key_auth(&self) -> &'k str {
        self.profile.disable_key_auth.trim()
    }

    /// The roles the snippet grants.
    pub fn granted(&self) -> impl Iterator<Item = &RoleAdvice<'k>> {
        self.roles.iter().filter(|role| role.granted)
    }

    /// Who gets the roles: the workload's managed identity.
    pub fn principal(&self) -> String {
        let workload = self.host.map_or("the app", |host| host.workload.as_str());
        format!("{workload}'s managed identity")
    }

    /// Where a role on `service` is assigned: the resource itself (or the profile's narrower
    /// child), never the app, its resource group or subscription.
    pub fn scope_of(&self, service: Service, knowledge: &Knowledge) -> String {
        let resource = knowledge.template_target(service).map_or_else(
            || format!("the {service} resource itself"),
            |target| format!("the {} resource itself", target.arm_type),
        );
        match (&self.profile.narrower_scope, service == self.target) {
            (Some(narrower), true) => format!("{resource} or, narrower, {narrower}"),
            _ => resource,
        }
    }

    /// The managed-identity way out as numbered steps: the identity (or, where none helps, what
    /// to do instead; the [`Advice::headline`] says that none helps), what must be true first, the roles, the setting or SDK call, key auth
    /// off, rotation.
    pub fn steps(&self, knowledge: &Knowledge) -> Vec<String> {
        let mut steps = Vec::new();
        if let Some(no_identity) = &self.profile.no_identity {
            // The headline already says that no identity helps; the steps start with what to
            // do instead.
            let note = no_identity.trim();
            let instead = note
                .split_once(". ")
                .map_or(note, |(_, rest)| rest.trim_start());
            steps.push(instead.to_owned());
        } else {
            steps.push(self.host.map_or_else(
                || {
                    "Turn on a managed identity for the app that uses the key: system-assigned \
                     for a single app, user-assigned when several resources share the access or \
                     the identity must exist before the app starts."
                        .to_owned()
                },
                |host| host.identity_setup.trim().to_owned(),
            ));
        }
        if let Some(precondition) = &self.profile.precondition {
            steps.push(format!("First: {}", precondition.trim()));
        }
        if let Some(step) = self.role_step(knowledge) {
            steps.push(step);
        }
        let mut switch = self.profile.replacement.trim().to_owned();
        if !self.profile.settings.is_empty() {
            let settings: Vec<String> = self
                .profile
                .settings
                .iter()
                .map(|setting| format!("`{setting}`"))
                .collect();
            switch.push_str(&format!(" Settings: {}.", settings.join(", ")));
        }
        steps.push(switch);
        steps.push(self.disable_key_auth().to_owned());
        steps.push(
            "Rotate the exposed key: it stays valid, and in your history, until you do.".to_owned(),
        );
        steps
    }

    fn role_step(&self, knowledge: &Knowledge) -> Option<String> {
        let principal = self.principal();
        let named =
            |role: &RoleAdvice<'_>| format!("{} (`{}`)", role.role.name, role.role.output_id());
        let scope = |role: &RoleAdvice<'_>| self.scope_of(role.on, knowledge);
        match self.role_set {
            RoleSet::AllTogether => {
                let granted: Vec<&RoleAdvice<'_>> = self.granted().collect();
                let first = granted.first()?;
                let names: Vec<String> = granted.iter().map(|role| named(role)).collect();
                let mut step = format!(
                    "Grant {principal} all of these roles together on {}: {}.",
                    scope(first),
                    names.join(" and ")
                );
                for role in self.roles.iter().filter(|role| !role.granted) {
                    step.push_str(&format!(" Also {} when {}.", named(role), role.when));
                }
                Some(step)
            }
            RoleSet::InferredFromCode => {
                let names: Vec<String> = self
                    .roles
                    .iter()
                    .map(|role| {
                        format!(
                            "{} for {}",
                            named(role),
                            role.when.trim_start_matches("the code calls ")
                        )
                    })
                    .collect();
                let first = self.roles.first()?;
                Some(format!(
                    "Grant {principal} what the code needs on {}: {}.",
                    scope(first),
                    names.join(", ")
                ))
            }
            RoleSet::LeastOf => match self.roles.as_slice() {
                [] => None,
                [only] => Some(format!(
                    "Grant {principal} {} on {}, not on its resource group or subscription.",
                    named(only),
                    scope(only)
                )),
                [first, ..] => Some(format!(
                    "Grant {principal} the least-privilege role among those listed, on {} (not \
                     its resource group or subscription): for example {} when {}.",
                    scope(first),
                    named(first),
                    first.when
                )),
            },
        }
    }

    /// One line per role for short formats: `Name (id)` joined with `or` for alternatives and
    /// `and` for roles needed together.
    pub fn role_line(&self) -> Option<String> {
        let (roles, joiner): (Vec<&RoleAdvice<'_>>, &str) = match self.role_set {
            RoleSet::LeastOf => (self.roles.iter().collect(), " or "),
            RoleSet::AllTogether | RoleSet::InferredFromCode => (self.granted().collect(), " and "),
        };
        if roles.is_empty() {
            return None;
        }
        let names: Vec<String> = roles
            .iter()
            .map(|role| format!("{} ({})", role.role.name, role.role.output_id()))
            .collect();
        let label = if roles.len() > 1 && joiner == " and " {
            "Roles"
        } else {
            "Role"
        };
        Some(format!("{label}: {}.", names.join(joiner)))
    }

    /// The lines an annotation carries after the finding's message: the headline, the roles
    /// and where to read more.
    pub fn annotation_lines(&self, rule_id: &str) -> Vec<String> {
        let mut lines = vec![self.headline().to_owned()];
        lines.extend(self.role_line());
        lines.push(format!("More: keyless explain {rule_id}"));
        lines
    }

    /// The resource that carries the identity in snippets: the host's workload type, or the
    /// finding's own resource type when it is one of the host's.
    pub fn workload(&self) -> Workload<'_> {
        let mut workload = self
            .host
            .and_then(Workload::of_host)
            .unwrap_or(template::DEFAULT_WORKLOAD);
        if let Some(resource_type) = &self.workload_type {
            if resource_type.starts_with("azurerm_") {
                workload.terraform_type = resource_type;
            } else if !resource_type.ends_with("/slots") {
                workload.arm_type = resource_type;
            }
        }
        workload
    }

    /// The snippet in `language`: the identity on the host's workload resource and one role
    /// assignment per granted role, each on its own target resource.
    fn snippet(
        &self,
        knowledge: &'k Knowledge,
        language: TemplateLanguage,
    ) -> Option<TemplateSnippet> {
        let target = self.target_resource?;
        let workload = self.workload();
        let grants = self
            .granted()
            .filter_map(|role| {
                Some(Grant {
                    role: role.role,
                    target: knowledge.template_target(role.on)?,
                })
            })
            .collect();
        let conditional = self
            .roles
            .iter()
            .filter(|role| !role.granted && self.role_set == RoleSet::AllTogether)
            .map(|role| (role.role, role.when.as_str()))
            .collect();
        let code = template::render(
            language,
            &SnippetSpec {
                workload,
                target,
                grants,
                conditional,
            },
        );
        Some(TemplateSnippet { language, code })
    }
}

/// The wording check behind [`NO_IDENTITY_OPENING`]: a text recommends an identity for the key.
pub fn recommends_identity(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let first_sentence = lower.split(". ").next().unwrap_or(&lower);
    !first_sentence.starts_with(&NO_IDENTITY_OPENING.to_ascii_lowercase())
        && (first_sentence.contains("give the app a managed identity")
            || first_sentence.contains("replace with an identity")
            || first_sentence.contains("use a managed identity"))
}
