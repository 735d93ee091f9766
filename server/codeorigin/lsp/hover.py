"""Hover: the verdict of the innermost scored span under the cursor.

The hover has sections. The first, written here, gives the probability, the verdict, the threshold
in effect and the model. Later sections come from providers added with `add_section` (the
Integrated Gradients explanation in `explain` registers its chart this way); each gets a
`HoverContext`, runs on the model thread, and returns Markdown or plain text as `ctx.markdown` says,
or None. A provider that fails is logged and skipped: the verdict is still shown.

A provider whose section needs slow work can also add a preparer (`add_preparer`): a coroutine
awaited on the event loop before the sections are rendered, which may wait a bounded time for that
work without holding a thread (and is simply dropped when the client cancels the hover).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lsprotocol import types

from codeorigin.core.verdicts import VERDICT_WORDS
from codeorigin.explanation import verdict_text

if TYPE_CHECKING:
    from codeorigin.engine import Engine, SpanResult
    from codeorigin.lsp.analysis import Analysis
    from codeorigin.lsp.options import Settings
    from codeorigin.lsp.server import CodeOriginServer

log = logging.getLogger(__name__)
__all__ = ["VERDICT_WORDS"]


@dataclass(frozen=True)
class HoverContext:
    """What a hover section may use. `offset` is the cursor as a character offset into `text`."""

    uri: str
    text: str
    offset: int
    result: SpanResult
    engine: Engine
    settings: Settings
    markdown: bool
    server: CodeOriginServer | None = None


HoverSection = Callable[[HoverContext], "str | None"]
HoverPreparer = Callable[[HoverContext], Awaitable[None]]
_sections: list[HoverSection] = []
_preparers: list[HoverPreparer] = []


def add_section(section: HoverSection) -> None:
    """Append a section to every hover (called once, when the server is created)."""
    if section not in _sections:
        _sections.append(section)


def add_preparer(preparer: HoverPreparer) -> None:
    """Await `preparer(ctx)` on the event loop before every hover's sections are rendered."""
    if preparer not in _preparers:
        _preparers.append(preparer)


async def prepare(ctx: HoverContext) -> None:
    """Run the preparers; one that fails is logged and skipped."""
    for preparer in _preparers:
        try:
            await preparer(ctx)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("hover preparer %r failed", preparer)


def verdict_section(ctx: HoverContext) -> str:
    """The first section: probability, verdict, threshold and model (`explanation.verdict_text`,
    shared with `codeorigin explain`)."""
    options = ctx.settings.engine_options()
    return verdict_text(
        ctx.result,
        ctx.engine.effective_thresholds(options),
        ctx.engine.model.name,
        options,
        markdown=ctx.markdown,
    )


def render(ctx: HoverContext) -> str:
    """All sections of a hover, joined. Runs on the model thread (providers may be slow)."""
    parts = [verdict_section(ctx)]
    for section in _sections:
        try:
            extra = section(ctx)
        except Exception:
            log.exception("hover section %r failed", section)
            continue
        if extra:
            parts.append(extra)
    return ("\n\n---\n\n" if ctx.markdown else "\n\n").join(parts)


def context_at(
    analysis: Analysis,
    position: types.Position,
    markdown: bool,
    server: CodeOriginServer | None = None,
) -> HoverContext | None:
    """The hover context at a position: the innermost scored span containing it, if any."""
    if analysis.engine is None:
        return None
    offset = analysis.positions.offset(position)
    for result in analysis.spans_at(offset):
        if result.probability is not None:
            return HoverContext(
                uri=analysis.uri,
                text=analysis.text,
                offset=offset,
                result=result,
                engine=analysis.engine,
                settings=analysis.settings,
                markdown=markdown,
                server=server,
            )
    return None


def register(server: CodeOriginServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: CodeOriginServer, params: types.HoverParams) -> types.Hover | None:
        analysis = await ls.analyzer.current(params.text_document.uri)
        if analysis is None:
            return None
        ctx = context_at(analysis, params.position, ls.client.hover_markdown, ls)
        if ctx is None:
            return None
        await prepare(ctx)
        loop = asyncio.get_running_loop()
        text = await loop.run_in_executor(ls.executor, render, ctx) if _sections else render(ctx)
        span = ctx.result.span
        segment = next(
            ((a, b) for a, b in span.segments if a <= ctx.offset <= b), (span.start, span.end)
        )
        kind = types.MarkupKind.Markdown if ctx.markdown else types.MarkupKind.PlainText
        return types.Hover(
            contents=types.MarkupContent(kind=kind, value=text),
            range=analysis.positions.range(*segment),
        )
