//! Which files keyless reads and how: one table, used by the scan to pick a file's parser
//! ([`crate::parse::Format::of_path`], [`crate::parse::code::Language::of_path`]) and by the
//! README's editor set-up (VS Code language ids, Neovim filetypes, Helix languages), which a test
//! regenerates from it.
//!
//! Text rules run on every text file, whatever its name; the table lists the files that are
//! parsed (settings and code rules apply there too) and the common text files worth diagnosing
//! in an editor.

use crate::parse::Format;
use crate::parse::code::Language;
use crate::parse::derived::Decoder;

/// How keyless reads a file type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadAs {
    /// Parsed into key paths and values: setting rules apply, as well as text rules.
    Parsed(Format),
    /// Parsed as source code: call rules apply, as well as text rules.
    Code(Language),
    /// Decoded into the text it stands for (notebook cells, `.http` requests with their
    /// variables filled in): text rules apply to both texts.
    Decoded(Decoder),
    /// Text rules only (every text file is read this way).
    Text,
}

/// One kind of file.
#[derive(Debug, Clone, Copy)]
pub struct FileType {
    /// What people call it.
    pub name: &'static str,
    /// Extensions, lower case, without the dot.
    pub extensions: &'static [&'static str],
    /// Whole file names, or prefixes ending in `.` (`.env.` for `.env.local`), lower case.
    pub file_names: &'static [&'static str],
    /// How it is read.
    pub read_as: ReadAs,
    /// VS Code language ids.
    pub vscode: &'static [&'static str],
    /// Neovim filetypes.
    pub neovim: &'static [&'static str],
    /// Helix language names (empty: Helix has no language for it).
    pub helix: &'static [&'static str],
}

