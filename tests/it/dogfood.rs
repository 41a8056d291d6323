//! keyless's own repository holds fake keys on purpose (rule examples, fixtures, test vectors);
//! it scans clean through its own ignore mechanism, not by turning rules off.

use crate::common;

use common::{keyless, repo_root};

#[test]
fn the_repository_scans_clean_through_keylessignore() {
    let output = keyless(
        &repo_root(),
        &[
            "scan",
            "--format",
            "json",
            "--exclude",
            "target",
            "--exclude",
            "bench-corpus",
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "keyless's own repo has findings:\n{stdout}"
    );
}

#[test]
fn without_the_ignore_file_the_planted_keys_are_found() {
    // Proves the clean scan above comes from .keylessignore, not from rules that stay silent.
    let output = keyless(
        &repo_root(),
        &[
            "scan",
            "--format",
            "json",
            "--no-ignore",
            "--exclude",
            "target",
            "--exclude",
            "bench-corpus",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
}
