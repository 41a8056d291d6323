//! Robustness on real public ARM templates (`../shared/corpus`, some broken on purpose): every
//! file is scanned or skipped without a panic, and error-level findings there are listed, since
//! the corpus holds almost no real secrets.

use crate::common;

use keyless::Level;

#[test]
fn shared_corpus_scans_without_panic() {
    let Some(shared) = common::shared_dir("shared_corpus_scans_without_panic") else {
        return;
    };
    let registry = common::registry();
    let report = keyless::scan(
        &registry,
        &common::scan_options(&shared.join("corpus")),
        &Default::default(),
    )
    .unwrap_or_else(|error| panic!("scan failed: {error}"));
    assert!(
        report.stats.files_scanned >= 400,
        "corpus files not scanned: {:?}",
        report.stats
    );
    let errors: Vec<String> = report
        .findings
        .iter()
        .filter(|finding| finding.level == Level::Error)
        .map(|finding| {
            format!(
                "{}:{} {}",
                finding.path, finding.start.line, finding.rule_id
            )
        })
        .collect();
    assert!(
        errors.is_empty(),
        "error-level findings in the public corpus (likely false alarms): {errors:#?}"
    );
}

/// The setting rules' parse gate (`CompiledSetting::may_match_in`) counts a JSON or Terraform
/// key path's words as written in the file. Every word of every path segment of the JSON and
/// Terraform documents of the fixtures and of `../shared/corpus` must therefore be in the text
/// (in any case), unless it is an item number or the file may spell keys through escapes. (Bicep
/// is not gated: its documents add segments of their own, such as `outputs`.)
#[test]
fn setting_gate_words_are_written() {
    use keyless::parse::Format;

    let mut roots = vec![common::repo_root().join("fixtures")];
    roots.extend(
        common::shared_dir("setting_gate_words_are_written").map(|shared| shared.join("corpus")),
    );
    let mut checked = 0;
    let mut missing = Vec::new();
    for file in common::files_under(roots) {
        let path = file.to_string_lossy().into_owned();
        let Some(format @ (Format::Json | Format::Terraform)) = Format::of_path(&path) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        if keyless::rules::keys_may_be_escaped(&text) {
            continue;
        }
        let lower = text.to_ascii_lowercase();
        let document = keyless::parse::parse(format, &text);
        checked += 1;
        for entry in &document.entries {
            for segment in &entry.path {
                let words = segment
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    // Item numbers (`resources.0`) are no word a gate asks for.
                    .filter(|word| !word.bytes().all(|byte| byte.is_ascii_digit()));
                for word in words {
                    if !lower.contains(&word.to_ascii_lowercase()) {
                        missing.push(format!("{path}: {word} (in {:?})", entry.path));
                    }
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} documents checked");
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "path words the setting gate would not find: {missing:#?}"
    );
}
