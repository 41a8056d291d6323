//! The language server driven in memory (`lsp_server::Connection::memory()`): diagnostics,
//! hovers, code actions, the workspace scan with progress, settings, and malformed input.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::common;

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use keyless::lsp::rewrite;
use keyless::lsp::state::path_to_uri;
use keyless::lsp::text::LineIndex;

/// Fake keys from fixtures/demo-app.
const STORAGE_KEY: &str =
    "9EGD3FAKEZDC4WPCrGWwArWXYleF1XbRsMwBOWcAnlXjaYfV75NmCjWdJhAd1Zm9l2MzysxYh+uoQULkx9ZbuA==";
const SERVICE_BUS_KEY: &str = "mR+CXFAKERLK5CVUd67eQ/QuvVF3+Goz32dYRPN/WIM=";
const READER_GUID: &str = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
const TIMEOUT: Duration = Duration::from_secs(20);

fn storage_connection_string() -> String {
    format!(
        "DefaultEndpointsProtocol=https;AccountName=contosofakefunc;AccountKey={STORAGE_KEY};EndpointSuffix=core.windows.net"
    )
}

fn service_bus_connection_string() -> String {
    format!(
        "Endpoint=sb://contoso-fake-orders.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={SERVICE_BUS_KEY}"
    )
}

fn registry() -> Arc<keyless::Registry> {
    static REGISTRY: OnceLock<Arc<keyless::Registry>> = OnceLock::new();
    Arc::clone(REGISTRY.get_or_init(|| Arc::new(common::registry())))
}

/// A test client: sends requests and notifications, collects what the server sends.
struct Client {
    connection: Connection,
    server: Option<JoinHandle<bool>>,
    next_id: i32,
    /// Notifications received while waiting for something else.
    inbox: Vec<Notification>,
    /// Requests the server sent (already answered with `null`).
    server_requests: Vec<Request>,
}

impl Client {
    /// Starts a server with `root` as its workspace; no workspace scan unless `scan`.
    fn start(root: &Path, scan: bool, capabilities: Value) -> Self {
        let (server_side, client_side) = Connection::memory();
        let registry = registry();
        let server = std::thread::spawn(move || keyless::lsp::serve(server_side, registry));
        let mut client = Self {
            connection: client_side,
            server: Some(server),
            next_id: 1,
            inbox: Vec::new(),
            server_requests: Vec::new(),
        };
        let result = client
            .request(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": path_to_uri(root),
                    "capabilities": capabilities,
                    "initializationOptions": { "noWorkspaceScan": !scan },
                }),
            )
            .unwrap();
        assert_eq!(result["serverInfo"]["name"], "keyless");
        client.notify("initialized", json!({}));
        client
    }

    fn open(root: &Path) -> Self {
        Self::start(root, false, json!({}))
    }

    fn send(&self, message: Message) {
        self.connection.sender.send(message).unwrap();
    }

    fn notify(&self, method: &str, params: Value) {
        self.send(Notification::new(method.to_owned(), params).into());
    }

    fn receive(&mut self, deadline: Instant) -> Message {
        let left = deadline.saturating_duration_since(Instant::now());
        let message = self
            .connection
            .receiver
            .recv_timeout(left)
            .expect("the server answers in time");
        if let Message::Request(request) = &message {
            self.send(Response::new_ok(request.id.clone(), Value::Null).into());
            self.server_requests.push(request.clone());
        }
        message
    }

    /// Sends a request and waits for its response.
    fn request(&mut self, method: &str, params: Value) -> Result<Value, lsp_server::ResponseError> {
        let id = RequestId::from(self.next_id);
        self.next_id += 1;
        self.send(Request::new(id.clone(), method.to_owned(), params).into());
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match self.receive(deadline) {
                Message::Response(response) if response.id == id => {
                    return response.response_result;
                }
                Message::Notification(notification) => self.inbox.push(notification),
                _ => {}
            }
        }
    }

    /// Waits for a notification that `accept` takes; earlier ones that it does not take stay in
    /// the inbox.
    fn wait_for(&mut self, mut accept: impl FnMut(&Notification) -> bool) -> Notification {
        if let Some(at) = self.inbox.iter().position(&mut accept) {
            return self.inbox.remove(at);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Message::Notification(notification) = self.receive(deadline) {
                if accept(&notification) {
                    return notification;
                }
                self.inbox.push(notification);
            }
        }
    }

    /// The diagnostics published for `uri` at `version`.
    fn diagnostics(&mut self, uri: &str, version: Option<i32>) -> Vec<Value> {
        let notification = self.wait_for(|notification| {
            notification.method == "textDocument/publishDiagnostics"
                && notification.params["uri"] == uri
                && version.is_none_or(|version| notification.params["version"] == version)
        });
        notification.params["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn did_open(&self, uri: &str, language: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": language, "version": 1, "text": text } }),
        );
    }

    fn did_change_full(&self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    fn code_actions(&mut self, uri: &str, range: &Value) -> Vec<Value> {
        let result = self
            .request(
                "textDocument/codeAction",
                json!({ "textDocument": { "uri": uri }, "range": range, "context": { "diagnostics": [] } }),
            )
            .unwrap();
        result.as_array().cloned().unwrap_or_default()
    }

    /// Shuts the server down in order and checks that it says so.
    fn shutdown(mut self) {
        assert_eq!(self.request("shutdown", Value::Null).unwrap(), Value::Null);
        self.notify("exit", Value::Null);
        let orderly = self.server.take().unwrap().join().unwrap();
        assert!(orderly, "the server did not see an orderly shutdown");
    }
}

