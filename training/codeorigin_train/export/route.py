"""A stacked model's route for project code (`codeorigin-train stack --project-route FPR
--agentic-route`, the protocol's `stacked-dr`); docs/research/route.md, "A route for project
code", holds its reasons and figures.

The shipped thresholds protect students' contest code and flag none of the agents' functions of
repositories; the route lets repository code speak at a bound set on repository humans, while
the stacker and every other row stay as they are:

1. the *domain model* (`fit_domain`): the linear recipe on the train split's human rows,
   repository code (`fit.crossfit.REAL_PROJECT_SOURCES`) against contest and exercise code; a
   text is project code when its domain logit reaches the gate (`gate_logit`);
2. the *route stacker*: the linear member and the *agentic member* (`agentic_member`), without
   the transformer (it ranks repository code near chance), stacked and Platt-calibrated out of
   fold on the calibration rows that pass the gate; both members read the same features, so they
   fold into one linear member (`route.npz`, manifest format version 4);
3. its thresholds: `FPR` of those rows' humans per language, with 95% confidence;
4. its logit mapped affinely onto the stacker's scale (`route_section`); the runtime takes the
   larger of the two logits for project code (`codeorigin.model.stacking.routed_logit`), so a
   span is flagged when either would flag it.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from codeorigin.core.change import logit
from codeorigin.model.linear import write_weights
from codeorigin_train.fit.crossfit import REAL_PROJECT_SOURCES, SOURCE, crossfit
from codeorigin_train.fit.stacker import (
    LanguageThresholds,
    StackFit,
    fit_stacker,
    language_thresholds,
)
from codeorigin_train.variants import registry

log = logging.getLogger(__name__)

DOMAIN_FILE = "domain.npz"
#: The route's own linear member (format version 4): the route stacker's members folded into one.
MEMBER_FILE = "route.npz"
ROUTE_FILES = (DOMAIN_FILE, MEMBER_FILE)
#: The gate: this quantile of the validation rows' repository humans' domain logits (code that
#: reads as plainly as repository code as 95% of them do), never below even odds (`GATE_FLOOR`).
GATE_QUANTILE = 0.05
GATE_FLOOR = 0.0
#: The domain model's regularisation (inverse strength): two kinds of code that differ a lot.
DOMAIN_C = 1.0
NAME = "project code"


def fit_domain(train: pd.DataFrame, variant: Any, out: Path) -> Any:
    """The domain model on the train rows' humans (the linear recipe, C = `DOMAIN_C`), written as a
    linear member's `.npz` at `out`; the fitted regression."""
    humans = train[train["label"] == 0]
    kind = humans["source"].isin(REAL_PROJECT_SOURCES).astype(int).to_numpy()
    if np.unique(kind).size < 2:
        raise SystemExit("--project-route needs human rows of both repository and contest code")
    domain = registry.get("linear", linear_config=replace(variant.config, c=DOMAIN_C))
    x = domain.matrix(humans["code"].tolist(), humans["language"].astype(str).tolist())  # type: ignore[attr-defined]
    model = domain.fit_matrix(x, kind)  # type: ignore[attr-defined]
    domain.model = model  # type: ignore[attr-defined]
    shutil.copyfile(domain.save(out.parent / "domain-run"), out)  # type: ignore[attr-defined]
    log.info("route: domain model on %d project and %d contest humans", kind.sum(),
             kind.size - kind.sum())  # fmt: skip
    return model


