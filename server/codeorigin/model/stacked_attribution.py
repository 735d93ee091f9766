"""Explanations of a stacked model's score: both members' evidence on the user's lines.

The stacked logit is s = bias + a_t * F(x) + a_l * z(x) + language term (`model.stacking`). Its
distance from the baseline s' = bias + a_t * F(x') + a_l * b + language term (the empty
embedding for the transformer, the bias b for the linear member, the same language) splits into
the transformer's Integrated Gradients scaled by a_t (as `attributor` computes them, complete up
to the quadrature's convergence delta) and the linear member's exact per-character
contributions scaled by a_l (`core.features.char_contributions`, complete by construction). So
the line scores still add up to s - s', and the delta is the transformer's part of the error.

Both members are in logit units here, so each line has a net score: a_t * signed IG of its tokens
plus a_l * contribution of its characters, summed. A line's share of the evidence is the size of
its net score over the sum of those sizes, so the lines that weigh most are those that moved the
score most, in the direction their arrow shows; evidence that cancels within a line (the linear
member's overlapping n-grams often do) weighs nothing. (A single transformer's explanation uses
the tokens' L2 norms instead.) A member's share is likewise the size of its contribution over the
sum of both. Top tokens come from both: the transformer's tokens and the linear member's code
tokens (`TOKEN_RE`, their characters' net score), each with the member it comes from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codeorigin.core.normalize import Normalized
from codeorigin.core.spans import line_starts
from codeorigin.model.encoding import Encoding
from codeorigin.model.linear import LinearContribution, LinearMember
from codeorigin.model.path_integral import RawAttribution
from codeorigin.model.pieces import same_characters, shown
from codeorigin.model.stacking import StackedSpec, Stacker, routed_logit


@dataclass(frozen=True)
class FigureContribution:
    """A layout or style figure the linear member measured (`core.features.FIGURES`): its
    `value` and `contribution`, a_l * value * its weight, in stacked-logit units (part of the
    linear member's contribution, and of the lines it was measured on)."""

    name: str
    value: float
    contribution: float


@dataclass(frozen=True)
class MemberContribution:
    """One member's part of a stacked explanation: its stacking `weight`, its own `logit` and
    `baseline_logit`, `contribution` = weight * (logit - baseline_logit) in stacked-logit units,
    and `share`, |contribution| over both members' (the members' shares sum to 1)."""

    name: str
    weight: float
    logit: float
    baseline_logit: float
    contribution: float
    share: float
    #: The linear member's figures, largest contribution first; () for the transformer.
    figures: tuple[FigureContribution, ...] = ()


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
    t_markers: np.ndarray
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
    markers: np.ndarray,
) -> _Placed:
    starts = np.asarray(line_starts(target), dtype=np.int64)
    t_off = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2)
    ta, tb = _to_target(norm, positions, t_off[:, 0], t_off[:, 1])
    shown_a, shown_b = shown(target, ta, tb, markers)
    chars = np.arange(len(norm.text), dtype=np.int64)
    ca, _ = _to_target(norm, positions, chars, chars + 1)
    return _Placed(
        shown_a,
        shown_b,
        np.maximum(np.searchsorted(starts, ta, side="right") - 1, 0),
        stacker.weights["transformer"] * np.asarray(raw.signed, dtype=np.float64),
        markers,
        np.maximum(np.searchsorted(starts, ca, side="right") - 1, 0),
        stacker.weights["linear"] * linear.chars,
    )


def _line_sums(p: _Placed) -> tuple[np.ndarray, np.ndarray]:
    """(lines with evidence, in order; every line's net score in stacked-logit units)."""
    size = int(max(p.t_lines.max(initial=-1), p.c_lines.max(initial=-1))) + 1
    sums = np.bincount(p.t_lines, weights=p.t_scores, minlength=size)
    sums += np.bincount(p.c_lines, weights=p.c_scores, minlength=size)
    present = np.zeros(size, dtype=bool)
    present[p.t_lines] = True
    present[p.c_lines[np.abs(p.c_scores) > 0]] = True
    return np.flatnonzero(present), sums


def _lines(rows: np.ndarray, sums: np.ndarray, total: float) -> list[tuple[int, float, float]]:
    """(line, share, net score) of every line with evidence, in line order: its share is
    |net score| / `total` (the sum of those over the lines)."""
    if total > 0.0 and np.isfinite(total):
        return [(int(ln), abs(float(sums[ln])) / total, float(sums[ln])) for ln in rows]
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
    """The top tokens of both members by the size of their net score: the transformer's tokens
    and the linear member's code tokens (their characters' contributions summed); each token's
    share is that size over `total`, the lines' (so a token and its line compare)."""
    first, group = same_characters(p.t_start, p.t_end, p.t_markers)  # a character's pieces
    scores = np.bincount(group, weights=p.t_scores, minlength=first.size)
    found = [
        (int(p.t_start[t]), int(p.t_end[t]), int(p.t_lines[t]), float(s), abs(float(s)),
         "transformer", int(t))
        for t, s in zip(first.tolist(), scores.tolist())
    ]  # fmt: skip
    toks = linear.tokens
    if len(toks.texts):
        cum = np.concatenate([[0.0], np.cumsum(p.c_scores)])
        ka, kb = _to_target(norm, positions, toks.starts, toks.ends)
        for k, (a, b) in enumerate(zip(toks.starts.tolist(), toks.ends.tolist())):
            net = float(cum[b] - cum[a])
            found.append((int(ka[k]), int(kb[k]), int(p.c_lines[a]), net, abs(net), "linear", -1))
    found.sort(key=lambda c: (-c[4], c[0]))
    if top_k is not None:
        found = found[: int(top_k)]
    return [
        (a, b, ln, s, (m / total if total > 0 else 0.0), who, t) for a, b, ln, s, m, who, t in found
    ]


