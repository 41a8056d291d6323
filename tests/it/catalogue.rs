//! The SDK catalogue (`rules/sdk/`) through the real pipeline: the call shapes real repositories
//! use, identity-based twins that must stay quiet, examples generated from every catalogue
//! family, and the generator's drift check.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use keyless::catalogue::{self, CredentialKind, MemberKind, PackageService, Param};
use keyless::parse::code::Language;

use crate::common;

/// Every language the catalogue covers.
const LANGUAGES: [Language; 7] = [
    Language::Csharp,
    Language::Python,
    Language::Javascript,
    Language::Java,
    Language::Go,
    Language::Powershell,
    Language::Rust,
];

/// (file, line, rule, service): every shape the issue lists, in `fixtures/catalogue`.
const SHAPES: &[(&str, usize, &str, &str)] = &[
    (
        "LegacyStorage.cs",
        8,
        "sdk-connection-string-client",
        "storage",
    ),
    ("LegacyStorage.cs", 9, "sdk-key-credential", "storage"),
    (
        "LegacyServiceBus.cs",
        8,
        "sdk-connection-string-client",
        "servicebus",
    ),
    (
        "LegacyServiceBus.cs",
        9,
        "sdk-connection-string-client",
        "servicebus",
    ),
    ("Device.cs", 7, "sdk-connection-string-client", "iothub"),
    ("Face.cs", 7, "sdk-key-credential", "cognitiveservices"),
    ("Login.cs", 7, "sdk-client-secret-credential", "entra"),
    ("Orders.cs", 5, "sdk-connection-string-client", "servicebus"),
    ("Documents.cs", 8, "sdk-key-credential", "cognitiveservices"),
    ("Documents.cs", 9, "sdk-key-credential", "cognitiveservices"),
    ("legacy_blob.py", 7, "sdk-key-credential", "storage"),
    (
        "legacy_blob.py",
        8,
        "sdk-connection-string-client",
        "iothub",
    ),
    ("legacy_blob.py", 9, "sdk-key-credential", "iothub"),
    (
        "legacy_blob.py",
        10,
        "sdk-key-credential",
        "cognitiveservices",
    ),
    ("legacy_blob.py", 11, "sdk-key-credential", "openai"),
    ("cognitive.js", 7, "sdk-key-credential", "cognitiveservices"),
    (
        "cognitive.js",
        8,
        "sdk-connection-string-client",
        "eventhubs",
    ),
    (
        "cognitive.js",
        9,
        "sdk-connection-string-client",
        "appconfig",
    ),
    (
        "cognitive.js",
        10,
        "sdk-connection-string-client",
        "webpubsub",
    ),
    ("cognitive.js", 11, "sdk-client-secret-credential", "entra"),
    // A module's default export, imported under a local name: the file need not say `default`.
    ("translate.ts", 3, "sdk-key-credential", "cognitiveservices"),
    (
        "device_alias.ts",
        3,
        "sdk-connection-string-client",
        "iothub",
    ),
    (
        "Sender.java",
        7,
        "sdk-connection-string-client",
        "servicebus",
    ),
    ("Sender.java", 8, "sdk-key-credential", "cognitiveservices"),
    ("vision.go", 9, "sdk-key-credential", "cognitiveservices"),
    ("vision.go", 10, "sdk-client-secret-credential", "entra"),
    ("cosmos.ps1", 1, "sdk-cosmos-key-client", "cosmos"),
    ("cosmos.ps1", 2, "sdk-connection-string-client", "storage"),
    ("storage.rs", 6, "sdk-key-credential", "storage"),
    ("storage.rs", 7, "sdk-key-credential", "storage"),
    ("storage.rs", 8, "sdk-connection-string-client", "storage"),
    ("storage.rs", 9, "sdk-cosmos-key-client", "cosmos"),
    // The long tail the second labelling pass found: a `subscription=` on its own line, msal4j's
    // ClientSecret, an app's own callback handed the secret, ADAL, a SAS URL with an anonymous
    // credential, an import's storage key and admin password on the lines that hold them, a
    // user sign-in despite a common parameter, and an app's own SAS helper.
    (
        "translation.py",
        6,
        "sdk-key-credential",
        "cognitiveservices",
    ),
    (
        "AuthCallback.java",
        5,
        "sdk-client-secret-credential",
        "entra",
    ),
    (
        "AuthCallback.java",
        10,
        "sdk-client-secret-credential",
        "entra",
    ),
    ("upload.js", 5, "sdk-client-secret-credential", "entra"),
    ("upload.js", 7, "sdk-key-credential", "storage"),
    ("import.ps1", 3, "sdk-key-credential", "storage"),
    ("import.ps1", 5, "sdk-password-credential", "sql"),
    ("import.ps1", 6, "sdk-password-credential", "entra"),
    ("SasHelper.cs", 8, "sdk-key-credential", "iothub"),
];

