//! Determinism: the same tree gives byte-identical JSON, SARIF and GitHub output across runs and
//! thread counts. The tree is `fixtures/`: well over a hundred files in every format keyless
//! parses (JSON, Bicep, Terraform, YAML, XML, settings files, seven languages), so the parallel
//! walker really spreads them over threads.

#![allow(clippy::unwrap_used)]

use crate::common;

#[test]
fn outputs_are_identical_across_runs_and_thread_counts() {
    let fixtures = common::repo_root().join("fixtures");
    let file_count = std::fs::read_dir(&fixtures).unwrap().count();
    assert!(file_count >= 5, "fixtures/ looks empty");
    for format in ["json", "sarif", "github", "azure"] {
        // --no-ignore: the repository's .keylessignore excludes fixtures/ on purpose.
        let run = |threads: Option<&str>| {
            let mut args = vec!["scan", "--no-ignore", "--format", format];
            if let Some(threads) = threads {
                args.extend(["--threads", threads]);
            }
            args.push(".");
            let output = common::keyless(&fixtures, &args);
            assert_eq!(
                output.status.code(),
                Some(1),
                "{format}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            output.stdout
        };
        let first = run(None);
        if format == "json" {
            let report: serde_json::Value = serde_json::from_slice(&first).unwrap();
            let findings = report["findings"].as_array().unwrap();
            assert!(findings.len() >= 100, "only {} findings", findings.len());
            let extensions: std::collections::BTreeSet<&str> = findings
                .iter()
                .filter_map(|finding| finding["path"].as_str()?.rsplit_once('.'))
                .map(|(_, extension)| extension)
                .collect();
            assert!(extensions.len() >= 12, "{extensions:?}");
        }
        for (label, again) in [
            ("second run", run(None)),
            ("--threads 1", run(Some("1"))),
            ("--threads 2", run(Some("2"))),
            ("--threads 8", run(Some("8"))),
        ] {
            assert!(
                first == again,
                "{format} output differs ({label}):\n{}",
                first_difference(&first, &again)
            );
        }
    }
}

/// The first differing line of two outputs, for the failure message.
fn first_difference(left: &[u8], right: &[u8]) -> String {
    let left = String::from_utf8_lossy(left);
    let right = String::from_utf8_lossy(right);
    left.lines()
        .zip(right.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .map_or_else(
            || "one output is a prefix of the other".to_owned(),
            |(line, (a, b))| format!("line {}:\n< {a}\n> {b}", line + 1),
        )
}
