"""Cross-fitting a member over the repository corpus: out-of-fold logits for the agentic
training rows, so the stacker, its calibration and the thresholds learn from repository code
the member never trained on (fitted on the validation split's contest and chat code alone, they
do not hold on repository code: docs/research/stacked-model.md), at `folds` more fits.

    rows, logits = crossfit(train, fit_member, folds=3)

`fit_member(frame)` fits the member on a frame and returns its scorer (frame -> logits).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from codeorigin_train.data.splits import unit

Scorer = Callable[[pd.DataFrame], np.ndarray]
SOURCE = "aidev"  # the agentic corpus (`data/agentic`): repository code of both labels
FOLDS = 3
SEED = 7


def repository_folds(rows: pd.DataFrame, folds: int = FOLDS) -> np.ndarray:
    """Each row's fold, by a stable hash of its repository (else of its `group`)."""
    keys = rows["repo"]
    if "group" in rows:
        keys = keys.where(keys.astype(str) != "", rows["group"])
    return np.asarray([int(unit(str(r), SEED) * folds) for r in keys], dtype=np.int64)


def crossfit(
    train: pd.DataFrame,
    fit_member: Callable[[pd.DataFrame], Scorer],
    *,
    sources: tuple[str, ...] = (SOURCE,),
    folds: int = FOLDS,
) -> tuple[pd.DataFrame, np.ndarray]:
    """(the rows of `train` from `sources`, their logits from the member fitted without their fold)."""
    rows = train[train["source"].isin(sources)]
    if rows.empty:
        return rows, np.zeros(0, dtype=np.float64)
    fold = repository_folds(rows, folds)
    parts, logits = [], []
    for k in range(folds):
        held = rows[fold == k]
        if held.empty:
            continue
        score = fit_member(train.drop(index=held.index))
        parts.append(held)
        logits.append(np.asarray(score(held), dtype=np.float64))
    return pd.concat(parts), np.concatenate(logits)


def with_fragments(train: pd.DataFrame, fragments: pd.DataFrame | None) -> pd.DataFrame:
    """`train` and the `fragments` of the agentic repositories among its rows, so a fold that
    holds a repository out holds its fragments out too."""
    if fragments is None or fragments.empty:
        return train
    repos = set(train.loc[train["source"] == SOURCE, "repo"])
    return pd.concat([train, fragments[fragments["repo"].isin(repos)]])


def calibration_rows(
    train: pd.DataFrame,
    val: pd.DataFrame,
    fit_member: Callable[[pd.DataFrame], Scorer],
    *,
    sources: tuple[str, ...] = (SOURCE,),
    folds: int = FOLDS,
) -> tuple[pd.DataFrame, np.ndarray, Scorer]:
    """(the rows the stacker and thresholds are fitted on: the validation rows and the rows of
    `train` from `sources`, cross-fitted; the member's out-of-sample logits on them; the member
    fitted on every train row)."""
    member = fit_member(train)
    rows, oof = crossfit(train, fit_member, sources=sources, folds=folds)
    cal = pd.concat([val, rows])
    return cal, np.concatenate([np.asarray(member(val), dtype=np.float64), oof]), member


#: The sources of real-project code: repository code, as the route's domain model reads it.
REAL_PROJECT_SOURCES = ("aidev", "realcode")
