"""Explanations of a stacked model's score: both members' evidence on the user's lines.

The stacked logit is s = bias + a_t * F(x) + a_l * z(x) + language term (`model.stacking`). Its
distance from the baseline s' = bias + a_t * F(x') + a_l * b + language term (the empty
embedding for the transformer, the bias b for the linear member, the same language) splits into
the transformer's Integrated Gradients scaled by a_t (as `attributor` computes them, complete up
to the quadrature's convergence delta) and the linear member's exact per-character
contributions scaled by a_l (`core.features.char_contributions`, complete by construction). So
the line scores still add up to s - s', and the delta is the transformer's part of the error.

Both members are in logit units here, so a line's share of the evidence is the sum of the
magnitudes of what lands on it: |a_t * signed IG| of its tokens and |a_l * contribution| of its
characters (a single transformer's explanation uses the tokens' L2 norms instead). Top tokens
come from both: the transformer's tokens and the linear member's code tokens (`TOKEN_RE`), each
with the member it comes from.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from codeorigin.core.normalize import Normalized
from codeorigin.core.spans import line_starts
from codeorigin.model.encoding import Encoding
from codeorigin.model.linear import LinearContribution
from codeorigin.model.path_integral import RawAttribution
from codeorigin.model.stacking import Stacker


@dataclass(frozen=True)
class MemberContribution:
    """One member's part of a stacked explanation: its stacking `weight`, its own `logit` and
    `baseline_logit`, `contribution` = weight * (logit - baseline_logit) in stacked-logit units,
    and `share`, its part of the evidence's total magnitude (the members' shares sum to 1)."""

    name: str
    weight: float
    logit: float
    baseline_logit: float
    contribution: float
    share: float


@dataclass(frozen=True)
class StackedLines:
    """What `combine` returns: per-line (share, signed score), the top tokens as
    (start, end, line, score, share, member, token index or -1), the members, and the stacked
    logit and baseline."""

    lines: list[tuple[int, float, float]]
    tokens: list[tuple[int, int, int, float, float, str, int]]
    members: tuple[MemberContribution, ...]
    logit: float
    baseline_logit: float


def _to_target(
    norm: Normalized, positions: Sequence[int] | None, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Normalised half-open ranges [a, b) -> the target's (text or document) ranges."""
    offsets = np.asarray(norm.offsets, dtype=np.int64)
    last = offsets.size - 1
    oa = offsets[np.clip(a, 0, last)]
    ob = np.where(b > a, offsets[np.clip(b - 1, 0, last)] + 1, oa)
    if positions is not None and len(positions):
        pos = np.asarray(positions, dtype=np.int64)
        end = pos.size - 1
        oa, ob = pos[np.minimum(oa, end)], pos[np.minimum(np.maximum(ob - 1, oa), end)] + 1
    return oa, ob


def combine(
    raw: RawAttribution,
    encoding: Encoding,
    linear: LinearContribution,
    stacker: Stacker,
    language: str | None,
    norm: Normalized,
    positions: Sequence[int] | None,
    target: str,
    top_k: int | None,
) -> StackedLines:
    """Both members' evidence on the target's lines (0-based), shares from magnitudes."""
    starts = line_starts(target)
    a_t, a_l = stacker.weights["transformer"], stacker.weights["linear"]
    t_scores = a_t * np.asarray(raw.signed, dtype=np.float64)
    c_scores = a_l * linear.chars
    per_line: dict[int, list[float]] = {}

    def land(line: int, magnitude: float, score: float) -> None:
        acc = per_line.setdefault(line, [0.0, 0.0])
        acc[0] += magnitude
        acc[1] += score

    t_off = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2)
    ta, tb = _to_target(norm, positions, t_off[:, 0], t_off[:, 1])
    t_lines = [max(0, bisect.bisect_right(starts, int(x)) - 1) for x in ta]
    for t, line in enumerate(t_lines):
        land(line, abs(float(t_scores[t])), float(t_scores[t]))
    chars = np.arange(len(norm.text), dtype=np.int64)
    ca, _ = _to_target(norm, positions, chars, chars + 1)
    c_lines = np.searchsorted(np.asarray(starts), ca, side="right") - 1
    c_lines = np.maximum(c_lines, 0)
    if c_scores.size:
        mags = np.bincount(c_lines, weights=np.abs(c_scores))
        sums = np.bincount(c_lines, weights=c_scores)
        for line in np.flatnonzero(mags):
            land(int(line), float(mags[line]), float(sums[line]))
    t_mag = float(np.abs(t_scores).sum())
    l_mag = float(np.abs(c_scores).sum())
    total = t_mag + l_mag
    if total > 0.0 and np.isfinite(total):
        lines = [(ln, v[0] / total, v[1]) for ln, v in sorted(per_line.items())]
    else:
        even = 1.0 / len(per_line) if per_line else 0.0
        lines = [(ln, even, v[1]) for ln, v in sorted(per_line.items())]

    candidates: list[tuple[int, int, int, float, float, str, int]] = []
    for t in range(len(t_lines)):
        mag = abs(float(t_scores[t]))
        candidates.append(
            (int(ta[t]), int(tb[t]), t_lines[t], float(t_scores[t]), mag, "transformer", t)
        )
    toks = linear.tokens
    if len(toks.texts):
        cum = np.concatenate([[0.0], np.cumsum(c_scores)])
        cum_abs = np.concatenate([[0.0], np.cumsum(np.abs(c_scores))])
        ka, kb = _to_target(norm, positions, toks.starts, toks.ends)
        for k in range(len(toks.texts)):
            a, b = int(toks.starts[k]), int(toks.ends[k])
            line = int(c_lines[a]) if a < c_lines.size else 0
            mag = float(cum_abs[b] - cum_abs[a])
            candidates.append(
                (int(ka[k]), int(kb[k]), line, float(cum[b] - cum[a]), mag, "linear", -1)
            )
    candidates.sort(key=lambda c: (-c[4], c[0]))
    if top_k is not None:
        candidates = candidates[: int(top_k)]
    tokens = [
        (a, b, ln, s, (m / total if total > 0 else 0.0), who, t)
        for a, b, ln, s, m, who, t in candidates
    ]

    members_logits = {"transformer": raw.logit, "linear": linear.logit}
    baselines = {"transformer": raw.baseline_logit, "linear": linear.bias}
    mags = {"transformer": t_mag, "linear": l_mag}
    members = tuple(
        MemberContribution(
            name,
            stacker.weights[name],
            members_logits[name],
            baselines[name],
            stacker.weights[name] * (members_logits[name] - baselines[name]),
            mags[name] / total if total > 0 else 0.0,
        )
        for name in ("transformer", "linear")
    )
    return StackedLines(
        lines,
        tokens,
        members,
        stacker.logit(members_logits, language),
        stacker.logit(baselines, language),
    )
