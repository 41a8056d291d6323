//! Resolving the calls of one file against the catalogue.
//!
//! For each call: split the callee into segments, find the catalogue type (or package function,
//! or cmdlet) it names, narrow the candidates with the file's imports, pick the overloads its
//! arguments fit (count, names, evident types such as `new Uri(...)`, a string literal,
//! `new AzureKeyCredential(...)` or `DefaultAzureCredential()`), and decide: the call takes a key
//! (which kind, through which argument), or it takes an identity, or it cannot be told.
//!
//! Everything here is bounded by the number of calls times the (small) number of overloads of a
//! member; nothing recurses and nothing indexes input-derived data without a check.

use std::ops::Range;

use super::{
    CredentialKind, LanguageCatalogue, Member, MemberKind, PackageService, Param, Status,
    TypeEntry, bare_type, function_key,
};
use crate::parse::code::imports::Imports;
use crate::parse::code::{Argument, Call, CodeView, Language};
use crate::service::Service;

/// A call that authenticates with a key, as the catalogue knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index into [`CodeView::calls`].
    pub call: usize,
    /// What the key is.
    pub kind: CredentialKind,
    /// The service, when the package (or the client the credential is passed to) says.
    pub service: Option<Service>,
    /// The package the callee belongs to.
    pub package: String,
    /// Legacy library?
    pub legacy: bool,
    /// For a legacy package, the one that replaces it.
    pub replacement: Option<String>,
    /// The argument that carries the key: its span and, when known in the file, its value.
    pub credential: Option<(Range<usize>, Option<String>)>,
}

/// What a resolved call does.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// Takes a key of this kind through this argument (index into arguments, then options).
    Key(CredentialKind, Option<usize>),
    /// Takes a key through a credential object if the variable passed holds one: overloads
    /// for a key credential and for a token credential both fit a plain variable.
    Maybe(CredentialKind, Option<usize>),
    /// Takes a token credential.
    Identity,
    /// Takes neither, or cannot be told.
    Neutral,
}

/// One call the catalogue knows.
struct Resolved<'c> {
    call: usize,
    entry: &'c TypeEntry,
    verdict: Verdict,
    /// The credential parameter's bare type, when the key goes in as a credential object.
    credential_type: Option<String>,
    /// True when that argument is a credential built inline (its own call resolves too).
    inline_credential: bool,
}

/// The calls of `view` that authenticate with a key, and the indexes of every call the catalogue
/// resolved at all (key-based or not), sorted.
pub fn resolve(
    catalogue: &LanguageCatalogue,
    language: Language,
    view: &CodeView,
    imports: &Imports,
    text: &str,
) -> (Vec<Hit>, Vec<usize>) {
    let mut resolved: Vec<Resolved<'_>> = view
        .calls
        .iter()
        .enumerate()
        .filter_map(|(index, call)| resolve_call(catalogue, language, imports, index, call, text))
        .collect();
    let known: Vec<usize> = resolved.iter().map(|found| found.call).collect();
    // A variable that may hold a key credential or a token credential: a key credential of
    // that type built in the file, and no identity credential, settles it as a key.
    let identity_built = view
        .calls
        .iter()
        .any(|call| IDENTITY_CREDENTIALS.contains(&call.name.as_str()));
    let key_types: Vec<String> = resolved
        .iter()
        .filter(|found| matches!(found.verdict, Verdict::Key(..)))
        .map(|found| found.entry.name.clone())
        .collect();
    for found in &mut resolved {
        if let Verdict::Maybe(kind, index) = found.verdict {
            let settled = !identity_built
                && found
                    .credential_type
                    .as_ref()
                    .is_some_and(|ty| key_types.contains(ty));
            found.verdict = if settled {
                Verdict::Key(kind, index)
            } else {
                Verdict::Neutral
            };
        }
    }
    // A client over a URL that carries a SAS, with an anonymous credential: the SAS signs.
    for found in &mut resolved {
        if found.verdict == Verdict::Neutral
            && view
                .calls
                .get(found.call)
                .is_some_and(|call| anonymous_over_sas(call, text))
        {
            found.verdict = Verdict::Key(CredentialKind::Sas, Some(0));
        }
    }
    let mut hits = Vec::new();
    for found in &resolved {
        let Verdict::Key(kind, argument) = found.verdict else {
            continue;
        };
        let Some(call) = view.calls.get(found.call) else {
            continue;
        };
        let Some(package) = catalogue.package_of(found.entry) else {
            continue;
        };
        // `connStr.toString()` of a connection-string builder: the builder's own calls say
        // whether it holds a key (`setSasKey`) or an identity (`setAuthentication`).
        if kind == CredentialKind::ConnectionString
            && let Some(index) = argument
            && let Some(argument) = call.arguments.iter().chain(&call.options).nth(index)
            && text.get(argument.span.clone()).is_some_and(|written| {
                written.ends_with(".toString()") || written.ends_with(".ToString()")
            })
        {
            let builders = resolved
                .iter()
                .filter(|other| other.entry.name.ends_with("ConnectionStringBuilder"));
            let mut any = false;
            let mut keyed = false;
            for builder in builders {
                any = true;
                keyed |= matches!(builder.verdict, Verdict::Key(..));
            }
            if any && !keyed {
                continue;
            }
        }
        // A client given a credential built inline (`new FaceClient(new
        // ApiKeyServiceClientCredentials(key))`) is reported once, on the credential.
        if found.credential_type.is_some() && found.inline_credential {
            continue;
        }
        let service = match package.service {
            PackageService::Service(service) => Some(service),
            PackageService::Identity => match kind {
                CredentialKind::Secret | CredentialKind::Password => Some(Service::Entra),
                _ => consumer_service(catalogue, &resolved, view, found),
            },
        };
        let credential = argument
            .and_then(|index| call.arguments.iter().chain(&call.options).nth(index))
            .map(|argument| (argument.span.clone(), argument.value.clone()));
        // `Connect-AzAccount -ServicePrincipal -Credential`: the PSCredential's password is the
        // app's client secret, not a user's password.
        let kind = if kind == CredentialKind::Password
            && call.arguments.iter().any(|argument| {
                argument
                    .name
                    .as_deref()
                    .is_some_and(|name| name.eq_ignore_ascii_case("ServicePrincipal"))
            }) {
            CredentialKind::Secret
        } else {
            kind
        };
        hits.push(Hit {
            call: found.call,
            kind,
            service,
            package: package.name.clone(),
            legacy: package.status == Status::Legacy,
            replacement: package.replacement.clone(),
            credential,
        });
    }
    (hits, known)
}