def gate_logit(cal: pd.DataFrame, domain_logits: np.ndarray) -> float:
    """The gate from the calibration rows' domain logits, on the validation rows' repository
    humans: out of the domain model's sample, as the cross-fitted agentic rows are not."""
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
    """The manifest's `route` in the languages both judge (None when there is none). With x the
    route's calibrated log-odds, the shown log-odds are `scale * (x - logit(route llm)) +
    logit(llm)`: the `llm` thresholds map exactly in every language; `scale` maps the route's
    `uncertain` threshold onto the first language's (the stacker's linear weight is shared)."""
    a, b = fit.calibration
    a_r, b_r = route.calibration
    taken = [lang for lang in sorted(route_th.languages) if lang not in route_th.abstain
             and lang not in th.abstain and lang in th.languages]  # fmt: skip
    if not taken:
        return None
    scale = 1.0
    ours, theirs = th.languages[taken[0]], route_th.languages[taken[0]]
    span = logit(theirs["llm"]) - logit(theirs["uncertain"])
    if span > 0 and ours["llm"] > ours["uncertain"]:
        scale = (logit(ours["llm"]) - logit(ours["uncertain"])) / span
    languages = {}
    for lang in taken:
        # a * z' + b = scale * (a_r * z_r + b_r - logit(route llm)) + logit(own llm)
        x0 = a_r * (route.bias + route.languages.get(lang, 0.0)) + b_r
        languages[lang] = (scale * (x0 - logit(route_th.languages[lang]["llm"]))
                           + logit(th.languages[lang]["llm"]) - b) / a  # fmt: skip
    weight = scale * a_r / a
    return {
        "name": NAME,
        "domain": {"file": DOMAIN_FILE, "features": linear["features"]},
        "member": {"file": MEMBER_FILE, "features": linear["features"]},
        "gate": gate,
        "stacker": {"method": "logistic", "bias": 0.0,
                    "weights": {"transformer": 0.0, "linear": weight}, "languages": languages},
        "languages": sorted(languages),
    }  # fmt: skip


Logits = Callable[[pd.DataFrame], np.ndarray]
RouteScores = tuple[dict[str, Any] | None, np.ndarray | None, np.ndarray | None]


class BuiltRoute(NamedTuple):
    """What `project_route` built: the manifest's `route` (None: no language can have one), its
    `stack.json` record, the domain and route member logits of a frame's rows, the route's files."""

    section: dict[str, Any] | None
    record: dict[str, Any]
    logits: Callable[[pd.DataFrame], tuple[np.ndarray, np.ndarray]] | None = None
    files: tuple[Path, ...] = ()

    def scores(self, rows: pd.DataFrame) -> RouteScores:
        """(the section, the rows' domain logits, the route member's) for `routed_logits`."""
        if not self.section or self.logits is None:
            return None, None, None
        return self.section, *self.logits(rows)

    def summary(self) -> dict[str, Any]:
        """The manifest's `stacking.route` record."""
        keys = ("max_fpr", "confidence", "gate", "project_rows", "project_humans", "members")
        return {k: self.record[k] for k in keys if k in self.record}


def agentic_member(
    frame: pd.DataFrame, cal: pd.DataFrame, linear: Any, folds: int
) -> tuple[Any, np.ndarray]:
    """The linear recipe on the train split's agentic rows and their fragments, on the linear
    member's features (`linear`: `export.stacked.LinearFit`); its regression and its logits on
    `cal`: the validation rows by the member fitted on all of them, the cross-fitted agentic rows
    (in the linear member's `fit.crossfit` order) out of fold."""
    train = frame[frame["split"] == "train"].reset_index(drop=True)
    if train.loc[train["source"] == SOURCE, "label"].nunique() < 2:
        raise SystemExit("--agentic-route needs agentic rows of both labels in the train split")

    def fit_member(rows: pd.DataFrame) -> Logits:
        model = linear.fit_rows(rows[rows["source"] == SOURCE])
        return lambda f: model.decision_function(linear.matrix[f.index.to_numpy()])

    rows, oof = train.iloc[:0], np.zeros(0)
    if folds > 0:  # as the linear member: without folds, no agentic row is a calibration row
        rows, oof = crossfit(train, fit_member, folds=folds)
    val = cal[cal["split"] != "train"]
    if not (cal["code"].iloc[len(val) :].to_numpy() == rows["code"].to_numpy()).all():
        raise ValueError("the agentic member's cross-fitted rows are not the linear member's")
    model = linear.fit_rows(train[train["source"] == SOURCE])
    x_val = linear.variant.matrix(val["code"].tolist(), val["language"].astype(str).tolist())
    log.info("route: agentic member on %d rows", int((train["source"] == SOURCE).sum()))
    return model, np.concatenate([model.decision_function(x_val), oof])


