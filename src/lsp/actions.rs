//! Code actions on a finding: the identity-based rewrite where it is mechanical
//! ([`super::rewrite`]), an inline suppression in the file's comment syntax, and adding the
//! finding to the workspace baseline.
//!
//! The suppression goes on a comment-only line of its own just above the finding, indented like
//! it: a marker there covers the next line ([`crate::suppress`]), and a line of its own cannot
//! change a value the way a trailing comment can (`.env` readers that keep `# ...` as part of an
//! unquoted value, YAML plain scalars). When the line above already holds a
//! `keyless:ignore[...]` comment, the rule is added to its list instead. Files without comments
//! (JSON, plain text) get no suppression, only the baseline.

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Command, Diagnostic, TextEdit, Uri,
    WorkspaceEdit,
};
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

use super::rewrite;
use super::text::LineIndex;
use crate::finding::Finding;

/// The command that adds a finding to the workspace baseline; its one argument is a
/// [`BaselineArgument`].
pub const ADD_TO_BASELINE: &str = "keyless.addToBaseline";

/// The argument of [`ADD_TO_BASELINE`]: a baseline entry and the document it came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BaselineArgument {
    /// The document's URI (its diagnostics are refreshed afterwards).
    pub uri: String,
    /// The rule id.
    pub rule: String,
    /// The path as the baseline records it (relative to the workspace root).
    pub path: String,
    /// The secret's SHA-256, never the secret.
    pub secret_sha256: String,
}

/// How a file's comments are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentSyntax {
    /// A line comment opener such as `#` or `//`.
    Line(&'static str),
    /// A block comment such as `<!--` … `-->`.
    Block(&'static str, &'static str),
}

/// The comment syntax of a file, by name and extension; `None` where there are no comments
/// (JSON) or the format is not known.
pub fn comment_syntax(path: &str) -> Option<CommentSyntax> {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let extension = name.rsplit_once('.').map_or("", |(_, extension)| extension);
    if name == ".env" || name.starts_with(".env.") || name.ends_with(".env") {
        return Some(CommentSyntax::Line("#"));
    }
    if matches!(name.as_str(), "dockerfile" | "makefile" | "containerfile")
        || name.starts_with("dockerfile.")
    {
        return Some(CommentSyntax::Line("#"));
    }
    Some(match extension {
        "yaml" | "yml" | "py" | "pyi" | "ps1" | "psm1" | "psd1" | "sh" | "bash" | "zsh" | "env"
        | "properties" | "conf" | "cfg" | "tf" | "tfvars" | "hcl" | "toml" | "rb" | "r" | "pl"
        | "dockerfile" | "gitignore" | "editorconfig" => CommentSyntax::Line("#"),
        "cs" | "csx" | "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" | "java"
        | "kt" | "kts" | "scala" | "groovy" | "go" | "rs" | "bicep" | "bicepparam" | "jsonc"
        | "c" | "h" | "cpp" | "hpp" | "swift" | "php" | "dart" | "fs" | "fsx" => {
            CommentSyntax::Line("//")
        }
        "xml" | "config" | "csproj" | "vbproj" | "fsproj" | "props" | "targets" | "pubxml"
        | "cscfg" | "csdef" | "resx" | "html" | "htm" | "md" | "markdown" => {
            CommentSyntax::Block("<!--", "-->")
        }
        "ini" => CommentSyntax::Line(";"),
        "sql" | "lua" => CommentSyntax::Line("--"),
        "bat" | "cmd" => CommentSyntax::Line("REM"),
        "vb" | "vbs" => CommentSyntax::Line("'"),
        "tex" | "erl" => CommentSyntax::Line("%"),
        _ => return None,
    })
}

/// A `keyless:ignore[...]` marker with a rule list.
static LISTED_MARKER: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)keyless:ignore\[(?P<rules>[^\]\r\n]*)\]").ok());

/// The edit that suppresses `finding` (a byte range of `text` and its replacement), in the
/// comment syntax of `path`; `None` when the file has no comments.
pub fn suppression(
    path: &str,
    text: &str,
    index: &LineIndex,
    finding: &Finding,
) -> Option<(std::ops::Range<usize>, String)> {
    let syntax = comment_syntax(path)?;
    let line = index.position(text, finding.byte_range.start).line as usize;
    let line_range = index.line_range(text, line);
    if line > 0 {
        if let Some(edit) = extend_marker_above(text, index, line - 1, syntax, &finding.rule_id) {
            return Some(edit);
        }
    }
    let line_text = text.get(line_range.clone()).unwrap_or_default();
    let indent: String = line_text
        .chars()
        .take_while(|character| *character == ' ' || *character == '\t')
        .collect();
    let newline = if text
        .get(line_range.end..)
        .is_some_and(|rest| rest.starts_with("\r\n"))
    {
        "\r\n"
    } else {
        "\n"
    };
    let marker = format!("keyless:ignore[{}]", finding.rule_id);
    let comment = match syntax {
        CommentSyntax::Line(opener) => format!("{indent}{opener} {marker}{newline}"),
        CommentSyntax::Block(open, close) => format!("{indent}{open} {marker} {close}{newline}"),
    };
    Some((line_range.start..line_range.start, comment))
}

