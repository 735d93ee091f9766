"""The bench's server measurements: one `codeorigin serve` over stdio, driven as an editor would.

Cold start (process start to the first diagnostics of a 500-line file, committed in a git
repository so that its provenance is read too), re-score latency over the
wire after a one-function edit (debounce set to 0), hover latency, hover latency while another,
large file is being scored, and the server's peak memory.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from codeorigin.bench.synth import percentile, synth_file


async def server_session(model_dir: Path | None, threads: int, quick: bool) -> dict[str, Any]:
    """Start a server, open a synthetic 500-line file, edit and hover it; return the figures."""
    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    doc_500 = synth_file(500, seed=11)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.py"
        path.write_text(doc_500)
        # Committed, as a user's file is: opening it reads its git blame too (provenance).
        for args_ in (["init", "-q"], ["add", "."], ["-c", "user.name=Bench", "-c",
                      "user.email=bench@example.com", "commit", "-qm", "bench"]):  # fmt: skip
            subprocess.run(["git", *args_], cwd=tmp, capture_output=True, check=False)
        uri = path.as_uri()
        args = ["-m", "codeorigin", "serve"]
        if model_dir is not None:
            args += ["--model", str(model_dir)]
        args += ["--threads", str(threads)]
        client = LanguageClient("codeorigin-bench", "1")
        got: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _diagnostics(params: types.PublishDiagnosticsParams) -> None:
            got.put_nowait(params)

        @client.feature(types.WINDOW_SHOW_MESSAGE)
        def _message(params: types.ShowMessageParams) -> None:
            pass

        @client.feature(types.WORKSPACE_CONFIGURATION)
        def _configuration(params: types.ConfigurationParams) -> list[Any]:
            return [{"debounceMs": 0, "threads": threads} for _ in params.items]

        t0 = time.perf_counter()
        await client.start_io(sys.executable, *args)
        await client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                root_uri=Path(tmp).as_uri(),
                initialization_options={"debounceMs": 0, "threads": threads},
            )
        )
        client.initialized(types.InitializedParams())
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, doc_500))
        )
        while True:
            params = await asyncio.wait_for(got.get(), timeout=120)
            if params.uri == uri:
                break
        out["cold_start_s"] = round(time.perf_counter() - t0, 3)
        out["cold_start_diagnostics"] = len(params.diagnostics)

        line = await _rescore(client, got, uri, doc_500, quick, out)
        await _hover(client, uri, line, quick, out)
        await _hover_while_busy(client, got, uri, line, Path(tmp) / "busy.py", quick, out)

        pid = getattr(getattr(client, "_server", None), "pid", None)
        rss = _rss_mb(pid, "VmHWM:") if pid else None
        out["server_peak_rss_mb"] = rss
        if pid:
            from codeorigin.model.scorer import ARENA_IDLE_S  # numpy: only when it measures

            await asyncio.sleep(ARENA_IDLE_S + 2.0)
            out["server_idle_rss_mb"] = _rss_mb(pid, "VmRSS:")
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    return out


async def _rescore(
    client: Any, got: asyncio.Queue[Any], uri: str, doc: str, quick: bool, out: dict[str, Any]
) -> int:
    """Re-score over the wire after a one-function edit (debounce set to 0); put p50 and p95 in
    `out` and return the line of the edited function's `def`."""
    from lsprotocol import types

    times = []
    version = 1
    line = 0
    for k in range(5 if quick else 15):
        version += 1
        line = doc.split("\n").index(
            next(x for x in doc.split("\n") if x.startswith("def func_3("))
        )
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                [
                    types.TextDocumentContentChangePartial(
                        range=types.Range(types.Position(line + 1, 0), types.Position(line + 1, 0)),
                        text=f"    marker_{k} = {k}\n",
                    )
                ],
            )
        )
        t1 = time.perf_counter()
        while True:
            params = await asyncio.wait_for(got.get(), timeout=60)
            if params.uri == uri and params.version == version:
                break
        times.append(time.perf_counter() - t1)
    out["server_rescore_p50_ms"] = round(1000 * statistics.median(times), 1)
    out["server_rescore_p95_ms"] = round(1000 * percentile(times, 0.95), 1)
    return line


async def _hover(client: Any, uri: str, line: int, quick: bool, out: dict[str, Any]) -> None:
    """Hover latency over the wire (with attributions when the model has them): the first, then
    the median of the rest."""
    from lsprotocol import types

    hover_times = []
    for _ in range(3 if quick else 9):
        t1 = time.perf_counter()
        await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line + 2, 6))
        )
        hover_times.append(time.perf_counter() - t1)
    out["server_hover_first_ms"] = round(1000 * hover_times[0], 1)
    out["server_hover_p50_ms"] = round(1000 * statistics.median(hover_times[1:] or hover_times), 1)


async def _hover_while_busy(
    client: Any,
    got: asyncio.Queue[Any],
    uri: str,
    line: int,
    busy: Path,
    quick: bool,
    out: dict[str, Any],
) -> None:
    """A hover in the 500-line file half a second after another, large file was opened, while the
    server scores it: the hover's latency (its explanation is cached by now, so this is the wait
    for the model thread) and how long the large file's first diagnostics took."""
    from lsprotocol import types

    text = synth_file(12_000 if quick else 24_000, seed=29)  # under maxFileBytes
    busy.write_text(text)
    t0 = time.perf_counter()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(busy.as_uri(), "python", 1, text))
    )
    await asyncio.sleep(0.5)  # its scoring is on the model thread by now
    t1 = time.perf_counter()
    await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line + 2, 6))
    )
    t2 = time.perf_counter()
    while True:
        params = await asyncio.wait_for(got.get(), timeout=600)
        if params.uri == busy.as_uri():
            break
    out["busy_file_lines"] = text.count("\n")
    out["busy_file_first_diagnostics_s"] = round(time.perf_counter() - t0, 2)
    out["server_hover_while_busy_ms"] = round(1000 * (t2 - t1), 1)


def _rss_mb(pid: int, field: str) -> float | None:
    """A memory figure of /proc/PID/status in MB: `VmHWM:` (the peak) or `VmRSS:` (now)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None