/// The service of the client a credential object is passed to: the innermost enclosing resolved
/// call with a service, else the nearest resolved call whose parameters take that credential type.
fn consumer_service(
    catalogue: &LanguageCatalogue,
    resolved: &[Resolved<'_>],
    view: &CodeView,
    credential: &Resolved<'_>,
) -> Option<Service> {
    let span = view.calls.get(credential.call)?.span.clone();
    let service_of = |found: &Resolved<'_>| match catalogue.package_of(found.entry)?.service {
        PackageService::Service(service) => Some(service),
        PackageService::Identity => None,
    };
    let enclosing = resolved
        .iter()
        .filter(|other| {
            view.calls.get(other.call).is_some_and(|call| {
                call.span.start <= span.start && span.end <= call.span.end && call.span != span
            })
        })
        .filter_map(|other| Some((view.calls.get(other.call)?.span.len(), service_of(other)?)))
        .min_by_key(|(length, _)| *length)
        .map(|(_, service)| service);
    if enclosing.is_some() {
        return enclosing;
    }
    let name = credential.entry.name.as_str();
    resolved
        .iter()
        .filter(|other| {
            other
                .entry
                .members
                .iter()
                .any(|member| member.params.iter().any(|param| param.bare_type() == name))
        })
        .filter_map(|other| {
            let call = view.calls.get(other.call)?;
            Some((call.span.start.abs_diff(span.start), service_of(other)?))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, service)| service)
}

/// A callee split at `.`, `::`, `?.` and `\`: each segment's name and whether it was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment<'a> {
    name: &'a str,
    called: bool,
}

fn segments(callee: &str) -> (bool, Vec<Segment<'_>>) {
    let callee = callee.trim_start_matches('…');
    let (is_new, rest) = match callee.strip_prefix("new ") {
        Some(rest) => (true, rest),
        None => (false, callee),
    };
    let bytes = rest.as_bytes();
    let mut out = Vec::new();
    let mut index = 0;
    let mut start = 0;
    let mut depth = 0usize;
    let mut name_end: Option<usize> = None;
    let mut called = false;
    fn flush<'a>(
        out: &mut Vec<Segment<'a>>,
        rest: &'a str,
        start: usize,
        end: usize,
        called: bool,
    ) {
        if let Some(name) = rest.get(start..end).filter(|name| !name.is_empty()) {
            out.push(Segment { name, called });
        }
    }
    while index < bytes.len() {
        let byte = bytes[index];
        match byte {
            b'<' | b'(' | b'[' => {
                if depth == 0 && name_end.is_none() {
                    name_end = Some(index);
                }
                if depth == 0 && byte == b'(' {
                    called = true;
                }
                depth += 1;
            }
            b'>' | b')' | b']' => depth = depth.saturating_sub(1),
            b'.' | b':' | b'\\' | b'?' | b'!' if depth == 0 => {
                flush(&mut out, rest, start, name_end.unwrap_or(index), called);
                name_end = None;
                called = false;
                start = index + 1;
            }
            _ => {}
        }
        index += 1;
    }
    flush(
        &mut out,
        rest,
        start,
        name_end.unwrap_or(bytes.len()),
        called,
    );
    (is_new, out)
}

/// Where a call leads: a type's member, or a package-level function (or cmdlet).
struct Target<'a> {
    /// Type name, or `None` for a function.
    type_name: Option<&'a str>,
    /// Segments that qualify the type or function (`Azure.Storage.Blobs`, an import alias).
    qualifier: Vec<&'a str>,
    /// Member name (`new` for a constructor).
    member: &'a str,
    /// For a chain `new XBuilder().a().b`, the called segments between the type and the member.
    chain: Vec<&'a str>,
}

