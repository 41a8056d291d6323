//! Every integration test, in one binary.
//!
//! One binary links the library (and its twelve tree-sitter grammars) once instead of once per
//! test file: the test build is a fraction of the disk and link time, and CI machines have little
//! of either. Run one area with a filter: `cargo test --test it cli::`.

mod common;
mod parse_code_support;
mod parse_support;
mod workflow_common;

mod advice_audit;
mod bad_inputs;
mod baseline;
mod catalogue;
mod checksum;
mod ci_files;
mod cli;
mod config;
mod config_formats;
mod corpus;
mod determinism;
mod dogfood;
mod editors;
mod explain;
mod finding_judgement;
mod fix;
mod fixtures;
mod formats;
mod fuzz_regressions;
mod history;
mod iac;
mod identifiable_keys;
mod lsp;
mod lsp_e2e;
mod messages;
mod parse_bicep;
mod parse_code_bench;
mod parse_code_csharp;
mod parse_code_go;
mod parse_code_java;
mod parse_code_javascript;
mod parse_code_powershell;
mod parse_code_python;
mod parse_code_rust;
mod parse_hcl;
mod parse_keyvalue;
mod parse_xml;
mod parse_yaml;
mod plan;
mod precommit;
mod remediation;
mod rule_examples;
mod secret_leak;
mod services;
mod source_code;
mod suppress;
mod template_snippets;
mod traps;
mod wheel;
