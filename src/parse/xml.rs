//! XML (tree-sitter-xml) into the [`Document`] view: web.config and app.config, MSBuild project
//! files (`.csproj`, `.props`, `.pubxml`), cloud service `.cscfg`/`.csdef`, `.resx`, and Service
//! Fabric `Settings.xml` and `ApplicationManifest.xml`.
//!
//! The mapping:
//! - Every element yields a [`ValueKind::Object`] entry whose path is the element names from the
//!   root, as written (`ns:el` keeps its prefix); repeated elements share a path (no indexes). The
//!   key span is the name in the start tag, the value span the element whole.
//! - Every attribute yields a [`ValueKind::String`] entry at the element's path plus the attribute
//!   name, spanned inside the quotes.
//! - Text content yields a [`ValueKind::String`] entry at the element's own path (after its
//!   `Object` entry), its span trimmed, when it is not blank: one entry per run of character
//!   data (with entity references, kept as written) between child elements or comments, and one
//!   per CDATA section (the text inside `<![CDATA[ ]]>`). The key span is the element's name.
//! - Key/value elements are normalised so a rule keyed on a setting's name matches every file
//!   family alike: an element (of any name) with a name attribute (`key`, else `name`, any case)
//!   and a value attribute (`value`, else `connectionString`, else `DefaultValue`, any case) also
//!   yields a synthetic [`ValueKind::String`] entry at the *parent's* path plus the name's text,
//!   spanned over the value, with an empty key span at the value's start. This covers
//!   `<add key="X" value="Y"/>` (appSettings), `<add name="X" connectionString="Y"/>`
//!   (connectionStrings), `<setting name="X" value="Y"/>` and `<Setting …/>` (.cscfg),
//!   `<Parameter Name="X" Value="Y"/>` (Service Fabric Settings.xml, application parameter files)
//!   and `<Parameter Name="X" DefaultValue="Y"/>` (ApplicationManifest.xml). An element with
//!   the name attribute but no value attribute takes the text of its `<value>` child instead:
//!   `<setting name="X" serializeAs="String"><value>Y</value></setting>` (.NET
//!   `applicationSettings`) and `<data name="X"><value>Y</value></data>` (.resx). MSBuild
//!   properties (`<PropertyGroup><Password>Y</Password>`) are natural text entries already.
//! - The XML declaration, processing instructions, comments and the DOCTYPE yield nothing.
//!   UTF-16 files arrive decoded like any other; the declared encoding is ignored.
//! - A file whose first non-blank character is not `<` is not XML at all: `.config` also names
//!   Java and Kafka client settings (`sasl.jaas.config=…`). It is read as `key=value` text by
//!   [`super::keyvalue`] instead of yielding an incomplete empty XML document.
//!
//! Broken files: tree-sitter recovers what it can; tags, attributes and text inside its error
//! nodes are still read (a start tag opens an element until its end tag, a truncated tag still
//! yields its complete attributes), and the document is marked incomplete.
//!
//! Cost: tree-sitter-xml is slow on deep nesting (its scanner copies the stack of open tags for
//! every token, so cost grows with depth times size). Text nested deeper than [`MAX_DEPTH`]
//! (counted by a linear pre-scan) is not parsed at all: the document is empty and incomplete.
//! A parse that takes more operations than a generous budget proportional to the text's size is
//! cancelled the same way, so parsing stays linear.

use std::ops::{ControlFlow, Range};

use tree_sitter::{Node, ParseOptions, ParseState, Parser, TreeCursor};

use super::{Document, Entry, MAX_DEPTH, ValueKind};

/// A reusable XML (tree-sitter-xml) parser.
pub struct XmlParser {
    parser: Parser,
}

impl Default for XmlParser {
    fn default() -> Self {
        Self::new()
    }
}

/// Progress callbacks (one per 100 parser operations) allowed per KiB of text, plus a constant.
/// Real files take 10 to 55 per KiB, junk about the same; the budget only stops a runaway.
const CALLS_PER_KIB: usize = 400;
const CALLS_MIN: usize = 10_000;

