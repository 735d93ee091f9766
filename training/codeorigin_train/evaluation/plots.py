"""The evaluation's figures: ROC curve, reliability diagram and confusion matrix of the test split."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from codeorigin_train.evaluation import evaluate as ev
from codeorigin_train.fit import calibrate as cal


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path)
    return path


def write_plots(y: np.ndarray, p: np.ndarray, threshold: float, out: Path) -> list[Path]:
    """`roc.png`, `reliability.png` and `confusion.png` of probabilities `p` against labels `y`
    (the flag at `p >= threshold`) in `out`; their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import roc_curve

    out.mkdir(parents=True, exist_ok=True)
    fpr, tpr, _ = roc_curve(y, p)
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.plot(fpr, tpr)
    ax.plot([0, 1], [0, 1], "--", color="grey")
    ax.axvline(0.01, color="red", lw=0.8)
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC (held-out test)")
    paths = [_save(fig, out / "roc.png")]
    rel = cal.reliability(p, y)
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.plot([0, 1], [0, 1], "--", color="grey")
    ax.plot(rel["mean_predicted"], rel["fraction_llm"], "o-")
    ax.set(xlabel="mean predicted P(LLM)", ylabel="fraction LLM",
           title=f"Reliability (ECE {rel['ece'][0]:.3f})")  # fmt: skip
    paths.append(_save(fig, out / "reliability.png"))
    m = ev.binary_metrics(y, p, threshold=threshold)["confusion"]
    fig, ax = plt.subplots(figsize=(3.5, 3))
    grid = np.array([[m["tn"], m["fp"]], [m["fn"], m["tp"]]])
    ax.imshow(grid, cmap="Blues")
    for (i, j), val in np.ndenumerate(grid):
        ax.text(j, i, str(val), ha="center", va="center")
    ax.set(xticks=[0, 1], yticks=[0, 1], xticklabels=["human", "LLM"], yticklabels=["human", "LLM"],
           xlabel="predicted", ylabel="true", title=f"p >= {threshold:.3f}")  # fmt: skip
    paths.append(_save(fig, out / "confusion.png"))
    plt.close("all")
    return paths