def folded_member(variant: Any, agentic: Any, weights: dict[str, float], out: Path) -> Any:
    """`weights['linear'] * linear + weights['agentic'] * agentic` at `out`; (coef, bias)."""
    config = variant.config.features
    parts = [variant.weights_of(), variant.weights_of(agentic)]
    w = (weights["linear"], weights["agentic"])
    buckets = w[0] * parts[0][0] + w[1] * parts[1][0]
    figures = w[0] * parts[0][1] + w[1] * parts[1][1]
    bias = w[0] * parts[0][2] + w[1] * parts[1][2]
    write_weights(out, config, buckets, figures, bias)
    return np.concatenate([buckets, figures]), bias


def project_route(
    frame: pd.DataFrame,
    linear_fit: Any,
    cal: pd.DataFrame,
    linear_cal: np.ndarray,
    fit: StackFit,
    th: LanguageThresholds,
    work: Path,
    max_fpr: float,
    confidence: float,
    folds: int,
    *,
    group_bound: bool = False,
) -> BuiltRoute:
    """Steps 1 to 4 of the module docstring. `linear_fit`: `export.stacked.LinearFit`, cross-fitted
    in `folds` folds; `linear_cal`: its out-of-sample logits on the calibration rows `cal`; the
    route's files go to WORK/domain.npz and WORK/route.npz. `group_bound`: the route's thresholds
    bounded with the repositories as the sample too (`fit.stacker.language_thresholds`' `groups`)."""
    variant = linear_fit.variant
    linear = {"features": variant.config.features.to_json()}
    train = frame[frame["split"] == "train"]
    domain = fit_domain(train, variant, work / DOMAIN_FILE)

    def matrix(rows: pd.DataFrame) -> Any:
        return variant.matrix(rows["code"].tolist(), rows["language"].astype(str).tolist())

    z_d = np.asarray(domain.decision_function(matrix(cal)), dtype=np.float64)
    gate = gate_logit(cal, z_d)
    project = z_d >= gate
    y = cal["label"].to_numpy()
    langs = cal["language"].astype(str).to_numpy()
    if np.unique(y[project]).size < 2:
        log.warning("route: the project calibration rows hold one label; no route")
        return BuiltRoute(None, {"project_rows": int(project.sum())})
    agentic, agentic_cal = agentic_member(frame, cal, linear_fit, folds)
    members = {"linear": linear_cal[project], "agentic": agentic_cal[project]}
    route = fit_stacker(members, langs[project].tolist(), y[project],
                        cal["group"].to_numpy()[project].tolist())  # fmt: skip
    route_th = language_thresholds(route.probability(route.oof_logits), y[project],
                                   langs[project].tolist(), max_fpr=max_fpr,
                                   confidence=confidence, min_recall=0.0,
                                   groups=cal["group"].astype(str).to_numpy()[project].tolist()
                                   if group_bound else None)  # fmt: skip
    section = route_section(fit, th, route, route_th, linear, gate)
    coef, bias = folded_member(variant, agentic, route.weights, work / MEMBER_FILE)

    def logits(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """The domain model's logits of `rows` and the route member's."""
        x = matrix(rows)
        z = np.asarray(domain.decision_function(x), dtype=np.float64)
        return z, np.asarray(x @ coef + bias, dtype=np.float64).reshape(-1)

    record = {
        "members": sorted(members),  # the route stacker's: "agentic" and "linear"
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
    return BuiltRoute(section, record, logits, (work / DOMAIN_FILE, work / MEMBER_FILE))


def routed_logits(
    fit: StackFit,
    members: dict[str, np.ndarray],
    languages: list[str],
    route: RouteScores | None = None,
) -> np.ndarray:
    """The runtime's logits (`codeorigin.model.stacking.routed_logit`), vectorised: the stacker's,
    or the route's where the route takes the row and its logit is larger. `route`:
    `BuiltRoute.scores`."""
    z = fit.logits(members, languages)
    section, domain, own = route or (None, None, None)
    if section is None or domain is None or own is None:
        return z
    stacker = section["stacker"]
    w = stacker["weights"]["linear"]
    for i, (lang, z_l, z_d) in enumerate(zip(languages, own, domain)):
        if lang in section["languages"] and z_d >= section["gate"]:
            z[i] = max(z[i], stacker["bias"] + w * z_l + stacker["languages"][lang])
    return z
