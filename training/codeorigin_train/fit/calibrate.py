"""Calibration and thresholds, both fitted on the validation split.

Platt scaling: p = sigmoid(a * logit + b), the form the runtime applies. The `llm` threshold is the
smallest probability that flags (p >= threshold) at most `max_fpr` (1%) of validation humans, the
`uncertain` threshold the same at `uncertain_fpr` (5%): a false accusation costs more than a miss.
With `confidence` (0.95 shipped) the `llm` threshold holds the bound on unseen human code of the
same population with that probability: the Neyman-Pearson order statistic (Tong, Feng & Li, 2018).
Picking the threshold at exactly 1% on validation leaves the test FPR above 1% about half the time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Calibration:
    """Platt parameters and thresholds on the calibrated probability."""

    a: float
    b: float
    llm_threshold: float
    uncertain_threshold: float
    max_fpr: float
    uncertain_fpr: float
    val_fpr_at_llm: float
    val_tpr_at_llm: float
    confidence: float | None = None

    def manifest_calibration(self) -> dict[str, object]:
        return {"method": "platt", "a": self.a, "b": self.b}

    def manifest_thresholds(self) -> dict[str, float]:
        return {"llm": self.llm_threshold, "uncertain": self.uncertain_threshold}

    def probability(self, logits: np.ndarray) -> np.ndarray:
        return sigmoid(self.a * np.asarray(logits, dtype=np.float64) + self.b)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


def auroc(y: np.ndarray, score: np.ndarray) -> float:
    """AUROC of `score` against labels `y`; NaN unless `y` holds both labels."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score)) if np.unique(y).size == 2 else float("nan")


def fit_platt(logits: np.ndarray, y: np.ndarray, balanced: bool = False) -> tuple[float, float]:
    """(a, b) minimising the log loss of sigmoid(a * logit + b) against `y` (barely regularised;
    with `balanced`, each label weighing as much in all as the other: even odds at 50%)."""
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e4, max_iter=1000, class_weight="balanced" if balanced else None)
    lr.fit(np.asarray(logits, dtype=np.float64).reshape(-1, 1), np.asarray(y, dtype=np.int64))
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def allowed_false_positives(n: int, max_fpr: float, confidence: float | None) -> int:
    """How many of `n` validation humans a threshold may flag: floor(max_fpr * n) without
    `confidence`; with it, the largest k with P(Binomial(n, max_fpr) <= k) <= 1 - confidence, or 0
    when even k = 0 cannot promise that (the strictest threshold the data allows)."""
    if confidence is None:
        return int(np.floor(max_fpr * n))
    from scipy.stats import binom

    k = -1
    while k + 1 < n and binom.cdf(k + 1, n, max_fpr) <= 1.0 - confidence:
        k += 1
    return max(k, 0)


#: How far above the highest human score it must not flag a threshold is set (a probability).
MARGIN = 1e-6


def threshold_at_fpr(
    human_scores: np.ndarray, max_fpr: float, confidence: float | None = None
) -> float:
    """Smallest t such that the fraction of `human_scores` >= t is at most `max_fpr` (with
    `confidence`: such that the FPR bound holds on unseen humans with that probability)."""
    h = np.sort(np.asarray(human_scores, dtype=np.float64))[::-1]
    if h.size == 0:
        return 1.0
    k = allowed_false_positives(h.size, max_fpr, confidence)  # humans that may reach t
    if k >= h.size:
        return float(h[-1])
    return _just_above(float(h[k]), float(h[k - 1]) if k > 0 else None)


def _just_above(score: float, higher: float | None) -> float:
    """A threshold just above `score`, so that score is not flagged, by `MARGIN`: the runtime
    computes it again from the manifest's rounded weights (within 1e-7), and a threshold one float
    step above it flagged it there. Never past the middle of the gap to the next `higher` score,
    which stays flagged."""
    t = score + MARGIN
    if higher is not None and higher > score:
        t = min(t, (score + higher) / 2)
    return float(min(1.0, max(t, np.nextafter(score, np.inf))))


