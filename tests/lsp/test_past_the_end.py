"""Positions past the end of a document, over the wire: hover, `codeorigin.explain` and its code
action look at the same place.

A character past the end of its line means the end of the line (LSP says so of every position).
A line past the last line holds nothing: the hover there showed the module span that ends the
file, while `codeorigin.explain` at the same position answered null.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from helpers.lsp_client import Client, Start, uri_in

# Module code to the end of the file: the module span is the last span, and ends at the end.
SCRIPT = """\
import sys

data = sys.stdin.read().split()
n = int(data[0])
values = [int(x) for x in data[1 : n + 1]]
print(sum(values))
"""
LAST = 5  # the last line with text; line 6 is the empty line after the last line break


async def looked_at(client: Client, uri: str, line: int, character: int) -> tuple[str | None, ...]:
    """What the hover, `codeorigin.explain` and the "Explain ..." code action find there."""
    where = types.Position(line, character)
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), where)
    )
    explained = await client.command(
        "codeorigin.explain", uri, {"line": line, "character": character}
    )
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            types.Range(where, where),
            types.CodeActionContext(
                diagnostics=[], trigger_kind=types.CodeActionTriggerKind.Invoked
            ),
        )
    )
    said = hover.contents.value if hover is not None else None  # type: ignore[union-attr]
    return (
        "<module>" if said is not None and "<module>" in said else said,
        explained["span"]["name"] if explained is not None else None,
        next((a.title for a in actions or [] if isinstance(a, types.CodeAction)), None),
    )


async def test_hover_explain_and_its_action_agree_past_the_end(
    start: Start, root: Path, tiny_ig_model_dir: Path
) -> None:
    client = await start(model=tiny_ig_model_dir, init={"minTokens": 1, "minLines": 2})
    uri = uri_in(root, "script.py")
    client.open(uri, SCRIPT)
    await client.published_for(uri, version=1)
    module = ("<module>", "<module>", "Explain this module")
    assert await looked_at(client, uri, LAST, 3) == module
    # Past the end of the last line's text, and on the empty line after it: the end of the file.
    assert await looked_at(client, uri, LAST, 999) == module
    assert await looked_at(client, uri, LAST + 1, 0) == module
    assert await looked_at(client, uri, LAST + 1, 40) == module
    # Past the last line: nothing there, for all three.
    assert await looked_at(client, uri, LAST + 2, 0) == (None, None, None)
    assert await looked_at(client, uri, 10**6, 10**6) == (None, None, None)


async def selection_actions(client: Client, uri: str, start: tuple[int, int],
                            end: tuple[int, int]) -> list[str]:  # fmt: skip
    """The titles of the code actions offered for a selection."""
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            types.Range(types.Position(*start), types.Position(*end)),
            types.CodeActionContext(
                diagnostics=[], trigger_kind=types.CodeActionTriggerKind.Invoked
            ),
        )
    )
    return [a.title for a in actions or [] if isinstance(a, types.CodeAction)]


async def test_rescore_selection_is_offered_only_for_a_selection_that_holds_code(
    start: Start, root: Path, tiny_ig_model_dir: Path
) -> None:
    """A selection wholly past the end of the document, or of blank lines alone, has nothing to
    rescore: "Rescore selection" is not offered there (it was, and then only said "select some
    code"). A selection that starts in the text and runs past its end is offered, as before."""
    client = await start(model=tiny_ig_model_dir, init={"minTokens": 1, "minLines": 2})
    uri = uri_in(root, "script.py")
    client.open(uri, SCRIPT.replace("n = int", "\n\nn = int"))
    await client.published_for(uri, version=1)
    rescore = "Rescore selection"
    assert rescore in await selection_actions(client, uri, (LAST, 0), (LAST + 40, 0))
    assert rescore in await selection_actions(client, uri, (0, 0), (1, 0))
    assert rescore not in await selection_actions(client, uri, (LAST + 5, 0), (LAST + 9, 3))
    assert rescore not in await selection_actions(client, uri, (3, 0), (5, 0))  # blank lines
