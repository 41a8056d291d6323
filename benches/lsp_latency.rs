//! Latency of `keyless lsp`: from a `didChange` on a 5,000-line file of mixed configuration with
//! a storage key in it, and on a 3,750-line Python module with a key-based SDK call (code is
//! parsed again whole on each change: no incremental re-parsing), to the `publishDiagnostics`
//! for that version, over `lsp_server::Connection::memory()` (no process, no pipes: the server's
//! own work).
//!
//! ```sh
//! cargo bench --bench lsp_latency
//! ```
//!
//! Prints the median and the 95th percentile over 50 incremental edits (one value changed, as an
//! editor sends a keystroke) and over 50 full-text changes. The budget is 50 ms. Under
//! `cargo test` (no `--bench` argument) it makes three edits as a smoke test.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

const LINES: usize = 5_000;
const BUDGET: Duration = Duration::from_millis(50);

/// A random-looking 88-character storage account key, made at run time so that no key sits in
/// the source.
fn fake_storage_key() -> String {
    const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut key: String = (0..86)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            BASE64[(state % 64) as usize] as char
        })
        .collect();
    key.replace_range(4..8, "FAKE");
    key.push_str("==");
    key
}

const PYTHON_LINES: usize = 3_750;

/// A Python module of small handlers with one key-based SDK call (a connection string from the
/// environment) in the middle.
fn python_module() -> String {
    let mut text = String::from("import os\nfrom azure.storage.blob import BlobServiceClient\n\n");
    let mut block = 0;
    while text.lines().count() < PYTHON_LINES {
        if block == PYTHON_LINES / 18 {
            text.push_str(
                "client = BlobServiceClient.from_connection_string(os.environ[\"STORAGE_CONNECTION\"])\n\n",
            );
        }
        text.push_str(&format!(
            "def handler_{block}(event):\n    \"\"\"Handle order event {block}.\"\"\"\n    total = 0\n    \
             for item in event.get(\"items\", []):\n        total += item[\"price\"] * item.get(\"quantity\", 1)\n    \
             return {{\"order\": {block}, \"total\": total, \"endpoint\": \"https://orders-{block}.contoso.example/api\"}}\n\n\n"
        ));
        block += 1;
    }
    text
}

/// A Kubernetes/Helm-style YAML file: deployments, config maps, comments, URLs, GUIDs and one
/// storage connection string in the middle.
fn mixed_config() -> String {
    let mut text = String::with_capacity(LINES * 48);
    let mut line = 0;
    let mut block = 0;
    while line < LINES {
        let lines = [
            format!("# service {block}: settings for the order pipeline"),
            format!("service-{block}:"),
            format!("  image: contoso.azurecr.io/orders/worker:1.{block}.0"),
            "  replicas: 3".to_owned(),
            format!("  endpoint: https://orders-{block}.contoso.example/api/v1"),
            format!("  tenantId: 6f1c2a4e-0000-4c1d-9a7e-{:012}", block),
            "  env:".to_owned(),
            format!("    - name: QUEUE_NAME\n      value: orders-{block}"),
            format!("    - name: FEATURE_FLAGS\n      value: \"alpha,beta,gamma-{block}\""),
            "  resources: { limits: { cpu: 500m, memory: 256Mi } }".to_owned(),
        ];
        for entry in lines {
            for part in entry.lines() {
                if line == LINES / 2 {
                    text.push_str(&format!(
                        "  storage: \"DefaultEndpointsProtocol=https;AccountName=contosofakebench;AccountKey={};EndpointSuffix=core.windows.net\"\n",
                        fake_storage_key()
                    ));
                    line += 1;
                }
                if line < LINES {
                    text.push_str(part);
                    text.push('\n');
                    line += 1;
                }
            }
        }
        block += 1;
    }
    text
}

struct Client {
    connection: Connection,
}

impl Client {
    fn send(&self, message: Message) {
        self.connection.sender.send(message).unwrap();
    }

    fn notify(&self, method: &str, params: Value) {
        self.send(Notification::new(method.to_owned(), params).into());
    }