/// Adds `rule` to a comment-only `keyless:ignore[...]` line.
fn extend_marker_above(
    text: &str,
    index: &LineIndex,
    line: usize,
    syntax: CommentSyntax,
    rule: &str,
) -> Option<(std::ops::Range<usize>, String)> {
    let range = index.line_range(text, line);
    let above = text.get(range.clone())?;
    let opener = match syntax {
        CommentSyntax::Line(opener) | CommentSyntax::Block(opener, _) => opener,
    };
    let trimmed = above.trim_start();
    let starts_comment = trimmed
        .get(..opener.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(opener));
    if !starts_comment {
        return None;
    }
    let captures = LISTED_MARKER.as_ref()?.captures(above)?;
    let rules = captures.name("rules")?;
    let before_marker = above.get(..captures.get(0)?.start())?.trim_start();
    let only_comment = before_marker
        .get(opener.len()..)
        .is_some_and(|rest| rest.trim().is_empty());
    if !only_comment {
        return None;
    }
    let at = range.start + rules.end();
    let separator = if rules.as_str().trim().is_empty() {
        ""
    } else {
        ","
    };
    Some((at..at, format!("{separator}{rule}")))
}

/// Everything [`for_finding`] needs besides the finding.
pub struct ActionContext<'a> {
    /// The document's URI.
    pub uri: &'a Uri,
    /// The document's path relative to the workspace root.
    pub path: &'a str,
    /// Its text.
    pub text: &'a str,
    /// Its line index.
    pub index: &'a LineIndex,
}

/// The code actions for one finding, the preferred one first.
pub fn for_finding(
    context: &ActionContext<'_>,
    finding: &Finding,
    diagnostic: Diagnostic,
) -> Vec<CodeActionOrCommand> {
    let mut actions = Vec::new();
    let edit = |edits: Vec<TextEdit>| WorkspaceEdit {
        changes: Some(HashMap::from([(context.uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    };
    if let Some(rewrite) = rewrite::identity_setting(context.path, context.text, finding) {
        let edits = rewrite
            .replacements
            .iter()
            .map(|replacement| TextEdit {
                range: context.index.range(context.text, replacement.range.clone()),
                new_text: replacement.text.clone(),
            })
            .collect();
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: rewrite.title(),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic.clone()]),
            edit: Some(edit(edits)),
            is_preferred: Some(true),
            ..CodeAction::default()
        }));
    }
    if let Some((range, new_text)) = suppression(context.path, context.text, context.index, finding)
    {
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("Suppress {} on this line (keyless:ignore)", finding.rule_id),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic.clone()]),
            edit: Some(edit(vec![TextEdit {
                range: context.index.range(context.text, range),
                new_text,
            }])),
            ..CodeAction::default()
        }));
    }
    let argument = BaselineArgument {
        uri: context.uri.as_str().to_owned(),
        rule: finding.rule_id.clone(),
        path: finding.path.clone(),
        secret_sha256: finding.secret_hash.clone(),
    };
    let title = format!("Add this {} finding to the baseline", finding.rule_id);
    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
        title: title.clone(),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic]),
        command: Some(Command {
            title,
            command: ADD_TO_BASELINE.to_owned(),
            arguments: serde_json::to_value(&argument)
                .ok()
                .map(|value| vec![value]),
        }),
        ..CodeAction::default()
    }));
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_syntaxes_by_file() {
        assert_eq!(comment_syntax("a/.env"), Some(CommentSyntax::Line("#")));
        assert_eq!(comment_syntax("app.env.local"), None);
        assert_eq!(
            comment_syntax("x/.env.local"),
            Some(CommentSyntax::Line("#"))
        );
        assert_eq!(
            comment_syntax("Program.cs"),
            Some(CommentSyntax::Line("//"))
        );
        assert_eq!(
            comment_syntax("web.config"),
            Some(CommentSyntax::Block("<!--", "-->"))
        );
        assert_eq!(comment_syntax("appsettings.json"), None);
        assert_eq!(comment_syntax("notes.txt"), None);
    }
}
