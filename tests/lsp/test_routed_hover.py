"""A model with a route for project code in the real server over stdio: the hover and the one-line
message of **Explain this function** say when the route gave the score, in sentences that read."""

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


async def test_the_route_is_named_in_the_hover_and_the_message(
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
    assert "Scored as project code: this is the project code route's score" in text
    # The route leaves the transformer out: no "transformer +0.00 (weight 0.00" in its members,
    # and no Integrated Gradients credited in the method's sentence.
    assert "Members: linear " in text and "in units of the route's logit" in text, text
    assert "transformer " not in text.split("Members: ")[1].split("Scored as")[0], text
    assert "exact contributions, scaled by its weight in the route" in text, text
    assert "Integrated Gradients" not in text, text
    await client.command("codeorigin.explain", uri, {"line": 2, "character": 4}, {"notify": True})
    said = (await client.message_matching("Scored as project code")).message
    # The route's sentence ends the members' part with one full stop (it was "shown.. Conv...").
    assert "so it is the one shown. Convergence delta " in said and ".." not in said, said
    # Its top tokens read as the hover's: quoted (the tiny model's top tokens hold `"`), and the
    # same text on one line once, with its count (it was `" L2 ↑ linear, " L2 ↑ linear`).
    tokens = said.split("Top tokens: ")[1].split(". Members: ")[0].split(", ")
    entry = r'^".+" L\d+( ×\d+)? [↑↓] (transformer|linear)$'
    assert all(re.match(entry, t) for t in tokens) and len(set(tokens)) == len(tokens), said
