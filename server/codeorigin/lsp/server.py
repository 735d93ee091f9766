"""The codeorigin language server: its state, its assembly from feature modules, and `serve`.

`CodeOriginServer` holds what the features share: the settings, the loaded models, the analyses
of open documents, the single model thread, and what the client can do. Each feature lives in its
own module with a `register(server)` function; `create_server` calls them. `serve` runs the server
on stdio or TCP, `main(argv)` is `python -m codeorigin.lsp`, and `codeorigin serve` calls `serve`.

stdout is the LSP channel: nothing else may write to it. Logs go to stderr and, from warnings up,
to the client's log (`window/logMessage`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.workspace import TextDocument

from codeorigin.lsp import code_lens, diagnostics, inlay_hints
from codeorigin.lsp.analysis import Analyzer
from codeorigin.lsp.baselines import BaselineStore
from codeorigin.lsp.capabilities import ClientFeatures
from codeorigin.lsp.configuration import SettingsStore
from codeorigin.lsp.explanations import Explanations
from codeorigin.lsp.models import ModelRegistry

log = logging.getLogger(__name__)

NAME = "codeorigin"


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("codeorigin")
    except Exception:
        return "0+unknown"


_ANSWERED = object()  # a message refused while it was read: nothing more to do


class CodeOriginProtocol(LanguageServerProtocol):
    """pygls' protocol, except for messages whose params cannot be read (a negative position, a
    string for a number). pygls drops them with "Error in server: Invalid Params" shown to the
    user, so the client waits for ever for the answer to such a request. Here a request gets an
    error response with its id, as JSON-RPC says, and a notification is logged and ignored."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            method = data.get("method")
            if not isinstance(method, str) or "error" in data:
                raise  # a response from the client: pygls reports it
            detail = f"{error.message}: {error.__cause__}" if error.__cause__ else error.message
            if "id" not in data:
                log.warning("ignoring %s with unreadable params (%s)", method, detail)
                return _ANSWERED
            log.warning("refusing %s with unreadable params (%s)", method, detail)
            error.message = f"{method}: {detail}"
            self._send_response(data["id"], None, error.to_response_error())
            return _ANSWERED

    def handle_message(self, message: Any) -> None:
        if message is not _ANSWERED:
            super().handle_message(message)

    def _handle_response(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        # A client's late answer to a request the server has given up on (its future cancelled
        # after a timeout, or the request superseded): pygls would call set_result on the
        # cancelled future and show "Error in server: CANCELLED" to the user. Drop it instead.
        future = self._request_futures.get(msg_id)
        if future is not None and future.done():
            self._request_futures.pop(msg_id, None)
            log.debug("dropping the late response to request %s", msg_id)
            return
        super()._handle_response(msg_id, result, error)


class CodeOriginServer(LanguageServer):
    """A pygls server with codeorigin's shared state."""

    def __init__(self, *, model: Path | None = None, threads: int | None = None) -> None:
        super().__init__(
            NAME,
            _version(),
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=CodeOriginProtocol,
        )
        # One model thread: onnxruntime already uses `threads` cores, and the machine is shared.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="codeorigin-model")
        self.client = ClientFeatures()
        self.settings = SettingsStore({"threads": threads} if threads is not None else None)
        self.models = ModelRegistry(self, model)
        self.analyzer = Analyzer(self)
        self.baselines = BaselineStore(self)
        self.explanations = Explanations(self)  # Integrated Gradients, on their own thread
        self._shown: set[str] = set()
        self._log_handler: ClientLogHandler | None = None

    def open_document(self, uri: str) -> TextDocument | None:
        """An open document, or None (never a file read from disk)."""
        return self.workspace.text_documents.get(unquote(uri))

    def notify_user(
        self, message: str, kind: types.MessageType = types.MessageType.Info, *, once: bool = False
    ) -> None:
        """Show a message (`window/showMessage`); with `once`, a message already shown is not."""
        if once:
            if message in self._shown:
                return
            self._shown.add(message)
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def forget_message(self, message: str) -> None:
        self._shown.discard(message)

    def refresh_views(self) -> None:
        """Ask the client to re-request what it pulls (diagnostics, lenses, inlay hints) after
        results changed without an edit."""
        if not self.analyzer.open_uris():
            return
        diagnostics.refresh(self)
        code_lens.refresh(self)
        inlay_hints.refresh(self)

    @staticmethod
    def fire_and_forget(request: Future[Any]) -> None:
        """Let a request to the client (a refresh) fail quietly: it is a courtesy."""

        def done(future: Future[Any]) -> None:
            if not future.cancelled() and future.exception() is not None:
                log.debug("client request failed: %s", future.exception())

        request.add_done_callback(done)

    def attach_client_log(self) -> None:
        """Send codeorigin's warnings and errors to the client's log too (call on the loop)."""
        if self._log_handler is None:
            self._log_handler = ClientLogHandler(self, asyncio.get_running_loop())
            self._log_handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
            logging.getLogger("codeorigin").addHandler(self._log_handler)

    def shutdown(self) -> None:
        if self._log_handler is not None:
            logging.getLogger("codeorigin").removeHandler(self._log_handler)
            self._log_handler = None
        self.analyzer.shutdown()
        self.explanations.shutdown()
        self.executor.shutdown(wait=False, cancel_futures=True)
        super().shutdown()


class ClientLogHandler(logging.Handler):
    """Forwards log records to the client's log, from whichever thread logs them."""

    def __init__(self, server: CodeOriginServer, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(logging.WARNING)
        self._server = server
        self._loop = loop
        self._thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if self._server.protocol.writer is None or self._loop.is_closed():
            return
        kind = (
            types.MessageType.Error
            if record.levelno >= logging.ERROR
            else types.MessageType.Warning
        )
        params = types.LogMessageParams(type=kind, message=self.format(record))
        try:
            if threading.get_ident() == self._thread:
                self._server.window_log_message(params)
            else:
                self._loop.call_soon_threadsafe(self._server.window_log_message, params)
        except Exception:  # logging must never raise
            pass


def create_server(
    *, model: str | Path | None = None, threads: int | None = None
) -> CodeOriginServer:
    """A server with every feature registered. `model` is the folder used when
    `codeorigin.modelPath` is empty; `threads` the default of `codeorigin.threads`."""
    # Imported here: `commands` needs this module at run time (pygls reads its type hints).
    from codeorigin.lsp import (
        code_actions,
        commands,
        configuration,
        explain,
        hover,
        lifecycle,
        sync,
    )

    server = CodeOriginServer(model=Path(model).expanduser() if model else None, threads=threads)
    for feature in (
        lifecycle,
        configuration,
        sync,
        diagnostics,
        hover,
        code_lens,
        code_actions,
        commands,
        explain,
        inlay_hints,
    ):
        feature.register(server)

    return server


def serve(
    *,
    model: str | Path | None = None,
    tcp: str | None = None,
    threads: int | None = None,
    log_level: str = "INFO",
) -> int:
    """Run the language server until the client disconnects; return the exit status.

    `tcp` is "HOST:PORT" (or ":PORT"); without it the server speaks LSP on stdin/stdout.
    """
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        logging.getLogger("pygls").setLevel(logging.WARNING)  # it logs every message at INFO
    server = create_server(model=model, threads=threads)
    stdout = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() must not corrupt the LSP stream

    if tcp:
        host, _, port = tcp.rpartition(":")
        try:
            port_number = int(port)
        except ValueError:
            log.error("--tcp expects HOST:PORT, got %r", tcp)
            return 2
        server.start_tcp(host or "127.0.0.1", port_number)
    else:
        server.start_io(stdout=stdout)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m codeorigin.lsp [--model DIR] [--tcp HOST:PORT] [--threads N]`."""
    parser = argparse.ArgumentParser(
        prog="python -m codeorigin.lsp", description="Run the codeorigin language server."
    )
    parser.add_argument("--model", metavar="DIR", help="model folder (default: the shipped model)")
    parser.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    parser.add_argument("--threads", type=int, metavar="N", help="onnxruntime threads (default 1)")
    parser.add_argument("--log-level", default="INFO", help="stderr log level (default INFO)")
    args = parser.parse_args(argv)
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be at least 1")
    return serve(model=args.model, tcp=args.tcp, threads=args.threads, log_level=args.log_level)
