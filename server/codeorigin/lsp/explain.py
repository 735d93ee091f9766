"""Explaining a score: the hover chart, the `codeorigin.explain` command and its code action.

An explanation is an Integrated Gradients attribution of the span's score (`model.attributor`,
run by `explanations`): how much of the evidence each line and token carries (shares, which sum to
1 over the span's lines) and in which direction it pushes (a signed score: > 0 toward "LLM").

- Hover: after the verdict, a chart of the lines that weigh most, e.g.
  `L12  ████▉  31% ↑  for i in range(len(xs)):`: 1-based line, a bar of block characters (eighth
  blocks; `BAR_CELLS` cells are 100%), the share, ↑ toward LLM-generated / ↓ toward human-written
  and the line's text; then the top tokens and the convergence delta. Markdown (the chart in a
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
  null when there is none. With `notify` it also shows a one-line summary (`window/showMessage`).
  A document that is not open, a model that cannot explain and bad arguments get an error response.
- Code action "Explain this function" (no kind, so VS Code's light bulb menu and Neovim's
  `vim.lsp.buf.code_action()` both list it) inside any judged span when the model can explain;
  when the client asks on its own (VS Code's automatic light bulb), only in spans judged `llm` or
  `uncertain`. It runs `codeorigin.explain` with `notify`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from codeorigin.lsp import hover
from codeorigin.lsp.diagnostics import percent
from codeorigin.lsp.hover import VERDICT_WORDS, HoverContext
from codeorigin.lsp.positions import line_starts
from codeorigin.lsp.progress import with_progress_if_slow
from codeorigin.lsp.server import CodeOriginServer  # at run time: pygls reads the command's hints
from codeorigin.model.manifest import ModelError

if TYPE_CHECKING:
    from codeorigin.engine import SpanResult
    from codeorigin.lsp.analysis import Analysis
    from codeorigin.model.attributor import Attribution, TokenAttribution

EXPLAIN = "codeorigin.explain"
HOVER_WAIT = 0.7  # seconds a hover waits for an explanation still being computed
CHART_LINES = 5
TOP_TOKENS = 5
BAR_CELLS = 16  # a 100% bar
SNIPPET = 50  # characters of a line's text in the chart
DELTA_WARN = 0.05  # above this convergence delta the hover suggests more steps
REQUEST_FAILED = types.LSPErrorCodes.RequestFailed.value
_EIGHTHS = "▏▎▍▌▋▊▉"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")
PENDING = "the explanation is being computed — hover again in a moment."


# Which span -----------------------------------------------------------------------------------


def explainable(result: SpanResult) -> bool:
    """Spans with a verdict: a span too short to judge has nothing to explain."""
    return result.probability is not None and result.verdict != "too_short"


def judged_span_at(analysis: Analysis, offset: int) -> SpanResult | None:
    """The innermost judged span containing a character offset."""
    return next((r for r in analysis.spans_at(offset) if explainable(r)), None)


# Rendering ------------------------------------------------------------------------------------


def bar(share: float, cells: int = BAR_CELLS) -> str:
    """A bar of `share * cells` block characters, to an eighth of a cell (never empty for a
    share above 0)."""
    eighths = round(min(max(share, 0.0), 1.0) * cells * 8)
    if eighths == 0 and share > 0:
        eighths = 1
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest - 1] if rest else "")


def direction(score: float) -> str:
    """↑ toward LLM-generated, ↓ toward human-written."""
    return "↑" if score > 0 else "↓" if score < 0 else "·"


def token_label(token: TokenAttribution) -> str:
    """A token as a reader sees it: layout markers as ⏎ and ⇥, whitespace made visible."""
    if token.kind == "newline":
        return "⏎"
    if token.kind == "indent":
        return "⇥"
    shown = token.text.replace("\r\n", "⏎").replace("\n", "⏎").replace("\r", "⏎")
    shown = shown.replace("\t", "⇥")
    return shown if shown.strip() else "␠"


def code_span(text: str) -> str:
    """Markdown inline code that survives backticks in the text."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def escape_markdown(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def snippet(line: str, width: int = SNIPPET) -> str:
    """A line's text for the chart: trimmed, tabs as spaces, at most `width` characters."""
    text = line.strip().replace("\t", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def _line_texts(text: str, lines: Sequence[int]) -> dict[int, str]:
    starts = line_starts(text)
    out: dict[int, str] = {}
    for line in lines:
        if 0 <= line < len(starts):
            end = starts[line + 1] if line + 1 < len(starts) else len(text)
            out[line] = text[starts[line] : end].rstrip("\r\n")
    return out


def chart(attribution: Attribution, text: str, n: int = CHART_LINES) -> list[str]:
    """Rows for the `n` lines with the largest shares, largest first."""
    top = attribution.top_lines(n)
    texts = _line_texts(text, [la.line for la in top])
    numbers = [f"L{la.line + 1}" for la in top]
    bars = [bar(la.share) for la in top]
    wn = max((len(s) for s in numbers), default=0)
    wb = max((len(s) for s in bars), default=0)
    return [
        f"{num:<{wn}}  {b:<{wb}}  {percent(la.share):>4} {direction(la.score)}  "
        f"{snippet(texts.get(la.line, ''))}".rstrip()
        for num, b, la in zip(numbers, bars, top)
    ]


def tokens_line(attribution: Attribution, markdown: bool, n: int = TOP_TOKENS) -> str:
    """The top tokens, e.g. `zebra` L5 ↑ 62% · `⏎` L4 ↓ 3%."""
    parts = []
    for token in attribution.tokens[:n]:
        label = token_label(token)
        shown = code_span(label) if markdown else f'"{label}"'
        parts.append(
            f"{shown} L{token.line + 1} {direction(token.score)} {percent(token.share)}"
            if token.share > 0
            else f"{shown} L{token.line + 1} {direction(token.score)}"
        )
    return "Top tokens: " + " · ".join(parts) if parts else "Top tokens: none"


def delta_text(delta: float) -> str:
    return f"{100 * delta:.1f}%"


def render(attribution: Attribution, text: str, kind: str, markdown: bool) -> str:
    """The hover section for an explanation (Markdown or plain text)."""
    rows = chart(attribution, text)
    title = "Why this score: the lines that weigh most"
    legend = (
        f"Shares of the evidence sum to 100% over the {kind}'s lines; ↑ pushes toward "
        "LLM-generated, ↓ toward human-written."
    )
    quality = (
        f"Integrated Gradients, {attribution.steps} steps; convergence delta "
        f"{delta_text(attribution.delta)} (how far the line scores are from adding up to the "
        "score exactly; lower is better)."
    )
    if attribution.delta > DELTA_WARN:
        quality += " The explanation is approximate: raise codeorigin.igSteps for a closer one."
    if not markdown:
        return "\n".join(
            [title, "", *rows, "", tokens_line(attribution, False), "", legend, quality]
        )
    longest = max((len(run) for row in rows for run in re.findall(r"`+", row)), default=0)
    fence = "`" * max(3, longest + 1)
    return "\n".join(
        [
            f"**{title}**",
            "",
            f"{fence}text",
            *rows,
            fence,
            "",
            tokens_line(attribution, True),
            "",
            legend,
            quality,
        ]
    )


def note(message: str, markdown: bool) -> str:
    """A one-paragraph section (unavailable, pending, failed)."""
    return (
        f"**Why this score:** {escape_markdown(message)}"
        if markdown
        else f"Why this score: {message}"
    )


def summary(result: SpanResult, attribution: Attribution) -> str:
    """One line for a message: the verdict, the lines that weigh most, the top tokens, the delta."""
    span = result.span
    lines = ", ".join(
        f"L{la.line + 1} {percent(la.share)} {direction(la.score)}"
        for la in attribution.top_lines(3)
    )
    tokens = ", ".join(
        f"{token_label(t)} {direction(t.score)}" for t in attribution.tokens[:TOP_TOKENS]
    )
    assert result.probability is not None
    return (
        f"codeorigin: {span.name} ({span.kind}) is {VERDICT_WORDS[result.verdict]} "
        f"({percent(result.probability)}). Lines that weigh most: {lines}. Top tokens: {tokens}. "
        f"Convergence delta {delta_text(attribution.delta)}. Hover the {span.kind} for the chart."
    )


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
            for t in attribution.tokens[:TOP_TOKENS]
        ],
        "delta": attribution.delta,
        "steps": attribution.steps,
        "rule": attribution.rule,
    }


