//! The Python wheel (maturin, `bindings = "bin"`) and the `language: python` pre-commit hook
//! that installs it: `pre-commit try-repo` on `pre-commit-mirror/` with pip pointed at a wheel
//! built from this tree (`PIP_FIND_LINKS`), so no Rust toolchain runs at install time.
#![allow(clippy::print_stderr)]

use crate::precommit::{clean_worker_py, worker_key, worker_py};
use crate::workflow_common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};
use workflow_common::{
    assert_no_secret, clean_command, git, git_repo, repo_root, runs, stderr, stdout, temp_dir,
    tool_available, write,
};

const MIRROR: &str = "pre-commit-mirror";

fn cargo_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[test]
fn the_mirror_pins_this_version_of_the_wheel() {
    let mirror = std::fs::read_to_string(repo_root().join(MIRROR).join("pyproject.toml"))
        .unwrap_or_else(|error| panic!("{MIRROR}/pyproject.toml: {error}"));
    let pyproject: toml::Table = toml::from_str(&mirror).unwrap_or_else(|error| panic!("{error}"));
    let project = &pyproject["project"];
    assert_eq!(project["version"].as_str(), Some(cargo_version()));
    let dependencies: Vec<&str> = project["dependencies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_str)
        .collect();
    assert_eq!(
        dependencies,
        [format!("keyless=={}", cargo_version()).as_str()]
    );

    let root = std::fs::read_to_string(repo_root().join("pyproject.toml"))
        .unwrap_or_else(|error| panic!("pyproject.toml: {error}"));
    let root: toml::Table = toml::from_str(&root).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(root["project"]["name"].as_str(), Some("keyless"));
    assert_eq!(root["tool"]["maturin"]["bindings"].as_str(), Some("bin"));
    assert_eq!(
        root["build-system"]["build-backend"].as_str(),
        Some("maturin")
    );

    let hooks = std::fs::read_to_string(repo_root().join(MIRROR).join(".pre-commit-hooks.yaml"))
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(hooks.contains("- id: keyless\n"), "{hooks}");
    assert!(hooks.contains("language: python\n"), "{hooks}");
    let rust_hooks = std::fs::read_to_string(repo_root().join(".pre-commit-hooks.yaml"))
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(rust_hooks.contains("language: rust\n"), "{rust_hooks}");
}

/// Builds the wheel into `out` with the `dev` profile: the binary `cargo test` already built,
/// packaged (seconds), rather than a release build.
fn build_wheel(out: &Path) -> PathBuf {
    let started = Instant::now();
    let output = clean_command("python3", &repo_root())
        .args(["-m", "maturin", "build", "--profile", "dev", "--out"])
        .arg(out)
        .output()
        .unwrap_or_else(|error| panic!("cannot run maturin: {error}"));
    assert!(
        output.status.success(),
        "maturin build failed:\n{}",
        stderr(&output)
    );
    eprintln!(
        "timing: maturin build --profile dev took {:?}",
        started.elapsed()
    );
    let wheels: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap_or_else(|error| panic!("{error}"))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "{wheels:?}");
    let name = wheels[0]
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    assert!(
        name.starts_with(&format!("keyless-{}-py3-none-", cargo_version())),
        "{name}"
    );
    wheels[0].clone()
}

/// The mirror directory as a committed git repository, as it is published.
fn mirror_repository() -> tempfile::TempDir {
    let repo = git_repo();
    for name in [".pre-commit-hooks.yaml", "pyproject.toml", "README.md"] {
        let text = std::fs::read_to_string(repo_root().join(MIRROR).join(name))
            .unwrap_or_else(|error| panic!("{MIRROR}/{name}: {error}"));
        write(repo.path(), name, &text);
    }
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "mirror"]);
    repo
}

/// `pre-commit try-repo MIRROR keyless` in `project`, with pip finding the wheel in `wheels`
/// (before any other find-links the machine has).
fn try_repo(project: &Path, mirror: &Path, home: &Path, wheels: &Path) -> (Output, Duration) {
    let find_links = std::iter::once(wheels.to_string_lossy().into_owned())
        .chain(std::env::var("PIP_FIND_LINKS").ok())
        .collect::<Vec<_>>()
        .join(" ");
    let started = Instant::now();
    let output = clean_command("python3", project)
        .args(["-m", "pre_commit", "try-repo"])
        .arg(mirror)
        .args(["keyless", "--color", "never"])
        .env("PRE_COMMIT_HOME", home)
        .env("PIP_FIND_LINKS", find_links)
        .output()
        .unwrap_or_else(|error| panic!("cannot run pre-commit: {error}"));
    (output, started.elapsed())
}

#[test]
fn the_python_hook_installs_the_wheel_blocks_a_key_and_passes_a_clean_change() {
    let test = "wheel pre-commit try-repo test";
    if !tool_available(
        runs("python3", &["-m", "pre_commit", "--version"]),
        test,
        "pre-commit is not installed",
        "python3 -m pip install pre-commit",
    ) || !tool_available(
        runs("python3", &["-m", "maturin", "--version"]),
        test,
        "maturin is not installed",
        "python3 -m pip install maturin",
    ) {
        return;
    }
    let wheels = temp_dir();
    build_wheel(wheels.path());
    let mirror = mirror_repository();
    let home = temp_dir();

    let dirty = git_repo();
    write(dirty.path(), "src/worker.py", &worker_py());
    write(dirty.path(), "README.md", "# shop\n");
    git(dirty.path(), &["add", "."]);
    let (blocked, took) = try_repo(dirty.path(), mirror.path(), home.path(), wheels.path());
    // The first run creates the hook's environment: a virtualenv and `pip install` of the
    // wheel. The README quotes this number (212 s with the `language: rust` hook).
    eprintln!("timing: first run of the python hook, install included, took {took:?}");
    let said = format!("{}{}", stdout(&blocked), stderr(&blocked));
    assert!(!blocked.status.success(), "a staged key passed:\n{said}");
    assert!(said.contains("Installing environment"), "{said}");
    assert!(said.contains("Failed"), "{said}");
    assert!(said.contains("servicebus-connection-string"), "{said}");
    assert!(said.contains("src/worker.py"), "{said}");
    assert_no_secret(&said, &worker_key(), "pre-commit output");

    let clean = git_repo();
    write(clean.path(), "src/worker.py", &clean_worker_py());
    git(clean.path(), &["add", "."]);
    let (passed, took) = try_repo(clean.path(), mirror.path(), home.path(), wheels.path());
    // try-repo copies the hook repository anew each time, so this run installs again.
    eprintln!("timing: python hook on a clean change, install included, took {took:?}");
    let said = format!("{}{}", stdout(&passed), stderr(&passed));
    assert!(
        passed.status.success(),
        "a clean change was blocked:\n{said}"
    );
    assert!(said.contains("Passed"), "{said}");
}
