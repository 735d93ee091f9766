"""The linear member's cost per span: hashed features and logit (scoring), and the exact
per-character contributions (explaining), by token length.

With a stacked model it times the model's own linear member; with a single transformer (the
shipped model) it times the same featuriser on the default `FeatureConfig` with zero weights,
which costs the same (the weights are only looked up). The synthetic spans are Python, parsed
by its grammar for the syntax n-grams. Target: 5 ms at 256 tokens on one thread.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np

from codeorigin.core.features import FeatureConfig, char_contributions, extract, figure_values
from codeorigin.core.normalize import normalize_text

TARGET_MS_256 = 5.0
LANGUAGE = "python"  # the synthetic spans' language


def bench_linear(model: Any, text_with_tokens: Any, quick: bool) -> dict[str, Any]:
    """{tokens: {score_p50_ms, score_p95_ms, explain_p50_ms}} and which member was timed.
    `text_with_tokens(n)` makes a synthetic span of `n` model tokens."""
    member = getattr(model, "linear", None)
    if member is not None:
        config, weights, figure_weights, bias = (
            member.config, member.weights, member.figure_weights, member.bias,
        )  # fmt: skip
        which = "the model's linear member"
    else:
        config = FeatureConfig()
        weights, figure_weights, bias = np.zeros(config.n_buckets), np.zeros(config.n_figures), 0.0
        which = "the default featuriser with zero weights (the model has no linear member)"
    repeat = 20 if quick else 100
    out: dict[str, Any] = {}
    for n in (64, 128, 256, 512):
        text = normalize_text(text_with_tokens(n - 2))
        extract(text, config, LANGUAGE)  # warm-up: the token digest cache fills as in a session
        score = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            extract(text, config, LANGUAGE).logit(weights, figure_weights, bias)
            score.append(time.perf_counter() - t0)
        explain = []
        for _ in range(max(5, repeat // 5)):
            t0 = time.perf_counter()
            char_contributions(text, config, weights, figure_weights, bias, LANGUAGE)
            figure_values(text, config)  # the figures it names (`LinearMember.contributions`)
            explain.append(time.perf_counter() - t0)
        score.sort()
        out[str(n)] = {
            "characters": len(text),
            "score_p50_ms": round(1000 * statistics.median(score), 3),
            "score_p95_ms": round(1000 * score[int(0.95 * (len(score) - 1))], 3),
            "explain_p50_ms": round(1000 * statistics.median(explain), 3),
        }
    return {"member": which, "by_tokens": out}
