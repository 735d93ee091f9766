"""Text document synchronisation: open, change (incremental), close.

pygls has already applied the edit to its copy of the document when these run; they only tell the
analyser. `didOpen` scores at once, `didChange` after the debounce, `didClose` drops pending work
and clears the document's diagnostics. The user's document is only ever read.
"""

from __future__ import annotations

from lsprotocol import types

from codeorigin.lsp.state import CodeOriginServer, Feature


def did_open(ls: CodeOriginServer, params: types.DidOpenTextDocumentParams) -> None:
    if ls.open_document(params.text_document.uri) is None:
        return  # the workspace did not keep it (a URI it cannot parse: it said why)
    ls.analyzer.open(params.text_document.uri)


def did_change(ls: CodeOriginServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.analyzer.change(params.text_document.uri)


def did_close(ls: CodeOriginServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.analyzer.close(params.text_document.uri)


class Sync(Feature):
    def register(self, server: CodeOriginServer) -> None:
        server.feature(types.TEXT_DOCUMENT_DID_OPEN)(did_open)
        server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(did_change)
        server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(did_close)
