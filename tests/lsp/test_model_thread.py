"""The model thread: a person waiting in one file does not wait for a huge file to be scored.

The server scores on one thread. A document of thousands of functions takes seconds of forward
passes; a hover in another file (or a selection scored on command) runs between two of its
batches instead of after all of them, and an edit of the huge file stops its old run.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from helpers.lsp_client import PY_DOC, TIMEOUT, Client, Start, uri_in

REPO = Path(__file__).resolve().parents[2]
N_FUNCTIONS = 8_000  # about 1.2 MB: 5 s of scoring on the 2-core CI machine, where 2,000
# functions took 1.5 s and the file was done before a hover 0.3 s after its progress bar began
SELECTED = 2_000  # about 300 KB: seconds of scoring as one function (6 s on a loaded machine)
HUGE = {"maxFileBytes": 4_000_000}  # above the default 1 MB, so that the huge file is scored


def huge_document(n: int) -> str:
    """`n` distinct functions, each judged (none repeats another's normalised text)."""
    return "".join(
        f"def step_{k}(values, scale):\n"
        f"    total = {k}\n"
        "    for item in values:\n"
        f"        if item > {k % 97}:\n"
        f"            total += item * scale - {k * 7 % 1000}\n"
        f"    return total, 'step {k}'\n"
        "\n\n"
        for k in range(n)
    )


def scoring_began(client: Client, name: str) -> bool:
    """Whether the server showed its progress bar for scoring `name` (it does after a second)."""
    return any(
        isinstance(r, types.WorkDoneProgressBegin) and r.message == name
        for reports in client.progress_reports.values()
        for r in reports
    )


async def open_small_then_huge(client: Client, small: str, big: str) -> None:
    """Open `small` (scored), then `big` of `N_FUNCTIONS` functions, and wait until its scoring
    shows progress (it takes seconds more)."""
    client.open(small, PY_DOC)
    await client.published_for(small, version=1)
    client.open(big, huge_document(N_FUNCTIONS))

    async def began() -> None:
        while not scoring_began(client, "big.py"):
            await asyncio.sleep(0.02)

    await asyncio.wait_for(began(), TIMEOUT)


async def test_a_hover_does_not_wait_for_another_files_scoring(start: Start, root: Path) -> None:
    client = await start(model=REPO / "models" / "default", init=HUGE)
    small, big = uri_in(root, "small.py"), uri_in(root, "big.py")
    await open_small_then_huge(client, small, big)
    assert not any(p.uri == big for p in client.published)
    hover = await asyncio.wait_for(
        client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(small), types.Position(8, 6))
        ),
        TIMEOUT,
    )
    assert hover is not None and "beta" in str(hover.contents)
    # Answered while the huge file is still being scored, not after it.
    assert not any(p.uri == big for p in client.published)

    # An edit of the huge file stops the run of its first version: no diagnostics of version 1
    # are ever published, and version 2's come (its unchanged functions are not scored again).
    client.edit(big, 2, (1, 12), (1, 12), "1")
    published = await client.published_for(big, version=2)
    assert len(published.diagnostics) < N_FUNCTIONS
    assert [p.version for p in client.published if p.uri == big] == [2]
    status = await client.status(big)
    scored = status["counts"]["spans_scored"]
    assert scored <= N_FUNCTIONS + 3 + 1  # every function once, PY_DOC's, the edited one


async def test_a_hover_right_after_an_edit_does_not_wait_for_another_files_scoring(
    start: Start, root: Path
) -> None:
    """The edited file's new text is scored on the interactive lane, between two batches of the
    huge file's scoring, not behind all of it."""
    client = await start(model=REPO / "models" / "default", init={**HUGE, "debounceMs": 0})
    small, big = uri_in(root, "small.py"), uri_in(root, "big.py")
    await open_small_then_huge(client, small, big)
    client.edit(small, 2, (8, 0), (8, 0), "    # a note\n")
    await asyncio.sleep(0.2)  # its run is queued behind the huge file's
    hover = await asyncio.wait_for(
        client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(small), types.Position(9, 6))
        ),
        TIMEOUT,
    )
    assert hover is not None and "beta" in str(hover.contents)
    assert not any(p.uri == big for p in client.published)  # the huge file is still being scored
    await client.published_for(big, version=1)  # and its run went on to the end


