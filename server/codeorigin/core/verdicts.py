"""Verdicts from probabilities: `llm`, `uncertain`, `human`, or `too_short` to judge (and
`generated` for a span a generator wrote, which is never scored, and `not_judged` for a span of a
language the model abstains on: no score rather than a meaningless low one)."""

from __future__ import annotations

from typing import Literal

Verdict = Literal["llm", "uncertain", "human", "too_short", "generated", "not_judged"]


def verdict(
    probability: float | None,
    *,
    llm_threshold: float,
    uncertain_threshold: float,
    n_tokens: int,
    n_lines: int,
    min_tokens: int,
    min_lines: int,
) -> Verdict:
    """The verdict for one scored text.

    Texts under `min_tokens` identifier/literal tokens or `min_lines` statement lines (what
    `core.spans.Content` counts: never braces, punctuation or the signature) are `too_short`: the
    model has too little to go on, and a false accusation costs more than a miss. Otherwise the
    probability is compared with the thresholds (`uncertain_threshold` is clamped to at most
    `llm_threshold`).
    """
    if probability is None or n_tokens < min_tokens or n_lines < min_lines:
        return "too_short"
    if probability >= llm_threshold:
        return "llm"
    if probability >= min(uncertain_threshold, llm_threshold):
        return "uncertain"
    return "human"


# A span below the threshold is "not flagged", never "human-written": the model misses much of
# what LLMs and coding agents write (model card), so a low score is no evidence that a person
# wrote it; and the uncertain band starts where a few percent of people's code still scores.
VERDICT_WORDS: dict[str, str] = {
    "llm": "likely LLM-generated",
    "uncertain": "uncertain, below the threshold",
    "human": "not flagged",
    "too_short": "too short to judge",
    "generated": "generated code, not judged",
    "not_judged": "not judged",
}

#: How a span's kind is named to a reader (`case`: a JavaScript or TypeScript test case).
KIND_WORDS: dict[str, str] = {"case": "test case"}


def kind_words(kind: str) -> str:
    """A span's kind as a reader is told it: `test case` for a `case`, else the kind."""
    return KIND_WORDS.get(kind, kind)


def percents(probability: float, threshold: float) -> tuple[str, str]:
    """A probability and the threshold it was compared with, as `percent` shows them, with more
    decimals (up to 6) where one would show a probability below its threshold as equal to it or
    above it: (`84.46%`, `84.47%`) rather than (`84.5%`, `84.5%`) for an uncertain span."""
    if probability >= threshold:
        return percent(probability), percent(threshold)
    for digits in range(1, 7):
        p, t = round(probability * 100, digits), round(threshold * 100, digits)
        if p < t:
            break
    if digits == 1:
        return percent(probability), percent(threshold)
    return f"{p:.{digits}f}%", f"{t:.{digits}f}%"


def percent(probability: float) -> str:
    """A probability or a threshold as a percentage with one decimal, the one precision used
    everywhere (96.5%). Never 100.0% or 0.0% for a probability strictly between them."""
    value = round(probability * 100, 1)
    if value >= 100.0 and probability < 1.0:
        value = 99.9
    if value <= 0.0 and probability > 0.0:
        value = 0.1
    return f"{value:.1f}%"


def share_percent(share: float) -> str:
    """A line's or a token's share of the evidence, in whole percent (87%; never 100% or 0% for a
    share strictly between them). Shares are not probabilities: a decimal would be false
    precision."""
    value = round(share * 100)
    if value == 100 and share < 1.0:
        value = 99
    if value == 0 and share > 0.0:
        value = 1
    return f"{value}%"


def plural(n: int, word: str) -> str:
    """`1 statement line`, `3 statement lines`."""
    return f"{n} {word}{'' if n == 1 else 's'}"
