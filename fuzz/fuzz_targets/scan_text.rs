#![no_main]
//! The whole matcher through the real pipeline: the first byte picks a file name (and so the
//! parser and rules), the rest is the file's bytes, decoded as a scan decodes them. Findings are
//! then rendered in every output format, which must not leak the secret's full text.
use keyless::report::{Format, ReportContext, write_report};
use keyless::scan::{Dropped, ScanReport, Stats};
use keyless::source::{Decoded, decode};
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "azuredeploy.json",
    "appsettings.json",
    "local.settings.json",
    "main.bicep",
    "main.bicepparam",
    "main.tf",
    "prod.tfvars",
    "values.yaml",
    ".github/workflows/ci.yml",
    "azure-pipelines.yml",
    "web.config",
    "app.csproj",
    "Settings.xml",
    ".env",
    "application.properties",
    "settings.ini",
    "Program.cs",
    "app.py",
    "index.js",
    "index.ts",
    "App.java",
    "main.go",
    "deploy.ps1",
    "main.rs",
    "README.md",
    "run.sh",
    "notes.txt",
    "Dockerfile",
    "analysis.ipynb",
    "requests.http",
    "echo.bot",
];

fuzz_target!(
    // Compiling every rule's regexes and parser queries is slow under the sanitizers: done once,
    // before the clock that -timeout measures starts.
    init: {
        keyless_fuzz::registry();
        keyless_fuzz::warm_up();
    },
    |data: &[u8]| {
        let Some((&selector, rest)) = data.split_first() else {
            return;
        };
        let path = NAMES[usize::from(selector) % NAMES.len()];
        let Decoded::Text(source) = decode(rest) else {
            return;
        };
        let registry = keyless_fuzz::registry();
        let findings = keyless::scan_text(registry, path, source.text());
        let text = source.text();
        let mut secrets = Vec::new();
        for finding in &findings {
            assert!(
                finding.start.line >= 1 && finding.start.column >= 1,
                "{finding:?}"
            );
            let secret = text.get(finding.byte_range.clone());
            assert!(secret.is_some(), "byte range off the text: {finding:?}");
            // Short spans may occur in the output by chance (a path, a rule name); long ones not.
            // Only secrets are masked (at most 4 characters and `…`); a setting finding shows
            // its `key: value` text, which is no secret.
            let masked_as_secret = finding.masked.chars().count() <= 5;
            secrets.extend(secret.filter(|secret| masked_as_secret && secret.len() >= 24));
        }
        let report = ScanReport {
            findings,
            diagnostics: Vec::new(),
            stats: Stats::default(),
            dropped: Dropped::default(),
            unused_suppressions: Vec::new(),
            base: None,
            elapsed: std::time::Duration::ZERO,
            history: None,
        };
        let context = ReportContext {
            roots: vec![".".into()],
            base: None,
            color: false,
            width: 100,
        };
        for format in [Format::Human, Format::Json, Format::Sarif, Format::Github] {
            let mut out = Vec::new();
            let written = write_report(format, &report, registry, &context, &mut out);
            assert!(written.is_ok(), "{format:?}: {written:?}");
            let output = String::from_utf8_lossy(&out);
            for secret in &secrets {
                assert!(
                    !output.contains(secret),
                    "{format:?} output carries a full secret"
                );
            }
        }
    }
);
