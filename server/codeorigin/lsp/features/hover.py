"""Hover: the verdict of the innermost scored span under the cursor.

A hover looks where `codeorigin.explain` and its code action look (`PositionMap.point`): a
character past the end of its line means the end of the line, as LSP says; a line past the last
line holds nothing, so the hover there is null, as `explain` is (not the hover of the span that
ends the file).

The hover has sections, in plain words (`hover_text`). The first, written here, gives the verdict,
the probability, the threshold that applies to the span (its language's) and what to do: a score
is a reason to look, not proof. Later sections come from the other features' `hover_section` hooks (the
Integrated Gradients chart of `explain`), each given a `HoverContext` on the model thread; a
feature that fails is logged and skipped: the verdict is still shown. Before the sections are
rendered, the features' `prepare_hover` hooks run on the event loop: one may wait a bounded time
for slow work without holding a thread (and is simply dropped when the client cancels the hover).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from codeorigin.core.resync import find_spans
from codeorigin.lsp.state import CodeOriginServer, Feature, HoverContext
from codeorigin.lsp.vocabulary import no_model_message
from codeorigin.report.explanation import code_span
from codeorigin.report.hover_text import verdict_section as verdict_words

if TYPE_CHECKING:
    from codeorigin.core.spans import Span
    from codeorigin.lsp.analysis import Analysis

log = logging.getLogger(__name__)


def verdict_section(ctx: HoverContext) -> str:
    """The first section: verdict, probability, the threshold that applies and what to do
    (`hover_text.verdict_section`; `codeorigin explain` says more, `explanation.verdict_text`)."""
    options = ctx.settings.verdict_rules()
    kind = ctx.result.span.kind
    thresholds = ctx.engine.model.manifest.thresholds
    units = {"module": ("module code", thresholds.modules), "case": ("test cases", thresholds.cases)}
    own = kind in units and ctx.language in units[kind][1]
    return verdict_words(
        ctx.result,
        ctx.engine.effective_thresholds(options, ctx.language, kind),
        options,
        language=f"{ctx.language} {units[kind][0]}" if own else ctx.language,
        markdown=ctx.markdown,
        aside=ctx.aside,
        calibrated=ctx.engine.calibration_note(ctx.language),
        calibratable=ctx.engine.calibratable(ctx.language),
    )


def render(ctx: HoverContext, sections: list[str]) -> str:
    """The verdict and the other sections, joined."""
    parts = [verdict_section(ctx), *sections]
    return ("\n\n---\n\n" if ctx.markdown else "\n\n").join(parts)


def context_at(
    analysis: Analysis,
    position: types.Position,
    markdown: bool,
    server: CodeOriginServer | None = None,
) -> HoverContext | None:
    """The hover context at a position: the innermost scored span containing it, if any (or
    one too short to judge or of a language the model does not judge: its hover says why)."""
    offset = analysis.positions.point(position)
    if analysis.engine is None or offset is None:
        return None
    for result in analysis.spans_at(offset):
        if result.probability is not None or result.verdict in ("not_judged", "too_short"):
            engine, settings = analysis.engine, analysis.settings
            return HoverContext(
                analysis.uri,
                analysis.text,
                offset,
                result,
                engine,
                settings,
                markdown,
                server,
                language=analysis.language,
                aside=analysis.aside(result) if result.suppressed is None else None,
            )
    return None


def _innermost(analysis: Analysis, offset: int) -> Span | None:
    """The innermost function (or module) span of the document at an offset, judged or not."""
    assert analysis.language is not None
    spans = [s for s in find_spans(analysis.text, analysis.language) if s.contains(offset)]
    return min(spans, key=lambda s: s.end - s.start) if spans else None


def _said(analysis: Analysis, span: Span, text: str, markdown: bool) -> types.Hover:
    kind = types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText
    return types.Hover(
        contents=types.MarkupContent(kind=kind, value=text),
        range=analysis.positions.range(span.start, span.end),
    )


def outside_scope(
    analysis: Analysis, position: types.Position, markdown: bool
) -> types.Hover | None:
    """With `codeorigin.scope: changed`, a function the change did not touch has no verdict; its
    hover says so (before, it said nothing, as if the server were not running)."""
    if analysis.settings.scope != "changed" or analysis.engine is None or analysis.language is None:
        return None
    offset = analysis.positions.point(position)
    if offset is None or next(analysis.spans_at(offset), None) is not None:
        return None
    span = _innermost(analysis, offset)
    if span is None:
        return None
    name = code_span(span.name) if markdown else span.name  # `__init__` is no bold "init"
    text = (f"codeorigin: {name} is not judged: it is unchanged since git's HEAD, and "
            "codeorigin.scope is `changed` (set it to `all` to judge every function)")  # fmt: skip
    return _said(analysis, span, text, markdown)


def without_model(
    analysis: Analysis, position: types.Position, markdown: bool
) -> types.Hover | None:
    """With no loadable model, a hover over a function says why it has no verdict (the message
    the user was shown once at start-up, which is easy to miss or dismiss)."""
    offset = analysis.positions.point(position)
    if analysis.language is None or analysis.reason is None or offset is None:
        return None
    span = _innermost(analysis, offset)
    if span is None:
        return None
    return _said(analysis, span, no_model_message(analysis.reason), markdown)


async def hover(ls: CodeOriginServer, params: types.HoverParams) -> types.Hover | None:
    analysis = await ls.analyzer.current(params.text_document.uri, asked=True)
    if analysis is None:
        return None
    if analysis.skipped == "model":
        return without_model(analysis, params.position, ls.client.hover_markdown)
    ctx = context_at(analysis, params.position, ls.client.hover_markdown, ls)
    if ctx is None:
        return outside_scope(analysis, params.position, ls.client.hover_markdown)
    await ls.prepare_hover(ctx)

    def build() -> str:  # on the model thread: sections may be slow
        return render(ctx, ls.hover_sections(ctx))

    text = await asyncio.get_running_loop().run_in_executor(ls.executor.interactive, build)
    span = ctx.result.span
    segment = next(
        ((a, b) for a, b in span.segments if a <= ctx.offset <= b), (span.start, span.end)
    )
    kind = types.MarkupKind.Markdown if ctx.markdown else types.MarkupKind.PlainText
    return types.Hover(
        contents=types.MarkupContent(kind=kind, value=text),
        range=analysis.positions.range(*segment),
    )


class Hover(Feature):
    def register(self, server: CodeOriginServer) -> None:
        server.feature(types.TEXT_DOCUMENT_HOVER)(hover)
