//! Source code: the calls and string values of C#, Python, JavaScript/TypeScript, Java, Go,
//! PowerShell (tree-sitter) and Rust (syn), in one [`CodeView`].
//!
//! Rules about key-based SDK use match on [`Call`]s (`BlobServiceClient.from_connection_string(...)`,
//! `new StorageSharedKeyCredential(...)`, `New-AzStorageContext -StorageAccountKey ...`); literal
//! resolution turns keys split over concatenations, consts and templates into [`StringValue`]s so
//! that text rules can see them whole.
//!
//! This module owns the public view and the per-thread parser set. Each language has its own
//! module behind one internal trait (`LanguageParser`): `csharp`, `python`, `javascript`
//! (JavaScript, TypeScript and TSX), `java`, `go` and `powershell` map tree-sitter trees through
//! the shared `engine` (the time-bounded parse, tree patterns kept as data in
//! `queries/<language>.scm` and matched by `pattern` in one walk, literal resolution, callee
//! normalisation), and `rust` walks a syn AST. `literal` decodes the string literal forms they
//! share (escapes, Java text blocks, C# raw strings, PowerShell backticks).
//!
//! Conventions every language follows:
//! - Every call, method call and construction is a [`Call`], in document order (by start; an
//!   enclosing call before the calls inside it). Composite and struct literals are not calls.
//! - [`Call::callee`] is the callee as written with whitespace and comments removed (one space
//!   kept between two words: `new BlobServiceClient`), `new ` prefixed for constructions, and
//!   the argument lists of calls inside the callee shown as `()`:
//!   `new BlobServiceClientBuilder().connectionString().buildClient`. A callee longer than
//!   [`MAX_CALLEE`] bytes keeps its end, prefixed with `…`.
//! - [`Call::name`] is the last segment without generic arguments or module qualifiers;
//!   [`Call::name_span`] its bytes. A call through an expression that has no name (`(f)()`,
//!   `a[0]()`) has an empty name and the callee's span.
//! - [`Argument::name`] is the parameter name without its punctuation: Python `credential=x` and
//!   C# `credential: x` give `credential`, PowerShell `-StorageAccountKey $k` and
//!   `-StorageAccountKey:$k` give `StorageAccountKey`, `az --account-key x` gives `account-key`
//!   (PowerShell names compare case-insensitively: use [`Call::argument`]). A switch
//!   (`-ServicePrincipal`, `--service-principal`) is an argument with its name, the parameter's
//!   span and an empty value (`Some("")`).
//! - Values ([`Argument::value`], [`StringValue::value`]) are decoded (escapes applied) and only
//!   set when statically known within the file: literals of every form, concatenations,
//!   templates whose substitutions are known, and names assigned exactly once in the file (one
//!   namespace per file; a name assigned twice anywhere, bound as a parameter or loop
//!   variable, or updated with `+=`, is unknown). Values longer than [`MAX_VALUE`] bytes are not
//!   resolved.
//! - [`CodeView::joined_strings`] are the outermost expressions that build a known string from
//!   two or more non-empty pieces (`"a" + "b"`, `A + B` of consts, `"a" "b"`, `$"{A}{B}"`,
//!   `concat!`), with the span of the whole expression; a single literal, or a name referring
//!   to one, is not a joined string (text rules see it as written).
//! - Spans are byte ranges into the text; an argument's span covers its value expression (for a
//!   switch, the parameter).
//! - Parsers never panic and never fail hard: broken code yields what could be recovered with
//!   `complete = false`; parsing and matching are time-bounded, tree-sitter trees are walked
//!   without recursion, syn's recursion is bounded before it starts (Rust expressions deeper
//!   than [`crate::parse::MAX_DEPTH`] are not looked into), and all work is linear in the size
//!   of the file.

mod csharp;
mod engine;
mod go;
pub mod imports;
mod java;
mod javascript;
pub mod joins;
mod literal;
mod pattern;
mod powershell;
mod python;
mod rust;

use std::cell::RefCell;
use std::ops::Range;

/// Callees longer than this (in bytes) keep only their end, prefixed with `…`.
pub const MAX_CALLEE: usize = 256;

/// Resolved values longer than this (in bytes) are left unresolved.
pub const MAX_VALUE: usize = 32 * 1024;

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
    /// Every language, in declaration order.
    pub const ALL: [Language; 8] = [
        Language::Csharp,
        Language::Python,
        Language::Javascript,
        Language::Typescript,
        Language::Java,
        Language::Go,
        Language::Powershell,
        Language::Rust,
    ];

    /// The language of a file, from its name (see [`crate::filetypes::FILE_TYPES`]).
    pub fn of_path(path: &str) -> Option<Language> {
        match crate::filetypes::of_path(path)?.read_as {
            crate::filetypes::ReadAs::Code(language) => Some(language),
            _ => None,
        }
    }
}

