"""Explanations as text, the explain view: the line chart, the top tokens, the members, the
method and the convergence delta.

The full rendering, for `codeorigin explain` and `scan --explain` on the command line; the
editor's hover and one-line message say less, in plain words (`hover_text`), from the same
pieces (the chart, the top tokens). Takes an `Attribution` (`model.attributor`) and the text it
was computed on; imports neither pygls nor onnxruntime.

A chart row reads `L12  ████▉  31% ↑  for i in range(len(xs)):`: the 1-based line, a bar of block
characters (eighth blocks; `BAR_CELLS` cells are 100%), the line's share of the evidence, ↑ toward
LLM-generated / ↓ toward human-written, and the line's text. A stacked model's explanation also
says how much each member (the transformer, the linear member) contributed, names the layout and
style figures that moved the linear member most (the spread of line lengths, the share of comment
lines, ...), and tags each top token with the member it comes from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from codeorigin.core.spans import line_starts
from codeorigin.core.verdicts import (
    VERDICT_WORDS,
    kind_words,
    percent,
    percents,
    plural,
    share_percent,
)
from codeorigin.model.attribution import TOP_TOKENS  # how many tokens an explanation shows
from codeorigin.report.words import calibrate_hint

if TYPE_CHECKING:
    from codeorigin.engine.judging import SpanResult, VerdictRules
    from codeorigin.model.attribution import Attribution, TokenAttribution

CHART_LINES = 5
BAR_CELLS = 16  # a 100% bar
SNIPPET = 50  # characters of a line's text in the chart
DELTA_WARN = 0.05  # above this convergence delta the hover suggests more steps
_EIGHTHS = "▏▎▍▌▋▊▉"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def verdict_text(
    result: SpanResult,
    thresholds: tuple[float, float],
    model: str,
    options: VerdictRules,
    *,
    markdown: bool,
    aside: str | None = None,
    calibrated: str | None = None,
    calibratable: bool = False,
) -> str:
    """The verdict of a span: probability, verdict, thresholds in effect (llm, uncertain; what a
    repository's own threshold rests on: `calibrated`), why it is not judged (and, where a
    repository's own calibration could judge it, `calibratable`, how) or not flagged, why it has
    no diagnostic (`aside`: the editor's baseline or the edit's base knew it), and the model."""
    r = result
    llm, uncertain = thresholds
    # A span too short to judge, or generated, gets no probability: as `scan` shows it.
    judged = r.probability is not None and r.verdict not in ("too_short", "generated")
    # Beside its threshold, a probability below it never reads as equal to it (`percents`).
    prob, shown_llm = "n/a", percent(llm)
    if judged and r.probability is not None:
        prob, shown_llm = percents(r.probability, llm)
    md = markdown
    name = code_span(r.span.name) if md else r.span.name  # a name may hold backticks
    lines = [
        f"**codeorigin: {VERDICT_WORDS[r.verdict]}**"
        if md
        else f"codeorigin: {VERDICT_WORDS[r.verdict]}",
        "",
        f"{name} ({kind_words(r.span.kind)}): probability of LLM authorship {f'**{prob}**' if md else prob}",
        "",
    ]
    bullet = "- " if md else ""
    # The verdict's id as JSON and SARIF name it; `human` means only "not flagged" (below).
    lines.append(f"{bullet}Verdict: {r.verdict if r.verdict != 'human' else 'human (not flagged)'}")
    if r.verdict != "not_judged":  # no threshold applies where the model does not judge
        own = f"; {calibrated}" if calibrated and options.threshold is None else ""
        lines.append(f"{bullet}Threshold: {shown_llm} (uncertain from {percent(uncertain)}{own})")
    if r.verdict in ("human", "uncertain"):
        lines.append(f"{bullet}Not flagged: below the threshold, which is no evidence that a "
                     "person wrote it (the model misses much LLM-written code)")  # fmt: skip
    if r.verdict == "too_short":
        statements, tokens, needs = length(r, options)
        lines.append(f"{bullet}Length: {statements}, {tokens} (needs {needs})")
    lines += unshown(r, aside, bullet, markdown=md)
    if r.verdict == "not_judged" and calibratable and r.language:
        lines.append(f"{bullet}What to do: {calibrate_hint([r.language], markdown=md)}")
    lines.append(f"{bullet}Model: {f'`{model}`' if md else model}")
    return "\n".join(lines)


def length(result: SpanResult, options: VerdictRules) -> tuple[str, str, str]:
    """A span too short to judge, measured: its statement lines (`1 statement line`), its
    identifier and literal tokens, and what the "too short" guard needs (`3 and 8`)."""
    return (
        plural(result.n_lines, "statement line"),
        plural(result.n_tokens, "identifier/literal token"),
        f"{options.min_lines} and {options.min_tokens}",
    )


def unshown(result: SpanResult, aside: str | None, bullet: str, *, markdown: bool) -> list[str]:
    """The lines, each after `bullet`, that say why a span is not scored (generated, a language
    the model does not judge), suppressed (and the comment's reason) or, flagged, has no
    diagnostic (`aside`: the baseline or the edit's base knew it); the explain view and the hover
    say them alike."""
    r = result
    lines = []
    if r.reason is not None:
        lines.append(f"{bullet}Not scored: {r.reason}")
    if r.suppressed is not None:
        said = escape_markdown(r.suppressed) if markdown else r.suppressed  # `__init__`, `*args`
        why = f": {said}" if r.suppressed else ""
        lines.append(f"{bullet}Suppressed by a codeorigin: ignore comment{why}")
    if aside is not None and r.verdict in ("llm", "uncertain"):
        lines.append(f"{bullet}No diagnostic: {aside}")
    return lines


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
    return shown.strip(" ") or "␠"  # a word's leading space (byte-level BPE) is no part of it


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


def line_texts(text: str, lines: Sequence[int]) -> dict[int, str]:
    """The text of each of `lines` (0-based, as the spans count them: a lone CR ends a line, a
    form feed does not), without its line end."""
    starts = line_starts(text)
    out: dict[int, str] = {}
    for line in lines:
        if 0 <= line < len(starts):
            end = starts[line + 1] if line + 1 < len(starts) else len(text)
            out[line] = text[starts[line] : end].rstrip("\r\n")
    return out


def heaviest_texts(attribution: Attribution, text: str) -> tuple[tuple[int, str], ...]:
    """(line, 1-based; its text) of the chart's heaviest lines: what a report quotes of them."""
    top = [la.line for la in attribution.top_lines(CHART_LINES)]
    return tuple((line + 1, line_text) for line, line_text in line_texts(text, top).items())


def chart(attribution: Attribution, text: str, n: int = CHART_LINES) -> list[str]:
    """Rows for the `n` lines with the largest shares, largest first."""
    top = attribution.top_lines(n)
    texts = line_texts(text, [la.line for la in top])
    numbers = [f"L{la.line + 1}" for la in top]
    bars = [bar(la.share) for la in top]
    wn = max((len(s) for s in numbers), default=0)
    wb = max((len(s) for s in bars), default=0)
    return [
        f"{num:<{wn}}  {b:<{wb}}  {share_percent(la.share):>4} {direction(la.score)}  "
        f"{snippet(texts.get(la.line, ''))}".rstrip()
        for num, b, la in zip(numbers, bars, top)
    ]


def tokens_line(
    attribution: Attribution, markdown: bool, n: int = TOP_TOKENS, *, members: bool = True
) -> str:
    """The top tokens, e.g. `zebra` L5 ↑ 62% · `⏎` L4 ↓ 3% (a stacked model's: `zebra` L5 ↑ 62%
    linear; with `members` False, as the hover shows them, one entry per token whichever member
    its evidence comes from)."""
    parts = []
    for (label, line, member, arrow), (share, count) in same_tokens(attribution, members)[:n]:
        shown = code_span(label) if markdown else f'"{label}"'
        times = f" ×{count}" if count > 1 else ""
        percent = f" {share_percent(share)}" if share > 0 else ""
        by = f" {member}" if member else ""
        parts.append(f"{shown} L{line + 1}{times} {arrow}{percent}{by}")
    return "Top tokens: " + " · ".join(parts) if parts else "Top tokens: none"


def same_tokens(
    attribution: Attribution, members: bool = True
) -> list[tuple[tuple[str, int, str, str], tuple[float, int]]]:
    """The tokens, those that read the same (text, line, member and direction: `str` twice in
    `dict[str, str]`) as one with their shares summed and counted, heaviest first. With `members`
    False the member is left out (""): the same token from both members is one entry, counted as
    often as the member that has it most often has it."""
    merged: dict[tuple[str, int, str, str], tuple[float, dict[str, int]]] = {}
    for token in attribution.tokens:
        key = (token_label(token), token.line, token.member if members else "",
               direction(token.score))  # fmt: skip
        share, counts = merged.get(key, (0.0, {}))
        merged[key] = (
            share + token.share,
            counts | {token.member: counts.get(token.member, 0) + 1},
        )
    ranked = sorted(merged.items(), key=lambda item: -item[1][0])
    return [(key, (share, max(counts.values()))) for key, (share, counts) in ranked]


def members_line(attribution: Attribution) -> str:
    """How much each member of a stacked model contributed ("" for one transformer), e.g.
    `Members: transformer +1.20 (weight 0.80, 63% of the evidence) · linear +0.70 (...)`: each
    member's contribution from the baseline, and its size over both."""
    if not attribution.members:
        return ""
    route = attribution.route
    parts = [
        f"{m.name} {m.contribution:+.2f} (weight {m.weight:.2f}, "
        f"{share_percent(m.share)} of the evidence)"
        for m in attribution.members
        if not (route and m.weight == 0.0)  # the route leaves the transformer out
    ]
    unit = "the route's logit" if route else "the stacked logit"
    line = "Members: " + " · ".join(parts) + f", in units of {unit} before calibration"
    if route:
        line += (
            f". Scored as {route}: this is the {route} route's score (its linear features alone, "
            "the transformer taking no part, mapped onto the language's thresholds): it is "
            "higher here than the stacker's, so it is the one shown."
        )
    return line


#: How each layout and style figure (`core.features.FIGURES`) reads: what it measures, the scale
#: that turns its value into the unit a reader knows (None: `lines`, log(1 + lines) / 6) and the unit.
FIGURE_WORDS: dict[str, tuple[str, float | None, str]] = {
    "comment_lines": ("comment lines", 100.0, "%"),
    "docstring_lines": ("docstring lines", 100.0, "%"),
    "inline_comments": ("code lines with a comment after the code", 100.0, "%"),
    "identifier_length": ("mean name length", 20.0, " characters"),
    "snake_case": ("snake_case names", 100.0, "%"),
    "camel_case": ("camelCase names", 100.0, "%"),
    "upper_case": ("ALL_CAPS names", 100.0, "%"),
    "short_identifiers": ("one-letter names", 100.0, "%"),
    "line_length": ("mean line length", 80.0, " characters"),
    "line_length_spread": ("spread of line lengths", 40.0, " characters"),
    "long_lines": ("lines over 100 characters", 100.0, "%"),
    "blank_lines": ("blank lines", 100.0, "%"),
    "block_spread": ("spread of the blocks between blank lines", 10.0, " lines"),
    "indentation": ("mean indentation", 8.0, " columns"),
    "lines": ("length", None, " lines"),
    "comment_capitalised": ("comments that start with a capital", 100.0, "%"),
    "comment_full_stop": ("comments that end with a full stop", 100.0, "%"),
    "comment_words": ("mean words per comment", 10.0, ""),
    "comment_lowercase": ("comments that start in lowercase", 100.0, "%"),
}
STYLE_FIGURES = 3  # figures an explanation names
STYLE_MIN = 0.01  # smaller contributions (stacked-logit units) are not named


def figure_text(name: str, value: float) -> str:
    """A figure as a reader measures it, e.g. `spread of line lengths 14.2 characters`."""
    words, scale, unit = FIGURE_WORDS.get(name, (name, 1.0, ""))
    if scale is None:
        lines = round(math.expm1(6.0 * value))
        return f"{words} {lines}{unit if lines != 1 else unit.removesuffix('s')}"  # 1 line
    shown = f"{value * scale:.0f}" if unit == "%" else f"{value * scale:.1f}"
    return f"{words} {shown}{unit}"


def figures_line(attribution: Attribution) -> str:
    """The layout and style figures that moved a stacked score most ("" when none did), e.g.
    `... figures (...): spread of line lengths 14.2 characters +0.41 ↑ · comment lines 0% -0.22 ↓`
    (each figure's part of the linear member's contribution, in the members' units; its evidence is
    in the chart too, on the lines it was measured on)."""
    found = [f for m in attribution.members for f in m.figures if abs(f.contribution) >= STYLE_MIN]
    found.sort(key=lambda f: -abs(f.contribution))
    parts = [
        f"{figure_text(f.name, f.value)} {f.contribution:+.2f} {direction(f.contribution)}"
        for f in found[:STYLE_FIGURES]
    ]
    if not parts:
        return ""
    return (
        "The linear member's layout and style figures (part of its contribution, and of the lines"
        " each was measured on): " + " · ".join(parts)
    )


def delta_text(delta: float) -> str:
    return f"{100 * delta:.1f}%"


def render(
    attribution: Attribution,
    text: str,
    kind: str,
    markdown: bool,
    more_steps: str = "codeorigin.igSteps",
) -> str:
    """The hover section for an explanation (Markdown or plain text). `more_steps` names what
    raises the steps where it is read (the editor's setting, the command line's `--steps`)."""
    rows = chart(attribution, text)
    title = "Why this score: the lines that weigh most"
    base = attribution.baseline_probability
    start = (
        f", from the baseline's {percent(base)} (the score with every token blanked out, the "
        "point the evidence is measured from; it is not 50% and varies with the length)"
        if base is not None
        else ""
    )
    legend = (
        f"Shares of the evidence sum to 100% over the {kind}'s lines; ↑ pushes toward "
        f"LLM-generated, ↓ toward human-written{start}."
    )
    if not attribution.members:
        method = f"Integrated Gradients, {attribution.steps} steps"
    elif attribution.route:
        method = "The linear member's exact contributions, scaled by its weight in the route"
    else:
        method = (
            f"The transformer's Integrated Gradients ({attribution.steps} steps) and the linear "
            "member's exact contributions, each scaled by its stacking weight"
        )
    quality = (
        f"{method}; convergence delta "
        f"{delta_text(attribution.delta)} (how far the line scores are from adding up to the "
        "score exactly; lower is better)."
    )
    if attribution.delta > DELTA_WARN:
        quality += f" The explanation is approximate: raise {more_steps} for a closer one."
    members = members_line(attribution)
    style = figures_line(attribution)
    extra = [members, "", *([style, ""] if style else [])] if members else []  # paragraphs
    if not markdown:
        return "\n".join(
            [title, "", *rows, "", tokens_line(attribution, False), "", *extra, legend, quality]
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
            *extra,
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
