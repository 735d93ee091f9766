"""The statistics and plots of the attention-heads analysis (`heads.py` extracts the features).

Per (layer, head, statistic): Welch's t-test between the labels, Cohen's d (positive: higher for
LLM code), and a one-way ANOVA of the LLM samples across generator families of at least
`MIN_FAMILY` samples, both Benjamini-Hochberg corrected. The PCA standardises the per-sample
statistics (coloured by label) and the per-token patterns (coloured by code construct).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.analysis import common

MIN_FAMILY = 5
ALPHA = 0.05


def _bh(p: np.ndarray) -> np.ndarray:
    from scipy.stats import false_discovery_control

    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        q[ok] = false_discovery_control(p[ok], method="bh")
    return q


def tests(
    features: np.ndarray, y: np.ndarray, families: np.ndarray, stats: tuple[str, ...]
) -> pd.DataFrame:
    """One row per (layer, head, statistic): means, t, p, q, Cohen's d, ANOVA F, p, q."""
    from scipy.stats import f_oneway, ttest_ind

    n, layers, heads, s = features.shape
    flat = features.reshape(n, -1)
    a, b = flat[y == 1], flat[y == 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        t, p = ttest_ind(a, b, equal_var=False, axis=0)
        d = (a.mean(0) - b.mean(0)) / np.sqrt((a.var(0, ddof=1) + b.var(0, ddof=1)) / 2)
    fam = [f for f in sorted(set(families[y == 1])) if (families == f).sum() >= MIN_FAMILY]
    if len(fam) >= 2:
        with np.errstate(invalid="ignore", divide="ignore"):
            f_stat, f_p = f_oneway(*[flat[families == f] for f in fam], axis=0)
    else:
        f_stat = f_p = np.full(flat.shape[1], np.nan)
    idx = np.array([(li, h, k) for li in range(layers) for h in range(heads) for k in range(s)])
    return pd.DataFrame({
        "layer": idx[:, 0], "head": idx[:, 1], "statistic": [stats[k] for k in idx[:, 2]],
        "mean_llm": a.mean(0), "mean_human": b.mean(0), "t": t, "p": p, "q": _bh(np.asarray(p)),
        "cohens_d": d, "anova_f": f_stat, "anova_p": f_p, "anova_q": _bh(np.asarray(f_p)),
        "anova_families": len(fam),
    })  # fmt: skip


def pca(feats: dict[str, np.ndarray], y: np.ndarray) -> dict[str, Any]:
    """2-D PCA of the samples' head statistics and of the tokens' head patterns."""
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    def fit(x: np.ndarray) -> tuple[np.ndarray, list[float]]:
        x = np.nan_to_num(StandardScaler().fit_transform(x))
        m = PCA(n_components=2, random_state=0).fit(x)
        return m.transform(x), [float(v) for v in m.explained_variance_ratio_]

    xs, vs = fit(feats["features"].reshape(len(y), -1))
    xt, vt = fit(feats["token_patterns"])
    pc1 = common.auroc(y, xs[:, 0])
    return {"samples": xs, "labels": y, "sample_variance": vs,
            "pc1_label_auroc": None if pc1 is None else max(pc1, 1 - pc1),
            "tokens": xt, "constructs": feats["token_constructs"], "token_variance": vt}  # fmt: skip


def plot_effects(
    tests: pd.DataFrame, layers: int, heads: int, stats: tuple[str, ...], path: Path
) -> None:
    """Layer x head heatmaps of Cohen's d, one per statistic; significant cells marked."""
    plt = common.pyplot()
    fig, axes = plt.subplots(
        1, len(stats), figsize=(2.2 * len(stats), 0.5 * layers + 2.0), squeeze=False
    )
    lim = max(0.2, float(np.nanmax(np.abs(tests["cohens_d"]))))
    for ax, stat in zip(axes[0], stats):
        t = tests[tests["statistic"] == stat]
        grid = t["cohens_d"].to_numpy().reshape(layers, heads)
        im = ax.imshow(grid, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
        for (li, h), q in zip(t[["layer", "head"]].to_numpy(), t["q"].to_numpy()):
            if q < ALPHA:
                ax.text(h, li, "*", ha="center", va="center")
        ax.set(title=stat, xlabel="head", xticks=range(heads), yticks=range(layers))
    axes[0][0].set_ylabel("layer")
    fig.colorbar(im, ax=axes[0].tolist(), label="Cohen's d (LLM - human)")
    fig.suptitle("Effect size per head (* BH q < 0.05)", y=1.04)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)


def plot_ablation(abl: dict[str, Any], path: Path) -> None:
    plt = common.pyplot()
    grid = abl["delta_auroc"]
    fig, ax = plt.subplots(figsize=(1.0 * grid.shape[1] + 2, 0.8 * grid.shape[0] + 1.5))
    lim = max(1e-3, float(np.abs(grid).max()))
    im = ax.imshow(grid, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
    for (li, h), v in np.ndenumerate(grid):
        ax.text(h, li, f"{v:+.3f}", ha="center", va="center", fontsize=8)
    ax.set(xlabel="head", ylabel="layer", xticks=range(grid.shape[1]), yticks=range(grid.shape[0]),
           title=f"AUROC change, one head masked (base {abl['auroc']:.3f})")  # fmt: skip
    fig.colorbar(im, ax=ax)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)


def plot_pca(p: dict[str, Any], constructs: tuple[str, ...], path: Path) -> None:
    plt = common.pyplot()
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 4.2))
    for lab, name in ((0, "human"), (1, "LLM")):
        m = p["labels"] == lab
        ax.scatter(p["samples"][m, 0], p["samples"][m, 1], s=8, alpha=0.6, label=name)
    ax.set(title=f"Samples: head statistics (PC1 {p['sample_variance'][0]:.0%})",
           xlabel="PC1", ylabel="PC2")  # fmt: skip
    ax.legend()
    for k, name in enumerate(constructs):
        m = p["constructs"] == k
        bx.scatter(p["tokens"][m, 0], p["tokens"][m, 1], s=4, alpha=0.4 if k == 0 else 0.8,
                   label=name)  # fmt: skip
    bx.set(title=f"Tokens: attention patterns (PC1 {p['token_variance'][0]:.0%})",
           xlabel="PC1", ylabel="PC2")  # fmt: skip
    bx.legend(markerscale=3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def summary(tests: pd.DataFrame, abl: dict[str, Any], p: dict[str, Any], model: Any,
            rows: pd.DataFrame) -> dict[str, Any]:  # fmt: skip
    """What the card quotes."""
    sig = tests[tests["q"] < ALPHA]
    top = tests.reindex(tests["cohens_d"].abs().sort_values(ascending=False).index).head(5)
    cols = ["layer", "head", "statistic", "cohens_d", "q", "mean_llm", "mean_human"]
    grid = abl["delta_auroc"]
    order = np.argsort(grid, axis=None)
    by_stat = sig.groupby("statistic").size().to_dict()
    return {
        "n": len(rows), "n_llm": int(rows["label"].sum()), "layers": model.layers,
        "heads": model.heads, "parity": model.parity,
        "languages": {str(k): int(v) for k, v in rows["language"].value_counts().items()},
        "welch": {"tests": len(tests), "significant": len(sig), "alpha": ALPHA,
                  "significant_by_statistic": {str(k): int(v) for k, v in by_stat.items()},
                  "top": top[cols].to_dict("records")},
        "anova": {"families": int(tests["anova_families"].iloc[0]),
                  "significant": int((tests["anova_q"] < ALPHA).sum())},
        "ablation": {"auroc": abl["auroc"], "delta_auroc": grid.tolist(),
                     "largest_drop": {"layer": int(order[0] // grid.shape[1]),
                                      "head": int(order[0] % grid.shape[1]),
                                      "delta": float(grid.flat[order[0]])},
                     "largest_gain": {"layer": int(order[-1] // grid.shape[1]),
                                      "head": int(order[-1] % grid.shape[1]),
                                      "delta": float(grid.flat[order[-1]])}},
        "pca": {"sample_variance": p["sample_variance"], "token_variance": p["token_variance"],
                "pc1_label_auroc": p["pc1_label_auroc"]},
    }  # fmt: skip
