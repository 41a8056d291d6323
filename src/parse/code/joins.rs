//! A cheap pre-check for [`CodeView::joined_strings`](super::CodeView): [`may_join`] says
//! whether parsing a file could find a joined string at all, so that a text rule that only
//! needs joined strings can skip the parse (tree-sitter costs ~150 ns per byte; this lexer pass
//! a few).
//!
//! The contract is one-sided: `may_join(language, text) == false` means
//! `parse(language, text).joined_strings` is empty, for every input (broken, half-written or
//! hostile text included); `true` promises nothing.
//!
//! How: a joined string is a join node (`+`, adjacent literals, a template with holes,
//! `concat!` / `format!`) whose value resolves from two or more non-empty pieces. Every such
//! value contains a *minimal* join — one whose parts each resolve to at most one piece — and
//! for that join every part resolves: a literal, a name assigned (once) a value that resolves,
//! a parenthesised or cast expression that resolves, or a template whose holes do. So a
//! language's lexer here reads literals (every string form, with template holes as nested
//! code), comments, names and brackets, and reports *sites*: a `+` whose neighbouring operands
//! could both resolve, two adjacent Python literals, a template with two pieces whose holes
//! could resolve, a Rust `concat!` / `format!` / `[..].concat()`. A site needs names to
//! resolve; a name can resolve when some assignment gives it a value that could (directly, or
//! through other names: a fixpoint at the end). The file may join when some site's names all
//! can.
//!
//! Being wrong in the unsafe direction would lose findings, so the lexer is conservative where
//! it cannot tell what the parser does:
//! - an operand is read the way tree-sitter's error recovery could read it too: the operand
//!   right of a `+` is judged by its first name (`a + f(x)` may be `a + f` with `(x)` left
//!   over), the one left of it by its last name or, after `)`, by what the parentheses hold;
//! - literals and comments that do not end, unbalanced brackets, and text the parsers may
//!   lex differently (a PowerShell quote inside a bare word, a JavaScript `/` after `}`, Rust
//!   item lines inside a multi-line literal, where syn's split into pieces would cut it) make
//!   the answer `true`;
//! - names are compared by a 64-bit hash (a collision only makes more names known).
//!
//! Everything is one pass over the bytes with explicit stacks (no recursion), so hostile
//! nesting costs memory, not stack, and the work is linear in the size of the file.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use super::Language;

/// Whether `parse(language, text).joined_strings` can be non-empty: a cheap, linear,
/// allocation-light lexer pass that must never say `false` for a file whose parse yields a
/// joined string (it may say `true` for files that yield none).
pub fn may_join(language: Language, text: &str) -> bool {
    let mut scan = Scan::new(language, text);
    match scan.run() {
        Ok(()) => scan.finish(),
        Err(Stop) => true,
    }
}

/// The scan stopped early: a join is possible (a site that needs no names) or the text is
/// something the lexer cannot follow safely.
struct Stop;

type Step = Result<(), Stop>;

/// The languages, as the lexer tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Csharp,
    Python,
    Javascript,
    Typescript,
    Java,
    Go,
    Powershell,
    Rust,
}

impl Lang {
    fn of(language: Language) -> Lang {
        match language {
            Language::Csharp => Lang::Csharp,
            Language::Python => Lang::Python,
            Language::Javascript => Lang::Javascript,
            Language::Typescript => Lang::Typescript,
            Language::Java => Lang::Java,
            Language::Go => Lang::Go,
            Language::Powershell => Lang::Powershell,
            Language::Rust => Lang::Rust,
        }
    }

    fn is_js(self) -> bool {
        matches!(self, Lang::Javascript | Lang::Typescript)
    }
}

/// How many names a [`Class`] keeps before it gives up and says [`Class::Yes`].
const NAMES: usize = 4;

/// What an operand may resolve to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Never (a call, a number, an operator expression, ...).
    No,
    /// Possibly, whatever names are known (a literal, a template without names).
    Yes,
    /// Only if one of these names can resolve (the first `len` entries).
    Names([u64; NAMES], u8),
}

impl Class {
    fn name(hash: u64) -> Class {
        let mut names = [0; NAMES];
        names[0] = hash;
        Class::Names(names, 1)
    }

    /// Resolves when either does.
    fn or(self, other: Class) -> Class {
        match (self, other) {
            (Class::Yes, _) | (_, Class::Yes) => Class::Yes,
            (Class::No, class) | (class, Class::No) => class,
            (Class::Names(mut names, mut len), Class::Names(more, more_len)) => {
                for &hash in more.iter().take(usize::from(more_len)) {
                    if names.iter().take(usize::from(len)).any(|&h| h == hash) {
                        continue;
                    }
                    match names.get_mut(usize::from(len)) {
                        Some(slot) => {
                            *slot = hash;
                            len += 1;
                        }
                        None => return Class::Yes,
                    }
                }
                Class::Names(names, len)
            }
        }
    }

    /// Resolves when both do; approximated from above (two name sets become "either name").
    fn and(self, other: Class) -> Class {
        match (self, other) {
            (Class::No, _) | (_, Class::No) => Class::No,
            (Class::Yes, class) | (class, Class::Yes) => class,
            (left, right) => left.or(right),
        }
    }
}

/// An identity hasher for name hashes (already well mixed).
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 << 8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

type NameSet = HashSet<u64, BuildHasherDefault<IdHasher>>;

/// FNV-1a over a name's bytes.
fn hash_bytes(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    // Never 0 (0 pads [`Class::Names`]).
    hash | 1
}

/// What a code frame's brackets mean to the frame around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The whole file.
    File,
    /// `(` starting an operand.
    Group,
    /// `(` after a parenthesised operand or a PowerShell type: `(T)(x)`, `[string](x)`.
    Cast,
    /// `(` after an operand: a call.
    Call,
    /// `[` after an operand: an index.
    Index,
    /// `[` starting an operand: an array, a list, a PowerShell type, an attribute.
    List,
    /// `{`: a block, an object, a hashtable, a script block.
    Block,
    /// A Rust macro's arguments: `concat!(...)`, `format!(...)`, `println!(...)`.
    Macro(MacroKind),
    /// A template's hole (`${...}`, `{...}`, `$(...)`, Java's `\{...}`).
    Hole,
    /// A JSX expression container `{...}`.
    Container,
}

/// Which Rust macro a [`Role::Macro`] frame belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MacroKind {
    /// `concat!`, `concatcp!`.
    Concat,
    /// `format!`, `formatcp!`.
    Format,
    /// Anything else (its arguments are still searched).
    Other,
}

/// The previous significant token of a code frame, for the decisions that depend on it
/// (JavaScript regex or division, JSX or less-than, PowerShell command arguments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prev {
    /// The start of the frame, an operator or a keyword that takes an operand.
    Start,
    /// The end of an operand.
    Operand,
    /// A `}`.
    Brace,
    /// `++` / `--`.
    Step,
}

/// A member access waiting for its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dot {
    None,
    /// `.`
    Member,
    /// `?.`
    Optional,
    /// `::`
    Path,
}

/// The shape of the operand being read, for what may follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A bare name (a member may follow and name a definition).
    Name,
    /// A name after one member access.
    Member,
    /// A literal (Python literals may be followed by more).
    Literal,
    /// A parenthesised expression (a cast may follow it).
    Closed,
    /// A type in brackets (PowerShell `[string]`: a cast operand may follow).
    Type,
    /// An array literal (Rust `[a, b].concat()`).
    Array,
    /// Anything else.
    Other,
}

/// The operand being read in a code frame: a primary and what follows it (members, calls,
/// indexes).
#[derive(Debug, Clone, Copy)]
struct Unit {
    /// What the whole operand may resolve to, read as a well-formed expression.
    strict: Class,
    /// What it may resolve to if a `+` follows (its last name, what its last parentheses
    /// hold).
    left: Class,
    /// What it may resolve to as the operand right of a `+` or an assigned value, read from
    /// its start (its first name and member: what follows may be left out by the parser).
    robust: Class,
    shape: Shape,
    /// Rust: the value before the last `.method` and the method's name.
    receiver: Class,
    method: u64,
    /// Rust: the last path segment (for `String::from(x)`).
    segment: u64,
    /// Rust: the array this operand started with (element count, elements' class).
    array: Option<(u32, Class)>,
    /// The class of a `+` waiting for this operand as its right side.
    plus: Option<Class>,
    /// This operand is (the start of) an assigned value.
    rhs: bool,
    /// Python: adjacent literals, how many may be non-empty, and their joint class.
    parts: u32,
    pieces: u32,
    concat: Class,
}

/// A template literal's kind (how its text, holes and end are read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tpl {
    /// JavaScript `` `...${x}...` ``.
    Backtick,
    /// C# `$"..."`.
    CsRegular,
    /// C# `$@"..."`.
    CsVerbatim,
    /// C# `$$"""..."""`: quotes and dollars.
    CsRaw(u32, u32),
    /// Python f-string (or t-string): quote, triple, raw, t-string.
    Python {
        quote: u8,
        triple: bool,
        raw: bool,
        t: bool,
    },
    /// PowerShell `"..."`.
    PsDouble,
    /// PowerShell `@"...\n"@`.
    PsHere,
    /// Java `"..."` / `"""..."""` with `\{...}` holes (a plain literal to the engine).
    Java(bool),
}

/// A template being read.
#[derive(Debug, Clone, Copy)]
struct Template {
    kind: Tpl,
    /// Non-empty text runs so far.
    texts: u32,
    /// Holes so far.
    holes: u32,
    /// The current text run is non-empty.
    run: bool,
    /// Every hole so far may resolve.
    ok: bool,
    /// The finished holes' classes start here in [`Scan::hole_classes`].
    holes_base: usize,
}

/// What a frame is reading.
#[derive(Debug, Clone, Copy)]
enum Mode {
    Code,
    Template(Template),
    /// A JSX opening tag's attributes.
    JsxTag,
    /// A JSX element's children.
    JsxChildren,
}

/// One level of nesting: the file, a bracket, a template, a hole, a JSX element.
#[derive(Debug, Clone)]
struct Frame {
    mode: Mode,
    role: Role,
    /// The byte that closes this code frame (0: the file).
    close: u8,
    /// C# raw interpolation: how many `}` close this hole.
    close_count: u32,
    /// JavaScript: these parentheses follow `if` / `while` / `for` / `with`.
    condition: bool,
    unit: Option<Unit>,
    /// A binary `+` is waiting for its right operand; the left one's class.
    after_plus: Option<Class>,
    dot: Dot,
    /// The next operand starts a value of the pending assignment.
    pending_rhs: bool,
    /// The pending assignment's targets start here in [`Scan::rhs_targets`].
    rhs_base: Option<usize>,
    /// Names before commas in this frame since the last statement boundary (tuple targets;
    /// PowerShell: every variable) start here in [`Scan::targets`].
    targets_base: usize,
    /// The last name, the first non-keyword name (Go) and the name before the first `:`
    /// (TypeScript, Python, Rust annotations) since the last boundary or comma; 0 for none.
    last_name: u64,
    first_name: u64,
    annotated: u64,
    /// No token yet since the last statement boundary; the statement starts with a keyword
    /// (Python `if x: y = 1`, TypeScript `case X: y = 1`).
    stmt_first: bool,
    stmt_keyword: bool,
    /// PowerShell: the statement is a command (literals may follow its arguments).
    command: bool,
    /// The current element (between commas) as one expression: the class of its operands
    /// joined by `+`, how many, whether anything else joined them.
    content: Class,
    units: u32,
    mixed: bool,
    /// The last token was a binary `+`.
    joined: bool,
    /// Finished elements: how many and their joint class.
    elements: u32,
    elements_class: Class,
    prev: Prev,
    /// A hole with an alignment, format, conversion or `=`: it does not resolve.
    bad: bool,
    /// Rust `format!`: the format literal's content, and this macro's arguments start here
    /// in [`Scan::args`].
    format: Option<(usize, usize)>,
    args_base: usize,
    /// Rust `format!`: the current argument is `name = value`.
    named: Option<u64>,
    /// Python: a hole's format spec is being read.
    spec: bool,
    /// Commas seen (a tuple, a sequence, an alignment).
    commas: u32,
}

impl Frame {
    fn new(mode: Mode, role: Role, close: u8, targets_base: usize) -> Frame {
        Frame {
            mode,
            role,
            close,
            close_count: 1,
            condition: false,
            unit: None,
            after_plus: None,
            dot: Dot::None,
            pending_rhs: false,
            rhs_base: None,
            targets_base,
            last_name: 0,
            first_name: 0,
            annotated: 0,
            stmt_first: true,
            stmt_keyword: false,
            command: false,
            content: Class::No,
            units: 0,
            mixed: false,
            joined: false,
            elements: 0,
            elements_class: Class::Yes,
            prev: Prev::Start,
            bad: false,
            format: None,
            args_base: 0,
            named: None,
            spec: false,
            commas: 0,
        }
    }

    /// The current element as one expression: one operand or operands joined by `+`.
    fn value(&self) -> Class {
        if self.units > 0 && !self.mixed {
            self.content
        } else {
            Class::No
        }
    }
}

/// JavaScript words after which an operand (so a regex or JSX) starts.
const JS_OPERAND_KEYWORDS: &[&[u8]] = &[
    b"return",
    b"typeof",
    b"instanceof",
    b"in",
    b"of",
    b"new",
    b"delete",
    b"void",
    b"throw",
    b"case",
    b"do",
    b"else",
    b"yield",
    b"await",
];

/// Python words that start a statement whose `:` opens a block, not an annotation.
const PYTHON_BLOCK_KEYWORDS: &[&[u8]] = &[
    b"if", b"elif", b"else", b"while", b"for", b"try", b"except", b"finally", b"with", b"class",
    b"def", b"lambda", b"match", b"case", b"async",
];

/// Go keywords (never a declared name).
const GO_KEYWORDS: &[&[u8]] = &[
    b"break",
    b"case",
    b"chan",
    b"const",
    b"continue",
    b"default",
    b"defer",
    b"else",
    b"fallthrough",
    b"for",
    b"func",
    b"go",
    b"goto",
    b"if",
    b"import",
    b"interface",
    b"map",
    b"package",
    b"range",
    b"return",
    b"select",
    b"struct",
    b"switch",
    b"type",
    b"var",
];

/// Words that may precede a literal in valid code (see [`Scan::check_before`]).
fn keywords_before_literal(lang: Lang) -> &'static [&'static [u8]] {
    match lang {
        Lang::Csharp => &[
            b"return",
            b"case",
            b"throw",
            b"in",
            b"is",
            b"as",
            b"else",
            b"yield",
            b"await",
            b"when",
            b"and",
            b"or",
            b"not",
            b"select",
            b"where",
            b"equals",
            b"orderby",
            b"let",
            b"join",
            b"on",
            b"by",
            b"into",
            b"group",
            b"ascending",
            b"descending",
            b"default",
            b"from",
            b"with",
        ],
        Lang::Java => &[
            b"return",
            b"case",
            b"throw",
            b"else",
            b"yield",
            b"assert",
            b"default",
            b"instanceof",
        ],
        Lang::Javascript | Lang::Typescript => &[
            b"return",
            b"case",
            b"throw",
            b"in",
            b"of",
            b"typeof",
            b"instanceof",
            b"void",
            b"delete",
            b"yield",
            b"await",
            b"else",
            b"do",
            b"import",
            b"from",
            b"module",
            b"default",
            b"export",
            b"extends",
            b"keyof",
            b"declare",
            b"is",
            b"as",
            b"satisfies",
            b"asserts",
        ],
        Lang::Python => &[
            b"return", b"yield", b"in", b"not", b"and", b"or", b"if", b"elif", b"else", b"while",
            b"for", b"assert", b"print", b"raise", b"await", b"is", b"from", b"import", b"with",
            b"case", b"match", b"del", b"exec", b"lambda", b"except", b"async",
        ],
        Lang::Go | Lang::Powershell | Lang::Rust => &[],
    }
}

/// Words that may follow a literal in valid code (see [`Scan::check_after`]).
fn keywords_after_literal(lang: Lang) -> &'static [&'static [u8]] {
    match lang {
        Lang::Csharp => &[
            b"is",
            b"as",
            b"switch",
            b"with",
            b"and",
            b"or",
            b"when",
            b"equals",
            b"on",
            b"by",
            b"into",
            b"ascending",
            b"descending",
            b"select",
            b"where",
            b"orderby",
            b"group",
            b"join",
            b"let",
            b"in",
        ],
        Lang::Java => &[b"instanceof"],
        Lang::Javascript | Lang::Typescript => &[
            b"in",
            b"of",
            b"instanceof",
            b"as",
            b"satisfies",
            b"assert",
            b"with",
            b"extends",
            b"is",
        ],
        Lang::Python => &[
            b"if", b"else", b"for", b"in", b"not", b"and", b"or", b"is", b"as", b"async",
        ],
        Lang::Go | Lang::Powershell | Lang::Rust => &[],
    }
}