fn workspace() -> (tempfile::TempDir, std::path::PathBuf) {
    let directory = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(directory.path()).unwrap();
    (directory, root)
}

/// Applies a list of LSP text edits (non-overlapping) to `text`.
fn apply_edits(text: &str, edits: &[Value]) -> String {
    let index = LineIndex::new(text);
    let mut ranges: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|edit| {
            let position = |value: &Value| {
                lsp_types::Position::new(
                    value["line"].as_u64().unwrap() as u32,
                    value["character"].as_u64().unwrap() as u32,
                )
            };
            (
                index.offset(text, position(&edit["range"]["start"])),
                index.offset(text, position(&edit["range"]["end"])),
                edit["newText"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    ranges.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
    let mut result = text.to_owned();
    for (start, end, new_text) in ranges {
        result.replace_range(start..end, &new_text);
    }
    result
}

fn edits_of<'a>(action: &'a Value, uri: &str) -> &'a [Value] {
    action["edit"]["changes"][uri]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn action<'a>(actions: &'a [Value], title_part: &str) -> Option<&'a Value> {
    actions.iter().find(|action| {
        action["title"]
            .as_str()
            .is_some_and(|title| title.contains(title_part))
    })
}

#[test]
fn diagnostics_on_open_point_at_the_key_in_utf16_columns() {
    let (_directory, root) = workspace();
    let mut client = Client::open(&root);
    let uri = path_to_uri(&root.join("config/.env"));
    let line = format!("X=é😀 {}", storage_connection_string());
    let text = format!("# settings\n{line}\n");
    client.did_open(&uri, "dotenv", &text);
    let diagnostics = client.diagnostics(&uri, Some(1));
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let diagnostic = &diagnostics[0];
    let prefix = &line[..line.find(STORAGE_KEY).unwrap()];
    let start = prefix.encode_utf16().count();
    assert_eq!(
        diagnostic["range"],
        json!({
            "start": { "line": 1, "character": start },
            "end": { "line": 1, "character": start + STORAGE_KEY.len() },
        })
    );
    assert_eq!(diagnostic["severity"], 1);
    assert_eq!(diagnostic["code"], "storage-account-key");
    assert_eq!(diagnostic["source"], "keyless");
    let href = diagnostic["codeDescription"]["href"].as_str().unwrap();
    assert!(href.ends_with("/rules/storage.yaml"), "{href}");
    let message = diagnostic["message"].as_str().unwrap();
    assert!(message.contains("[storage]"), "{message}");
    assert!(
        message.contains("Storage Blob Data Reader") && message.contains(READER_GUID),
        "{message}"
    );
    assert!(!message.contains(STORAGE_KEY) && !diagnostic.to_string().contains(STORAGE_KEY));
    client.shutdown();
}