impl XmlParser {
    /// Creates the parser.
    pub fn new() -> Self {
        let mut parser = Parser::new();
        // The grammar is compiled in; setting it only fails on an ABI mismatch, which the tests
        // would show at once (every parse would then return an empty, incomplete document).
        let _ = parser.set_language(&tree_sitter_xml::LANGUAGE_XML.into());
        Self { parser }
    }

    /// Parses `text` into entries (see the module documentation for the mapping).
    pub fn parse(&mut self, text: &str) -> Document {
        if !looks_like_xml(text) {
            // `.config` is also the extension of Java and Kafka client settings (`key=value`).
            return super::keyvalue::parse(text);
        }
        if nesting_depth_exceeds(text, MAX_DEPTH) {
            return Document::default();
        }
        self.parse_within(
            text,
            CALLS_MIN.saturating_add(text.len() / 1024 * CALLS_PER_KIB),
        )
    }

    /// Parses `text` unless tree-sitter needs more than `budget` progress callbacks.
    fn parse_within(&mut self, text: &str, budget: usize) -> Document {
        let mut calls = 0usize;
        let mut progress = |_: &ParseState| {
            calls += 1;
            if calls > budget {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let bytes = text.as_bytes();
        let tree = self.parser.parse_with_options(
            &mut |offset, _| bytes.get(offset..).unwrap_or_default(),
            None,
            Some(ParseOptions::new().progress_callback(&mut progress)),
        );
        // A cancelled parse leaves state behind that the next parse would resume.
        self.parser.reset();
        let Some(tree) = tree else {
            return Document::default();
        };
        let root = tree.root_node();
        let mut walker = Walker {
            text,
            entries: Vec::new(),
            complete: !root.has_error(),
            path: Vec::new(),
            open: Vec::new(),
            run: None,
            last_end: 0,
        };
        walker.walk(root.walk());
        Document {
            entries: walker.entries,
            resources: Vec::new(),
            complete: walker.complete,
        }
    }
}

/// An element whose content is being read.
struct Open {
    /// Its entry, whose value span is completed when it closes.
    entry: usize,
    /// Its name (for matching a stray end tag).
    name: String,
    /// End of its `element` node; `None` for a start tag that tree-sitter could not pair (inside
    /// an error node), which stays open until an end tag of its name or its parent's end.
    end: Option<usize>,
    /// A setting's name attribute, when the element has no value attribute: its value is the
    /// text of a `<value>` child (`<setting name="X"><value>Y</value></setting>`).
    setting: Option<String>,
}

/// Character data being gathered: the non-blank part so far, and where the run ends.
struct TextRun {
    trimmed: Option<Range<usize>>,
    end: usize,
}

struct Walker<'t> {
    text: &'t str,
    entries: Vec<Entry>,
    complete: bool,
    /// Names of the open elements.
    path: Vec<String>,
    open: Vec<Open>,
    run: Option<TextRun>,
    /// End of the last node read (where elements left open by a broken file end).
    last_end: usize,
}

impl<'t> Walker<'t> {
    /// Visits every node in document order, without recursion.
    fn walk(&mut self, mut cursor: TreeCursor<'t>) {
        loop {
            let descend = self.visit(cursor.node());
            if descend && cursor.goto_first_child() {
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    self.flush_text();
                    self.close_from(0, self.last_end);
                    return;
                }
            }
        }
    }