/// Every file type, parsed formats first.
pub const FILE_TYPES: &[FileType] = &[
    FileType {
        name: "JSON (ARM templates, appsettings, local.settings.json)",
        extensions: &["json", "jsonc"],
        file_names: &[],
        read_as: ReadAs::Parsed(Format::Json),
        vscode: &["json", "jsonc"],
        neovim: &["json", "jsonc"],
        helix: &["json", "jsonc"],
    },
    FileType {
        name: "Bot Framework configuration",
        extensions: &["bot"],
        file_names: &[],
        read_as: ReadAs::Parsed(Format::Json),
        vscode: &["json"],
        neovim: &["json"],
        helix: &["json"],
    },
    FileType {
        name: "Bicep",
        extensions: &["bicep", "bicepparam"],
        file_names: &[],
        read_as: ReadAs::Parsed(Format::Bicep),
        vscode: &["bicep", "bicep-params"],
        neovim: &["bicep", "bicep-params"],
        helix: &["bicep"],
    },
    FileType {
        name: "Terraform / HCL",
        extensions: &["tf", "tfvars", "hcl"],
        file_names: &[],
        read_as: ReadAs::Parsed(Format::Terraform),
        vscode: &["terraform", "terraform-vars", "hcl"],
        neovim: &["terraform", "terraform-vars", "hcl"],
        helix: &["hcl", "tfvars"],
    },
    FileType {
        name: "YAML (Kubernetes, Helm, pipelines, workflows)",
        extensions: &["yaml", "yml"],
        file_names: &[],
        read_as: ReadAs::Parsed(Format::Yaml),
        vscode: &[
            "yaml",
            "github-actions-workflow",
            "azure-pipelines",
            "dockercompose",
        ],
        neovim: &["yaml"],
        helix: &["yaml"],
    },
    FileType {
        name: "XML (web.config, app.config, project and publish files)",
        extensions: &[
            "xml", "config", "csproj", "vbproj", "fsproj", "props", "targets", "pubxml", "cscfg",
            "csdef", "resx",
        ],
        file_names: &[],
        read_as: ReadAs::Parsed(Format::Xml),
        vscode: &["xml"],
        neovim: &["xml"],
        helix: &["xml"],
    },
    FileType {
        name: "key=value (.env, .env.*, .properties, .ini)",
        extensions: &["env", "properties", "ini", "cfg", "conf"],
        file_names: &[".env."],
        read_as: ReadAs::Parsed(Format::KeyValue),
        vscode: &["dotenv", "properties", "ini"],
        neovim: &["sh", "dotenv", "jproperties", "dosini", "cfg", "conf"],
        helix: &["env", "ini", "properties"],
    },
    FileType {
        name: "C#",
        extensions: &["cs", "csx"],
        file_names: &[],
        read_as: ReadAs::Code(Language::Csharp),
        vscode: &["csharp"],
        neovim: &["cs"],
        helix: &["c-sharp"],
    },
    FileType {
        name: "Python",
        extensions: &["py", "pyi"],
        file_names: &[],
        read_as: ReadAs::Code(Language::Python),
        vscode: &["python"],
        neovim: &["python"],
        helix: &["python"],
    },
    FileType {
        name: "JavaScript",
        extensions: &["js", "mjs", "cjs", "jsx"],
        file_names: &[],
        read_as: ReadAs::Code(Language::Javascript),
        vscode: &["javascript", "javascriptreact"],
        neovim: &["javascript", "javascriptreact"],
        helix: &["javascript", "jsx"],
    },
    FileType {
        name: "TypeScript",
        extensions: &["ts", "mts", "cts", "tsx"],
        file_names: &[],
        read_as: ReadAs::Code(Language::Typescript),
        vscode: &["typescript", "typescriptreact"],
        neovim: &["typescript", "typescriptreact"],
        helix: &["typescript", "tsx"],
    },
    FileType {
        name: "Java",
        extensions: &["java"],
        file_names: &[],
        read_as: ReadAs::Code(Language::Java),
        vscode: &["java"],
        neovim: &["java"],
        helix: &["java"],
    },
    FileType {
        name: "Go",
        extensions: &["go"],
        file_names: &[],
        read_as: ReadAs::Code(Language::Go),
        vscode: &["go"],
        neovim: &["go"],
        helix: &["go"],
    },
    FileType {
        name: "PowerShell",
        extensions: &["ps1", "psm1", "psd1"],
        file_names: &[],
        read_as: ReadAs::Code(Language::Powershell),
        vscode: &["powershell"],
        neovim: &["ps1"],
        helix: &[],
    },
    FileType {
        name: "Rust",
        extensions: &["rs"],
        file_names: &[],
        read_as: ReadAs::Code(Language::Rust),
        vscode: &["rust"],
        neovim: &["rust"],
        helix: &["rust"],
    },
    FileType {
        name: "Jupyter notebooks",
        extensions: &["ipynb"],
        file_names: &[],
        read_as: ReadAs::Decoded(Decoder::NotebookCells),
        vscode: &["json"],
        neovim: &["json"],
        helix: &["json"],
    },
    FileType {
        name: "HTTP requests (REST Client, JetBrains HTTP client)",
        extensions: &["http", "rest"],
        file_names: &[],
        read_as: ReadAs::Decoded(Decoder::HttpVariables),
        vscode: &["http"],
        neovim: &["http"],
        helix: &[],
    },
    FileType {
        name: "Kotlin, Scala, Groovy",
        extensions: &["kt", "kts", "scala", "groovy"],
        file_names: &[],
        read_as: ReadAs::Text,
        vscode: &["kotlin", "scala", "groovy"],
        neovim: &["kotlin", "scala", "groovy"],
        helix: &["kotlin", "scala"],
    },
    FileType {
        name: "Dockerfile",
        extensions: &["dockerfile"],
        file_names: &["dockerfile", "containerfile"],
        read_as: ReadAs::Text,
        vscode: &["dockerfile"],
        neovim: &["dockerfile"],
        helix: &["dockerfile"],
    },
    FileType {
        name: "Shell scripts",
        extensions: &["sh", "bash", "zsh"],
        file_names: &[],
        read_as: ReadAs::Text,
        vscode: &["shellscript"],
        neovim: &["sh", "bash", "zsh"],
        helix: &["bash"],
    },
    FileType {
        name: "Markdown",
        extensions: &["md", "markdown"],
        file_names: &[],
        read_as: ReadAs::Text,
        vscode: &["markdown"],
        neovim: &["markdown"],
        helix: &["markdown"],
    },
    FileType {
        name: "TOML",
        extensions: &["toml"],
        file_names: &[],
        read_as: ReadAs::Text,
        vscode: &["toml"],
        neovim: &["toml"],
        helix: &["toml"],
    },
];

/// The file type of a path (by its last component), if the table has it.
pub fn of_path(path: &str) -> Option<&'static FileType> {
    let name = path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase();
    let extension = name.rsplit_once('.').map(|(_, extension)| extension);
    FILE_TYPES.iter().find(|file_type| {
        extension.is_some_and(|extension| file_type.extensions.contains(&extension))
            || file_type.file_names.iter().any(|file_name| {
                if file_name.ends_with('.') {
                    name.starts_with(file_name)
                } else {
                    name == *file_name
                }
            })
    })
}

/// Every distinct editor id of one kind, in table order.
fn distinct(ids: impl Fn(&FileType) -> &'static [&'static str]) -> Vec<&'static str> {
    let mut all: Vec<&'static str> = Vec::new();
    for file_type in FILE_TYPES {
        for id in ids(file_type) {
            if !all.contains(id) {
                all.push(id);
            }
        }
    }
    all
}

/// VS Code language ids of every file type.
pub fn vscode_language_ids() -> Vec<&'static str> {
    distinct(|file_type| file_type.vscode)
}