#[test]
fn editing_the_key_away_clears_the_diagnostics() {
    let (_directory, root) = workspace();
    let mut client = Client::open(&root);
    let uri = path_to_uri(&root.join("app.yaml"));
    let text = format!(
        "storage:\n  connection: \"{}\"\n",
        storage_connection_string()
    );
    client.did_open(&uri, "yaml", &text);
    let diagnostics = client.diagnostics(&uri, Some(1));
    assert_eq!(diagnostics.len(), 1);
    // An incremental edit that replaces the whole value line.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{
                "range": { "start": { "line": 1, "character": 0 }, "end": { "line": 2, "character": 0 } },
                "text": "  accountName: contosofakefunc\n",
            }],
        }),
    );
    assert_eq!(client.diagnostics(&uri, Some(2)), Vec::<Value>::new());
    // Typing it back brings the diagnostic back; closing the file clears it (nothing on disk).
    client.did_change_full(&uri, 3, &text);
    assert_eq!(client.diagnostics(&uri, Some(3)).len(), 1);
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(client.diagnostics(&uri, None), Vec::<Value>::new());
    client.shutdown();
}

#[test]
fn hover_gives_the_full_remediation_with_the_role_guid() {
    let (_directory, root) = workspace();
    let mut client = Client::open(&root);
    let uri = path_to_uri(&root.join("Program.cs"));
    let text = format!(
        "var client = new BlobServiceClient(\"{}\");\n",
        storage_connection_string()
    );
    client.did_open(&uri, "csharp", &text);
    let diagnostics = client.diagnostics(&uri, Some(1));
    assert!(!diagnostics.is_empty());
    let start = diagnostics[0]["range"]["start"].clone();
    let hover = client
        .request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": start }),
        )
        .unwrap();
    let markdown = hover["contents"]["value"].as_str().unwrap();
    assert_eq!(hover["contents"]["kind"], "markdown");
    for expected in [
        READER_GUID,
        "Storage Blob Data Reader",
        "managed identity",
        "DefaultAzureCredential",
        "keyless explain",
        "```csharp",
    ] {
        assert!(
            markdown.contains(expected),
            "{expected} missing:\n{markdown}"
        );
    }
    assert!(!markdown.contains(STORAGE_KEY));
    let nowhere = client
        .request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 1 } }),
        )
        .unwrap();
    assert_eq!(nowhere, Value::Null);
    client.shutdown();
}

/// For each file kind: the suppression action inserts a comment that keyless honours.
#[test]
fn suppression_actions_use_the_comment_syntax_of_the_file() {
    let (_directory, root) = workspace();
    let mut client = Client::open(&root);
    let connection = storage_connection_string();
    let cases = [
        (
            "a/.env",
            "dotenv",
            format!("STORAGE={connection}\n"),
            "# keyless:ignore[storage-account-key]\n",
        ),
        (
            "b/app.yaml",
            "yaml",
            format!("app:\n  storage: \"{connection}\"\n"),
            "  # keyless:ignore[storage-account-key]\n",
        ),
        (
            "c/Program.cs",
            "csharp",
            format!("class A {{\r\n    const string S = \"{connection}\";\r\n}}\r\n"),
            "    // keyless:ignore[storage-account-key]\r\n",
        ),
        (
            "d/web.config",
            "xml",
            format!(
                "<configuration>\n  <add name=\"s\" connectionString=\"{connection}\" />\n</configuration>\n"
            ),
            "  <!-- keyless:ignore[storage-account-key] -->\n",
        ),
        (
            "e/main.py",
            "python",
            format!("# keyless:ignore[other-rule]\nS = \"{connection}\"\n"),
            "# keyless:ignore[other-rule,storage-account-key]\n",
        ),
    ];
    for (path, language, text, expected_line) in cases {
        let uri = path_to_uri(&root.join(path));
        client.did_open(&uri, language, &text);
        let diagnostics = client.diagnostics(&uri, Some(1));
        assert_eq!(diagnostics.len(), 1, "{path}: {diagnostics:?}");
        let actions = client.code_actions(&uri, &diagnostics[0]["range"]);
        let suppress =
            action(&actions, "Suppress").unwrap_or_else(|| panic!("{path}: {actions:?}"));
        assert_eq!(suppress["kind"], "quickfix");
        let edits = edits_of(suppress, &uri);
        assert_eq!(edits.len(), 1, "{path}");
        let fixed = apply_edits(&text, edits);
        assert!(fixed.contains(expected_line), "{path}:\n{fixed}");
        assert_eq!(
            fixed.lines().count(),
            text.lines().count() + usize::from(!path.ends_with(".py"))
        );
        client.did_change_full(&uri, 2, &fixed);
        assert_eq!(
            client.diagnostics(&uri, Some(2)),
            Vec::<Value>::new(),
            "{path}:\n{fixed}"
        );
    }
    // JSON has no comments: no suppression, but the baseline.
    let uri = path_to_uri(&root.join("appsettings.json"));
    client.did_open(
        &uri,
        "json",
        &format!("{{ \"ConnectionStrings\": {{ \"Blobs\": \"{connection}\" }} }}"),
    );
    let diagnostics = client.diagnostics(&uri, Some(1));
    let actions = client.code_actions(&uri, &diagnostics[0]["range"]);
    assert!(action(&actions, "Suppress").is_none(), "{actions:?}");
    assert!(action(&actions, "baseline").is_some(), "{actions:?}");
    client.shutdown();
}

