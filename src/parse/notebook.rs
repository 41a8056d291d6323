//! Jupyter notebooks (`.ipynb`): the text of every cell, decoded from the notebook's JSON.
//!
//! A cell's `source` is an array of JSON strings, one per line (or one string), so a key written
//! `key = "…"` in a code cell sits in the file as `"key = \"…\"\n"`: text rules on the raw JSON
//! see the escapes. [`cell_text`] decodes the sources of code and markdown cells and the text
//! outputs (`stream` text and `text/plain` results, which often echo a key) into one text, each
//! cell starting on a line of its own, mapped back to the notebook's bytes.

use super::derived::DerivedText;
use super::{Format, ValueKind};

/// The decoded cells of a notebook; `None` when the text holds no cell text. A notebook whose
/// JSON breaks off gives the cells read before the break ([`problem`] says so).
pub fn cell_text(text: &str) -> Option<DerivedText> {
    if !text.contains("\"cells\"") {
        return None;
    }
    let document = super::parse(Format::Json, text);
    let mut derived = DerivedText::default();
    let mut current: Option<(&str, &str)> = None;
    for entry in &document.entries {
        if entry.kind != ValueKind::String {
            continue;
        }
        let path: Vec<&str> = entry.path.iter().map(String::as_str).collect();
        let part = match path.as_slice() {
            ["cells", cell, "source"] | ["cells", cell, "source", _] => (*cell, "source"),
            ["cells", cell, "outputs", output, "text"]
            | ["cells", cell, "outputs", output, "text", _]
            | ["cells", cell, "outputs", output, "data", "text/plain"]
            | ["cells", cell, "outputs", output, "data", "text/plain", _] => (*cell, *output),
            _ => continue,
        };
        // Each cell and output starts on a line of its own.
        if current != Some(part) && !derived.at_line_start() {
            derived.push_for("\n", entry.value.start..entry.value.start);
        }
        current = Some(part);
        decode_json_string(text, entry.value.clone(), &mut derived);
    }
    (!derived.text().is_empty()).then_some(derived)
}

/// What is wrong with a notebook's JSON, when something is: its cells after the break were
/// scanned as raw text only.
pub fn problem(text: &str) -> Option<String> {
    let document = super::parse(Format::Json, text);
    (!document.complete).then(|| {
        "notebook JSON is incomplete or malformed: cells after the break were scanned as plain \
         text only"
            .to_owned()
    })
}

/// Appends the JSON string body `text[body]` (inside the quotes) decoded, escapes mapped to
/// their original bytes. A broken escape is kept as written.
fn decode_json_string(text: &str, body: std::ops::Range<usize>, derived: &mut DerivedText) {
    let Some(raw) = text.get(body.clone()) else {
        return;
    };
    let base = body.start;
    let bytes = raw.as_bytes();
    let mut copied = 0;
    let mut at = 0;
    while let Some(found) = raw.get(at..).and_then(|rest| rest.find('\\')) {
        let escape = at + found;
        derived.push_copy(text, base + copied..base + escape);
        let (decoded, len) = match bytes.get(escape + 1) {
            Some(b'n') => (Some('\n'), 2),
            Some(b't') => (Some('\t'), 2),
            Some(b'r') => (Some('\r'), 2),
            Some(b'b') => (Some('\u{8}'), 2),
            Some(b'f') => (Some('\u{c}'), 2),
            Some(b'"') => (Some('"'), 2),
            Some(b'\\') => (Some('\\'), 2),
            Some(b'/') => (Some('/'), 2),
            Some(b'u') => unicode_escape(raw, escape),
            _ => (None, 1),
        };
        match decoded {
            Some(decoded) => {
                let mut buffer = [0; 4];
                derived.push_for(
                    decoded.encode_utf8(&mut buffer),
                    base + escape..base + escape + len,
                );
            }
            None => derived.push_copy(text, base + escape..base + escape + len),
        }
        at = escape + len;
        copied = at;
    }
    derived.push_copy(text, base + copied..body.end);
}

/// A `\uXXXX` escape at `raw[at..]` (with its low surrogate, if any): the character and the
/// escape's length; `(None, 1)` keeps a broken one as written.
fn unicode_escape(raw: &str, at: usize) -> (Option<char>, usize) {
    let unit = |from: usize| {
        raw.get(from..from + 6)
            .filter(|escape| escape.starts_with("\\u"))
            .and_then(|escape| u32::from_str_radix(&escape[2..], 16).ok())
    };
    let Some(high) = unit(at) else {
        return (None, 1);
    };
    if (0xD800..0xDC00).contains(&high)
        && let Some(low) = unit(at + 6).filter(|low| (0xDC00..0xE000).contains(low))
    {
        let combined = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
        return (char::from_u32(combined), 12);
    }
    match char::from_u32(high) {
        Some(decoded) => (Some(decoded), 6),
        None => (None, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_decode_and_map_back_to_their_json_strings() {
        let notebook = concat!(
            "{\"cells\": [\n",
            " {\"cell_type\": \"code\", \"source\": [\"import os\\n\", \"key = \\\"abc\\\"\\n\"],\n",
            "  \"outputs\": [{\"output_type\": \"stream\", \"text\": [\"caf\\u00e9\\n\"]}]},\n",
            " {\"cell_type\": \"markdown\", \"source\": \"# Title \\ud83d\\ude00\"}\n",
            "], \"nbformat\": 4}\n"
        );
        let derived = cell_text(notebook).expect("a notebook");
        assert_eq!(
            derived.text(),
            "import os\nkey = \"abc\"\ncafé\n# Title \u{1F600}"
        );
        let at = derived.text().find("abc").expect("abc");
        let original = derived.original_range(&(at..at + 3));
        assert_eq!(&notebook[original], "abc");
        let quoted = derived.original_range(&(at - 1..at + 4));
        assert_eq!(&notebook[quoted], "\\\"abc\\\"");
    }

    #[test]
    fn broken_or_foreign_json_has_no_cells() {
        assert!(cell_text("{\"cells\": [{\"source\": [\"x = 1\\n\"]}").is_none());
        assert!(cell_text("{\"name\": \"x\"}").is_none());
        assert!(cell_text("{\"cells\": []}").is_none());
    }
}