fn target<'a>(
    catalogue: &LanguageCatalogue,
    language: Language,
    imports: &Imports,
    callee: &'a str,
) -> Option<Target<'a>> {
    let (is_new, segments) = segments(callee);
    let (last, before) = segments.split_last()?;
    let is_type = |name: &str| {
        !catalogue.types_named(name).is_empty()
            || imports
                .name(name)
                .is_some_and(|(_, imported)| !catalogue.types_named(imported).is_empty())
    };
    if is_new && before.iter().all(|segment| !segment.called) {
        return Some(Target {
            type_name: Some(last.name),
            qualifier: before.iter().map(|segment| segment.name).collect(),
            member: "new",
            chain: Vec::new(),
        });
    }
    // Python (and Rust tuple structs) construct by calling the type.
    if !is_new
        && matches!(language, Language::Python)
        && before.iter().all(|segment| !segment.called)
        && is_type(last.name)
    {
        return Some(Target {
            type_name: Some(last.name),
            qualifier: before.iter().map(|segment| segment.name).collect(),
            member: "new",
            chain: Vec::new(),
        });
    }
    // The last segment before the member that names a type.
    let position = before.iter().rposition(|segment| is_type(segment.name));
    match position {
        Some(position) => {
            let type_segment = before.get(position)?;
            let chain: Vec<&str> = before
                .get(position + 1..)
                .unwrap_or_default()
                .iter()
                .map(|segment| segment.name)
                .collect();
            // `x.Type.Member` where an unresolved lowercase call precedes is a method on a value.
            if before
                .get(..position)
                .unwrap_or_default()
                .iter()
                .any(|segment| segment.called)
            {
                return None;
            }
            Some(Target {
                type_name: Some(type_segment.name),
                qualifier: before
                    .get(..position)
                    .unwrap_or_default()
                    .iter()
                    .map(|segment| segment.name)
                    .collect(),
                member: last.name,
                chain,
            })
        }
        None if before.iter().all(|segment| !segment.called) => Some(Target {
            type_name: None,
            qualifier: before.iter().map(|segment| segment.name).collect(),
            member: last.name,
            chain: Vec::new(),
        }),
        None => None,
    }
}

/// True when an imported module `module` brings the catalogue namespace `namespace`.
fn namespace_matches(language: Language, module: &str, namespace: &str) -> bool {
    if module == namespace {
        return true;
    }
    match language {
        Language::Python => module
            .strip_prefix(namespace)
            .is_some_and(|rest| rest.starts_with('.')),
        Language::Javascript | Language::Typescript => module
            .strip_prefix(namespace)
            .is_some_and(|rest| rest.starts_with('/')),
        Language::Go => strip_major(module) == strip_major(namespace),
        Language::Rust => {
            module.split("::").next() == namespace.split("::").next()
                && !module.is_empty()
                && !namespace.is_empty()
        }
        Language::Csharp | Language::Java | Language::Powershell => false,
    }
}

fn strip_major(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some((head, last))
            if last.len() > 1
                && last.starts_with('v')
                && last[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            head
        }
        _ => path,
    }
}

/// The separator a language writes between namespace segments.
pub(super) fn separator(language: Language) -> &'static str {
    match language {
        Language::Rust => "::",
        Language::Go | Language::Javascript | Language::Typescript => "/",
        _ => ".",
    }
}

/// Whether the file's imports (or the qualifier as written) bring `namespace` for the name
/// `written` at the call, which the catalogue knows as `real` (they differ for an import under
/// another local name).
fn imported(
    language: Language,
    imports: &Imports,
    qualifier: &[&str],
    (name, real): (&str, &str),
    namespace: &str,
) -> bool {
    if let Some((first, rest)) = qualifier.split_first() {
        let tail = rest.join(".");
        let join = |module: &str| {
            if tail.is_empty() {
                module.to_owned()
            } else {
                format!("{module}{}{tail}", separator(language))
            }
        };
        if let Some(module) = imports.module_of_alias(first) {
            return namespace_matches(language, &join(module), namespace)
                || namespace_matches(language, module, namespace);
        }
        if let Some((module, imported_name)) = imports.name(first) {
            let sep = if language == Language::Rust {
                "::"
            } else {
                "."
            };
            let full = format!("{module}{sep}{imported_name}");
            return namespace_matches(language, &join(&full), namespace)
                || namespace_matches(language, &full, namespace);
        }
        let sep = if language == Language::Rust {
            "::"
        } else {
            "."
        };
        let written = qualifier.join(sep);
        if namespace_matches(language, &written, namespace) {
            return true;
        }
        // A qualifier that is a plain variable (`client.X`) does not name a namespace; one
        // that does not resolve says nothing either way, so fall through to the imports.
    }
    if let Some((module, imported_name)) = imports.name(name)
        && (imported_name == name
            || imported_name == real
            || imported_name == "default"
            || imported_name == "*")
    {
        return namespace_matches(language, module, namespace);
    }
    imports
        .names
        .iter()
        .filter(|import| import.name == "*")
        .map(|import| import.module.as_str())
        .chain(
            imports
                .modules
                .iter()
                .filter(|import| {
                    import.alias.is_none()
                        || matches!(language, Language::Csharp | Language::Rust | Language::Go)
                })
                .map(|import| import.module.as_str()),
        )
        .any(|module| namespace_matches(language, module, namespace))
}

