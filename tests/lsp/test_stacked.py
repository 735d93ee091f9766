"""A stacked model (transformer + linear member) in the real server over stdio: the hover reads in
plain words while `codeorigin.explain`'s JSON says how much each member contributed, and a language
the model abstains on is "not judged"."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from helpers.lsp_client import TIMEOUT, Client, Start, uri_in
from helpers.samples import PLANTED_DOC as DOC

INSIDE_PLANTED = (10, 10)
PENDING = "being computed"


@pytest.fixture(scope="module")
def stacked_dir(tiny_ig_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from helpers.stackedmodel import build_stacked_model

    return build_stacked_model(tmp_path_factory.mktemp("stacked-lsp") / "model", tiny_ig_model_dir)


async def hover(client: Client, uri: str, at: tuple[int, int]) -> str:
    """The hover's Markdown once its explanation is ready."""
    params = types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(*at))
    for _ in range(int(TIMEOUT / 0.2)):
        result = await asyncio.wait_for(client.text_document_hover_async(params), TIMEOUT)
        assert result is not None and isinstance(result.contents, types.MarkupContent)
        if PENDING not in result.contents.value:
            return result.contents.value
        await asyncio.sleep(0.2)
    raise AssertionError("the explanation never came")


async def test_hover_is_in_plain_words_and_the_json_has_each_members_contribution(
    start: Start, root: Path, stacked_dir: Path
) -> None:
    client = await start(model=stacked_dir, init={"threshold": 0.0})
    uri = uri_in(root, "a.py")
    client.open(uri, DOC)
    published = await client.published_for(uri, version=1)
    assert len(published.diagnostics) == 2  # threshold 0: both functions flagged
    text = await hover(client, uri, INSIDE_PLANTED)
    assert "Top tokens:" in text and "What to do: a reason to look, not proof" in text
    # The workings are the explain view's (`codeorigin explain`) and the JSON's, not the hover's:
    # no members, weights, logits, figures, baseline or method.
    for word in ("Members:", "weight", "logit", "linear", "transformer", "baseline", "figures",
                 "Integrated Gradients", "convergence delta"):  # fmt: skip
        assert word not in text, (word, text)
    # A token both members weigh is one entry, named without its member.
    tokens = text.split("Top tokens: ")[1].split("\n")[0].split(" · ")
    assert len(set(tokens)) == len(tokens), text
    # The command's JSON says the same: each member's part, and which member each token is of.
    at = {"line": INSIDE_PLANTED[0], "character": INSIDE_PLANTED[1]}
    result = await client.command("codeorigin.explain", uri, at)
    assert [m["name"] for m in result["members"]] == ["transformer", "linear"]
    assert "figures" not in result["members"][0]
    figures = result["members"][1]["figures"]
    assert len(figures) == 19 and set(figures[0]) == {"name", "value", "contribution"}
    assert abs(figures[0]["contribution"]) >= abs(figures[-1]["contribution"])
    assert {t["member"] for t in result["tokens"]} <= {"transformer", "linear"}
    assert 0 < result["baseline_probability"] < 1
    # The one-line message (the code action's) names each top token's line, as the hover does.
    await client.command("codeorigin.explain", uri, at, {"notify": True})
    said = (await client.message_matching("Top tokens: ")).message
    tokens = said.split("Top tokens: ")[1].split(". ")[0].split(", ")
    assert tokens and all(re.search(r" L\d+( ×\d+)? [↑↓]$", t) for t in tokens), said
    assert "Members" not in said and "What to do: a reason to look, not proof" in said


async def test_a_language_the_model_abstains_on_is_not_judged(
    start: Start, root: Path, stacked_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "abstaining"
    shutil.copytree(stacked_dir, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["abstain"] = {"python": "too few held-out human functions"}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    client = await start(model=folder, init={"threshold": 0.0})
    uri = uri_in(root, "a.py")
    client.open(uri, DOC)
    published = await client.published_for(uri, version=1)
    assert not published.diagnostics
    params = types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(*INSIDE_PLANTED))
    result = await asyncio.wait_for(client.text_document_hover_async(params), TIMEOUT)
    assert result is not None and isinstance(result.contents, types.MarkupContent)
    text = result.contents.value
    assert "not judged" in text
    assert "the model does not judge python: too few held-out human functions" in text
    assert "Threshold:" not in text  # no threshold applies where the model does not judge
    # The status of the document says so too (a client's status bar shows "not judged").
    status = await client.status(uri)
    document = status["document"]
    assert document["language"] == "python" and document["skipped"] is None
    assert status["model"]["threshold"] is None and status["model"]["uncertain"] is None
    assert document["not_judged"] == (
        "the model does not judge python: too few held-out human functions"
    )
    # A selection in that language gets no probability either, and the message says why.
    selection = {"start": {"line": 7, "character": 0}, "end": {"line": 12, "character": 16}}
    result = await client.command("codeorigin.rescoreSelection", uri, selection)
    assert result["verdict"] == "not_judged" and result["probability"] is None
    shown = await client.message_matching("the selection is not judged")
    assert "too few held-out human functions" in shown.message
    # Explaining it says why there is nothing to explain (in a message when asked to notify).
    at = {"line": INSIDE_PLANTED[0], "character": INSIDE_PLANTED[1]}
    with pytest.raises(JsonRpcException, match="does not explain planted: the model does not"):
        await client.command("codeorigin.explain", uri, at)
    assert await client.command("codeorigin.explain", uri, at, {"notify": True}) is None
    await client.message_matching("codeorigin does not explain planted")