/// Rust methods that keep their receiver's value (`"a".to_string()`).
const RUST_TRANSPARENT: &[&[u8]] = &[
    b"to_string",
    b"to_owned",
    b"into",
    b"as_str",
    b"clone",
    b"as_ref",
    b"to_str",
];

/// Lines that start a Rust item, where the Rust parser splits a file that does not parse.
const RUST_ITEMS: &[&[u8]] = &[
    b"fn ",
    b"pub ",
    b"pub(",
    b"const ",
    b"static ",
    b"struct ",
    b"enum ",
    b"union ",
    b"impl ",
    b"impl<",
    b"trait ",
    b"mod ",
    b"use ",
    b"type ",
    b"extern ",
    b"unsafe ",
    b"async ",
    b"macro_rules!",
    b"#[",
    b"///",
    b"//!",
    b"#![",
];

/// PowerShell: bytes that end a bare word (tree-sitter's `generic_token`).
fn ps_terminator(byte: u8) -> bool {
    matches!(
        byte,
        b'&' | b'('
            | b')'
            | b'}'
            | b'|'
            | b';'
            | b','
            | b' '
            | b'\t'
            | b'\r'
            | b'\n'
            | b'\x0b'
            | b'\x0c'
    )
}

/// PowerShell: bytes a bare word cannot start with.
fn ps_not_word_start(byte: u8) -> bool {
    matches!(
        byte,
        b'(' | b')' | b'$' | b'"' | b'\'' | b'-' | b'{' | b'}' | b'@' | b'|' | b'[' | b'`' | b'&'
    ) || byte.is_ascii_whitespace()
}

/// PowerShell: a variable's lookup key as the engine computes it (`$Script:Key` → `key`).
fn ps_key(name: &[u8]) -> u64 {
    let lower = |byte: &u8| byte.to_ascii_lowercase();
    for scope in [
        &b"script:"[..],
        &b"global:"[..],
        &b"local:"[..],
        &b"private:"[..],
        &b"using:"[..],
    ] {
        if name.len() >= scope.len()
            && name
                .iter()
                .zip(scope)
                .all(|(a, b)| a.to_ascii_lowercase() == *b)
        {
            return hash_bytes(name.iter().skip(scope.len()).map(lower));
        }
    }
    hash_bytes(name.iter().map(lower))
}

/// PowerShell: whether a variable's name is `env:...` (never known).
fn ps_env(name: &[u8]) -> bool {
    name.len() >= 4
        && name
            .iter()
            .take(4)
            .zip(b"env:")
            .all(|(a, b)| a.to_ascii_lowercase() == *b)
}

/// Python: the slot of a quote byte in [`Scan::python_quotes`].
fn quote_index(quote: u8) -> usize {
    match quote {
        b'\'' => 0,
        b'"' => 1,
        _ => 2,
    }
}

fn is_ident_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_'
}

fn is_ident_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// The lexer and the analysis.
struct Scan<'t> {
    lang: Lang,
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    frames: Vec<Frame>,
    /// Names seen since the last statement boundary, per frame (a stack).
    targets: Vec<u64>,
    /// The targets of pending assignments (a stack).
    rhs_targets: Vec<u64>,
    /// The classes of the finished holes of open templates (a stack).
    hole_classes: Vec<Class>,
    /// Rust `format!` arguments of open macros: (name or 0, class) (a stack).
    args: Vec<(u64, Class)>,
    /// Names assigned a value that may resolve whatever other names are.
    known: NameSet,
    /// Names assigned a value that resolves if one of these names does.
    aliases: Vec<(u64, Class)>,
    /// Sites that need names: their requirements (every class must resolve).
    requirements: Vec<Class>,
    sites: Vec<(usize, usize)>,
    /// PowerShell: where the current run of bare-word bytes started.
    run_start: usize,
    /// Where the current code token started.
    token_start: usize,
    /// C#: open interpolation holes (a literal inside one is read differently after an error).
    csharp_holes: u32,
    /// Python: open f-strings by quote (`'`, `"`, `` ` ``).
    python_quotes: [u32; 3],
}

impl<'t> Scan<'t> {
    fn new(language: Language, text: &'t str) -> Scan<'t> {
        Scan {
            lang: Lang::of(language),
            text,
            bytes: text.as_bytes(),
            pos: 0,
            frames: vec![Frame::new(Mode::Code, Role::File, 0, 0)],
            targets: Vec::new(),
            rhs_targets: Vec::new(),
            hole_classes: Vec::new(),
            args: Vec::new(),
            known: NameSet::default(),
            aliases: Vec::new(),
            requirements: Vec::new(),
            sites: Vec::new(),
            run_start: 0,
            token_start: 0,
            csharp_holes: 0,
            python_quotes: [0; 3],
        }
    }

    fn at(&self, offset: usize) -> u8 {
        self.bytes
            .get(self.pos.saturating_add(offset))
            .copied()
            .unwrap_or(0)
    }

    fn starts_with(&self, prefix: &[u8]) -> bool {
        self.bytes
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(prefix))
    }