#[test]
fn add_to_baseline_writes_the_workspace_baseline() {
    let (_directory, root) = workspace();
    let mut client = Client::open(&root);
    let uri = path_to_uri(&root.join("config/appsettings.json"));
    let text = format!("{{ \"Storage\": \"{}\" }}", storage_connection_string());
    client.did_open(&uri, "json", &text);
    let diagnostics = client.diagnostics(&uri, Some(1));
    let actions = client.code_actions(&uri, &diagnostics[0]["range"]);
    let baseline = action(&actions, "baseline").unwrap();
    let command = &baseline["command"];
    assert_eq!(command["command"], "keyless.addToBaseline");
    let result = client
        .request(
            "workspace/executeCommand",
            json!({ "command": command["command"], "arguments": command["arguments"] }),
        )
        .unwrap();
    assert_eq!(result, Value::Null);
    let written = std::fs::read_to_string(root.join(".keyless-baseline.json")).unwrap();
    assert!(
        written.contains("\"path\":\"config/appsettings.json\""),
        "{written}"
    );
    assert!(
        written.contains("\"rule\":\"storage-account-key\""),
        "{written}"
    );
    assert!(!written.contains(STORAGE_KEY));
    assert_eq!(client.diagnostics(&uri, Some(1)), Vec::<Value>::new());
    // A bad argument is an error, not a crash.
    let error = client
        .request(
            "workspace/executeCommand",
            json!({ "command": "keyless.addToBaseline", "arguments": [42] }),
        )
        .unwrap_err();
    assert_eq!(error.code, lsp_server::ErrorCode::InvalidParams as i32);
    client.shutdown();
}

#[test]
fn functions_settings_get_the_identity_based_rewrite() {
    let (_directory, root) = workspace();
    let mut client = Client::open(&root);
    let uri = path_to_uri(&root.join("local.settings.json"));
    let text = format!(
        "{{\n  \"IsEncrypted\": false,\n  \"Values\": {{\n    \"AzureWebJobsStorage\": \"{}\",\n    \"FUNCTIONS_WORKER_RUNTIME\": \"dotnet-isolated\",\n    \"ServiceBusConnection\": \"{}\"\n  }}\n}}\n",
        storage_connection_string(),
        service_bus_connection_string()
    );
    client.did_open(&uri, "json", &text);
    let diagnostics = client.diagnostics(&uri, Some(1));
    assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
    let mut fixed = text.clone();
    for (diagnostic, expected) in diagnostics.iter().zip([
        "\"AzureWebJobsStorage__accountName\": \"contosofakefunc\"",
        "\"ServiceBusConnection__fullyQualifiedNamespace\": \"contoso-fake-orders.servicebus.windows.net\"",
    ]) {
        let actions = client.code_actions(&uri, &diagnostic["range"]);
        let rewrite = action(&actions, "identity-based").unwrap_or_else(|| panic!("{actions:?}"));
        assert_eq!(rewrite["isPreferred"], true);
        assert_eq!(actions[0], *rewrite, "the rewrite comes first");
        let once = apply_edits(&text, edits_of(rewrite, &uri));
        assert!(once.contains(expected), "{once}");
        fixed = apply_edits(&fixed, edits_of(rewrite, &uri));
    }
    client.did_change_full(&uri, 2, &fixed);
    assert_eq!(
        client.diagnostics(&uri, Some(2)),
        Vec::<Value>::new(),
        "{fixed}"
    );
    client.shutdown();
}

