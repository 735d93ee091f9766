"""The codeorigin language server's assembly: its features, in one list, and how it is started.

`FEATURES` names every feature (`features/`), in the order the server calls their hooks;
`create_server` builds a `state.CodeOriginServer` and registers one of each. `serve` runs it on
stdio or TCP, `main(argv)` is `python -m codeorigin.lsp`, and `codeorigin serve` calls `serve`.
Nothing imports this module but the entry points: features know the server through `state`.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pygls.exceptions import JsonRpcException

from codeorigin.lsp.arguments import log_level_argument
from codeorigin.lsp.features.code_actions import CodeActions
from codeorigin.lsp.features.code_lens import CodeLens
from codeorigin.lsp.features.commands import Commands
from codeorigin.lsp.features.configuration import Configuration
from codeorigin.lsp.features.diagnostics import Diagnostics
from codeorigin.lsp.features.explain import Explain
from codeorigin.lsp.features.hover import Hover
from codeorigin.lsp.features.inlay_hints import InlayHints
from codeorigin.lsp.features.lifecycle import Lifecycle
from codeorigin.lsp.features.provenance import ProvenanceFeature
from codeorigin.lsp.features.sync import Sync
from codeorigin.lsp.features.watched_files import WatchedFiles
from codeorigin.lsp.host import not_sent_to_client
from codeorigin.lsp.state import CodeOriginServer, Feature

# Diagnostics come before Explain: a document's diagnostics are published before its
# explanations are queued ahead.
FEATURES: tuple[Callable[[], Feature], ...] = (
    Lifecycle,
    Configuration,
    Sync,
    Diagnostics,
    Hover,
    CodeLens,
    CodeActions,
    Commands,
    Explain,
    InlayHints,
    WatchedFiles,
    ProvenanceFeature,
)


def create_server(
    *, model: str | Path | None = None, threads: int | None = None
) -> CodeOriginServer:
    """A server with every feature registered. `model` is the folder used when
    `codeorigin.modelPath` is empty; `threads` the default of `codeorigin.threads`."""
    server = CodeOriginServer(model=Path(model).expanduser() if model else None, threads=threads)
    for feature in FEATURES:
        server.add_feature(feature())
    return server


DEFAULT_LOG_LEVEL = "WARNING"


def setup_logging(level: str = DEFAULT_LOG_LEVEL) -> None:
    """Log to stderr at `level` (a name such as "INFO"; an unknown one means WARNING), the one
    set-up of both entry points, `python -m codeorigin.lsp` and `codeorigin serve`; what went to
    the client's log is left out (`host.not_sent_to_client`). Below DEBUG, pygls's own INFO lines
    (one per message) are left out."""
    number = logging.getLevelName(str(level).upper())  # an int for a level's name only
    logging.basicConfig(
        stream=sys.stderr,
        level=number if isinstance(number, int) else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for handler in logging.getLogger().handlers:
        if not_sent_to_client not in handler.filters:
            handler.addFilter(not_sent_to_client)
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        logging.getLogger("pygls").setLevel(logging.WARNING)  # it logs every message at INFO
    rpc = logging.getLogger("pygls.protocol.json_rpc")
    if _answered_errors not in rpc.filters:
        rpc.addFilter(_answered_errors)


def _answered_errors(record: logging.LogRecord) -> bool:
    """pygls logs every error a handler answers with (bad arguments from a client, a request
    for a document that is not open) at ERROR, with a traceback. The client got the message;
    the log keeps one line of it, at INFO (shown with `--log-level DEBUG`, which lets pygls's own
    lines through)."""
    error = record.exc_info[1] if record.exc_info else None
    if isinstance(error, JsonRpcException):
        record.msg, record.args = f"{record.getMessage()}: answered {error}", ()
        record.exc_info, record.exc_text = None, None
        record.levelno, record.levelname = logging.INFO, "INFO"
        return logging.getLogger("pygls.protocol.json_rpc").isEnabledFor(logging.INFO)
    return True


def serve(
    *,
    model: str | Path | None = None,
    tcp: str | None = None,
    threads: int | None = None,
    log_level: str = DEFAULT_LOG_LEVEL,
    prog: str = "codeorigin serve",
) -> int:
    """Run the language server until the client says `exit` or disconnects, then end the process
    with LSP's exit code. A bad `--tcp`, or an address it cannot listen on (taken, a host that
    does not resolve), returns 2 after one line on stderr that starts with `prog`.

    `tcp` is "HOST:PORT" (or ":PORT"); without it the server speaks LSP on stdin/stdout.
    """
    address = _tcp_address(tcp) if tcp else None
    if isinstance(address, str):
        print(f"{prog}: {address}", file=sys.stderr)
        return 2
    setup_logging(log_level)
    server = create_server(model=model, threads=threads)
    stdout = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() must not corrupt the LSP stream

    if address is not None:
        host, port = address
        try:
            server.start_tcp(host, port)
        except SystemExit:  # pygls's `exit` handler, raised out of the connection's task
            pass
        except OSError as error:  # only binding raises out of start_tcp: a client's errors don't
            print(f"{prog}: cannot listen on {tcp}: {_socket_error(error)}", file=sys.stderr)
            return 2
    else:
        server.start_io(stdout=stdout)
    # The client said `exit`, or went away. An explanation or a rescore may still be running in
    # onnxruntime on another thread, and finalising the interpreter under it aborts the process
    # (std::terminate, a core dump for the editor to report). So the process ends here, with
    # LSP's exit code: 1 for an `exit` without `shutdown` first, else 0.
    code = 1 if server.exit_requested and not server.protocol._shutdown else 0
    logging.shutdown()
    for stream in (sys.stderr, stdout):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed by pygls, or the client is gone
            pass
    os._exit(code)


def _tcp_address(tcp: str) -> tuple[str, int] | str:
    """`--tcp HOST:PORT` (or ":PORT", or "[::1]:PORT") as (host, port), or what is wrong with it."""
    host, _, port = tcp.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        return f"--tcp expects HOST:PORT, got {tcp!r}"
    if not 0 <= number <= 65535:
        return f"--tcp: port {number} is out of range (0 to 65535)"
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host or "127.0.0.1", number


def _socket_error(error: OSError) -> str:
    """Why an address cannot be listened on, in the system's words ("address already in use",
    "name or service not known"), not asyncio's sentence around them."""
    if isinstance(error, socket.gaierror) or not error.errno:
        reason = error.strerror or str(error)
    else:
        reason = os.strerror(error.errno)
    return reason[:1].lower() + reason[1:]


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m codeorigin.lsp [--model DIR] [--tcp HOST:PORT] [--threads N]`."""
    parser = argparse.ArgumentParser(
        prog="python -m codeorigin.lsp", description="Run the codeorigin language server."
    )
    parser.add_argument("--model", metavar="DIR", help="model folder (default: the shipped model)")
    parser.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    parser.add_argument("--threads", type=int, metavar="N", help="onnxruntime threads (default 1)")
    log_level_argument(parser)
    args = parser.parse_args(argv)
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be at least 1")
    return serve(
        model=args.model,
        tcp=args.tcp,
        threads=args.threads,
        log_level=args.log_level,
        prog=parser.prog,
    )