    /// Reads one node; returns whether to visit its children.
    fn visit(&mut self, node: Node<'t>) -> bool {
        let kind = node.kind();
        let is_text = matches!(kind, "CharData" | "EntityRef" | "CharRef")
            && node.parent().is_some_and(holds_content);
        if !is_text || self.ended(node.start_byte()) {
            self.flush_text();
            self.close_ended(node.start_byte());
        }
        if is_text {
            self.text_piece(node.byte_range());
            return false;
        }
        match kind {
            "document" | "content" | "ERROR" => true,
            "element" => {
                if self.open.len() >= MAX_DEPTH {
                    self.complete = false;
                    return false;
                }
                true
            }
            "STag" => {
                let structured = node.parent().filter(|parent| parent.kind() == "element");
                self.start_tag(node, structured, true);
                false
            }
            "EmptyElemTag" => {
                let element = node.parent().filter(|parent| parent.kind() == "element");
                self.start_tag(node, element, false);
                false
            }
            "ETag" => {
                if node
                    .parent()
                    .is_some_and(|parent| parent.kind() != "element")
                {
                    self.stray_end_tag(node);
                }
                self.last_end = self.last_end.max(node.end_byte());
                false
            }
            "Name" => {
                // `<name attr="…"` that never closed: read what there is.
                if node.parent().is_some_and(|parent| parent.is_error())
                    && node
                        .prev_sibling()
                        .is_some_and(|previous| previous.kind() == "<")
                {
                    self.broken_tag(node);
                }
                false
            }
            "CDSect" => {
                self.cdata(node);
                false
            }
            // Declarations, comments, processing instructions, DOCTYPE, stray tokens.
            _ => false,
        }
    }

    /// A start tag (`open`) or an empty-element tag: the element's entry, its attributes, the
    /// synthetic key/value entry, and for a start tag the element is opened. `element` is the
    /// enclosing `element` node, when tree-sitter paired the tag.
    fn start_tag(&mut self, tag: Node<'t>, element: Option<Node<'t>>, open: bool) {
        if self.open.len() >= MAX_DEPTH {
            self.complete = false;
            return;
        }
        let Some(name_node) = child_of_kind(tag, "Name") else {
            return;
        };
        let start = element.map_or(tag.start_byte(), |element| element.start_byte());
        let end = element.map_or(tag.end_byte(), |element| element.end_byte());
        let attributes = attributes(tag, self.text);
        let entry = self.element(name_node, start..end, &attributes);
        self.last_end = self.last_end.max(tag.end_byte());
        if open {
            let name = self
                .text
                .get(name_node.byte_range())
                .unwrap_or_default()
                .to_owned();
            let setting = match key_value(&attributes, self.text) {
                Some(_) => None,
                None => setting_name(&attributes, self.text),
            };
            self.path.push(name.clone());
            self.open.push(Open {
                entry,
                name,
                end: element.map(|element| element.end_byte()),
                setting,
            });
        }
    }

    /// A tag cut short inside an error node (`<add key="a" val`): the element with the complete
    /// attributes that follow its name.
    fn broken_tag(&mut self, name_node: Node<'t>) {
        if self.open.len() >= MAX_DEPTH {
            return;
        }
        let mut found = Vec::new();
        let mut end = name_node.end_byte();
        let mut next = name_node.next_sibling();
        while let Some(node) = next.filter(|node| node.kind() == "Attribute") {
            if let Some(attribute) = attribute(node, self.text) {
                found.push(attribute);
            }
            end = node.end_byte();
            next = node.next_sibling();
        }
        let start = name_node
            .prev_sibling()
            .map_or(name_node.start_byte(), |open| open.start_byte());
        self.element(name_node, start..end, &found);
        self.last_end = self.last_end.max(end);
    }

    /// Pushes an element's entry (its span `range`), its attributes' entries and its synthetic
    /// key/value entry; returns the element entry's index.
    fn element(
        &mut self,
        name_node: Node<'t>,
        range: Range<usize>,
        attributes: &[Attribute],
    ) -> usize {
        let name = self
            .text
            .get(name_node.byte_range())
            .unwrap_or_default()
            .to_owned();
        self.path.push(name);
        let index = self.entries.len();
        self.entries.push(Entry {
            path: self.path.clone(),
            key: name_node.byte_range(),
            value: range,
            kind: ValueKind::Object,
            synthetic: None,
        });
        for attribute in attributes {
            let name = self
                .text
                .get(attribute.name.clone())
                .unwrap_or_default()
                .to_owned();
            self.path.push(name);
            self.entries.push(Entry {
                path: self.path.clone(),
                key: attribute.name.clone(),
                value: attribute.value.clone(),
                kind: ValueKind::String,
                synthetic: None,
            });
            self.path.pop();
        }
        self.path.pop();
        if let Some((key, value)) = key_value(attributes, self.text) {
            let key = self.text.get(key).unwrap_or_default().trim();
            if !key.is_empty() {
                self.path.push(key.to_owned());
                self.entries.push(Entry {
                    path: self.path.clone(),
                    key: value.start..value.start,
                    value,
                    kind: ValueKind::String,
                    synthetic: None,
                });
                self.path.pop();
            }
        }
        index
    }

