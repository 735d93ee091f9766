"""Explaining a score: the hover chart, the `codeorigin.explain` command and its code action.

An explanation is an Integrated Gradients attribution of the span's score (`model.attributor`,
run by `attribution_jobs`): how much of the evidence each line and token carries (shares, which sum to
1 over the span's lines) and in which direction it pushes (a signed score: > 0 toward "LLM").

- Hover: after the verdict, a chart of the lines that weigh most, e.g.
  `L12  ████▉  31% ↑  for i in range(len(xs)):`: 1-based line, a bar of block characters (eighth
  blocks; `BAR_CELLS` cells are 100%), the share, ↑ toward LLM-generated / ↓ toward human-written
  and the line's text; then the top tokens, in plain words (`hover_text`: a stacked model's
  members, its route and the convergence delta are the explain view's and the JSON's, below, not
  the hover's; the delta is named only when it is too large). Markdown (the chart in a
  fenced block, so it stays aligned) or plain text, as the client prefers. The probability shown
  is the engine's, the one the diagnostic gives; the attribution only says where it comes from.
  A hover waits at most `HOVER_WAIT` seconds for an explanation not computed yet (spans judged
  `llm` are computed ahead right after scoring), then says it is being computed: the next hover
  has it. Without a gradient graph in the model folder the hover says explanations are
  unavailable, and why.
- `codeorigin.explain(uri, position[, {"notify": true}])` returns
  `{"uri", "span": {"name", "kind", "start_line", "end_line"}, "probability", "verdict",
  "lines": [{"line", "share", "score"}], "tokens": [{"text", "line", "score", "share"}], "delta",
  "steps", "rule"}` (lines 0-based, every line of the span with a token; the top 5 tokens) for the
  innermost judged span at the position, as `vscode-client/src/common/explanation.ts` reads it, or
  null when there is no span there. With `notify` it also shows a one-line summary
  (`window/showMessage`). A span with no score to explain (too short to judge, generated, of a
  language the model does not judge) gets an error response that says why ("codeorigin does not
  explain NAME: ..."; with `notify`, that message and null), as do a document that is not open, a
  model that cannot explain and bad arguments.
- Code action "Explain this function" (no kind, so VS Code's light bulb menu and Neovim's
  `vim.lsp.buf.code_action()` both list it) inside any judged span when the model can explain;
  when the client asks on its own (VS Code's automatic light bulb), only in spans judged `llm` or
  `uncertain`. It runs `codeorigin.explain` with `notify`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from codeorigin.core.verdicts import kind_words, plural
from codeorigin.lsp.progress import with_progress_if_slow
from codeorigin.lsp.state import (  # at run time: pygls reads the command's hints
    CodeOriginServer,
    Feature,
    HoverContext,
    kind_wanted,
)
from codeorigin.lsp.vocabulary import EXPLAIN, SOURCE
from codeorigin.model.attribution import TOP_TOKENS
from codeorigin.model.manifest import ModelError
from codeorigin.model.path_integral import Cancelled
from codeorigin.report.explanation import note
from codeorigin.report.hover_text import chart_section, summary

if TYPE_CHECKING:
    from codeorigin.engine.judging import SpanResult
    from codeorigin.lsp.analysis import Analysis
    from codeorigin.lsp.attribution_jobs import Job
    from codeorigin.model.attribution import Attribution
    from codeorigin.model.stacked_attribution import MemberContribution

HOVER_WAIT = 0.7  # seconds a hover waits for an explanation still being computed
REQUEST_FAILED = types.LSPErrorCodes.RequestFailed.value
PENDING = "the explanation is being computed — hover again in a moment."


def pending(job: Job) -> str:
    """What a hover says while its explanation is computed: how far along a long one is, in
    whole percents rounded down (99.6% done is not "100% done")."""
    if job.started and job.progress >= 0.05:
        done = min(99, int(job.progress * 100))
        return PENDING.replace("computed", f"computed ({done}% done)")
    return PENDING


# Which span -----------------------------------------------------------------------------------


def explainable(result: SpanResult) -> bool:
    """Spans with a verdict: a span too short to judge has nothing to explain."""
    return result.probability is not None and result.verdict != "too_short"


def judged_span_at(analysis: Analysis, offset: int) -> SpanResult | None:
    """The innermost judged span containing a character offset."""
    return next((r for r in analysis.spans_at(offset) if explainable(r)), None)


def to_json(uri: str, result: SpanResult, attribution: Attribution) -> dict[str, Any]:
    """The `codeorigin.explain` answer (the shape `explanation.ts` checks)."""
    span = result.span
    return {
        "uri": uri,
        "span": {
            "name": span.name,
            "kind": span.kind,
            "start_line": result.start_line,
            "end_line": result.end_line,
        },
        "probability": result.probability,
        "verdict": result.verdict,
        "lines": [
            {"line": la.line, "share": la.share, "score": la.score}
            for la in attribution.lines
            if result.start_line <= la.line <= result.end_line
        ],
        "tokens": [
            {"text": t.text, "line": t.line, "score": t.score, "share": t.share}
            | ({"member": t.member} if t.member else {})
            for t in attribution.tokens[:TOP_TOKENS]
        ],
        "members": [_member_json(m) for m in attribution.members],
        **({"route": attribution.route} if attribution.route else {}),
        "baseline_probability": attribution.baseline_probability,
        "delta": attribution.delta,
        "steps": attribution.steps,
        "rule": attribution.rule,
    }


def _member_json(m: MemberContribution) -> dict[str, Any]:
    out = {"name": m.name, "weight": m.weight, "contribution": m.contribution, "share": m.share}
    if m.figures:  # the linear member's layout and style figures, largest part first
        out["figures"] = [
            {"name": f.name, "value": f.value, "contribution": f.contribution} for f in m.figures
        ]
    return out


# Hover ----------------------------------------------------------------------------------------


async def prepare_hover(ctx: HoverContext) -> None:
    """On the event loop: ask for the explanation and wait for it at most `HOVER_WAIT`."""
    ls = ctx.server
    if ls is None or not explainable(ctx.result):
        return
    try:
        job = ls.attributions.request(ctx.uri, ctx.text, ctx.result, ctx.engine, ctx.settings)
    except ModelError:
        return  # the section says so
    if not job.future.done():
        await asyncio.wait({job.awaitable()}, timeout=HOVER_WAIT)


def hover_section(ctx: HoverContext) -> str | None:
    """On the model thread: the chart if the explanation is ready, else why not."""
    ls = ctx.server
    if ls is None or not explainable(ctx.result):
        return None
    try:
        job = ls.attributions.lookup(ctx.result, ctx.engine, ctx.settings)
        if job is None:  # not asked for by `prepare_hover` (or forgotten since): ask now
            job = ls.attributions.request(ctx.uri, ctx.text, ctx.result, ctx.engine, ctx.settings)
    except ModelError as exc:
        return note(f"explanations are unavailable: {exc}", ctx.markdown)
    future = job.future
    if not future.done() or future.cancelled():
        return note(pending(job), ctx.markdown)
    if future.exception() is not None:
        return note(f"explaining this score failed: {future.exception()}", ctx.markdown)
    attribution = ls.attributions.explanation(job, ctx.text, ctx.result.span)
    return chart_section(attribution, ctx.text, ctx.markdown)


# Command --------------------------------------------------------------------------------------


UINTEGER_MAX = 2**31 - 1  # LSP's `uinteger`, the type of a position's line and character


def _failed(message: str) -> JsonRpcException:
    return JsonRpcException(message=message, code=REQUEST_FAILED)


def _invalid(why: str) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(
        message=f'{EXPLAIN} expects [uri, position] (and optionally {{"notify": true}}): {why}'
    )


def parse_arguments(args: Sequence[Any]) -> tuple[str, types.Position, bool]:
    """(uri, position, notify) from the command's arguments; raises JsonRpcInvalidParams."""
    if len(args) not in (2, 3):
        raise _invalid(f"got {len(args)} argument(s)")
    uri, position, *rest = args
    if not isinstance(uri, str) or ":" not in uri:
        raise _invalid(f"the first argument must be a document URI, not {uri!r}")
    if not isinstance(position, dict):
        raise _invalid(
            f"the second argument must be a position {{line, character}}, not {position!r}"
        )
    line, character = position.get("line"), position.get("character")
    if not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= UINTEGER_MAX
        for v in (line, character)
    ):
        raise _invalid(
            f"the position needs whole numbers line and character from 0 to {UINTEGER_MAX}, "
            f"not {position!r}"
        )
    notify = False
    if rest:
        options = rest[0]
        if not isinstance(options, dict) or not isinstance(options.get("notify", False), bool):
            raise _invalid(f'the third argument must be {{"notify": true|false}}, not {options!r}')
        notify = bool(options.get("notify", False))
    return uri, types.Position(line=int(line), character=int(character)), notify  # type: ignore[arg-type]