async def test_a_selection_scored_on_command_can_be_cancelled(start: Start, root: Path) -> None:
    """`$/cancelRequest` stops a long `rescoreSelection` between two batches: the request is
    answered as cancelled at once, and a hover in another file does not wait for the rest.

    The document is scored before its selection: while its own scoring ran in the background, a
    hover after the cancel waited for a batch of each, 3.7 s on a loaded 2-core machine, past
    the 3 s allowed; with the document scored, 0.2 to 0.4 s (the rest of the selection: 5 s)."""
    client = await start(model=REPO / "models" / "default")
    small, big = uri_in(root, "small.py"), uri_in(root, "big.py")
    client.open(small, PY_DOC)
    await client.published_for(small, version=1)
    text = huge_document(SELECTED)
    client.open(big, text)
    await client.published_for(big, version=1)
    everything = {
        "start": {"line": 0, "character": 0},
        "end": {"line": text.count("\n"), "character": 0},
    }
    params = types.ExecuteCommandParams("codeorigin.rescoreSelection", [big, everything])
    request = asyncio.ensure_future(
        client.protocol.send_request_async(
            "workspace/executeCommand", params, msg_id="long-selection"
        )
    )
    await asyncio.sleep(0.8)
    client.protocol.notify("$/cancelRequest", types.CancelParams(id="long-selection"))
    hover = await asyncio.wait_for(
        client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(small), types.Position(8, 6))
        ),
        3,
    )
    assert hover is not None and "beta" in str(hover.contents)
    with pytest.raises(JsonRpcException, match="canceled"):
        await asyncio.wait_for(request, 3)
    assert not any("the selection" in m.message for m in client.messages)  # no verdict shown


async def test_a_selection_is_judged_in_its_documents_language_and_size_limit(
    start: Start, root: Path
) -> None:
    """A `.h` file the editor calls `c` but that holds C++ is judged as C++, as its hover is; a
    document in no language codeorigin reads, or a selection over `maxFileBytes`, is refused
    with a message instead of a guess."""
    client = await start(model=REPO / "models" / "default", init={"maxFileBytes": 5_000})
    header = uri_in(root, "stack.h")
    code = (
        "template <typename T>\nclass Stack {\npublic:\n    void push(const T& value) {\n"
        "        items.push_back(value);\n        size += 1;\n        last = value;\n    }\n"
        "private:\n    std::vector<T> items;\n    int size = 0;\n    T last;\n};\n"
    )
    client.open(header, code, language="c")
    await client.published_for(header, version=1)
    selection = {"start": {"line": 0, "character": 0}, "end": {"line": 13, "character": 0}}
    result = await client.command("codeorigin.rescoreSelection", header, selection)
    assert result["verdict"] != "not_judged" and result["probability"] is not None
    assert result["threshold"] == (await client.status(header))["model"]["threshold"]
    prose = uri_in(root, "notes.txt")
    client.open(
        prose, "We met on Monday.\nThe plan is fine.\nShip it on Friday.\n", language="plaintext"
    )
    lines = {"start": {"line": 0, "character": 0}, "end": {"line": 3, "character": 0}}
    assert await client.command("codeorigin.rescoreSelection", prose, lines) is None
    await client.message_matching(
        'the selection is not scored: codeorigin does not read "plaintext"'
    )
    big = uri_in(root, "big.py")
    text = huge_document(40)
    client.open(big, text)
    whole = {
        "start": {"line": 0, "character": 0},
        "end": {"line": text.count("\n"), "character": 0},
    }
    assert await client.command("codeorigin.rescoreSelection", big, whole) is None
    await client.message_matching("more than codeorigin.maxFileBytes (5,000)")


async def test_exit_while_a_huge_file_is_scored_writes_no_traceback(
    start: Start, root: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """`exit` while a huge file's scoring shows its progress bar: the run is cancelled as the
    process ends and would close the bar on the stdout pygls has closed; nothing is sent, and
    stderr (the editor's LSP log) gets no "Error sending data" traceback for each message."""
    client = await start(model=REPO / "models" / "default", init=HUGE)
    await open_small_then_huge(client, uri_in(root, "small.py"), uri_in(root, "big.py"))
    client.exit(None)
    assert client._server is not None
    assert await asyncio.wait_for(client._server.wait(), TIMEOUT) == 1
    err = capfd.readouterr().err
    assert "Error sending data" not in err and "Traceback" not in err, err