    /// An end tag tree-sitter could not pair: closes the innermost unpaired element of its name
    /// (and any opened inside it), if there is one above the innermost paired element.
    fn stray_end_tag(&mut self, tag: Node<'t>) {
        let Some(name) =
            child_of_kind(tag, "Name").and_then(|name| self.text.get(name.byte_range()))
        else {
            return;
        };
        for index in (0..self.open.len()).rev() {
            let Some(open) = self.open.get(index) else {
                break;
            };
            if open.end.is_some() {
                break;
            }
            if open.name == name {
                self.close_from(index, tag.end_byte());
                return;
            }
        }
    }

    /// A CDATA section: its inside, trimmed, is text of the current element.
    fn cdata(&mut self, node: Node<'t>) {
        self.last_end = self.last_end.max(node.end_byte());
        if let Some(data) = child_of_kind(node, "CData") {
            let range = trim(self.text, data.byte_range());
            if !range.is_empty() {
                self.push_text(range);
            }
        }
    }

    /// A piece of character data or an entity reference, joined to the run it continues.
    fn text_piece(&mut self, range: Range<usize>) {
        self.last_end = self.last_end.max(range.end);
        if self.run.as_ref().is_some_and(|run| run.end != range.start) {
            self.flush_text();
        }
        let trimmed = trim(self.text, range.clone());
        let run = self.run.get_or_insert(TextRun {
            trimmed: None,
            end: range.start,
        });
        run.end = range.end;
        if !trimmed.is_empty() {
            run.trimmed = Some(match run.trimmed.take() {
                Some(before) => before.start..trimmed.end,
                None => trimmed,
            });
        }
    }

    /// Emits the text run gathered so far, if it is not blank.
    fn flush_text(&mut self) {
        if let Some(range) = self.run.take().and_then(|run| run.trimmed) {
            self.push_text(range);
        }
    }

    /// A text entry of the innermost open element (and the synthetic entry of a setting whose
    /// `<value>` child this is).
    fn push_text(&mut self, range: Range<usize>) {
        let Some(open) = self.open.last() else {
            return;
        };
        let key = self
            .entries
            .get(open.entry)
            .map_or(range.start..range.start, |element| element.key.clone());
        let parent = self
            .open
            .len()
            .checked_sub(2)
            .and_then(|index| self.open.get(index));
        let setting = match parent {
            Some(parent) if open.name.eq_ignore_ascii_case("value") => parent.setting.clone(),
            _ => None,
        };
        self.entries.push(Entry {
            path: self.path.clone(),
            key,
            value: range.clone(),
            kind: ValueKind::String,
            synthetic: None,
        });
        if let Some(setting) = setting {
            let mut path: Vec<String> = self
                .path
                .iter()
                .take(self.path.len().saturating_sub(2))
                .cloned()
                .collect();
            path.push(setting);
            self.entries.push(Entry {
                path,
                key: range.start..range.start,
                value: range,
                kind: ValueKind::String,
                synthetic: None,
            });
        }
    }

    /// Whether the innermost paired open element ended at or before `position`.
    fn ended(&self, position: usize) -> bool {
        self.open
            .iter()
            .rev()
            .find_map(|open| open.end)
            .is_some_and(|end| end <= position)
    }

    /// Closes the open elements whose `element` node ended at or before `position`.
    fn close_ended(&mut self, position: usize) {
        while let Some(index) = self.open.iter().rposition(|open| open.end.is_some()) {
            let Some(end) = self.open.get(index).and_then(|open| open.end) else {
                break;
            };
            if end > position {
                break;
            }
            self.close_from(index, end);
        }
    }

