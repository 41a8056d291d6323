//! String literal decoding shared by the language modules: backslash escapes in their dialects,
//! Java text blocks and C# raw strings (indentation stripping), and splitting a literal with
//! holes (`${x}`, `{x}`, `$x`) into text and expression parts.
//!
//! Decoding is lenient: an escape a dialect does not know is kept as written (or without its
//! backslash where the language does that), an invalid code point becomes U+FFFD.

/// How a language reads backslash escapes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Escapes {
    /// `\x` takes exactly two hex digits (Python, Go, JS, Rust) rather than one to four (C#).
    pub x_two_digits: bool,
    /// `\u{...}` (JavaScript, Rust).
    pub u_braces: bool,
    /// `\uXXXX` (everyone but Rust).
    pub u_four: bool,
    /// `\UXXXXXXXX` (Python, C#, Go).
    pub u_eight: bool,
    /// Octal `\NNN` (Python, Go, Java, JavaScript legacy).
    pub octal: bool,
    /// A backslash before a newline joins lines (Python, JavaScript, Java text blocks).
    pub line_continuation: bool,
    /// An unknown escape keeps its backslash (Python, C#) rather than dropping it (JavaScript).
    pub keep_unknown: bool,
    /// `\s` is a space (Java).
    pub s_space: bool,
}

impl Escapes {
    pub(super) const PYTHON: Escapes = Escapes {
        x_two_digits: true,
        u_braces: false,
        u_four: true,
        u_eight: true,
        octal: true,
        line_continuation: true,
        keep_unknown: true,
        s_space: false,
    };
    /// Python bytes literals: no `\u` escapes.
    pub(super) const PYTHON_BYTES: Escapes = Escapes {
        u_four: false,
        u_eight: false,
        ..Escapes::PYTHON
    };
    pub(super) const CSHARP: Escapes = Escapes {
        x_two_digits: false,
        u_braces: false,
        u_four: true,
        u_eight: true,
        octal: false,
        line_continuation: false,
        keep_unknown: true,
        s_space: false,
    };
    pub(super) const JAVASCRIPT: Escapes = Escapes {
        x_two_digits: true,
        u_braces: true,
        u_four: true,
        u_eight: false,
        octal: true,
        line_continuation: true,
        keep_unknown: false,
        s_space: false,
    };
    pub(super) const JAVA: Escapes = Escapes {
        x_two_digits: true,
        u_braces: false,
        u_four: true,
        u_eight: false,
        octal: true,
        line_continuation: true,
        keep_unknown: true,
        s_space: true,
    };
    pub(super) const GO: Escapes = Escapes {
        x_two_digits: true,
        u_braces: false,
        u_four: true,
        u_eight: true,
        octal: true,
        line_continuation: false,
        keep_unknown: true,
        s_space: false,
    };
}

/// Decodes backslash escapes in `raw` (the text between the quotes).
pub(super) fn unescape(raw: &str, escapes: Escapes) -> String {
    if !raw.contains('\\') {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((at, escaped)) = chars.next() else {
            out.push('\\');
            break;
        };
        let simple = match escaped {
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            '0' if !escapes.octal => Some('\0'),
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'v' => Some('\u{b}'),
            's' if escapes.s_space => Some(' '),
            '\\' | '"' | '\'' => Some(escaped),
            _ => None,
        };
        if let Some(simple) = simple {
            out.push(simple);
            continue;
        }
        let rest = raw.get(at + escaped.len_utf8()..).unwrap_or_default();
        let decoded = match escaped {
            '\n' if escapes.line_continuation => Some((None, 0)),
            '\r' if escapes.line_continuation => Some((None, usize::from(rest.starts_with('\n')))),
            'x' if escapes.x_two_digits => hex(rest, 2, 2),
            'x' => hex(rest, 1, 4),
            'u' if escapes.u_braces && rest.starts_with('{') => braced_hex(rest),
            'u' if escapes.u_four => hex(rest, 4, 4),
            'U' if escapes.u_eight => hex(rest, 8, 8),
            '0'..='7' if escapes.octal => {
                let digits = 1 + rest
                    .bytes()
                    .take(2)
                    .take_while(|b| (b'0'..=b'7').contains(b))
                    .count();
                let text = raw.get(at..at + digits).unwrap_or("0");
                u32::from_str_radix(text, 8)
                    .ok()
                    .map(|code| (Some(char::from_u32(code).unwrap_or('\u{fffd}')), digits - 1))
            }
            _ => None,
        };
        match decoded {
            Some((decoded, consumed)) => {
                out.extend(decoded);
                for _ in 0..consumed {
                    chars.next();
                }
            }
            None if escapes.keep_unknown => {
                out.push('\\');
                out.push(escaped);
            }
            None => out.push(escaped),
        }
    }
    out
}