/// `new BlockBlobClient(sasUrl, new AnonymousCredential())`: no identity, and a first argument
/// that names or holds a SAS. A plain variable is read through its assignment in the file
/// (`const pipeline = newPipeline(new AnonymousCredential())`).
fn anonymous_over_sas(call: &Call, text: &str) -> bool {
    let seen = |argument: &Argument| -> String {
        let written = text.get(argument.span.clone()).unwrap_or("");
        match assignment_of(text, call.span.start, written) {
            Some(assigned) => format!("{written} {assigned}"),
            None => written.to_owned(),
        }
    };
    call.arguments
        .iter()
        .any(|argument| seen(argument).contains("AnonymousCredential"))
        && call.arguments.first().map(seen).is_some_and(|w| {
            let lower = w.to_ascii_lowercase();
            lower.contains("sas") || lower.contains("sig=")
        })
}

/// The line that last assigns the plain variable `name` before byte `before`, if any (within
/// the 200 lines above it).
fn assignment_of<'t>(text: &'t str, before: usize, name: &str) -> Option<&'t str> {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if !plain {
        return None;
    }
    let head = text.get(..before)?;
    head.lines().rev().take(200).find(|line| {
        line.match_indices(name).any(|(at, _)| {
            let boundary = line[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'));
            let rest = line[at + name.len()..].trim_start();
            boundary && rest.starts_with('=') && !rest.starts_with("==")
        })
    })
}

/// The catalogue's reading of `call`, the file's call number `index`.
fn resolve_call<'c>(
    catalogue: &'c LanguageCatalogue,
    language: Language,
    imports: &Imports,
    index: usize,
    call: &Call,
    text: &str,
) -> Option<Resolved<'c>> {
    let mut extension = false;
    let (entries, member_name) = if language == Language::Powershell {
        let name = call.callee.rsplit('\\').next().unwrap_or(&call.callee);
        let entries: Vec<&TypeEntry> = catalogue
            .functions_named(&function_key(language, name))
            .iter()
            .filter_map(|&index| catalogue.types.get(index))
            .collect();
        (entries, name.to_owned())
    } else {
        let target = target(catalogue, language, imports, &call.callee)?;
        let entries = candidates(catalogue, language, imports, &target);
        extension = language == Language::Csharp && target.type_name.is_none();
        // A function imported under a local name is looked up by the name it was exported as.
        let member = match imports.name(target.member) {
            Some((_, imported))
                if target.type_name.is_none()
                    && target.qualifier.is_empty()
                    && !catalogue.functions_named(imported).is_empty() =>
            {
                imported
            }
            _ => target.member,
        };
        (entries, member.to_owned())
    };
    let entries: Vec<&TypeEntry> = entries
        .into_iter()
        .filter(|entry| {
            entry
                .members
                .iter()
                .any(|member| member_named(language, member, &member_name))
        })
        .collect();
    // Prefer the current package when a name exists in both generations of one module.
    let first = *entries.iter().min_by_key(|entry| {
        catalogue
            .package_of(entry)
            .is_some_and(|package| package.status == Status::Legacy)
    })?;
    let members: Vec<&Member> = entries
        .iter()
        .flat_map(|entry| entry.members.iter())
        .filter(|member| member_named(language, member, &member_name))
        .collect();
    let (verdict, credential_param) = choose(
        catalogue,
        language,
        &first.name,
        call,
        &members,
        extension,
        text,
    );
    let inline_credential = match &verdict {
        Verdict::Key(_, Some(index)) => call
            .arguments
            .iter()
            .chain(&call.options)
            .nth(*index)
            .is_some_and(|argument| {
                matches!(
                    hint(catalogue, argument, text),
                    Hint::Type(_, _) | Hint::Token
                )
            }),
        _ => false,
    };
    // The key went in as an object (not a string): the client may be reported with it.
    let credential_type = credential_param
        .filter(|param| !is_string_type(&param.ty))
        .map(|param| param.bare_type().to_owned());
    Some(Resolved {
        call: index,
        entry: first,
        verdict,
        credential_type,
        inline_credential,
    })
}

fn member_named(language: Language, member: &Member, name: &str) -> bool {
    if name == "new" {
        return member.kind == MemberKind::Ctor;
    }
    member.kind != MemberKind::Ctor
        && member.kind != MemberKind::Field
        && if language == Language::Powershell {
            member.name.eq_ignore_ascii_case(name)
        } else {
            member.name == name
        }
}

