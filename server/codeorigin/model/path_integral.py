"""The maths of Integrated Gradients over the gradient graph: path points in, token vectors out.

captum's split: `attributor.Attributor.attribute` validates and normalises its inputs, and
`integrate` here does the maths. For each window of the text (the scorer's windows and weights) it
runs every path point of a quadrature rule (`quadrature`) through the gradient graph
(`gradient_graph`), at most `rows_per_run` rows at a time, and reduces each token's attribution
vector to its L2 norm and its signed sum, window-weighted like the scorer's logit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from codeorigin.model.encoding import Encoding, TokenEncoder, Window

# Rows per onnxruntime run are bounded by rows * L * (1 + L / 256) <= BATCH_CELLS: the backward pass
# keeps every layer's activations, and attention grows with L². For a MiniLM-sized model this keeps
# a run under about 350 MB (8 rows of 200 tokens, 2 rows of 512).
BATCH_CELLS = 3072


@dataclass(frozen=True)
class RawAttribution:
    """An explanation in token space: what the cache keeps."""

    logit: float
    baseline_logit: float
    l2: np.ndarray  # [n_tokens] L2 norm of each token's attribution vector
    signed: np.ndarray  # [n_tokens] signed sum of each token's attribution vector
    n_windows: int
    evaluations: int


def rows_per_run(length: int, internal_batch_size: int | None) -> int:
    """Rows of `length` tokens per onnxruntime run: the caller's bound, else the memory bound."""
    if internal_batch_size is not None:
        return max(1, int(internal_batch_size))
    return max(1, int(BATCH_CELLS // (length * (1.0 + length / 256.0))))


Run = Callable[[dict[str, np.ndarray]], tuple[np.ndarray, np.ndarray, np.ndarray]]

#: Called before each onnxruntime run of an explanation with the share done so far (0 to 1);
#: returning False stops it with `Cancelled`.
Watch = Callable[[float], bool]


class Cancelled(Exception):
    """An explanation stopped before it finished: its `watch` said so (the document closed)."""


def watched(run: Run, watch: Watch, rows: int) -> Run:
    """`run` that tells `watch` the share of the `rows` path points done before each run, and
    raises `Cancelled` when it says stop."""
    done = 0

    def run_watched(feed: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        nonlocal done
        if not watch(done / max(1, rows)):
            raise Cancelled("stopped before it finished")
        out = run(feed)
        done += int(feed["alphas"].shape[0])
        return out

    return run_watched


def integrate(
    run: Run,
    encoder: TokenEncoder,
    encoding: Encoding,
    *,
    alphas: np.ndarray,
    weights: np.ndarray,
    base_index: int,
    input_index: int,
    baseline_scale: float,
    internal_batch_size: int | None,
) -> RawAttribution:
    """The maths: path points of every window through the gradient graph, then the quadrature.

    `run(feed) -> (logit [B], grad [B, L, H], embeds [B, L, H])` runs the gradient graph. Returns
    per-token L2 norms and signed sums of the attribution vectors, window-weighted like the scorer.
    """
    n_tokens = len(encoding.ids)
    windows = encoder.windows(n_tokens)
    seqs = [encoder.with_specials(encoding.ids[w.start : w.end]) for w in windows]
    sizes = [max(1, w.end - w.start) for w in windows]  # the scorer's weights
    total = float(sum(sizes))
    n_alpha = len(alphas)
    rows = [(wi, k) for wi in range(len(windows)) for k in range(n_alpha)]
    width = max(len(s) for s in seqs)
    per_run = rows_per_run(width, internal_batch_size)

    folded = _Folded(windows, n_tokens, [size / total for size in sizes])
    avg_grad: dict[int, np.ndarray] = {}  # the windows whose path points are still being run
    embeds: dict[int, np.ndarray] = {}
    done = [0] * len(windows)
    logits = np.zeros((len(windows), n_alpha), dtype=np.float64)
    for start in range(0, len(rows), per_run):
        chunk = rows[start : start + per_run]
        ids, mask = encoder.pad_batch([seqs[wi] for wi, _ in chunk])
        path = mask.astype(np.float32)
        path[:, 0] = 0.0  # [CLS]
        for r, (wi, _) in enumerate(chunk):
            path[r, len(seqs[wi]) - 1] = 0.0  # [SEP]
        feed = {
            "input_ids": ids,
            "attention_mask": mask,
            "path_mask": path,
            "alphas": np.array([alphas[k] for _, k in chunk], dtype=np.float32),
            "baseline_scale": np.full(len(chunk), baseline_scale, dtype=np.float32),
        }
        logit, grad, emb = run(feed)
        for r, (wi, k) in enumerate(chunk):
            n = len(seqs[wi])
            logits[wi, k] = float(logit[r])
            if weights[k] != 0.0:
                g = grad[r, :n].astype(np.float64) * float(weights[k])
                cur = avg_grad.get(wi)
                avg_grad[wi] = g if cur is None else cur + g
            if wi not in embeds:
                embeds[wi] = emb[r, :n].astype(np.float64)
            done[wi] += 1
            if done[wi] == n_alpha:  # the window's last path point: fold it in, let it go
                window_grad, window_embeds = avg_grad.pop(wi, None), embeds.pop(wi)
                if window_grad is not None:
                    # [CLS]/[SEP] rows are zero (their path is a point)
                    folded.add(wi, (window_embeds * window_grad)[1:-1])
                folded.settle(wi)

    window_weights = np.asarray(sizes, dtype=np.float64) / total
    return RawAttribution(
        logit=float(window_weights @ logits[:, input_index]),
        baseline_logit=float(window_weights @ logits[:, base_index]),
        l2=folded.l2,
        signed=folded.signed,
        n_windows=len(windows),
        evaluations=n_alpha,
    )


class _Folded:
    """Per-token L2 norms and signed sums of the window-weighted attribution vectors, folded in
    window by window. A token's vector is the sum over the windows that hold it (two, where they
    overlap); once every window that holds a token is in, its two figures are kept and its vector
    let go, so an explanation holds a window's vectors, not the whole text's (a 2,000-line function
    held 250 MB of them)."""

    def __init__(self, windows: list[Window], n_tokens: int, weights: list[float]) -> None:
        self.windows = windows
        self.weights = weights
        self.l2 = np.zeros(n_tokens, dtype=np.float64)
        self.signed = np.zeros(n_tokens, dtype=np.float64)
        self.low = 0  # tokens before `low` are settled
        self.open: np.ndarray | None = None  # the vectors of tokens low.. not settled yet

    def add(self, wi: int, attr: np.ndarray) -> None:
        w = self.windows[wi]
        if w.end <= w.start:
            return
        high = max(w.end, self.low + (0 if self.open is None else len(self.open)))
        grown = np.zeros((high - self.low, attr.shape[-1]), dtype=np.float64)
        if self.open is not None:
            grown[: len(self.open)] = self.open
        grown[w.start - self.low : w.end - self.low] += self.weights[wi] * attr
        self.open = grown

    def settle(self, wi: int) -> None:
        """Window `wi` is in: settle the tokens no later window holds."""
        upto = self.windows[wi + 1].start if wi + 1 < len(self.windows) else len(self.l2)
        if self.open is None or upto <= self.low:
            return
        cut = min(upto - self.low, len(self.open))
        part = self.open[:cut]
        self.l2[self.low : self.low + cut] = np.sqrt((part**2).sum(axis=1))
        self.signed[self.low : self.low + cut] = part.sum(axis=1)
        self.open = self.open[cut:].copy() if cut < len(self.open) else None
        self.low += cut