def _unjudged_why(result: SpanResult, analysis: Analysis) -> str:
    """Why a span at the cursor has no score to explain, as its hover says it."""
    if result.reason is not None:
        return result.reason
    settings = analysis.settings
    return (
        f"it is too short to judge ({plural(result.n_lines, 'statement line')} and "
        f"{plural(result.n_tokens, 'identifier/literal token')}; "
        f"it needs {settings.min_lines} and {settings.min_tokens})"
    )


async def explain(ls: CodeOriginServer, *args: Any) -> dict[str, Any] | None:
    """`codeorigin.explain(uri, position[, {"notify": bool}])`: see the module docstring."""
    uri, position, notify = parse_arguments(args)
    analysis = await ls.analyzer.current(uri, asked=True)
    if analysis is None:
        raise _failed(f"{EXPLAIN}: {uri} is not open; open it in the editor first.")
    if analysis.engine is None and analysis.skipped == "model":
        raise _failed(f"codeorigin cannot explain: no model. {analysis.reason or ''}".strip())
    if analysis.skipped is not None:  # too large, disabled, a language not listed, binary, ...
        why = analysis.reason or analysis.skipped
        if notify:
            ls.notify_user(f"codeorigin: this document is not scored: {why}.")
            return None
        raise _failed(f"codeorigin does not score this document: {why}.")
    offset = analysis.positions.point(position)  # None past the last line: no span there
    result = None if offset is None else judged_span_at(analysis, offset)
    unjudged = None if offset is None else next(iter(analysis.spans_at(offset)), None)
    if result is None and unjudged is not None:
        # Not judged (its language, generated, too short): say why, not "no function here".
        why = f"codeorigin does not explain {unjudged.span.name}: {_unjudged_why(unjudged, analysis)}."
        if notify:  # the sentence names codeorigin already: no "codeorigin: codeorigin ..."
            ls.notify_user(why)
            return None
        raise _failed(why)
    if result is None or analysis.engine is None:
        if notify:
            ls.notify_user("codeorigin: there is no function at the cursor that codeorigin judges.")
        return None
    engine = analysis.engine
    try:
        job = ls.attributions.request(uri, analysis.text, result, engine, analysis.settings)
    except ModelError as exc:
        raise _failed(f"codeorigin cannot explain this score: {exc}") from exc
    work = asyncio.shield(job.awaitable())
    try:
        await with_progress_if_slow(ls, work, "codeorigin: explaining", result.span.name)
    except asyncio.CancelledError:
        raise
    except Cancelled:  # the document closed while it was explained: nothing left to show
        return None
    except Exception as exc:
        raise _failed(f"explaining {result.span.name} failed: {exc}") from exc
    loop = asyncio.get_running_loop()
    attribution = await loop.run_in_executor(
        ls.executor.interactive, ls.attributions.explanation, job, analysis.text, result.span
    )
    if notify:
        ls.notify_user(summary(result, attribution))
    return to_json(uri, result, attribution)


