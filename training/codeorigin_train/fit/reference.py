"""The margin of a model's reference threshold (`codeorigin.core.reference`), bounded on the
people of repositories the model never trained on.

Each repository's functions of a language, where it has `min_functions` judged ones, set a
reference: the median of their logits, agents' and people's alike, as `codeorigin calibrate`
sees a user's repository (no label). A person's function lies `z - median` above it; the margin
is the smallest one that flags at most `max_fpr` of the people with `confidence`, the
repositories (not the functions) as the sample (`fit.calibrate.threshold_over_groups`): one
repository of high-scoring people raises it. One margin serves every language: no language has
the 19 held-out repositories a bound of its own would rest on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from codeorigin.core import reference
from codeorigin.core.change import logit
from codeorigin_train.fit.calibrate import threshold_over_groups

MAX_FPR = 0.01
CONFIDENCE = 0.95


def _logits(p: np.ndarray) -> np.ndarray:
    return np.array([logit(float(x)) for x in p], dtype=np.float64)


def medians(scored: pd.DataFrame, min_functions: int = reference.MIN_FUNCTIONS) -> pd.Series:
    """Per row of `scored` (`repo`, `language`, `p`: NaN where not judged), the median logit of
    its repository's judged functions of its language; NaN where they are fewer than
    `min_functions` or the row is not judged."""
    judged = scored[scored["p"].notna()]
    out = pd.Series(np.nan, index=scored.index, dtype=np.float64)
    for _, g in judged.groupby(["repo", "language"], sort=False):
        if len(g) >= min_functions:
            out.loc[g.index] = float(np.median(_logits(g["p"].to_numpy(np.float64))))
    return out


def thresholds(
    scored: pd.DataFrame, margin: float, min_functions: int = reference.MIN_FUNCTIONS
) -> np.ndarray:
    """Per row, its repository's reference threshold for its language (`core.reference`, the
    runtime's function); NaN where the repository has too few judged functions of it."""
    out = np.full(len(scored), np.nan)
    pos = pd.Series(np.arange(len(scored)), index=scored.index)
    judged = scored[scored["p"].notna()]
    for _, g in judged.groupby(["repo", "language"], sort=False):
        t = reference.threshold(g["p"].tolist(), margin, min_functions)
        if t is not None:
            out[pos.loc[g.index].to_numpy()] = t
    return out


def fit_margin(
    scored: pd.DataFrame,
    *,
    min_functions: int = reference.MIN_FUNCTIONS,
    max_fpr: float = MAX_FPR,
    confidence: float = CONFIDENCE,
) -> dict[str, Any]:
    """The margin bounded on the people (`label` 0) of `scored`'s repositories, and what it rests
    on: the manifest's `thresholds.reference`."""
    med = medians(scored, min_functions)
    people = scored[(scored["label"] == 0) & med.notna()]
    if people["repo"].nunique() < 2:
        raise SystemExit(f"a reference margin needs people of several repositories with "
                         f"{min_functions}+ judged functions of a language: "
                         f"{people['repo'].nunique()} found")  # fmt: skip
    above = _logits(people["p"].to_numpy(np.float64)) - med.loc[people.index].to_numpy()
    t = threshold_over_groups(1.0 / (1.0 + np.exp(-above)), people["repo"].to_numpy(),
                              max_fpr, confidence)  # fmt: skip
    margin = logit(t)
    units = people.groupby(["repo", "language"]).ngroups
    return {"margin": round(margin, 6), "min_functions": min_functions,
            "repositories": int(people["repo"].nunique()), "units": int(units),
            "people": len(people), "max_fpr": max_fpr, "confidence": confidence}  # fmt: skip


def rates(scored: pd.DataFrame, margin: float, min_functions: int) -> dict[str, Any]:
    """Recall and people flagged at the reference thresholds of `scored`'s repositories, per
    language and in all; a row whose repository has no reference for its language is counted,
    unflagged (`covered` says how many have one)."""
    t = thresholds(scored, margin, min_functions)
    flagged = np.nan_to_num(scored["p"].to_numpy(np.float64), nan=-1.0) >= np.nan_to_num(t, nan=2.0)
    rows = scored.assign(flagged=flagged, covered=~np.isnan(t))

    def one(g: pd.DataFrame) -> dict[str, Any]:
        a, h = g[g["label"] == 1], g[g["label"] == 0]
        return {"agent": len(a), "human": len(h),
                "recall": float(a["flagged"].mean()) if len(a) else None,
                "fpr": float(h["flagged"].mean()) if len(h) else None,
                "human_flagged": int(h["flagged"].sum()),
                "covered": float(g["covered"].mean()) if len(g) else None}  # fmt: skip

    return {"all": one(rows),
            "by_language": {str(k): one(g) for k, g in rows.groupby("language", sort=True)}}  # fmt: skip
