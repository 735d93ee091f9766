"""`route-screen --hard-negatives`: the route's agentic member trained again with its hardest
human functions weighted up, so that its logistic regression spends itself on the people who
write most like the agents, the ones that set the route's threshold.

The member (`agentic-hard`) is the agentic member's recipe (`route_screen.MEMBERS["agentic"]`:
the linear features, C = 4, the fold's agentic rows and fragments) fitted twice: once as it is,
then again with every human row whose logit from that first fit is at or above the `QUANTILE`
of the human rows' weighted `WEIGHT` times (hard-negative mining). The first fit's logits are
its own training rows' (no cross-fitting inside a member: the calibration rows it is read on
are cross-fitted as every member's are, `fit.crossfit.calibration_rows`). The quantile and the
weight were the first pair tried (0.90, 5); two others were read beside it
(docs/research/route.md, "Hard negatives for the route's agentic member, screened").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.fit.crossfit import calibration_rows
from codeorigin_train.variants.linear import LinearConfig, fit_matrix

NAME = "agentic-hard"
QUANTILE = 0.90
WEIGHT = 5.0
C = 4.0  # the agentic member's


def fit_hard(x: Any, labels: np.ndarray, quantile: float = QUANTILE, weight: float = WEIGHT) -> Any:
    """The two fits on a feature matrix: the second with the hard human rows weighted up."""
    first = fit_matrix(x, labels, LinearConfig(c=C))
    logits = first.decision_function(x)
    humans = labels == 0
    if not humans.any():
        return first
    hard = humans & (logits >= np.quantile(logits[humans], quantile))
    return fit_matrix(x, labels, LinearConfig(c=C), sample_weight=np.where(hard, weight, 1.0))


def add_hard(f: Any, learner: Any, rows_of: Callable[[pd.DataFrame], pd.DataFrame],
             frames: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
             extra: tuple[pd.DataFrame, Any] | None) -> None:  # fmt: skip
    """Put the hard-negative member's logits into the fold's (`f`: a `route_screen.FoldLogits`):
    cross-fitted on its calibration rows, on its held-out rows and on the extra humans.
    `rows_of`: the rows (with their fragments) the agentic member trains on, of a frame;
    `frames`: the fold's (train, validation, held-out) rows."""
    train, val, test = frames
    fitted: list[Any] = []

    def fit(rows: pd.DataFrame) -> Callable[[pd.DataFrame], np.ndarray]:
        own = rows_of(rows)
        model = fit_hard(learner._x(own), own["label"].to_numpy())
        fitted.append(model)
        return lambda frame: np.asarray(model.decision_function(learner._x(frame)))

    cal, oof, member = calibration_rows(train, val, fit)  # the fit on every train row first
    if not cal.index.equals(f.cal.index) or not test.index.equals(f.test.index):
        raise SystemExit("route-screen --hard-negatives: the kept fits are of other rows; "
                         "remove WORK/route-screen and run it again")  # fmt: skip
    f.cal_logits[NAME], f.test_logits[NAME] = oof, member(test)
    if extra is not None and f.extra_logits is not None:
        f.extra_logits[NAME] = np.asarray(fitted[0].decision_function(extra[1]))
