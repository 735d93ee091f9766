"""`route-screen --style`: the style figures (`analysis.style_figures`) as a member of the route,
and as a second test beside it.

The style member is a logistic regression (standardised figures, C = 0.3) on the fold's agentic
Python functions, agents' against people's, cross-fitted into the calibration rows as the other
members are (`fit.crossfit.calibration_rows`: the same rows). `route-screen` then fits the route
stacker on sets with it (`route_screen.STYLE_SETS`), and `both_rule` asks whether two tests that
each see other things let the bound sit lower: a function is flagged when the shipped route's
probability and the style member's logit are both over a threshold of their own. The pair is
chosen on the calibration rows alone: for each style threshold (the 0 to 90% quantiles of the
calibration agents' style logits, 46 of them), the route's threshold that holds the bound on the
calibration humans the style threshold lets through; the pair that catches most calibration
agents' functions is kept, then read on the held-out rows.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.analysis.style_figures import figures
from codeorigin_train.fit.calibrate import threshold_at_fpr
from codeorigin_train.fit.crossfit import calibration_rows
from codeorigin_train.fit.stacker import fit_stacker

STYLE_C = 0.3
LANGUAGE = "python"


@functools.cache
def _figures(code: str) -> tuple[float, ...]:
    return tuple(figures(code))


def _x(frame: pd.DataFrame) -> np.ndarray:
    return np.asarray([_figures(code) for code in frame["code"]], dtype=np.float64)


def fit_style(rows: pd.DataFrame) -> Callable[[pd.DataFrame], np.ndarray]:
    """The style member fitted on the agentic Python functions of `rows`: their logits."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    own = rows[(rows["source"] == "aidev") & (rows["language"] == LANGUAGE)]
    model = make_pipeline(StandardScaler(), LogisticRegression(C=STYLE_C, max_iter=3000))
    model.fit(_x(own), own["label"].to_numpy())
    return lambda frame: np.asarray(model.decision_function(_x(frame)), dtype=np.float64)


def add_style(f: Any, train: pd.DataFrame, val: pd.DataFrame, test: pd.DataFrame,
              extra: tuple[pd.DataFrame, Any] | None) -> None:  # fmt: skip
    """Put the style member's logits into the fold's (`f`: a `route_screen.FoldLogits`, which
    imports this module): cross-fitted on its calibration rows, on its held-out rows and on the
    extra humans."""
    cal, oof, member = calibration_rows(train, val, fit_style)
    if not cal.index.equals(f.cal.index) or not test.index.equals(f.test.index):
        raise SystemExit("route-screen --style: the kept fits are of other rows; remove "
                         "WORK/route-screen and run it again")  # fmt: skip
    f.cal_logits["style"], f.test_logits["style"] = oof, member(test)
    if extra is not None and f.extra_logits is not None:
        f.extra_logits["style"] = member(extra[0])


def both_rule(f: Any, bound: float) -> dict[str, Any]:
    """The shipped route and the style member, each over a threshold of its own, the pair chosen
    on the calibration rows (the module's docstring): what it flags of the held-out rows."""
    y = f.cal["label"].to_numpy()
    langs = f.cal["language"].astype(str).to_numpy()
    project = f.z_cal >= f.gate
    members = ("linear", "agentic")
    stacker = fit_stacker({k: f.cal_logits[k][project] for k in members}, langs[project].tolist(),
                          y[project], f.cal["group"].to_numpy()[project].tolist())  # fmt: skip
    p_cal = np.zeros(len(y))
    p_cal[project] = stacker.probability(stacker.oof_logits)
    s_cal = f.cal_logits["style"]
    python = project & (langs == LANGUAGE)
    humans, agents = python & (y == 0), python & (y == 1)
    best = (-1, 1.0, np.inf)
    for t_style in np.quantile(s_cal[agents], np.linspace(0.0, 0.9, 46)) if agents.any() else []:
        through = np.where(s_cal[humans] >= t_style, p_cal[humans], 0.0)
        t_route = threshold_at_fpr(through, bound, 0.95)
        caught = int((agents & (p_cal >= t_route) & (s_cal >= t_style)).sum())
        if caught > best[0]:
            best = (caught, t_route, float(t_style))
    test = f.test
    p_test = stacker.probability(
        stacker.logits(
            {k: f.test_logits[k] for k in members}, test["language"].astype(str).tolist()
        )
    )
    sel = (test["language"] == LANGUAGE).to_numpy() & (f.z_test >= f.gate)
    hit = sel & (p_test >= best[1]) & (f.test_logits["style"] >= best[2])
    label, source = test["label"].to_numpy(), test["source"].to_numpy()
    agent, person = (
        sel & (label == 1) & (source == "aidev"),
        sel & (label == 0) & (source == "aidev"),
    )
    out: dict[str, Any] = {
        "threshold": float(best[1]),
        "style_threshold": best[2],
        "calibration_agents_caught": best[0],
        "agents": [int((hit & agent).sum()), int(agent.sum())],
        "agents_repositories_humans": [int((hit & person).sum()), int(person.sum())],
    }
    if (source == "realcode").any():
        real = (test["language"] == LANGUAGE).to_numpy() & (source == "realcode")
        out["real_project_humans"] = [int((hit & real).sum()), int(real.sum())]
    return out