#[test]
fn rewrites_cover_app_setting_pairs_and_skip_plain_app_config() {
    let registry = registry();
    let rewrite_of = |path: &str, text: &str| {
        let findings = keyless::scan_text(&registry, path, text);
        assert!(!findings.is_empty(), "{path}: no finding");
        findings
            .iter()
            .find_map(|finding| rewrite::identity_setting(path, text, finding))
            .map(|rewrite| rewrite.apply(text))
    };
    let arm = format!(
        "{{ \"resources\": [ {{ \"type\": \"Microsoft.Web/sites\", \"properties\": {{ \"siteConfig\": {{ \"appSettings\": [ {{ \"name\": \"AzureWebJobsStorage\", \"value\": \"{}\" }} ] }} }} }} ] }}",
        storage_connection_string()
    );
    let fixed = rewrite_of("infra/site.json", &arm).unwrap();
    assert!(
        fixed.contains(
            "\"name\": \"AzureWebJobsStorage__accountName\", \"value\": \"contosofakefunc\""
        ),
        "{fixed}"
    );
    let terraform = format!(
        "resource \"azurerm_linux_function_app\" \"f\" {{\n  app_settings = {{\n    \"AzureWebJobsStorage\" = \"{}\"\n  }}\n}}\n",
        storage_connection_string()
    );
    let fixed = rewrite_of("infra/main.tf", &terraform).unwrap();
    assert!(
        fixed.contains("\"AzureWebJobsStorage__accountName\" = \"contosofakefunc\""),
        "{fixed}"
    );
    let bicep = format!(
        "resource site 'Microsoft.Web/sites@2023-12-01' = {{\n  name: 'f'\n  properties: {{\n    siteConfig: {{\n      appSettings: [\n        {{\n          name: 'AzureWebJobsStorage'\n          value: '{}'\n        }}\n      ]\n    }}\n  }}\n}}\n",
        storage_connection_string()
    );
    let fixed = rewrite_of("infra/site.bicep", &bicep).unwrap();
    assert!(
        fixed.contains(
            "name: 'AzureWebJobsStorage__accountName'\n          value: 'contosofakefunc'"
        ),
        "{fixed}"
    );
    let yaml = format!(
        "FUNCTIONS_WORKER_RUNTIME: python\nServiceBusConnection: \"{}\"\n",
        service_bus_connection_string()
    );
    assert_eq!(
        rewrite_of("deploy/settings.yaml", &yaml).as_deref(),
        Some(
            "FUNCTIONS_WORKER_RUNTIME: python\nServiceBusConnection__fullyQualifiedNamespace: \"contoso-fake-orders.servicebus.windows.net\"\n"
        )
    );
    let env = format!("AzureWebJobsStorage={}\n", storage_connection_string());
    assert_eq!(
        rewrite_of(".env", &env).as_deref(),
        Some("AzureWebJobsStorage__accountName=contosofakefunc\n")
    );
    // An application's own setting is read by its code under that name: left alone.
    let plain = format!("ORDERS_BUS={}\n", service_bus_connection_string());
    assert_eq!(rewrite_of("app/.env", &plain), None);
    // An entity path makes it more than a rename.
    let with_entity = format!(
        "{{ \"Values\": {{ \"Hub\": \"{};EntityPath=telemetry\" }} }}",
        service_bus_connection_string()
    );
    assert_eq!(rewrite_of("local.settings.json", &with_entity), None);
}

#[test]
fn keyless_toml_and_the_baseline_of_the_root_apply() {
    let (_directory, root) = workspace();
    std::fs::write(
        root.join("keyless.toml"),
        "[rules]\ndisable = [\"servicebus\"]\n",
    )
    .unwrap();
    let accepted = format!("ACCEPTED={}\n", storage_connection_string());
    let findings = keyless::scan_text(&registry(), "accepted.env", &accepted);
    let baseline = keyless::baseline::Baseline::from_findings(&findings);
    baseline.save(&root.join(".keyless-baseline.json")).unwrap();
    let mut client = Client::open(&root);
    let bus = path_to_uri(&root.join("bus.env"));
    client.did_open(
        &bus,
        "dotenv",
        &format!("BUS={}\n", service_bus_connection_string()),
    );
    assert_eq!(client.diagnostics(&bus, Some(1)), Vec::<Value>::new());
    let uri = path_to_uri(&root.join("accepted.env"));
    client.did_open(&uri, "dotenv", &accepted);
    assert_eq!(client.diagnostics(&uri, Some(1)), Vec::<Value>::new());
    // A file that .gitignore excludes is not diagnosed, as `keyless scan` does not read it.
    std::fs::write(root.join(".gitignore"), "generated/\n").unwrap();
    let ignored = path_to_uri(&root.join("generated/x.env"));
    client.did_open(
        &ignored,
        "dotenv",
        &format!("S={}\n", storage_connection_string()),
    );
    assert_eq!(client.diagnostics(&ignored, Some(1)), Vec::<Value>::new());
    client.shutdown();
}

