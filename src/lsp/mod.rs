//! `keyless lsp`: a language server over stdio that shows findings as diagnostics while you type,
//! explains them on hover and fixes them with code actions.
//!
//! Threads: the main loop reads client messages, keeps the open documents and answers requests
//! (hover and code actions scan on demand when the cached findings are for an older version); a
//! scan worker scans changed documents and publishes their diagnostics; a one-off thread scans
//! the whole workspace after `initialized`, with `$/progress`, and publishes diagnostics for the
//! files with findings.
//!
//! Debounce: the worker scans a changed document as soon as it is idle, so a single edit is
//! diagnosed with no added delay; changes that arrive while it scans are coalesced, and only
//! the latest version of each document is scanned next (a result for a version that is already
//! out of date is not published). Typing faster than a scan takes therefore never queues up
//! scans.
//!
//! Robustness: every request gets an answer (an error for unknown methods, bad parameters or
//! requests before `initialize`), notifications that cannot be used are dropped, unknown or
//! unopened documents yield empty answers, and a scan that panics yields no findings instead of
//! ending the server. Nothing is printed to stdout except protocol messages, and no message or
//! log line holds a secret (findings only carry masked values and hashes).

pub mod actions;
pub mod render;
pub mod rewrite;
pub mod state;
pub mod text;
mod transport;
pub mod watch;

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Notification as _, Progress, PublishDiagnostics, ShowMessage,
};
use lsp_types::request::{
    CodeActionRequest, ExecuteCommand, HoverRequest, RegisterCapability, Request as _,
    WorkDoneProgressCreate,
};
use lsp_types::{
    CodeActionOptions, CodeActionParams, CodeActionProviderCapability, DidChangeTextDocumentParams,
    DidChangeWatchedFilesParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DidSaveTextDocumentParams, ExecuteCommandOptions, ExecuteCommandParams, HoverParams,
    HoverProviderCapability, InitializeParams, InitializeResult, MessageType, NumberOrString,
    ProgressParams, ProgressParamsValue, PublishDiagnosticsParams, SaveOptions, ServerCapabilities,
    ServerInfo, ShowMessageParams, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri, WorkDoneProgress,
    WorkDoneProgressBegin, WorkDoneProgressCreateParams, WorkDoneProgressEnd,
    WorkDoneProgressReport,
};
use std::collections::{BTreeMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use crate::baseline::{Baseline, Entry};
use crate::finding::Finding;
use crate::rules::Registry;
use crate::scan::{self, ScanOptions, ScanSettings};
use crate::source::{self, Decoded};
use crate::walk::WalkOptions;
use actions::{ADD_TO_BASELINE, ActionContext, BaselineArgument};
use state::{Document, Documents, Workspace};
use text::LineIndex;

/// The progress token of the workspace scan.
const PROGRESS_TOKEN: &str = "keyless/workspace-scan";

/// How often the workspace scan reports how many files it has read.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(200);

/// Options the client may pass in `initializationOptions`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct InitializationOptions {
    /// The baseline file, relative to the workspace root (default `.keyless-baseline.json`).
    baseline: Option<PathBuf>,
    /// Skip the workspace scan on start (only open documents are diagnosed).
    no_workspace_scan: bool,
}

/// Serves the language server protocol on stdin and stdout until the client exits. Returns
/// true when the client shut the server down in order (`shutdown`, then `exit`).
pub fn run_stdio(registry: Registry) -> std::io::Result<bool> {
    let (connection, writer) = transport::stdio()?;
    let orderly = serve(connection, Arc::new(registry));
    writer.finish(Duration::from_secs(2));
    Ok(orderly)
}

