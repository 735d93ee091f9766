"""Code actions: "Rescore selection" on a selection that holds code, and other features' actions.

"Rescore selection" runs the command `codeorigin.rescoreSelection` (see `commands`), which scores
exactly the selected text, whatever spans it cuts through: useful for a pasted block, or half a
function. Other features add theirs through the `code_actions` hook ("Explain this function" from
`explain`); they come first, as the more specific.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from codeorigin.lsp.positions import PositionMap, range_json
from codeorigin.lsp.state import CodeOriginServer, Feature, kind_wanted
from codeorigin.lsp.vocabulary import (
    RESCORE_SELECTION,
    RESCORE_SELECTION_KIND,
    RESCORE_SELECTION_TITLE,
)


def actions(uri: str, selection: types.Range, only: Sequence[str] | None) -> list[types.CodeAction]:
    """The actions for a selection: none when it is empty or the client asked for other kinds
    ("Rescore selection" is a source action: it fixes nothing and refactors nothing)."""
    if selection.start == selection.end or not kind_wanted(RESCORE_SELECTION_KIND, only):
        return []
    return [
        types.CodeAction(
            title=RESCORE_SELECTION_TITLE,
            kind=RESCORE_SELECTION_KIND,
            command=types.Command(
                title=RESCORE_SELECTION_TITLE,
                command=RESCORE_SELECTION,
                arguments=[uri, range_json(selection)],
            ),
        )
    ]


def holds_code(ls: CodeOriginServer, uri: str, selection: types.Range) -> bool:
    """Whether the selection holds any text but blanks: one wholly past the end of the document,
    or of blank lines alone, has nothing to rescore (the command would only say "select some
    code")."""
    doc = ls.open_document(uri)
    if doc is None:
        return False
    positions = PositionMap(doc.source, ls.workspace.position_encoding)
    start, end = sorted((positions.offset(selection.start), positions.offset(selection.end)))
    return start < end and not doc.source[start:end].isspace()


async def code_action(
    ls: CodeOriginServer, params: types.CodeActionParams
) -> list[types.CodeAction]:
    others = await ls.code_actions(params)
    uri, selection = params.text_document.uri, params.range
    if selection.start != selection.end and not holds_code(ls, uri, selection):
        return others
    return [*others, *actions(uri, selection, params.context.only)]


class CodeActions(Feature):
    def register(self, server: CodeOriginServer) -> None:
        server.feature(types.TEXT_DOCUMENT_CODE_ACTION)(code_action)
