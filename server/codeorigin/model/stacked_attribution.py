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


@dataclass(frozen=True)
class _Placed:
    """Both members' evidence in stacked-logit units, placed on the target: per transformer token
    its range, line and score; per normalised character its line and score."""

    t_start: np.ndarray
    t_end: np.ndarray
    t_lines: np.ndarray
    t_scores: np.ndarray
    c_lines: np.ndarray
    c_scores: np.ndarray


def _place(
    raw: RawAttribution,
    encoding: Encoding,
    linear: LinearContribution,
    stacker: Stacker,
    norm: Normalized,
    positions: Sequence[int] | None,
    target: str,
) -> _Placed:
    starts = np.asarray(line_starts(target), dtype=np.int64)
    t_off = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2)
    ta, tb = _to_target(norm, positions, t_off[:, 0], t_off[:, 1])
    chars = np.arange(len(norm.text), dtype=np.int64)
    ca, _ = _to_target(norm, positions, chars, chars + 1)
    return _Placed(
        ta,
        tb,
        np.maximum(np.searchsorted(starts, ta, side="right") - 1, 0),
        stacker.weights["transformer"] * np.asarray(raw.signed, dtype=np.float64),
        np.maximum(np.searchsorted(starts, ca, side="right") - 1, 0),
        stacker.weights["linear"] * linear.chars,
    )


def _lines(p: _Placed, total: float) -> list[tuple[int, float, float]]:
    """(line, share, signed score) of every line with evidence, in line order."""
    size = int(max(p.t_lines.max(initial=-1), p.c_lines.max(initial=-1))) + 1
    mags = np.bincount(p.t_lines, weights=np.abs(p.t_scores), minlength=size)
    mags += np.bincount(p.c_lines, weights=np.abs(p.c_scores), minlength=size)
    sums = np.bincount(p.t_lines, weights=p.t_scores, minlength=size)
    sums += np.bincount(p.c_lines, weights=p.c_scores, minlength=size)
    present = np.zeros(size, dtype=bool)
    present[p.t_lines] = True
    present[p.c_lines[np.abs(p.c_scores) > 0]] = True
    rows = np.flatnonzero(present)
    if total > 0.0 and np.isfinite(total):
        return [(int(ln), float(mags[ln]) / total, float(sums[ln])) for ln in rows]
    even = 1.0 / rows.size if rows.size else 0.0  # nothing moved the score: shares still sum to 1
    return [(int(ln), even, float(sums[ln])) for ln in rows]


def _tokens(
    p: _Placed,
    linear: LinearContribution,
    norm: Normalized,
    positions: Sequence[int] | None,
    total: float,
    top_k: int | None,
) -> list[tuple[int, int, int, float, float, str, int]]:
    """The top tokens of both members by magnitude: the transformer's tokens and the linear
    member's code tokens (their characters' contributions summed)."""
    found = [
        (int(p.t_start[t]), int(p.t_end[t]), int(p.t_lines[t]), float(p.t_scores[t]),
         abs(float(p.t_scores[t])), "transformer", t)
        for t in range(p.t_scores.size)
    ]  # fmt: skip
    toks = linear.tokens
    if len(toks.texts):
        cum = np.concatenate([[0.0], np.cumsum(p.c_scores)])
        cum_abs = np.concatenate([[0.0], np.cumsum(np.abs(p.c_scores))])
        ka, kb = _to_target(norm, positions, toks.starts, toks.ends)
        for k, (a, b) in enumerate(zip(toks.starts.tolist(), toks.ends.tolist())):
            found.append((int(ka[k]), int(kb[k]), int(p.c_lines[a]), float(cum[b] - cum[a]),
                          float(cum_abs[b] - cum_abs[a]), "linear", -1))  # fmt: skip
    found.sort(key=lambda c: (-c[4], c[0]))
    if top_k is not None:
        found = found[: int(top_k)]
    return [
        (a, b, ln, s, (m / total if total > 0 else 0.0), who, t) for a, b, ln, s, m, who, t in found
    ]


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
    placed = _place(raw, encoding, linear, stacker, norm, positions, target)
    mags = {
        "transformer": float(np.abs(placed.t_scores).sum()),
        "linear": float(np.abs(placed.c_scores).sum()),
    }
    total = sum(mags.values())
    logits = {"transformer": raw.logit, "linear": linear.logit}
    baselines = {"transformer": raw.baseline_logit, "linear": linear.bias}
    members = tuple(
        MemberContribution(
            name,
            stacker.weights[name],
            logits[name],
            baselines[name],
            stacker.weights[name] * (logits[name] - baselines[name]),
            mags[name] / total if total > 0 else 0.0,
        )
        for name in ("transformer", "linear")
    )
    return StackedLines(
        _lines(placed, total),
        _tokens(placed, linear, norm, positions, total, top_k),
        members,
        stacker.logit(logits, language),
        stacker.logit(baselines, language),
    )