/// Serves the protocol on `connection` (stdio, or [`Connection::memory`] in tests and
/// benchmarks) until `exit` or until the client hangs up. Returns true after an orderly
/// `shutdown` and `exit`.
pub fn serve(connection: Connection, registry: Arc<Registry>) -> bool {
    let Some((params, initialize_id)) = wait_for_initialize(&connection) else {
        return false;
    };
    let options: InitializationOptions = params
        .initialization_options
        .clone()
        .and_then(|value| serde_json::from_value(value).ok())
        .unwrap_or_default();
    let root = workspace_root(&params);
    let workspace = Workspace::load(&registry, root, options.baseline.clone());
    let result = InitializeResult {
        capabilities: capabilities(),
        server_info: Some(ServerInfo {
            name: "keyless".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
    };
    send(
        &connection.sender,
        Response::new_ok(initialize_id, result).into(),
    );
    let problems = workspace.problems.clone();
    let can_watch = watch::client_can_watch(&params);
    let shared = Arc::new(Shared {
        registry,
        sender: connection.sender.clone(),
        workspace: RwLock::new(Arc::new(workspace)),
        documents: Mutex::new(Documents::new()),
        workspace_published: Mutex::new(HashSet::new()),
        workspace_scans: AtomicUsize::new(0),
    });
    for problem in problems {
        shared.show_message(MessageType::WARNING, problem);
    }
    let (jobs, queue) = crossbeam_channel::unbounded::<Job>();
    let worker_shared = Arc::clone(&shared);
    let spawned = std::thread::Builder::new()
        .name("keyless-lsp-scan".into())
        .spawn(move || scan_worker(&worker_shared, &queue));
    if spawned.is_err() {
        return false;
    }
    let supports_progress = params
        .capabilities
        .window
        .as_ref()
        .and_then(|window| window.work_done_progress)
        .unwrap_or(false);
    let mut server = Server {
        shared,
        jobs,
        options,
        supports_progress,
        can_watch,
        progress_request: None,
        shutdown: false,
    };
    server.run(&connection.receiver)
}

/// Answers everything before `initialize` with an error; returns its parameters and id.
fn wait_for_initialize(connection: &Connection) -> Option<(InitializeParams, RequestId)> {
    for message in &connection.receiver {
        match message {
            Message::Request(request) if request.method == "initialize" => {
                match serde_json::from_value::<InitializeParams>(request.params) {
                    Ok(params) => return Some((params, request.id)),
                    Err(error) => send(
                        &connection.sender,
                        Response::new_err(
                            request.id,
                            ErrorCode::InvalidParams as i32,
                            format!("initialize: {}", redact(&error.to_string())),
                        )
                        .into(),
                    ),
                }
            }
            Message::Request(request) => send(
                &connection.sender,
                Response::new_err(
                    request.id,
                    ErrorCode::ServerNotInitialized as i32,
                    "the server is not initialized".to_owned(),
                )
                .into(),
            ),
            Message::Notification(notification) if notification.method == "exit" => return None,
            Message::Notification(_) | Message::Response(_) => {}
        }
    }
    None
}

/// The workspace folder, root URI or root path of the client, else the working directory.
fn workspace_root(params: &InitializeParams) -> PathBuf {
    let from_folders = params
        .workspace_folders
        .as_ref()
        .and_then(|folders| folders.first())
        .and_then(|folder| state::uri_to_path(folder.uri.as_str()));
    #[allow(deprecated, reason = "older clients only send rootUri or rootPath")]
    let from_root = params
        .root_uri
        .as_ref()
        .and_then(|uri| state::uri_to_path(uri.as_str()))
        .or_else(|| params.root_path.as_ref().map(PathBuf::from));
    from_folders
        .or(from_root)
        .filter(|root| root.is_dir())
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."))
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(true),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![lsp_types::CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![ADD_TO_BASELINE.to_owned()],
            ..ExecuteCommandOptions::default()
        }),
        ..ServerCapabilities::default()
    }
}

/// State shared by the main loop, the scan worker and the workspace scan.
struct Shared {
    registry: Arc<Registry>,
    sender: Sender<Message>,
    workspace: RwLock<Arc<Workspace>>,
    documents: Mutex<Documents>,
    /// The files the latest workspace scan published findings for, so that the next one can
    /// clear those that have none any more.
    workspace_published: Mutex<HashSet<String>>,
    /// Workspace scans started; a scan that is no longer the latest does not publish.
    workspace_scans: AtomicUsize,
}

impl Shared {
    fn workspace(&self) -> Arc<Workspace> {
        Arc::clone(
            &self
                .workspace
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    fn documents(&self) -> std::sync::MutexGuard<'_, Documents> {
        self.documents
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        send(
            &self.sender,
            Notification::new(N::METHOD.to_owned(), params).into(),
        );
    }

    fn publish(&self, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        self.notify::<PublishDiagnostics>(PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        });
    }

    fn show_message(&self, typ: MessageType, message: String) {
        self.notify::<ShowMessage>(ShowMessageParams { typ, message });
    }