/// The catalogue entries a target can mean, narrowed by the file's imports.
fn candidates<'c>(
    catalogue: &'c LanguageCatalogue,
    language: Language,
    imports: &Imports,
    target: &Target<'_>,
) -> Vec<&'c TypeEntry> {
    // `real` is the name the catalogue knows, `name` the one written at the call.
    let (indexes, name, real): (&[usize], &str, &str) = match target.type_name {
        None if language == Language::Csharp && !target.qualifier.is_empty() => (
            catalogue.extensions_named(target.member),
            target.member,
            target.member,
        ),
        Some(name) => {
            // A name imported under another local name (`{ Client as DeviceClient }`).
            let real = imports
                .name(name)
                .map(|(_, imported)| imported)
                .filter(|imported| !catalogue.types_named(imported).is_empty())
                .unwrap_or(name);
            (catalogue.types_named(real), name, real)
        }
        None => {
            // A function imported under a local name: `import createClient from
            // "@azure-rest/ai-vision-image-analysis"` calls the module's `default`.
            match imports.name(target.member) {
                Some((_, imported)) if target.qualifier.is_empty() => {
                    let found = catalogue.functions_named(imported);
                    if found.is_empty() {
                        (
                            catalogue.functions_named(target.member),
                            target.member,
                            target.member,
                        )
                    } else {
                        (found, target.member, imported)
                    }
                }
                _ => (
                    catalogue.functions_named(target.member),
                    target.member,
                    target.member,
                ),
            }
        }
    };
    let all: Vec<&TypeEntry> = indexes
        .iter()
        .filter_map(|&index| catalogue.types.get(index))
        .collect();
    let mut entries: Vec<&TypeEntry> = all
        .iter()
        .copied()
        .filter(|entry| {
            imported(
                language,
                imports,
                &target.qualifier,
                (name, real),
                &entry.namespace,
            )
        })
        .collect();
    // A builder chain: follow the members' return types (`X.builder().credential(...)`).
    if !target.chain.is_empty() {
        for step in &target.chain {
            let next: Option<&str> = entries.iter().find_map(|entry| {
                entry
                    .members
                    .iter()
                    .find(|member| member.name == *step)
                    .and_then(|member| member.returns.as_deref())
            });
            if let Some(returned) = next.map(bare_type)
                && returned != target.type_name.unwrap_or_default()
            {
                let namespaces: Vec<&str> = entries
                    .iter()
                    .map(|entry| entry.namespace.as_str())
                    .collect();
                let followed: Vec<&TypeEntry> = catalogue
                    .types_named(returned)
                    .iter()
                    .filter_map(|&index| catalogue.types.get(index))
                    .filter(|entry| namespaces.contains(&entry.namespace.as_str()))
                    .collect();
                if !followed.is_empty() {
                    entries = followed;
                }
            }
        }
    }
    if entries.is_empty() && target.type_name.is_some() && target.qualifier.is_empty() {
        // No import says where it comes from (C# global usings, a type in the same namespace):
        // a name only one package defines, and long enough not to be a common word, is taken.
        // Several packages define it (each Cognitive Services SDK has its own
        // `ApiKeyServiceClientCredentials`): taken when they all talk to one service.
        let services: std::collections::BTreeSet<String> = all
            .iter()
            .filter_map(|entry| catalogue.package_of(entry))
            .map(|package| format!("{:?}", package.service))
            .collect();
        // The name the catalogue knows must be long: a long local alias (`{ Client as
        // IotHubDeviceClient }` from a file of the project's own) says nothing of the SDK.
        if services.len() == 1 && name.len() >= 12 && real.len() >= 12 && language != Language::Go {
            return all;
        }
    }
    entries
}

/// What an argument evidently is, from how it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Hint {
    /// A string literal (or a name bound once to one): its value.
    Literal(String),
    /// An identity credential (`DefaultAzureCredential()`, `new ManagedIdentityCredential(...)`).
    Token,
    /// A construction of a catalogue credential type.
    Type(String, CredentialKind),
    /// A URI object (`new Uri(...)`, `URI.create(...)`, `url.Parse(...)`).
    Uri,
    /// `None`, `null`, `nil`, `undefined`.
    Null,
    /// A variable or property: its last name.
    Name(String),
    /// A value read from the environment or configuration by name
    /// (`Environment.GetEnvironmentVariable("X")`, `os.environ["X"]`, `config["X"]`): a string.
    Setting(String),
    /// Anything else.
    Unknown,
}

const IDENTITY_CREDENTIALS: &[&str] = &[
    "DefaultAzureCredential",
    "ManagedIdentityCredential",
    "WorkloadIdentityCredential",
    "AzureCliCredential",
    "AzureDeveloperCliCredential",
    "AzurePowerShellCredential",
    "ChainedTokenCredential",
    "EnvironmentCredential",
    "ClientCertificateCredential",
    "ClientAssertionCredential",
    "InteractiveBrowserCredential",
    "DeviceCodeCredential",
    "VisualStudioCredential",
    "VisualStudioCodeCredential",
    "SharedTokenCacheCredential",
    "OnBehalfOfCredential",
    "AuthorizationCodeCredential",
    "AzurePipelinesCredential",
    "DeveloperToolsCredential",
    "ClientSecretCredential",
    "UsernamePasswordCredential",
    "TokenCredential",
    "get_bearer_token_provider",
    "getBearerTokenProvider",
    "NewDefaultAzureCredential",
    "NewManagedIdentityCredential",
    "NewWorkloadIdentityCredential",
    "NewAzureCLICredential",
    "NewClientSecretCredential",
    "NewChainedTokenCredential",
    "NewEnvironmentCredential",
    "DefaultAzureCredentialBuilder",
    "ManagedIdentityCredentialBuilder",
    "ClientSecretCredentialBuilder",
    "WorkloadIdentityCredentialBuilder",
];

