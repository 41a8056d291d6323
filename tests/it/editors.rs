//! The README's editor set-up (VS Code, Neovim, Helix) lists every file type keyless parses:
//! it is generated from `src/filetypes.rs`, the table the scan picks parsers from, and this test
//! checks that the two agree (`KEYLESS_UPDATE_README=1` rewrites the README's copy).

use crate::workflow_common::repo_root;

use keyless::filetypes::{FILE_TYPES, ReadAs};
use keyless::parse::Format;
use keyless::parse::code::Language;
use keyless::parse::derived::Decoder;

const START: &str = "<!-- editor-file-types: generated from src/filetypes.rs -->\n";
const END: &str = "<!-- end editor-file-types -->";

#[test]
fn the_readme_lists_every_file_type_of_the_table() {
    let path = repo_root().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{error}"));
    let start = readme
        .find(START)
        .unwrap_or_else(|| panic!("README.md lost its `{}` marker", START.trim()))
        + START.len();
    let end = start
        + readme[start..]
            .find(END)
            .unwrap_or_else(|| panic!("README.md lost its `{END}` marker"));
    let generated = keyless::filetypes::readme_editor_section();
    if readme[start..end] != generated {
        if std::env::var_os("KEYLESS_UPDATE_README").is_some() {
            let updated = format!("{}{generated}{}", &readme[..start], &readme[end..]);
            std::fs::write(&path, updated).unwrap_or_else(|error| panic!("{error}"));
            return;
        }
        panic!(
            "README.md's editor set-up differs from src/filetypes.rs; run \
             KEYLESS_UPDATE_README=1 cargo test --test it editors:: to regenerate it. Expected:\n{generated}"
        );
    }
    // The files the issue found missing from the old lists.
    for id in [
        "dotenv",
        "toml",
        "markdown",
        "dockerfile",
        "typescriptreact",
        "properties",
    ] {
        assert!(generated.contains(&format!("\"{id}\"")), "{id}");
    }
}

/// Every parsed format and code language has a row, so no parser is left out of the editors'
/// lists; and each row's files are read as the row says.
#[test]
fn the_table_covers_every_parser() {
    let formats = [
        Format::Json,
        Format::Bicep,
        Format::Terraform,
        Format::Yaml,
        Format::Xml,
        Format::KeyValue,
    ];
    for format in formats {
        assert!(
            FILE_TYPES
                .iter()
                .any(|file_type| file_type.read_as == ReadAs::Parsed(format)),
            "{format:?}"
        );
    }
    for language in Language::ALL {
        assert!(
            FILE_TYPES
                .iter()
                .any(|file_type| file_type.read_as == ReadAs::Code(language)),
            "{language:?}"
        );
    }
    for file_type in FILE_TYPES {
        for extension in file_type.extensions {
            let path = format!("dir/file.{extension}");
            let read_as = match (
                Format::of_path(&path),
                Language::of_path(&path),
                Decoder::of_path(&path),
            ) {
                (Some(format), _, _) => ReadAs::Parsed(format),
                (None, Some(language), _) => ReadAs::Code(language),
                (None, None, Some(decoder)) => ReadAs::Decoded(decoder),
                (None, None, None) => ReadAs::Text,
            };
            assert_eq!(read_as, file_type.read_as, "{path}");
        }
    }
    for (path, format) in [
        ("web.config", Some(Format::Xml)),
        (".env.production", Some(Format::KeyValue)),
        ("prod.tfvars", Some(Format::Terraform)),
        ("Dockerfile", None),
    ] {
        assert_eq!(Format::of_path(path), format, "{path}");
    }
}
