"""Integrated Gradients explanations: which lines and tokens of a function made its score.

For a text x, a baseline x' and the model's LLM logit F, the Integrated Gradients attribution of
token t is (x_t - x'_t) · ∫₀¹ ∂F/∂x_t(x' + α(x - x')) dα, a vector over the embedding's hidden
dimension. The integral is a quadrature over `steps` points of the path; the gradients come from
the model folder's gradient graph (`onnx.gradient`, exported by
`codeorigin_train.export.gradient`), so this module needs onnxruntime and numpy, never torch.

Per token the vector is reduced two ways: its L2 norm (how much the token matters, whatever the
direction; line shares are built on it and sum to 1) and its signed sum (positive pushes towards
"LLM", negative towards "human"; the signed sums add up to F(x) - F(x')). That last identity is the
completeness axiom: its relative error, the convergence delta, is computed for every explanation and
returned, so the caller can see how good the approximation is.

Baselines: `zero` (the all-zero word embedding, as the design says) or `pad` (the [PAD] embedding).
[CLS] and [SEP] stay at their own embeddings along the path, so they get no attribution. Texts longer
than the model's window are explained window by window, with the scorer's windows and weights: the
scorer's logit is the token-weighted mean of window logits, so each window's attributions are scaled
by the same weight and summed per token.

Token positions travel back to the user's text through the encoder's offsets (normalised text),
`Normalized.offsets` (original text) and, for a span of a document, `Span.text_offsets` (document),
so lines are the user's lines, exactly, with CRLF, tabs and non-ASCII text.

A stacked model (`model.stacking`) is explained as its stacked logit: the transformer's
Integrated Gradients scaled by its stacking weight plus the linear member's exact contributions
(`stacked_attribution`); the explanation then names each member's part (`Attribution.members`).

What an explanation holds is `attribution`; the quadrature rules are in `quadrature`, the
gradient graph's inputs and outputs in `gradient_graph` (shared with the exporter). Cache:
`Attributor` keeps a bounded LRU (`core.cache`) of explanations in token space, keyed by (model
digest, hash of the normalised text, steps, rule, baseline). Mapping to lines is redone on every
call: two texts with the same normalised form (CRLF against LF, other indentation) share the
expensive part but land on their own lines.
"""

from __future__ import annotations

import bisect
import logging
import math
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from codeorigin.core.cache import LruCache, text_hash
from codeorigin.core.normalize import Normalized, normalize
from codeorigin.core.spans import line_starts
from codeorigin.model.attribution import (
    TOP_TOKENS,
    Attribution,
    LineAttribution,
    TokenAttribution,
    TokenKind,
)
from codeorigin.model.encoding import Encoding, TokenEncoder
from codeorigin.model.gradient_graph import (
    BASELINES,
    OUTPUT_NAMES,
    BaselineKind,
    check_interface,
    check_session,
)
from codeorigin.model.manifest import Manifest, ModelError, load_manifest
from codeorigin.model.path_integral import RawAttribution, Watch, integrate, watched
from codeorigin.model.pieces import same_characters, shown, visible
from codeorigin.model.quadrature import (
    DEFAULT_RULE,
    MAX_STEPS,
    RULES,
    Rule,
    min_steps,
    path_points,
)
from codeorigin.model.scorer import Model, load_encoder, open_onnx, sigmoid
from codeorigin.model.stacked_attribution import (
    MemberContribution,
    RouteChoice,
    combine,
    route_alone,
    side_of,
    sides,
)

if TYPE_CHECKING:
    from codeorigin.core.spans import Span

log = logging.getLogger(__name__)

__all__ = ["MAX_STEPS", "path_points"]  # for the callers that tune steps and rules

ATTRIBUTION_CACHE_SIZE = 128  # explanations (in token space) an attributor keeps


class IgOptions(NamedTuple):
    """How to explain a score (captum's names). `steps`: quadrature points (default: the model's
    `attribution.steps`); `rule`: quadrature rule (default: the model's `attribution.rule`);
    `baseline`: "zero" or "pad"; `internal_batch_size`: path points per onnxruntime run (default:
    bounded by memory); `top_k`: tokens to return (None: all, by share)."""

    steps: int | None = None
    rule: Rule | None = None
    baseline: BaselineKind = "zero"
    internal_batch_size: int | None = None
    top_k: int | None = TOP_TOKENS