fn hint(catalogue: &LanguageCatalogue, argument: &Argument, text: &str) -> Hint {
    let written = text.get(argument.span.clone()).unwrap_or("").trim();
    if let Some(value) = &argument.value {
        return Hint::Literal(value.clone());
    }
    if matches!(written, "None" | "null" | "nil" | "undefined" | "$null") {
        return Hint::Null;
    }
    let expression = written
        .trim_start_matches("await ")
        .trim_start_matches(['&', '*'])
        .trim_start();
    if let Some(name) = setting_name(expression) {
        return Hint::Setting(name);
    }
    let (head, is_call) = match expression.find('(') {
        Some(open) => (&expression[..open], true),
        None => (expression, false),
    };
    let head = head.trim_start_matches("new ").trim();
    // The first segment decides for builder chains (`new DefaultAzureCredentialBuilder().build()`).
    let (_, parts) = segments(head);
    let names: Vec<&str> = parts.iter().map(|segment| segment.name).collect();
    if names.iter().any(|name| IDENTITY_CREDENTIALS.contains(name)) {
        return Hint::Token;
    }
    if is_call {
        if let Some(kind) = names
            .iter()
            .rev()
            .find_map(|name| catalogue.credential_type(name).map(|kind| (*name, kind)))
        {
            return Hint::Type(kind.0.to_owned(), kind.1);
        }
        if names
            .iter()
            .any(|name| matches!(*name, "Uri" | "URI" | "URL" | "Url"))
            || head.ends_with("url.Parse")
        {
            return Hint::Uri;
        }
        return Hint::Unknown;
    }
    match names.last() {
        Some(name)
            if name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$') =>
        {
            Hint::Name(name.trim_start_matches('$').to_owned())
        }
        _ => Hint::Unknown,
    }
}

/// The name an environment or configuration read looks up, when `expression` is one.
fn setting_name(expression: &str) -> Option<String> {
    const READERS: &[&str] = &[
        "GetEnvironmentVariable",
        "getenv",
        "Getenv",
        "environ",
        "GetConnectionString",
        "GetValue",
        "getProperty",
        "getConfig",
        "Configuration[",
        "configuration[",
        "config[",
        "Config[",
        "settings[",
        "Settings[",
        "env[",
        "ENV[",
    ];
    if expression.starts_with("new ") || !READERS.iter().any(|reader| expression.contains(reader)) {
        return None;
    }
    let open = expression.find(['"', '\''])?;
    let quote = expression[open..].chars().next()?;
    let body = &expression[open + 1..];
    let close = body.find(quote)?;
    let name = &body[..close];
    (!name.is_empty() && name.len() <= 128).then(|| name.to_owned())
}

fn statically_typed(language: Language) -> bool {
    matches!(
        language,
        Language::Csharp | Language::Java | Language::Go | Language::Rust
    )
}

fn is_string_type(ty: &str) -> bool {
    let ty = ty.trim().trim_start_matches(['*', '&']);
    ty.is_empty()
        || matches!(
            ty,
            "string"
                | "String"
                | "str"
                | "'static str"
                | "Option<String>"
                | "Option<&str>"
                | "impl Into<String>"
                | "Into<String>"
                | "impl AsRef<str>"
                | "AsRef<str>"
                | "Secret"
                | "impl Into<Secret>"
                | "SecureString"
                | "string | undefined"
                | "str | None"
                | "Optional[str]"
        )
}

fn is_uri_type(ty: &str) -> bool {
    matches!(bare_type(ty), "Uri" | "URI" | "URL" | "Url")
}

/// Whether an argument with this hint can be passed as `param`.
fn fits(language: Language, hint: &Hint, param: &Param) -> bool {
    let typed = statically_typed(language) && !param.ty.is_empty();
    match hint {
        Hint::Token => match param.kind {
            Some(CredentialKind::Token | CredentialKind::Credential) => true,
            Some(_) => false,
            None => !is_string_type(&param.ty) && !is_uri_type(&param.ty),
        },
        Hint::Type(name, kind) => match param.kind {
            Some(CredentialKind::Credential) => true,
            Some(CredentialKind::Token) => false,
            Some(param_kind) => {
                param.bare_type() == name
                    || (param_kind == *kind && !is_string_type(&param.ty))
                    || (!typed && is_string_type(&param.ty) && param.ty.is_empty())
            }
            None => !is_string_type(&param.ty) && !is_uri_type(&param.ty),
        },
        Hint::Uri => !typed || is_uri_type(&param.ty) || param.ty.is_empty(),
        Hint::Literal(value) => {
            if typed && !is_string_type(&param.ty) {
                return false;
            }
            let looks_like_url = value.starts_with("https://") || value.starts_with("http://");
            let looks_like_connection = value.contains('=') && value.contains(';');
            match param.kind {
                Some(CredentialKind::ConnectionString) => !looks_like_url,
                Some(CredentialKind::Token) => false,
                _ if is_uri_type(&param.ty) => !looks_like_connection,
                _ => true,
            }
        }
        Hint::Null => param.optional || !param.kind.is_some_and(CredentialKind::is_key),
        // A setting is a string: in a typed language it only fits a string parameter.
        Hint::Setting(_) => !typed || is_string_type(&param.ty),
        Hint::Name(_) | Hint::Unknown => true,
    }
}

/// A name that says the value is a key (and not an endpoint that merely mentions one).
fn keyish(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let says_key = [
        "conn",
        "key",
        "secret",
        "sas",
        "password",
        "pwd",
        "signature",
        "webjobsstorage",
    ]
    .iter()
    .any(|word| lower.contains(word))
        || lower == "cs"
        || lower.ends_with("_cs");
    let says_endpoint = ["uri", "url", "endpoint", "host"]
        .iter()
        .any(|word| lower.contains(word));
    says_key && !says_endpoint
}