    fn eof(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn top(&mut self) -> Result<&mut Frame, Stop> {
        self.frames.last_mut().ok_or(Stop)
    }

    /// The character at the cursor (for non-ASCII bytes).
    fn char_at(&self) -> Option<char> {
        self.text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
    }

    // ---------------------------------------------------------------- driver

    fn run(&mut self) -> Step {
        if self.lang == Lang::Rust && self.starts_with(b"#!") && !self.rust_inner_attribute() {
            self.skip_line();
        }
        if self.lang.is_js() && self.starts_with(b"#!") {
            self.skip_line();
        }
        loop {
            let mode = self.top()?.mode;
            match mode {
                Mode::Code if self.top()?.spec => self.python_spec()?,
                Mode::Code => {
                    if !self.code()? {
                        break;
                    }
                }
                Mode::Template(template) => self.template(template)?,
                Mode::JsxTag => self.jsx_tag()?,
                Mode::JsxChildren => self.jsx_children()?,
            }
        }
        if self.frames.len() != 1 {
            return Err(Stop);
        }
        self.end_unit()
    }

    /// Whether the names every site needs can resolve, for some site.
    fn finish(self) -> bool {
        if self.sites.is_empty() {
            return false;
        }
        let mut known = self.known;
        let satisfied = |class: &Class, known: &NameSet| match class {
            Class::No => false,
            Class::Yes => true,
            Class::Names(names, len) => names
                .iter()
                .take(usize::from(*len))
                .any(|name| known.contains(name)),
        };
        // Names known through other names: a few passes cover real code; a longer chain is
        // answered conservatively.
        let mut settled = false;
        for _ in 0..16 {
            let mut changed = false;
            for (name, class) in &self.aliases {
                if !known.contains(name) && satisfied(class, &known) {
                    known.insert(*name);
                    changed = true;
                }
            }
            if !changed {
                settled = true;
                break;
            }
        }
        if !settled {
            return true;
        }
        self.sites.iter().any(|&(start, end)| {
            self.requirements
                .get(start..end)
                .unwrap_or_default()
                .iter()
                .all(|class| satisfied(class, &known))
        })
    }

    /// Records a site: a join that happens if every class resolves.
    fn site(&mut self, classes: &[Class]) -> Step {
        if classes.contains(&Class::No) {
            return Ok(());
        }
        let start = self.requirements.len();
        self.requirements
            .extend(classes.iter().copied().filter(|class| *class != Class::Yes));
        if self.requirements.len() == start {
            return Err(Stop);
        }
        self.sites.push((start, self.requirements.len()));
        Ok(())
    }

    /// Records that `name` is assigned a value of this class.
    fn define(&mut self, name: u64, class: Class) {
        match class {
            Class::No => {}
            Class::Yes => {
                self.known.insert(name);
            }
            names => self.aliases.push((name, names)),
        }
    }

    // ---------------------------------------------------------------- analysis

    /// A primary operand token: a literal, a name, a number.
    fn primary(&mut self, class: Class, shape: Shape, piece: bool) -> Step {
        let lang = self.lang;
        let frame = self.top()?;
        frame.stmt_first = false;
        if frame.dot != Dot::None {
            // A member that is no name (PowerShell `$x."key"`, Rust `t.0`): never known.
            // Elsewhere the parser drops the dot as an error and reads the literal afresh.
            frame.dot = Dot::None;
            let member = match lang {
                Lang::Powershell => true,
                Lang::Rust => shape != Shape::Literal,
                _ => false,
            };
            if let Some(unit) = frame.unit.as_mut().filter(|_| member) {
                unit.strict = Class::No;
                unit.left = Class::No;
                unit.shape = Shape::Other;
                frame.prev = Prev::Operand;
                return Ok(());
            }
        }
        if let Some(unit) = frame.unit.as_mut() {
            if lang == Lang::Python && unit.shape == Shape::Literal && shape == Shape::Literal {
                // Adjacent literals: one concatenated string.
                unit.strict = unit.strict.and(class);
                unit.left = class;
                unit.robust = unit.robust.and(class);
                unit.concat = unit.concat.and(class);
                unit.parts += 1;
                unit.pieces += u32::from(piece);
                frame.prev = Prev::Operand;
                return Ok(());
            }
            if matches!(unit.shape, Shape::Closed | Shape::Type) {
                // A cast: `(string)x`, `[string]$x`.
                unit.strict = class;
                unit.left = class;
                unit.robust = unit.robust.or(class);
                unit.shape = shape;
                frame.prev = Prev::Operand;
                return Ok(());
            }
        }
        if frame.unit.is_some() {
            self.end_unit()?;
            self.top()?.mixed = true;
        }
        self.start_unit(class, shape, piece)
    }

    /// Starts an operand in the top frame.
    fn start_unit(&mut self, class: Class, shape: Shape, piece: bool) -> Step {
        let frame = self.top()?;
        let plus = frame.after_plus.take();
        let rhs = std::mem::take(&mut frame.pending_rhs);
        frame.dot = Dot::None;
        frame.prev = Prev::Operand;
        frame.unit = Some(Unit {
            strict: class,
            left: class,
            robust: class,
            shape,
            receiver: Class::No,
            method: 0,
            segment: 0,
            array: None,
            plus,
            rhs,
            parts: u32::from(shape == Shape::Literal),
            pieces: u32::from(piece),
            concat: class,
        });
        Ok(())
    }

    /// Ends the operand in progress: settles the `+` and the assignment waiting for it and
    /// adds it to the frame's content.
    fn end_unit(&mut self) -> Step {
        let lang = self.lang;
        let frame = self.top()?;
        frame.dot = Dot::None;
        let Some(unit) = frame.unit.take() else {
            return Ok(());
        };
        if frame.units == 0 || frame.joined {
            frame.content = if frame.units == 0 {
                unit.strict
            } else {
                frame.content.and(unit.strict)
            };
        } else {
            frame.mixed = true;
        }
        frame.units += 1;
        frame.joined = false;
        let rhs_base = frame.rhs_base;
        // syn has no error recovery: an operand is exactly what it reads as.
        let value = if lang == Lang::Rust {
            unit.strict
        } else {
            unit.robust
        };
        if let Some(left) = unit.plus {
            self.site(&[left, value])?;
        }
        if unit.parts >= 2 && unit.pieces >= 2 {
            // The concatenation is a join of its own, whatever follows it (`"a" "b".upper()`).
            self.site(&[unit.concat])?;
        }
        if unit.rhs {
            if let Some(base) = rhs_base {
                for index in base..self.rhs_targets.len() {
                    if let Some(&name) = self.rhs_targets.get(index) {
                        self.define(name, value);
                    }
                }
            }
        }
        Ok(())
    }

    /// Ends the current element (at a comma or the frame's end).
    fn end_element(&mut self) -> Step {
        self.end_unit()?;
        let lang = self.lang;
        let frame = self.top()?;
        let value = frame.value();
        let empty = frame.units == 0 && !frame.mixed;
        if !empty {
            frame.elements += 1;
            frame.elements_class = frame.elements_class.and(value);
        }
        // Rust `format!` arguments: their classes, by position or name.
        if let Role::Macro(MacroKind::Format) = frame.role {
            let named = frame.named.take();
            let class = if named.is_some() {
                frame.content
            } else {
                value
            };
            if !empty && lang == Lang::Rust {
                self.args.push((named.unwrap_or(0), class));
            }
        }
        let frame = self.top()?;
        frame.content = Class::No;
        frame.units = 0;
        frame.mixed = false;
        frame.joined = false;
        frame.after_plus = None;
        Ok(())
    }

    /// A binary `+`.
    fn plus(&mut self) -> Step {
        let frame = self.top()?;
        frame.stmt_first = false;
        let left = frame.unit.as_ref().map(|unit| unit.left);
        self.end_unit()?;
        let frame = self.top()?;
        frame.prev = Prev::Start;
        match left {
            Some(left) => {
                frame.joined = true;
                frame.after_plus = (left != Class::No).then_some(left);
            }
            None => {
                frame.mixed = true;
                frame.after_plus = None;
            }
        }
        Ok(())
    }

    /// Any other operator.
    fn operator(&mut self) -> Step {
        self.end_unit()?;
        let frame = self.top()?;
        frame.stmt_first = false;
        frame.mixed = true;
        frame.after_plus = None;
        frame.prev = Prev::Start;
        Ok(())
    }

    /// An assignment: the names before it (since the last boundary) get the value after it.
    fn assign(&mut self) -> Step {
        let lang = self.lang;
        let last = self.targets.last().copied();
        let frame = self.top()?;
        if lang == Lang::Rust
            && frame.role == Role::Macro(MacroKind::Format)
            && frame.units == 0
            && !frame.mixed
            && frame
                .unit
                .as_ref()
                .is_some_and(|unit| unit.shape == Shape::Name)
        {
            // `format!("{name}", name = value)`: a named argument.
            frame.unit = None;
            frame.named = last;
            frame.prev = Prev::Start;
            return Ok(());
        }
        self.end_unit()?;
        let frame = self.top()?;
        frame.mixed = true;
        frame.after_plus = None;
        frame.prev = Prev::Start;
        let base = frame.targets_base;
        let old = frame.rhs_base;
        if let Some(old) = old {
            self.rhs_targets.truncate(old);
        }
        self.element_target()?;
        let start = self.rhs_targets.len();
        let names = self.targets.get(base..).unwrap_or_default();
        self.rhs_targets.extend_from_slice(names);
        self.reset_targets()?;
        let frame = self.top()?;
        frame.rhs_base = Some(start);
        frame.pending_rhs = true;
        Ok(())
    }

    /// The name the current element (since the last boundary or comma) assigns to, by the
    /// language's declaration order, pushed onto the frame's targets.
    fn element_target(&mut self) -> Step {
        let lang = self.lang;
        let frame = self.top()?;
        let mut names = [0u64; 2];
        match lang {
            Lang::Powershell => {}
            Lang::Csharp | Lang::Java | Lang::Javascript => names[0] = frame.last_name,
            Lang::Typescript | Lang::Python | Lang::Rust => {
                if frame.annotated != 0 {
                    names[0] = frame.annotated;
                    if frame.stmt_keyword {
                        names[1] = frame.last_name;
                    }
                } else {
                    names[0] = frame.last_name;
                }
            }
            Lang::Go => {
                names[0] = if frame.first_name != 0 {
                    frame.first_name
                } else {
                    frame.last_name
                };
            }
        }
        frame.last_name = 0;
        frame.first_name = 0;
        frame.annotated = 0;
        self.targets.extend(names.iter().filter(|&&name| name != 0));
        Ok(())
    }

    /// Forgets the names since the last boundary (a new statement starts).
    fn reset_targets(&mut self) -> Step {
        let frame = self.top()?;
        frame.last_name = 0;
        frame.first_name = 0;
        frame.annotated = 0;
        frame.stmt_first = true;
        frame.stmt_keyword = false;
        frame.command = false;
        let base = frame.targets_base;
        self.targets.truncate(base);
        Ok(())
    }

    /// A comma.
    fn comma(&mut self) -> Step {
        self.end_element()?;
        let frame = self.top()?;
        frame.commas += 1;
        frame.prev = Prev::Start;
        frame.stmt_first = false;
        if frame.rhs_base.is_some() {
            frame.pending_rhs = true;
        } else {
            // `a, b = ...`: each element may be a target.
            self.element_target()?;
        }
        Ok(())
    }

    /// The end of a statement (`;`, a significant newline).
    fn statement_end(&mut self) -> Step {
        self.end_element()?;
        let frame = self.top()?;
        frame.mixed = true;
        frame.prev = Prev::Start;
        frame.pending_rhs = false;
        let rhs = frame.rhs_base.take();
        if let Some(rhs) = rhs {
            self.rhs_targets.truncate(rhs);
        }
        self.reset_targets()
    }

    /// A name in code (an identifier, a PowerShell variable): it may be an assignment target.
    fn name(&mut self, hash: u64, class: Class) -> Step {
        let dot = self.top()?.dot;
        if dot != Dot::None {
            return self.member(hash, dot);
        }
        if self.lang == Lang::Powershell {
            self.targets.push(hash);
        }
        let frame = self.top()?;
        frame.last_name = hash;
        if frame.first_name == 0 {
            frame.first_name = hash;
        }
        self.primary(class, Shape::Name, false)
    }

    /// `.name`, `?.name`, `::name` after an operand.
    fn member(&mut self, hash: u64, dot: Dot) -> Step {
        let lang = self.lang;
        let frame = self.top()?;
        frame.last_name = hash;
        frame.dot = Dot::None;
        frame.prev = Prev::Operand;
        let Some(unit) = frame.unit.as_mut() else {
            return self.primary(Class::name(hash), Shape::Name, false);
        };
        let name = Class::name(hash);
        match lang {
            Lang::Powershell => {
                unit.strict = Class::No;
                unit.left = Class::No;
                unit.shape = Shape::Other;
            }
            Lang::Rust => {
                if dot == Dot::Path && unit.shape == Shape::Name {
                    // `Self::KEY`, `config::KEY`: resolved by the last segment.
                    unit.strict = name;
                    unit.left = name;
                    unit.robust = name;
                    unit.segment = hash;
                } else {
                    unit.receiver = unit.strict;
                    unit.method = hash;
                    unit.strict = Class::No;
                    unit.left = Class::No;
                    unit.robust = Class::No;
                    unit.shape = Shape::Member;
                }
            }
            _ => {
                let first = unit.shape == Shape::Name;
                unit.strict = if first && dot == Dot::Member {
                    name
                } else {
                    Class::No
                };
                unit.left = name;
                if first {
                    unit.robust = unit.robust.or(name);
                }
                unit.shape = Shape::Member;
            }
        }
        Ok(())
    }

    /// An opening bracket in code.
    fn open(&mut self, byte: u8) -> Step {
        let lang = self.lang;
        let frame = self.top()?;
        frame.stmt_first = false;
        let in_unit = frame.unit.is_some();
        let shape = frame.unit.as_ref().map(|unit| unit.shape);
        frame.dot = Dot::None;
        let (role, close) = match byte {
            b'(' => match shape {
                Some(Shape::Closed | Shape::Type) => (Role::Cast, b')'),
                Some(_) => (Role::Call, b')'),
                None => (Role::Group, b')'),
            },
            b'[' => {
                if in_unit && !(lang == Lang::Powershell && shape == Some(Shape::Type)) {
                    (Role::Index, b']')
                } else {
                    (Role::List, b']')
                }
            }
            _ => (Role::Block, b'}'),
        };
        let mut condition = false;
        if role == Role::Block {
            self.end_unit()?;
            let frame = self.top()?;
            frame.mixed = true;
            frame.after_plus = None;
            frame.pending_rhs = false;
        } else if role == Role::Call && lang.is_js() {
            // `if (...) /re/`: remember the keyword before the parentheses.
            condition = self.last_word_is(&[b"if", b"while", b"for", b"with"]);
        }
        if matches!(role, Role::Group | Role::List) {
            // The operand starts here; its class is known when the bracket closes.
            self.start_unit(Class::No, Shape::Other, false)?;
        }
        self.push_code(role, close, condition)
    }

    /// Whether the operand in progress is exactly one of these words.
    fn last_word_is(&self, words: &[&[u8]]) -> bool {
        // The unit is a bare name ending right before the bracket (and its whitespace); the
        // cursor is past the bracket.
        let mut end = self.pos.saturating_sub(1);
        while end > 0
            && self
                .bytes
                .get(end - 1)
                .is_some_and(|byte| byte.is_ascii_whitespace())
        {
            end -= 1;
        }
        let mut start = end;
        while start > 0
            && self
                .bytes
                .get(start - 1)
                .is_some_and(|&byte| is_ident_byte(byte) || byte == b'$')
        {
            start -= 1;
        }
        let word = self.bytes.get(start..end).unwrap_or_default();
        words.contains(&word)
    }

    /// Pushes a code frame.
    fn push_code(&mut self, role: Role, close: u8, condition: bool) -> Step {
        let base = self.targets.len();
        let mut frame = Frame::new(Mode::Code, role, close, base);
        frame.condition = condition;
        frame.args_base = self.args.len();
        self.frames.push(frame);
        Ok(())
    }

    /// A closing bracket in code.
    fn close(&mut self, byte: u8) -> Step {
        let frame = self.top()?;
        if frame.close != byte || frame.role == Role::File {
            return Err(Stop);
        }
        if frame.role == Role::Hole {
            return self.close_hole();
        }
        self.end_element()?;
        let frame = self.frames.pop().ok_or(Stop)?;
        self.targets.truncate(frame.targets_base);
        if let Some(base) = frame.rhs_base {
            self.rhs_targets.truncate(base);
        }
        let value = if frame.elements == 1 && (frame.commas == 0 || frame.role != Role::Group) {
            frame.elements_class
        } else {
            Class::No
        };
        let lang = self.lang;
        match frame.role {
            Role::Block => {
                let parent = self.top()?;
                parent.prev = Prev::Brace;
            }
            Role::Container => {}
            Role::Macro(kind) => {
                let class = self.macro_value(kind, &frame)?;
                self.args.truncate(frame.args_base);
                let parent = self.top()?;
                parent.prev = Prev::Operand;
                if let Some(unit) = parent.unit.as_mut() {
                    unit.strict = class;
                    unit.left = class;
                    unit.robust = class;
                    unit.shape = Shape::Closed;
                }
            }
            role => {
                let parent = self.top()?;
                parent.prev = if frame.condition {
                    Prev::Start
                } else {
                    Prev::Operand
                };
                let Some(unit) = parent.unit.as_mut() else {
                    return Ok(());
                };
                match role {
                    Role::Group => {
                        unit.strict = value;
                        unit.left = value;
                        unit.robust = value;
                        unit.shape = Shape::Closed;
                    }
                    Role::Cast => {
                        unit.strict = value;
                        unit.left = value;
                        unit.robust = unit.robust.or(value);
                        unit.shape = Shape::Closed;
                    }
                    Role::Call => {
                        let mut strict = Class::No;
                        if lang == Lang::Rust {
                            let empty = frame.elements == 0;
                            let mut joins = false;
                            if unit.shape == Shape::Member {
                                let method = unit.method;
                                let is = |names: &[&[u8]]| {
                                    names
                                        .iter()
                                        .any(|name| hash_bytes(name.iter().copied()) == method)
                                };
                                if empty && is(RUST_TRANSPARENT) {
                                    strict = unit.receiver;
                                } else if is(&[b"concat", b"join"]) {
                                    if let Some((count, class)) = unit.array {
                                        if count >= 2 {
                                            let class =
                                                if empty { class } else { class.and(value) };
                                            strict = class;
                                            joins = true;
                                        }
                                    }
                                }
                            } else if unit.shape == Shape::Name && frame.elements == 1 {
                                let segment = unit.segment;
                                let is_conversion = [&b"from"[..], b"to_string", b"to_owned"]
                                    .iter()
                                    .any(|name| hash_bytes(name.iter().copied()) == segment);
                                if is_conversion {
                                    strict = value;
                                }
                            }
                            unit.strict = strict;
                            unit.left = strict;
                            unit.robust = strict;
                            unit.array = None;
                            // `[a, b].concat()` builds a string from pieces.
                            if joins {
                                self.site(&[strict])?;
                            }
                            let parent = self.top()?;
                            if let Some(unit) = parent.unit.as_mut() {
                                unit.shape = Shape::Other;
                            }
                            return Ok(());
                        }
                        unit.strict = strict;
                        // The parser may have left the callee out: `f(x) + "a"` as `(x) + "a"`.
                        unit.left = value;
                        unit.shape = Shape::Other;
                    }
                    Role::Index => {
                        unit.strict = Class::No;
                        unit.left = Class::No;
                        unit.shape = Shape::Other;
                    }
                    Role::List => {
                        unit.strict = Class::No;
                        unit.left = Class::No;
                        unit.robust = Class::No;
                        unit.shape = if lang == Lang::Powershell {
                            Shape::Type
                        } else {
                            Shape::Array
                        };
                        if lang == Lang::Rust {
                            unit.array = Some((frame.elements, frame.elements_class));
                        }
                        if lang == Lang::Powershell {
                            // `[string]$x`: the class comes with the cast operand.
                            unit.robust = Class::No;
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// The value of a Rust macro call (and the sites it makes).
    fn macro_value(&mut self, kind: MacroKind, frame: &Frame) -> Result<Class, Stop> {
        match kind {
            MacroKind::Other => Ok(Class::No),
            MacroKind::Concat => {
                // Any literal (numbers, chars, bools too) is a piece: conservative.
                if frame.elements >= 2 {
                    return Err(Stop);
                }
                Ok(Class::Yes)
            }
            MacroKind::Format => {
                let Some((start, end)) = frame.format else {
                    return Ok(Class::No);
                };
                let format = self.bytes.get(start..end).unwrap_or_default();
                let args = self
                    .args
                    .get(frame.args_base..)
                    .unwrap_or_default()
                    .to_vec();
                // args[0] is the format literal itself.
                let positional: Vec<Class> = args
                    .iter()
                    .skip(1)
                    .filter(|(name, _)| *name == 0)
                    .map(|(_, class)| *class)
                    .collect();
                let named = |hash: u64| {
                    args.iter()
                        .skip(1)
                        .find(|(name, _)| *name == hash)
                        .map(|(_, class)| *class)
                };
                // Escapes could spell braces: give up on precision.
                if format.windows(3).any(|w| w == b"\\u{" || w == b"\\x7") {
                    self.site(&[Class::Yes])?;
                    return Ok(Class::Yes);
                }
                let mut classes = Vec::new();
                let mut texts = 0u32;
                let mut run = false;
                let mut next = 0usize;
                let mut index = 0usize;
                while let Some(&byte) = format.get(index) {
                    match byte {
                        b'{' if format.get(index + 1) == Some(&b'{') => {
                            run = true;
                            index += 2;
                        }
                        b'}' if format.get(index + 1) == Some(&b'}') => {
                            run = true;
                            index += 2;
                        }
                        b'{' => {
                            if run {
                                texts += 1;
                                run = false;
                            }
                            let close = format
                                .iter()
                                .skip(index)
                                .position(|&b| b == b'}')
                                .map(|offset| index + offset);
                            let Some(close) = close else {
                                return Ok(Class::No);
                            };
                            let spec = format.get(index + 1..close).unwrap_or_default();
                            let (argument, style) = match spec.iter().position(|&b| b == b':') {
                                Some(colon) => (
                                    spec.get(..colon).unwrap_or_default(),
                                    spec.get(colon + 1..).unwrap_or_default(),
                                ),
                                None => (spec, &b""[..]),
                            };
                            if !style.is_empty() {
                                return Ok(Class::No);
                            }
                            let argument = argument.trim_ascii();
                            let class = if argument.is_empty() {
                                next += 1;
                                positional.get(next - 1).copied().unwrap_or(Class::No)
                            } else if argument.iter().all(u8::is_ascii_digit) {
                                std::str::from_utf8(argument)
                                    .ok()
                                    .and_then(|digits| digits.parse::<usize>().ok())
                                    .and_then(|at| positional.get(at).copied())
                                    .unwrap_or(Class::No)
                            } else {
                                let hash = hash_bytes(argument.iter().copied());
                                named(hash).unwrap_or(Class::name(hash))
                            };
                            classes.push(class);
                            index = close + 1;
                        }
                        b'}' => return Ok(Class::No),
                        _ => {
                            run = true;
                            index += 1;
                        }
                    }
                }
                if run {
                    texts += 1;
                }
                let class = classes
                    .iter()
                    .fold(Class::Yes, |all, class| all.and(*class));
                if texts as usize + classes.len() >= 2 && !classes.is_empty() {
                    self.site(&classes)?;
                }
                Ok(class)
            }
        }
    }

    /// A template's end (the cursor past its closing quotes): its site and its value as an
    /// operand.
    fn end_template(&mut self) -> Step {
        let Some(Mode::Template(template)) = self.frames.last().map(|frame| frame.mode) else {
            return Err(Stop);
        };
        self.check_after()?;
        let classes = self
            .hole_classes
            .get(template.holes_base..)
            .unwrap_or_default()
            .to_vec();
        self.hole_classes.truncate(template.holes_base);
        self.frames.pop();
        let texts = template.texts + u32::from(template.run);
        let (class, piece) = match template.kind {
            Tpl::Java(_) => (Class::Yes, texts > 0 || template.holes > 0),
            Tpl::CsRegular | Tpl::CsVerbatim | Tpl::CsRaw(..) => {
                // After a syntax error the C# scanner does not start interpolations: `$"{x}"`
                // is then `$` and the plain string `"{x}"`, which resolves.
                if template.ok && template.holes > 0 && texts + template.holes >= 2 {
                    self.site(&classes)?;
                }
                (Class::Yes, texts > 0 || template.holes > 0)
            }
            Tpl::Python { quote, t, .. } => {
                // After an error the prefix may be read as a name and the rest as a plain
                // string (which resolves): as an operand an f-string may resolve whatever its
                // holes hold.
                if let Some(open) = self.python_quotes.get_mut(quote_index(quote)) {
                    *open = open.saturating_sub(1);
                }
                if !t && template.ok && template.holes > 0 && texts + template.holes >= 2 {
                    self.site(&classes)?;
                }
                (Class::Yes, texts > 0 || template.holes > 0)
            }
            _ => {
                let class = if template.ok {
                    classes
                        .iter()
                        .fold(Class::Yes, |all, class| all.and(*class))
                } else {
                    Class::No
                };
                if template.ok && template.holes > 0 && texts + template.holes >= 2 {
                    self.site(&classes)?;
                }
                (class, texts > 0 || template.holes > 0)
            }
        };
        if self.lang == Lang::Powershell {
            self.run_start = self.pos;
        }
        self.primary(class, Shape::Literal, piece)
    }

    /// A plain literal (no holes).
    fn literal(&mut self, class: Class, piece: bool) -> Step {
        if self.lang == Lang::Powershell {
            self.run_start = self.pos;
        }
        self.check_before(self.token_start)?;
        self.check_after()?;
        self.primary(class, Shape::Literal, piece)
    }

    /// A literal right after a name, a number or another literal on the same line is a
    /// syntax error, and tree-sitter recovers from it by skipping tokens, a quote among them,
    /// after which it pairs quotes differently (code this lexer reads as a string is code to
    /// it): give up. Keywords that take a literal (`return "a"`) are fine. Rust (syn recovers
    /// nothing) and PowerShell (a command's arguments are side by side) are not checked.
    fn check_before(&self, start: usize) -> Step {
        let lang = self.lang;
        if lang == Lang::Powershell {
            // A literal after an operand is a command's argument; in an expression (or glued
            // to the operand: `$x"a"`) it is an error.
            let frame = self.frames.last().ok_or(Stop)?;
            let glued = start
                .checked_sub(1)
                .and_then(|at| self.bytes.get(at))
                .is_some_and(|byte| !byte.is_ascii_whitespace());
            let cast = frame
                .unit
                .as_ref()
                .is_some_and(|unit| unit.shape == Shape::Type);
            if frame.prev == Prev::Operand && !cast && (glued || !frame.command) {
                return Err(Stop);
            }
            return Ok(());
        }
        if lang == Lang::Rust {
            return Ok(());
        }
        let before = self.bytes.get(..start).unwrap_or_default();
        let trimmed = before.trim_ascii_end();
        if before.len() != trimmed.len()
            && before
                .get(trimmed.len()..)
                .is_some_and(|gap| gap.contains(&b'\n') || gap.contains(&b'\r'))
        {
            return Ok(());
        }
        let Some(&last) = trimmed.last() else {
            return Ok(());
        };
        if matches!(last, b'"' | b'\'' | b'`') {
            // Python joins adjacent literals; elsewhere two literals side by side are an error.
            return if lang == Lang::Python {
                Ok(())
            } else {
                Err(Stop)
            };
        }
        if !(is_ident_byte(last) || last == b'$' || last >= 0x80) {
            return Ok(());
        }
        let word_start = trimmed
            .iter()
            .rposition(|&byte| !(is_ident_byte(byte) || byte == b'$' || byte >= 0x80))
            .map_or(0, |at| at + 1);
        let word = trimmed.get(word_start..).unwrap_or_default();
        if word.first().is_some_and(u8::is_ascii_digit) {
            return Err(Stop);
        }
        // Go: `import alias "path"` and struct tags follow names.
        if lang == Lang::Go || keywords_before_literal(lang).contains(&word) {
            return Ok(());
        }
        Err(Stop)
    }

    /// A number next to a name, a number or a literal on the same line is an error too (see
    /// [`Scan::check_before`]); the cursor is after the number.
    fn check_number(&self) -> Step {
        if matches!(self.lang, Lang::Rust | Lang::Powershell) {
            return Ok(());
        }
        let before = self.bytes.get(..self.token_start).unwrap_or_default();
        let last = before
            .iter()
            .rev()
            .find(|&&byte| byte != b' ' && byte != b'\t')
            .copied()
            .unwrap_or(b'\n');
        if matches!(last, b'"' | b'\'' | b'`') || last.is_ascii_digit() {
            return Err(Stop);
        }
        self.check_after()
    }

    /// The other side of [`Scan::check_before`]: a name, number or literal right after a
    /// literal on the same line (the cursor after it).
    fn check_after(&self) -> Step {
        let lang = self.lang;
        if matches!(lang, Lang::Rust | Lang::Powershell) {
            return Ok(());
        }
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        let gap = rest
            .iter()
            .take_while(|&&byte| byte == b' ' || byte == b'\t')
            .count();
        let rest = rest.get(gap..).unwrap_or_default();
        let Some(&next) = rest.first() else {
            return Ok(());
        };
        if matches!(next, b'"' | b'\'' | b'`') {
            return if lang == Lang::Python || (lang.is_js() && next == b'`') {
                Ok(())
            } else {
                Err(Stop)
            };
        }
        if !(is_ident_byte(next) || next == b'$' || next >= 0x80) {
            return Ok(());
        }
        let len = rest
            .iter()
            .take_while(|&&byte| is_ident_byte(byte) || byte == b'$' || byte >= 0x80)
            .count();
        let word = rest.get(..len).unwrap_or_default();
        if lang == Lang::Python
            && matches!(rest.get(len), Some(b'"' | b'\'' | b'`'))
            && word.iter().all(|b| b"fFtTrRbBuU".contains(b))
        {
            // The next literal's prefix.
            return Ok(());
        }
        if keywords_after_literal(lang).contains(&word) {
            return Ok(());
        }
        Err(Stop)
    }

    /// Opens a template: its text is read next.
    fn open_template(&mut self, kind: Tpl) -> Step {
        self.check_before(self.token_start)?;
        let base = self.targets.len();
        let template = Template {
            kind,
            texts: 0,
            holes: 0,
            run: false,
            ok: true,
            holes_base: self.hole_classes.len(),
        };
        self.frames
            .push(Frame::new(Mode::Template(template), Role::Hole, 0, base));
        Ok(())
    }

    /// Opens a hole in the template on top (the hole's code is read next).
    fn open_hole(&mut self, close: u8, close_count: u32) -> Step {
        let frame = self.top()?;
        if let Mode::Template(template) = &mut frame.mode {
            if template.run {
                template.texts += 1;
                template.run = false;
            }
        }
        if self.lang == Lang::Csharp {
            self.csharp_holes += 1;
        }
        let base = self.targets.len();
        let mut hole = Frame::new(Mode::Code, Role::Hole, close, base);
        hole.close_count = close_count;
        hole.args_base = self.args.len();
        self.frames.push(hole);
        Ok(())
    }

    /// Closes the hole on top (the cursor is past its closing bracket).
    fn close_hole(&mut self) -> Step {
        self.end_element()?;
        let frame = self.frames.pop().ok_or(Stop)?;
        if self.lang == Lang::Csharp {
            self.csharp_holes = self.csharp_holes.saturating_sub(1);
        }
        self.targets.truncate(frame.targets_base);
        if let Some(base) = frame.rhs_base {
            self.rhs_targets.truncate(base);
        }
        let class = if frame.bad || frame.elements != 1 || frame.commas > 0 {
            Class::No
        } else {
            frame.elements_class
        };
        self.add_hole(class)
    }

    /// Adds a finished hole's class to the template on top.
    fn add_hole(&mut self, class: Class) -> Step {
        let frame = self.top()?;
        let Mode::Template(template) = &mut frame.mode else {
            return Err(Stop);
        };
        template.holes += 1;
        if class == Class::No {
            template.ok = false;
        } else {
            self.hole_classes.push(class);
        }
        Ok(())
    }

    /// Marks the current template text run non-empty.
    fn text(&mut self) -> Step {
        let frame = self.top()?;
        if let Mode::Template(template) = &mut frame.mode {
            template.run = true;
        }
        Ok(())
    }

    // ---------------------------------------------------------------- shared lexing

    fn skip_line(&mut self) {
        while !self.eof() && self.at(0) != b'\n' {
            self.pos += 1;
        }
    }

    /// Skips a `/* ... */` comment (nested for Rust); `Err` if it does not end.
    fn block_comment(&mut self) -> Step {
        self.pos += 2;
        let mut depth = 1u32;
        loop {
            if self.eof() {
                return Err(Stop);
            }
            match (self.at(0), self.at(1)) {
                (b'*', b'/') => {
                    self.pos += 2;
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                (b'/', b'*') if self.lang == Lang::Rust => {
                    self.pos += 2;
                    depth += 1;
                }
                (b'\n', _) => {
                    self.pos += 1;
                    self.rust_item_line()?;
                }
                _ => self.pos += 1,
            }
        }
    }

    /// Rust: a line inside a multi-line literal or comment that starts an item (where the
    /// parser splits a file that does not parse, cutting the literal).
    fn rust_item_line(&self) -> Step {
        if self.lang == Lang::Rust && RUST_ITEMS.iter().any(|item| self.starts_with(item)) {
            return Err(Stop);
        }
        Ok(())
    }

    fn rust_inner_attribute(&self) -> bool {
        let rest = self.bytes.get(2..).unwrap_or_default();
        rest.iter()
            .find(|byte| !byte.is_ascii_whitespace())
            .is_some_and(|&byte| byte == b'[')
    }

    /// Reads an identifier's bytes (ASCII and non-ASCII letters); returns its end.
    fn ident_end(&self, from: usize, extra: &[u8]) -> usize {
        let mut end = from;
        while let Some(&byte) = self.bytes.get(end) {
            if is_ident_byte(byte) || extra.contains(&byte) {
                end += 1;
            } else if byte >= 0x80 {
                let Some(c) = self.text.get(end..).and_then(|rest| rest.chars().next()) else {
                    break;
                };
                if c.is_alphanumeric() {
                    end += c.len_utf8();
                } else {
                    break;
                }
            } else {
                break;
            }
        }
        end
    }

    /// Skips whitespace in code; returns whether a newline was crossed.
    fn whitespace(&mut self) -> bool {
        let mut newline = false;
        loop {
            let byte = self.at(0);
            match byte {
                b'\n' => {
                    newline = true;
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c' => self.pos += 1,
                b'\\' if self.lang == Lang::Python && matches!(self.at(1), b'\n' | b'\r') => {
                    self.pos += 2;
                    if self.at(0) == b'\n' {
                        self.pos += 1;
                    }
                }
                b'`' if self.lang == Lang::Powershell && matches!(self.at(1), b'\n' | b'\r') => {
                    self.pos += 2;
                    if self.at(0) == b'\n' {
                        self.pos += 1;
                    }
                }
                0x80.. => match self.char_at() {
                    Some(c)
                        if c.is_whitespace()
                            || matches!(c, '\u{feff}' | '\u{200b}' | '\u{2060}') =>
                    {
                        if matches!(c, '\u{2028}' | '\u{2029}') {
                            newline = true;
                        }
                        self.pos += c.len_utf8();
                    }
                    _ => return newline,
                },
                _ => return newline,
            }
        }
    }

    // ---------------------------------------------------------------- code

    /// Reads one token of code (and what it starts: a literal, a comment, a bracket).
    /// `Ok(false)` at the end of the text.
    fn code(&mut self) -> Result<bool, Stop> {
        let newline = self.whitespace();
        let lang = self.lang;
        if lang == Lang::Powershell {
            let byte_before = self
                .pos
                .checked_sub(1)
                .and_then(|at| self.bytes.get(at))
                .copied()
                .unwrap_or(b'\n');
            if ps_terminator(byte_before) {
                self.run_start = self.pos;
            }
        }
        if newline {
            self.newline()?;
        }
        if self.eof() {
            return Ok(false);
        }
        self.token_start = self.pos;
        if self.at(0) == b'\\' && lang != Lang::Powershell {
            // A backslash in code (other than a Python line continuation) is an error the
            // parser recovers from by lexing escape sequences: `\f"x"` is no f-string there.
            return Err(Stop);
        }
        match lang {
            Lang::Csharp => self.csharp()?,
            Lang::Python => self.python()?,
            Lang::Javascript | Lang::Typescript => self.javascript()?,
            Lang::Java => self.java()?,
            Lang::Go => self.go()?,
            Lang::Powershell => self.powershell()?,
            Lang::Rust => self.rust()?,
        }
        Ok(true)
    }

    /// A newline in code: a statement end where the language makes it one.
    fn newline(&mut self) -> Step {
        let lang = self.lang;
        let frame = self.top()?;
        if lang == Lang::Python && frame.role == Role::File {
            // No target and its `=` are on different lines outside brackets.
            self.reset_targets()?;
        }
        let frame = self.top()?;
        let line_end = matches!(frame.prev, Prev::Operand | Prev::Brace | Prev::Step);
        if line_end && matches!(lang, Lang::Go | Lang::Typescript | Lang::Javascript) {
            // Where a statement may end at a line break (Go's and JavaScript's automatic
            // semicolons), the next line's first name or annotation is its own.
            frame.first_name = 0;
            frame.annotated = 0;
            frame.stmt_first = true;
            frame.stmt_keyword = false;
        }
        let frame = self.top()?;
        let ends = frame.prev == Prev::Operand
            && match lang {
                Lang::Python => frame.role == Role::File,
                Lang::Powershell => true,
                _ => false,
            };
        if ends {
            self.statement_end()?;
        }
        Ok(())
    }

    /// Brackets and the operators every language reads alike; `false` if the byte is none.
    fn punctuation(&mut self) -> Result<bool, Stop> {
        let lang = self.lang;
        let byte = self.at(0);
        match byte {
            b'(' | b'[' | b'{' => {
                self.pos += 1;
                self.open(byte)?;
            }
            b')' | b']' | b'}' => {
                let frame = self.top()?;
                let count = frame.close_count as usize;
                if byte == b'}' && frame.role == Role::Hole && count > 1 {
                    // C# raw interpolation: `}}` closes a `{{` hole.
                    if self.run_of(b'}') < count {
                        return Err(Stop);
                    }
                    self.pos += count;
                } else {
                    self.pos += 1;
                }
                self.close(byte)?;
            }
            b',' => {
                self.pos += 1;
                self.comma()?;
            }
            b';' => {
                self.pos += 1;
                self.statement_end()?;
            }
            b'+' => match self.at(1) {
                b'+' => {
                    self.pos += 2;
                    self.operator()?;
                    self.top()?.prev = Prev::Step;
                }
                b'=' => {
                    self.pos += 2;
                    self.statement_end()?;
                }
                _ => {
                    self.pos += 1;
                    self.plus()?;
                }
            },
            b'-' if self.at(1) == b'-' => {
                self.pos += 2;
                self.operator()?;
                self.top()?.prev = Prev::Step;
            }
            b'=' => match self.at(1) {
                b'=' => {
                    self.pos += 2;
                    while self.at(0) == b'=' {
                        self.pos += 1;
                    }
                    self.operator()?;
                }
                b'>' => {
                    self.pos += 2;
                    if lang == Lang::Csharp {
                        // `string P => "..."`: a property's value.
                        self.assign()?;
                    } else {
                        self.operator()?;
                    }
                }
                _ => {
                    self.pos += 1;
                    self.assign()?;
                }
            },
            b':' if self.at(1) == b'=' => {
                self.pos += 2;
                self.assign()?;
            }
            b'>' if self.at(1) == b'=' => {
                // `List<string>= ...`: a generic's end and an assignment, or a comparison.
                self.pos += 2;
                self.assign()?;
            }
            b'.' if self.at(1) != b'.' && !self.at(1).is_ascii_digit() => {
                self.pos += 1;
                self.dot(Dot::Member)?;
            }
            b'?' if self.at(1) == b'.' && !self.at(2).is_ascii_digit() => {
                self.pos += 2;
                self.dot(Dot::Optional)?;
            }
            b':' if self.at(1) == b':' => {
                self.pos += 2;
                self.dot(Dot::Path)?;
            }
            b'!' if self.at(1) != b'=' && self.top()?.unit.is_some() && lang != Lang::Rust => {
                // A postfix `!` (TypeScript non-null, C# null-forgiving) keeps the operand.
                self.pos += 1;
            }
            b'0'..=b'9' => {
                self.number();
                self.check_number()?;
                self.primary(Class::No, Shape::Other, false)?;
            }
            b'.' if self.at(1).is_ascii_digit() => {
                self.pos += 1;
                self.number();
                self.check_number()?;
                self.primary(Class::No, Shape::Other, false)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// A member access operator: the next name is a member if an operand precedes.
    fn dot(&mut self, dot: Dot) -> Step {
        let frame = self.top()?;
        if frame.unit.is_some() {
            frame.dot = dot;
            Ok(())
        } else {
            self.operator()
        }
    }

    /// Any other operator byte (or run of them).
    fn other_operator(&mut self) -> Step {
        let byte = self.at(0);
        if byte == b':' && matches!(self.lang, Lang::Typescript | Lang::Python | Lang::Rust) {
            // `x: T = ...`: the name before the first `:` is the target.
            let frame = self.top()?;
            if frame.annotated == 0 {
                frame.annotated = frame.last_name;
            }
        }
        self.pos += 1;
        // Keep compound operators whole (`<<`, `&&`, `->`, `!=`, `*=`, `!==`) so that an `=`
        // in them is not read as an assignment, and nothing more (`:<#` is `:` and a comment).
        let mut repeats = 0;
        while repeats < 2
            && self.at(0) == byte
            && matches!(byte, b'<' | b'>' | b'&' | b'|' | b'*' | b'?' | b'.')
        {
            self.pos += 1;
            repeats += 1;
        }
        if byte == b'-' && self.at(0) == b'>' {
            self.pos += 1;
        } else if self.at(0) == b'=' && byte != b':' {
            self.pos += 1;
            if self.at(0) == b'=' {
                self.pos += 1;
            }
        }
        self.operator()
    }

    /// A number (its bytes; a number never resolves).
    fn number(&mut self) {
        loop {
            let byte = self.at(0);
            if is_ident_byte(byte) {
                self.pos += 1;
                if matches!(byte, b'e' | b'E')
                    && matches!(self.at(0), b'+' | b'-')
                    && self.at(1).is_ascii_digit()
                {
                    self.pos += 1;
                }
            } else if byte == b'.' && self.at(1).is_ascii_digit() {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// An identifier at the cursor (`extra`: bytes identifiers may hold besides letters,
    /// digits and `_`).
    fn identifier(&mut self, extra: &[u8]) -> Step {
        let start = self.pos;
        let end = self.ident_end(start, extra).max(start + 1);
        self.pos = end;
        let word = self.bytes.get(start..end).unwrap_or_default();
        let hash = hash_bytes(word.iter().copied());
        let lang = self.lang;
        // TypeScript `x as T`: the type is skipped, the operand kept.
        if lang == Lang::Typescript
            && (word == b"as" || word == b"satisfies")
            && self.top()?.unit.is_some()
            && self.top()?.dot == Dot::None
        {
            return self.skip_type();
        }
        let frame = self.top()?;
        let bare = frame.dot == Dot::None;
        if bare && frame.stmt_first {
            let keywords: &[&[u8]] = match lang {
                Lang::Python => PYTHON_BLOCK_KEYWORDS,
                Lang::Typescript => &[b"case", b"default"],
                _ => &[],
            };
            frame.stmt_keyword = keywords.contains(&word);
        }
        if lang == Lang::Go && bare && GO_KEYWORDS.contains(&word) {
            // Not a declared name: the first name of `var x T = ...` comes after it.
            let frame = self.top()?;
            frame.stmt_first = false;
            return self.primary(Class::No, Shape::Other, false);
        }
        let keyword = lang.is_js() && bare && JS_OPERAND_KEYWORDS.contains(&word);
        self.name(hash, Class::name(hash))?;
        if keyword {
            self.top()?.prev = Prev::Start;
        }
        Ok(())
    }

    /// TypeScript: skips the type after `as` / `satisfies` (the cursor after the keyword); the
    /// operand before it is kept as it was (`x as string` is `x` to the engine).
    fn skip_type(&mut self) -> Step {
        // Open brackets inside the type (`(`, `[`, `{`, `<`), without allocating for the usual
        // flat types.
        let mut stack: Vec<u8> = Vec::new();
        let mut expect = true;
        loop {
            self.whitespace();
            if self.starts_with(b"//") {
                self.skip_line_js();
                continue;
            }
            if self.starts_with(b"/*") {
                self.block_comment()?;
                continue;
            }
            if self.eof() {
                return if stack.is_empty() { Ok(()) } else { Err(Stop) };
            }
            let byte = self.at(0);
            if let Some(&top) = stack.last() {
                match byte {
                    b'(' | b'[' | b'{' | b'<' => {
                        stack.push(byte);
                        self.pos += 1;
                    }
                    b')' | b']' | b'}' | b'>' => {
                        let open = match byte {
                            b')' => b'(',
                            b']' => b'[',
                            b'}' => b'{',
                            _ => b'<',
                        };
                        self.pos += 1;
                        if top == open {
                            stack.pop();
                            expect = false;
                        } else if byte != b'>' {
                            // `=>` inside a function type is fine; other mismatches are not.
                            return Err(Stop);
                        }
                    }
                    b'"' | b'\'' => self.skip_js_string()?,
                    b'`' => return Err(Stop),
                    _ => self.pos += 1,
                }
                continue;
            }
            let word = is_ident_start(byte)
                || byte == b'$'
                || byte.is_ascii_digit()
                || (byte >= 0x80 && self.char_at().is_some_and(char::is_alphanumeric));
            if expect {
                match byte {
                    b'(' | b'[' | b'{' | b'<' => {
                        stack.push(byte);
                        self.pos += 1;
                    }
                    b'"' | b'\'' => {
                        self.skip_js_string()?;
                        expect = false;
                    }
                    b'-' if self.at(1).is_ascii_digit() => self.pos += 1,
                    _ if word => {
                        self.pos = self.ident_end(self.pos, b"$").max(self.pos + 1);
                        expect = false;
                    }
                    _ => return Ok(()),
                }
            } else {
                match byte {
                    b'.' if self.at(1) != b'.' => {
                        self.pos += 1;
                        expect = true;
                    }
                    b'|' | b'&' if self.at(1) != byte && self.at(1) != b'=' => {
                        self.pos += 1;
                        expect = true;
                    }
                    b'[' if self.at(1) == b']' => self.pos += 2,
                    b'<' => {
                        stack.push(byte);
                        self.pos += 1;
                    }
                    b'=' if self.at(1) == b'>' => {
                        self.pos += 2;
                        expect = true;
                    }
                    _ => return Ok(()),
                }
            }
        }
    }

    /// JavaScript: skips a `'...'` / `"..."` string (the cursor on its quote).
    fn skip_js_string(&mut self) -> Step {
        let quote = self.at(0);
        self.pos += 1;
        loop {
            match self.at(0) {
                _ if self.eof() => return Err(Stop),
                b'\n' | b'\r' => return Err(Stop),
                b'\\' => self.pos += 2,
                byte if byte == quote => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => self.pos += 1,
            }
        }
    }

    // ---------------------------------------------------------------- C#

    fn csharp(&mut self) -> Step {
        let byte = self.at(0);
        if self.csharp_holes > 0 && matches!(byte, b'"' | b'\'') {
            // After a syntax error the scanner reads `$"{f("a + b")}"` as `$`, `"{f("`, code
            // `a + b` and `")}"`: quotes in a hole pair differently then.
            return Err(Stop);
        }
        match byte {
            b'/' if self.at(1) == b'/' => self.skip_line(),
            b'/' if self.at(1) == b'*' => self.block_comment()?,
            b'#' => {
                // Preprocessor directives and script directives take the rest of the line.
                let line_start = self
                    .bytes
                    .get(..self.pos)
                    .unwrap_or_default()
                    .iter()
                    .rev()
                    .take_while(|&&byte| byte != b'\n')
                    .all(|byte| byte.is_ascii_whitespace());
                if !line_start {
                    return Err(Stop);
                }
                let mut at = self.pos + 1;
                while matches!(self.bytes.get(at), Some(b' ' | b'\t')) {
                    at += 1;
                }
                let end = self.ident_end(at, b"");
                let word = self.bytes.get(at..end).unwrap_or_default();
                let known: &[&[u8]] = &[
                    b"if",
                    b"elif",
                    b"else",
                    b"endif",
                    b"region",
                    b"endregion",
                    b"line",
                    b"pragma",
                    b"nullable",
                    b"error",
                    b"warning",
                    b"define",
                    b"undef",
                    b"r",
                    b"load",
                ];
                let shebang = self.pos == 0 && self.at(1) == b'!';
                if !known.contains(&word) && !shebang {
                    return Err(Stop);
                }
                self.skip_line();
            }
            b'"' => {
                if self.starts_with(b"\"\"\"") {
                    self.csharp_raw()?;
                } else {
                    self.csharp_regular()?;
                }
            }
            b'@' if self.at(1) == b'"' => {
                self.pos += 2;
                let start = self.pos;
                loop {
                    match self.at(0) {
                        _ if self.eof() => return Err(Stop),
                        b'"' if self.at(1) == b'"' => self.pos += 2,
                        b'"' => break,
                        _ => self.pos += 1,
                    }
                }
                let piece = self.pos > start;
                self.pos += 1;
                self.csharp_suffix();
                self.literal(Class::Yes, piece)?;
            }
            b'$' | b'@' if matches!(self.at(1), b'$' | b'"' | b'@') => {
                self.csharp_interpolated()?
            }
            b'\'' => {
                self.pos += 1;
                if self.at(0) == b'\\' {
                    self.pos += 2;
                    while !self.eof() && self.at(0) != b'\'' && self.at(0) != b'\n' {
                        self.pos += 1;
                    }
                } else if let Some(c) = self.char_at() {
                    self.pos += c.len_utf8();
                }
                if self.at(0) != b'\'' {
                    return Err(Stop);
                }
                self.pos += 1;
                self.primary(Class::No, Shape::Other, false)?;
            }
            b':' if self.at(1) != b':' && self.top()?.role == Role::Hole => {
                // `{x:N2}`: a format clause (`[^}"]+`) up to the hole's end.
                self.pos += 1;
                self.end_unit()?;
                self.top()?.bad = true;
                loop {
                    match self.at(0) {
                        _ if self.eof() => return Err(Stop),
                        b'"' => return Err(Stop),
                        b'}' => break,
                        _ => self.pos += 1,
                    }
                }
            }
            b'@' if is_ident_start(self.at(1)) || self.at(1) >= 0x80 => {
                self.pos += 1;
                let start = self.pos - 1;
                let end = self.ident_end(self.pos, b"");
                self.pos = end;
                let hash = hash_bytes(
                    self.bytes
                        .get(start..end)
                        .unwrap_or_default()
                        .iter()
                        .copied(),
                );
                self.name(hash, Class::name(hash))?;
            }
            _ if is_ident_start(byte) => self.identifier(b"")?,
            _ if byte >= 0x80 && self.char_at().is_some_and(char::is_alphanumeric) => {
                self.identifier(b"")?;
            }
            _ => {
                if !self.punctuation()? {
                    self.other_operator()?;
                }
            }
        }
        Ok(())
    }

    /// C#: `u8` after a string literal.
    fn csharp_suffix(&mut self) {
        if matches!(self.at(0), b'u' | b'U') && self.at(1) == b'8' && !is_ident_byte(self.at(2)) {
            self.pos += 2;
        }
    }

    /// C#: whether `\` + this byte is an escape the grammar knows.
    fn csharp_escape(byte: u8) -> bool {
        matches!(
            byte,
            b'a' | b'b'
                | b'e'
                | b'f'
                | b'n'
                | b'r'
                | b't'
                | b'v'
                | b'\''
                | b'"'
                | b'\\'
                | b'?'
                | b'0'
                | b'x'
                | b'u'
                | b'U'
        )
    }

    fn csharp_regular(&mut self) -> Step {
        self.pos += 1;
        let start = self.pos;
        loop {
            match self.at(0) {
                _ if self.eof() => return Err(Stop),
                b'\n' | b'\r' => return Err(Stop),
                b'\\' => {
                    if !Self::csharp_escape(self.at(1)) {
                        return Err(Stop);
                    }
                    self.pos += 2;
                }
                b'"' => break,
                _ => self.pos += 1,
            }
        }
        let piece = self.pos > start;
        self.pos += 1;
        self.csharp_suffix();
        self.literal(Class::Yes, piece)
    }

    fn csharp_raw(&mut self) -> Step {
        let quotes = self.run_of(b'"');
        self.pos += quotes;
        let start = self.pos;
        loop {
            if self.eof() {
                return Err(Stop);
            }
            if self.at(0) == b'"' {
                let run = self.run_of(b'"');
                if run == quotes {
                    break;
                }
                self.pos += run;
            } else {
                self.pos += 1;
            }
        }
        let piece = self.pos > start;
        self.pos += quotes;
        self.csharp_suffix();
        self.literal(Class::Yes, piece)
    }

    fn run_of(&self, byte: u8) -> usize {
        self.bytes
            .get(self.pos..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| b == byte)
            .count()
    }

    /// C#: `$"`, `$@"`, `@$"`, `$$"""`.
    fn csharp_interpolated(&mut self) -> Step {
        let mut verbatim = false;
        if self.at(0) == b'@' {
            verbatim = true;
            self.pos += 1;
        }
        let dollars = self.run_of(b'$');
        self.pos += dollars;
        if self.at(0) == b'@' {
            verbatim = true;
            self.pos += 1;
        }
        if dollars == 0 || self.at(0) != b'"' {
            return Err(Stop);
        }
        let quotes = self.run_of(b'"');
        if !verbatim && quotes >= 3 {
            self.pos += quotes;
            let dollars = u32::try_from(dollars).map_err(|_| Stop)?;
            let quotes = u32::try_from(quotes).map_err(|_| Stop)?;
            return self.open_template(Tpl::CsRaw(quotes, dollars));
        }
        if !verbatim && quotes == 2 {
            // `$""`: an empty string.
            self.pos += 2;
            return self.literal(Class::Yes, false);
        }
        if dollars != 1 {
            return Err(Stop);
        }
        self.pos += 1;
        self.open_template(if verbatim {
            Tpl::CsVerbatim
        } else {
            Tpl::CsRegular
        })
    }

    // ---------------------------------------------------------------- Python

    fn python(&mut self) -> Step {
        let byte = self.at(0);
        match byte {
            b'#' => self.skip_line(),
            b'"' | b'\'' | b'`' => self.python_string(0)?,
            _ if is_ident_start(byte)
                || (byte >= 0x80 && self.char_at().is_some_and(char::is_alphanumeric)) =>
            {
                let start = self.pos;
                let end = self.ident_end(start, b"");
                let word = self.bytes.get(start..end).unwrap_or_default();
                let quote = self.bytes.get(end).copied().unwrap_or(0);
                // After `.` the parser expects a name, so `x.rb'..'` is `x.rb` and a string.
                let prefix = matches!(quote, b'"' | b'\'' | b'`')
                    && word.iter().all(|b| b"fFtTrRbBuU".contains(b))
                    && self.top()?.dot == Dot::None;
                if prefix {
                    let mut flags = 0u8;
                    for &letter in word {
                        flags |= match letter.to_ascii_lowercase() {
                            b'f' => 1,
                            b't' => 1 | 4,
                            b'r' => 2,
                            _ => 0,
                        };
                    }
                    self.pos = end;
                    self.python_string(flags)?;
                } else {
                    self.identifier(b"")?;
                }
            }
            b'/' => {
                self.pos += 1;
                if self.at(0) == b'/' {
                    self.pos += 1;
                }
                if self.at(0) == b'=' {
                    self.pos += 1;
                    self.statement_end()?;
                } else {
                    self.operator()?;
                }
            }
            b'!' if self.top()?.role == Role::Hole && self.at(1) != b'=' => {
                // `{x!s}`: a conversion; only `!s` keeps the value.
                self.pos += 1;
                let letter = self.at(0);
                if letter.is_ascii_lowercase() {
                    self.pos += 1;
                }
                self.end_unit()?;
                if letter != b's' {
                    self.top()?.bad = true;
                }
            }
            b'!' if self.at(1) != b'=' => {
                // Not an operator in Python: after it the parser lexes `!f` as a conversion.
                return Err(Stop);
            }
            b':' if self.top()?.role == Role::Hole && self.at(1) != b'=' => {
                // `{x:spec}`: a format spec (which may hold holes).
                self.pos += 1;
                self.end_unit()?;
                let frame = self.top()?;
                frame.bad = true;
                frame.spec = true;
            }
            b'=' if self.top()?.role == Role::Hole && self.at(1) != b'=' => {
                // `{x=}`: the debug form.
                self.pos += 1;
                self.end_unit()?;
                self.top()?.bad = true;
            }
            _ => {
                if !self.punctuation()? {
                    self.other_operator()?;
                }
            }
        }
        Ok(())
    }

    /// Python: a string literal (the cursor on its quote); `flags`: 1 format, 2 raw,
    /// 4 t-string.
    fn python_string(&mut self, flags: u8) -> Step {
        let quote = self.at(0);
        let triple = self.at(1) == quote && self.at(2) == quote && quote != b'`';
        self.pos += if triple { 3 } else { 1 };
        let raw = flags & 2 != 0;
        if self
            .python_quotes
            .get(quote_index(quote))
            .is_some_and(|&open| open > 0)
        {
            // `f"{d["k"]}"`: after an error the f-string is plain and the quotes pair
            // differently.
            return Err(Stop);
        }
        if flags & 1 != 0 {
            if let Some(open) = self.python_quotes.get_mut(quote_index(quote)) {
                *open += 1;
            }
            return self.open_template(Tpl::Python {
                quote,
                triple,
                raw,
                t: flags & 4 != 0,
            });
        }
        let start = self.pos;
        let end = self.python_text(quote, triple, raw, false)?;
        let piece = end > start;
        self.literal(Class::Yes, piece)
    }

    /// Python: reads string text up to the closing quotes (or, in an f-string, a hole);
    /// returns where the text ended. The cursor is left after the closing quotes, or on the
    /// `{` of a hole.
    fn python_text(
        &mut self,
        quote: u8,
        triple: bool,
        raw: bool,
        format: bool,
    ) -> Result<usize, Stop> {
        loop {
            let byte = self.at(0);
            if self.eof() {
                return Err(Stop);
            }
            match byte {
                b'\\' => {
                    let next = self.at(1);
                    if raw {
                        self.pos += 1;
                        if next == quote || next == b'\\' {
                            self.pos += 1;
                        }
                        if self.at(0) == b'\r' {
                            self.pos += 1;
                        }
                        if self.at(0) == b'\n' {
                            self.pos += 1;
                        }
                    } else if format && matches!(next, b'{' | b'}') {
                        self.pos += 1;
                    } else if format && next == b'N' && self.at(2) == b'{' {
                        self.pos += 3;
                        while !self.eof() && self.at(0) != b'}' && self.at(0) != b'\n' {
                            self.pos += 1;
                        }
                        self.pos += 1;
                    } else {
                        self.pos += 2;
                        if next == b'\r' && self.at(0) == b'\n' {
                            self.pos += 1;
                        }
                    }
                }
                b'\n' | b'\r' if !triple => return Err(Stop),
                b'{' | b'}' if format => {
                    if self.at(1) == byte {
                        self.pos += 2;
                    } else if byte == b'{' {
                        return Ok(self.pos);
                    } else {
                        return Err(Stop);
                    }
                }
                _ if byte == quote => {
                    if !triple {
                        let end = self.pos;
                        self.pos += 1;
                        return Ok(end);
                    }
                    if self.at(1) == quote && self.at(2) == quote {
                        let end = self.pos;
                        self.pos += 3;
                        return Ok(end);
                    }
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
        }
    }

    /// Python: a hole's format spec (`{x:>{width}}`): text up to the hole's `}`, with nested
    /// holes read as code frames of their own.
    fn python_spec(&mut self) -> Step {
        loop {
            match self.at(0) {
                _ if self.eof() => return Err(Stop),
                // The spec is one token without line breaks; a quote in it is unusual enough
                // (and the grammar's recovery unpredictable enough) to give up.
                b'\n' | b'\r' | b'"' | b'\'' => return Err(Stop),
                b'{' => {
                    self.pos += 1;
                    return self.push_code(Role::Container, b'}', false);
                }
                b'}' => {
                    self.pos += 1;
                    return self.close_hole();
                }
                _ => self.pos += 1,
            }
        }
    }

    // ---------------------------------------------------------------- JavaScript / TypeScript

    fn javascript(&mut self) -> Step {
        let byte = self.at(0);
        let prev = self.top()?.prev;
        match byte {
            b'/' if self.at(1) == b'/' => self.skip_line_js(),
            b'/' if self.at(1) == b'*' => self.block_comment()?,
            b'/' => match prev {
                Prev::Start => self.regex()?,
                Prev::Brace | Prev::Step => return Err(Stop),
                Prev::Operand => self.other_operator()?,
            },
            b'<' if self.starts_with(b"<!--") && prev != Prev::Operand => self.skip_line_js(),
            b'-' if self.starts_with(b"-->") && prev != Prev::Operand => self.skip_line_js(),
            b'<' if prev == Prev::Start
                && (is_ident_start(self.at(1))
                    || matches!(self.at(1), b'>' | b'$')
                    || self.at(1) >= 0x80) =>
            {
                self.jsx_open()?;
            }
            b'<' if prev == Prev::Brace => return Err(Stop),
            b'"' | b'\'' => {
                self.pos += 1;
                let start = self.pos;
                loop {
                    match self.at(0) {
                        _ if self.eof() => return Err(Stop),
                        b'\n' | b'\r' => return Err(Stop),
                        b'\\' => {
                            self.pos += 2;
                            if self.bytes.get(self.pos - 1) == Some(&b'\r') && self.at(0) == b'\n' {
                                self.pos += 1;
                            }
                        }
                        b if b == byte => break,
                        _ => self.pos += 1,
                    }
                }
                let piece = self.pos > start;
                self.pos += 1;
                self.literal(Class::Yes, piece)?;
            }
            b'`' => {
                self.pos += 1;
                self.open_template(Tpl::Backtick)?;
            }
            b'#' if is_ident_start(self.at(1)) || self.at(1) == b'$' => {
                // A private name `#x` (never a definition the engine reads).
                self.pos += 1;
                self.identifier(b"$")?;
            }
            _ if is_ident_start(byte) || byte == b'$' => self.identifier(b"$")?,
            _ if byte >= 0x80 && self.char_at().is_some_and(char::is_alphanumeric) => {
                self.identifier(b"$")?;
            }
            _ => {
                if !self.punctuation()? {
                    self.other_operator()?;
                }
            }
        }
        Ok(())
    }

    /// JavaScript: a line comment ends at any line terminator.
    fn skip_line_js(&mut self) {
        while !self.eof() {
            match self.at(0) {
                b'\n' | b'\r' => return,
                0xe2 if matches!(self.char_at(), Some('\u{2028}' | '\u{2029}')) => return,
                _ => self.pos += 1,
            }
        }
    }

    /// JavaScript: a regex literal (never a piece).
    fn regex(&mut self) -> Step {
        self.pos += 1;
        let start = self.pos;
        let mut class = false;
        loop {
            match self.at(0) {
                _ if self.eof() => return Err(Stop),
                b'\n' | b'\r' => return Err(Stop),
                b'\\' => {
                    if matches!(self.at(1), b'\n' | b'\r') {
                        return Err(Stop);
                    }
                    self.pos += 2;
                }
                b'[' => {
                    class = true;
                    self.pos += 1;
                }
                b']' => {
                    class = false;
                    self.pos += 1;
                }
                b'/' if !class => break,
                _ => self.pos += 1,
            }
        }
        // The parser may read the `/` as a division after all (it does after errors); the body
        // would then be code. A quote in it would pair differently, and `a+b` could join.
        let body = self.bytes.get(start..self.pos).unwrap_or_default();
        let risky = body.iter().enumerate().any(|(at, &byte)| match byte {
            b'"' | b'\'' | b'`' => true,
            b'+' => {
                let before = at.checked_sub(1).and_then(|at| body.get(at)).copied();
                let escaped = at
                    .checked_sub(2)
                    .and_then(|at| body.get(at))
                    .is_some_and(|&byte| byte == b'\\');
                let after = body.get(at + 1).copied().unwrap_or(0);
                before.is_some_and(|byte| is_ident_byte(byte) || byte == b')')
                    && !escaped
                    && (is_ident_byte(after) || matches!(after, b'(' | b'$'))
            }
            _ => false,
        });
        if risky {
            return Err(Stop);
        }
        self.pos += 1;
        while is_ident_byte(self.at(0)) {
            self.pos += 1;
        }
        self.primary(Class::No, Shape::Other, false)
    }

    /// JSX: `<` starts an element (the cursor is on it).
    fn jsx_open(&mut self) -> Step {
        self.end_unit()?;
        self.start_unit(Class::No, Shape::Other, false)?;
        self.pos += 1;
        let base = self.targets.len();
        if self.at(0) == b'>' {
            self.pos += 1;
            self.frames
                .push(Frame::new(Mode::JsxChildren, Role::Block, 0, base));
        } else {
            self.frames
                .push(Frame::new(Mode::JsxTag, Role::Block, 0, base));
        }
        Ok(())
    }

    /// JSX: inside an opening tag.
    fn jsx_tag(&mut self) -> Step {
        self.whitespace();
        let byte = self.at(0);
        match byte {
            _ if self.eof() => return Err(Stop),
            b'/' if self.at(1) == b'>' => {
                self.pos += 2;
                self.jsx_element_end()?;
            }
            b'>' => {
                self.pos += 1;
                self.top()?.mode = Mode::JsxChildren;
            }
            b'{' => {
                self.pos += 1;
                self.push_code(Role::Container, b'}', false)?;
            }
            b'"' | b'\'' => {
                self.pos += 1;
                while self.at(0) != byte {
                    if self.eof() {
                        return Err(Stop);
                    }
                    self.pos += 1;
                }
                self.pos += 1;
            }
            b'=' | b'.' | b':' | b'-' => self.pos += 1,
            _ if is_ident_start(byte) || byte == b'$' => {
                self.pos = self.ident_end(self.pos, b"$-");
            }
            _ if byte >= 0x80 && self.char_at().is_some_and(char::is_alphanumeric) => {
                self.pos = self.ident_end(self.pos, b"$-");
            }
            b'/' if self.at(1) == b'/' => self.skip_line_js(),
            b'/' if self.at(1) == b'*' => self.block_comment()?,
            _ => return Err(Stop),
        }
        Ok(())
    }

    /// JSX: an element's children.
    fn jsx_children(&mut self) -> Step {
        loop {
            match self.at(0) {
                _ if self.eof() => return Err(Stop),
                b'{' => {
                    self.pos += 1;
                    return self.push_code(Role::Container, b'}', false);
                }
                b'<' if self.at(1) == b'/' => {
                    self.pos += 2;
                    while self.at(0) != b'>' {
                        let byte = self.at(0);
                        if self.eof()
                            || !(is_ident_byte(byte)
                                || byte.is_ascii_whitespace()
                                || matches!(byte, b'.' | b':' | b'-' | b'$')
                                || byte >= 0x80)
                        {
                            return Err(Stop);
                        }
                        self.pos += 1;
                    }
                    self.pos += 1;
                    return self.jsx_element_end();
                }
                b'<' => {
                    self.pos += 1;
                    let base = self.targets.len();
                    if self.at(0) == b'>' {
                        self.pos += 1;
                        self.frames
                            .push(Frame::new(Mode::JsxChildren, Role::Block, 0, base));
                    } else {
                        self.frames
                            .push(Frame::new(Mode::JsxTag, Role::Block, 0, base));
                    }
                    return Ok(());
                }
                b'>' | b'}' => return Err(Stop),
                _ => self.pos += 1,
            }
        }
    }

    /// JSX: an element ended; back to its parent element or to code.
    fn jsx_element_end(&mut self) -> Step {
        let frame = self.frames.pop().ok_or(Stop)?;
        self.targets.truncate(frame.targets_base);
        let parent = self.top()?;
        if let Mode::Code = parent.mode {
            parent.prev = Prev::Operand;
        }
        Ok(())
    }

    // ---------------------------------------------------------------- Java

    fn java(&mut self) -> Step {
        let byte = self.at(0);
        match byte {
            b'/' if self.at(1) == b'/' => self.skip_line(),
            b'/' if self.at(1) == b'*' => self.block_comment()?,
            b'"' => {
                let block = self.starts_with(b"\"\"\"");
                self.pos += if block { 3 } else { 1 };
                self.open_template(Tpl::Java(block))?;
            }
            b'\'' => {
                self.pos += 1;
                loop {
                    match self.at(0) {
                        _ if self.eof() => return Err(Stop),
                        b'\n' => return Err(Stop),
                        b'\\' => self.pos += 2,
                        b'\'' => break,
                        _ => self.pos += 1,
                    }
                }
                self.pos += 1;
                self.primary(Class::No, Shape::Other, false)?;
            }
            b'@' => {
                self.pos += 1;
                self.operator()?;
            }
            _ if is_ident_start(byte) || byte == b'$' => self.identifier(b"$")?,
            _ if byte >= 0x80 && self.char_at().is_some_and(char::is_alphanumeric) => {
                self.identifier(b"$")?;
            }
            _ => {
                if !self.punctuation()? {
                    self.other_operator()?;
                }
            }
        }
        Ok(())
    }

    // ---------------------------------------------------------------- Go

    fn go(&mut self) -> Step {
        let byte = self.at(0);
        match byte {
            b'/' if self.at(1) == b'/' => self.skip_line(),
            b'/' if self.at(1) == b'*' => self.block_comment()?,
            b'"' => {
                self.pos += 1;
                let start = self.pos;
                loop {
                    match self.at(0) {
                        _ if self.eof() => return Err(Stop),
                        b'\n' => return Err(Stop),
                        b'\\' => self.pos += 2,
                        b'"' => break,
                        _ => self.pos += 1,
                    }
                }
                let piece = self.pos > start;
                self.pos += 1;
                self.literal(Class::Yes, piece)?;
            }
            b'`' => {
                self.pos += 1;
                let start = self.pos;
                while self.at(0) != b'`' {
                    if self.eof() {
                        return Err(Stop);
                    }
                    self.pos += 1;
                }
                let piece = self.pos > start;
                self.pos += 1;
                self.literal(Class::Yes, piece)?;
            }
            b'\'' => {
                // A rune is one character or one escape; anything else is an error the
                // parser recovers from by lexing on from the next byte.
                self.pos += 1;
                if self.at(0) == b'\\' {
                    self.pos += 2;
                    while self.at(0).is_ascii_alphanumeric() {
                        self.pos += 1;
                    }
                } else {
                    let c = self.char_at().ok_or(Stop)?;
                    if c == '\'' || c == '\n' {
                        return Err(Stop);
                    }
                    self.pos += c.len_utf8();
                }
                if self.at(0) != b'\'' {
                    return Err(Stop);
                }
                self.pos += 1;
                self.primary(Class::No, Shape::Other, false)?;
            }
            _ if is_ident_start(byte) => self.identifier(b"")?,
            _ if byte >= 0x80 && self.char_at().is_some_and(char::is_alphanumeric) => {
                self.identifier(b"")?;
            }
            _ => {
                if !self.punctuation()? {
                    self.other_operator()?;
                }
            }
        }
        Ok(())
    }

    // ---------------------------------------------------------------- PowerShell

    /// PowerShell: a quote, `#` or `<#` inside a bare word is part of the word to the
    /// parser in a command's arguments: unsafe to read as a literal or a comment.
    fn ps_in_word(&self) -> bool {
        self.pos > self.run_start
            && self
                .bytes
                .get(self.run_start)
                .is_some_and(|&byte| !ps_not_word_start(byte))
    }

    fn powershell(&mut self) -> Step {
        let byte = self.at(0);
        match byte {
            b'#' | b'"' | b'\'' if self.ps_in_word() => return Err(Stop),
            b'<' if self.at(1) == b'#' && self.ps_in_word() => return Err(Stop),
            b'@' if matches!(self.at(1), b'"' | b'\'') && self.ps_in_word() => return Err(Stop),
            b'#' => self.skip_line(),
            b'<' if self.at(1) == b'#' => {
                self.pos += 2;
                loop {
                    match self.at(0) {
                        _ if self.eof() => return Err(Stop),
                        b'`' => self.pos += 2,
                        b'#' if self.at(1) == b'>' => {
                            self.pos += 2;
                            break;
                        }
                        _ => self.pos += 1,
                    }
                }
                self.run_start = self.pos;
            }
            b'\'' => {
                self.pos += 1;
                let start = self.pos;
                loop {
                    match self.at(0) {
                        _ if self.eof() => return Err(Stop),
                        b'\'' if self.at(1) == b'\'' => self.pos += 2,
                        b'\'' => break,
                        _ => self.pos += 1,
                    }
                }
                let piece = self.pos > start;
                self.pos += 1;
                self.literal(Class::Yes, piece)?;
            }
            b'"' => {
                self.pos += 1;
                self.open_template(Tpl::PsDouble)?;
            }
            b'@' if matches!(self.at(1), b'"' | b'\'') => {
                let quote = self.at(1);
                self.pos += 2;
                // The opening line: spaces (any whitespace for `@'`) and a line break.
                loop {
                    match self.at(0) {
                        b' ' => self.pos += 1,
                        b'\t' | b'\x0b' | b'\x0c' if quote == b'\'' => self.pos += 1,
                        b'\r' if self.at(1) == b'\n' => {
                            self.pos += 2;
                            break;
                        }
                        b'\n' => {
                            self.pos += 1;
                            break;
                        }
                        _ => return Err(Stop),
                    }
                }
                if quote == b'"' {
                    self.open_template(Tpl::PsHere)?;
                } else {
                    let start = self.pos;
                    let mut line_start = true;
                    loop {
                        if self.eof() {
                            return Err(Stop);
                        }
                        if line_start && self.starts_with(b"'@") && self.pos > start {
                            break;
                        }
                        line_start = self.at(0) == b'\n';
                        self.pos += 1;
                    }
                    self.pos += 2;
                    self.literal(Class::Yes, true)?;
                }
            }
            b'|' => {
                // A pipe (or `||`): the next word is a command again.
                self.pos += if self.at(1) == b'|' { 2 } else { 1 };
                self.operator()?;
                let frame = self.top()?;
                frame.stmt_first = true;
                frame.command = false;
            }
            b'&' if self.at(1) == b'&' => {
                self.pos += 2;
                self.operator()?;
                let frame = self.top()?;
                frame.stmt_first = true;
                frame.command = false;
            }
            b'`' => {
                // An escaped character outside a string.
                if matches!(self.at(1), b'"' | b'\'') {
                    return Err(Stop);
                }
                self.pos += 2;
                self.operator()?;
            }
            b'$' => {
                let (key, class, len) = self.ps_variable(self.pos);
                if len == 0 {
                    if self.at(1) == b'(' {
                        // `$(...)`: a subexpression, never a known value.
                        self.pos += 1;
                        return self.opaque();
                    }
                    self.pos += 1;
                    return self.operator();
                }
                self.pos += len;
                self.name(key, class)?;
            }
            b'@' if self.at(1) == b'(' => {
                // `@(...)`: an array, never a known value.
                self.pos += 1;
                self.opaque()?;
            }
            b'@' if is_ident_byte(self.at(1)) || self.at(1) == b'?' => {
                // A splat `@params`: never a known value.
                self.pos += 1;
                self.pos = self.ident_end(self.pos, b":?");
                self.primary(Class::No, Shape::Other, false)?;
            }
            b'-' if is_ident_start(self.at(1)) => {
                // An operator (`-eq`, `-f`, `-join`) or a parameter (`-Name`).
                self.pos += 1;
                self.pos = self.ident_end(self.pos, b"-?`:");
                self.operator()?;
            }
            _ if is_ident_start(byte)
                || (byte >= 0x80 && self.char_at().is_some_and(char::is_alphanumeric)) =>
            {
                // A bare word: a command name at a statement's start, an argument after one
                // (the parser reads an argument word as text).
                let prev = self.top()?.prev;
                let end = self.ident_end(self.pos, b"-.\\/:?");
                self.pos = end.max(self.pos + 1);
                let dot = self.top()?.dot;
                if dot != Dot::None {
                    return self.member(0, dot);
                }
                let class = if prev == Prev::Operand {
                    Class::Yes
                } else {
                    Class::No
                };
                let frame = self.top()?;
                if frame.stmt_first {
                    frame.command = true;
                }
                self.primary(class, Shape::Other, false)?;
            }
            _ => {
                if !self.punctuation()? {
                    self.other_operator()?;
                }
            }
        }
        Ok(())
    }

    /// PowerShell: an operand that never resolves but holds code (`$(...)`, `@(...)`), the
    /// cursor on its `(`.
    fn opaque(&mut self) -> Step {
        self.primary(Class::No, Shape::Other, false)?;
        self.pos += 1;
        self.push_code(Role::Call, b')', false)
    }

    /// PowerShell: the variable at `at` (`$x`, `$script:x`, `${any}`, `$_`, `$?`): its key,
    /// class and length; length 0 when `$` starts none.
    fn ps_variable(&self, at: usize) -> (u64, Class, usize) {
        let next = self.bytes.get(at + 1).copied().unwrap_or(0);
        if next == b'{' {
            let rest = self.bytes.get(at + 2..).unwrap_or_default();
            let Some(close) = rest.iter().position(|&byte| byte == b'}') else {
                return (0, Class::No, 0);
            };
            if close == 0 {
                return (0, Class::No, 0);
            }
            let name = rest.get(..close).unwrap_or_default();
            let class = if ps_env(name) {
                Class::No
            } else {
                Class::name(ps_key(name))
            };
            return (ps_key(name), class, close + 3);
        }
        if matches!(next, b'$' | b'^' | b'?') {
            let name = [next];
            return (ps_key(&name), Class::name(ps_key(&name)), 2);
        }
        let word = |from: usize| {
            self.bytes
                .get(from..)
                .unwrap_or_default()
                .iter()
                .take_while(|&&byte| is_ident_byte(byte))
                .count()
        };
        let first = word(at + 1);
        if first == 0 {
            return (0, Class::No, 0);
        }
        let mut end = at + 1 + first;
        if self.bytes.get(end) == Some(&b':') {
            let second = word(end + 1);
            if second > 0 {
                end += 1 + second;
            } else if self.bytes.get(end + 1) == Some(&b'?') {
                end += 2;
            }
        }
        let name = self.bytes.get(at + 1..end).unwrap_or_default();
        let class = if ps_env(name) {
            Class::No
        } else {
            Class::name(ps_key(name))
        };
        (ps_key(name), class, end - at)
    }

    // ---------------------------------------------------------------- Rust

    fn rust(&mut self) -> Step {
        let byte = self.at(0);
        match byte {
            b'/' if self.at(1) == b'/' => self.skip_line(),
            b'/' if self.at(1) == b'*' => self.block_comment()?,
            b'"' => self.rust_string(Class::Yes)?,
            b'r' if self.at(1) == b'"'
                || (self.at(1) == b'#' && matches!(self.at(2), b'"' | b'#')) =>
            {
                self.pos += 1;
                self.rust_raw(Class::Yes)?;
            }
            b'b' | b'c' if self.at(1) == b'"' => {
                self.pos += 1;
                self.rust_string(Class::No)?;
            }
            b'b' | b'c' if self.at(1) == b'r' && matches!(self.at(2), b'"' | b'#') => {
                self.pos += 2;
                self.rust_raw(Class::No)?;
            }
            b'b' if self.at(1) == b'\'' => {
                self.pos += 1;
                self.rust_quote()?;
            }
            b'\'' => self.rust_quote()?,
            b'r' if self.at(1) == b'#' && is_ident_start(self.at(2)) => {
                let start = self.pos;
                self.pos = self.ident_end(self.pos + 2, b"");
                let hash = hash_bytes(
                    self.bytes
                        .get(start..self.pos)
                        .unwrap_or_default()
                        .iter()
                        .copied(),
                );
                self.name(hash, Class::name(hash))?;
            }
            b'&' if self.top()?.unit.is_none() => {
                // A reference keeps its operand's value; `&&x` too.
                self.pos += 1;
                if self.at(0) == b'&' {
                    self.pos += 1;
                }
            }
            b'!' if self.at(1) != b'='
                && self
                    .top()?
                    .unit
                    .as_ref()
                    .is_some_and(|unit| unit.shape == Shape::Name)
                && self.top()?.dot == Dot::None =>
            {
                // A macro call: `name!(...)`.
                self.pos += 1;
                let mut at = self.pos;
                while self.bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
                    at += 1;
                }
                let open = self.bytes.get(at).copied().unwrap_or(0);
                if !matches!(open, b'(' | b'[' | b'{') {
                    return self.operator();
                }
                let name_end = self.pos - 1;
                let mut name_start = name_end;
                while name_start > 0
                    && self
                        .bytes
                        .get(name_start - 1)
                        .is_some_and(|&b| is_ident_byte(b))
                {
                    name_start -= 1;
                }
                let name = self.bytes.get(name_start..name_end).unwrap_or_default();
                let kind = match name {
                    b"concat" | b"concatcp" => MacroKind::Concat,
                    b"format" | b"formatcp" => MacroKind::Format,
                    _ => MacroKind::Other,
                };
                self.pos = at + 1;
                let close = match open {
                    b'(' => b')',
                    b'[' => b']',
                    _ => b'}',
                };
                self.push_code(Role::Macro(kind), close, false)?;
            }
            _ if is_ident_start(byte) => self.identifier(b"")?,
            _ if byte >= 0x80 && self.char_at().is_some_and(char::is_alphanumeric) => {
                self.identifier(b"")?;
            }
            _ => {
                if !self.punctuation()? {
                    self.other_operator()?;
                }
            }
        }
        // `format!`: remember the format literal (the first argument) and named arguments.
        Ok(())
    }

    /// Rust: a `"..."` string (the cursor on the quote).
    fn rust_string(&mut self, class: Class) -> Step {
        self.pos += 1;
        let start = self.pos;
        loop {
            match self.at(0) {
                _ if self.eof() => return Err(Stop),
                b'\\' => self.pos += 2,
                b'"' => break,
                b'\n' => {
                    self.pos += 1;
                    self.rust_item_line()?;
                }
                _ => self.pos += 1,
            }
        }
        let end = self.pos;
        self.pos += 1;
        self.rust_suffix();
        self.rust_literal(class, start, end)
    }

    /// Rust: a raw string (the cursor after `r` / `br` / `cr`, on `#` or `"`).
    fn rust_raw(&mut self, class: Class) -> Step {
        let hashes = self.run_of(b'#');
        self.pos += hashes;
        if self.at(0) != b'"' {
            return Err(Stop);
        }
        self.pos += 1;
        let start = self.pos;
        loop {
            if self.eof() {
                return Err(Stop);
            }
            if self.at(0) == b'"' && (1..=hashes).all(|offset| self.at(offset) == b'#') {
                break;
            }
            if self.at(0) == b'\n' {
                self.pos += 1;
                self.rust_item_line()?;
            } else {
                self.pos += 1;
            }
        }
        let end = self.pos;
        self.pos += 1 + hashes;
        self.rust_suffix();
        self.rust_literal(class, start, end)
    }

    /// Rust: a literal's suffix (`"a"suffix` is an error, but lexes).
    fn rust_suffix(&mut self) {
        if is_ident_start(self.at(0)) {
            self.pos = self.ident_end(self.pos, b"");
        }
    }

    /// Rust: a string literal token; the first argument of `format!` is remembered.
    fn rust_literal(&mut self, class: Class, start: usize, end: usize) -> Step {
        let frame = self.top()?;
        if frame.role == Role::Macro(MacroKind::Format)
            && frame.format.is_none()
            && frame.units == 0
            && frame.elements == 0
            && frame.unit.is_none()
            && class == Class::Yes
        {
            frame.format = Some((start, end));
        }
        self.literal(class, end > start)
    }

    /// Rust: `'c'`, `'\n'`, `b'x'` (literals) or `'a` (a lifetime or label).
    fn rust_quote(&mut self) -> Step {
        self.pos += 1;
        if self.at(0) == b'\\' {
            self.pos += 2;
            while !self.eof() && self.at(0) != b'\'' {
                if self.at(0) == b'\n' {
                    return Err(Stop);
                }
                self.pos += 1;
            }
            self.pos += 1;
            return self.primary(Class::No, Shape::Other, false);
        }
        let Some(c) = self.char_at() else {
            return Err(Stop);
        };
        if self.bytes.get(self.pos + c.len_utf8()) == Some(&b'\'') {
            self.pos += c.len_utf8() + 1;
            return self.primary(Class::No, Shape::Other, false);
        }
        // A lifetime or label.
        self.pos = self.ident_end(self.pos, b"").max(self.pos + 1);
        self.operator()
    }

    // ---------------------------------------------------------------- templates

    /// Reads template text up to a hole or the end.
    fn template(&mut self, template: Template) -> Step {
        match template.kind {
            Tpl::Backtick => loop {
                match self.at(0) {
                    _ if self.eof() => return Err(Stop),
                    b'\\' => {
                        self.pos += 2;
                        self.text()?;
                    }
                    b'`' => {
                        self.pos += 1;
                        return self.end_template();
                    }
                    b'$' if self.at(1) == b'{' => {
                        self.pos += 2;
                        return self.open_hole(b'}', 1);
                    }
                    _ => {
                        self.pos += 1;
                        self.text()?;
                    }
                }
            },
            Tpl::CsRegular | Tpl::CsVerbatim => {
                let verbatim = template.kind == Tpl::CsVerbatim;
                loop {
                    match self.at(0) {
                        _ if self.eof() => return Err(Stop),
                        b'\n' | b'\r' if !verbatim => return Err(Stop),
                        b'\\' if !verbatim => {
                            if !Self::csharp_escape(self.at(1)) {
                                return Err(Stop);
                            }
                            self.pos += 2;
                            self.text()?;
                        }
                        b'"' if verbatim && self.at(1) == b'"' => {
                            self.pos += 2;
                            self.text()?;
                        }
                        b'"' => {
                            self.pos += 1;
                            return self.end_template();
                        }
                        b'{' if self.at(1) == b'{' => {
                            self.pos += 2;
                            self.text()?;
                        }
                        b'}' if self.at(1) == b'}' => {
                            self.pos += 2;
                            self.text()?;
                        }
                        b'{' => {
                            self.pos += 1;
                            return self.open_hole(b'}', 1);
                        }
                        b'}' => return Err(Stop),
                        _ => {
                            self.pos += 1;
                            self.text()?;
                        }
                    }
                }
            }
            Tpl::CsRaw(quotes, dollars) => loop {
                match self.at(0) {
                    _ if self.eof() => return Err(Stop),
                    b'"' => {
                        let run = self.run_of(b'"');
                        self.pos += run;
                        if run == quotes as usize {
                            return self.end_template();
                        }
                        self.text()?;
                    }
                    b'{' => {
                        // Exactly as many braces as dollars open a hole; fewer or more are
                        // read differently by the grammar's scanner.
                        let run = self.run_of(b'{');
                        if run != dollars as usize {
                            return Err(Stop);
                        }
                        self.pos += run;
                        return self.open_hole(b'}', dollars);
                    }
                    b'\n' => {
                        // Multi-line raw interpolations are not resolved.
                        self.pos += 1;
                        self.mark_multiline()?;
                        self.text()?;
                    }
                    _ => {
                        self.pos += 1;
                        self.text()?;
                    }
                }
            },
            Tpl::Python {
                quote, triple, raw, ..
            } => {
                let start = self.pos;
                let end = self.python_text(quote, triple, raw, true)?;
                if end > start {
                    self.text()?;
                }
                if self.pos == end && self.at(0) == b'{' {
                    // A hole (the text stops on it).
                    self.pos += 1;
                    return self.open_hole(b'}', 1);
                }
                self.end_template()
            }
            Tpl::PsDouble => loop {
                match self.at(0) {
                    _ if self.eof() => return Err(Stop),
                    b'`' => {
                        self.pos += 2;
                        self.text()?;
                    }
                    b'"' if self.at(1) == b'"' => {
                        self.pos += 2;
                        self.text()?;
                    }
                    b'"' => {
                        self.pos += 1;
                        return self.end_template();
                    }
                    b'$' => {
                        if self.ps_hole()? {
                            return Ok(());
                        }
                    }
                    _ => {
                        self.pos += 1;
                        self.text()?;
                    }
                }
            },
            Tpl::PsHere => loop {
                match self.at(0) {
                    _ if self.eof() => return Err(Stop),
                    b'`' => {
                        self.pos += 2;
                        self.text()?;
                    }
                    b'\n' if self.at(1) == b'"' && self.at(2) == b'@' => {
                        self.pos += 3;
                        return self.end_template();
                    }
                    b'$' => {
                        if self.ps_hole()? {
                            return Ok(());
                        }
                    }
                    _ => {
                        self.pos += 1;
                        self.text()?;
                    }
                }
            },
            Tpl::Java(block) => loop {
                match self.at(0) {
                    _ if self.eof() => return Err(Stop),
                    b'\\' if self.at(1) == b'{' => {
                        self.pos += 2;
                        return self.open_hole(b'}', 1);
                    }
                    b'\\' => {
                        self.pos += 2;
                        self.text()?;
                    }
                    b'"' if !block => {
                        self.pos += 1;
                        return self.end_template();
                    }
                    b'"' if self.at(1) == b'"' && self.at(2) == b'"' => {
                        self.pos += 3;
                        return self.end_template();
                    }
                    _ => {
                        self.pos += 1;
                        self.text()?;
                    }
                }
            },
        }
    }

    /// C# raw interpolation: a line break makes the template unresolved.
    fn mark_multiline(&mut self) -> Step {
        let frame = self.top()?;
        if let Mode::Template(template) = &mut frame.mode {
            template.ok = false;
        }
        Ok(())
    }

    /// PowerShell: a `$` in an expandable string (the cursor on it): a variable hole, a
    /// subexpression hole (opened; `true`), or text.
    fn ps_hole(&mut self) -> Result<bool, Stop> {
        if self.at(1) == b'(' {
            self.pos += 2;
            self.open_hole(b')', 1)?;
            // A subexpression never resolves.
            self.top()?.bad = true;
            return Ok(true);
        }
        let (_, class, len) = self.ps_variable(self.pos);
        if len == 0 {
            self.pos += 1;
            self.text()?;
            return Ok(false);
        }
        self.pos += len;
        let frame = self.top()?;
        if let Mode::Template(template) = &mut frame.mode {
            if template.run {
                template.texts += 1;
                template.run = false;
            }
        }
        self.add_hole(class)?;
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::code::parse;

    /// The contract on one input: a joined string means `may_join` said so.
    fn check(language: Language, text: &str) {
        let joined = parse(language, text).joined_strings;
        if !joined.is_empty() {
            assert!(
                may_join(language, text),
                "{language:?}: may_join said false but the parse joins {joined:?} in:\n{text}"
            );
        }
    }

    /// Inputs that join (checked against the parser) and that may_join must accept.
    fn joins(language: Language, texts: &[&str]) {
        for text in texts {
            assert!(
                !parse(language, text).joined_strings.is_empty(),
                "{language:?}: expected the parse to join in:\n{text}"
            );
            assert!(
                may_join(language, text),
                "{language:?}: expected true for:\n{text}"
            );
        }
    }

    /// Inputs that do not join (checked against the parser) and that may_join rules out.
    fn rules_out(language: Language, texts: &[&str]) {
        for text in texts {
            assert!(
                parse(language, text).joined_strings.is_empty(),
                "{language:?}: expected no join in:\n{text}"
            );
            assert!(
                !may_join(language, text),
                "{language:?}: expected false for:\n{text}"
            );
        }
    }

    #[test]
    fn csharp() {
        joins(
            Language::Csharp,
            &[
                r#"var s = "a" + "b";"#,
                "const string A = \"x\"; const string B = A + \"y\";",
                "class C { const string K = \"k\"; string M() => \"a\" + Config.K; }",
                "class C { string P { get; } = \"v\"; string U => $\"{P}/x\"; }",
                "class C { const string Dir = \"d\"; string s = $@\"C:\\{Dir}\"; }",
                "var s = (string)(\"a\") + \"b\";",
                "var s = @\"a\" + \"b\"u8;",
            ],
        );
        rules_out(
            Language::Csharp,
            &[
                "var s = \"Bearer \" + GetToken();",
                "class C { void F(string name) { var s = $\"Hello {name}\"; } }",
                "var s = \"a\" + x.ToString();",
                "// \"a\" + \"b\"\nvar x = 1 + 2;",
                "var x = \"a\"; var s = $\"{x:N2} items\";",
                "var s = \"a\"; var t = s.Length + 1;",
                "#region Don't \"a\" + \"b\"\nclass C {}\n#endregion",
            ],
        );
    }

    #[test]
    fn python() {
        joins(
            Language::Python,
            &[
                "x = 'a' 'b'",
                "BASE = 'https://x'\nurl = BASE + '/path'",
                "name = 'n'\ns = f'hello {name}'",
                "s = ('a'\n     'b')",
                "class C:\n    K = 'k'\n    def f(self):\n        return self.K + 'x'",
                "a, b = 'x', 'y'\nc = a + b",
            ],
        );
        rules_out(
            Language::Python,
            &[
                "def f(name):\n    return f'hello {name}'",
                "s = 'a' + str(1)",
                "x = 'a' # + 'b'\ny = 1 + 2",
                "x = 'a'\ns = f'{x!r} and more'",
                "s = '''a\n' + 'b\n'''",
                "print('a', 'b')",
            ],
        );
    }

    #[test]
    fn javascript() {
        joins(
            Language::Javascript,
            &[
                "const a = 'x' + 'y';",
                "const host = 'h'; const url = `https://${host}/p`;",
                "class C { static K = 'k'; f() { return C.K + '/x'; } }",
                "const el = <div>{'a' + 'b'}</div>;",
            ],
        );
        rules_out(
            Language::Javascript,
            &[
                "function f(name) { return `Hello ${name}`; }",
                "const s = 'Bearer ' + token();",
                "const r = /[a-z]+/g; const t = a + b;",
                "const el = <p>Don't {name}</p>;",
                "// 'a' + 'b'\nconst n = 1 + 2;",
                "const s = `${a}`;",
            ],
        );
    }

    #[test]
    fn typescript() {
        joins(
            Language::Typescript,
            &[
                "const a: string = 'x' + 'y';",
                "const k = 'k'; const u = (k as string) + 'x';",
                "const host = 'h';\nexport const url = `https://${host}`;",
            ],
        );
        rules_out(
            Language::Typescript,
            &[
                "export function f(x: string): string { return x + 'a'; }",
                "const n = (a as number) + 1;",
            ],
        );
    }

    #[test]
    fn java() {
        joins(
            Language::Java,
            &[
                "class C { static final String A = \"a\"; String b = A + \"b\"; }",
                "class C { String s = \"\"\"\n  x\n  \"\"\" + \"y\"; }",
            ],
        );
        rules_out(
            Language::Java,
            &[
                "class C { String f(String x) { return \"a\" + x; } }",
                "class C { String s = \"a\" + String.valueOf(1); }",
                "class C { char c = '\"'; int n = 1 + 2; }",
            ],
        );
    }

    #[test]
    fn go() {
        joins(
            Language::Go,
            &[
                "package p\nconst A = \"a\"\nvar b = A + `b`",
                "package p\nfunc f() { x := \"a\"; y := x + \"b\"; _ = y }",
            ],
        );
        rules_out(
            Language::Go,
            &[
                "package p\nfunc f(x string) string { return \"a\" + x }",
                "package p\nvar s = \"a\" + fmt.Sprint(1)",
                "package p\nvar r = '\"'\nvar n = 1 + 2",
            ],
        );
    }

    #[test]
    fn powershell() {
        joins(
            Language::Powershell,
            &[
                "$rg = 'my-rg'\nWrite-Host \"Using $rg now\"",
                "$a = 'x' + 'y'",
                "$base = \"https://x\"\n$url = \"$base/path\"",
                "$name = 'n'\n$s = @\"\nhello $name\n\"@",
            ],
        );
        rules_out(
            Language::Powershell,
            &[
                "param($name)\nWrite-Host \"Hello $name\"",
                "Write-Host \"Value: $($x.Name)\"",
                "$x = Get-Thing\n$y = $x.Name + 'suffix'",
                "# 'a' + 'b'\n$n = 1 + 2",
                "Write-Host \"Path: $env:PATH\"",
            ],
        );
    }

    #[test]
    fn rust() {
        joins(
            Language::Rust,
            &[
                "const A: &str = concat!(\"a\", \"b\");",
                "const K: &str = \"k\";\nfn f() -> String { format!(\"{K}/x\") }",
                "fn f() -> String { \"a\".to_string() + \"b\" }",
                "fn f() -> String { [\"a\", \"b\"].concat() }",
            ],
        );
        rules_out(
            Language::Rust,
            &[
                "fn f(x: &str) -> String { format!(\"a{}\", x) }",
                "fn f() -> String { let s = String::new(); s + \"a\" }",
                "fn f() { println!(\"{}\", 1 + 2); }",
                "// concat!(\"a\", \"b\")\nfn f() {}",
            ],
        );
    }

    /// Every source file under `fixtures/`.
    fn fixture_sources() -> Vec<(Language, String)> {
        let mut sources = Vec::new();
        let mut pending =
            vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                } else if let Some(language) = Language::of_path(&path.to_string_lossy()) {
                    if let Ok(bytes) = std::fs::read(&path) {
                        sources.push((language, String::from_utf8_lossy(&bytes).into_owned()));
                    }
                }
            }
        }
        sources.sort_by(|a, b| a.1.cmp(&b.1));
        sources
    }

    /// The largest char boundary at or below `at`.
    fn floor(text: &str, at: usize) -> usize {
        (0..=at.min(text.len()))
            .rev()
            .find(|&at| text.is_char_boundary(at))
            .unwrap_or(0)
    }

    #[test]
    fn fixtures_and_their_truncations() {
        let sources = fixture_sources();
        assert!(sources.len() > 50, "fixtures not found");
        let mut joined = 0;
        for (language, text) in &sources {
            check(*language, text);
            joined += usize::from(!parse(*language, text).joined_strings.is_empty());
            // Half-written files: prefixes at a stride, and the text with a window cut out.
            let stride = (text.len() / 64).max(3);
            for at in (0..text.len()).step_by(stride) {
                let cut = floor(text, at);
                check(*language, text.get(..cut).unwrap_or_default());
                let end = floor(text, at + stride * 2);
                let mut holed = text.get(..cut).unwrap_or_default().to_owned();
                holed.push_str(text.get(end..).unwrap_or_default());
                check(*language, &holed);
            }
        }
        assert!(joined > 5, "too few fixtures join ({joined})");
    }

    /// A small deterministic generator (xorshift).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    /// Pieces of code a generated snippet is made of, per language: literals of every form,
    /// names, assignments, operators, brackets, comments and broken bits.
    fn fragments(language: Language) -> Vec<&'static str> {
        const COMMON: &[&str] = &[
            " ", " ", "\n", " + ", "+", " = ", "=", "(", ")", "[", "]", "{", "}", ",", ";", ".",
            "a", "b", "K", "x", "f(", "1", ":", "?", "!", "-", "*", "<", ">", "/", "\\", "'", "\"",
            "`", "#", "@", "$",
        ];
        let own: &[&str] = match language {
            Language::Csharp => &[
                "\"a\"",
                "\"\"",
                "@\"v\"\"q\"",
                "\"\"\"raw\"\"\"",
                "$\"t{a}\"",
                "$\"{a}{b}\"",
                "$@\"v{a}\"",
                "$$\"\"\"r{{a}}\"\"\"",
                "$\"{a,5}\"",
                "$\"{a:N}\"",
                "'c'",
                "'\\''",
                "const string K = ",
                "var a",
                "string P { get; } = ",
                "this.a",
                "C.K",
                "=>",
                "//c\n",
                "/*c*/",
                "#region r\n",
                "#if X\n",
                "#endif\n",
                "u8",
                "\"\\n\"",
                "new T(",
                "(string)",
                "a?.b",
                "x.y(",
                "nameof(a)",
                "\"a\" + \"b\"",
                "a + \"b\"",
            ],
            Language::Python => &[
                "\"a\"",
                "'b'",
                "\"\"\"t\"\"\"",
                "'''u'''",
                "f\"x{a}\"",
                "f'{a}{b}'",
                "f'{a!s}'",
                "f\"{a:>{b}}\"",
                "f'{a=}'",
                "rb'\\\\'",
                "r\"\\\"\"",
                "u'x'",
                "`x`",
                "self.K",
                "def f(",
                "lambda",
                ":=",
                "#c\n",
                "\\\n",
                "    ",
                "a, b",
                "\"a\" 'b'",
                "t'{a}'",
                "\"a\" + \"b\"",
                "a + 'b'",
                "f'{\"a\" + b}'",
                "{'k': a}",
            ],
            Language::Javascript | Language::Typescript => &[
                "'a'",
                "\"b\"",
                "`t`",
                "`x${a}y`",
                "`${a}${b}`",
                "`${`${a}`}`",
                "/re/",
                "/'/",
                "<div>",
                "</div>",
                "<p>it's</p>",
                "{a}",
                "//c\n",
                "/*c*/",
                "<!--c\n",
                "const a",
                "let b",
                "this.K",
                "C.K",
                "=>",
                "a as string",
                "a!",
                "a?.b",
                "x.y(",
                "return ",
                "if (a) ",
                "${",
                "\"a\" + \"b\"",
                "a + 'b'",
                "#p",
                "static K = ",
            ],
            Language::Java => &[
                "\"a\"",
                "\"\"",
                "\"\"\"\n t\n \"\"\"",
                "'c'",
                "'\"'",
                "\"\\{a}\"",
                "String a",
                "static final String K = ",
                "this.a",
                "C.K",
                "//c\n",
                "/*c*/",
                "@A",
                "x.y(",
                "(String)",
                "\"a\" + \"b\"",
                "a + \"b\"",
            ],
            Language::Go => &[
                "\"a\"",
                "`raw`",
                "'r'",
                "'\"'",
                "const K = ",
                "var a = ",
                "a := ",
                "//c\n",
                "/*c*/",
                "p.K",
                "x.y(",
                "func f(",
                "package p\n",
                "\"a\" + \"b\"",
                "a + `b`",
            ],
            Language::Powershell => &[
                "'a'",
                "\"b\"",
                "\"x$a\"",
                "\"$a$b\"",
                "\"$($a)\"",
                "\"${a}\"",
                "\"$env:a\"",
                "@\"\nh $a\n\"@",
                "@'\nv\n'@",
                "$a",
                "$b",
                "$script:a",
                "[string]",
                "#c\n",
                "<#c#>",
                "Write-Host ",
                "-Name ",
                "-eq ",
                "param(",
                "@(",
                "@{",
                "`n",
                "'it''s'",
                "\"a\"\"b\"",
                "$a = ",
                "don't ",
                "'a' + 'b'",
                "$a + \"b\"",
                "$x.y",
            ],
            Language::Rust => &[
                "\"a\"",
                "r\"raw\"",
                "r#\"h\"#",
                "b\"b\"",
                "'c'",
                "'a",
                "concat!(",
                "format!(",
                "\"{}\"",
                "\"{K}\"",
                "\"{a:?}\"",
                "const K: &str = ",
                "let a = ",
                "fn f() ",
                "//c\n",
                "/*c*/",
                "/* /* */ */",
                ".to_string()",
                "String::from(",
                "Self::K",
                "&",
                "[\"a\", \"b\"].concat()",
                ".join(",
                "println!(",
                "\"a\".to_owned() + \"b\"",
                "#[a]\n",
                "\nfn g() {}\n",
            ],
        };
        own.iter().chain(COMMON).copied().collect()
    }

    /// A Rust expression of strings, names, `+`, macros and conversions.
    fn rust_expr(rng: &mut Rng, depth: usize) -> String {
        const LEAVES: &[&str] = &[
            "\"a\"",
            "\"\"",
            "r\"r\"",
            "r#\"h\"#",
            "b\"b\"",
            "'c'",
            "1",
            "true",
            "K",
            "x",
            "Self::K",
            "C::K",
            "self.k",
            "\"{}\"",
            "\"{K}\"",
            "\"{0}\"",
            "\"{x:?}\"",
        ];
        let leaf = |rng: &mut Rng| LEAVES.get(rng.below(LEAVES.len())).copied().unwrap_or("x");
        if depth == 0 {
            return leaf(rng).to_owned();
        }
        let mut sub = || rust_expr(rng, depth - 1);
        let (a, b) = (sub(), sub());
        match rng.below(12) {
            0 => format!("{a} + {b}"),
            1 => format!("concat!({a}, {b})"),
            2 => format!("format!({a}, {b})"),
            3 => format!("format!(\"{{}}/{{}}\", {a}, {b})"),
            4 => format!("({a})"),
            5 => format!("&{a}"),
            6 => format!("{a}.to_string()"),
            7 => format!("String::from({a})"),
            8 => format!("[{a}, {b}].concat()"),
            9 => format!("[{a}, {b}].join({a})"),
            10 => format!("f({a})"),
            _ => leaf(rng).to_owned(),
        }
    }

    /// Rust items and statements around generated expressions, sometimes cut short.
    fn rust_items(rng: &mut Rng) -> String {
        let mut text = String::new();
        for _ in 0..1 + rng.below(4) {
            let depth = rng.below(4);
            let expr = rust_expr(rng, depth);
            let item = match rng.below(7) {
                0 => format!("const K: &str = {expr};\n"),
                1 => format!("static X: &str = {expr};\n"),
                2 => format!("fn f() -> String {{ let x = {expr}; x }}\n"),
                3 => format!("fn g() {{ println!(\"{{}}\", {expr}); }}\n"),
                4 => format!("impl C {{ const K: &str = {expr}; }}\n"),
                5 => format!("// {expr}\n/* {expr} */\n"),
                _ => format!("fn h() {{ let s = r#\"\nfn x() {{ {expr} }}\n\"#; }}\n"),
            };
            text.push_str(&item);
        }
        if rng.below(3) == 0 {
            let cut = floor(&text, rng.below(text.len() + 1));
            text.truncate(cut);
            text.push_str("\nfn tail() {}\n");
        }
        text
    }

    /// Checks `count` generated snippets per language (of `languages`); returns the snippets
    /// that break the contract.
    fn generated(languages: &[Language], count: usize, seed: u64) -> Vec<(Language, String)> {
        let mut rng = Rng(seed | 1);
        let mut broken = Vec::new();
        for &language in languages {
            let pieces = fragments(language);
            let mut joined = 0;
            for _ in 0..count {
                let text = if language == Language::Rust && rng.below(4) != 0 {
                    // syn parses whole items or nothing: build some that parse.
                    rust_items(&mut rng)
                } else {
                    let len = 1 + rng.below(24);
                    let mut text = String::new();
                    for _ in 0..len {
                        text.push_str(pieces.get(rng.below(pieces.len())).copied().unwrap_or(""));
                    }
                    text
                };
                let joins = !parse(language, &text).joined_strings.is_empty();
                joined += usize::from(joins);
                if joins && !may_join(language, &text) {
                    broken.push((language, text));
                }
            }
            assert!(joined > 0, "{language:?}: no generated snippet joins");
        }
        broken
    }

    #[test]
    fn generated_snippets() {
        let broken = generated(&Language::ALL, 1_500, 0x9e37_79b9_7f4a_7c15);
        assert!(
            broken.is_empty(),
            "may_join said false but the parse joins: {broken:#?}"
        );
    }

    /// A longer run of [`generated_snippets`] (`JOINS_SNIPPETS` per language, `JOINS_SEED`).
    #[test]
    #[ignore]
    fn generated_snippets_long() {
        let count = std::env::var("JOINS_SNIPPETS")
            .ok()
            .and_then(|count| count.parse().ok())
            .unwrap_or(100_000);
        let seed = std::env::var("JOINS_SEED")
            .ok()
            .and_then(|seed| seed.parse().ok())
            .unwrap_or(12_345);
        let languages: Vec<Language> = Language::ALL
            .into_iter()
            .filter(|language| {
                std::env::var("JOINS_LANGUAGE").map_or(true, |only| {
                    format!("{language:?}").eq_ignore_ascii_case(&only)
                })
            })
            .collect();
        let mut broken = generated(&languages, count, seed);
        broken.sort_by_key(|(_, text)| text.len());
        broken.truncate(20);
        assert!(
            broken.is_empty(),
            "may_join said false but the parse joins: {broken:#?}"
        );
    }

    #[test]
    fn hostile_input_is_safe() {
        for language in Language::ALL {
            for text in [
                "(".repeat(100_000),
                "`${".repeat(20_000),
                "\"\\\"".repeat(20_000),
                "$\"{".repeat(20_000),
                "f'{".repeat(20_000),
                "\"$(".repeat(20_000),
                "a = b\n".repeat(20_000),
                "\u{2028}\u{a0}é'".repeat(10_000),
            ] {
                let _ = may_join(language, &text);
                let _ = may_join(language, text.get(..text.len() / 3).unwrap_or_default());
            }
        }
    }
}