/// `min..=max` hex digits at the start of `rest`: the character and how many chars they took.
fn hex(rest: &str, min: usize, max: usize) -> Option<(Option<char>, usize)> {
    let digits = rest
        .bytes()
        .take(max)
        .take_while(u8::is_ascii_hexdigit)
        .count();
    if digits < min {
        return None;
    }
    let code = u32::from_str_radix(rest.get(..digits)?, 16).ok()?;
    Some((Some(char::from_u32(code).unwrap_or('\u{fffd}')), digits))
}

/// `{XXXX}` at the start of `rest`.
fn braced_hex(rest: &str) -> Option<(Option<char>, usize)> {
    let close = rest.find('}')?;
    let digits = rest.get(1..close)?.trim_start_matches('0');
    let code = if digits.is_empty() {
        0
    } else {
        u32::from_str_radix(digits, 16).ok()?
    };
    Some((Some(char::from_u32(code).unwrap_or('\u{fffd}')), close + 1))
}

/// The value of a Java text block: `raw` is the text between the `"""` delimiters (starting
/// with the rest of the opening line). Incidental indentation is stripped (the smallest
/// indentation of the non-blank lines and of the closing line), trailing spaces are stripped,
/// then escapes are decoded (`\<newline>` joins lines, `\s` is a space).
pub(super) fn java_text_block(raw: &str) -> String {
    let body = match raw.find('\n') {
        Some(newline) => raw.get(newline + 1..).unwrap_or_default(),
        None => return unescape(raw.trim(), Escapes::JAVA),
    };
    let lines: Vec<&str> = body
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .collect();
    let last = lines.len().saturating_sub(1);
    let indent = lines
        .iter()
        .enumerate()
        .filter(|(index, line)| *index == last || !line.trim().is_empty())
        .map(|(_, line)| line.chars().take_while(|c| c.is_whitespace()).count())
        .min()
        .unwrap_or(0);
    let mut out = String::with_capacity(body.len());
    for (index, line) in lines.iter().enumerate() {
        let stripped: String = line.chars().skip(indent).collect();
        let trimmed = stripped.trim_end_matches([' ', '\t', '\u{c}']);
        out.push_str(trimmed);
        if index != last {
            out.push('\n');
        }
    }
    unescape(&out, Escapes::JAVA)
}

/// The value of a C# raw string literal's contents (between the quote runs). A single-line raw
/// string is its contents; a multi-line one drops the opening and closing lines and removes the
/// closing line's indentation from every line. `None` if the layout is invalid.
pub(super) fn csharp_raw(raw: &str) -> Option<String> {
    if !raw.contains('\n') {
        return Some(raw.to_owned());
    }
    let first_newline = raw.find('\n')?;
    if !raw.get(..first_newline)?.trim().is_empty() {
        return None;
    }
    let last_newline = raw.rfind('\n')?;
    let indent = raw.get(last_newline + 1..)?;
    if !indent.trim().is_empty() {
        return None;
    }
    if last_newline <= first_newline {
        return Some(String::new());
    }
    let body = raw.get(first_newline + 1..last_newline)?;
    let body = body.strip_suffix('\r').unwrap_or(body);
    let mut out = String::with_capacity(body.len());
    for (index, line) in body.split('\n').enumerate() {
        if index > 0 {
            out.push('\n');
        }
        let line = line.strip_suffix('\r').unwrap_or(line);
        out.push_str(line.strip_prefix(indent).unwrap_or(line.trim_start()));
    }
    Some(out)
}