# Code action ----------------------------------------------------------------------------------


async def code_action(
    ls: CodeOriginServer, params: types.CodeActionParams
) -> types.CodeAction | None:
    """The "Explain this function" action at the start of the range, inside a judged span: a
    quick fix (as linters offer "show documentation for this rule"), tied to the span's
    diagnostics among those the client sent."""
    if not kind_wanted(types.CodeActionKind.QuickFix, params.context.only):
        return None
    analysis = await ls.analyzer.current(params.text_document.uri)
    if analysis is None or analysis.engine is None:
        return None
    offset = analysis.positions.point(params.range.start)
    result = judged_span_at(analysis, offset) if offset is not None else None
    if result is None:
        return None
    automatic = params.context.trigger_kind == types.CodeActionTriggerKind.Automatic
    if automatic and result.verdict not in ("llm", "uncertain"):
        return None
    if not ls.attributions.can_explain(analysis.engine):
        return None
    title = f"Explain this {kind_words(result.span.kind)}"
    start = params.range.start
    arguments = [
        analysis.uri,
        {"line": start.line, "character": start.character},
        {"notify": True},
    ]
    span = analysis.positions.range(result.span.start, result.span.end)
    diagnostics = [
        d
        for d in params.context.diagnostics
        if d.source == SOURCE and d.range.start.line <= span.end.line
        and d.range.end.line >= span.start.line
    ]  # fmt: skip
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=diagnostics or None,
        command=types.Command(title=title, command=EXPLAIN, arguments=arguments),
    )


# The feature ----------------------------------------------------------------------------------


class Explain(Feature):
    """The command, the hover chart, the code action, and explanations computed ahead."""

    def register(self, server: CodeOriginServer) -> None:
        server.command(EXPLAIN)(explain)

    def on_analysis(self, server: CodeOriginServer, analysis: Analysis) -> None:
        uncertain = analysis.settings.inlay_hints and server.client.inlay_hints
        server.attributions.ahead(analysis, uncertain=uncertain)

    async def prepare_hover(self, ctx: HoverContext) -> None:
        await prepare_hover(ctx)

    def hover_section(self, ctx: HoverContext) -> str | None:
        return hover_section(ctx)

    async def code_actions(
        self, server: CodeOriginServer, params: types.CodeActionParams
    ) -> list[types.CodeAction]:
        action = await code_action(server, params)
        return [action] if action is not None else []
