//! The YAML parser on realistic files (`fixtures/parse/yaml`): exact paths, kinds and value
//! texts, plus broken, deep and huge inputs that must not panic.

use keyless::parse::{self, Document, Format, MAX_DEPTH, ValueKind, yaml};

use crate::parse_support::{at, check_table};

use ValueKind::{Array, Bool, Expression, Null, Number, Object, String};

fn fixture(name: &str) -> std::string::String {
    crate::parse_support::fixture("yaml", name)
}

/// What holds for every document: spans inside the text on character boundaries, entries in
/// document order, key spans naming the key (or empty for sequence items), paths not too deep.
fn check_invariants(document: &Document, text: &str) {
    let mut previous = 0;
    for entry in &document.entries {
        assert!(
            text.get(entry.value.clone()).is_some(),
            "value span {:?} of {:?}",
            entry.value,
            entry.path
        );
        assert!(
            text.get(entry.key.clone()).is_some(),
            "key span {:?} of {:?}",
            entry.key,
            entry.path
        );
        assert!(
            entry.value.start >= previous,
            "out of order: {:?}",
            entry.path
        );
        previous = entry.value.start;
        assert!(!entry.path.is_empty() && entry.path.len() <= MAX_DEPTH);
        if entry.key.is_empty() {
            continue;
        }
        let key = &text[entry.key.clone()];
        // Plain keys are written as they are named; quoted ones too, unless they use escapes.
        if !key.contains(['\\', '\'', '\n']) {
            assert_eq!(key, entry.name(), "key span of {:?}", entry.path);
        }
    }
}

fn parsed(name: &str) -> (std::string::String, Document) {
    let text = fixture(name);
    let document = yaml::parse(&text);
    check_invariants(&document, &text);
    assert_eq!(
        parse::parse(Format::of_path(name).expect("a YAML name"), &text),
        document
    );
    (text, document)
}