#[test]
fn saving_keyless_toml_applies_it_to_open_documents() {
    let (_directory, root) = workspace();
    let mut client = Client::open(&root);
    let uri = path_to_uri(&root.join("app.env"));
    client.did_open(
        &uri,
        "dotenv",
        &format!("S={}\n", storage_connection_string()),
    );
    assert_eq!(client.diagnostics(&uri, Some(1)).len(), 1);
    let config = "[[overrides]]\npaths = [\"*.env\"]\nlevel = \"note\"\n";
    std::fs::write(root.join("keyless.toml"), config).unwrap();
    client.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": path_to_uri(&root.join("keyless.toml")) }, "text": config }),
    );
    let diagnostics = client.diagnostics(&uri, Some(1));
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(
        diagnostics[0]["severity"], 3,
        "a note is shown as information"
    );
    // A keyless.toml that does not read is reported, and its defaults apply.
    std::fs::write(root.join("keyless.toml"), "[rules]\ndisabel = []\n").unwrap();
    client.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": path_to_uri(&root.join("keyless.toml")) } }),
    );
    let message = client.wait_for(|notification| notification.method == "window/showMessage");
    assert!(
        message.params["message"]
            .as_str()
            .unwrap()
            .contains("disabel"),
        "{message:?}"
    );
    assert_eq!(client.diagnostics(&uri, Some(1))[0]["severity"], 1);
    client.shutdown();
}

#[test]
fn the_workspace_scan_reports_progress_and_publishes_files_with_findings() {
    let (_directory, root) = workspace();
    std::fs::create_dir_all(root.join("config")).unwrap();
    std::fs::write(
        root.join("config/.env"),
        format!("# comment\nSTORAGE={}\n", storage_connection_string()),
    )
    .unwrap();
    std::fs::write(root.join("clean.env"), "NAME=value\n").unwrap();
    let mut client = Client::start(
        &root,
        true,
        json!({ "window": { "workDoneProgress": true } }),
    );
    let uri = path_to_uri(&root.join("config/.env"));
    let diagnostics = client.diagnostics(&uri, None);
    assert_eq!(diagnostics.len(), 1);
    let line = format!("STORAGE={}", storage_connection_string());
    let column = line.find(STORAGE_KEY).unwrap();
    assert_eq!(
        diagnostics[0]["range"]["start"],
        json!({ "line": 1, "character": column })
    );
    let mut kinds = Vec::new();
    loop {
        let progress = client.wait_for(|notification| notification.method == "$/progress");
        assert_eq!(progress.params["token"], "keyless/workspace-scan");
        let kind = progress.params["value"]["kind"]
            .as_str()
            .unwrap()
            .to_owned();
        kinds.push(kind.clone());
        if kind == "end" {
            let message = progress.params["value"]["message"].as_str().unwrap();
            assert!(message.contains("1 findings in 1 files"), "{message}");
            break;
        }
    }
    assert_eq!(kinds.first().map(String::as_str), Some("begin"));
    assert!(
        client
            .server_requests
            .iter()
            .any(|request| request.method == "window/workDoneProgress/create")
    );
    assert!(!client.inbox.iter().any(|notification| {
        notification.params["uri"] == path_to_uri(&root.join("clean.env"))
    }));
    client.shutdown();
}