#[test]
fn every_listed_shape_is_found_with_its_service() {
    let report = common::scan_fixture("catalogue");
    let found: Vec<(String, usize, String, String)> = report
        .findings
        .iter()
        .map(|finding| {
            (
                finding.path.clone(),
                finding.start.line,
                finding.rule_id.clone(),
                finding.service.as_str().to_owned(),
            )
        })
        .collect();
    let mut missing = Vec::new();
    for (file, line, rule, service) in SHAPES {
        let hit = found
            .iter()
            .any(|(path, at, id, svc)| path == file && at == line && id == rule && svc == service);
        if !hit {
            missing.push(format!("{file}:{line} {rule} ({service})"));
        }
    }
    assert!(
        missing.is_empty(),
        "not found as expected:\n{}\nfound:\n{found:#?}",
        missing.join("\n")
    );
    // Nothing but the listed shapes (and nothing under identity/).
    let extra: Vec<_> = found
        .iter()
        .filter(|(path, at, id, _)| {
            !SHAPES
                .iter()
                .any(|(file, line, rule, _)| path == file && at == line && id == rule)
        })
        .collect();
    assert!(extra.is_empty(), "unexpected findings: {extra:#?}");
}

#[test]
fn legacy_libraries_name_their_replacement() {
    let report = common::scan_fixture("catalogue");
    let legacy = report
        .findings
        .iter()
        .find(|finding| finding.path == "LegacyStorage.cs" && finding.start.line == 8)
        .unwrap_or_else(|| panic!("no finding on CloudStorageAccount.Parse"));
    assert!(
        legacy.message.contains("WindowsAzure.Storage") && legacy.message.contains("retired"),
        "{}",
        legacy.message
    );
}

/// A value of the parameter's kind, written as the language writes it.
fn argument(language: Language, param: &Param, key: bool) -> String {
    let token = || match language {
        Language::Csharp | Language::Javascript | Language::Typescript => {
            "new DefaultAzureCredential()".to_owned()
        }
        Language::Java => "new DefaultAzureCredentialBuilder().build()".to_owned(),
        Language::Python => "DefaultAzureCredential()".to_owned(),
        Language::Go => "cred".to_owned(),
        Language::Rust => "credential".to_owned(),
        Language::Powershell => "$credential".to_owned(),
    };
    match param.kind {
        Some(kind) if key && kind.is_key() => match kind {
            CredentialKind::ConnectionString => "connectionString".to_owned(),
            CredentialKind::Sas => "sasToken".to_owned(),
            CredentialKind::Secret => "clientSecret".to_owned(),
            CredentialKind::Password => "userPassword".to_owned(),
            _ => "accountKey".to_owned(),
        },
        Some(CredentialKind::Token) if !key => token(),
        _ => match language {
            Language::Python => "None".to_owned(),
            Language::Go => "nil".to_owned(),
            Language::Rust => "Default::default()".to_owned(),
            Language::Powershell => "$value".to_owned(),
            Language::Java | Language::Javascript | Language::Typescript => "null".to_owned(),
            Language::Csharp => "default".to_owned(),
        },
    }
}

