"""The server's copy of the editor's documents, kept in sync with incremental edits.

pygls' `TextDocument` splits lines with `str.splitlines`, which also breaks at form feeds, vertical
tabs, U+0085, U+2028 and U+2029. LSP lines end only at LF, CRLF and CR, so an incremental edit in
a file containing one of those characters (a Python file with `^L` page breaks, say) would land on
the wrong line. These subclasses count lines the LSP way; everything else is pygls'.
"""

from __future__ import annotations

from collections.abc import Sequence

from pygls.workspace import TextDocument, Workspace

from codeorigin.lsp.positions import lsp_lines


class LspTextDocument(TextDocument):
    """A text document whose lines are LSP lines."""

    @property
    def lines(self) -> Sequence[str]:
        return lsp_lines(self.source)


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
