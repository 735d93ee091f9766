"""Code lens: the verdict in words and the probability above each scored function, e.g.
"codeorigin: likely LLM-generated (96.5%)" (`codeorigin.codeLens` turns it off).

Spans too short to judge get no lens: a number there would look like a verdict. Clicking a lens
explains the function in a message (`codeorigin.explain` with `notify`, see `explain`): the lines
that weigh most and its top tokens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from codeorigin.core.markers import Provenance
from codeorigin.lsp.blames import Blames, lens_words
from codeorigin.lsp.state import CodeOriginServer, Feature
from codeorigin.lsp.vocabulary import EXPLAIN, lens_title

if TYPE_CHECKING:
    from codeorigin.lsp.analysis import Analysis


def lenses(analysis: Analysis, blames: Blames | None = None) -> list[types.CodeLens]:
    """One lens per judged span, on the span's first line, with the agent whose commits hold its
    lines (`features.provenance`); a span the model does not judge gets one for its provenance
    alone."""
    if not analysis.settings.code_lens:
        return []
    out = []
    for result in analysis.results:
        wanted = blames is not None and analysis.settings.provenance
        found = blames.of(analysis.uri, analysis.text, result) if wanted and blames else None
        if result.verdict == "too_short" or (result.probability is None and not isinstance(
                found, Provenance)):  # fmt: skip
            continue
        start = analysis.positions.position(result.span.start)
        name = analysis.positions.position(result.span.name_start)
        at = {"line": name.line, "character": name.character}
        title = lens_title(result) if result.probability is not None else "codeorigin: not judged"
        command = types.Command(
            title=title + lens_words(found),
            command=EXPLAIN,
            tooltip="Explain this function: the lines that weigh most",
            arguments=[analysis.uri, at, {"notify": True}],
        )
        out.append(types.CodeLens(range=types.Range(start=start, end=start), command=command))
    return out


async def code_lens(ls: CodeOriginServer, params: types.CodeLensParams) -> list[types.CodeLens]:
    analysis = await ls.analyzer.current(params.text_document.uri)
    return lenses(analysis, ls.blames) if analysis is not None else []


class CodeLens(Feature):
    def register(self, server: CodeOriginServer) -> None:
        server.feature(
            types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False)
        )(code_lens)

    def refresh(self, server: CodeOriginServer) -> None:
        """Ask the client to request lenses again (results changed without an edit)."""
        if server.client.code_lens_refresh:
            server.fire_and_forget(server.workspace_code_lens_refresh(None))
