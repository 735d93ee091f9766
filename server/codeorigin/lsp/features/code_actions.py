"""Code actions: "Rescore selection" on any non-empty selection, and the other features' actions.

"Rescore selection" runs the command `codeorigin.rescoreSelection` (see `commands`), which scores
exactly the selected text, whatever spans it cuts through: useful for a pasted block, or half a
function. Other features add theirs through the `code_actions` hook ("Explain this function" from
`explain`); they come first, as the more specific.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from codeorigin.lsp.positions import range_json
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


async def code_action(
    ls: CodeOriginServer, params: types.CodeActionParams
) -> list[types.CodeAction]:
    others = await ls.code_actions(params)
    return [*others, *actions(params.text_document.uri, params.range, params.context.only)]


class CodeActions(Feature):
    def register(self, server: CodeOriginServer) -> None:
        server.feature(types.TEXT_DOCUMENT_CODE_ACTION)(code_action)
