"""Text document synchronisation: open, change (incremental), close.

pygls has already applied the edit to its copy of the document when these run; they only tell the
analyser. `didOpen` scores at once, `didChange` after the debounce, `didClose` drops pending work
and clears the document's diagnostics. The user's document is only ever read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from codeorigin.lsp.server import CodeOriginServer


def register(server: CodeOriginServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: CodeOriginServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.analyzer.open(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: CodeOriginServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.analyzer.change(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: CodeOriginServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.analyzer.close(params.text_document.uri)
