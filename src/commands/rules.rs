//! `keyless rules`.

use std::io::{self, Write};

use keyless::cli::RulesArgs;
use keyless::rules::Registry;
use keyless::service::Service;

pub(crate) fn list_rules(registry: &Registry, args: &RulesArgs) -> anyhow::Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if args.json {
        let rules: Vec<serde_json::Value> = registry
            .rules()
            .iter()
            .map(|rule| {
                serde_json::json!({
                    "id": rule.spec.id,
                    "level": rule.spec.level,
                    "service": rule.spec.service,
                    "name": rule.spec.name,
                    "remediation": rule.remediation_id(),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &rules)?;
        writeln!(out)?;
    } else {
        let width = registry
            .rules()
            .iter()
            .map(|rule| rule.spec.id.len())
            .max()
            .unwrap_or(0);
        for rule in registry.rules() {
            let spec = &rule.spec;
            writeln!(
                out,
                "{:width$}  {:7}  {:11}  {}",
                spec.id,
                spec.level.as_str(),
                spec.service.as_str(),
                spec.name
            )?;
        }
        let services: std::collections::BTreeSet<Service> = registry
            .rules()
            .iter()
            .map(|rule| rule.spec.service)
            .collect();
        writeln!(
            out,
            "\n{} rules covering {} services",
            registry.rules().len(),
            services.len()
        )?;
    }
    out.flush()?;
    Ok(())
}
