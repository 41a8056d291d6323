//! `keyless scan --history`: small repositories built with the `git` CLI in temp dirs, with the
//! fake storage key of `fixtures/demo-app` (and variants of it) committed, moved, removed,
//! branched, merged, packed, left loose, cloned shallow and corrupted.

use crate::workflow_common;

use serde_json::Value;
use std::path::Path;
use workflow_common::{assert_no_secret, git, git_repo, json, keyless, stderr, stdout, write};

/// The demo app's fake storage key with its first characters replaced: a distinct fake key per
/// `variant`.
fn key(variant: usize) -> String {
    let base = workflow_common::storage_key();
    let prefix = format!("Hx{variant:02}");
    format!("{prefix}{}", base.get(prefix.len()..).unwrap_or_default())
}

/// A connection string file holding `key(variant)`.
fn settings(variant: usize) -> String {
    format!(
        "STORAGE=DefaultEndpointsProtocol=https;AccountName=histfake{variant};AccountKey={};EndpointSuffix=core.windows.net\n",
        key(variant)
    )
}

/// Commits everything in the work tree and returns the new commit's id.
fn commit(dir: &Path, message: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
    head(dir)
}

fn head(dir: &Path) -> String {
    String::from_utf8_lossy(&git(dir, &["rev-parse", "HEAD"]).stdout)
        .trim()
        .to_owned()
}

/// A repository on branch `main`.
fn repo() -> tempfile::TempDir {
    let repo = git_repo();
    git(repo.path(), &["checkout", "-q", "-b", "main"]);
    repo
}

/// `keyless scan --history --format json` plus `extra` in `dir`.
fn scan(dir: &Path, extra: &[&str]) -> (Option<i32>, Value, String) {
    let mut args = vec!["scan", "--history", "--format", "json"];
    args.extend_from_slice(extra);
    let output = keyless(dir, &args);
    let text = stdout(&output);
    for variant in 0..8 {
        assert_no_secret(&text, &key(variant), "history JSON");
    }
    (output.status.code(), json(&output), stderr(&output))
}