    /// Scans a buffer; a panic in a parser becomes "no findings", not a dead server.
    fn scan(&self, workspace: &Workspace, path: &str, text: &str) -> Vec<Finding> {
        catch_unwind(AssertUnwindSafe(|| {
            workspace.scan_buffer(&self.registry, path, text)
        }))
        .unwrap_or_default()
    }

    /// The findings of an open document's current version: cached, or scanned now.
    fn findings_of(&self, uri: &str) -> Option<(Document, Arc<Vec<Finding>>)> {
        let document = self.documents().get(uri).cloned()?;
        if let Some((version, findings)) = &document.findings {
            if *version == document.version {
                let findings = Arc::clone(findings);
                return Some((document, findings));
            }
        }
        let findings = if document.excluded {
            Vec::new()
        } else {
            self.scan(&self.workspace(), &document.path, &document.text)
        };
        Some((document, Arc::new(findings)))
    }
}

fn send(sender: &Sender<Message>, message: Message) {
    // The client is gone when this fails; the main loop ends on its own then.
    let _ = sender.send(message);
}

/// Work for the scan worker.
enum Job {
    /// Scan an open document's latest version and publish.
    Open(String),
    /// Scan a file from disk (a document was closed, or the baseline changed) and publish.
    Disk(String),
}

impl Job {
    fn uri(&self) -> &str {
        match self {
            Job::Open(uri) | Job::Disk(uri) => uri,
        }
    }
}

/// Scans queued documents; everything queued while a scan runs is coalesced.
fn scan_worker(shared: &Shared, queue: &Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut pending = vec![first];
        while let Ok(next) = queue.try_recv() {
            pending.retain(|job| job.uri() != next.uri());
            pending.push(next);
        }
        for job in pending {
            // A bug in one document's scan or rendering must not stop diagnostics for all.
            let _ = catch_unwind(AssertUnwindSafe(|| match job {
                Job::Open(uri) => scan_open(shared, &uri),
                Job::Disk(uri) => scan_disk(shared, &uri),
            }));
        }
    }
}

fn scan_open(shared: &Shared, uri: &str) {
    let Some(document) = shared.documents().get(uri).cloned() else {
        return;
    };
    let Ok(lsp_uri) = Uri::from_str(uri) else {
        return;
    };
    let workspace = shared.workspace();
    let findings = if document.excluded {
        Vec::new()
    } else {
        shared.scan(&workspace, &document.path, &document.text)
    };
    let index = LineIndex::new(&document.text);
    let diagnostics = findings
        .iter()
        .map(|finding| render::diagnostic(&shared.registry, finding, &document.text, &index))
        .collect();
    let mut documents = shared.documents();
    match documents.get_mut(uri) {
        // A newer version is queued already: its scan publishes.
        Some(current) if current.version != document.version => {}
        Some(current) => {
            current.findings = Some((document.version, Arc::new(findings)));
            shared.publish(lsp_uri, diagnostics, Some(document.version));
        }
        None => {}
    }
}

fn scan_disk(shared: &Shared, uri: &str) {
    if shared.documents().contains_key(uri) {
        return scan_open(shared, uri);
    }
    let Ok(lsp_uri) = Uri::from_str(uri) else {
        return;
    };
    let workspace = shared.workspace();
    let diagnostics = state::uri_to_path(uri)
        .filter(|file| !workspace.excluded(file))
        .and_then(|file| {
            let path = workspace.relative_path(&file);
            file_diagnostics(shared, &workspace, &file, &path, None)
        })
        .unwrap_or_default();
    shared.publish(lsp_uri, diagnostics, None);
}

/// Diagnostics of a file on disk: the given findings (from a workspace scan), or a fresh scan.
fn file_diagnostics(
    shared: &Shared,
    workspace: &Workspace,
    file: &Path,
    path: &str,
    findings: Option<&[Finding]>,
) -> Option<Vec<lsp_types::Diagnostic>> {
    let metadata = std::fs::metadata(file).ok()?;
    if metadata.len() > workspace.max_file_size {
        return None;
    }
    let bytes = std::fs::read(file).ok()?;
    let Decoded::Text(source) = source::decode(&bytes) else {
        return None;
    };
    let text = source.text();
    let scanned;
    let findings = match findings {
        Some(findings) => findings,
        None => {
            scanned = shared.scan(workspace, path, text);
            &scanned
        }
    };
    let index = LineIndex::new(text);
    Some(
        findings
            .iter()
            .map(|finding| render::diagnostic(&shared.registry, finding, text, &index))
            .collect(),
    )
}