# Hover ----------------------------------------------------------------------------------------


async def prepare_hover(ctx: HoverContext) -> None:
    """On the event loop: ask for the explanation and wait for it at most `HOVER_WAIT`."""
    ls = ctx.server
    if ls is None or not explainable(ctx.result):
        return
    try:
        job = ls.explanations.request(ctx.uri, ctx.text, ctx.result, ctx.engine, ctx.settings)
    except ModelError:
        return  # the section says so
    if not job.future.done():
        await asyncio.wait({asyncio.wrap_future(job.future)}, timeout=HOVER_WAIT)


def hover_section(ctx: HoverContext) -> str | None:
    """On the model thread: the chart if the explanation is ready, else why not."""
    ls = ctx.server
    if ls is None or not explainable(ctx.result):
        return None
    try:
        job = ls.explanations.lookup(ctx.result, ctx.engine, ctx.settings)
        if job is None:  # not asked for by `prepare_hover` (or forgotten since): ask now
            job = ls.explanations.request(ctx.uri, ctx.text, ctx.result, ctx.engine, ctx.settings)
    except ModelError as exc:
        return note(f"explanations are unavailable: {exc}", ctx.markdown)
    future = job.future
    if not future.done() or future.cancelled():
        return note(PENDING, ctx.markdown)
    if future.exception() is not None:
        return note(f"explaining this score failed: {future.exception()}", ctx.markdown)
    attribution = ls.explanations.explanation(job, ctx.text, ctx.result.span)
    return render(attribution, ctx.text, ctx.result.span.kind, ctx.markdown)


