//! Keys known by the name written next to them, in any syntax.
//!
//! A rule with `named:` lists the names that say what a value is (`speechKey`, `deviceKey`,
//! `AzureMapsKey`) and the shape the value must have; this module turns them into one text
//! pattern that accepts every way real code and config put a name beside a value, so each rule
//! states only its vocabulary and every syntax is written (and fixed) once:
//!
//! | syntax | example |
//! | --- | --- |
//! | assignment, config, env, Makefile | `SPEECH_KEY=…`, `speech_key = "…"`, `KEY ?= …`, `key := "…"` |
//! | JSON, YAML, HTTP header, hash | `"speechKey": "…"`, `Ocp-Apim-Subscription-Key: …`, `key => '…'` |
//! | typed declaration | `const KEY: &str = "…"`, `constexpr auto key = L"…"`, `string key = @"…"` |
//! | pair, call, flag | `{ "AccountKey", "…" }`, `.Add("AccountKey", "…")`, `FromSubscription("…")`, `--account-key …` |
//! | index assignment | `os.environ["SPEECH_KEY"] = '…'`, `$env:SPEECH_KEY = "…"` |
//! | attribute pair | `<add key="StorageKey" value="…"/>`, `<input id="subscriptionKey" … value="…">` |
//!
//! The value shape keeps the name from reaching a random word: a 32-hex key is only ever 32 hex
//! digits. Context (`requires`, `excludes`) and filters work as for any text rule.

use serde::Deserialize;

/// The names and value shape of a `named:` rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedSpec {
    /// Regexes (case-insensitive) for the name, matched as the end of the name written in the
    /// file: `speech[-_]?key` also finds `AZURE_SPEECH_KEY` and `s_speechKey`.
    pub names: Vec<String>,
    /// The shape of the value, or the shapes it may have (a device key has 44 characters, an
    /// enrollment group's 88).
    pub value: Shapes,
}

/// One value shape or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Shapes {
    /// A single shape.
    One(ValueShape),
    /// Any of these shapes.
    Any(Vec<ValueShape>),
}

impl Shapes {
    fn list(&self) -> &[ValueShape] {
        match self {
            Shapes::One(shape) => std::slice::from_ref(shape),
            Shapes::Any(shapes) => shapes,
        }
    }
}

/// What a named value must look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValueShape {
    /// 32 hexadecimal digits: Azure AI services, APIM, older Azure OpenAI keys.
    Hex32,
    /// 44 characters of base64 ending in `=`: SAS keys of Service Bus, Event Hubs, IoT Hub.
    Base64Key44,
    /// 88 characters of base64 ending in `==`: storage and Cosmos DB account keys.
    Base64Key88,
    /// A GUID: QnA Maker endpoint keys.
    Guid,
    /// 43 characters of URL-safe base64: Azure Maps shared keys before the CASK format.
    #[serde(rename = "base64url43")]
    Base64Url43,
    /// 52 letters and digits: Azure AI Search admin and query keys.
    Alnum52,
    /// 32 to 44 characters of the set older Entra ID client secrets were drawn from (letters,
    /// digits and `+/=._~*@:?[]-`).
    EntraSecret,
}