/// Picks the overloads `call` fits and decides what it takes. Also returns the parameter that
/// carries the key, when there is one.
fn choose<'m>(
    catalogue: &LanguageCatalogue,
    language: Language,
    type_name: &str,
    call: &Call,
    members: &[&'m Member],
    extension: bool,
    text: &str,
) -> (Verdict, Option<&'m Param>) {
    let arguments: Vec<&Argument> = call.arguments.iter().chain(&call.options).collect();
    let positional = call
        .arguments
        .iter()
        .filter(|argument| argument.name.is_none())
        .count();
    let hints: Vec<Hint> = arguments
        .iter()
        .map(|argument| hint(catalogue, argument, text))
        .collect();
    let mut fitting = Vec::new();
    for member in members {
        if let Some(outcome) = evaluate(language, call, member, extension, positional, &hints, true)
        {
            fitting.push(outcome);
        }
    }
    if fitting.is_empty() {
        // No overload takes exactly these arguments (the listing may lack one): read them
        // loosely, by position and name.
        for member in members {
            if let Some(outcome) =
                evaluate(language, call, member, extension, positional, &hints, false)
            {
                fitting.push(outcome);
            }
        }
    }
    // Options (object-literal keys, struct fields, keyword arguments the signature does not
    // name) that the package's option types declare as credentials.
    let option_verdict = option_fields(catalogue, call, members, type_name);
    let keys: Vec<&(Verdict, Option<&Param>)> = fitting
        .iter()
        .filter(|(verdict, _)| matches!(verdict, Verdict::Key(..)))
        .collect();
    let identities = fitting
        .iter()
        .any(|(verdict, _)| *verdict == Verdict::Identity);
    if let Some(verdict) = option_verdict {
        return (verdict, None);
    }
    if fitting.is_empty() {
        return (Verdict::Neutral, None);
    }
    if keys.len() == fitting.len() {
        let (verdict, param) = keys[0];
        return (verdict.clone(), *param);
    }
    if !keys.is_empty() {
        // Some overloads take a key here and some take an identity or nothing
        // (`(string connectionString)` vs `(Uri serviceUri)`, `(URI, String key)` vs
        // `(URI, TokenCredential)`): the argument's name decides.
        if let Some((Verdict::Key(kind, Some(index)), param)) = keys.first().copied()
            && let Some(Hint::Name(name) | Hint::Setting(name)) = hints.get(*index)
            && keyish(name)
        {
            return (Verdict::Key(*kind, Some(*index)), *param);
        }
        // Still open: a credential object of the key overload's type built in this file may
        // settle it (see `resolve`).
        if let Some((Verdict::Key(kind, Some(index)), param)) = keys.first().copied()
            && param.is_some_and(|param| !is_string_type(&param.ty))
            && matches!(hints.get(*index), Some(Hint::Name(_)))
        {
            return (Verdict::Maybe(*kind, Some(*index)), *param);
        }
        return (Verdict::Neutral, None);
    }
    if identities && keys.is_empty() {
        return (Verdict::Identity, None);
    }
    (Verdict::Neutral, None)
}

/// Maps the call's arguments onto one overload: `None` when they do not fit, else its verdict
/// and the key-carrying parameter.
/// PowerShell's common parameters (about_CommonParameters), which any cmdlet accepts.
fn is_common_parameter(name: &str) -> bool {
    const COMMON: [&str; 15] = [
        "Debug",
        "ErrorAction",
        "ErrorVariable",
        "InformationAction",
        "InformationVariable",
        "OutBuffer",
        "OutVariable",
        "PipelineVariable",
        "ProgressAction",
        "Verbose",
        "WarningAction",
        "WarningVariable",
        "WhatIf",
        "Confirm",
        "UseTransaction",
    ];
    COMMON
        .iter()
        .any(|common| common.eq_ignore_ascii_case(name))
}

