"""Human code of sources the linear member never saw, for the thresholds.

Thresholds set on held-out rows of the training sources hold on those sources, not on a new one
such as a user's code (docs/research/stacked-model.md). `unseen_source_rows` scores each contest
or exercise source's human rows with the member fitted without that source and its problems:

    rows, logits = unseen_source_rows(train, candidates, fit_member)

`fit_member(frame)` fits the member on a frame and returns its scorer (frame -> logits). The
transformer member is not refitted (it saw every source), so the rates these thresholds promise
are a lower bound of what a new source gets.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from codeorigin_train.fit.crossfit import REAL_PROJECT_SOURCES, Scorer

#: Sources of repository code: the calibration rows hold their humans already (cross-fitted).
REPOSITORY_SOURCES = (*REAL_PROJECT_SOURCES, "aidev-fragment")

#: A source needs this many human rows among the candidates to be scored apart.
MIN_HUMANS = 30


def unseen_source_rows(
    train: pd.DataFrame,
    candidates: pd.DataFrame,
    fit_member: Callable[[pd.DataFrame], Scorer],
) -> tuple[pd.DataFrame, np.ndarray]:
    """(the human rows of `candidates` of each contest and exercise source with `MIN_HUMANS` of
    them, their logits from the member fitted on `train` without that source and its problems)."""
    humans = candidates[(candidates["label"] == 0) & ~candidates["source"].isin(REPOSITORY_SOURCES)]
    counts = humans["source"].value_counts()
    parts, logits = [], []
    for source in sorted(str(s) for s, n in counts.items() if n >= MIN_HUMANS):
        rows = candidates[(candidates["source"] == source) & (candidates["label"] == 0)]
        groups = set(candidates.loc[candidates["source"] == source, "group"])
        groups |= set(train.loc[train["source"] == source, "group"])
        rest = train[(train["source"] != source) & ~train["group"].isin(groups)]
        if rest["label"].nunique() < 2:  # nothing left to fit a member on without it
            continue
        score = fit_member(rest)
        parts.append(rows)
        logits.append(np.asarray(score(rows), dtype=np.float64))
    if not parts:
        return candidates.iloc[:0], np.zeros(0, dtype=np.float64)
    return pd.concat(parts), np.concatenate(logits)
