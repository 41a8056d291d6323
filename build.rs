//! Embeds every `rules/*.yaml` file in the binary.
//!
//! A build script (rather than `include_dir!`) lists the directory on every build and tells cargo to
//! rerun when it changes, so a newly added rule file is never missed by an incremental build.

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
    std::fs::write(Path::new(&out_dir).join("embedded_rules.rs"), generated)
        .unwrap_or_else(|error| panic!("cannot write embedded_rules.rs: {error}"));
}
