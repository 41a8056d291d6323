"""End-to-end tests of `keyless lsp` with a real LSP client (pytest-lsp).

Run by tests/lsp_e2e.rs, which passes the binary in KEYLESS_BIN:

    KEYLESS_BIN=target/debug/keyless python3 -m pytest tests/lsp

The keys are the fake ones of fixtures/demo-app.
"""

import asyncio
import atexit
import os
import pathlib
import shutil
import tempfile

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

KEYLESS = os.environ.get("KEYLESS_BIN", "keyless")
ROOT = pathlib.Path(tempfile.mkdtemp(prefix="keyless-lsp-e2e-")).resolve()
atexit.register(shutil.rmtree, ROOT, ignore_errors=True)
KEY = "9EGD3FAKEZDC4WPCrGWwArWXYleF1XbRsMwBOWcAnlXjaYfV75NmCjWdJhAd1Zm9l2MzysxYh+uoQULkx9ZbuA=="
CONNECTION = (
    "DefaultEndpointsProtocol=https;AccountName=contosofakefunc;"
    f"AccountKey={KEY};EndpointSuffix=core.windows.net"
)
READER_GUID = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[KEYLESS, "lsp"]))
async def client(lsp_client: LanguageClient):
    registrations = []

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def on_register(params: types.RegistrationParams):
        registrations.append(params)

    lsp_client.keyless_registrations = registrations
    params = types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=ROOT.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=ROOT.as_uri(), name="e2e")],
    )
    result = await lsp_client.initialize_session(params)
    assert result.server_info is not None and result.server_info.name == "keyless"
    yield
    await lsp_client.shutdown_session()


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def diagnostics_for(client: LanguageClient, uri: str, accept, timeout=15.0):
    """Waits until the diagnostics published for `uri` satisfy `accept`."""

    async def wait():
        while True:
            current = client.diagnostics.get(uri)
            if current is not None and accept(current):
                return current
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    return await asyncio.wait_for(wait(), timeout)


def open_document(client: LanguageClient, name: str, language: str, text: str) -> str:
    uri = (ROOT / name).as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language, version=1, text=text
            )
        )
    )
    return uri


def apply_edits(text: str, edits) -> str:
    """Applies LSP text edits (UTF-16 positions) to `text`."""
    lines = text.split("\n")

    def offset(position: types.Position) -> int:
        before = sum(len(line) + 1 for line in lines[: position.line])
        line = lines[position.line] if position.line < len(lines) else ""
        units, chars = 0, 0
        for char in line:
            if units >= position.character:
                break
            units += utf16_len(char)
            chars += 1
        return before + chars

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = offset(edit.range.start), offset(edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
    return text


async def test_diagnostic_on_the_key_then_cleared_when_edited_away(client: LanguageClient):
    line = f"X=é😀 {CONNECTION}"
    uri = open_document(client, "app.env", "dotenv", f"# settings\n{line}\n")
    diagnostics = await diagnostics_for(client, uri, lambda found: len(found) == 1)
    diagnostic = diagnostics[0]
    start = utf16_len(line[: line.index(KEY)])
    assert diagnostic.range == types.Range(
        start=types.Position(line=1, character=start),
        end=types.Position(line=1, character=start + len(KEY)),
    )
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.code == "storage-account-key"
    assert diagnostic.source == "keyless"
    assert "[storage]" in diagnostic.message and READER_GUID in diagnostic.message
    assert KEY not in diagnostic.message
    assert diagnostic.code_description is not None
    assert diagnostic.code_description.href.endswith("/rules/storage.yaml")

    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=1, character=0),
                        end=types.Position(line=2, character=0),
                    ),
                    text="STORAGE_ACCOUNT=contosofakefunc\n",
                )
            ],
        )
    )
    await diagnostics_for(client, uri, lambda found: len(found) == 0)


