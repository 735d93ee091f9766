"""Row weights that take a tell without authorship out of the training rows: the
program-or-function form of the contest sources (`structure_weights`), and the kind of code,
repository or contest (`domain_weights`).

The contest sources' two labels differ in form: most of CodeNet's human Python is a script that
reads its input at the top level (26% of its rows start with a definition), while the LLM side is
a function plus a call (95%); SemEval's human side starts with a definition in 22% of rows, its LLM
side in 49%. A learner trained on them learns that a tidy algorithmic *function* is an LLM's,
and then flags the textbook solutions people write as functions. Within each such source,
`structure_weights` reweights the rows so that both labels have the same share of definitions
(the mean of the two), leaving each label's total weight as it was.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from codeorigin_train.fit.unseen import REPOSITORY_SOURCES

#: A row that starts with a definition (a decorator, `def`, `async def` or `class`).
_DEFINITION = re.compile(r"\s*(@|(async\s+)?def\s|class\s)")

#: No row's weight moves further than this factor from 1.
MAX_FACTOR = 8.0


def starts_with_definition(code: str) -> bool:
    return _DEFINITION.match(code) is not None


def structure_weights(frame: pd.DataFrame) -> np.ndarray:
    """A weight per row of `frame` (1 where nothing is rebalanced): in each source with both
    labels, Python rows are weighted so that the share of rows starting with a definition is the
    same for both labels."""
    w = np.ones(len(frame), dtype=np.float64)
    py = (frame["language"].astype(str) == "python").to_numpy()
    source = frame["source"].astype(str).to_numpy()
    label = frame["label"].to_numpy()
    is_def = np.array([starts_with_definition(c) for c in frame["code"]])
    for s in np.unique(source[py]):
        if s in REPOSITORY_SOURCES:  # whole repositories' functions: each a definition
            continue
        rows = py & (source == s)
        shares = [is_def[rows & (label == y)].mean() for y in (0, 1) if (rows & (label == y)).any()]
        if len(shares) < 2:
            continue
        target = float(np.mean(shares))
        for y, share in zip((0, 1), shares):
            if share in (0.0, 1.0):
                continue  # one form only: nothing to move weight to
            mine = rows & (label == y)
            w[mine & is_def] = target / share
            w[mine & ~is_def] = (1.0 - target) / (1.0 - share)
    return np.clip(w, 1.0 / MAX_FACTOR, MAX_FACTOR)


#: `domain_weights`: the weight of a row whose (language, kind of code) holds one label only.
SINGLE_LABEL_WEIGHT = 0.5


def domain_weights(frame: pd.DataFrame, single_label: float = SINGLE_LABEL_WEIGHT) -> np.ndarray:
    """A weight per row of `frame` that takes the kind of code out of the label, language by
    language: repository code (`REPOSITORY_SOURCES`) and contest, exercise and chat code are
    two kinds, and in each (language, kind) that holds both labels the rows are weighted so that
    both labels weigh as much (half the rows each). A (language, kind) with one label only (the
    chat and puzzle sources' LLM code of Go, Rust or TypeScript; no human code of their kind)
    weighs `single_label` a row.

    Why: the pool's repository code is almost all human (real-project functions) beside a few
    hundred agents' functions, and its contest code is mostly balanced, so a learner reads
    "repository-like" as human and ranks the contest humans above the agents' code; at a
    threshold that holds contest humans to 1% it then flags none of the agents' code."""
    w = np.full(len(frame), single_label, dtype=np.float64)
    repo = frame["source"].astype(str).isin(REPOSITORY_SOURCES).to_numpy()
    lang = frame["language"].astype(str).to_numpy()
    label = frame["label"].to_numpy()
    for lg in np.unique(lang):
        for kind in (True, False):
            cell = (lang == lg) & (repo == kind)
            n1 = int((cell & (label == 1)).sum())
            n0 = int(cell.sum()) - n1
            if n0 and n1:
                half = cell.sum() / 2.0
                w[cell & (label == 1)] = half / n1
                w[cell & (label == 0)] = half / n0
    return w


#: The rows `repository_weights` balances: the agentic corpus' functions and its fragments.
AGENTIC_SOURCES = ("aidev", "aidev-fragment")


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
    repo = frame["repo"].astype(str).to_numpy()
    label = frame["label"].to_numpy()
    cells = pd.DataFrame({"repo": repo[agentic], "label": label[agentic]})
    counts = cells.groupby(["repo", "label"]).size().unstack(fill_value=0)
    index = np.flatnonzero(agentic)
    for r, row in counts.iterrows():
        mine = index[repo[index] == r]
        n0, n1 = int(row.get(0, 0)), int(row.get(1, 0))
        if n0 and n1:
            half = (n0 + n1) / 2.0
            w[mine[label[mine] == 1]] = half / n1
            w[mine[label[mine] == 0]] = half / n0
        else:
            w[mine] = single_label
    return w
