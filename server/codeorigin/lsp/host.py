"""The pygls server that every part of codeorigin's server may lean on, and nothing more.

`Host` is pygls' `LanguageServer` with what the services (`analysis`, `model_registry`,
`baselines`, `progress`) need from it: the single model thread, what the client can do, the
settings in effect, the open documents, and messages to the user. It knows no service and no
feature, so each of them can import it without a loop; `state.CodeOriginServer` adds the services
and the features' hooks on top.

stdout is the LSP channel: nothing else may write to it. Logs go to stderr, except the warnings
and errors sent to the client's log (`window/logMessage`): editors write the server's stderr to
the same log, and each line would be there twice.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Generator
from concurrent.futures import Future
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCResponseMessage
from pygls.protocol.language_server import lsp_method
from pygls.workspace import TextDocument

from codeorigin.lsp.capabilities import ClientFeatures
from codeorigin.lsp.model_thread import ModelThread
from codeorigin.lsp.settings_store import SettingsStore
from codeorigin.lsp.vocabulary import SOURCE

log = logging.getLogger(__name__)


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
    error response with its id, as JSON-RPC says, and a notification is logged and ignored.
    JSON-RPC also lets a message leave `params` out: pygls' types for methods it does not know
    need the field, and it answered such a request with InternalError; it gets MethodNotFound."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        method = data.get("method")
        if (isinstance(method, str) and "params" not in data and "error" not in data
                and self.get_message_type(method) is None):  # fmt: skip
            data = {**data, "params": None}
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            method = data.get("method")
            if method is None and "id" in data and "error" not in data:
                # A client's answer of another shape than LSP's (`null` to workspace/configuration):
                # taken as it is, so the request waiting for it ends now (pygls dropped it with
                # "Error in server: Invalid Params", and the request waited for its timeout).
                log.warning("a response of an unexpected shape to request %s", data["id"])
                return self._converter.structure(data, JsonRPCResponseMessage)
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

    exited = False  # the client sent `exit`: pygls closes stdout, and the process ends

    def handle_message(self, message: Any) -> None:
        if message is _ANSWERED or self._refused(message):
            return
        if getattr(message, "method", None) == types.EXIT:
            self.exited = True
        super().handle_message(message)

    def _send_data(self, data: Any) -> None:
        """After `exit`, what the work cancelled as the process ends would still send (a model
        that was loading closes its progress bar) is dropped: the client is gone, and pygls'
        write to the closed stdout logged a traceback for each message, then for reporting it."""
        if self.exited:
            log.debug("not sent after exit: %s", getattr(data, "method", data))
            return
        super()._send_data(data)

    def _refused(self, message: Any) -> bool:
        """LSP's order of a session, kept: before `initialize` a request gets ServerNotInitialized
        and a notification (but `exit`) is dropped; a second `initialize`, or a request after
        `shutdown`, gets InvalidRequest. pygls would answer them, or never (the client waits)."""
        method = getattr(message, "method", None)
        if not isinstance(method, str):
            return False  # a response to a request of the server
        request = getattr(message, "id", None) is not None
        if method == types.INITIALIZE:
            if getattr(self, "_initialize_seen", False):
                return self._refuse(message, types.ErrorCodes.InvalidRequest, "initialize was sent")
            self._initialize_seen = True
            return False
        if method == types.EXIT:
            return False
        if not getattr(self, "_initialize_seen", False):
            if not request:
                log.warning("ignoring %s sent before initialize", method)
                return True
            return self._refuse(
                message, types.ErrorCodes.ServerNotInitialized, "send initialize first"
            )
        if self._shutdown and request:
            return self._refuse(message, types.ErrorCodes.InvalidRequest, "the server shut down")
        return False

    def _refuse(self, message: Any, code: types.ErrorCodes, why: str) -> bool:
        log.info("refusing %s: %s", message.method, why)
        error = types.ResponseError(code=code, message=f"{message.method}: {why}")
        self._send_response(message.id, None, error)
        return True

    @lsp_method(types.SHUTDOWN)
    def lsp_shutdown(self, *args: Any) -> Generator[Any, Any, None]:
        """pygls' `shutdown`, cancelling the requests still running over a copy of them: a
        command's future removes itself from `_request_futures` as it is cancelled, and pygls'
        own loop then failed ("dictionary changed size during iteration"), so a client that
        quit during "Explain this function" got an error and the server exited with 1."""
        if (user_handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield user_handler, args, None
        current_id = self.msg_id
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current_id and not future.done():
                future.cancel()
        self._shutdown = True
        return None

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


class Host(LanguageServer):
    """A pygls server with the model thread, the client's features, the settings and messages."""

    def __init__(self, *, threads: int | None = None) -> None:
        super().__init__(
            SOURCE,
            _version(),
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=CodeOriginProtocol,
        )
        # One model thread: onnxruntime already uses `threads` cores, and the machine is shared.
        # Work a person waits for goes to `executor.interactive` (`model_thread`).
        self.executor = ModelThread()
        self.client = ClientFeatures()
        self.settings = SettingsStore({"threads": threads} if threads is not None else None)
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

    def detach_client_log(self) -> None:
        if self._log_handler is not None:
            logging.getLogger("codeorigin").removeHandler(self._log_handler)
            self._log_handler = None

    def shutdown(self) -> None:
        self.detach_client_log()
        self.executor.shutdown(wait=False, cancel_futures=True)
        super().shutdown()


class ClientLogHandler(logging.Handler):
    """Forwards log records to the client's log, from whichever thread logs them."""

    def __init__(self, server: Host, loop: asyncio.AbstractEventLoop) -> None:
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
            return
        setattr(record, SENT_TO_CLIENT, True)


SENT_TO_CLIENT = "codeorigin_sent_to_client"  # a record's mark: stderr leaves it out


def not_sent_to_client(record: logging.LogRecord) -> bool:
    """The stderr handler's filter: a record the client's log already has is not written twice
    (this handler runs after `ClientLogHandler`, which sits on the `codeorigin` logger)."""
    return not getattr(record, SENT_TO_CLIENT, False)
