"""The measures of a run (`runs.py`) on plain arrays (scores, labels) and the dataset frame:
held-out metrics by source, language and generator family, leave-one-source-out, and the
false-positive rate on real-project human code.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

# Generator name → family, by the first matching pattern (case-insensitive).
_FAMILIES: list[tuple[str, str]] = [
    (r"^human$", "human"),
    (r"gpt|openai|chatgpt|turbo|o1|o3|o4", "openai"),
    (r"deepseek", "deepseek"),
    (r"qwen", "qwen"),
    (r"llama|vicuna|wizard", "llama"),
    (r"gemini|gemma|bard", "google"),
    (r"phi", "phi"),
    (r"starcoder|santacoder|bigcode", "starcoder"),
    (r"granite", "granite"),
    (r"yi-?coder|01-ai", "yi"),
    (r"mistral|mixtral|codestral", "mistral"),
    (r"chatglm|codegeex|glm", "glm"),
    (r"codegen|codet5|salesforce", "salesforce"),
    (r"incoder|polycoder|bing|copilot|codewhisperer", "other-named"),
]


def generator_family(name: str) -> str:
    """A coarse family for a generator name ("Qwen/Qwen2.5-Coder-7B" → "qwen")."""
    n = str(name).lower()
    for pattern, family in _FAMILIES:
        if re.search(pattern, n):
            return family
    return "unknown" if n in {"", "none", "nan", "unknown", "unidentified"} else "other"


def binary_metrics(y: np.ndarray, scores: np.ndarray, *, threshold: float = 0.5) -> dict[str, Any]:
    """AUROC on `scores` and threshold metrics at `scores >= threshold`."""
    from sklearn.metrics import roc_auc_score

    y = np.asarray(y, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    pred = s >= threshold
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    tn = int(np.sum(~pred & (y == 0)))
    prec = tp / (tp + fp) if tp + fp else float("nan")
    rec = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * prec * rec / (prec + rec) if tp and (prec + rec) else 0.0
    both = len(set(y.tolist())) == 2
    return {
        "n": len(y),
        "n_llm": int(np.sum(y == 1)),
        "n_human": int(np.sum(y == 0)),
        "auroc": float(roc_auc_score(y, s)) if both else None,
        "accuracy": (tp + tn) / max(1, len(y)),
        "precision": prec,
        "recall": rec,
        "f1": f1,
        "fpr": fp / (fp + tn) if fp + tn else None,
        "confusion": {"tn": tn, "fp": fp, "fn": fn, "tp": tp},
    }


def grouped_metrics(
    df: pd.DataFrame, scores: np.ndarray, by: str, *, threshold: float
) -> dict[str, dict[str, Any]]:
    """`binary_metrics` per value of column `by`."""
    keys = df[by].astype(str)
    y = df["label"].to_numpy()
    out: dict[str, dict[str, Any]] = {}
    for key in sorted(keys.unique()):
        m = (keys == key).to_numpy()
        out[key] = binary_metrics(y[m], scores[m], threshold=threshold)
    return out


def heldout_report(df: pd.DataFrame, scores: np.ndarray, *, threshold: float) -> dict[str, Any]:
    """Overall, per source, per language and per generator family metrics on a held-out frame
    (each family against every human row, so its AUROC is defined)."""
    y = df["label"].to_numpy()
    fam = df["generator"].map(generator_family)
    per_gen: dict[str, dict[str, Any]] = {}
    human = y == 0
    for family in sorted(fam[y == 1].unique()):
        m = human | ((fam == family).to_numpy() & (y == 1))
        per_gen[family] = binary_metrics(y[m], scores[m], threshold=threshold)
    human_fpr = float(np.mean(scores[human] >= threshold)) if human.any() else None
    return {
        "overall": binary_metrics(y, scores, threshold=threshold),
        "per_source": grouped_metrics(df, scores, "source", threshold=threshold),
        "per_language": grouped_metrics(df, scores, "language", threshold=threshold),
        "per_generator_family": per_gen,
        "human_fpr_at_threshold": human_fpr,
    }


def loso_sources(df: pd.DataFrame, k: int = 4) -> list[str]:
    """The `k` largest sources that hold both labels (and at least 30 of each)."""
    counts = df.groupby(["source", "label"]).size().unstack(fill_value=0)
    both = counts[(counts.get(0, 0) >= 30) & (counts.get(1, 0) >= 30)]
    return list(both.sum(axis=1).sort_values(ascending=False).index[:k])


def leave_one_source_out(
    df: pd.DataFrame,
    sources: Sequence[str],
    fit_predict: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
) -> dict[str, dict[str, Any]]:
    """For each source: train on the other sources' rows, test on all of its rows.
    `fit_predict(train_rows, val_rows, test_rows)` takes positions into `df` and returns the test
    scores; the validation rows serve early stopping only."""
    out: dict[str, dict[str, Any]] = {}
    src = df["source"].to_numpy()
    split = df["split"].to_numpy()
    y = df["label"].to_numpy()
    for s in sources:
        train = np.flatnonzero((src != s) & (split == "train"))
        val = np.flatnonzero((src != s) & (split == "val"))
        test = np.flatnonzero(src == s)
        scores = fit_predict(train, val, test)
        m = binary_metrics(y[test], scores, threshold=0.0)
        out[s] = {"auroc": m["auroc"], "n": m["n"], "n_llm": m["n_llm"], "n_human": m["n_human"]}
        log.info("LOSO %s: AUROC %.4f (n=%d)", s, m["auroc"] or float("nan"), m["n"])
    return out


def loso_mean(loso: dict[str, dict[str, Any]]) -> float:
    vals = [v["auroc"] for v in loso.values() if v.get("auroc") is not None]
    return float(np.mean(vals)) if vals else float("nan")


def human_fpr_summary(
    real: pd.DataFrame, p: np.ndarray, llm: float, uncertain: float
) -> dict[str, Any]:
    """FPR of real human functions (`real`, with `project`, `language`, `code`) scored `p`, at the
    `llm` and `uncertain` thresholds, overall and with/without a Python docstring."""
    with_doc = real["code"].str.contains("\"\"\"|'''", regex=True).to_numpy()

    def rate(m: np.ndarray) -> float | None:
        return float(np.mean(p[m] >= llm)) if m.any() else None

    return {
        "n": len(real),
        "projects": int(real["project"].nunique()),
        "languages": real["language"].value_counts().to_dict(),
        "fpr_at_llm_threshold": float(np.mean(p >= llm)),
        "fraction_at_or_above_uncertain": float(np.mean(p >= uncertain)),
        "mean_probability": float(np.mean(p)),
        "fpr_with_docstring": rate(with_doc),
        "fpr_without_docstring": rate(~with_doc),
        "n_with_docstring": int(with_doc.sum()),
    }
