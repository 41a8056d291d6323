//! The direction of the data, held by a test: knowledge (the service vocabulary, then the
//! remediation data) -> findings -> plan -> fix. A module may name what is below it, never what
//! is above, so each layer can change without its readers' readers.
//!
//! The check reads the sources (every `crate::` path outside comments, in `use` lines and inline)
//! rather than compiling anything, so it costs a directory walk.

use std::path::{Path, PathBuf};

/// (files, modules they must not name, why).
const FORBIDDEN: [(&str, &[&str], &str); 4] = [
    (
        "service.rs",
        &["finding", "remediation", "plan", "fix"],
        "the service vocabulary is the bottom layer",
    ),
    (
        "finding.rs",
        &["remediation", "plan", "fix"],
        "findings carry the vocabulary, not the knowledge built on it",
    ),
    (
        "remediation",
        &["finding", "plan", "fix"],
        "the remediation knowledge is read by findings and plans, never the reverse",
    ),
    (
        "plan",
        &["fix"],
        "the plan shows rewrites from plan::rewrite; the fix builds on the plan",
    ),
];

fn rust_files(path: &Path, found: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            return;
        };
        for entry in entries.flatten() {
            rust_files(&entry.path(), found);
        }
    } else if path.extension().is_some_and(|extension| extension == "rs") {
        found.push(path.to_path_buf());
    }
}

/// Every `crate::MODULE` a source names outside comments, with its line number.
fn named_modules(text: &str) -> Vec<(usize, String)> {
    let mut named = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for (at, _) in code.match_indices("crate::") {
            let rest = code.get(at + "crate::".len()..).unwrap_or("");
            let module: String = rest
                .chars()
                .take_while(|character| character.is_ascii_alphanumeric() || *character == '_')
                .collect();
            let is_path_start = code
                .get(..at)
                .and_then(|before| before.chars().last())
                .is_none_or(|character| !(character.is_ascii_alphanumeric() || character == '_'));
            if is_path_start && !module.is_empty() {
                named.push((index + 1, module));
            }
        }
    }
    named
}

#[test]
fn knowledge_findings_plan_fix_run_one_way() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    for (layer, forbidden, why) in FORBIDDEN {
        let mut files = Vec::new();
        rust_files(&source.join(layer), &mut files);
        assert!(!files.is_empty(), "src/{layer} is gone: update FORBIDDEN");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            for (line, module) in named_modules(&text) {
                if forbidden.contains(&module.as_str()) {
                    violations.push(format!(
                        "{}:{line} names crate::{module} ({why})",
                        file.strip_prefix(&source).unwrap_or(&file).display()
                    ));
                }
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_scan_sees_inline_paths_and_skips_comments() {
    let text = "use crate::finding::Finding;\nlet x = crate::fix::compute(a);\n// crate::fix in a comment\nkeyless_crate::fix";
    assert_eq!(
        named_modules(text),
        [(1, "finding".to_owned()), (2, "fix".to_owned())]
    );
}