    /// Closes the open elements from `index` up; unpaired ones end at `end`.
    fn close_from(&mut self, index: usize, end: usize) {
        while self.open.len() > index {
            let Some(open) = self.open.pop() else {
                break;
            };
            self.path.pop();
            if open.end.is_none()
                && let Some(entry) = self.entries.get_mut(open.entry)
            {
                entry.value.end = end.max(entry.value.start);
            }
        }
    }
}

/// Whether character data under `parent` is element content (not junk around the root).
fn holds_content(parent: Node<'_>) -> bool {
    parent.kind() == "content" || parent.is_error()
}

/// An attribute's name and its value's span (inside the quotes).
struct Attribute {
    name: Range<usize>,
    value: Range<usize>,
}

fn attributes(tag: Node<'_>, text: &str) -> Vec<Attribute> {
    let mut cursor = tag.walk();
    tag.children(&mut cursor)
        .filter(|child| child.kind() == "Attribute")
        .filter_map(|node| attribute(node, text))
        .collect()
}

fn attribute(node: Node<'_>, text: &str) -> Option<Attribute> {
    let name = child_of_kind(node, "Name")?.byte_range();
    let value = child_of_kind(node, "AttValue")?.byte_range();
    let bytes = text.as_bytes();
    let open = *bytes.get(value.start)?;
    let close = value
        .end
        .checked_sub(1)
        .and_then(|last| bytes.get(last))
        .copied();
    let value = if value.len() >= 2 && matches!(open, b'"' | b'\'') && close == Some(open) {
        value.start + 1..value.end - 1
    } else if matches!(open, b'"' | b'\'') {
        value.start + 1..value.end
    } else {
        value
    };
    Some(Attribute { name, value })
}

/// The name and value spans of a key/value element (`<add key="X" value="Y"/>` and kin).
fn key_value(attributes: &[Attribute], text: &str) -> Option<(Range<usize>, Range<usize>)> {
    let find = |wanted: &str| {
        attributes.iter().find(|attribute| {
            text.get(attribute.name.clone())
                .is_some_and(|name| name.eq_ignore_ascii_case(wanted))
        })
    };
    let key = find("key").or_else(|| find("name"))?;
    let value = find("value")
        .or_else(|| find("connectionString"))
        .or_else(|| find("DefaultValue"))?;
    Some((key.value.clone(), value.value.clone()))
}

/// The name of a setting whose value is a child element: its `key` or `name` attribute.
fn setting_name(attributes: &[Attribute], text: &str) -> Option<String> {
    let find = |wanted: &str| {
        attributes.iter().find(|attribute| {
            text.get(attribute.name.clone())
                .is_some_and(|name| name.eq_ignore_ascii_case(wanted))
        })
    };
    let name = text
        .get(find("key").or_else(|| find("name"))?.value.clone())?
        .trim();
    (!name.is_empty()).then(|| name.to_owned())
}

fn child_of_kind<'n>(node: Node<'n>, kind: &str) -> Option<Node<'n>> {
    let mut cursor = node.walk();
    node.children(&mut cursor)
        .find(|child| child.kind() == kind)
}

/// `range` without white space at either end (empty at its start when blank).
fn trim(text: &str, range: Range<usize>) -> Range<usize> {
    let Some(slice) = text.get(range.clone()) else {
        return range.start..range.start;
    };
    let start = range.start + (slice.len() - slice.trim_start().len());
    let end = range.start + slice.trim_end().len();
    if end <= start {
        start..start
    } else {
        start..end
    }
}

/// Whether `text` starts (after white space and a byte order mark) with markup, or is blank.
fn looks_like_xml(text: &str) -> bool {
    text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .chars()
        .next()
        .is_none_or(|first| first == '<')
}

