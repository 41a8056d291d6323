//! `keyless install-hook`.

use anyhow::Context as _;
use std::path::PathBuf;

use keyless::cli::InstallHookArgs;

use super::EXIT_CLEAN;

/// First line of every hook that `keyless install-hook` writes; how it recognises its own.
const HOOK_MARKER: &str = "# keyless pre-commit hook (written by `keyless install-hook`)";

/// Quotes a path for a POSIX shell script.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn hook_script() -> String {
    let fallback = std::env::current_exe()
        .ok()
        .map(|path| shell_quote(&path.to_string_lossy()))
        .unwrap_or_else(|| "keyless".to_owned());
    format!(
        "#!/bin/sh\n{HOOK_MARKER}\n\
         # Blocks a commit whose staged files add an Azure credential. Bypass once with\n\
         # `git commit --no-verify`; uninstall by deleting this file.\n\
         if command -v keyless >/dev/null 2>&1; then\n\
         \x20 exec keyless scan --staged\n\
         fi\n\
         exec {fallback} scan --staged\n"
    )
}

pub(crate) fn install_hook(args: &InstallHookArgs) -> anyhow::Result<u8> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(&args.repo)
        .args(["rev-parse", "--git-path", "hooks"])
        .output()
        .context("cannot run git")?;
    if !output.status.success() {
        anyhow::bail!(
            "{}: not in a git repository ({})",
            args.repo.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let hooks = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim_end());
    let hooks = if hooks.is_relative() {
        args.repo.join(hooks)
    } else {
        hooks
    };
    std::fs::create_dir_all(&hooks)
        .with_context(|| format!("cannot create {}", hooks.display()))?;
    let hook = hooks.join("pre-commit");
    if let Ok(existing) = std::fs::read_to_string(&hook) {
        if !existing.contains(HOOK_MARKER) && !args.force {
            anyhow::bail!(
                "{} exists and keyless did not write it; add `keyless scan --staged` to it, or \
                 replace it with --force",
                hook.display()
            );
        }
    }
    std::fs::write(&hook, hook_script())
        .with_context(|| format!("cannot write {}", hook.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", hook.display()))?;
    }
    println!("keyless: installed {}", hook.display());
    Ok(EXIT_CLEAN)
}
