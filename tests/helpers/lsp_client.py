"""The test client and helpers for the end-to-end language-server tests (fixtures: conftest.py).

`Client` is pytest-lsp's client (a real LSP client over stdio) that also keeps every
publishDiagnostics with its version, answers registrations and code-lens refreshes, records (and
refuses) any workspace/applyEdit, and has shortcuts for opening, editing and closing documents and
for running commands.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar, Union

from cattrs import Converter
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

EDITORS = ["visual-studio-code", "neovim"]
# Upper bounds for a reply, not timing assertions: generous, because CI machines can be loaded.
TIMEOUT = 60.0

# Two functions of 4+ non-blank lines and 24+ tokens: both are judged with the default settings.
PY_DOC = """\
def alpha(values):
    total = 0
    for v in values:
        total += v * 2
    return total


def beta(text):
    words = text.split()
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    return counts
"""


class Client(LanguageClient):
    """pytest-lsp's client, also keeping every publishDiagnostics with its version."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.published: list[types.PublishDiagnosticsParams] = []
        self.registrations: list[types.Registration] = []
        self.lens_refreshes = 0
        self.apply_edits: list[types.ApplyWorkspaceEditParams] = []  # codeorigin never sends one
        self.encoding = "utf-16"
        self.server_capabilities = types.ServerCapabilities()

    # Helpers ------------------------------------------------------------------------------------

    def open(self, uri: str, text: str, language: str = "python", version: int = 1) -> None:
        self.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, language, version, text))
        )

    def edit(
        self, uri: str, version: int, start: tuple[int, int], end: tuple[int, int], text: str
    ) -> None:
        self.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                [
                    types.TextDocumentContentChangePartial(
                        range=types.Range(types.Position(*start), types.Position(*end)), text=text
                    )
                ],
            )
        )

    def close(self, uri: str) -> None:
        self.text_document_did_close(
            types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
        )

    async def published_for(
        self, uri: str, version: int | None = None, *, after: int = 0, timeout: float = TIMEOUT
    ) -> types.PublishDiagnosticsParams:
        """The first publishDiagnostics for `uri` (and `version`) at index `after` or later."""

        async def poll() -> types.PublishDiagnosticsParams:
            while True:
                for params in self.published[after:]:
                    if params.uri == uri and (version is None or params.version == version):
                        return params
                await asyncio.sleep(0.02)

        return await asyncio.wait_for(poll(), timeout)

    async def log_matching(self, text: str, timeout: float = TIMEOUT) -> types.LogMessageParams:
        """The first `window/logMessage` holding `text`, waiting for it at most `timeout`."""
        return await _first_holding(self.log_messages, text, timeout)

    async def message_matching(
        self, text: str, timeout: float = TIMEOUT
    ) -> types.ShowMessageParams:
        """The first `window/showMessage` holding `text`, waiting for it at most `timeout`."""
        return await _first_holding(self.messages, text, timeout)

    async def command(self, name: str, *arguments: Any) -> Any:
        return await asyncio.wait_for(
            self.workspace_execute_command_async(
                types.ExecuteCommandParams(command=name, arguments=list(arguments))
            ),
            TIMEOUT,
        )

    async def status(self, uri: str | None = None) -> dict[str, Any]:
        return await self.command("codeorigin.status", *([uri] if uri else []))

    async def change_configuration(
        self, settings: dict[str, Any], scope_uri: str | None = None
    ) -> None:
        """Change the answer to workspace/configuration and tell the server (as VS Code does)."""
        self.set_configuration(settings, section="codeorigin", scope_uri=scope_uri)
        self.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))


def _converter() -> Converter:
    """pygls' converter, except that a CodeAction carrying a command is not mistaken for a Command.

    lsprotocol treats any item of a textDocument/codeAction answer with a "command" key as a
    Command, so a CodeAction with a command (the LSP way to run one) loses its command. Editors
    tell them apart by the type of "command" (a string only in a Command); so does this.
    """
    converter = default_converter()

    def command_or_action(obj: Any, _: Any) -> types.Command | types.CodeAction:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, types.Command)
        return converter.structure(obj, types.CodeAction)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], command_or_action)  # noqa: UP007
    return converter


