"""A model with a route for project code in the real server over stdio: `codeorigin.explain`'s JSON
says when the route gave the score; the hover and the one-line message of **Explain this function**
read in plain words, without the route's workings (those are `codeorigin explain`'s)."""

from __future__ import annotations

import asyncio
import random
import re
from pathlib import Path

import pytest
from lsprotocol import types

from helpers.igmodel import planted_function
from helpers.lsp_client import TIMEOUT, Start, uri_in

PENDING = "being computed"


@pytest.fixture(scope="module")
def routed_dir(tiny_ig_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from helpers.stackedmodel import add_route, build_stacked_model

    folder = tmp_path_factory.mktemp("routed-lsp") / "model"
    build_stacked_model(folder, tiny_ig_model_dir)
    return add_route(folder, tiny_ig_model_dir)


async def test_the_route_is_in_the_json_and_not_in_the_hover_nor_the_message(
    start: Start, root: Path, routed_dir: Path
) -> None:
    from helpers.stackedmodel import project_function

    client = await start(model=routed_dir, init={"threshold": 0.0})
    uri = uri_in(root, "a.py")
    client.open(uri, project_function(planted_function(random.Random(7), True)) + "\n")
    assert len((await client.published_for(uri, version=1)).diagnostics) == 1
    params = types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(2, 4))
    for _ in range(int(TIMEOUT / 0.2)):
        hover = await asyncio.wait_for(client.text_document_hover_async(params), TIMEOUT)
        assert hover is not None and isinstance(hover.contents, types.MarkupContent)
        if PENDING not in hover.contents.value:
            break
        await asyncio.sleep(0.2)
    text = hover.contents.value
    assert "Top tokens: " in text and "What to do: a reason to look, not proof" in text, text
    for word in ("Scored as", "route", "Members:", "logit", "Integrated Gradients"):
        assert word not in text, (word, text)
    at = {"line": 2, "character": 4}
    result = await client.command("codeorigin.explain", uri, at)
    assert result["route"] == "project code", result
    # The route leaves the transformer out: its weight is 0 in the JSON's members.
    weights = {m["name"]: m["weight"] for m in result["members"]}
    assert weights["linear"] > 0 and weights.get("transformer", 0.0) == 0.0, result["members"]
    await client.command("codeorigin.explain", uri, at, {"notify": True})
    said = (await client.message_matching("Top tokens: ")).message
    assert "Scored as" not in said and "Members" not in said and ".." not in said, said
    # Its top tokens read as the hover's: quoted (the tiny model's top tokens hold `"`), and the
    # same text on one line once, with its count (it was `" L2 ↑ linear, " L2 ↑ linear`).
    tokens = said.split("Top tokens: ")[1].split(". What to do: ")[0].split(", ")
    entry = r'^".+" L\d+( ×\d+)? [↑↓]$'
    assert all(re.match(entry, t) for t in tokens) and len(set(tokens)) == len(tokens), said
