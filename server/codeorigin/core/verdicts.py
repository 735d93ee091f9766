"""Verdicts from probabilities: `llm`, `uncertain`, `human`, or `too_short` to judge."""

from __future__ import annotations

from typing import Literal

Verdict = Literal["llm", "uncertain", "human", "too_short"]


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

    Texts under `min_tokens` tokens or `min_lines` non-blank lines are `too_short`: the model has
    too little to go on, and a false accusation costs more than a miss. Otherwise the probability is
    compared with the thresholds (`uncertain_threshold` is clamped to at most `llm_threshold`).
    """
    if probability is None or n_tokens < min_tokens or n_lines < min_lines:
        return "too_short"
    if probability >= llm_threshold:
        return "llm"
    if probability >= min(uncertain_threshold, llm_threshold):
        return "uncertain"
    return "human"