    /// Waits for the diagnostics of `version`; returns how many there are.
    fn diagnostics_of(&self, version: i32) -> usize {
        loop {
            let message = self
                .connection
                .receiver
                .recv_timeout(Duration::from_secs(30))
                .unwrap();
            if let Message::Notification(notification) = message {
                if notification.method == "textDocument/publishDiagnostics"
                    && notification.params["version"] == version
                {
                    return notification.params["diagnostics"]
                        .as_array()
                        .map_or(0, Vec::len);
                }
            }
        }
    }
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[allow(
    clippy::explicit_counter_loop,
    reason = "versions also advance inside the loop, per edit"
)]
fn main() {
    let benchmarking = std::env::args().any(|argument| argument == "--bench");
    let runs = if benchmarking { 50 } else { 3 };
    let registry = Arc::new(keyless::Registry::embedded().unwrap());
    let (server_side, client_side) = Connection::memory();
    let server = std::thread::spawn(move || keyless::lsp::serve(server_side, registry));
    let client = Client {
        connection: client_side,
    };
    let root = std::env::temp_dir();
    client.send(
        Request::new(
            RequestId::from(1),
            "initialize".to_owned(),
            json!({
                "capabilities": {},
                "rootUri": keyless::lsp::state::path_to_uri(&root),
                "initializationOptions": { "noWorkspaceScan": true },
            }),
        )
        .into(),
    );
    let _initialized = client.connection.receiver.recv().unwrap();
    client.notify("initialized", json!({}));

    let mut version = 0;
    let documents = [
        (
            "values.yaml",
            "yaml",
            mixed_config(),
            "  replicas: 3",
            "replicas: 3",
            "replicas: {}",
            12,
        ),
        (
            "handlers.py",
            "python",
            python_module(),
            "        total += item[\"price\"] * item.get(\"quantity\", 1)",
            "\"quantity\", 1)",
            "\"quantity\", {})",
            54,
        ),
    ];
    for (name, language, text, edited_line, before, after, character) in documents {
        let uri = keyless::lsp::state::path_to_uri(&root.join("keyless-bench").join(name));
        version += 1;
        let opened = version;
        client.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": language, "version": opened, "text": text } }),
        );
        let found = client.diagnostics_of(opened);
        assert_eq!(found, 1, "{name}: the finding is shown on open");
        let edited = text.lines().position(|line| line == edited_line).unwrap();
        let mut measure = |full: bool| {
            let mut times = Vec::with_capacity(runs);
            for run in 0..runs {
                version += 1;
                let digit = (run % 9 + 1).to_string();
                let change = if full {
                    json!({ "text": text.replacen(before, &after.replace("{}", &digit), 1) })
                } else {
                    json!({
                        "range": {
                            "start": { "line": edited, "character": character },
                            "end": { "line": edited, "character": character + 1 },
                        },
                        "text": digit,
                    })
                };
                let started = Instant::now();
                client.notify(
                    "textDocument/didChange",
                    json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [change] }),
                );
                assert_eq!(client.diagnostics_of(version), 1, "{name}");
                times.push(started.elapsed());
            }
            times.sort();
            times
        };
        let incremental = measure(false);
        let full = measure(true);
        println!(
            "lsp_latency: didChange -> publishDiagnostics, {}-line {language} file ({} KiB) with one finding, {runs} runs each",
            text.lines().count(),
            text.len() / 1024
        );
        for (kind, times) in [
            ("incremental edit", &incremental),
            ("full-text change", &full),
        ] {
            let median = percentile(times, 0.5);
            let p95 = percentile(times, 0.95);
            println!(
                "  {kind:17} median {:6.2} ms   p95 {:6.2} ms   max {:6.2} ms   (budget {} ms: {})",
                median.as_secs_f64() * 1e3,
                p95.as_secs_f64() * 1e3,
                times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
                BUDGET.as_millis(),
                if p95 <= BUDGET { "met" } else { "MISSED" }
            );
        }
    }
    client.send(Request::new(RequestId::from(2), "shutdown".to_owned(), Value::Null).into());
    client.notify("exit", Value::Null);
    let _ = server.join();
}