/// Neovim filetypes of every file type.
pub fn neovim_filetypes() -> Vec<&'static str> {
    distinct(|file_type| file_type.neovim)
}

/// Helix languages of every file type.
pub fn helix_languages() -> Vec<&'static str> {
    distinct(|file_type| file_type.helix)
}

/// `"a", "b", ...` wrapped at `width` columns after `indent`.
fn quoted_list(ids: &[&str], indent: usize, width: usize) -> String {
    let mut lines = Vec::new();
    let mut line = String::new();
    for id in ids {
        let item = format!("\"{id}\",");
        if !line.is_empty() && indent + line.len() + 1 + item.len() > width {
            lines.push(line.clone());
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&item);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    let joined = lines.join(&format!("\n{}", " ".repeat(indent)));
    joined.trim_end_matches(',').to_owned()
}

/// The README's editor section, generated from [`FILE_TYPES`]: the table of file types and the
/// VS Code, Neovim and Helix set-ups that attach the server to all of them.
pub fn readme_editor_section() -> String {
    let mut out = String::new();
    out.push_str("| Files | Read as | VS Code | Neovim | Helix |\n|---|---|---|---|---|\n");
    for file_type in FILE_TYPES {
        let mut files: Vec<String> = file_type
            .extensions
            .iter()
            .map(|extension| format!("`*.{extension}`"))
            .collect();
        files.extend(file_type.file_names.iter().map(|name| {
            if name.ends_with('.') {
                format!("`{name}*`")
            } else {
                format!("`{name}`")
            }
        }));
        let read_as = match file_type.read_as {
            ReadAs::Parsed(_) => "settings and text",
            ReadAs::Code(_) => "code and text",
            ReadAs::Decoded(_) => "decoded and text",
            ReadAs::Text => "text",
        };
        let ids = |ids: &[&str]| {
            if ids.is_empty() {
                "(none)".to_owned()
            } else {
                ids.iter()
                    .map(|id| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        out.push_str(&format!(
            "| {}: {} | {read_as} | {} | {} | {} |\n",
            file_type.name,
            files.join(" "),
            ids(file_type.vscode),
            ids(file_type.neovim),
            ids(file_type.helix),
        ));
    }
    out.push_str(
        "\n**VS Code**, with a generic LSP client such as *Generic LSP Client (v2)* \
         (`zsol.vscode-glspc`), in\n`settings.json`:\n\n```json\n{\n  \
         \"glspc.server.command\": \"keyless\",\n  \
         \"glspc.server.commandArguments\": [\"lsp\"],\n  \
         \"glspc.server.languageId\": [",
    );
    out.push_str(&quoted_list(&vscode_language_ids(), 31, 100));
    out.push_str("]\n}\n```\n\n**Neovim** (0.10 or later), in `init.lua`:\n\n```lua\n");
    out.push_str("vim.api.nvim_create_autocmd(\"FileType\", {\n  pattern = { ");
    out.push_str(&quoted_list(&neovim_filetypes(), 14, 100));
    out.push_str(
        " },\n  callback = function(args)\n    vim.lsp.start({\n      name = \"keyless\",\n      \
         cmd = { \"keyless\", \"lsp\" },\n      \
         root_dir = vim.fs.root(args.buf, { \"keyless.toml\", \".git\" }),\n    })\n  end,\n})\n```\n",
    );
    out.push_str(
        "\n**Helix**, in `languages.toml`: define the server, then add `keyless` to the \
         `language-servers` of\neach language below (a language's list replaces its default, \
         so keep the servers you use):\n\n```toml\n[language-server.keyless]\n\
         command = \"keyless\"\nargs = [\"lsp\"]\n\n[[language]]\nname = \"yaml\"\n\
         language-servers = [\"yaml-language-server\", \"keyless\"]\n```\n\nHelix languages: ",
    );
    let helix: Vec<String> = helix_languages()
        .iter()
        .map(|name| format!("`{name}`"))
        .collect();
    out.push_str(&helix.join(", "));
    out.push_str(".\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_extensions_find_their_type() {
        let name = |path: &str| of_path(path).map(|file_type| file_type.name);
        assert_eq!(name("infra/main.TF"), name("x.tf"));
        assert!(name("app/.env.local").is_some_and(|found| found.starts_with("key=value")));
        assert_eq!(name("Dockerfile"), Some("Dockerfile"));
        assert_eq!(name("web.config"), name("a.xml"));
        assert_eq!(name("Makefile"), None);
    }

    #[test]
    fn every_type_has_an_editor_id() {
        for file_type in FILE_TYPES {
            assert!(!file_type.vscode.is_empty(), "{}", file_type.name);
            assert!(!file_type.neovim.is_empty(), "{}", file_type.name);
        }
    }
}