/// The findings as (path, commit id, present at HEAD, fingerprint).
fn found(report: &Value) -> Vec<(String, String, bool)> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|finding| {
            (
                finding["path"].as_str().unwrap_or_default().to_owned(),
                finding["commit"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                finding["commit"]["present_at_head"]
                    .as_bool()
                    .unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn a_removed_key_is_found_at_the_commit_that_added_it() {
    let repo = repo();
    let dir = repo.path();
    write(dir, "README.md", "# demo\n");
    commit(dir, "start");
    write(dir, "config/app.env", &settings(1));
    let added = commit(dir, "add storage settings");
    std::fs::remove_file(dir.join("config/app.env")).unwrap_or_else(|error| panic!("{error}"));
    commit(dir, "remove the key");
    let (code, report, errors) = scan(dir, &[]);
    assert_eq!(code, Some(1), "{errors}");
    assert_eq!(
        found(&report),
        [("config/app.env".to_owned(), added.clone(), false)]
    );
    let first = &report["findings"][0];
    assert_eq!(first["rule_id"], "storage-account-key");
    assert_eq!(first["commit"]["summary"], "add storage settings");
    assert_eq!(first["commit"]["author"], "keyless test");
    assert_eq!(first["commit"]["email"], "test@example.invalid");
    assert!(
        first["commit"]["date"]
            .as_str()
            .is_some_and(|date| date.len() >= 20 && date.contains('T')),
        "{}",
        first["commit"]
    );
    // Every field of a tree finding is still there.
    for field in [
        "line",
        "column",
        "end_line",
        "fingerprint",
        "secret",
        "remediation",
    ] {
        assert!(!first[field].is_null(), "{field} missing: {first}");
    }
    let human = keyless(dir, &["scan", "--history"]);
    let text = stdout(&human);
    assert!(text.contains("removed"), "{text}");
    assert!(text.contains(added.get(..12).unwrap_or_default()), "{text}");
    assert!(!text.contains("present at HEAD"), "{text}");
    assert_no_secret(&text, &key(1), "human history output");
}

#[test]
fn a_key_still_in_the_tree_is_present_at_head() {
    let repo = repo();
    let dir = repo.path();
    write(dir, "app.env", &settings(2));
    let added = commit(dir, "add key");
    write(dir, "other.txt", "unrelated\n");
    commit(dir, "more");
    let (code, report, _) = scan(dir, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(found(&report), [("app.env".to_owned(), added, true)]);
    let human = stdout(&keyless(dir, &["scan", "--history"]));
    assert!(human.contains("present at HEAD"), "{human}");
}

#[test]
fn a_key_renamed_and_copied_across_files_is_found_once_at_its_first_commit() {
    let repo = repo();
    let dir = repo.path();
    write(dir, "old.env", &settings(3));
    let added = commit(dir, "add");
    git(dir, &["mv", "old.env", "renamed.env"]);
    commit(dir, "rename");
    // The same key in a file with other content: another blob, the same secret.
    write(dir, "src/app.env", &format!("# copied\n{}", settings(3)));
    commit(dir, "copy");
    let (code, report, _) = scan(dir, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(found(&report), [("old.env".to_owned(), added, true)]);
    assert_eq!(
        report["findings"][0]["commit"]["other_paths"],
        serde_json::json!(["src/app.env"])
    );
}

#[test]
fn keys_on_a_side_branch_and_through_a_merge_are_found_once_at_their_own_commits() {
    let repo = repo();
    let dir = repo.path();
    write(dir, "README.md", "# demo\n");
    commit(dir, "start");
    git(dir, &["checkout", "-q", "-b", "feature"]);
    write(dir, "feature.env", &settings(4));
    let on_feature = commit(dir, "feature key");
    git(dir, &["checkout", "-q", "-b", "abandoned", "main"]);
    write(dir, "abandoned.env", &settings(5));
    let abandoned = commit(dir, "abandoned key");
    git(dir, &["checkout", "-q", "main"]);
    write(dir, "main.txt", "main moves on\n");
    commit(dir, "main work");
    git(
        dir,
        &["merge", "-q", "--no-ff", "-m", "merge feature", "feature"],
    );
    let (code, report, _) = scan(dir, &[]);
    assert_eq!(code, Some(1));
    let mut all = found(&report);
    all.sort();
    assert_eq!(
        all,
        [
            ("abandoned.env".to_owned(), abandoned.clone(), false),
            ("feature.env".to_owned(), on_feature.clone(), true),
        ]
    );
    // --branch limits the tips: main has the merged key only.
    let (_, report, _) = scan(dir, &["--branch", "main"]);
    assert_eq!(
        found(&report),
        [("feature.env".to_owned(), on_feature, true)]
    );
    let (_, report, _) = scan(dir, &["--branch", "abandoned"]);
    assert_eq!(
        found(&report),
        [("abandoned.env".to_owned(), abandoned, false)]
    );
}

#[test]
fn since_reads_only_what_the_base_lacks() {
    let repo = repo();
    let dir = repo.path();
    write(dir, "base.env", &settings(1));
    commit(dir, "base key");
    git(dir, &["checkout", "-q", "-b", "pull-request"]);
    write(dir, "pr.env", &settings(2));
    let pr_commit = commit(dir, "pr key");
    let (code, report, errors) = scan(dir, &["--since", "main"]);
    assert_eq!(code, Some(1), "{errors}");
    assert_eq!(
        found(&report),
        [("pr.env".to_owned(), pr_commit.clone(), true)]
    );
    // Only the pull request's blob was read.
    assert_eq!(
        report["summary"]["files_scanned"], 1,
        "{}",
        report["summary"]
    );
    // An abbreviated commit id works as well as a branch name.
    let base = String::from_utf8_lossy(&git(dir, &["rev-parse", "main"]).stdout)
        .trim()
        .to_owned();
    let (_, report, _) = scan(dir, &["--since", base.get(..10).unwrap_or_default()]);
    assert_eq!(found(&report), [("pr.env".to_owned(), pr_commit, true)]);
    let output = keyless(dir, &["scan", "--history", "--since", "no-such-branch"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("unknown revision `no-such-branch`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn packed_and_loose_objects_are_both_read() {
    let repo = repo();
    let dir = repo.path();
    write(dir, "packed.env", &settings(1));
    let packed = commit(dir, "packed key");
    git(dir, &["gc", "-q", "--aggressive", "--prune=now"]);
    write(dir, "loose.env", &settings(2));
    let loose = commit(dir, "loose key");
    let packs = std::fs::read_dir(dir.join(".git/objects/pack"))
        .map(|entries| entries.flatten().count())
        .unwrap_or_default();
    assert!(packs > 0, "git gc wrote no pack");
    let blob = String::from_utf8_lossy(&git(dir, &["rev-parse", "HEAD:loose.env"]).stdout)
        .trim()
        .to_owned();
    let (folder, file) = blob.split_at(2);
    assert!(
        dir.join(".git/objects").join(folder).join(file).is_file(),
        "the second blob is not loose"
    );
    let (code, report, _) = scan(dir, &[]);
    assert_eq!(code, Some(1));
    let mut all = found(&report);
    all.sort();
    assert_eq!(
        all,
        [
            ("loose.env".to_owned(), loose, true),
            ("packed.env".to_owned(), packed, true),
        ]
    );
}

#[test]
fn a_shallow_clone_attributes_older_keys_to_its_boundary_commit() {
    let origin = repo();
    let source = origin.path();
    write(source, "first.env", &settings(1));
    commit(source, "first key");
    write(source, "note.txt", "between\n");
    let boundary = commit(source, "between");
    write(source, "second.env", &settings(2));
    let last = commit(source, "second key");
    let clones = workflow_common::temp_dir();
    let url = format!("file://{}", source.display());
    git(
        clones.path(),
        &[
            "clone", "-q", "--depth", "2", "--branch", "main", &url, "shallow",
        ],
    );
    let dir = clones.path().join("shallow");
    assert!(
        dir.join(".git/shallow").is_file(),
        "the clone is not shallow"
    );
    let (code, report, errors) = scan(&dir, &[]);
    assert_eq!(code, Some(1), "{errors}");
    assert!(!errors.contains("keyless: warning"), "{errors}");
    let mut all = found(&report);
    all.sort();
    assert_eq!(
        all,
        [
            ("first.env".to_owned(), boundary, true),
            ("second.env".to_owned(), last, true),
        ]
    );
}

#[test]
fn baselined_at_head_is_baselined_in_history_and_inline_markers_apply() {
    let repo = repo();
    let dir = repo.path();
    write(dir, "old/settings.env", &settings(1));
    commit(dir, "key in an old place");
    std::fs::remove_file(dir.join("old/settings.env")).unwrap_or_else(|error| panic!("{error}"));
    write(
        dir,
        "new/settings.env",
        &format!("# moved\n{}", settings(1)),
    );
    write(
        dir,
        "ignored.env",
        &format!("{} # keyless:ignore\n", settings(2).trim_end()),
    );
    commit(dir, "moved, and a suppressed key");
    let baseline = dir.join("baseline.json");
    let baseline_arg = baseline.to_string_lossy().into_owned();
    let written = keyless(
        dir,
        &["scan", "new", "--write-baseline", &baseline_arg, "-q"],
    );
    assert_eq!(written.status.code(), Some(0), "{}", stderr(&written));
    let (code, report, errors) = scan(dir, &[]);
    assert_eq!(code, Some(1), "{errors}");
    assert_eq!(found(&report).len(), 1, "{report}");
    assert_eq!(report["summary"]["dropped"]["inline"], 1);
    let (code, report, errors) = scan(dir, &["--baseline", &baseline_arg]);
    assert_eq!(code, Some(0), "{errors}");
    assert!(found(&report).is_empty(), "{report}");
    assert_eq!(report["summary"]["dropped"]["baselined"], 1);
}

#[test]
fn sarif_carries_the_commit_and_the_repository_and_validates() {
    let Some(shared) = crate::common::shared_dir("history sarif") else {
        return;
    };
    let repo = repo();
    let dir = repo.path();
    write(dir, "app.env", &settings(1));
    let added = commit(dir, "add");
    let sarif = dir.join("out.sarif");
    let output = keyless(
        dir,
        &[
            "scan",
            "--history",
            "--format",
            "sarif",
            "--output",
            &sarif.to_string_lossy(),
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = std::fs::read_to_string(&sarif).unwrap_or_else(|error| panic!("{error}"));
    assert_no_secret(&text, &key(1), "history SARIF");
    let log: Value = serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}"));
    let run = &log["runs"][0];
    assert_eq!(
        run["versionControlProvenance"][0]["revisionId"],
        added.as_str()
    );
    assert_eq!(run["versionControlProvenance"][0]["branch"], "main");
    let properties = &run["results"][0]["properties"];
    assert_eq!(properties["commit"]["id"], added.as_str());
    assert_eq!(properties["presentAtHead"], true);
    let validated = std::process::Command::new("python3")
        .arg(shared.join("sarif/validate.py"))
        .arg("--github")
        .arg(&sarif)
        .output()
        .unwrap_or_else(|error| panic!("cannot run python3: {error}"));
    assert!(
        validated.status.success(),
        "{}{}",
        stdout(&validated),
        stderr(&validated)
    );
}

#[test]
fn a_path_outside_any_repository_exits_2() {
    let dir = workflow_common::temp_dir();
    let output = keyless(dir.path(), &["scan", "--history"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("not a git repository"),
        "{}",
        stderr(&output)
    );
    let output = keyless(dir.path(), &["scan", "--history", "a", "b"]);
    assert_eq!(output.status.code(), Some(2));
    let output = keyless(dir.path(), &["scan", "--history", "--staged"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn large_and_binary_blobs_are_skipped() {
    let repo = repo();
    let dir = repo.path();
    write(dir, "small.env", &settings(1));
    write(
        dir,
        "big.env",
        &format!("{}{}", settings(2), "# padding\n".repeat(200)),
    );
    let mut binary = vec![0u8; 64];
    binary.extend_from_slice(settings(3).as_bytes());
    std::fs::write(dir.join("image.bin"), binary).unwrap_or_else(|error| panic!("{error}"));
    commit(dir, "files");
    let (code, report, errors) = scan(dir, &["--max-file-size", "1K"]);
    assert_eq!(code, Some(1), "{errors}");
    let paths: Vec<String> = found(&report)
        .into_iter()
        .map(|(path, _, _)| path)
        .collect();
    assert_eq!(paths, ["small.env"]);
    assert_eq!(report["summary"]["skipped_large"], 1);
    assert_eq!(report["summary"]["skipped_binary"], 1);
    assert!(errors.contains("big.env"), "{errors}");
}

/// Every object file of the repository's database, loose and packed.
fn object_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.join(".git/objects")];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn a_corrupt_loose_object_is_named_and_the_scan_goes_on() {
    let repo = repo();
    let dir = repo.path();
    write(dir, "a.env", &settings(1));
    write(dir, "b.env", &settings(2));
    commit(dir, "two keys");
    let blob = String::from_utf8_lossy(&git(dir, &["rev-parse", "HEAD:a.env"]).stdout)
        .trim()
        .to_owned();
    let (folder, file) = blob.split_at(2);
    let path = dir.join(".git/objects").join(folder).join(file);
    let mut permissions = std::fs::metadata(&path)
        .unwrap_or_else(|error| panic!("{error}"))
        .permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&path, permissions).unwrap_or_else(|error| panic!("{error}"));
    std::fs::write(&path, b"not zlib at all").unwrap_or_else(|error| panic!("{error}"));
    let (code, report, errors) = scan(dir, &[]);
    assert_eq!(code, Some(1), "{errors}");
    let paths: Vec<String> = found(&report)
        .into_iter()
        .map(|(path, _, _)| path)
        .collect();
    assert_eq!(paths, ["b.env"]);
    assert!(
        errors.contains(&blob),
        "the diagnostic names the object: {errors}"
    );
    assert_eq!(report["summary"]["unreadable"], 1);
}

#[test]
fn a_truncated_or_damaged_pack_gives_diagnostics_never_a_crash() {
    let repo = repo();
    let dir = repo.path();
    for variant in 0..6 {
        write(
            dir,
            &format!("dir{variant}/settings.env"),
            &format!(
                "{}{}",
                settings(variant),
                "# filler line\n".repeat(variant * 40)
            ),
        );
        commit(dir, &format!("key {variant}"));
    }
    git(dir, &["gc", "-q", "--prune=now"]);
    let pack = object_files(dir)
        .into_iter()
        .find(|path| {
            path.extension()
                .is_some_and(|extension| extension == "pack")
        })
        .unwrap_or_else(|| panic!("no pack"));
    let bytes = std::fs::read(&pack).unwrap_or_else(|error| panic!("{error}"));
    let mut permissions = std::fs::metadata(&pack)
        .unwrap_or_else(|error| panic!("{error}"))
        .permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&pack, permissions).unwrap_or_else(|error| panic!("{error}"));
    // Damaged in the middle, then cut in half: each time a diagnostic, never a panic.
    let mut damaged = bytes.clone();
    let middle = damaged.len() / 2;
    for byte in damaged.iter_mut().skip(middle).take(64) {
        *byte ^= 0x5a;
    }
    for corrupted in [
        damaged,
        bytes.get(..bytes.len() / 2).unwrap_or_default().to_vec(),
    ] {
        std::fs::write(&pack, &corrupted).unwrap_or_else(|error| panic!("{error}"));
        let output = keyless(dir, &["scan", "--history", "--format", "json"]);
        let code = output.status.code();
        assert!(
            matches!(code, Some(0..=2)),
            "exit {code:?}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
        if code != Some(2) {
            let report = json(&output);
            assert!(
                report["summary"]["unreadable"].as_u64().unwrap_or_default() > 0,
                "{}",
                stderr(&output)
            );
        }
    }
}

#[test]
fn keyless_toml_excludes_apply_to_history_paths() {
    let repo = repo();
    let dir = repo.path();
    write(dir, "keyless.toml", "exclude = [\"vendor\"]\n");
    write(dir, "vendor/settings.env", &settings(6));
    write(dir, "app/settings.env", &settings(7));
    let added = commit(dir, "vendored and own keys");
    let (code, report, errors) = scan(dir, &[]);
    assert_eq!(code, Some(1), "{errors}");
    assert_eq!(
        found(&report),
        [("app/settings.env".to_owned(), added, true)]
    );
}
