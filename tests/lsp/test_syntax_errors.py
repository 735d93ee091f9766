"""A syntax error the user is typing leaves the other functions' verdicts in place: an unclosed
bracket in one function no longer merges the functions after it into one scored span."""

from __future__ import annotations

from pathlib import Path

from helpers.lsp_client import Start, uri_in
from helpers.samples import THREE_FUNCTIONS as DOC


async def test_typing_an_open_bracket_keeps_the_verdicts_of_the_functions_after_it(
    start: Start, root: Path
) -> None:
    client = await start(config={"threshold": 0.0, "minLines": 1, "minTokens": 1})
    uri = uri_in(root, "typing.py")
    client.open(uri, DOC)
    before = await client.published_for(uri, version=1)
    where = {d.data["name"]: d.range.start.line for d in before.diagnostics}
    assert where == {"first": 0, "second": 7, "third": 15}

    client.edit(uri, 2, (1, 12), (1, 12), "(")  # `total = (0`, the bracket not closed yet
    after = await client.published_for(uri, version=2)
    names = {d.data["name"]: d.range.start.line for d in after.diagnostics}
    assert "<module>" not in names
    assert names["second"] == 7 and names["third"] == 15
    assert [d.data["probability"] for d in after.diagnostics if d.data["name"] != "first"] == [
        d.data["probability"] for d in before.diagnostics if d.data["name"] != "first"
    ]
