//! `.http` / `.rest` request files (VS Code REST Client, JetBrains and Visual Studio HTTP
//! clients): `@name = value` lines define variables, `{{name}}` uses them in request lines,
//! headers and bodies. [`substituted`] fills the references in, so that a header written
//! `Ocp-Apim-Subscription-Key: {{key}}` is judged with the key, and a match inside a filled-in
//! value is reported on the variable's definition, where the key is written.

use std::collections::HashMap;
use std::ops::Range;

use super::derived::DerivedText;

/// How deep a variable's value may refer to other variables (`@url = https://{{host}}/x`);
/// deeper references, and cycles, are left as written.
const MAX_NESTING: usize = 4;

/// Filled-in text may grow to this many times the file (plus [`GROWTH_SLACK`] bytes); past it
/// references are left as written, so values that refer to each other many times over cannot
/// blow the text up.
const MAX_GROWTH: usize = 4;
const GROWTH_SLACK: usize = 64 * 1024;

/// The file with every known `{{name}}` replaced by its value; `None` when nothing was
/// replaced (the raw text rules see the same text then).
pub fn substituted(text: &str) -> Option<DerivedText> {
    if !text.contains("{{") {
        return None;
    }
    let variables = variables(text);
    if variables.is_empty() {
        return None;
    }
    let mut filler = Filler {
        text,
        variables,
        budget: text.len().saturating_mul(MAX_GROWTH) + GROWTH_SLACK,
        derived: DerivedText::default(),
        replaced: false,
    };
    filler.fill(0..text.len(), MAX_NESTING);
    filler.replaced.then_some(filler.derived)
}

/// `@name = value` definitions: each name's value span (trimmed), the last definition winning.
fn variables(text: &str) -> HashMap<&str, Range<usize>> {
    let mut variables = HashMap::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let start = line_start;
        line_start += line.len();
        let trimmed = line.trim_start();
        let Some(definition) = trimmed.strip_prefix('@') else {
            continue;
        };
        let Some(equals) = definition.find('=') else {
            continue;
        };
        let name = definition[..equals].trim();
        let value = &definition[equals + 1..];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            continue;
        }
        // Line indent, `@`, the name and `=`, then the value's own leading spaces.
        let value_start = start
            + (line.len() - trimmed.len())
            + 1
            + equals
            + 1
            + (value.len() - value.trim_start().len());
        let value_end = value_start + value.trim().len();
        variables.insert(name, value_start..value_end);
    }
    variables
}

/// Builds the filled-in text.
struct Filler<'t> {
    text: &'t str,
    variables: HashMap<&'t str, Range<usize>>,
    /// Length the derived text may reach before references stop being filled in.
    budget: usize,
    derived: DerivedText,
    replaced: bool,
}

impl Filler<'_> {
    /// Appends `text[range]` with its references filled in, `depth` levels deep.
    fn fill(&mut self, range: Range<usize>, depth: usize) {
        let text = self.text;
        let Some(piece) = text.get(range.clone()) else {
            return;
        };
        let mut copied = 0;
        let mut at = 0;
        while let Some(open) = piece.get(at..).and_then(|rest| rest.find("{{")) {
            let open = at + open;
            let Some(close) = piece.get(open + 2..).and_then(|rest| rest.find("}}")) else {
                break;
            };
            let close = open + 2 + close;
            let name = piece.get(open + 2..close).unwrap_or("").trim();
            let value = self
                .variables
                .get(name)
                .filter(|_| depth > 0 && self.derived.text().len() < self.budget)
                .cloned();
            if let Some(value) = value {
                self.derived
                    .push_copy(text, range.start + copied..range.start + open);
                self.fill(value, depth - 1);
                self.replaced = true;
                copied = close + 2;
            }
            at = close + 2;
        }
        self.derived
            .push_copy(text, range.start + copied..range.end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_take_their_values_and_map_to_the_definition() {
        let file = "@host = kl-fake.azure-api.net\n@key = abc123\n@url = https://{{host}}/v1\n\n\
                    GET {{url}}/items\nOcp-Apim-Subscription-Key: {{ key }}\nX-Id: {{$guid}}\n";
        let derived = substituted(file).expect("references");
        assert!(
            derived
                .text()
                .contains("GET https://kl-fake.azure-api.net/v1/items\n")
        );
        assert!(
            derived
                .text()
                .contains("Ocp-Apim-Subscription-Key: abc123\nX-Id: {{$guid}}\n")
        );
        let at = derived.text().rfind("abc123").expect("key");
        let original = derived.original_range(&(at..at + 6));
        assert_eq!(&file[original.clone()], "abc123");
        assert_eq!(original.start, file.find("abc123").expect("definition"));
    }

    #[test]
    fn cycles_and_unknown_names_stay_as_written() {
        let file = "@a = {{b}}\n@b = {{a}}\nGET https://x/{{a}}/{{nope}}\n";
        let derived = substituted(file).expect("references");
        assert!(derived.text().contains("{{nope}}"));
        assert!(substituted("GET https://x/{{nope}}\n").is_none());
        assert!(substituted("@a = 1\nGET https://x/\n").is_none());
    }
}