/// A file that imports `namespace` and calls `member` of `type_name` with arguments up to the
/// credential parameter at `target` (a key, or the token credential for `key == false`).
fn example(
    language: Language,
    entry: &catalogue::TypeEntry,
    member: &catalogue::Member,
    target: usize,
    key: bool,
) -> Option<(String, String)> {
    let (namespace, type_name, kind) = (entry.namespace.as_str(), entry.name.as_str(), member.kind);
    let (member, params) = (member.name.as_str(), member.params.as_slice());
    let take = params
        .iter()
        .enumerate()
        .filter(|(index, param)| *index <= target || (!param.optional && !param.variadic))
        .filter(|(_, param)| !param.variadic)
        .map(|(_, param)| param);
    let args: Vec<String> = take.clone().map(|p| argument(language, p, key)).collect();
    let joined = args.join(", ");
    Some(match language {
        Language::Csharp => {
            let call = match kind {
                MemberKind::Ctor => format!("new {type_name}({joined})"),
                MemberKind::Static => format!("{type_name}.{member}({joined})"),
                _ => return None,
            };
            (
                "Probe.cs".to_owned(),
                format!("using {namespace};\nclass Probe {{ void Run() {{ var x = {call}; }} }}\n"),
            )
        }
        Language::Java => {
            let call = match kind {
                MemberKind::Ctor => format!("new {type_name}({joined})"),
                MemberKind::Static => format!("{type_name}.{member}({joined})"),
                MemberKind::Method => format!("new {type_name}().{member}({joined})"),
                _ => return None,
            };
            (
                "Probe.java".to_owned(),
                format!(
                    "import {namespace}.{type_name};\nclass Probe {{ void run() {{ var x = {call}; }} }}\n"
                ),
            )
        }
        Language::Python => {
            // Python callers name the credential: keyword arguments from the target on.
            let args: Vec<String> = take
                .enumerate()
                .map(|(index, param)| {
                    let value = argument(language, param, key);
                    if index >= target {
                        format!("{}={value}", param.name)
                    } else {
                        value
                    }
                })
                .collect();
            let joined = args.join(", ");
            let call = match (kind, type_name) {
                (MemberKind::Ctor, _) => format!("{type_name}({joined})"),
                (MemberKind::Static, "-") => format!("{member}({joined})"),
                (MemberKind::Static, _) => format!("{type_name}.{member}({joined})"),
                _ => return None,
            };
            let imported = if type_name == "-" { member } else { type_name };
            (
                "probe.py".to_owned(),
                format!("from {namespace} import {imported}\nx = {call}\n"),
            )
        }
        Language::Javascript | Language::Typescript => {
            let (import, call) = match (kind, type_name) {
                // A REST client's default export, bound to a name of the caller's choosing.
                (MemberKind::Static, "-") if member == "default" => {
                    ("default: createClient", format!("createClient({joined})"))
                }
                (MemberKind::Static, "-") => (member, format!("{member}({joined})")),
                (MemberKind::Ctor, _) => (type_name, format!("new {type_name}({joined})")),
                (MemberKind::Static, _) => (type_name, format!("{type_name}.{member}({joined})")),
                _ => return None,
            };
            (
                "probe.js".to_owned(),
                format!("const {{ {import} }} = require(\"{namespace}\");\nconst x = {call};\n"),
            )
        }
        Language::Go => {
            if kind != MemberKind::Static || type_name != "-" {
                return None;
            }
            let imports = keyless::parse::code::imports::scan(
                Language::Go,
                &format!("import \"{namespace}\"\n"),
            );
            let alias = imports.modules.first()?.alias.clone()?;
            (
                "probe.go".to_owned(),
                format!(
                    "package main\n\nimport \"{namespace}\"\n\nfunc main() {{\n\tx, err := {alias}.{member}({joined})\n}}\n"
                ),
            )
        }
        Language::Rust => {
            if kind != MemberKind::Static {
                return None;
            }
            if type_name == "-" {
                return Some((
                    "probe.rs".to_owned(),
                    format!(
                        "use {namespace}::{member};\nfn main() {{ let x = {member}({joined}); }}\n"
                    ),
                ));
            }
            (
                "probe.rs".to_owned(),
                format!(
                    "use {namespace}::{type_name};\nfn main() {{ let x = {type_name}::{member}({joined}); }}\n"
                ),
            )
        }
        Language::Powershell => {
            if kind != MemberKind::Cmdlet {
                return None;
            }
            let args: Vec<String> = take
                .map(|param| {
                    if param.ty.eq_ignore_ascii_case("switch") {
                        format!("-{}", param.name)
                    } else {
                        format!("-{} {}", param.name, argument(language, param, key))
                    }
                })
                .collect();
            (
                "probe.ps1".to_owned(),
                format!("{member} {}\n", args.join(" ")),
            )
        }
    })
}

/// For every catalogue family (a language's package), calls generated from its own entries: at
/// least one key-based member is reported, and no call through a token-credential member is.
#[test]
fn every_catalogue_family_has_generated_positive_and_negative_examples() {
    let registry = common::registry();
    // (language, package) → (key examples, key examples reported).
    let mut families: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    let mut first_miss: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut loud_negatives = Vec::new();
    for language in LANGUAGES {
        let catalogue = catalogue::for_language(language);
        for entry in &catalogue.types {
            let Some(package) = catalogue.package_of(entry) else {
                continue;
            };
            // Credential-only packages (identity, core) are exercised through their clients.
            if package.service == PackageService::Identity && entry.name != "-" {
                continue;
            }
            let family = (format!("{language:?}"), package.name.clone());
            for member in &entry.members {
                let key_at = member.params.iter().position(|param| {
                    param.kind.is_some_and(CredentialKind::is_key) && !param.ty.contains('|')
                });
                let token_at = member
                    .params
                    .iter()
                    .position(|param| param.kind == Some(CredentialKind::Token));
                for (target, key) in [(key_at, true), (token_at, false)] {
                    let Some(target) = target else { continue };
                    let Some((file, text)) = example(language, entry, member, target, key) else {
                        continue;
                    };
                    let findings = keyless::scan_text(&registry, &file, &text);
                    let sdk: Vec<_> = findings
                        .iter()
                        .filter(|finding| finding.rule_id.starts_with("sdk-"))
                        .collect();
                    if key {
                        let slot = families.entry(family.clone()).or_default();
                        slot.0 += 1;
                        if sdk.is_empty() {
                            first_miss.entry(family.clone()).or_insert(text.clone());
                        } else {
                            slot.1 += 1;
                        }
                    } else if !sdk.is_empty() {
                        loud_negatives.push(format!("{file}:\n{text}=> {:?}", sdk[0].message));
                    }
                }
            }
        }
    }
    assert!(
        loud_negatives.is_empty(),
        "identity-based calls reported:\n{}",
        loud_negatives.join("\n")
    );
    let silent: Vec<_> = families
        .iter()
        .filter(|(_, (_, reported))| *reported == 0)
        .map(|(family, _)| (family, first_miss.get(family)))
        .collect();
    // A family none of whose key-taking members is found by a call made from its own signature
    // means the matcher cannot read that package at all.
    assert!(
        silent.is_empty(),
        "families with no generated positive found ({} of {}): {silent:#?}",
        silent.len(),
        families.len()
    );
}

