"""A stacked model's route for project code (`codeorigin-train stack --project-route FPR`).

Why: the shipped thresholds are raised toward 1% of the human code of contest and exercise
sources the linear member never saw, which protects students and flags none of the agents'
functions of repositories. A route lets repository code speak at a bound set on repository
humans, while the stacker, its thresholds and every other row stay as they are (the protocol's
`stacked-du`, `analysis.domain_learner.DomainUnionLearner`):

1. the *domain model*: logistic regression on the linear member's features, fitted on the train
   split's human rows only, repository code (`fit.crossfit.REAL_PROJECT_SOURCES`) against contest
   and exercise code, so it learns what kind of code a text is, never who wrote it; a text is
   project code when its domain logit is at least the gate (`gate_logit`): the `GATE_QUANTILE`
   quantile of the validation rows' repository humans' domain logits, so the route takes code
   that reads as plainly as repository code as 95% of them do, and not the code in between, such
   as a repository of textbook algorithms (the first build, gated at even odds, flagged 9 more of
   keon/algorithms' functions: training README);
2. the *route stacker*: the linear member alone (the transformer ranks repository code near
   chance: model card), stacked and Platt-calibrated on the project rows of the calibration rows
   (the validation rows and the cross-fitted agentic rows), out of fold, grouped by `group`;
3. its thresholds: `FPR` of those rows' humans per language, with 95% confidence, in the
   languages the stacker judges and where those humans are enough to bound it;
4. the route's logit moved onto the stacker's scale, one constant per language: the calibrated
   probability the runtime shows reaches the language's threshold exactly when the route's own
   probability reaches the route's threshold. The runtime takes the larger of the two logits for
   project code (`codeorigin.model.stacking.routed_logit`), so a span is flagged when either
   would flag it, and the stacker's verdicts on every other span are unchanged.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin.model.linear import write_weights
from codeorigin_train.fit.crossfit import REAL_PROJECT_SOURCES
from codeorigin_train.fit.stacker import (
    LanguageThresholds,
    StackFit,
    fit_stacker,
    language_thresholds,
)
from codeorigin_train.variants.linear import LinearConfig, fit_matrix, split_weights

log = logging.getLogger(__name__)

DOMAIN_FILE = "domain.npz"
#: The gate: this quantile of the validation rows' repository humans' domain logits ...
GATE_QUANTILE = 0.05
#: ... and never below even odds of project code.
GATE_FLOOR = 0.0
#: The domain model's regularisation (inverse strength): two kinds of code that differ a lot.
DOMAIN_C = 1.0
NAME = "project code"


def logit(p: float) -> float:
    p = min(1.0 - 1e-12, max(1e-12, float(p)))
    return float(np.log(p / (1.0 - p)))


def fit_domain(train: pd.DataFrame, variant: Any, out: Path) -> Any:
    """The domain model on the train rows' humans, written as a linear member's `.npz` at `out`;
    returns the fitted regression."""
    humans = train[train["label"] == 0]
    kind = humans["source"].isin(REAL_PROJECT_SOURCES).astype(int).to_numpy()
    if np.unique(kind).size < 2:
        raise SystemExit("--project-route needs human rows of both repository and contest code")
    features = variant.config.features
    x = variant.matrix(humans["code"].tolist(), humans["language"].astype(str).tolist())
    model = fit_matrix(x, kind, LinearConfig(features=features, c=DOMAIN_C))
    write_weights(out, features, *split_weights(model, features))
    log.info("route: domain model on %d project and %d contest humans", kind.sum(),
             kind.size - kind.sum())  # fmt: skip
    return model


def gate_logit(cal: pd.DataFrame, domain_logits: np.ndarray) -> float:
    """The gate (module docstring, step 1) from the calibration rows and their domain logits: the
    validation rows' repository humans are out of the domain model's sample (it trained on the
    train split's humans), the cross-fitted agentic rows are not."""
    humans = ((cal["split"] == "val") & cal["source"].isin(REAL_PROJECT_SOURCES)
              & (cal["label"] == 0)).to_numpy()  # fmt: skip
    if not humans.any():
        return GATE_FLOOR
    return max(GATE_FLOOR, float(np.quantile(domain_logits[humans], GATE_QUANTILE)))


def route_section(
    fit: StackFit,
    th: LanguageThresholds,
    route: StackFit,
    route_th: LanguageThresholds,
    linear: dict[str, Any],
    gate: float,
) -> dict[str, Any] | None:
    """The manifest's `route`: the route stacker on the stacker's scale (module docstring, step
    4) in the languages both judge, with its gate; None when there is none."""
    a, b = fit.calibration
    a_r, b_r = route.calibration
    languages = {}
    for lang, row in route_th.languages.items():
        if lang in route_th.abstain or lang in th.abstain or lang not in th.languages:
            continue
        own = th.languages[lang]["llm"]
        # a * z' + b = a_r * z_r + b_r - logit(route threshold) + logit(own threshold)
        shift = logit(own) - logit(row["llm"])
        languages[lang] = (
            a_r * (route.bias + route.languages.get(lang, 0.0)) + b_r + shift - b
        ) / a
    if not languages:
        return None
    weight = a_r * route.weights["linear"] / a
    return {
        "name": NAME,
        "domain": {"file": DOMAIN_FILE, "features": linear["features"]},
        "gate": gate,
        "stacker": {"method": "logistic", "bias": 0.0,
                    "weights": {"transformer": 0.0, "linear": weight}, "languages": languages},
        "languages": sorted(languages),
    }  # fmt: skip


def project_route(
    frame: pd.DataFrame,
    variant: Any,
    cal: pd.DataFrame,
    linear_cal: np.ndarray,
    fit: StackFit,
    th: LanguageThresholds,
    work: Path,
    max_fpr: float,
    confidence: float,
    linear: dict[str, Any],
) -> tuple[dict[str, Any] | None, dict[str, Any], Any]:
    """Steps 1 to 4 of the module docstring: the manifest's `route` (None: no language can have
    one), what `stack.json` records of it and the domain model. `cal` and `linear_cal`: the
    calibration rows and the linear member's out-of-sample logits on them; the domain model goes
    to WORK/domain.npz."""
    train = frame[frame["split"] == "train"]
    domain = fit_domain(train, variant, work / DOMAIN_FILE)
    z_d = domain.decision_function(variant.matrix(cal["code"].tolist(),
                                                  cal["language"].astype(str).tolist()))  # fmt: skip
    gate = gate_logit(cal, z_d)
    project = z_d >= gate
    y = cal["label"].to_numpy()
    langs = cal["language"].astype(str).to_numpy()
    if np.unique(y[project]).size < 2:
        log.warning("route: the project calibration rows hold one label; no route")
        return None, {"project_rows": int(project.sum())}, domain
    route = fit_stacker({"linear": linear_cal[project]}, langs[project].tolist(), y[project],
                        cal["group"].to_numpy()[project].tolist())  # fmt: skip
    route_th = language_thresholds(route.probability(route.oof_logits), y[project],
                                   langs[project].tolist(), max_fpr=max_fpr,
                                   confidence=confidence, min_recall=0.0)  # fmt: skip
    section = route_section(fit, th, route, route_th, linear, gate)
    record = {
        "gate": gate,
        "project_rows": int(project.sum()),
        "project_humans": int((project & (y == 0)).sum()),
        "max_fpr": max_fpr,
        "confidence": confidence,
        "stacker": route.manifest_stacker(),
        "calibration": list(route.calibration),
        "thresholds": {k: v["llm"] for k, v in route_th.languages.items()},
        "per_language": route_th.table,
        "languages": section["languages"] if section else [],
        "calibration_rows_gated": {
            "agentic_llm": int((project & (y == 1) & (cal["source"] == "aidev").to_numpy()).sum()),
            "contest_humans": int((project & (y == 0) & ~cal["source"].isin(REAL_PROJECT_SOURCES).to_numpy()).sum()),
        },
    }  # fmt: skip
    log.info("route: %d project calibration rows, languages %s, thresholds %s",
             project.sum(), record["languages"], record["thresholds"])  # fmt: skip
    return section, record, domain


def routed_logits(
    fit: StackFit,
    section: dict[str, Any] | None,
    members: dict[str, np.ndarray],
    languages: list[str],
    domain: np.ndarray | None,
) -> np.ndarray:
    """The runtime's logits (`codeorigin.model.stacking.routed_logit`), vectorised: the stacker's,
    or the route's where the route takes the row and its logit is the larger (training's side of
    the parity check and of the test figures). `domain`: the domain model's logits."""
    z = fit.logits(members, languages)
    if section is None or domain is None:
        return z
    stacker = section["stacker"]
    w = stacker["weights"]["linear"]
    for i, (lang, z_l, z_d) in enumerate(zip(languages, members["linear"], domain)):
        if lang in section["languages"] and z_d >= section["gate"]:
            z[i] = max(z[i], stacker["bias"] + w * z_l + stacker["languages"][lang])
    return z