def _figures(linear: LinearContribution, weight: float) -> tuple[FigureContribution, ...]:
    found = [FigureContribution(n, v, weight * term) for n, v, term in linear.figures]
    return tuple(sorted(found, key=lambda f: -abs(f.contribution)))


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
    markers: np.ndarray,
) -> StackedLines:
    """Both members' evidence on the target's lines (0-based), shares from net scores;
    `markers` are the transformer tokens' layout markers (`TokenEncoder.markers`)."""
    placed = _place(raw, encoding, linear, stacker, norm, positions, target, markers)
    rows, sums = _line_sums(placed)
    total = float(np.abs(sums[rows]).sum())
    logits = {"transformer": raw.logit, "linear": linear.logit}
    baselines = {"transformer": raw.baseline_logit, "linear": linear.bias}
    parts = {n: stacker.weights[n] * (logits[n] - baselines[n]) for n in ("transformer", "linear")}
    both = sum(abs(v) for v in parts.values())
    members = tuple(
        MemberContribution(
            name,
            stacker.weights[name],
            logits[name],
            baselines[name],
            part,
            abs(part) / both if both > 0 else 0.5,
            _figures(linear, stacker.weights[name]) if name == "linear" else (),
        )
        for name, part in parts.items()
    )
    return StackedLines(
        _lines(rows, sums, total),
        _tokens(placed, linear, norm, positions, total, top_k),
        members,
        stacker.logit(logits, language),
        stacker.logit(baselines, language),
    )


@dataclass(frozen=True)
class RouteChoice:
    """A stacked model's members that choose between its stacker and its route: the model's
    own, or a stack's (`model.stacking.Stack`)."""

    spec: StackedSpec
    linear: LinearMember
    domain: LinearMember | None
    route_member: LinearMember | None

    @classmethod
    def load(cls, folder: Path, spec: StackedSpec) -> RouteChoice:
        """The members of `spec` (the model's own or a stack's), read from the model folder."""
        route = spec.route
        return cls(
            spec,
            LinearMember.from_manifest(folder, spec.linear),
            LinearMember.from_manifest(folder, route.domain) if route is not None else None,
            LinearMember.from_manifest(folder, route.member)
            if route is not None and route.member is not None
            else None,
        )

    def logits(self, text: str, language: str | None) -> tuple[float, float | None, float | None]:
        """The linear member's logit of a normalised text, the route's domain logit and its own
        member's logit (None without a route or such a member, or for a language the route does
        not take), from one extraction of the text's features."""
        route = self.spec.route
        if self.domain is None or route is None or not route.reads(language):
            return self.linear.logit(text, language), None, None
        if self.route_member is None:
            linear, domain = self.linear.logit_with(text, language, self.domain)
            return linear, domain, None
        linear, domain, own = self.linear.logit_with(text, language, self.domain, self.route_member)
        return linear, domain, own

    def stacker_of(
        self, text: str, language: str | None, transformer: float, linear: float | None = None
    ) -> tuple[Stacker, str]:
        """The stacker that gives the score of the normalised `text` and its route's name ("" for
        the stacker's), from the transformer's logit (and the linear member's, if known)."""
        if linear is None:
            linear = self.linear.logit(text, language)
        domain, own = None, None
        route = self.spec.route
        if self.domain is not None and route is not None and route.reads(language):
            if self.route_member is None:
                domain = self.domain.logit(text, language)
            else:  # both from one extraction of the features
                domain, own = self.domain.logit_with(text, language, self.route_member)
        members = {"transformer": transformer, "linear": linear}
        _, stacker, name = routed_logit(self.spec, members, language, domain, own)
        return stacker, name


def sides(folder: Path, spec: StackedSpec) -> dict[str, RouteChoice]:
    """Each stack's members by its name ("": the model's own), read from the model folder."""
    return {name: RouteChoice.load(folder, sub) for name, sub in spec.specs}


def side_of(spec: StackedSpec, loaded: dict[str, RouteChoice], language: str | None) -> RouteChoice:
    """The members that score `language`: its stack's, else the model's own."""
    for stack in spec.stacks:
        if stack.spec is spec.for_language(language):
            return loaded[stack.name]
    return loaded[""]


def route_alone(spec: StackedSpec, language: str | None) -> bool:
    """Whether a stacker that leaves the transformer out (its weight 0) may score `language`: a
    route's, or the stacker of a stack of its own (`codeorigin-train language-stack`); then the
    transformer's Integrated Gradients would weigh nothing where that stacker gives the score."""
    side = spec.for_language(language)
    route = side.route
    return side.stacker.weights.get("transformer", 0.0) == 0.0 or (
        route is not None
        and route.reads(language)
        and route.stacker.weights.get("transformer", 0.0) == 0.0
    )