fn evaluate<'m>(
    language: Language,
    call: &Call,
    member: &'m Member,
    extension: bool,
    positional: usize,
    hints: &[Hint],
    strict: bool,
) -> Option<(Verdict, Option<&'m Param>)> {
    // An extension method's first parameter is the receiver the call is made on.
    let params: &'m [Param] = if extension {
        member.params.get(1..).unwrap_or_default()
    } else {
        &member.params
    };
    let variadic = params.iter().any(|param| param.variadic);
    let fixed = params.iter().filter(|param| !param.variadic).count();
    if strict && positional > fixed && !variadic {
        return None;
    }
    let mut covered = vec![false; params.len()];
    let mut pairs: Vec<(usize, &Param)> = Vec::new();
    let mut position = 0;
    for (index, argument) in call.arguments.iter().enumerate() {
        match &argument.name {
            None => {
                let param = params.get(position).filter(|param| !param.variadic);
                if let Some(param) = param {
                    if let Some(slot) = covered.get_mut(position) {
                        *slot = true;
                    }
                    pairs.push((index, param));
                }
                position += 1;
            }
            // Every cmdlet takes the common parameters; the help pages' syntax blocks omit them.
            Some(name) if language == Language::Powershell && is_common_parameter(name) => {}
            Some(name) => {
                let found = params.iter().position(|param| {
                    !param.variadic
                        && (param.name == *name
                            || (language == Language::Powershell || language == Language::Csharp)
                                && param.name.eq_ignore_ascii_case(name))
                });
                match found {
                    Some(found) => {
                        if let Some(slot) = covered.get_mut(found) {
                            *slot = true;
                        }
                        if let Some(param) = params.get(found) {
                            pairs.push((index, param));
                        }
                    }
                    None if variadic || !strict => {}
                    None => return None,
                }
            }
        }
    }
    if strict
        && params
            .iter()
            .zip(&covered)
            .any(|(param, covered)| !param.optional && !param.variadic && !covered)
    {
        return None;
    }
    let mut verdict = Verdict::Neutral;
    let mut key_param = None;
    for (index, param) in pairs {
        let hint = hints.get(index).unwrap_or(&Hint::Unknown);
        if strict && !fits(language, hint, param) {
            return None;
        }
        match param.kind {
            Some(kind) if kind.is_key() => {
                // Read loosely, an identity or nothing passed in a key's place is still no key.
                if matches!(
                    hint,
                    Hint::Null | Hint::Token | Hint::Type(_, CredentialKind::Token)
                ) {
                    continue;
                }
                if matches!(verdict, Verdict::Neutral | Verdict::Identity) {
                    let kind = match hint {
                        // A credential object of a more precise type says which key it holds.
                        Hint::Type(_, inner) if inner.is_key() => *inner,
                        _ => kind,
                    };
                    verdict = Verdict::Key(kind, Some(index));
                    key_param = Some(param);
                }
            }
            Some(CredentialKind::Token)
                if verdict == Verdict::Neutral && !matches!(hint, Hint::Null) =>
            {
                verdict = Verdict::Identity;
            }
            Some(CredentialKind::Credential) => match hint {
                Hint::Token | Hint::Type(_, CredentialKind::Token)
                    if verdict == Verdict::Neutral =>
                {
                    verdict = Verdict::Identity;
                }
                Hint::Type(_, kind) if kind.is_key() => {
                    verdict = Verdict::Key(*kind, Some(index));
                    key_param = Some(param);
                }
                Hint::Literal(_) if !matches!(verdict, Verdict::Key(..)) => {
                    verdict = Verdict::Key(CredentialKind::Key, Some(index));
                    key_param = Some(param);
                }
                Hint::Name(name) | Hint::Setting(name)
                    if keyish(name) && !matches!(verdict, Verdict::Key(..)) =>
                {
                    verdict = Verdict::Key(CredentialKind::Key, Some(index));
                    key_param = Some(param);
                }
                _ => {}
            },
            _ => {}
        }
    }
    Some((verdict, key_param))
}

/// The verdict the call's options give: object-literal keys, struct fields and keyword
/// arguments the signature does not name, looked up in the option types the overloads take (and
/// in the callee's own type, for Python's `**kwargs`).
fn option_fields(
    catalogue: &LanguageCatalogue,
    call: &Call,
    members: &[&Member],
    type_name: &str,
) -> Option<Verdict> {
    if call.options.is_empty() && call.arguments.iter().all(|a| a.name.is_none()) {
        return None;
    }
    let declared: Vec<&str> = members
        .iter()
        .flat_map(|member| member.params.iter().map(|param| param.name.as_str()))
        .collect();
    let mut option_types: Vec<&str> = members
        .iter()
        .flat_map(|member| member.params.iter().map(Param::bare_type))
        .collect();
    option_types.push(type_name);
    option_types.sort_unstable();
    option_types.dedup();
    let named_offset = call.arguments.len();
    let mut identity = false;
    let candidates = call
        .arguments
        .iter()
        .enumerate()
        .filter(|(_, argument)| {
            argument
                .name
                .as_deref()
                .is_some_and(|name| !declared.contains(&name))
        })
        .chain(
            call.options
                .iter()
                .enumerate()
                .map(|(index, option)| (named_offset + index, option)),
        );
    for (index, argument) in candidates {
        let Some(name) = argument.name.as_deref() else {
            continue;
        };
        let kind = option_types
            .iter()
            .find_map(|option_type| catalogue.field_kind(option_type, name));
        match kind {
            Some(kind) if kind.is_key() => return Some(Verdict::Key(kind, Some(index))),
            Some(CredentialKind::Token) => identity = true,
            _ => {}
        }
    }
    identity.then_some(Verdict::Identity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callees_split_into_segments() {
        let (is_new, parts) = segments("new BlobServiceClientBuilder().connectionString");
        assert!(is_new);
        assert_eq!(
            parts,
            vec![
                Segment {
                    name: "BlobServiceClientBuilder",
                    called: true
                },
                Segment {
                    name: "connectionString",
                    called: false
                }
            ]
        );
        let (_, parts) = segments("StorageCredentials::access_key");
        assert_eq!(parts.len(), 2);
        let (_, parts) = segments("new List<Dictionary<string, int>>");
        assert_eq!(parts[0].name, "List");
        let (_, parts) = segments("Az.Accounts\\Connect-AzAccount");
        assert_eq!(parts.last().map(|s| s.name), Some("Connect-AzAccount"));
        assert_eq!(segments("").1, Vec::new());
        assert_eq!(segments("…a.b").1.len(), 2);
    }
}
