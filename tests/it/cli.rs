//! The binary's contracts: exit codes, output formats (snapshots), the JSON shape, SARIF that
//! validates, determinism across thread counts, and no secret in any output.

use crate::common;

use common::{fixture, json_of, keyless, repo_root};
use std::path::Path;

fn demo() -> std::path::PathBuf {
    fixture("demo-app")
}

fn stdout_of(args: &[&str]) -> String {
    let output = keyless(&demo(), args);
    String::from_utf8(output.stdout).unwrap_or_else(|error| panic!("stdout is not UTF-8: {error}"))
}

#[test]
fn exit_codes_follow_the_contract() {
    let clean = keyless(&fixture("demo-app-clean"), &["scan", "."]);
    assert_eq!(
        clean.status.code(),
        Some(0),
        "clean tree: {}",
        String::from_utf8_lossy(&clean.stderr)
    );
    let dirty = keyless(&demo(), &["scan", "."]);
    assert_eq!(dirty.status.code(), Some(1));
    let bad_flag = keyless(&demo(), &["scan", "--no-such-flag"]);
    assert_eq!(bad_flag.status.code(), Some(2));
    let missing = keyless(&demo(), &["scan", "does/not/exist"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .contains("does/not/exist: no such file or directory")
    );
    let bad_format = keyless(&demo(), &["scan", "--format", "xml", "."]);
    assert_eq!(bad_format.status.code(), Some(2));
}

#[test]
fn fail_level_decides_the_exit_code() {
    // The planted credentials are errors, so failing on notes or errors still fails ...
    assert_eq!(
        keyless(&demo(), &["scan", "--fail-level", "error"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        keyless(&demo(), &["scan", "--fail-level", "note"])
            .status
            .code(),
        Some(1)
    );
    // ... and the identity-based twin passes at warning; what it may still have is advice
    // (notes), which only `--fail-level note` fails on.
    let clean = json_of(&keyless(
        &fixture("demo-app-clean"),
        &["scan", "--format", "json"],
    ));
    assert_eq!(clean["summary"]["errors"], 0);
    assert_eq!(clean["summary"]["warnings"], 0);
    let notes = clean["summary"]["notes"].as_u64().unwrap_or_default();
    for (level, code) in [("warning", 0), ("error", 0), ("note", i32::from(notes > 0))] {
        assert_eq!(
            keyless(&fixture("demo-app-clean"), &["scan", "--fail-level", level])
                .status
                .code(),
            Some(code),
            "demo-app-clean at --fail-level {level}"
        );
    }
}

#[test]
fn summary_line_goes_to_stderr_and_quiet_silences_it() {
    let output = keyless(&demo(), &["scan", "--format", "json"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("keyless: 10 files"), "summary: {stderr}");
    assert!(
        stderr.contains("22 errors, 0 warnings, "),
        "summary: {stderr}"
    );
    let quiet = keyless(&demo(), &["scan", "--quiet", "--format", "json"]);
    assert!(
        quiet.stderr.is_empty(),
        "quiet run printed: {}",
        String::from_utf8_lossy(&quiet.stderr)
    );
}

#[test]
fn json_matches_the_contract() {
    let output = keyless(&demo(), &["scan", "--format", "json"]);
    let document = json_of(&output);
    let findings = document["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array"));
    // 22 planted credentials (errors), plus any advice notes the rules add.
    assert!(findings.len() >= 22, "{}", findings.len());
    for finding in findings {
        for field in ["rule_id", "level", "path", "service", "message"] {
            assert!(finding[field].is_string(), "{field} missing in {finding}");
        }
        for field in ["line", "column", "end_line", "end_column"] {
            assert!(
                finding[field].as_u64().is_some_and(|value| value >= 1),
                "{field} not 1-based in {finding}"
            );
        }
        assert!(
            ["error", "warning", "note"].contains(&finding["level"].as_str().unwrap_or_default())
        );
        assert!(
            !finding["path"]
                .as_str()
                .unwrap_or_default()
                .starts_with('/'),
            "path is not relative"
        );
        let remediation = &finding["remediation"];
        assert!(
            remediation["summary"]
                .as_str()
                .is_some_and(|summary| summary.len() > 20)
        );
        let roles = remediation["roles"]
            .as_array()
            .unwrap_or_else(|| panic!("no roles in {finding}"));
        for role in roles {
            assert!(
                role["name"].is_string() && role["id"].is_string(),
                "role shape in {finding}"
            );
        }
    }
    let summary = &document["summary"];
    assert_eq!(summary["errors"], 22);
    assert_eq!(summary["files_scanned"], 10);
}

#[test]
fn json_output_is_identical_across_thread_counts() {
    let single = stdout_of(&["scan", "--format", "json", "--threads", "1"]);
    let many = stdout_of(&["scan", "--format", "json", "--threads", "4"]);
    assert_eq!(single, many);
    assert_eq!(
        stdout_of(&["scan", "--format", "sarif", "-j", "1"]),
        stdout_of(&["scan", "--format", "sarif", "-j", "3"])
    );
}

fn redact_versions(text: &str) -> String {
    text.replace(env!("CARGO_PKG_VERSION"), "[version]")
}

#[test]
fn human_output_snapshot() {
    let output = keyless(&demo(), &["scan", "src", ".env"]);
    insta::assert_snapshot!("human_demo_app", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn json_output_snapshot() {
    insta::assert_snapshot!(
        "json_demo_app",
        redact_versions(&stdout_of(&["scan", "--format", "json"]))
    );
}

#[test]
fn sarif_output_snapshot() {
    let sarif = stdout_of(&["scan", "--format", "sarif"]);
    let root_uri = serde_json::from_str::<serde_json::Value>(&sarif)
        .ok()
        .and_then(|log| {
            log["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"]
                .as_str()
                .map(str::to_owned)
        });
    let root_uri = root_uri.unwrap_or_else(|| panic!("no SRCROOT in SARIF"));
    assert!(
        root_uri.starts_with("file:///") && root_uri.ends_with("/fixtures/demo-app/"),
        "{root_uri}"
    );
    insta::assert_snapshot!(
        "sarif_demo_app",
        redact_versions(&sarif.replace(&root_uri, "file:///[root]/"))
    );
}

#[test]
fn sarif_validates_against_the_schema() {
    let Some(shared) = common::shared_dir("sarif_validates_against_the_schema") else {
        return;
    };
    let has_jsonschema = std::process::Command::new("python3")
        .args(["-c", "import jsonschema"])
        .status()
        .is_ok_and(|status| status.success());
    if !has_jsonschema {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install jsonschema (.ci/run does)"
        );
        eprintln!("notice: SARIF schema check skipped: python3 has no jsonschema");
        return;
    }
    let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    for (name, root) in [
        ("demo.sarif", demo()),
        ("clean.sarif", fixture("demo-app-clean")),
    ] {
        let path = directory.path().join(name);
        let path_text = path.to_string_lossy().into_owned();
        keyless(
            &root,
            &["scan", "--format", "sarif", "--output", &path_text],
        );
        let validation = std::process::Command::new("python3")
            .arg(shared.join("sarif").join("validate.py"))
            .arg("--github")
            .arg(&path)
            .output()
            .unwrap_or_else(|error| panic!("cannot run validate.py: {error}"));
        assert!(
            validation.status.success(),
            "{name} does not validate:\n{}{}",
            String::from_utf8_lossy(&validation.stdout),
            String::from_utf8_lossy(&validation.stderr)
        );
    }
}

#[test]
fn no_output_format_carries_a_full_secret() {
    let secrets = common::planted_secrets();
    assert!(secrets.len() >= 22, "{}", secrets.len());
    let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let mut outputs = Vec::new();
    for format in ["human", "json", "sarif", "github"] {
        let output = keyless(&demo(), &["scan", "--format", format]);
        outputs.push((
            format.to_owned(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        ));
        outputs.push((
            format!("{format} stderr"),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ));
        let file = directory.path().join(format!("out.{format}"));
        let file_text = file.to_string_lossy().into_owned();
        keyless(
            &demo(),
            &["scan", "--format", format, "--output", &file_text],
        );
        outputs.push((
            format!("{format} file"),
            std::fs::read_to_string(&file).unwrap_or_default(),
        ));
    }
    for secret in &secrets {
        // No 12-character stretch of a secret may appear: masks show at most 4 characters.
        let chars: Vec<char> = secret.chars().collect();
        for window in chars.windows(12) {
            let piece: String = window.iter().collect();
            for (name, text) in &outputs {
                assert!(
                    !text.contains(&piece),
                    "{name} output carries part of a secret: {piece}"
                );
            }
        }
    }
}

#[test]
fn output_file_receives_the_report() {
    let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let path = directory.path().join("report.json");
    let path_text = path.to_string_lossy().into_owned();
    let output = keyless(
        &demo(),
        &["scan", "--format", "json", "--output", &path_text],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let written = std::fs::read(&path).unwrap_or_else(|error| panic!("{error}"));
    let document: serde_json::Value =
        serde_json::from_slice(&written).unwrap_or_else(|error| panic!("{error}"));
    let printed = json_of(&keyless(&demo(), &["scan", "--format", "json"]));
    assert_eq!(
        document["findings"].as_array().map(Vec::len),
        printed["findings"].as_array().map(Vec::len)
    );
}

#[test]
fn explicit_files_are_scanned_even_when_ignored() {
    // The repository's .keylessignore ignores /fixtures/; a file named on the command line is
    // scanned anyway, and paths of explicit files are shown as given.
    let output = keyless(
        &repo_root(),
        &["scan", "--format", "json", "fixtures/demo-app/.env"],
    );
    let document = json_of(&output);
    let paths: Vec<&str> = document["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(paths, vec!["fixtures/demo-app/.env"; 3]);
}

#[test]
fn exclude_globs_skip_files_and_directories() {
    let document = json_of(&keyless(
        &demo(),
        &[
            "scan",
            "--format",
            "json",
            "--exclude",
            "src",
            "--exclude",
            "*.json",
        ],
    ));
    let paths: Vec<&str> = document["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(!paths.is_empty());
    assert!(
        paths
            .iter()
            .all(|path| !path.starts_with("src/") && !path.ends_with(".json")),
        "{paths:?}"
    );
}

#[test]
fn rules_lists_every_rule() {
    let output = keyless(Path::new(env!("CARGO_MANIFEST_DIR")), &["rules"]);
    let text = String::from_utf8_lossy(&output.stdout);
    for rule in common::registry().rules() {
        assert!(
            text.contains(&rule.spec.id),
            "{} missing from `keyless rules`",
            rule.spec.id
        );
    }
}

fn sarif_of(dir: &Path) -> serde_json::Value {
    let output = keyless(dir, &["scan", "--format", "sarif", "."]);
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("SARIF: {error}"))
}

fn validate_github(shared: &Path, path: &Path) {
    let validation = std::process::Command::new("python3")
        .arg(shared.join("sarif").join("validate.py"))
        .arg("--github")
        .arg(path)
        .output()
        .unwrap_or_else(|error| panic!("cannot run validate.py: {error}"));
    assert!(
        validation.status.success(),
        "{} does not validate:\n{}{}",
        path.display(),
        String::from_utf8_lossy(&validation.stdout),
        String::from_utf8_lossy(&validation.stderr)
    );
}

#[test]
fn sarif_carries_what_code_scanning_reads() {
    let log = sarif_of(&demo());
    let runs = log["runs"].as_array().cloned().unwrap_or_default();
    assert_eq!(runs.len(), 1, "one run");
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert!(
        driver["fullName"]
            .as_str()
            .is_some_and(|name| name.contains("keyless"))
    );
    assert_eq!(run["automationDetails"]["id"], "keyless/");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    for rule in driver["rules"].as_array().into_iter().flatten() {
        let properties = &rule["properties"];
        let severity: f64 = properties["security-severity"]
            .as_str()
            .and_then(|text| text.parse().ok())
            .unwrap_or_else(|| panic!("no security-severity in {}", rule["id"]));
        assert!(severity > 0.0 && severity <= 10.0);
        assert!(properties["precision"].is_string());
        let tags: Vec<&str> = properties["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|tag| tag.as_str())
            .collect();
        assert!(tags.contains(&"security") && tags.contains(&"external/cwe/cwe-798"));
        let markdown = rule["help"]["markdown"].as_str().unwrap_or_default();
        assert!(
            markdown.contains("1. ") && markdown.contains("Rotate the exposed key"),
            "{} help lacks the managed-identity steps",
            rule["id"]
        );
    }
    for result in run["results"].as_array().into_iter().flatten() {
        let location = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(location["uriBaseId"], "SRCROOT");
        assert!(!location["uri"].as_str().unwrap_or("/").starts_with('/'));
        assert!(result["partialFingerprints"]["primaryLocationLineHash"].is_string());
    }
}

#[test]
fn primary_location_line_hash_survives_inserted_lines() {
    let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let original = std::fs::read_to_string(demo().join("appsettings.json"))
        .unwrap_or_else(|error| panic!("{error}"));
    std::fs::write(directory.path().join("appsettings.json"), &original)
        .unwrap_or_else(|error| panic!("{error}"));
    let hashes = |log: &serde_json::Value| -> Vec<(String, u64)> {
        log["runs"][0]["results"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|result| {
                (
                    result["partialFingerprints"]["primaryLocationLineHash"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    result["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap_or_default(),
                )
            })
            .collect()
    };
    let before = hashes(&sarif_of(directory.path()));
    assert!(before.len() >= 3, "{before:?}");
    let moved = format!("{}\n{}", "\n".repeat(6), original);
    std::fs::write(directory.path().join("appsettings.json"), moved)
        .unwrap_or_else(|error| panic!("{error}"));
    let after = hashes(&sarif_of(directory.path()));
    assert_eq!(before.len(), after.len());
    for ((hash_before, line_before), (hash_after, line_after)) in before.iter().zip(&after) {
        assert_eq!(
            hash_before, hash_after,
            "the alert must follow the moved secret"
        );
        assert_eq!(line_before + 7, *line_after);
    }
    let Some(shared) = common::shared_dir("primary_location_line_hash_survives_inserted_lines")
    else {
        return;
    };
    let path = directory.path().join("moved.sarif");
    let path_text = path.to_string_lossy().into_owned();
    keyless(
        directory.path(),
        &[
            "scan",
            "--format",
            "sarif",
            "--output",
            &path_text,
            "appsettings.json",
        ],
    );
    if std::process::Command::new("python3")
        .args(["-c", "import jsonschema"])
        .status()
        .is_ok_and(|status| status.success())
    {
        validate_github(&shared, &path);
    }
}

#[test]
fn github_annotations_follow_the_workflow_command_syntax() {
    let output = keyless(&demo(), &["scan", "--format", "github"]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    let document = json_of(&keyless(&demo(), &["scan", "--format", "json"]));
    let count = |key: &str| document["summary"][key].as_u64().unwrap_or_default() as usize;
    assert_eq!(
        lines.len(),
        count("findings"),
        "one annotation per finding:\n{text}"
    );
    let starting = |prefix: &str| lines.iter().filter(|line| line.starts_with(prefix)).count();
    assert_eq!(starting("::error file="), count("errors"));
    assert_eq!(
        starting("::notice file="),
        count("notes"),
        "notes are notices"
    );
    for line in &lines {
        let (properties, message) = line
            .trim_start_matches("::error ")
            .trim_start_matches("::notice ")
            .split_once("::")
            .unwrap_or_else(|| panic!("no message in {line}"));
        let keys: Vec<&str> = properties
            .split(',')
            .filter_map(|pair| pair.split_once('=').map(|(key, _)| key))
            .collect();
        assert_eq!(
            keys,
            vec!["file", "line", "col", "endLine", "endColumn", "title"],
            "{line}"
        );
        assert!(!message.contains('\n') && message.contains("keyless explain"));
    }
    assert!(text.contains("::error file=src/index.js,line=5,"), "{text}");
}

#[test]
fn azure_output_snapshot() {
    let azure = stdout_of(&["scan", "--format", "azure"]);
    for line in azure.lines() {
        assert!(
            line.starts_with("##vso[task.logissue type=error;sourcepath=")
                || line.starts_with("##vso[task.logissue type=warning;sourcepath="),
            "{line}"
        );
        assert!(
            line.contains(";linenumber=") && line.contains(";code="),
            "{line}"
        );
    }
    insta::assert_snapshot!("azure_demo_app", azure);
}