async def test_suppression_code_action_is_a_well_formed_comment(client: LanguageClient):
    text = f"app:\n  storage: \"{CONNECTION}\"\n"
    uri = open_document(client, "app.yaml", "yaml", text)
    diagnostics = await diagnostics_for(client, uri, lambda found: len(found) == 1)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostics[0].range,
            context=types.CodeActionContext(diagnostics=list(diagnostics)),
        )
    )
    assert actions
    titles = [action.title for action in actions]
    suppress = next(a for a in actions if isinstance(a, types.CodeAction) and "Suppress" in a.title)
    assert suppress.kind == types.CodeActionKind.QuickFix
    assert suppress.edit is not None and suppress.edit.changes is not None
    edits = suppress.edit.changes[uri]
    assert len(edits) == 1
    edit = edits[0]
    assert edit.range.start == edit.range.end == types.Position(line=1, character=0)
    assert edit.new_text == "  # keyless:ignore[storage-account-key]\n"
    assert any("baseline" in title for title in titles), titles

    fixed = apply_edits(text, edits)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
        )
    )
    await diagnostics_for(client, uri, lambda found: len(found) == 0)


async def test_hover_shows_the_role_guid(client: LanguageClient):
    uri = open_document(client, "Program.cs", "csharp", f'var c = new BlobServiceClient("{CONNECTION}");\n')
    diagnostics = await diagnostics_for(client, uri, lambda found: len(found) >= 1)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=diagnostics[0].range.start,
        )
    )
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert READER_GUID in hover.contents.value
    assert "Storage Blob Data Reader" in hover.contents.value
    assert KEY not in hover.contents.value


async def test_the_workspace_scan_reports_progress(client: LanguageClient):
    async def ended():
        while True:
            reports = client.progress_reports.get("keyless/workspace-scan", [])
            if any(isinstance(report, types.WorkDoneProgressEnd) for report in reports):
                return reports
            await asyncio.sleep(0.05)

    reports = await asyncio.wait_for(ended(), 15.0)
    assert isinstance(reports[0], types.WorkDoneProgressBegin)


async def test_settings_changed_on_disk_change_the_diagnostics(client: LanguageClient):
    """keyless.toml and .keylessignore are changed on disk, never opened: the client reports
    the change through the watchers the server registered, and the diagnostics follow, for an
    open document and for a file the workspace scan reported."""

    async def registered():
        while not client.keyless_registrations:
            await asyncio.sleep(0.05)
        return client.keyless_registrations[0]

    registration = (await asyncio.wait_for(registered(), 15.0)).registrations[0]
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    patterns = [watcher["globPattern"] for watcher in registration.register_options["watchers"]]
    for wanted in ("**/keyless.toml", "**/.keylessignore", "**/.keyless-baseline.json"):
        assert wanted in patterns, patterns

    watched = ROOT / "watched"
    config = ROOT / "keyless.toml"
    ignore = ROOT / ".keylessignore"

    def changed(path: pathlib.Path, kind: types.FileChangeType):
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=path.as_uri(), type=kind)]
            )
        )

    try:
        watched.mkdir()
        on_disk = watched / "settings.env"
        on_disk.write_text(f"STORAGE={CONNECTION}\n")
        uri = open_document(client, "watched/open.env", "dotenv", f"STORAGE={CONNECTION}\n")
        found = await diagnostics_for(client, uri, lambda found: len(found) == 1)
        assert found[0].severity == types.DiagnosticSeverity.Error

        config.write_text('[[overrides]]\npaths = ["watched"]\nlevel = "note"\n')
        changed(config, types.FileChangeType.Created)
        as_note = lambda found: len(found) == 1 and found[0].severity == types.DiagnosticSeverity.Information
        await diagnostics_for(client, uri, as_note)
        await diagnostics_for(client, on_disk.as_uri(), as_note)

        ignore.write_text("watched/\n")
        changed(ignore, types.FileChangeType.Created)
        await diagnostics_for(client, uri, lambda found: len(found) == 0)
        await diagnostics_for(client, on_disk.as_uri(), lambda found: len(found) == 0)
    finally:
        for path in (config, ignore):
            path.unlink(missing_ok=True)
        shutil.rmtree(watched, ignore_errors=True)
