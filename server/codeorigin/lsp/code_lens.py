"""Code lens: the probability above each scored function (`codeorigin.codeLens` turns it off).

Spans too short to judge get no lens: a number there would look like a verdict. Clicking a lens
re-scores the document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from codeorigin.lsp.diagnostics import percent

if TYPE_CHECKING:
    from codeorigin.engine import SpanResult
    from codeorigin.lsp.analysis import Analysis
    from codeorigin.lsp.server import CodeOriginServer

RESCORE_DOCUMENT = "codeorigin.rescoreDocument"
LABELS = {"llm": "likely LLM", "uncertain": "possibly LLM", "human": "likely human"}


def title(result: SpanResult) -> str:
    assert result.probability is not None
    return f"codeorigin: {percent(result.probability)} LLM ({LABELS[result.verdict]})"


def lenses(analysis: Analysis) -> list[types.CodeLens]:
    """One lens per judged span, on the span's first line."""
    if not analysis.settings.code_lens:
        return []
    out = []
    for result in analysis.results:
        if result.verdict == "too_short" or result.probability is None:
            continue
        start = analysis.positions.position(result.span.start)
        out.append(
            types.CodeLens(
                range=types.Range(start=start, end=start),
                command=types.Command(
                    title=title(result), command=RESCORE_DOCUMENT, arguments=[analysis.uri]
                ),
            )
        )
    return out


def refresh(ls: CodeOriginServer) -> None:
    """Ask the client to request lenses again (results changed without an edit)."""
    if ls.client.code_lens_refresh:
        ls.fire_and_forget(ls.workspace_code_lens_refresh(None))


def register(server: CodeOriginServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    async def code_lens(ls: CodeOriginServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        analysis = await ls.analyzer.current(params.text_document.uri)
        return lenses(analysis) if analysis is not None else []
