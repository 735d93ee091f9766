"""A threshold bounded on human scores: the smallest one that flags at most `max_fpr` of unseen
human code of the same population with probability `confidence` (the Neyman-Pearson order
statistic, Tong, Feng & Li 2018: it lets through at most k of the n humans, k the largest count
with P(Binomial(n, max_fpr) <= k) <= 1 - confidence). A bound, not a quantile: a repository's own
99th percentile of 30 to 100 functions lets far more than 1% of its other humans through.

The same rule as the training tree's `fit.calibrate.threshold_at_fpr`, without scipy: the
runtime (`codeorigin calibrate`) needs only the standard library.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

MAX_FPR = 0.01
CONFIDENCE = 0.95
MARGIN = 1e-6  # above the highest human score it must not flag, as the training tree sets it


def _log_pmf(i: int, n: int, p: float) -> float:
    return (math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
            + i * math.log(p) + (n - i) * math.log1p(-p))  # fmt: skip


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(Binomial(n, p) <= k)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return min(1.0, sum(math.exp(_log_pmf(i, n, p)) for i in range(k + 1)))


def allowed(n: int, max_fpr: float = MAX_FPR, confidence: float = CONFIDENCE) -> int | None:
    """How many of `n` humans a bounded threshold may flag; None when even 0 cannot promise the
    bound (too few humans: `needed`)."""
    if n <= 0 or binomial_cdf(0, n, max_fpr) > 1.0 - confidence:
        return None
    k = 0
    while k + 1 < n and binomial_cdf(k + 1, n, max_fpr) <= 1.0 - confidence:
        k += 1
    return k


def needed(max_fpr: float = MAX_FPR, confidence: float = CONFIDENCE) -> int:
    """The fewest humans any bound needs: (1 - max_fpr)^n <= 1 - confidence (299 at 1%, 95%)."""
    return math.ceil(math.log(1.0 - confidence) / math.log1p(-max_fpr))


def bounded_threshold(
    humans: Sequence[float], max_fpr: float = MAX_FPR, confidence: float = CONFIDENCE
) -> float | None:
    """The bounded threshold of these human scores (a span is flagged at p >= it), or None when
    they are too few."""
    k = allowed(len(humans), max_fpr, confidence)
    if k is None:
        return None
    h = sorted(humans, reverse=True)
    t = h[k] + MARGIN  # above the (k+1)-th highest: it is not flagged
    if k > 0 and h[k - 1] > h[k]:
        t = min(t, (h[k] + h[k - 1]) / 2)  # never past the middle of the gap to the next higher
    return min(1.0, max(t, math.nextafter(h[k], math.inf)))


def auroc(positives: Sequence[float], negatives: Sequence[float]) -> float | None:
    """The probability that a positive outscores a negative (ties count half); None when either
    side is empty."""
    if not positives or not negatives:
        return None
    ranked = sorted([(x, 1) for x in positives] + [(x, 0) for x in negatives])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mean_rank = (i + j + 1) / 2  # 1-based ranks i+1 .. j
        rank_sum += mean_rank * sum(1 for _, y in ranked[i:j] if y)
        i = j
    n_pos, n_neg = len(positives), len(negatives)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