# Command --------------------------------------------------------------------------------------


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
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (line, character)
    ):
        raise _invalid(
            f"the position needs whole numbers line and character >= 0, not {position!r}"
        )
    notify = False
    if rest:
        options = rest[0]
        if not isinstance(options, dict) or not isinstance(options.get("notify", False), bool):
            raise _invalid(f'the third argument must be {{"notify": true|false}}, not {options!r}')
        notify = bool(options.get("notify", False))
    return uri, types.Position(line=int(line), character=int(character)), notify  # type: ignore[arg-type]


async def explain(ls: CodeOriginServer, *args: Any) -> dict[str, Any] | None:
    """`codeorigin.explain(uri, position[, {"notify": bool}])`: see the module docstring."""
    uri, position, notify = parse_arguments(args)
    analysis = await ls.analyzer.current(uri)
    if analysis is None:
        raise _failed(f"{EXPLAIN}: {uri} is not open; open it in the editor first.")
    if analysis.engine is None and analysis.skipped == "model":
        key = ls.models.key(analysis.settings, ls.settings.folder_path(uri))
        raise _failed(
            f"codeorigin cannot explain: no model. {ls.models.failure(key) or ''}".strip()
        )
    result = judged_span_at(analysis, analysis.positions.offset(position))
    if result is None or analysis.engine is None:
        if notify:
            ls.notify_user("codeorigin: there is no function at the cursor that codeorigin judges.")
        return None
    engine = analysis.engine
    try:
        job = ls.explanations.request(uri, analysis.text, result, engine, analysis.settings)
    except ModelError as exc:
        raise _failed(f"codeorigin cannot explain this score: {exc}") from exc
    work = asyncio.shield(asyncio.wrap_future(job.future))
    try:
        await with_progress_if_slow(ls, work, "codeorigin: explaining", result.span.name)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise _failed(f"explaining {result.span.name} failed: {exc}") from exc
    loop = asyncio.get_running_loop()
    attribution = await loop.run_in_executor(
        ls.executor, ls.explanations.explanation, job, analysis.text, result.span
    )
    if notify:
        ls.notify_user(summary(result, attribution))
    return to_json(uri, result, attribution)


# Code action ----------------------------------------------------------------------------------


async def code_action(
    ls: CodeOriginServer, params: types.CodeActionParams
) -> types.CodeAction | None:
    """The "Explain this function" action at the start of the range, inside a judged span."""
    if params.context.only:
        return None
    analysis = await ls.analyzer.current(params.text_document.uri)
    if analysis is None or analysis.engine is None:
        return None
    result = judged_span_at(analysis, analysis.positions.offset(params.range.start))
    if result is None:
        return None
    automatic = params.context.trigger_kind == types.CodeActionTriggerKind.Automatic
    if automatic and result.verdict not in ("llm", "uncertain"):
        return None
    if not ls.explanations.can_explain(analysis.engine):
        return None
    title = f"Explain this {result.span.kind}"
    start = params.range.start
    arguments = [
        analysis.uri,
        {"line": start.line, "character": start.character},
        {"notify": True},
    ]
    return types.CodeAction(
        title=title, command=types.Command(title=title, command=EXPLAIN, arguments=arguments)
    )


# Registration ---------------------------------------------------------------------------------


def register(server: CodeOriginServer) -> None:
    hover.add_preparer(prepare_hover)
    hover.add_section(hover_section)
    server.command(EXPLAIN)(explain)

    def ahead(analysis: Analysis) -> None:
        uncertain = analysis.settings.inlay_hints and server.client.inlay_hints
        server.explanations.ahead(analysis, uncertain=uncertain)

    server.analyzer.listeners.append(ahead)
