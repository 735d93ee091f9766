"""Inlay hints (`codeorigin.inlayHints`, off by default): each line's share of the evidence.

For every span judged `llm` or `uncertain`, each line that carries at least `MIN_SHARE` of the
evidence gets its share at the end of the line (`  12% ↑`: ↑ toward LLM-generated, ↓ toward
human-written, as in the hover's chart), with a tooltip saying so in words.
The shares come from the span's Integrated Gradients explanation (see `explain`); a span whose
explanation is not computed yet gets no hints for now: its explanation is queued, and when it is
ready the client is asked to request hints again (`workspace/inlayHint/refresh`), if it can be.
A change of settings refreshes too, so turning the setting on or off shows or removes the hints.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from codeorigin.lsp.state import CodeOriginServer, Feature
from codeorigin.lsp.vocabulary import share_percent
from codeorigin.model.manifest import ModelError

if TYPE_CHECKING:
    from codeorigin.engine.judging import SpanResult
    from codeorigin.lsp.analysis import Analysis
    from codeorigin.lsp.attribution_jobs import Job
    from codeorigin.model.attribution import Attribution

log = logging.getLogger(__name__)

MIN_SHARE = 0.005  # lines below half a percent get no hint: it would read "0%" or clutter
VERDICTS = ("llm", "uncertain")
REFRESH_DELAY = 0.2  # seconds: explanations finishing together cause one refresh


def hints(
    analysis: Analysis,
    explained: list[tuple[SpanResult, Attribution]],
    lines: range,
) -> list[types.InlayHint]:
    """The hints of explained spans on the given document lines, in document order."""
    out: list[tuple[int, types.InlayHint]] = []
    positions = analysis.positions
    for result, attribution in explained:
        name = result.span.name
        for la in attribution.lines:
            if la.share < MIN_SHARE or la.line not in lines:
                continue
            if not result.start_line <= la.line <= result.end_line:
                continue
            toward = "LLM-generated" if la.score > 0 else "human-written"
            position = positions.position(positions.line_end(la.line))
            out.append(
                (
                    la.line,
                    types.InlayHint(
                        position=position,
                        label=f"{share_percent(la.share)} {'↑' if la.score > 0 else '↓'}",
                        padding_left=True,
                        tooltip=(
                            f"codeorigin: this line carries {share_percent(la.share)} of the evidence "
                            f"about {name}, pushing toward {toward}."
                        ),
                    ),
                )
            )
    out.sort(key=lambda item: item[0])
    return [hint for _, hint in out]


class InlayHints(Feature):
    """The hints, and a refresh when explanations the hints waited for are ready."""

    def __init__(self) -> None:
        self.waiting: set[str] = set()  # documents whose hints wait for an explanation
        self._scheduled: list[asyncio.TimerHandle] = []
        self._server: CodeOriginServer | None = None

    def register(self, server: CodeOriginServer) -> None:
        self._server = server
        server.attributions.listeners.append(self._finished)
        options = types.InlayHintOptions(resolve_provider=False)

        @server.feature(types.TEXT_DOCUMENT_INLAY_HINT, options)
        async def inlay_hint(
            ls: CodeOriginServer, params: types.InlayHintParams
        ) -> list[types.InlayHint]:
            return await self.inlay_hints(ls, params)

    def refresh(self, server: CodeOriginServer) -> None:
        """Ask the client to request inlay hints again, if it can be asked."""
        if server.client.inlay_hints and server.client.inlay_hint_refresh:
            server.fire_and_forget(server.workspace_inlay_hint_refresh(None))

    def _refresh_now(self) -> None:
        self._scheduled.clear()
        if self._server is not None:
            self.refresh(self._server)

    def _finished(self, job: Job) -> None:
        if job.uri not in self.waiting or job.future.cancelled():
            return
        self.waiting.discard(job.uri)
        if not self._scheduled:
            loop = asyncio.get_running_loop()
            self._scheduled.append(loop.call_later(REFRESH_DELAY, self._refresh_now))

    async def inlay_hints(
        self, ls: CodeOriginServer, params: types.InlayHintParams
    ) -> list[types.InlayHint]:
        analysis = await ls.analyzer.current(params.text_document.uri)
        if analysis is None or analysis.engine is None or not analysis.settings.inlay_hints:
            return []
        lines = range(params.range.start.line, params.range.end.line + 1)
        engine = analysis.engine
        jobs: list[tuple[SpanResult, Job]] = []
        for result in analysis.results:
            if result.verdict not in VERDICTS or result.probability is None:
                continue
            if result.end_line < lines.start or result.start_line >= lines.stop:
                continue
            try:
                job = ls.attributions.request_ahead(analysis, result, engine)
            except ModelError:
                return []
            jobs.append((result, job))
        ready = [(r, j) for r, j in jobs if j.succeeded()]
        if len(ready) < len(jobs):
            self.waiting.add(analysis.uri)
        if not ready:
            return []

        def explain_all() -> list[tuple[SpanResult, Attribution]]:
            return [(r, ls.attributions.explanation(j, analysis.text, r.span)) for r, j in ready]

        loop = asyncio.get_running_loop()
        explained = await loop.run_in_executor(ls.executor.interactive, explain_all)
        return hints(analysis, explained, lines)