/// One argument of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Argument {
    /// The parameter name for keyword / named arguments (`credential=`, `-StorageAccountKey`,
    /// object-literal keys are not arguments: see [`Call::options`]), without punctuation
    /// (`credential`, `StorageAccountKey`, `service-principal`).
    pub name: Option<String>,
    /// Byte range of the name as written (without `-`, `=` or `:`), when there is one.
    pub name_span: Option<Range<usize>>,
    /// Byte range of the argument expression (for a PowerShell switch, the parameter).
    pub span: Range<usize>,
    /// The argument's string value when it is statically known (a literal, a concatenation of
    /// literals, a const or a variable assigned once from a literal in this file); `Some("")`
    /// for a switch.
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
    /// Keys of an object literal passed as an argument (`{ endpoint, key }` in JS), with spans;
    /// also the fields of a Go struct literal argument (`&azidentity.ClientSecretCredentialOptions{...}`),
    /// the assignments of a C# object initializer (`new BlobClientOptions { Retry = ... }`) and
    /// the entries of a PowerShell hashtable splatted into a command (`@params`).
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

impl CodeView {
    /// The calls whose [`Call::name`] is `name`.
    pub fn calls_named<'v>(&'v self, name: &'v str) -> impl Iterator<Item = &'v Call> + 'v {
        self.calls.iter().filter(move |call| call.name == name)
    }
}

impl Call {
    /// The argument named `name` (compared ASCII case-insensitively, as PowerShell does).
    pub fn argument(&self, name: &str) -> Option<&Argument> {
        self.arguments.iter().find(|argument| {
            argument
                .name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }

    /// The option (object-literal key, struct-literal field, initializer or splatted hashtable
    /// entry) named `name` (compared ASCII case-insensitively, as PowerShell does).
    pub fn option(&self, name: &str) -> Option<&Argument> {
        self.options.iter().find(|option| {
            option
                .name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }
}

/// What each language module provides: a reusable parser from text to [`CodeView`].
trait LanguageParser {
    /// Parses one file; never panics.
    fn parse(&mut self, text: &str) -> CodeView;
}

/// The source parsers of one thread, created on first use and reused for every file it scans.
#[derive(Default)]
pub struct CodeParsers {
    csharp: Option<csharp::CsharpParser>,
    python: Option<python::PythonParser>,
    javascript: Option<javascript::JavascriptParser>,
    typescript: Option<javascript::TypescriptParser>,
    java: Option<java::JavaParser>,
    go: Option<go::GoParser>,
    powershell: Option<powershell::PowershellParser>,
    rust: Option<rust::RustParser>,
}

impl CodeParsers {
    /// Parses `text` as `language`.
    pub fn parse(&mut self, language: Language, text: &str) -> CodeView {
        match language {
            Language::Csharp => self
                .csharp
                .get_or_insert_with(csharp::CsharpParser::new)
                .parse(text),
            Language::Python => self
                .python
                .get_or_insert_with(python::PythonParser::new)
                .parse(text),
            Language::Javascript => self
                .javascript
                .get_or_insert_with(javascript::JavascriptParser::new)
                .parse(text),
            Language::Typescript => self
                .typescript
                .get_or_insert_with(javascript::TypescriptParser::new)
                .parse(text),
            Language::Java => self
                .java
                .get_or_insert_with(java::JavaParser::new)
                .parse(text),
            Language::Go => self.go.get_or_insert_with(go::GoParser::new).parse(text),
            Language::Powershell => self
                .powershell
                .get_or_insert_with(powershell::PowershellParser::new)
                .parse(text),
            Language::Rust => self
                .rust
                .get_or_insert_with(rust::RustParser::default)
                .parse(text),
        }
    }
}

thread_local! {
    static PARSERS: RefCell<CodeParsers> = RefCell::new(CodeParsers::default());
}

/// Parses source code with this thread's parsers.
pub fn parse(language: Language, text: &str) -> CodeView {
    PARSERS.with(|parsers| match parsers.try_borrow_mut() {
        Ok(mut parsers) => parsers.parse(language, text),
        // Re-entrant use cannot happen today; a fresh set keeps it correct if it ever does.
        Err(_) => CodeParsers::default().parse(language, text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every grammar links with the tree-sitter core (ABI) and every query compiles against it.
    #[test]
    fn every_grammar_and_query_loads() {
        assert!(csharp::CsharpParser::new().loaded());
        assert!(python::PythonParser::new().loaded());
        assert!(javascript::JavascriptParser::new().loaded());
        assert!(javascript::TypescriptParser::new().loaded());
        assert!(java::JavaParser::new().loaded());
        assert!(go::GoParser::new().loaded());
        assert!(powershell::PowershellParser::new().loaded());
    }

    #[test]
    fn languages_by_extension() {
        assert_eq!(Language::of_path("src/App.TSX"), Some(Language::Typescript));
        assert_eq!(Language::of_path("run.csx"), Some(Language::Csharp));
        assert_eq!(Language::of_path("deploy.psm1"), Some(Language::Powershell));
        assert_eq!(Language::of_path("Makefile"), None);
    }
}