/// Whether elements nest deeper than `limit` (a linear scan that skips comments, CDATA,
/// processing instructions, declarations and quoted attribute values).
fn nesting_depth_exceeds(text: &str, limit: usize) -> bool {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(offset) = bytes
        .get(at..)
        .and_then(|rest| rest.iter().position(|&byte| byte == b'<'))
    {
        at += offset + 1;
        let rest = bytes.get(at..).unwrap_or_default();
        let skip_past = |marker: &[u8]| {
            find(rest, marker).map_or(bytes.len(), |found| at + found + marker.len())
        };
        match rest.first() {
            Some(b'!') if rest.starts_with(b"!--") => at = skip_past(b"-->"),
            Some(b'!') if rest.starts_with(b"![CDATA[") => at = skip_past(b"]]>"),
            Some(b'?') => at = skip_past(b"?>"),
            Some(b'!') => at = skip_past(b">"),
            Some(b'/') => {
                depth = depth.saturating_sub(1);
                at = skip_past(b">");
            }
            Some(&first)
                if first.is_ascii_alphabetic()
                    || first == b'_'
                    || first == b':'
                    || first >= 0x80 =>
            {
                let (end, self_closing) = tag_end(bytes, at);
                at = end;
                if !self_closing {
                    depth += 1;
                    if depth > limit {
                        return true;
                    }
                }
            }
            _ => {}
        }
    }
    false
}

