"""Code actions: "Rescore selection" on any non-empty selection, "Explain this function" in a span.

"Rescore selection" runs the command `codeorigin.rescoreSelection` (see `commands`), which scores
exactly the selected text, whatever spans it cuts through: useful for a pasted block, or half a
function. "Explain this function" comes from `explain` (when the cursor is in a judged span and the
model can explain its scores) and runs `codeorigin.explain`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from lsprotocol import types

from codeorigin.lsp.diagnostics import range_json

if TYPE_CHECKING:
    from codeorigin.lsp.server import CodeOriginServer

RESCORE_SELECTION = "codeorigin.rescoreSelection"
TITLE = "Rescore selection"


def actions(uri: str, selection: types.Range, only: Sequence[str] | None) -> list[types.CodeAction]:
    """The actions for a selection: none when it is empty or the client asked for other kinds."""
    if selection.start == selection.end or only:
        return []
    return [
        types.CodeAction(
            title=TITLE,
            command=types.Command(
                title=TITLE, command=RESCORE_SELECTION, arguments=[uri, range_json(selection)]
            ),
        )
    ]


def register(server: CodeOriginServer) -> None:
    from codeorigin.lsp import explain  # it needs the server module at run time

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION)
    async def code_action(
        ls: CodeOriginServer, params: types.CodeActionParams
    ) -> list[types.CodeAction]:
        out = actions(params.text_document.uri, params.range, params.context.only)
        explaining = await explain.code_action(ls, params)
        return [explaining, *out] if explaining is not None else out