/// The value of a PowerShell double-quoted string's text: backtick escapes and `""`.
pub(super) fn powershell_expandable(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('0') => out.push('\0'),
                Some('a') => out.push('\u{7}'),
                Some('b') => out.push('\u{8}'),
                Some('f') => out.push('\u{c}'),
                Some('v') => out.push('\u{b}'),
                Some('e') => out.push('\u{1b}'),
                Some(other) => out.push(other),
                None => out.push('`'),
            },
            '"' | '\u{201c}' | '\u{201d}' | '\u{201e}' if chars.peek() == Some(&c) => {
                chars.next();
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// The `(open, close)` byte lengths of quote runs around a literal whose text is `literal`:
/// everything up to and including the first run of `quote`s, and the same count at the end.
pub(super) fn quote_runs(literal: &str, quote: char) -> Option<(usize, usize)> {
    let start = literal.find(quote)?;
    let count = literal
        .get(start..)?
        .chars()
        .take_while(|&c| c == quote)
        .count();
    let quote_len = quote.len_utf8();
    // A lone `""` is an empty string, not an opening run of two.
    let count = if count == 2 && literal.len() == start + 2 * quote_len {
        1
    } else {
        count
    };
    let open = start + count * quote_len;
    let close = literal
        .chars()
        .rev()
        .take_while(|&c| c == quote)
        .count()
        .min(count)
        * quote_len;
    (open + close <= literal.len()).then_some((open, close))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            unescape(r"a\nb\x41\u0042\\\q", Escapes::PYTHON),
            "a\nbAB\\\\q"
        );
        assert_eq!(
            unescape(r"a\q\u{1F600}", Escapes::JAVASCRIPT),
            "aq\u{1F600}"
        );
        assert_eq!(unescape(r"\101\0", Escapes::GO), "A\0");
        assert_eq!(unescape("tail\\", Escapes::CSHARP), "tail\\");
        assert_eq!(unescape(r"\x4142", Escapes::CSHARP), "\u{4142}");
        assert_eq!(unescape("a\\\nb", Escapes::JAVASCRIPT), "ab");
        assert_eq!(unescape(r"\u12", Escapes::JAVA), r"\u12");
        assert_eq!(unescape(r"\u{110000}", Escapes::JAVASCRIPT), "\u{fffd}");
    }

    #[test]
    fn text_blocks() {
        assert_eq!(java_text_block("\n    a\n      b\n    "), "a\n  b\n");
        assert_eq!(java_text_block("\n    a \\\n    b"), "a b");
        assert_eq!(java_text_block("\n  x\\s\n  "), "x \n");
    }

    #[test]
    fn raw_strings() {
        assert_eq!(
            csharp_raw("\n    a\n      b\n    ").as_deref(),
            Some("a\n  b")
        );
        assert_eq!(csharp_raw("one line").as_deref(), Some("one line"));
        assert_eq!(csharp_raw("x\n a\n "), None);
        assert_eq!(quote_runs("\"\"\"abc\"\"\"", '"'), Some((3, 3)));
        assert_eq!(quote_runs("\"\"", '"'), Some((1, 1)));
        assert_eq!(quote_runs("$@\"a\"", '"'), Some((3, 1)));
    }

    #[test]
    fn powershell() {
        assert_eq!(powershell_expandable("a`tb``c\"\"d"), "a\tb`c\"d");
    }
}
