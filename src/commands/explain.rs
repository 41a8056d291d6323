//! `keyless explain`.

use std::io::{self, Write};

use keyless::cli::ExplainArgs;
use keyless::report::explain;
use keyless::rules::Registry;

use super::EXIT_CLEAN;

pub(crate) fn explain_rule(registry: &Registry, args: &ExplainArgs) -> anyhow::Result<u8> {
    let Some(rule) = registry.rule(args.rule.trim()) else {
        let similar = explain::similar_ids(registry, args.rule.trim());
        let hint = if similar.is_empty() {
            String::new()
        } else {
            format!(" (did you mean {}?)", similar.join(", "))
        };
        anyhow::bail!(
            "unknown rule `{}`{hint}; `keyless rules` lists every rule",
            args.rule
        );
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    explain::write(rule, registry, args.format, &mut out)?;
    out.flush()?;
    Ok(EXIT_CLEAN)
}
