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

from codeorigin.model.encoding import Encoding, TokenEncoder

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

    avg_grad: list[np.ndarray | None] = [None] * len(windows)
    embeds: list[np.ndarray | None] = [None] * len(windows)
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
                cur = avg_grad[wi]
                avg_grad[wi] = g if cur is None else cur + g
            if embeds[wi] is None:
                embeds[wi] = emb[r, :n].astype(np.float64)

    hidden = int(embeds[0].shape[-1]) if embeds[0] is not None else 0
    vectors = np.zeros((n_tokens, hidden), dtype=np.float64)
    for wi, w in enumerate(windows):
        window_grad, window_embeds = avg_grad[wi], embeds[wi]
        if window_grad is None or window_embeds is None or w.end <= w.start:
            continue
        attr = (
            window_embeds * window_grad
        )  # [len, H]; [CLS]/[SEP] rows are zero (their path is a point)
        vectors[w.start : w.end] += (sizes[wi] / total) * attr[1:-1]
    window_weights = np.asarray(sizes, dtype=np.float64) / total
    return RawAttribution(
        logit=float(window_weights @ logits[:, input_index]),
        baseline_logit=float(window_weights @ logits[:, base_index]),
        l2=np.sqrt((vectors**2).sum(axis=1)),
        signed=vectors.sum(axis=1),
        n_windows=len(windows),
        evaluations=n_alpha,
    )
