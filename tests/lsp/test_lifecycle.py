"""Ending a session: the server process exits with LSP's code even while explanations still run
in onnxruntime on its worker thread (0 after `shutdown` and `exit`, 1 for `exit` alone), never
aborting with a core dump that an editor would report as a crash. The shipped model makes the
explanations long enough to be running when the session ends."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types

from helpers.lsp_client import TIMEOUT, Client, Start, uri_in

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


async def test_exit_without_shutdown_ends_with_1(start: Start, root: Path) -> None:
    client = await start(model=REPO / "models" / "default")
    await busy(client, root)
    client.exit(None)
    assert client._server is not None
    assert await asyncio.wait_for(client._server.wait(), TIMEOUT) == 1
