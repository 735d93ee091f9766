"""Row weights that take a repository's look out of the label (`repository_weights`): the
protocol's `char-ngram-rb` reference weighs its training rows by them. The row weightings the
stacked model's linear member was screened with (`stack --balance-structure`, `--balance-domains`,
`--balance-repositories`; none shipped) are in docs/research/stacked-model.md and
within-repository.md ("Code removed").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The rows `repository_weights` balances: the agentic corpus' functions and its fragments.
AGENTIC_SOURCES = ("aidev", "aidev-fragment")
#: The weight of a row of a repository that holds one label only.
SINGLE_LABEL_WEIGHT = 0.5


def repository_weights(
    frame: pd.DataFrame, single_label: float = SINGLE_LABEL_WEIGHT
) -> np.ndarray:
    """A weight per row of `frame` that takes each repository's look out of the label: in each
    repository of the agentic corpus (`AGENTIC_SOURCES`) with both labels, the agent's rows and
    the people's rows weigh half of the repository's rows each; a repository with one label only
    weighs `single_label` a row (it can teach only what the repository looks like). Rows of the
    other sources weigh 1.

    Why: a repository is mostly one label in the corpus (an agent wrote into a young repository,
    or the dated history of an old one is all people's), so a learner can score a repository's
    style instead of its authors; users scan one repository, where that style is on both sides."""
    w = np.ones(len(frame), dtype=np.float64)
    agentic = frame["source"].astype(str).isin(AGENTIC_SOURCES).to_numpy()
    if not agentic.any():
        return w
    label = frame["label"].to_numpy()[agentic]
    by_repo = pd.Series(label).groupby(frame["repo"].astype(str).to_numpy()[agentic])
    n, n1 = by_repo.transform("size").to_numpy(), by_repo.transform("sum").to_numpy()
    n0 = n - n1
    both = (n0 > 0) & (n1 > 0)
    mine = np.where(label == 1, n1, n0)
    w[agentic] = np.where(both, (n / 2.0) / np.maximum(mine, 1), single_label)
    return w
