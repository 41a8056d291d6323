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