/// Where a start tag beginning at `at` ends (past its `>`), skipping quoted values, and whether
/// it is self-closing.
fn tag_end(bytes: &[u8], mut at: usize) -> (usize, bool) {
    let mut quote = None;
    while let Some(&byte) = bytes.get(at) {
        at += 1;
        match (quote, byte) {
            (Some(open), _) if byte == open => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(byte),
            (None, b'>') => return (at, at >= 2 && bytes.get(at - 2) == Some(&b'/')),
            // A new tag before this one closed: it was broken; let the scan see the new one.
            (None, b'<') => return (at - 1, false),
            _ => {}
        }
    }
    (at, false)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(text: &str) -> (Document, Vec<(String, &str, ValueKind)>) {
        let document = XmlParser::new().parse(text);
        let listed = document
            .entries
            .iter()
            .map(|entry| (entry.path.join("/"), entry.text(text), entry.kind))
            .collect();
        (document, listed)
    }

    #[test]
    fn elements_attributes_and_text() {
        let text = "<?xml version=\"1.0\"?>\n<!-- c -->\n<a x='1'>\n  <b>  hi &amp; bye </b>\n  <c><![CDATA[ <raw> ]]></c>\n</a>\n";
        let (document, listed) = entries(text);
        assert!(document.complete);
        let a = &text[text.find("<a").unwrap()..text.rfind("</a>").unwrap() + 4];
        assert_eq!(
            listed,
            [
                ("a".to_owned(), a, ValueKind::Object),
                ("a/x".to_owned(), "1", ValueKind::String),
                (
                    "a/b".to_owned(),
                    "<b>  hi &amp; bye </b>",
                    ValueKind::Object
                ),
                ("a/b".to_owned(), "hi &amp; bye", ValueKind::String),
                (
                    "a/c".to_owned(),
                    "<c><![CDATA[ <raw> ]]></c>",
                    ValueKind::Object
                ),
                ("a/c".to_owned(), "<raw>", ValueKind::String),
            ]
        );
        let b_text = &document.entries[3];
        assert_eq!(&text[b_text.key.clone()], "b");
    }

    #[test]
    fn mixed_content_yields_one_entry_per_run() {
        let text = "<m>foo<b/>bar &amp; baz<!-- x -->qux</m>";
        let (_, listed) = entries(text);
        let texts: Vec<&str> = listed
            .iter()
            .filter(|(path, _, kind)| path == "m" && *kind == ValueKind::String)
            .map(|(_, value, _)| *value)
            .collect();
        assert_eq!(texts, ["foo", "bar &amp; baz", "qux"]);
        let text = "<a><b>x</b>y</a>";
        let (_, listed) = entries(text);
        assert!(listed.contains(&("a/b".to_owned(), "x", ValueKind::String)));
        assert!(listed.contains(&("a".to_owned(), "y", ValueKind::String)));
    }

    #[test]
    fn key_value_elements_get_synthetic_entries() {
        let text = r#"<configuration><appSettings><add key="K" value="V"/></appSettings><x><setting name="S" value=""/></x></configuration>"#;
        let (_, listed) = entries(text);
        assert!(listed.contains(&(
            "configuration/appSettings/K".to_owned(),
            "V",
            ValueKind::String
        )));
        assert!(listed.contains(&("configuration/x/S".to_owned(), "", ValueKind::String)));
    }

    #[test]
    fn settings_with_a_value_child() {
        let text = r#"<root><data name="Conn" xml:space="preserve"><value> FAKE-conn </value><comment>c</comment></data><data><value>x</value></data></root>"#;
        let (_, listed) = entries(text);
        assert!(listed.contains(&("root/Conn".to_owned(), "FAKE-conn", ValueKind::String)));
        assert!(listed.contains(&("root/data/value".to_owned(), "FAKE-conn", ValueKind::String)));
        assert_eq!(
            listed.iter().filter(|(_, value, _)| *value == "x").count(),
            1
        );
    }

    #[test]
    fn broken_files_keep_what_was_read() {
        let text =
            "<configuration>\n<appSettings>\n<add key=\"a\" value=\"b\"/>\n<add key=\"c\" val";
        let (document, listed) = entries(text);
        assert!(!document.complete);
        assert!(listed.contains(&(
            "configuration/appSettings/a".to_owned(),
            "b",
            ValueKind::String
        )));
        assert!(listed.contains(&(
            "configuration/appSettings/add/key".to_owned(),
            "c",
            ValueKind::String
        )));
        let text = "<a><b x=\"1\"></c><d>text</d></a>";
        let (document, listed) = entries(text);
        assert!(!document.complete);
        assert!(listed.contains(&("a/b/x".to_owned(), "1", ValueKind::String)));
    }

    #[test]
    fn key_value_config_files_are_read_as_such() {
        let text = "bootstrap.servers=fake.servicebus.windows.net:9093\nsasl.password=FAKE\n";
        let (document, listed) = entries(text);
        assert!(document.complete);
        assert_eq!(
            listed[1],
            ("sasl.password".to_owned(), "FAKE", ValueKind::String)
        );
        assert!(looks_like_xml("\u{feff}\n  <a/>"));
        assert!(looks_like_xml(""));
        assert!(!looks_like_xml("# comment\n<a/>"));
    }

    #[test]
    fn a_parse_over_budget_is_cancelled() {
        let text = "<r>".to_owned() + &"<add key=\"k\" value=\"v\"/>".repeat(1_000) + "</r>";
        let mut parser = XmlParser::new();
        let document = parser.parse_within(&text, 1);
        assert!(!document.complete);
        assert!(document.entries.is_empty());
        // The parser starts afresh afterwards.
        let document = parser.parse("<a b='c'/>");
        assert!(document.complete);
        assert_eq!(document.entries.len(), 2);
        assert_eq!(parser.parse(&text).entries.len(), 1 + 1_000 * 4);
    }

    #[test]
    fn depth_prescan() {
        assert!(!nesting_depth_exceeds(
            "<a><b/><!-- <c><c><c> --><![CDATA[<d><d>]]><e x='<f>'></e></a>",
            2
        ));
        assert!(nesting_depth_exceeds("<a><b><c>", 2));
        assert!(!nesting_depth_exceeds("<a></a><a></a><a></a>", 1));
        assert!(!nesting_depth_exceeds("<a b=\"unterminated><c><d>", 1));
        assert!(!nesting_depth_exceeds("< < < <1 <", 1));
    }

    #[test]
    fn too_deep_is_refused() {
        let text = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        let document = XmlParser::new().parse(&text);
        assert!(!document.complete);
        assert!(document.entries.is_empty());
        let text = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        let document = XmlParser::new().parse(&text);
        assert!(document.complete);
        assert_eq!(document.entries.len(), MAX_DEPTH);
    }
}