/// The workspace scan: every file under the root, as `keyless scan` at the root would read it.
fn workspace_scan(shared: &Shared, progress: bool) {
    let generation = shared.workspace_scans.fetch_add(1, Ordering::SeqCst) + 1;
    let workspace = shared.workspace();
    let token = NumberOrString::String(PROGRESS_TOKEN.to_owned());
    let report_progress = |value: WorkDoneProgress| {
        if progress {
            shared.notify::<Progress>(ProgressParams {
                token: token.clone(),
                value: ProgressParamsValue::WorkDone(value),
            });
        }
    };
    report_progress(WorkDoneProgress::Begin(WorkDoneProgressBegin {
        title: "keyless: scanning the workspace".to_owned(),
        cancellable: Some(false),
        message: Some(workspace.root.display().to_string()),
        percentage: None,
    }));
    let options = ScanOptions {
        walk: WalkOptions {
            roots: vec![workspace.root.clone()],
            threads: 0,
            follow_symlinks: false,
            respect_ignore_files: true,
            excludes: workspace.excludes.clone(),
        },
        max_file_size: workspace.max_file_size,
    };
    let settings = ScanSettings {
        policy: workspace.policy_copy(&shared.registry),
        ..ScanSettings::default()
    };
    let files_seen = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let outcome = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(PROGRESS_INTERVAL);
                if !done.load(Ordering::Relaxed) {
                    report_progress(WorkDoneProgress::Report(WorkDoneProgressReport {
                        message: Some(format!("{} files", files_seen.load(Ordering::Relaxed))),
                        ..WorkDoneProgressReport::default()
                    }));
                }
            }
        });
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            scan::scan_with(&shared.registry, &options, &settings, &files_seen)
        }));
        done.store(true, Ordering::Relaxed);
        outcome
    });
    let message = match outcome {
        Ok(Ok(_)) if shared.workspace_scans.load(Ordering::SeqCst) != generation => {
            "superseded by a newer workspace scan".to_owned()
        }
        Ok(Ok(report)) => {
            let findings = workspace.apply_baseline(report.findings);
            let mut by_path: BTreeMap<&str, Vec<Finding>> = BTreeMap::new();
            for finding in &findings {
                by_path
                    .entry(finding.path.as_str())
                    .or_default()
                    .push(finding.clone());
            }
            let mut published = HashSet::new();
            for (path, findings) in &by_path {
                let file = workspace.root.join(path);
                let uri = state::path_to_uri(&file);
                if shared.documents().contains_key(&uri) {
                    continue;
                }
                published.insert(uri.clone());
                let (Ok(lsp_uri), Some(diagnostics)) = (
                    Uri::from_str(&uri),
                    file_diagnostics(shared, &workspace, &file, path, Some(findings)),
                ) else {
                    continue;
                };
                shared.publish(lsp_uri, diagnostics, None);
            }
            // Files that had findings before a settings change and have none now.
            let before = std::mem::replace(
                &mut *shared
                    .workspace_published
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner),
                published.clone(),
            );
            for uri in before.difference(&published) {
                if shared.documents().contains_key(uri) {
                    continue;
                }
                if let Ok(lsp_uri) = Uri::from_str(uri) {
                    shared.publish(lsp_uri, Vec::new(), None);
                }
            }
            format!(
                "{} files, {} findings in {} files",
                report.stats.files_scanned,
                findings.len(),
                by_path.len()
            )
        }
        Ok(Err(error)) => format!("workspace scan failed: {error}"),
        Err(_) => "workspace scan failed".to_owned(),
    };
    report_progress(WorkDoneProgress::End(WorkDoneProgressEnd {
        message: Some(message),
    }));
}

/// The main loop's state.
struct Server {
    shared: Arc<Shared>,
    jobs: Sender<Job>,
    options: InitializationOptions,
    supports_progress: bool,
    /// The client watches files for us (`workspace/didChangeWatchedFiles`, dynamic registration).
    can_watch: bool,
    /// The id of our `window/workDoneProgress/create` request, until the client answers.
    progress_request: Option<RequestId>,
    shutdown: bool,
}

