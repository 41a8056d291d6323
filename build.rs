//! Embeds every `rules/*.yaml` file in the binary, as written and converted to JSON.
//!
//! A build script (rather than `include_dir!`) lists the directory on every build and tells cargo to
//! rerun when it changes, so a newly added rule file is never missed by an incremental build.
//!
//! The JSON copy exists for start-up time: parsing 300 KB of YAML was half of a one-file scan
//! (about 15 ms), decoding the same data from JSON takes about 1.5 ms. A file that does not convert
//! is embedded as YAML only; loading then falls back to the YAML, which reports the problem with
//! its line.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let rules_dir = Path::new("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut names: Vec<String> = std::fs::read_dir(rules_dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".yaml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut generated =
        String::from("/// Every `rules/*.yaml` file as (file name, contents), sorted by name.\n");
    generated.push_str("pub static EMBEDDED_RULE_FILES: &[(&str, &str)] = &[\n");
    for name in &names {
        println!("cargo:rerun-if-changed=rules/{name}");
        let absolute = rules_dir
            .join(name)
            .canonicalize()
            .unwrap_or_else(|error| panic!("cannot resolve rules/{name}: {error}"));
        let _ = writeln!(
            generated,
            "    ({name:?}, include_str!({:?})),",
            absolute.display().to_string()
        );
    }
    generated.push_str("];\n");
    let out_dir =
        std::env::var("OUT_DIR").unwrap_or_else(|_| panic!("cargo sets OUT_DIR for build scripts"));
    generated.push_str(
        "/// The same files decoded at build time and re-encoded as JSON (`None`: the YAML did not \
         decode), in the same order.\n",
    );
    generated.push_str("pub static EMBEDDED_RULE_JSON: &[(&str, Option<&str>)] = &[\n");
    for name in &names {
        let yaml = std::fs::read_to_string(rules_dir.join(name))
            .unwrap_or_else(|error| panic!("cannot read rules/{name}: {error}"));
        let json = serde_saphyr::from_str::<serde_json::Value>(&yaml)
            .ok()
            .and_then(|value| serde_json::to_string(&value).ok());
        let _ = writeln!(generated, "    ({name:?}, {json:?}),");
    }
    generated.push_str("];\n");
    std::fs::write(Path::new(&out_dir).join("embedded_rules.rs"), generated)
        .unwrap_or_else(|error| panic!("cannot write embedded_rules.rs: {error}"));
}
