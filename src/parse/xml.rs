//! XML (tree-sitter-xml) into the [`Document`] view. (Stub: being written.)

use super::Document;

/// A reusable XML (tree-sitter-xml) parser.
#[derive(Default)]
pub struct XmlParser;

impl XmlParser {
    /// Creates the parser.
    pub fn new() -> Self {
        Self
    }

    /// Parses `text`.
    pub fn parse(&mut self, _text: &str) -> Document {
        Document::default()
    }
}