#[test]
fn malformed_requests_and_content_do_not_stop_the_server() {
    let (_directory, root) = workspace();
    let mut client = Client::open(&root);
    let unopened = path_to_uri(&root.join("never-opened.env"));
    // Bad parameters, unknown methods, unopened documents.
    let error = client
        .request("textDocument/hover", json!("not an object"))
        .unwrap_err();
    assert_eq!(error.code, lsp_server::ErrorCode::InvalidParams as i32);
    let error = client
        .request("keyless/noSuchMethod", json!({}))
        .unwrap_err();
    assert_eq!(error.code, lsp_server::ErrorCode::MethodNotFound as i32);
    let hover = client
        .request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": unopened }, "position": { "line": 99, "character": 99 } }),
        )
        .unwrap();
    assert_eq!(hover, Value::Null);
    assert!(client.code_actions(&unopened, &json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } })).is_empty());
    let error = client
        .request("initialize", json!({ "capabilities": {} }))
        .unwrap_err();
    assert_eq!(error.code, lsp_server::ErrorCode::InvalidRequest as i32);
    // Notifications with bad parameters, for unopened documents, or unknown.
    client.notify("textDocument/didOpen", json!({ "textDocument": 5 }));
    client.notify("textDocument/didChange", json!({ "textDocument": { "uri": unopened, "version": 2 }, "contentChanges": [{ "text": "x" }] }));
    client.notify("textDocument/didClose", json!([]));
    client.notify("$/cancelRequest", json!({ "id": 999 }));
    client.notify("keyless/whatever", Value::Null);
    // Binary, huge and unparsable content.
    let binary = path_to_uri(&root.join("blob.env"));
    client.did_open(
        &binary,
        "dotenv",
        &format!("\0\0\0\u{1}STORAGE={}", storage_connection_string()),
    );
    assert_eq!(client.diagnostics(&binary, Some(1)), Vec::<Value>::new());
    let huge = path_to_uri(&root.join("huge.env"));
    let big = format!(
        "STORAGE={}\n{}",
        storage_connection_string(),
        "x".repeat(11 * 1024 * 1024)
    );
    client.did_open(&huge, "dotenv", &big);
    assert_eq!(client.diagnostics(&huge, Some(1)), Vec::<Value>::new());
    let broken = path_to_uri(&root.join("broken.json"));
    let text = format!(
        "{{ \"a\": [ {{ \"Blobs\": \"{}\", \n ]] }}}} ,,, \u{feff}",
        storage_connection_string()
    );
    client.did_open(&broken, "json", &text);
    let diagnostics = client.diagnostics(&broken, Some(1));
    assert_eq!(diagnostics.len(), 1);
    let key_start = diagnostics[0]["range"]["start"].clone();
    // Edits with ranges outside the text are clamped.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": broken, "version": 2 },
            "contentChanges": [{ "range": { "start": { "line": 500, "character": 3 }, "end": { "line": 2, "character": 900 } }, "text": "tail" }],
        }),
    );
    assert_eq!(client.diagnostics(&broken, Some(2)).len(), 1);
    // Still answering.
    let hover = client
        .request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": broken }, "position": key_start }),
        )
        .unwrap();
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains(READER_GUID)
    );
    client.shutdown();
}

#[test]
fn requests_before_initialize_are_refused_and_exit_without_shutdown_is_not_orderly() {
    let (server_side, client_side) = Connection::memory();
    let registry = registry();
    let server = std::thread::spawn(move || keyless::lsp::serve(server_side, registry));
    client_side
        .sender
        .send(
            Request::new(
                RequestId::from(1),
                "textDocument/hover".to_owned(),
                json!({}),
            )
            .into(),
        )
        .unwrap();
    let Ok(Message::Response(response)) = client_side.receiver.recv_timeout(TIMEOUT) else {
        panic!("no response");
    };
    assert_eq!(
        response.response_result.unwrap_err().code,
        lsp_server::ErrorCode::ServerNotInitialized as i32
    );
    client_side
        .sender
        .send(
            Request::new(
                RequestId::from(2),
                "initialize".to_owned(),
                json!({ "capabilities": {}, "initializationOptions": { "noWorkspaceScan": true } }),
            )
            .into(),
        )
        .unwrap();
    let Ok(Message::Response(response)) = client_side.receiver.recv_timeout(TIMEOUT) else {
        panic!("no response");
    };
    assert!(response.response_result.is_ok());
    client_side
        .sender
        .send(Notification::new("exit".to_owned(), Value::Null).into())
        .unwrap();
    assert!(!server.join().unwrap());
}