/// `scripts/sdk_catalogue/generate.py --check`: the committed catalogue is what the generator
/// makes of the committed inputs. Needs Python 3 with PyYAML (`.ci/run` installs it): without it
/// the test is skipped locally and fails under CI.
#[test]
fn generator_and_catalogue_agree() {
    let root = common::repo_root();
    let script = root.join("scripts/sdk_catalogue/generate.py");
    let probe = Command::new("python3")
        .args(["-c", "import yaml"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !probe {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 with PyYAML is needed to check the SDK catalogue, and CI is set"
        );
        eprintln!("notice: generator_and_catalogue_agree skipped: python3 with PyYAML is missing");
        return;
    }
    let output = Command::new("python3")
        .arg(&script)
        .arg("--check")
        .arg("--root")
        .arg(Path::new(&root))
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", script.display()));
    assert!(
        output.status.success(),
        "the SDK catalogue is out of date or its inputs have problems:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The parse gate of the catalogue rules (`LanguageCatalogue::may_take_key_in`) must let through
/// every file where the catalogue resolves a key-based call: checked on every source fixture and
/// on a generated call to every key- or credential-taking member (the bench corpus too, when
/// `KEYLESS_GATE_CORPUS` names it).
#[test]
fn the_parse_gate_lets_through_every_file_with_a_key_based_call() {
    let mut texts: Vec<(Language, String, String)> = Vec::new();
    let mut roots = vec![common::repo_root().join("fixtures")];
    roots.extend(std::env::var_os("KEYLESS_GATE_CORPUS").map(std::path::PathBuf::from));
    for file in common::files_under(roots) {
        let path = file.to_string_lossy().into_owned();
        let Some(language) = Language::of_path(&path) else {
            continue;
        };
        if let Ok(text) = std::fs::read_to_string(&file) {
            texts.push((language, path, text));
        }
    }
    for language in LANGUAGES {
        let catalogue = catalogue::for_language(language);
        for entry in &catalogue.types {
            for member in &entry.members {
                for (target, param) in member.params.iter().enumerate() {
                    let takes_key = param
                        .kind
                        .is_some_and(|kind| kind.is_key() || kind == CredentialKind::Credential);
                    if let Some((file, text)) = takes_key
                        .then(|| example(language, entry, member, target, true))
                        .flatten()
                    {
                        texts.push((language, file, text));
                    }
                    // A cmdlet's key can also come by position (the gate counts arguments).
                    if takes_key && member.kind == MemberKind::Cmdlet {
                        let positional: Vec<String> = member.params[..=target]
                            .iter()
                            .map(|param| argument(language, param, true))
                            .collect();
                        for layout in [" ", " `\n  ", "  `\r\n"] {
                            let text = format!(
                                "{} -WarningAction Continue {}\n",
                                member.name,
                                positional.join(layout)
                            );
                            texts.push((language, "probe.ps1".to_owned(), text));
                        }
                    }
                }
            }
        }
    }
    let mut resolved = 0;
    let mut shut_out = Vec::new();
    for (language, path, text) in &texts {
        let catalogue = catalogue::for_language(*language);
        let view = keyless::parse::code::parse(*language, text);
        let imports = keyless::parse::code::imports::scan(*language, text);
        let (hits, _) = catalogue::resolve(catalogue, *language, &view, &imports, text);
        if hits.is_empty() {
            continue;
        }
        resolved += 1;
        if !catalogue.may_take_key_in(text) {
            shut_out.push(path.clone());
        }
    }
    assert!(
        resolved > 1000,
        "only {resolved} texts with a key-based call"
    );
    assert!(
        shut_out.is_empty(),
        "gate shuts out key-based calls in: {shut_out:#?}"
    );
}
