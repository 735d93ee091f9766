"""The hover and the one-line message of **Explain this function**, in plain words for a reader.

A hover says what a reader needs to act on a score: the probability and the verdict, the threshold
that applies to the span (its language's, the repository's own or the user's), the lines and the
tokens that weigh most, and what to do about it (a score is a reason to look, not proof). The
workings (each member's contribution and weight, the route, the layout figures, the attribution
method and its convergence delta, the baseline the evidence is measured from) are left to the
explain view (`codeorigin explain`, `explanation.render`) and to the JSON of `codeorigin.explain`
and `scan --explain`.

Takes the engine's results and an `Attribution`; imports neither pygls nor onnxruntime (the
language server's `features.hover` and `features.explain` call it).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from codeorigin.core.verdicts import VERDICT_WORDS, kind_words, percent, percents, share_percent
from codeorigin.model.attribution import TOP_TOKENS
from codeorigin.report.explanation import (
    DELTA_WARN,
    chart,
    code_span,
    direction,
    length,
    same_tokens,
    tokens_line,
    unshown,
)
from codeorigin.report.words import calibrate_hint

if TYPE_CHECKING:
    from codeorigin.engine.judging import SpanResult, VerdictRules
    from codeorigin.model.attribution import Attribution

CHART_TITLE = "Why this score: the lines that weigh most"

#: The line of what to do, per verdict judged.
WHAT_TO_DO = {
    "llm": "a reason to look, not proof: read the lines that weigh most and ask whoever wrote it",
    "uncertain": (
        "nothing is flagged; a score in the uncertain band is at most a reason to look, not "
        "proof, and no evidence that a person wrote it either"
    ),
    "human": (
        "nothing is flagged, and that is no evidence that a person wrote it (the model misses "
        "much LLM-written code)"
    ),
}


def threshold_line(
    thresholds: tuple[float, float],
    options: VerdictRules,
    language: str | None,
    probability: float | None,
    calibrated: str | None = None,
) -> str:
    """`Threshold for python: 84.5%, flagged at or above it (uncertain from 60.3%)`: the threshold
    that applies to the span and where it comes from when it is not the model's."""
    llm, uncertain = thresholds
    shown = percents(probability, llm)[1] if probability is not None else percent(llm)
    whose = f" for {language}" if language else ""
    source = ""
    if options.threshold is not None:
        source = "; set by codeorigin.threshold"
    elif calibrated:
        source = f"; {calibrated}"
    return (
        f"Threshold{whose}: {shown}, flagged at or above it "
        f"(uncertain from {percent(uncertain)}{source})"
    )


def verdict_section(
    result: SpanResult,
    thresholds: tuple[float, float],
    options: VerdictRules,
    *,
    language: str | None,
    markdown: bool,
    aside: str | None = None,
    calibrated: str | None = None,
    calibratable: bool = False,
) -> str:
    """The hover's first section: the verdict in words, the probability, the threshold that
    applies (none where the model does not judge), why a span is not scored or has no
    diagnostic, and what to do (for a language the model does not judge: how a repository's
    own calibration could judge it, where it can: `calibratable`)."""
    r, md = result, markdown
    judged = r.probability is not None and r.verdict not in ("too_short", "generated")
    probability = r.probability if judged else None
    prob = percents(probability, thresholds[0])[0] if probability is not None else "n/a"
    name = code_span(r.span.name) if md else r.span.name  # a name may hold backticks
    words = VERDICT_WORDS[r.verdict]
    lines = [
        f"**codeorigin: {words}**" if md else f"codeorigin: {words}",
        "",
        f"{name} ({kind_words(r.span.kind)}): probability of LLM authorship {f'**{prob}**' if md else prob}",
        "",
    ]
    bullet = "- " if md else ""
    if r.verdict != "not_judged":  # no threshold applies where the model does not judge
        lines.append(
            bullet + threshold_line(thresholds, options, language, probability, calibrated)
        )
    if r.verdict == "too_short":
        statements, tokens, needs = length(r, options)
        lines.append(f"{bullet}Too short to judge: {statements} and {tokens} (it needs {needs})")
    lines += unshown(r, aside, bullet, markdown=md)
    if judged and r.verdict in WHAT_TO_DO:
        lines.append(f"{bullet}What to do: {WHAT_TO_DO[r.verdict]}")
    elif r.verdict == "not_judged" and calibratable and language:
        lines.append(f"{bullet}What to do: {calibrate_hint([language], markdown=md)}")
    return "\n".join(lines)


def chart_section(
    attribution: Attribution,
    text: str,
    markdown: bool,
    more_steps: str = "codeorigin.igSteps",
) -> str:
    """The hover's explanation: the lines that weigh most (a chart), the top tokens, and how to
    read them; when the explanation is approximate, what makes it closer (`more_steps`)."""
    rows = chart(attribution, text)
    tokens = tokens_line(attribution, markdown, members=False)
    legend = (
        "The percentages are each line's share of the evidence; ↑ pushes toward LLM-written, ↓ "
        "toward human-written."
    )
    if attribution.delta > DELTA_WARN:
        legend += f" The explanation is approximate: raise {more_steps} for a closer one."
    if not markdown:
        return "\n".join([CHART_TITLE, "", *rows, "", tokens, "", legend])
    longest = max((len(run) for row in rows for run in re.findall(r"`+", row)), default=0)
    fence = "`" * max(3, longest + 1)
    return "\n".join(
        [f"**{CHART_TITLE}**", "", f"{fence}text", *rows, fence, "", tokens, "", legend]
    )


def summary(result: SpanResult, attribution: Attribution) -> str:
    """One line for a message (a code lens clicked, the code action): the verdict, the lines and
    the tokens that weigh most, and what to do."""
    span = result.span
    lines = ", ".join(
        f"L{la.line + 1} {share_percent(la.share)} {direction(la.score)}"
        for la in attribution.top_lines(3)
    )
    tokens = ", ".join(  # as the hover has them: quoted (`","` is a token), the same text on a
        # line as one
        f'"{label}" L{line + 1}{f" ×{count}" if count > 1 else ""} {arrow}'
        for (label, line, _, arrow), (_, count) in same_tokens(attribution, False)[:TOP_TOKENS]
    )
    assert result.probability is not None
    todo = WHAT_TO_DO.get(result.verdict, "")
    return (
        f"codeorigin: {span.name} ({kind_words(span.kind)}) is {VERDICT_WORDS[result.verdict]} "
        f"({percent(result.probability)}). Lines that weigh most: {lines}. Top tokens: {tokens}. "
        f"{f'What to do: {todo}. ' if todo else ''}Hover the {kind_words(span.kind)} for the chart."
    )