class Attributor:
    """Integrated Gradients explanations for a model folder with a gradient graph.

    `model` is a loaded `Model` (its encoder and calibration are shared), a `Manifest` or a model
    folder. Raises `ModelError` when the folder has no usable gradient graph. The onnxruntime
    session is opened on first use (`warm_up` opens it ahead); `threads` defaults to the model's.
    Thread-safe.
    """

    def __init__(
        self,
        model: Model | Manifest | str | Path,
        *,
        threads: int | None = None,
        cache_size: int = ATTRIBUTION_CACHE_SIZE,
    ) -> None:
        if isinstance(model, Model):
            self.manifest = model.manifest
            self.encoder = model.encoder
            self._sides = model.sides
            default_threads = model.threads
        else:
            self.manifest = model if isinstance(model, Manifest) else load_manifest(model)
            self.encoder = load_encoder(self.manifest)
            stacked = self.manifest.stacked
            self._sides = sides(self.manifest.folder, stacked) if stacked is not None else {}
            default_threads = 1
        stacked = self.manifest.stacked
        self.stacker = stacked.stacker if stacked is not None else None
        if not self.manifest.gradient:
            raise ModelError(
                f"the model {self.manifest.name} ({self.manifest.folder}) has no gradient graph, so its "
                "scores cannot be explained; re-export it with codeorigin_train.export.gradient."
                "add_gradient_graph."
            )
        section = (
            self.manifest.raw.get("attribution", {}) if isinstance(self.manifest.raw, dict) else {}
        )
        check_interface(section, self.manifest.folder)
        rule = str(section.get("rule", DEFAULT_RULE))
        self.default_rule: Rule = rule if rule in RULES else DEFAULT_RULE  # type: ignore[assignment]
        self.default_steps = int(self.manifest.ig_steps)
        self.threads = max(1, int(threads if threads is not None else default_threads))
        self._cache: LruCache[tuple[str, str, int, str, str], RawAttribution] = LruCache(cache_size)
        self.cache_size = self._cache.max_size
        self._run_lock = threading.Lock()
        self._session: Any = None
        self.evaluations = 0  # gradient-graph rows run so far

    # -- public API ---------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Open the gradient graph now rather than on the first explanation."""
        self._get_session()

    def attribute(self, text: str, *, language: str | None = None, **options: Any) -> Attribution:
        """Explain the score of `text` (raw, as in the editor); lines are `text`'s lines (0-based).
        `options` are `IgOptions`' (steps, rule, baseline, internal_batch_size, top_k);
        `language` (a canonical id) is what a stacked model reads of the language. Raises
        ValueError/TypeError on bad arguments."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        return self._explain(text, None, text, IgOptions(**options), language)

    def attribute_span(
        self,
        document: str,
        span: Span,
        *,
        language: str | None = None,
        watch: Watch | None = None,
        **options: Any,
    ) -> Attribution:
        """`attribute` for one span of a document, with the same options; lines and offsets are
        the document's. `watch` sees the progress of a long explanation and can stop it."""
        if not isinstance(document, str):
            raise TypeError(f"document must be a str, not {type(document).__name__}")
        text, positions = span.text_offsets(document)
        return self._explain(text, positions, document, IgOptions(**options), language, watch)

    @property
    def cache_hits(self) -> int:
        return self._cache.hits

    def clear_cache(self) -> None:
        self._cache.clear()

    # -- validation, cache, mapping -------------------------------------------------------------

    def _validate(
        self,
        steps: int | None,
        rule: str | None,
        baseline: str,
        internal_batch_size: int | None,
        top_k: int | None,
    ) -> tuple[int, str]:
        rule = self.default_rule if rule is None else rule
        if rule not in RULES:
            raise ValueError(f"unknown rule {rule!r}: use one of {', '.join(RULES)}")
        steps = self.default_steps if steps is None else steps
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
            raise TypeError(f"steps must be an int, not {type(steps).__name__}")
        low = min_steps(rule)
        if not low <= int(steps) <= MAX_STEPS:
            raise ValueError(f"steps must be between {low} and {MAX_STEPS} for {rule}, not {steps}")
        if baseline not in BASELINES:
            raise ValueError(f"unknown baseline {baseline!r}: use one of {', '.join(BASELINES)}")
        if internal_batch_size is not None and (
            isinstance(internal_batch_size, bool) or int(internal_batch_size) < 1
        ):
            raise ValueError(
                f"internal_batch_size must be a positive int, not {internal_batch_size!r}"
            )
        if top_k is not None and int(top_k) < 0:
            raise ValueError(f"top_k must be >= 0 or None, not {top_k!r}")
        return int(steps), rule

    def _side(self, language: str | None) -> RouteChoice | None:
        """A stacked model's members that score `language` (a stack's, else its own)."""
        spec = self.manifest.stacked
        return side_of(spec, self._sides, language) if spec is not None else None

    def _explain(
        self,
        text: str,
        positions: Sequence[int] | None,
        target: str,
        options: IgOptions,
        language: str | None = None,
        watch: Watch | None = None,
    ) -> Attribution:
        steps, rule, baseline, internal_batch_size, top_k = options
        n_steps, rule_name = self._validate(steps, rule, baseline, internal_batch_size, top_k)
        norm = normalize(text)
        encoding = self.encoder.encode(norm.text)
        key = (self.manifest.digest, text_hash(norm.text), n_steps, rule_name, baseline)
        raw = self._cache.get(key)
        scale = 1.0 if baseline == "pad" else 0.0
        choice = self._side(language)  # the members that score the language
        linear = choice.linear.contributions(norm.text, language) if choice else None
        pick = None  # (stacker, route): a route without the transformer is told by its logits
        if raw is None and choice and linear is not None and route_alone(choice.spec, language):
            ends = np.array([0.0, 1.0])
            raw = integrate(self._run, self.encoder, encoding, alphas=ends, weights=ends * 0.0,
                            base_index=0, input_index=1, baseline_scale=scale,
                            internal_batch_size=internal_batch_size)  # fmt: skip
            pick = choice.stacker_of(norm.text, language, raw.logit, linear.logit)
            raw = raw if pick[0].weights.get("transformer", 0.0) == 0.0 else None  # 0: not needed
        if raw is None:
            alphas, weights, i0, i1 = path_points(rule_name, n_steps)
            rows = len(self.encoder.windows(len(encoding))) * len(alphas)
            raw = integrate(
                self._run if watch is None else watched(self._run, watch, rows),
                self.encoder,
                encoding,
                alphas=alphas,
                weights=weights,
                base_index=i0,
                input_index=i1,
                baseline_scale=scale,
                internal_batch_size=internal_batch_size,
            )
            self._cache.put(key, raw)
        members: tuple[MemberContribution, ...] = ()
        route = ""
        if self.stacker is None:
            lines, tokens = _map_to_lines(
                raw, encoding, norm, positions, target, self.encoder, top_k
            )
            logit, base, total = raw.logit, raw.baseline_logit, float(raw.signed.sum())
        else:
            assert linear is not None and choice is not None
            stacker, route = pick or choice.stacker_of(norm.text, language, raw.logit, linear.logit)
            if route and choice.route_member is not None:  # its stacker reads the route's member
                linear = choice.route_member.contributions(norm.text, language)
            marks = self.encoder.markers(encoding.ids)  # a character's pieces are one token
            parts = combine(raw, encoding, linear, stacker, language, norm, positions, target,
                            top_k, marks)  # fmt: skip
            lines = tuple(LineAttribution(*row) for row in parts.lines)
            tokens = tuple(self._token(target, encoding, *row) for row in parts.tokens)
            logit, base, members = parts.logit, parts.baseline_logit, parts.members
            total = sum(la.score for la in lines)
        delta_abs = abs(total - (logit - base))
        delta = 0.0 if delta_abs <= 1e-9 else delta_abs / max(abs(logit - base), 1e-9)
        return Attribution(
            probability=self._calibrate(logit),
            logit=logit,
            baseline_logit=base,
            delta=delta,
            lines=lines,
            n_tokens=len(encoding),
            tokens=tokens,
            steps=n_steps,
            rule=rule_name,
            baseline=baseline,
            delta_abs=delta_abs,
            n_windows=raw.n_windows,
            evaluations=raw.evaluations,
            members=members,
            baseline_probability=self._calibrate(base),
            route=route,
        )

    def _token(
        self, target: str, encoding: Encoding, a: int, b: int, line: int, score: float,
        share: float, member: str, t: int,
    ) -> TokenAttribution:  # fmt: skip
        """A stacked explanation's top token (`t`: the transformer's token index, or -1)."""
        kind: TokenKind = "text"
        if t >= 0 and self.encoder.layout and encoding.ids[t] == self.encoder.newline_id:
            kind = "newline"
        elif t >= 0 and self.encoder.layout and encoding.ids[t] == self.encoder.indent_id:
            kind = "indent"
        if kind == "text":
            a, b = visible(target, a, b)
        return TokenAttribution(target[a:b], line, score, share, a, b, kind, member)

    def _calibrate(self, logit: float) -> float:
        c = self.manifest.calibration
        return sigmoid(c.a * logit + c.b)

    # -- onnxruntime ----------------------------------------------------------------------------

    def _get_session(self) -> Any:
        with self._run_lock:
            if self._session is None:
                self._session = self._open()
            return self._session

    def _open(self) -> Any:
        assert self.manifest.gradient is not None
        path = self.manifest.path(self.manifest.gradient)
        # The backward pass holds every activation; without the arena the memory goes back to the
        # system after each run instead of staying reserved for the next hover (same speed here).
        session = open_onnx(path, self.threads, arena=False)
        check_session(session, path)
        return session

    def _run(self, feed: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        session = self._get_session()
        with self._run_lock:
            logit, grad, embeds = session.run(list(OUTPUT_NAMES), feed)
            self.evaluations += int(feed["alphas"].shape[0])
        return np.asarray(logit).reshape(-1), np.asarray(grad), np.asarray(embeds)


def _map_to_lines(
    raw: RawAttribution,
    encoding: Encoding,
    norm: Normalized,
    positions: Sequence[int] | None,
    target: str,
    encoder: TokenEncoder,
    top_k: int | None,
) -> tuple[tuple[LineAttribution, ...], tuple[TokenAttribution, ...]]:
    """Token attributions → the target text's lines, and the top tokens with their original text.

    Normalised offsets go to the text that was normalised via `norm`, then, when `positions` is
    given (a span), to the document via `positions[i]` = document index of span character i.
    """
    starts = line_starts(target)
    total_l2 = float(raw.l2.sum())
    per_line: dict[int, list[float]] = {}
    places: list[tuple[int, int, int]] = []  # (start, end, line) in the target
    for t, (a, b) in enumerate(encoding.offsets):
        oa, ob = norm.original_span(a, b)
        if positions is not None and len(positions):
            last = len(positions) - 1
            oa, ob = positions[min(oa, last)], positions[min(max(ob - 1, oa), last)] + 1
        line = max(0, bisect.bisect_right(starts, oa) - 1)
        places.append((oa, ob, line))
        acc = per_line.setdefault(line, [0.0, 0.0])
        acc[0] += float(raw.l2[t])
        acc[1] += float(raw.signed[t])
    if total_l2 > 0.0 and math.isfinite(total_l2):
        lines = tuple(
            LineAttribution(ln, v[0] / total_l2, v[1]) for ln, v in sorted(per_line.items())
        )
    else:  # nothing moved the score: spread evenly so shares still sum to 1
        even = 1.0 / len(per_line) if per_line else 0.0
        lines = tuple(LineAttribution(ln, even, v[1]) for ln, v in sorted(per_line.items()))

    markers = encoder.markers(encoding.ids)
    places_a, places_b = shown(
        target,
        np.array([p[0] for p in places], dtype=np.int64).reshape(-1),
        np.array([p[1] for p in places], dtype=np.int64).reshape(-1),
        markers,
    )
    first, group = same_characters(places_a, places_b, markers)  # a character's pieces are one
    l2 = np.bincount(group, weights=raw.l2, minlength=first.size)
    signed = np.bincount(group, weights=raw.signed, minlength=first.size)
    order = sorted(range(first.size), key=lambda g: (-float(l2[g]), int(first[g])))
    if top_k is not None:
        order = order[: int(top_k)]
    tokens = []
    for g in order:
        t = int(first[g])
        oa, ob, line = int(places_a[t]), int(places_b[t]), places[t][2]
        tid = encoding.ids[t]
        kind: TokenKind = (
            "newline"
            if tid == encoder.newline_id and encoder.layout
            else "indent"
            if tid == encoder.indent_id and encoder.layout
            else "text"
        )
        share = float(l2[g]) / total_l2 if total_l2 > 0.0 else 0.0
        tokens.append(TokenAttribution(target[oa:ob], line, float(signed[g]), share, oa, ob, kind))
    return lines, tuple(tokens)