_Message = TypeVar("_Message", types.LogMessageParams, types.ShowMessageParams)


async def _first_holding(received: list[_Message], text: str, timeout: float) -> _Message:
    """The first message of `received` (a list the client appends to) whose text holds `text`."""

    async def poll() -> _Message:
        while True:
            for m in received:
                if text in m.message:
                    return m
            await asyncio.sleep(0.02)

    return await asyncio.wait_for(poll(), timeout)


def _answering(answer: Callable[[Client, Any], Any]) -> Callable[[Client, Any], Any]:
    """`answer` as pygls calls a client handler: it passes the client only to a first parameter
    typed as the client (or named `ls`), so a plain `lambda client, params: ...` was never called."""

    def handler(client: Client, params: Any) -> Any:
        return answer(client, params)

    return handler


def make_client(**answers: Any) -> Client:
    """A test client; `answers` replace its handlers of server requests by method name with
    underscores (`workspace_configuration=lambda client, params: None`)."""
    client = Client(converter_factory=_converter)

    def publish(client: Client, params: types.PublishDiagnosticsParams) -> None:
        client.published.append(params)
        client.diagnostics[params.uri] = params.diagnostics

    def register_capability(client: Client, params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)

    def unregister_capability(client: Client, params: types.UnregistrationParams) -> None:
        gone = {u.id for u in params.unregisterations}
        client.registrations[:] = [r for r in client.registrations if r.id not in gone]

    def code_lens_refresh(client: Client, params: None) -> None:
        client.lens_refreshes += 1

    def apply_edit(
        client: Client, params: types.ApplyWorkspaceEditParams
    ) -> types.ApplyWorkspaceEditResult:
        client.apply_edits.append(params)
        return types.ApplyWorkspaceEditResult(applied=False, failure_reason="refused by the test")

    register_lsp_features(
        client,
        {
            **DEFAULT_CLIENT_FEATURES,
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
            types.CLIENT_REGISTER_CAPABILITY: register_capability,
            types.CLIENT_UNREGISTER_CAPABILITY: unregister_capability,
            types.WORKSPACE_CODE_LENS_REFRESH: code_lens_refresh,
            types.WORKSPACE_APPLY_EDIT: apply_edit,
            **{method.replace("_", "/"): _answering(answer) for method, answer in answers.items()},
        },
    )
    return client


def capabilities(editor: str, **changes: Any) -> types.ClientCapabilities:
    """An editor's recorded capabilities, optionally changed:
    `hover_formats=["plaintext"]`, `pull=True`, `configuration=False`."""
    caps = client_capabilities(editor)
    if "hover_formats" in changes:
        assert caps.text_document is not None and caps.text_document.hover is not None
        caps.text_document.hover.content_format = changes["hover_formats"]
    if changes.get("pull"):
        assert caps.text_document is not None and caps.workspace is not None
        caps.text_document.diagnostic = types.DiagnosticClientCapabilities(
            dynamic_registration=False
        )
        caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(
            refresh_support=True
        )
    if changes.get("configuration") is False:
        assert caps.workspace is not None
        caps.workspace.configuration = False
    return caps


class Start(Protocol):
    def __call__(
        self,
        editor: str = ...,
        *,
        caps: types.ClientCapabilities | None = ...,
        init: dict[str, Any] | None = ...,
        config: dict[str, Any] | None = ...,
        folders: list[Path] | None = ...,
        folder_config: dict[Path, dict[str, Any]] | None = ...,
        model: Path | str | None = ...,
    ) -> Awaitable[Client]: ...


def uri_in(root: Path, name: str) -> str:
    return (root / name).as_uri()


def units(text: str, encoding: str) -> int:
    """Length of `text` in LSP code units."""
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le")) // 2
