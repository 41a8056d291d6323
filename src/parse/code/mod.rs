//! Source code: the calls and string values of C#, Python, JavaScript/TypeScript, Java, Go,
//! PowerShell (tree-sitter) and Rust (syn), in one [`CodeView`].
//!
//! Rules about key-based SDK use match on [`Call`]s (`BlobServiceClient.from_connection_string(...)`,
//! `new StorageSharedKeyCredential(...)`, `New-AzStorageContext -StorageAccountKey ...`); literal
//! resolution turns keys split over concatenations, consts and templates into [`StringValue`]s so
//! that text rules can see them whole. (Stub: being written.)

use std::ops::Range;

/// A source language keyless parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Language {
    /// C# (`.cs`, `.csx`).
    Csharp,
    /// Python (`.py`, `.pyi`).
    Python,
    /// JavaScript (`.js`, `.mjs`, `.cjs`, `.jsx`).
    Javascript,
    /// TypeScript (`.ts`, `.mts`, `.cts`) and TSX (`.tsx`).
    Typescript,
    /// Java (`.java`).
    Java,
    /// Go (`.go`).
    Go,
    /// PowerShell (`.ps1`, `.psm1`, `.psd1`).
    Powershell,
    /// Rust (`.rs`), parsed with syn.
    Rust,
}

impl Language {
    /// The language of a file, from its name.
    pub fn of_path(path: &str) -> Option<Language> {
        let extension = path
            .rsplit_once('.')
            .map(|(_, extension)| extension.to_ascii_lowercase())?;
        Some(match extension.as_str() {
            "cs" | "csx" => Language::Csharp,
            "py" | "pyi" => Language::Python,
            "js" | "mjs" | "cjs" | "jsx" => Language::Javascript,
            "ts" | "mts" | "cts" | "tsx" => Language::Typescript,
            "java" => Language::Java,
            "go" => Language::Go,
            "ps1" | "psm1" | "psd1" => Language::Powershell,
            "rs" => Language::Rust,
            _ => return None,
        })
    }
}

/// One argument of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Argument {
    /// The parameter name for keyword / named arguments (`credential=`, `-StorageAccountKey`,
    /// object-literal keys are not arguments: see [`Call::options`]).
    pub name: Option<String>,
    /// Byte range of the argument expression.
    pub span: Range<usize>,
    /// The argument's string value when it is statically known (a literal, a concatenation of
    /// literals, a const or a variable assigned once from a literal in this file).
    pub value: Option<String>,
}

/// A call or object construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The callee as written, whitespace removed, `new ` prefixed for constructions:
    /// `BlobServiceClient.from_connection_string`, `new StorageSharedKeyCredential`,
    /// `azblob.NewClientFromConnectionString`, `New-AzStorageContext`, `ClientSecretCredential::new`.
    pub callee: String,
    /// The last segment of the callee (`from_connection_string`, `StorageSharedKeyCredential`).
    pub name: String,
    /// Byte range of the whole call.
    pub span: Range<usize>,
    /// Byte range of the callee name (what a finding points at).
    pub name_span: Range<usize>,
    /// Positional and named arguments, in order.
    pub arguments: Vec<Argument>,
    /// Keys of an object literal passed as an argument (`{ endpoint, key }` in JS), with spans.
    pub options: Vec<Argument>,
}

/// A string whose value is statically known, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringValue {
    /// Byte range of the expression that yields it (a literal, a concatenation, a `concat!`).
    pub span: Range<usize>,
    /// The value.
    pub value: String,
}

/// What a source parser made of a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeView {
    /// Calls and constructions, in document order.
    pub calls: Vec<Call>,
    /// Strings built from several pieces (concatenations, consts, `concat!`, templates with only
    /// literal parts), whose joined value a text rule could not see.
    pub joined_strings: Vec<StringValue>,
    /// False when the parser had to recover from syntax errors.
    pub complete: bool,
}

/// Parses source code with this thread's parsers.
pub fn parse(_language: Language, _text: &str) -> CodeView {
    CodeView::default()
}
