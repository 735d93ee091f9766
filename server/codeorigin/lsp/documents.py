"""The server's copy of the editor's documents, kept in sync with incremental edits.

pygls' `TextDocument` splits lines with `str.splitlines`, which also breaks at form feeds, vertical
tabs, U+0085, U+2028 and U+2029. LSP lines end only at LF, CRLF and CR, so an incremental edit in
a file containing one of those characters (a Python file with `^L` page breaks, say) would land on
the wrong line. pygls also reads a character past the end of a line as a place after the line
break (inside a CRLF, or before the last character of the last line). These subclasses count lines
and clamp positions the LSP way (`PositionMap.offset`); everything else is pygls'.

A `didChange` for a document that was never opened is ignored with a warning: there is no text to
apply it to, and guessing would make the server's copy differ from the editor's.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from urllib.parse import unquote

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace

from codeorigin.lsp.positions import PositionMap, lsp_lines

log = logging.getLogger(__name__)


class LspTextDocument(TextDocument):
    """A text document whose lines are LSP lines."""

    @property
    def lines(self) -> Sequence[str]:
        return lsp_lines(self.source)

    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        """Replace the change's range with its text. A character past the end of its line means the
        end of the line (never a place inside or after the line break), a line past the end means
        the end of the text, and a range given backwards is read forwards."""
        text = self.source
        positions = PositionMap(text, self.position_codec.encoding)
        start, end = sorted(
            (positions.offset(change.range.start), positions.offset(change.range.end))
        )
        self._source = text[:start] + change.text + text[end:]


class LspWorkspace(Workspace):
    """A workspace that creates `LspTextDocument`s."""

    def _create_text_document(
        self,
        doc_uri: str,
        source: str | None = None,
        version: int | None = None,
        language_id: str | None = None,
    ) -> TextDocument:
        return LspTextDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self.position_codec,
        )

    def update_text_document(
        self,
        text_doc: types.VersionedTextDocumentIdentifier,
        change: types.TextDocumentContentChangeEvent,
    ) -> None:
        """Apply one change to an open document; a change to a document not open is ignored."""
        if unquote(text_doc.uri) not in self._text_documents:
            log.warning(
                "ignoring an edit to %s, which is not open (the client must send didOpen first)",
                text_doc.uri,
            )
            return
        super().update_text_document(text_doc, change)

    def put_text_document(
        self, text_document: types.TextDocumentItem, notebook_uri: str | None = None
    ) -> None:
        """Open a document; one whose URI urllib cannot parse (`file://[x`) is not kept, with a
        warning: it gets no verdicts, and the server goes on."""
        try:
            super().put_text_document(text_document, notebook_uri)
        except ValueError as exc:
            log.warning("cannot open %s: its URI is not valid (%s)", text_document.uri, exc)

    @classmethod
    def replacing(cls, workspace: Workspace) -> LspWorkspace:
        """A new, empty workspace with the same root, folders and encoding (called at initialize,
        before any document is open)."""
        return cls(
            workspace.root_uri,
            workspace._sync_kind,
            list(workspace.folders.values()),
            workspace.position_encoding,
        )
