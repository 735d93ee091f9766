"""The order of a session, and ending it: requests out of order are refused, and the server process exits with LSP's code even while explanations still run
in onnxruntime on its worker thread (0 after `shutdown` and `exit`, 1 for `exit` alone), never
aborting with a core dump that an editor would report as a crash. The shipped model makes the
explanations long enough to be running when the session ends."""

from __future__ import annotations

import asyncio
import sys
from concurrent.futures import Future
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from helpers.lsp_client import (
    PY_DOC,
    TIMEOUT,
    Client,
    Start,
    capabilities,
    make_client,
    uri_in,
)

REPO = Path(__file__).resolve().parents[2]
LONG = '''\
def summarise_scores(records: list[dict]) -> dict[str, float]:
    """
    Summarise the scores of each student.

    Args:
        records: A list of dictionaries, each with a 'name' and a list of 'scores'.

    Returns:
        A dictionary mapping each student's name to their average score.
    """
    # Initialize an empty dictionary to store the results
    averages = {}

    # Iterate over each record in the list
    for record in records:
        name = record.get("name")
        scores = record.get("scores", [])

        # Check if the student has any scores
        if not scores:
            averages[name] = 0.0
            continue

        # Calculate the average score
        averages[name] = sum(scores) / len(scores)

    return averages
'''


async def busy(client: Client, root: Path) -> None:
    """Open documents and hover each: their explanations are queued and one is running."""
    for i in range(4):
        uri = uri_in(root, f"m{i}.py")
        client.open(uri, LONG.replace("summarise_scores", f"summarise_{i}"))
        await client.published_for(uri, version=1)
        params = types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(12, 4))
        await asyncio.wait_for(client.text_document_hover_async(params), TIMEOUT)


async def test_shutdown_and_exit_while_explaining_end_with_0(start: Start, root: Path) -> None:
    client = await start(model=REPO / "models" / "default")
    await busy(client, root)
    await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
    assert client._server is not None and client._server.returncode == 0


async def test_shutdown_while_an_explain_request_is_pending_ends_with_0(
    start: Start, root: Path
) -> None:
    """ "Explain this function" asked (a workspace/executeCommand still running), then the editor
    quits: `shutdown` answers null (pygls' own handler failed with "dictionary changed size during
    iteration") and the process exits with 0."""
    client = await start(model=REPO / "models" / "default")
    uri = uri_in(root, "long.py")
    client.open(uri, LONG)
    await client.published_for(uri, version=1)
    pending = [
        asyncio.ensure_future(
            client.command("codeorigin.explain", uri, {"line": 12, "character": 4})
        )
        for _ in range(2)
    ]
    await asyncio.sleep(0.3)
    assert await asyncio.wait_for(client.shutdown_async(None), TIMEOUT) is None
    client.exit(None)
    assert client._server is not None
    assert await asyncio.wait_for(client._server.wait(), TIMEOUT) == 0
    for request in pending:
        request.cancel()


async def test_exit_without_shutdown_ends_with_1(start: Start, root: Path) -> None:
    client = await start(model=REPO / "models" / "default")
    await busy(client, root)
    client.exit(None)
    assert client._server is not None
    assert await asyncio.wait_for(client._server.wait(), TIMEOUT) == 1


async def test_the_order_of_a_session_is_kept(tiny_model_dir: Path, root: Path) -> None:
    """Before `initialize` a request is refused with ServerNotInitialized and a notification is
    dropped; a second `initialize` and a request after `shutdown` are refused with InvalidRequest
    (an answer, so the client does not wait for ever); the session in between works."""
    client = make_client()
    await client.start_io(sys.executable, "-m", "codeorigin.lsp", "--model", str(tiny_model_dir))
    try:
        uri = uri_in(root, "early.py")
        params = types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(1, 4))
        client.capabilities = capabilities("neovim")  # pytest-lsp sends nothing before it knows
        with pytest.raises(JsonRpcException) as early:
            await asyncio.wait_for(client.text_document_hover_async(params), TIMEOUT)
        assert early.value.code == types.ErrorCodes.ServerNotInitialized
        client.open(uri, PY_DOC)  # dropped: the server knows no document yet
        init = types.InitializeParams(capabilities=capabilities("neovim"), root_uri=root.as_uri())
        await asyncio.wait_for(client.initialize_session(init), TIMEOUT)
        with pytest.raises(JsonRpcException) as again:
            await asyncio.wait_for(client.initialize_async(init), TIMEOUT)
        assert again.value.code == types.ErrorCodes.InvalidRequest
        client.open(uri, PY_DOC, version=2)
        await client.published_for(uri, version=2)
        await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
        with pytest.raises(JsonRpcException) as late:
            await asyncio.wait_for(client.text_document_hover_async(params), TIMEOUT)
        assert late.value.code == types.ErrorCodes.InvalidRequest
        client.exit(None)
        assert client._server is not None
        assert await asyncio.wait_for(client._server.wait(), TIMEOUT) == 0
    finally:
        await client.stop()


async def test_a_request_without_params_gets_the_error_json_rpc_names(
    start: Start, root: Path
) -> None:
    """JSON-RPC lets a request leave `params` out: one for a method the server does not have gets
    MethodNotFound (pygls answered InternalError, as if the server had failed), a notification so
    sent is ignored, and the session goes on."""
    client = await start("neovim")
    answer: Future[object] = Future()
    client.protocol._request_futures["no-params"] = answer  # the client's own send adds params
    client.protocol._send_data({"jsonrpc": "2.0", "method": "$/noParams"})
    client.protocol._send_data({"jsonrpc": "2.0", "id": "no-params", "method": "acme/unknown"})
    with pytest.raises(JsonRpcException) as error:
        await asyncio.wait_for(asyncio.wrap_future(answer), TIMEOUT)
    assert error.value.code == types.ErrorCodes.MethodNotFound
    assert "acme/unknown" in str(error.value)
    uri = uri_in(root, "after.py")
    client.open(uri, PY_DOC)
    await client.published_for(uri, version=1)