def threshold_over_groups(
    human_scores: np.ndarray,
    groups: np.ndarray,
    max_fpr: float,
    confidence: float,
    *,
    boots: int = 2000,
    seed: int = 0,
) -> float:
    """The smallest threshold whose false-positive rate stays under `max_fpr` with `confidence`
    when the groups (repositories, problems), not the rows, are the sample: the `confidence`
    quantile of the pooled rate over `boots` bootstrap draws of whole groups. People of one
    repository write alike, so a bound on rows (`threshold_at_fpr`) trusts a few repositories as
    if each of their functions were a separate person; this one widens with the spread between
    repositories, and one repository of high-scoring people raises it."""
    h = np.asarray(human_scores, dtype=np.float64)
    if h.size == 0:
        return 1.0
    names, group = np.unique(np.asarray([str(g) for g in groups]), return_inverse=True)
    sizes = np.bincount(group, minlength=names.size).astype(np.float64)
    top = np.unique(h)[::-1][: int(np.ceil(3 * max_fpr * h.size)) + 64]  # candidate cut scores
    # flagged[r, j]: people of group r strictly above top[j] (a threshold just above top[j]
    # flags those)
    flagged = np.zeros((names.size, top.size))
    for j, s in enumerate(top):
        flagged[:, j] = np.bincount(group[h > s], minlength=names.size)
    draws = (
        np.random.default_rng(seed)
        .multinomial(names.size, np.full(names.size, 1.0 / names.size), size=boots)
        .astype(np.float64)
    )
    rate = (draws @ flagged) / np.maximum(draws @ sizes, 1.0)[:, None]
    bound = np.quantile(rate, confidence, axis=0)  # falls as the cut falls down the scores
    ok = np.flatnonzero(bound <= max_fpr)
    if not ok.size:
        return float(min(1.0, np.nextafter(top[0], np.inf) + MARGIN))
    s = top[ok[-1]]  # the lowest cut that holds; the threshold sits just above it
    higher = h[h > s]
    return _just_above(float(s), float(higher.min()) if higher.size else None)


def calibrate(
    val_logits: np.ndarray,
    y_val: np.ndarray,
    *,
    max_fpr: float = 0.01,
    uncertain_fpr: float = 0.05,
    populations: np.ndarray | None = None,
    confidence: float | None = None,
) -> Calibration:
    """Fit Platt scaling and the two thresholds on validation logits; with `populations` (a label
    per row), each threshold is the strictest of the per-population ones over human rows, so easy
    negatives of one population cannot lower the threshold for another."""
    y = np.asarray(y_val, dtype=np.int64)
    a, b = fit_platt(val_logits, y)
    p = sigmoid(a * np.asarray(val_logits) + b)
    groups = [np.ones(len(y), dtype=bool)]
    if populations is not None:
        pops = np.asarray(populations)
        groups = [pops == g for g in np.unique(pops[y == 0])]
    t_llm = max(threshold_at_fpr(p[(y == 0) & g], max_fpr, confidence) for g in groups)
    t_unc = min(max(threshold_at_fpr(p[(y == 0) & g], uncertain_fpr) for g in groups), t_llm)
    fpr = float(np.mean(p[y == 0] >= t_llm)) if np.any(y == 0) else float("nan")
    tpr = float(np.mean(p[y == 1] >= t_llm)) if np.any(y == 1) else float("nan")
    message = "platt a=%.4f b=%.4f; llm>=%.4f (val FPR %.4f, TPR %.3f); uncertain>=%.4f"
    log.info(message, a, b, t_llm, fpr, tpr, t_unc)
    return Calibration(a, b, t_llm, t_unc, max_fpr, uncertain_fpr, fpr, tpr, confidence)


def reliability(p: np.ndarray, y: np.ndarray, bins: int = 10) -> dict[str, list[float]]:
    """Mean predicted probability, observed LLM fraction and count per equal-width bin; plus ECE."""
    p = np.asarray(p, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    mean_p, frac, count = [], [], []
    for i in range(bins):
        m = which == i
        count.append(float(m.sum()))
        mean_p.append(float(p[m].mean()) if m.any() else float("nan"))
        frac.append(float(y[m].mean()) if m.any() else float("nan"))
    ece = float(sum(c * abs(a - b) for a, b, c in zip(mean_p, frac, count) if c) / max(1.0, len(p)))
    return {"mean_predicted": mean_p, "fraction_llm": frac, "count": count, "ece": [ece]}