#[test]
fn kubernetes_secret_and_deployment_in_one_file() {
    let (text, document) = parsed("k8s-secret-deployment.yaml");
    assert!(document.complete);
    let container = ["spec", "template", "spec", "containers", "0"];
    let env = |rest: &[&'static str]| -> Vec<&'static str> {
        container
            .iter()
            .copied()
            .chain(["env"])
            .chain(rest.iter().copied())
            .collect()
    };
    check_table(
        &document,
        &text,
        &[
            // Both documents' entries follow each other, without a prefix.
            (&["apiVersion"], &[("v1", String), ("apps/v1", String)]),
            (&["kind"], &[("Secret", String), ("Deployment", String)]),
            (&["stringData", "username"], &[("orders", String)]),
            (&["stringData", "password"], &[("FAKE-Passw0rd!", String)]),
            (
                &["stringData", "connection"],
                &[(
                    "Server=tcp:fake-sql.database.windows.net;Database=orders;\n    User ID=orders;Password=FAKE-Passw0rd!",
                    String,
                )],
            ),
            (
                &["metadata", "labels"],
                &[("{app: orders-api, tier: backend}", Object)],
            ),
            (&["metadata", "labels", "tier"], &[("backend", String)]),
            (&["spec", "replicas"], &[("2", Number)]),
            (&env(&["0", "name"]), &[("STORAGE_ACCOUNT_KEY", String)]),
            (
                &env(&["0", "value"]),
                &[("FAKEa2V5LWZha2Uta2V5LWZha2Uta2V5LWZha2U=", String)],
            ),
            (
                &env(&["1", "valueFrom", "secretKeyRef", "key"]),
                &[("password", String)],
            ),
            (&env(&["2", "value"]), &[("true", String)]),
        ],
    );
    let ports: Vec<&str> = container.iter().copied().chain(["ports"]).collect();
    assert_eq!(
        at(&document, &text, &ports),
        [("- containerPort: 8080", Array)]
    );
    let item = document.get(&env(&["0"])).expect("first env item");
    assert_eq!(item.kind, Object);
    assert!(item.key.is_empty() && item.key.start == item.value.start);
    assert!(text[item.value.clone()].starts_with("name: STORAGE_ACCOUNT_KEY"));
    assert!(text[item.value.clone()].ends_with("'FAKEa2V5LWZha2Uta2V5LWZha2Uta2V5LWZha2U='"));
}

#[test]
fn docker_compose_environment_as_map_and_as_list() {
    let (text, document) = parsed("docker-compose.yml");
    assert!(document.complete);
    check_table(
        &document,
        &text,
        &[
            (
                &[
                    "services",
                    "api",
                    "environment",
                    "AZURE_STORAGE_CONNECTION_STRING",
                ],
                &[(
                    "DefaultEndpointsProtocol=https;AccountName=fakeacct;AccountKey=FAKEFAKEFAKE==;EndpointSuffix=core.windows.net",
                    String,
                )],
            ),
            (
                &["services", "api", "environment", "SERVICEBUS_KEY"],
                &[("FAKE-sb-key", String)],
            ),
            (
                &["services", "api", "environment", "DEBUG"],
                &[("false", Bool)],
            ),
            (&["services", "api", "ports", "0"], &[("8080:8080", String)]),
            // The list form stays one string per item: `KEY=value` is not split into a key.
            (
                &["services", "worker", "environment", "0"],
                &[("SQL_PASSWORD=FAKE-Passw0rd!", String)],
            ),
            (
                &["services", "worker", "environment", "1"],
                &[("REDIS_KEY=FAKE-redis-key", String)],
            ),
            (
                &["services", "worker", "environment", "2"],
                &[("LOG_LEVEL", String)],
            ),
            (&["services", "worker", "depends_on"], &[("[api]", Array)]),
            (
                &["services", "worker", "depends_on", "0"],
                &[("api", String)],
            ),
        ],
    );
    assert!(
        at(
            &document,
            &text,
            &["services", "worker", "environment", "SQL_PASSWORD"]
        )
        .is_empty()
    );
}

#[test]
fn github_workflow_env_and_secrets_expressions() {
    let (text, document) = parsed("github-workflow.yml");
    assert!(document.complete);
    check_table(
        &document,
        &text,
        &[
            // `on` is a plain key (YAML 1.2 has no `on` boolean).
            (&["on", "push", "branches", "0"], &[("main", String)]),
            // `${{ }}` is left to the rules' filters: a string as written.
            (
                &["env", "AZURE_CLIENT_ID"],
                &[("${{ secrets.AZURE_CLIENT_ID }}", String)],
            ),
            (
                &["env", "AZURE_CLIENT_SECRET"],
                &[("FAKE~client~secret", String)],
            ),
            (
                &["jobs", "deploy", "steps", "0", "uses"],
                &[("actions/checkout@v4", String)],
            ),
            (
                &["jobs", "deploy", "steps", "1", "with", "creds"],
                &[(
                    r#"{"clientId":"${{ secrets.AZURE_CLIENT_ID }}","clientSecret":"${{ secrets.AZURE_CLIENT_SECRET }}"}"#,
                    String,
                )],
            ),
            (
                &["jobs", "deploy", "steps", "2", "run"],
                &[(
                    r#"az storage blob upload --account-key "$KEY" --file app.zip"#,
                    String,
                )],
            ),
            (
                &["jobs", "deploy", "steps", "2", "env", "KEY"],
                &[("${{ secrets.STORAGE_KEY }}", String)],
            ),
        ],
    );
}

#[test]
fn azure_pipelines_variables_list() {
    let (text, document) = parsed("azure-pipelines.yml");
    assert!(document.complete);
    check_table(
        &document,
        &text,
        &[
            (&["trigger", "0"], &[("main", String)]),
            (&["variables", "0", "name"], &[("storageAccount", String)]),
            (&["variables", "0", "value"], &[("fakestorage", String)]),
            (&["variables", "1", "name"], &[("storageKey", String)]),
            (
                &["variables", "1", "value"],
                &[("FAKEc3RvcmFnZS1rZXktZmFrZQ==", String)],
            ),
            (&["variables", "2", "group"], &[("shared-secrets", String)]),
            (
                &["stages", "0", "jobs", "0", "steps", "0", "script"],
                &[("echo $(storageKey)", String)],
            ),
        ],
    );
    let names: Vec<&str> = document
        .entries
        .iter()
        .filter(|entry| entry.path.first().is_some_and(|first| first == "variables"))
        .map(|entry| entry.name())
        .collect();
    assert_eq!(
        names,
        [
            "variables",
            "0",
            "name",
            "value",
            "1",
            "name",
            "value",
            "2",
            "group"
        ]
    );
}

#[test]
fn spring_application_yml_nested_and_dotted() {
    let (text, document) = parsed("application.yml");
    assert!(document.complete);
    check_table(
        &document,
        &text,
        &[
            (
                &["spring", "datasource", "password"],
                &[("FAKE-Passw0rd!", String)],
            ),
            (
                &["spring", "datasource", "url"],
                &[(
                    "jdbc:sqlserver://fake-sql.database.windows.net:1433;database=orders",
                    String,
                )],
            ),
            (
                &["spring", "cloud", "azure", "storage", "blob", "account-key"],
                &[("FAKEYmxvYi1rZXk=", String)],
            ),
            // The second (profile) document writes dotted keys: each is one segment.
            (
                &["spring.datasource.password"],
                &[("FAKE-dev-Passw0rd!", String)],
            ),
            (&["spring.config.activate.on-profile"], &[("dev", String)]),
        ],
    );
    let dotted = document
        .get(&["spring.datasource.password"])
        .expect("dotted key");
    assert_eq!(&text[dotted.key.clone()], "spring.datasource.password");
}

#[test]
fn flow_style_block_scalars_and_quoting() {
    let text = "a: {x: 1, y: [p, 'q', \"r\"], z: {}}\nb: []\nc: |\n  line one\n  line two\n\nd: >-\n  folded\ne: \"\"\nf: ''\n\"quoted key\": 'it''s'\n";
    let document = yaml::parse(text);
    check_invariants(&document, text);
    assert!(document.complete);
    check_table(
        &document,
        text,
        &[
            (&["a"], &[("{x: 1, y: [p, 'q', \"r\"], z: {}}", Object)]),
            (&["a", "x"], &[("1", Number)]),
            (&["a", "y"], &[("[p, 'q', \"r\"]", Array)]),
            (&["a", "y", "0"], &[("p", String)]),
            (&["a", "y", "1"], &[("q", String)]),
            (&["a", "y", "2"], &[("r", String)]),
            (&["a", "z"], &[("{}", Object)]),
            (&["b"], &[("[]", Array)]),
            (&["c"], &[("line one\n  line two", String)]),
            (&["d"], &[("folded", String)]),
            (&["e"], &[("", String)]),
            (&["f"], &[("", String)]),
            (&["quoted key"], &[("it''s", String)]),
        ],
    );
    let quoted = document.get(&["quoted key"]).expect("quoted key");
    assert_eq!(&text[quoted.key.clone()], "quoted key");
}

#[test]
fn aliases_are_references_and_merge_keys_stay_keys() {
    let text =
        "base: &base\n  user: admin\n  pass: FAKE-Passw0rd!\nprod:\n  <<: *base\n  host: prod\n";
    let document = yaml::parse(text);
    check_invariants(&document, text);
    check_table(
        &document,
        text,
        &[
            (&["prod", "<<"], &[("*base", Expression)]),
            (&["prod", "host"], &[("prod", String)]),
            (&["base", "pass"], &[("FAKE-Passw0rd!", String)]),
        ],
    );
    assert!(
        at(&document, text, &["prod", "pass"]).is_empty(),
        "aliases are not expanded"
    );
}

#[test]
fn empty_and_comment_only_inputs() {
    for text in [
        "",
        "\n",
        "# only a comment\n",
        "---\n",
        "---\n...\n",
        "plain scalar\n",
        "- \n",
        "~",
    ] {
        let document = yaml::parse(text);
        check_invariants(&document, text);
        assert!(document.complete, "{text:?}");
    }
    let document = yaml::parse("a:\nb: ~\n");
    assert_eq!(at(&document, "a:\nb: ~\n", &["a"]), [("", Null)]);
}

#[test]
fn broken_inputs_keep_what_came_before() {
    let cases: &[(&str, &[&str])] = &[
        ("a: 1\nb: \"unterminated\nc: 3\n", &["a"]),
        ("a: 1\nb: [1, 2\nc: 3\n", &["a", "b", "b/0"]),
        ("a:\n  b: 1\n c: 2\n", &["a", "a/b"]),
        // The tab is found while scanning `1` for a continuation line: nothing is emitted.
        ("a: 1\n\tb: 2\n", &[]),
        ("key: value\n- item\n", &["key"]),
        ("a: *unknown\n", &[]),
        ("{a: 1, b: 2", &["a", "b"]),
        ("]]]}}}", &[]),
    ];
    for (text, paths) in cases {
        let document = yaml::parse(text);
        check_invariants(&document, text);
        assert!(!document.complete, "{text:?}");
        let found: Vec<std::string::String> = document
            .entries
            .iter()
            .map(|entry| entry.path.join("/"))
            .collect();
        assert_eq!(found, *paths, "{text:?}");
    }
}

#[test]
fn a_broken_manifest_does_not_hide_the_next_ones() {
    let text =
        "kind: Secret\ndata: {password: \"FAKE\n---\nkind: ConfigMap\ndata:\n  key: FAKE-key\n";
    let document = yaml::parse(text);
    check_invariants(&document, text);
    assert!(!document.complete);
    assert_eq!(
        at(&document, text, &["kind"]),
        [("Secret", String), ("ConfigMap", String)]
    );
    assert_eq!(
        at(&document, text, &["data", "key"]),
        [("FAKE-key", String)]
    );
}

#[test]
fn broken_fixture_keeps_the_next_document() {
    let (text, document) = parsed("broken-unbalanced.yaml");
    assert!(!document.complete);
    check_table(
        &document,
        &text,
        &[
            (&["kind"], &[("Secret", String), ("ConfigMap", String)]),
            (&["stringData", "password"], &[("FAKE-Passw0rd!", String)]),
            (&["data", "storageKey"], &[("FAKEa2V5LWZha2U=", String)]),
        ],
    );
}

#[test]
fn every_truncation_of_every_fixture_parses() {
    for name in [
        "k8s-secret-deployment.yaml",
        "docker-compose.yml",
        "github-workflow.yml",
        "azure-pipelines.yml",
        "application.yml",
        "broken-unbalanced.yaml",
    ] {
        let text = fixture(name);
        for (end, _) in text.char_indices() {
            let prefix = &text[..end];
            check_invariants(&yaml::parse(prefix), prefix);
        }
    }
}

#[test]
fn deep_nesting_is_cut_off_without_recursion() {
    let deep = 100_000;
    for text in [
        "[".repeat(deep),
        "[".repeat(deep) + &"]".repeat(deep),
        "{a: ".repeat(deep),
        "- ".repeat(deep) + "x\n",
        "a: ".to_owned() + &"- ".repeat(deep) + "x\n",
        "&a [".repeat(deep),
    ] {
        let document = yaml::parse(&text);
        check_invariants(&document, &text);
        assert!(!document.complete, "{}", &text[..20]);
    }
    // Nested complex keys are skipped as a key's text, however deep.
    let text = "? ".repeat(deep) + "x\n";
    check_invariants(&yaml::parse(&text), &text);
    // Block mappings nested by indentation: deeper than MAX_DEPTH is skipped, the rest kept.
    let mut text: std::string::String = (0..MAX_DEPTH + 50)
        .map(|level| format!("{}k{level}:\n", " ".repeat(level)))
        .collect();
    text.push_str("top: kept\n");
    let document = yaml::parse(&text);
    check_invariants(&document, &text);
    assert!(!document.complete);
    assert_eq!(at(&document, &text, &["top"]), [("kept", String)]);
    assert_eq!(
        document.entries.iter().map(|entry| entry.path.len()).max(),
        Some(MAX_DEPTH)
    );
}

#[test]
fn junk_and_huge_inputs_do_not_panic() {
    // Deterministic pseudo-random bytes, decoded as the scanner would (lossily).
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let bytes: Vec<u8> = (0..200_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let junk = std::string::String::from_utf8_lossy(&bytes);
    check_invariants(&yaml::parse(&junk), &junk);
    let structural: std::string::String = bytes
        .iter()
        .map(|byte| {
            [':', '-', ' ', '\n', '[', ']', '{', '}', '"', '\'', 'a', '#'][usize::from(*byte) % 12]
        })
        .collect();
    check_invariants(&yaml::parse(&structural), &structural);

    huge_single_line(8);
}

/// A `size_mib` MiB file of one line. 8 MiB runs with the suite (a debug build scans it in a few
/// seconds); the 50 MiB case is ignored by default: `cargo test --release -- --ignored`.
fn huge_single_line(size_mib: usize) {
    let line = "k: ".to_owned() + &"v".repeat(size_mib * 1024 * 1024);
    let document = yaml::parse(&line);
    assert!(document.complete);
    assert_eq!(document.entries.len(), 1);
    assert_eq!(document.entries[0].value, 3..line.len());
}

#[test]
#[ignore = "slow in debug builds; run with --release -- --ignored"]
fn fifty_mib_single_line() {
    huge_single_line(50);
}
