"""Row weights that take the program-or-function tell out of the contest sources.

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

#: A row that starts with a definition (a decorator, `def`, `async def` or `class`).
_DEFINITION = re.compile(r"\s*(@|(async\s+)?def\s|class\s)")

#: Sources whose rows are whole repositories' functions: every row is a definition already.
_FUNCTION_SOURCES = ("aidev", "realcode", "aidev-fragment")

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
        if s in _FUNCTION_SOURCES:
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