/// Why a request could not be answered.
struct RequestError {
    code: ErrorCode,
    message: String,
}

impl RequestError {
    fn params(error: &serde_json::Error) -> Self {
        Self {
            code: ErrorCode::InvalidParams,
            message: format!("invalid params: {}", redact(&error.to_string())),
        }
    }
}

/// A parse error without the longer strings it quotes from the input: they may be a secret.
pub(crate) fn redact(message: &str) -> String {
    static QUOTED: std::sync::LazyLock<Option<regex::Regex>> =
        std::sync::LazyLock::new(|| regex::Regex::new(r#""[^"]{9,}""#).ok());
    match QUOTED.as_ref() {
        Some(quoted) => quoted.replace_all(message, "\"…\"").into_owned(),
        None => message.to_owned(),
    }
}

impl Server {
    fn run(&mut self, receiver: &Receiver<Message>) -> bool {
        for message in receiver {
            match message {
                Message::Request(request) => self.on_request(request),
                Message::Notification(notification) => {
                    if notification.method == "exit" {
                        return self.shutdown;
                    }
                    self.on_notification(notification);
                }
                Message::Response(response) => self.on_response(&response),
            }
        }
        false
    }

    fn reply(&self, response: Response) {
        send(&self.shared.sender, response.into());
    }

    fn on_request(&mut self, request: Request) {
        let id = request.id.clone();
        if self.shutdown {
            return self.reply(Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".to_owned(),
            ));
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| self.handle_request(request)));
        let response = match outcome {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err(error)) => Response::new_err(id, error.code as i32, error.message),
            Err(_) => Response::new_err(
                id,
                ErrorCode::InternalError as i32,
                "internal error".to_owned(),
            ),
        };
        self.reply(response);
    }

    fn handle_request(&mut self, request: Request) -> Result<serde_json::Value, RequestError> {
        fn params<P: serde::de::DeserializeOwned>(request: Request) -> Result<P, RequestError> {
            serde_json::from_value(request.params).map_err(|error| RequestError::params(&error))
        }
        let value = match request.method.as_str() {
            HoverRequest::METHOD => serde_json::to_value(self.hover(&params(request)?)),
            CodeActionRequest::METHOD => serde_json::to_value(self.code_actions(&params(request)?)),
            ExecuteCommand::METHOD => {
                self.execute_command(params(request)?)?;
                Ok(serde_json::Value::Null)
            }
            "shutdown" => {
                self.shutdown = true;
                Ok(serde_json::Value::Null)
            }
            "initialize" => {
                return Err(RequestError {
                    code: ErrorCode::InvalidRequest,
                    message: "initialize was already received".to_owned(),
                });
            }
            method => {
                return Err(RequestError {
                    code: ErrorCode::MethodNotFound,
                    message: format!("unknown method {method}"),
                });
            }
        };
        value.map_err(|error| RequestError {
            code: ErrorCode::InternalError,
            message: error.to_string(),
        })
    }

    fn on_notification(&mut self, notification: Notification) {
        let _ = catch_unwind(AssertUnwindSafe(|| self.handle_notification(notification)));
    }

    fn handle_notification(&mut self, notification: Notification) {
        fn params<P: serde::de::DeserializeOwned>(notification: Notification) -> Option<P> {
            serde_json::from_value(notification.params).ok()
        }
        match notification.method.as_str() {
            "initialized" => {
                self.watch_settings_files();
                self.start_workspace_scan();
            }
            DidChangeWatchedFiles::METHOD => {
                if let Some(params) = params(notification) {
                    self.did_change_watched_files(&params);
                }
            }
            DidOpenTextDocument::METHOD => {
                if let Some(params) = params(notification) {
                    self.did_open(params);
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Some(params) = params(notification) {
                    self.did_change(params);
                }
            }
            DidSaveTextDocument::METHOD => {
                if let Some(params) = params(notification) {
                    self.did_save(params);
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Some(params) = params::<DidCloseTextDocumentParams>(notification) {
                    let uri = params.text_document.uri.as_str().to_owned();
                    self.shared.documents().remove(&uri);
                    self.queue(Job::Disk(uri));
                }
            }
            _ => {}
        }
    }

    fn on_response(&mut self, response: &Response) {
        if self.progress_request.as_ref() == Some(&response.id) {
            self.progress_request = None;
            self.spawn_workspace_scan(response.response_result.is_ok());
        }
    }

    fn queue(&self, job: Job) {
        let _ = self.jobs.send(job);
    }

    fn start_workspace_scan(&mut self) {
        if self.options.no_workspace_scan {
            return;
        }
        if !self.supports_progress {
            return self.spawn_workspace_scan(false);
        }
        let id = RequestId::from(format!("{PROGRESS_TOKEN}/create"));
        self.progress_request = Some(id.clone());
        let request = Request::new(
            id,
            WorkDoneProgressCreate::METHOD.to_owned(),
            WorkDoneProgressCreateParams {
                token: NumberOrString::String(PROGRESS_TOKEN.to_owned()),
            },
        );
        send(&self.shared.sender, request.into());
    }

    fn spawn_workspace_scan(&self, progress: bool) {
        let shared = Arc::clone(&self.shared);
        let _ = std::thread::Builder::new()
            .name("keyless-lsp-workspace".into())
            .spawn(move || workspace_scan(&shared, progress));
    }

    fn did_open(&mut self, params: DidOpenTextDocumentParams) {
        let item = params.text_document;
        let uri = item.uri.as_str().to_owned();
        let workspace = self.shared.workspace();
        let file = state::uri_to_path(&uri);
        let (path, excluded) = match &file {
            Some(file) => (workspace.relative_path(file), workspace.excluded(file)),
            None => (untitled_path(&uri, &item.language_id), false),
        };
        self.shared.documents().insert(
            uri.clone(),
            Document {
                version: item.version,
                text: Arc::new(item.text),
                path,
                file,
                excluded,
                findings: None,
            },
        );
        self.queue(Job::Open(uri));
    }

    fn did_change(&mut self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri.as_str().to_owned();
        {
            let mut documents = self.shared.documents();
            let Some(document) = documents.get_mut(&uri) else {
                return;
            };
            let mut text = String::clone(&document.text);
            for change in params.content_changes {
                text::apply_change(&mut text, change);
            }
            document.text = Arc::new(text);
            document.version = params.text_document.version;
            document.findings = None;
        }
        self.queue(Job::Open(uri));
    }

    fn did_save(&mut self, params: DidSaveTextDocumentParams) {
        let uri = params.text_document.uri.as_str().to_owned();
        if let Some(text) = params.text {
            if let Some(document) = self.shared.documents().get_mut(&uri) {
                if *document.text != text {
                    document.text = Arc::new(text);
                    document.findings = None;
                }
            }
        }
        let workspace = self.shared.workspace();
        let saved = state::uri_to_path(&uri);
        let settings_changed = saved
            .as_ref()
            .is_some_and(|file| watch::is_settings_file(&workspace, file));
        if settings_changed {
            self.reload_workspace();
        } else {
            self.queue(Job::Open(uri));
        }
    }

    /// Asks the client to tell us when `keyless.toml`, an ignore file or the baseline changes
    /// on disk.
    fn watch_settings_files(&self) {
        if !self.can_watch {
            return;
        }
        let request = Request::new(
            RequestId::from(watch::REGISTRATION_ID.to_owned()),
            RegisterCapability::METHOD.to_owned(),
            watch::registration(&self.shared.workspace()),
        );
        send(&self.shared.sender, request.into());
    }

    /// A watched file changed on disk (or was created or deleted).
    fn did_change_watched_files(&self, params: &DidChangeWatchedFilesParams) {
        let workspace = self.shared.workspace();
        let settings_changed = params.changes.iter().any(|change| {
            state::uri_to_path(change.uri.as_str())
                .is_some_and(|file| watch::is_settings_file(&workspace, &file))
        });
        if settings_changed {
            self.reload_workspace();
        }
    }

    /// Reads `keyless.toml`, the ignore files and the baseline again, rescans every open
    /// document and, unless it is turned off, the workspace.
    fn reload_workspace(&self) {
        let current = self.shared.workspace();
        let workspace = Workspace::load(
            &self.shared.registry,
            current.root.clone(),
            self.options.baseline.clone(),
        );
        for problem in &workspace.problems {
            self.shared
                .show_message(MessageType::WARNING, problem.clone());
        }
        *self
            .shared
            .workspace
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(workspace);
        let workspace = self.shared.workspace();
        let open: Vec<String> = {
            let mut documents = self.shared.documents();
            for document in documents.values_mut() {
                document.findings = None;
                if let Some(file) = &document.file {
                    document.excluded = workspace.excluded(file);
                }
            }
            documents.keys().cloned().collect()
        };
        for uri in open {
            self.queue(Job::Open(uri));
        }
        if !self.options.no_workspace_scan {
            self.spawn_workspace_scan(false);
        }
    }

    fn hover(&self, params: &HoverParams) -> Option<lsp_types::Hover> {
        let position = &params.text_document_position_params;
        let uri = position.text_document.uri.as_str();
        let (document, findings) = self.shared.findings_of(uri)?;
        let index = LineIndex::new(&document.text);
        let offset = index.offset(&document.text, position.position);
        let finding = findings.iter().find(|finding| {
            finding.byte_range.start <= offset && offset <= finding.byte_range.end
        })?;
        let range = index.range(&document.text, finding.byte_range.clone());
        Some(render::hover(&self.shared.registry, finding, range))
    }

    fn code_actions(&self, params: &CodeActionParams) -> Vec<lsp_types::CodeActionOrCommand> {
        let uri = &params.text_document.uri;
        let Some((document, findings)) = self.shared.findings_of(uri.as_str()) else {
            return Vec::new();
        };
        let index = LineIndex::new(&document.text);
        let start = index.offset(&document.text, params.range.start);
        let end = index.offset(&document.text, params.range.end).max(start);
        let context = ActionContext {
            uri,
            path: &document.path,
            text: &document.text,
            index: &index,
        };
        findings
            .iter()
            .filter(|finding| finding.byte_range.start <= end && start <= finding.byte_range.end)
            .flat_map(|finding| {
                let diagnostic =
                    render::diagnostic(&self.shared.registry, finding, &document.text, &index);
                actions::for_finding(&context, finding, diagnostic)
            })
            .collect()
    }

    fn execute_command(&self, params: ExecuteCommandParams) -> Result<(), RequestError> {
        if params.command != ADD_TO_BASELINE {
            return Err(RequestError {
                code: ErrorCode::InvalidParams,
                message: format!("unknown command {}", params.command),
            });
        }
        let argument: BaselineArgument = params
            .arguments
            .into_iter()
            .next()
            .ok_or_else(|| RequestError {
                code: ErrorCode::InvalidParams,
                message: format!("{ADD_TO_BASELINE} needs one argument"),
            })
            .and_then(|value| {
                serde_json::from_value(value).map_err(|error| RequestError::params(&error))
            })?;
        let workspace = self.shared.workspace();
        let failed = |error: crate::baseline::BaselineError| RequestError {
            code: ErrorCode::InternalError,
            message: error.to_string(),
        };
        let mut baseline = if workspace.baseline_path.is_file() {
            Baseline::load(&workspace.baseline_path).map_err(failed)?
        } else {
            Baseline::default()
        };
        baseline.insert(Entry {
            rule: argument.rule,
            path: argument.path,
            secret_sha256: argument.secret_sha256,
        });
        baseline.save(&workspace.baseline_path).map_err(failed)?;
        self.reload_workspace();
        self.queue(Job::Disk(argument.uri));
        Ok(())
    }
}

/// A path for a document that is not a file (an unsaved buffer): named after its language so
/// that format-specific rules apply (`untitled.yaml`).
fn untitled_path(uri: &str, language_id: &str) -> String {
    let extension = match language_id {
        "yaml" | "dockercompose" | "github-actions-workflow" | "azure-pipelines" => "yaml",
        "json" | "jsonc" => "json",
        "xml" => "xml",
        "bicep" => "bicep",
        "terraform" | "hcl" => "tf",
        "dotenv" | "env" | "properties" | "ini" => "env",
        "csharp" => "cs",
        "python" => "py",
        "javascript" | "javascriptreact" => "js",
        "typescript" | "typescriptreact" => "ts",
        "java" => "java",
        "go" => "go",
        "powershell" => "ps1",
        "rust" => "rs",
        _ => {
            let name = uri.rsplit(['/', ':']).next().unwrap_or("untitled");
            return name.to_owned();
        }
    };
    format!("untitled.{extension}")
}