impl ValueShape {
    /// The value's regex and the characters that must not follow it (pieces of a class).
    fn parts(self) -> (&'static str, &'static [&'static str]) {
        const ALNUM: &str = "A-Za-z0-9";
        match self {
            ValueShape::Hex32 => ("[0-9a-fA-F]{32}", &[ALNUM]),
            ValueShape::Base64Key44 => ("[A-Za-z0-9+/]{43}=", &[ALNUM, "+/="]),
            ValueShape::Base64Key88 => ("[A-Za-z0-9+/]{86}==", &[ALNUM, "+/="]),
            ValueShape::Guid => (
                "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
                &[ALNUM, "-"],
            ),
            ValueShape::Base64Url43 => ("[A-Za-z0-9_-]{43}", &[ALNUM, "_=", "-"]),
            ValueShape::Alnum52 => ("[A-Za-z0-9]{52}", &[ALNUM]),
            ValueShape::EntraSecret => (
                r"[A-Za-z0-9+/=._~*@:?\[\]-]{32,44}",
                &[ALNUM, r"+/=._~*@:?\[\]", "-"],
            ),
        }
    }
}

/// Names and separators are ASCII (`(?i-u)`, ASCII classes): Unicode case folding and classes
/// would multiply the automaton's states for no name anyone writes.
///
/// Characters a written name may carry before the vocabulary word: `AZURE_`, `s_`, `ida:`,
/// `Speech.`, `--`. After it, one digit may follow (`key1`, `deviceKey2`).
const NAME_PREFIX: &str = "[A-Za-z0-9_.:-]{0,40}?";

/// Between the name and the value, in the order tried. Assignments and headers stay on their
/// line (an empty `NAME=` must not reach the next line's value); pairs and calls may wrap. Every
/// repetition is bounded, so a match has a longest length and is searched for only around the
/// long runs values are made of (`rules::gate`).
const SEPARATORS: &[&str] = &[
    // `name = v`, `name: v`, `NAME ?= v`, `name := v`, `name => v`, `name -> v`, `| name | v`,
    // also after a closing quote or index bracket: `"name": v`, `environ["NAME"] = v`, and
    // after a type: `const NAME: &str = v`, `name: string = v`.
    r#"["'`]?\]?[ \t]{0,16}(?::[ \t]{0,4}&?(?:'static[ \t]{1,4})?[A-Za-z_][A-Za-z0-9_]{0,40}[ \t]{0,4})?(?:=|:=|::=|\?=|\+=|:|=>|->|\|)[ \t]{0,16}"#,
    // `"name", v` and `name(v`: dictionary pairs, `.Add("name", v)`, `set("name",\n v)`.
    r#"["'`]?[ \t\r\n]{0,16}[,(][ \t\r\n]{0,16}"#,
    // `key="name" value="v"`, `id="name" type="password" value="v"`: attributes of one tag.
    r#"["'][\t -;=?-~]{0,200}?(?-u:\b)value[ \t]{0,4}=[ \t]{0,4}"#,
    // `--account-key v`, `-storagekey v`: a flag and its argument.
    r"[ \t]{1,16}",
];

/// The text pattern for a named rule: group `name` is the name as written, `secret` the value.
pub fn pattern(spec: &NamedSpec) -> String {
    let names = spec
        .names
        .iter()
        .map(|name| format!("(?:{name})"))
        .collect::<Vec<_>>()
        .join("|");
    let separators = SEPARATORS.join("|");
    let shapes = spec.value.list();
    let value = shapes
        .iter()
        .map(|shape| shape.parts().0)
        .collect::<Vec<_>>()
        .join("|");
    // A value ends where none of its shapes could go on; `-` last, where a class takes it.
    let mut pieces: Vec<&str> = Vec::new();
    for piece in shapes.iter().flat_map(|shape| shape.parts().1) {
        if !pieces.contains(piece) {
            pieces.push(piece);
        }
    }
    pieces.sort_by_key(|piece| *piece == "-");
    let after = pieces.concat();
    // A string prefix (`L"`, `@"`, `r"`, `u8"`) only counts before a quote.
    format!(
        r#"(?P<name>(?i-u:{NAME_PREFIX}(?:{names})[0-9]?))(?:{separators})(?:(?:[@$LuUrRbB]|u8)?["'`])?(?P<secret>(?:{value}))(?:$|[^{after}])"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled(names: &[&str], value: ValueShape) -> regex::Regex {
        let spec = NamedSpec {
            names: names.iter().map(|name| (*name).to_owned()).collect(),
            value: Shapes::One(value),
        };
        regex::Regex::new(&pattern(&spec)).expect("named pattern compiles")
    }

    #[test]
    fn every_syntax_yields_the_value() {
        // A low-entropy stand-in: this file is scanned with the rest of the repository.
        let hex = "0f1e".repeat(8);
        let hex = hex.as_str();
        let regex = compiled(
            &["speech[-_]?key", "subscription[-_]?key"],
            ValueShape::Hex32,
        );
        let table = [
            format!("SPEECH_KEY={hex}"),
            format!("export AZURE_SPEECH_KEY=\"{hex}\""),
            format!("\"speechKey\": \"{hex}\","),
            format!("speech_key: '{hex}'"),
            format!("SPEECH_KEY ?= {hex}"),
            format!("speechKey := \"{hex}\""),
            format!("const SPEECH_KEY: &str = \"{hex}\";"),
            format!("constexpr auto speechKey = L\"{hex}\";"),
            format!("private static string s_speechKey = @\"{hex}\";"),
            format!("os.environ[\"SPEECH_KEY\"] = '{hex}'"),
            format!("$env:SPEECH_KEY = \"{hex}\""),
            format!("settings.Add(\"SpeechKey\", \"{hex}\");"),
            format!("{{ \"SpeechKey\",\n  \"{hex}\" }}"),
            format!("<add key=\"SpeechKey\" value=\"{hex}\" />"),
            format!("<input id=\"subscriptionKey\" type=\"password\" value=\"{hex}\">"),
            format!("Ocp-Apim-Subscription-Key: {hex}"),
            format!("az cognitiveservices --subscription-key {hex}"),
            format!("\"speechKey\" -> \"{hex}\""),
            format!("| SpeechKey | {hex} |"),
        ];
        for line in &table {
            let captures = regex.captures(line);
            assert_eq!(
                captures.and_then(|c| c.name("secret")).map(|m| m.as_str()),
                Some(hex),
                "{line}"
            );
        }
    }

    #[test]
    fn the_value_must_have_the_shape_and_stay_on_an_assignment_line() {
        let regex = compiled(&["speech[-_]?key"], ValueShape::Hex32);
        let misses = [
            // One digit short, one too many, not hex.
            "SPEECH_KEY=0f1e2d3c4b5a69788796a5b4c3d2e1f",
            "SPEECH_KEY=0f1e2d3c4b5a69788796a5b4c3d2e1f0a",
            "SPEECH_KEY=0f1e2d3c4b5a69788796a5b4c3d2e1fg",
            // An empty setting does not take the next line's value.
            "SPEECH_KEY=\nOTHER=0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            // Another tag's value.
            "<add key=\"SpeechKey\" value=\"\" /><add key=\"Hash\" value=\"0f1e2d3c4b5a69788796a5b4c3d2e1f0\" />",
            // A name that only ends like one of ours is still ours, but a different word is not.
            "SPEECH_REGION=0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        ];
        for line in misses {
            assert!(regex.captures(line).is_none(), "{line}");
        }
    }

    #[test]
    fn several_shapes_take_any_of_their_lengths() {
        let spec = NamedSpec {
            names: vec!["primary[-_]?key".to_owned()],
            value: Shapes::Any(vec![ValueShape::Base64Key44, ValueShape::Base64Key88]),
        };
        let regex = regex::Regex::new(&pattern(&spec)).expect("named pattern compiles");
        for (value, hits) in [
            (format!("{}=", "A".repeat(43)), true),
            (format!("{}==", "A".repeat(86)), true),
            (format!("{}=", "A".repeat(50)), false),
        ] {
            let line = format!("PRIMARY_KEY={value}");
            let found = regex.captures(&line).and_then(|c| c.name("secret"));
            assert_eq!(
                found.map(|m| m.as_str() == value),
                hits.then_some(true),
                "{line}"
            );
        }
    }

    #[test]
    fn each_shape_takes_its_own_length() {
        let cases = [
            (
                ValueShape::Base64Key44,
                format!("{}=", "A".repeat(43)),
                true,
            ),
            (
                ValueShape::Base64Key44,
                format!("{}==", "A".repeat(86)),
                false,
            ),
            (
                ValueShape::Base64Key88,
                format!("{}==", "A".repeat(86)),
                true,
            ),
            (
                ValueShape::Guid,
                "9da3b0c4-1e2f-4a5b-8c7d-6e5f4a3b2c1d".to_owned(),
                true,
            ),
            (
                ValueShape::Base64Url43,
                format!("{}_-", "a".repeat(41)),
                true,
            ),
            (
                ValueShape::Base64Url43,
                format!("{}=", "a".repeat(43)),
                false,
            ),
            (ValueShape::Alnum52, "a".repeat(52), true),
        ];
        for (shape, value, hits) in cases {
            let regex = compiled(&["key"], shape);
            let line = format!("key = \"{value}\"");
            assert_eq!(regex.is_match(&line), hits, "{shape:?} {line}");
        }
    }
}
