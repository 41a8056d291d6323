//! Settings files on disk: the server asks the client to watch `keyless.toml`, the ignore files
//! and the baseline (`workspace/didChangeWatchedFiles`, registered dynamically), so a change made
//! outside the editor, or in a file that is not open, applies at once.

use lsp_types::{
    DidChangeWatchedFilesRegistrationOptions, FileSystemWatcher, GlobPattern, InitializeParams,
    Registration, RegistrationParams,
};
use std::path::Path;

use super::state::Workspace;
use crate::config::CONFIG_FILE_NAME;
use crate::walk::IGNORE_FILE_NAME;

/// The id of the registration, so that a client can tell it apart.
pub const REGISTRATION_ID: &str = "keyless/watched-files";

/// Ignore files whose rules decide what `keyless scan` reads.
const IGNORE_FILES: [&str; 3] = [IGNORE_FILE_NAME, ".ignore", ".gitignore"];

/// True when the client can watch files for a server that registers the watchers itself.
pub fn client_can_watch(params: &InitializeParams) -> bool {
    params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|workspace| workspace.did_change_watched_files.as_ref())
        .and_then(|watched| watched.dynamic_registration)
        .unwrap_or(false)
}

/// The `client/registerCapability` parameters: every file whose change changes the findings.
pub fn registration(workspace: &Workspace) -> RegistrationParams {
    let mut names = vec![CONFIG_FILE_NAME.to_owned()];
    names.extend(IGNORE_FILES.iter().map(|name| (*name).to_owned()));
    if let Some(baseline) = workspace.baseline_path.file_name() {
        names.push(baseline.to_string_lossy().into_owned());
    }
    let watchers = names
        .into_iter()
        .map(|name| FileSystemWatcher {
            glob_pattern: GlobPattern::String(format!("**/{name}")),
            kind: None, // created, changed and deleted
        })
        .collect();
    let options = DidChangeWatchedFilesRegistrationOptions { watchers };
    RegistrationParams {
        registrations: vec![Registration {
            id: REGISTRATION_ID.to_owned(),
            method: "workspace/didChangeWatchedFiles".to_owned(),
            register_options: serde_json::to_value(options).ok(),
        }],
    }
}

/// True when a change to `file` changes what the workspace reports: `keyless.toml` (at the root
/// or above it, where discovery finds it), an ignore file, or the baseline.
pub fn is_settings_file(workspace: &Workspace, file: &Path) -> bool {
    if file == workspace.baseline_path {
        return true;
    }
    if workspace
        .config
        .as_ref()
        .is_some_and(|config| config.path == file)
    {
        return true;
    }
    file.file_name().is_some_and(|name| {
        name == CONFIG_FILE_NAME || IGNORE_FILES.iter().any(|ignore| name == *ignore)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Registry;
    use std::path::PathBuf;

    #[test]
    fn watches_the_config_the_ignore_files_and_the_baseline() {
        let registry = Registry::embedded().unwrap_or_else(|errors| panic!("{errors:?}"));
        let root = std::env::temp_dir().join("keyless-watch-test-missing");
        let workspace = Workspace::load(&registry, root.clone(), Some(PathBuf::from("b.json")));
        let params = registration(&workspace);
        let options = params.registrations[0].register_options.clone();
        let text = options.map(|value| value.to_string()).unwrap_or_default();
        for name in [
            "**/keyless.toml",
            "**/.keylessignore",
            "**/.gitignore",
            "**/b.json",
        ] {
            assert!(text.contains(name), "{name} in {text}");
        }
        assert!(is_settings_file(&workspace, &root.join("b.json")));
        assert!(is_settings_file(&workspace, &root.join("sub/keyless.toml")));
        assert!(is_settings_file(&workspace, &root.join(".keylessignore")));
        assert!(!is_settings_file(&workspace, &root.join("app.env")));
    }
}
