"""Provenance in the editor: which lines of a function come from commits a coding agent signed
(git blame, `codeorigin.scan.provenance`), in the hover and the code lens; `codeorigin.provenance`
(false) turns it off.

git is never run on the keystroke path: a document is blamed once when it is first analysed
(opened) and again when it is saved, on a thread of its own, and the blame is kept by the text's
blob. Between saves, the blame of the last saved text is used while the document has as many lines
as it had (an edit within lines keeps each line where it was); after lines are added or removed,
the hover says that saving reads it again. A document outside a git work tree shows nothing.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from codeorigin.lsp.blames import section
from codeorigin.lsp.state import CodeOriginServer, Feature, HoverContext

if TYPE_CHECKING:
    from codeorigin.lsp.analysis import Analysis


class ProvenanceFeature(Feature):
    def _read(self, server: CodeOriginServer, analysis: Analysis, text: str) -> None:
        if not analysis.settings.provenance or analysis.language is None:
            return
        loop = asyncio.get_running_loop()

        def done() -> None:  # on the blame's thread: lenses are asked again, on the loop
            if not loop.is_closed():
                loop.call_soon_threadsafe(server.refresh_views)

        server.blames.ask(analysis.uri, text, done)

    def on_analysis(self, server: CodeOriginServer, analysis: Analysis) -> None:
        """The first analysis of a document (its opening) reads its blame."""
        if not server.blames.asked(analysis.uri):
            self._read(server, analysis, analysis.text)

    def on_save(self, server: CodeOriginServer, analysis: Analysis, text: str) -> None:
        """A save reads the blame again (a commit may have followed it)."""
        self._read(server, analysis, text)

    def on_close(self, server: CodeOriginServer, uri: str) -> None:
        server.blames.forget(uri)

    def hover_section(self, ctx: HoverContext) -> str | None:
        if not ctx.settings.provenance or ctx.server is None:
            return None
        return section(ctx.server.blames.of(ctx.uri, ctx.text, ctx.result), ctx.markdown)
