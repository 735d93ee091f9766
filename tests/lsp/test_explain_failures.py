"""A gradient graph that cannot be opened once the model is in use: deleted after the model loaded
(a reinstall, a checkout), or a file onnxruntime cannot parse (its digest rewritten to match). The
hover and `codeorigin.explain` say what is wrong and what to do, the scores stay, and the server's
stderr, which editors show as their LSP log, gets no "Future exception was never retrieved" with
its tracebacks."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from helpers.lsp_client import TIMEOUT, Client, Start, uri_in
from helpers.samples import PLANTED_DOC as DOC

INSIDE_PLANTED = (10, 10)  # inside the function holding the planted word
WHAT_TO_DO = "reinstall codeorigin or re-export the model"


def _deleted(folder: Path) -> str:
    (folder / "gradient.onnx").unlink()
    return f"the model file {folder / 'gradient.onnx'} is missing: {WHAT_TO_DO}."


def _unparsable(folder: Path) -> str:
    from codeorigin.model.manifest import sha256_file

    graph = folder / "gradient.onnx"
    graph.write_bytes(b"not a protobuf" * 100)
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"]["gradient.onnx"] = {"sha256": sha256_file(graph), "bytes": 1400}
    manifest_path.write_text(json.dumps(manifest))
    return f"The model file is corrupted: {WHAT_TO_DO}."


async def _hover(client: Client, uri: str) -> str:
    at = types.Position(*INSIDE_PLANTED)
    params = types.HoverParams(types.TextDocumentIdentifier(uri), at)
    hover = await asyncio.wait_for(client.text_document_hover_async(params), TIMEOUT)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    return hover.contents.value.replace("\\", "")  # Markdown escapes


@pytest.mark.parametrize("damage", ["deleted", "unparsable"])
async def test_a_gradient_graph_that_cannot_be_opened_is_said_without_a_traceback(
    start: Start,
    root: Path,
    tiny_ig_model_dir: Path,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    damage: str,
) -> None:
    model = tmp_path / "model"
    shutil.copytree(tiny_ig_model_dir, model)
    # Damaged before the start: the model loads, as its gradient graph is not read until needed.
    said = _unparsable(model) if damage == "unparsable" else ""
    # At 1.0 nothing is flagged, so nothing is explained ahead: the graph opens on the hover.
    client = await start(model=model, config={"threshold": 1.0})
    uri = uri_in(root, "a.py")
    client.open(uri, DOC)
    await client.published_for(uri, version=1)
    if damage == "deleted":  # after the model loaded
        said = _deleted(model)
    at = {"line": INSIDE_PLANTED[0], "character": INSIDE_PLANTED[1]}
    for _ in range(3):  # a failed explanation asked for again is computed again
        for _ in range(int(TIMEOUT / 0.2)):
            text = await _hover(client, uri)
            if "being computed" not in text:
                break
            await asyncio.sleep(0.2)
        assert "probability of LLM authorship" in text  # the score stays
        assert "explaining this score failed: " in text and said in text
        with pytest.raises(JsonRpcException, match=r"explaining .* failed: ") as failed:
            await client.command("codeorigin.explain", uri, at)
        assert said in failed.value.message
    await client.status(uri)  # a round trip: stderr has had time to arrive
    await asyncio.sleep(0.5)
    err = capfd.readouterr().err
    assert "never retrieved" not in err and "Traceback" not in err, err
