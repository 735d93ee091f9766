"""`stacked-dr`: the shipped recipe with its route for project code (`export.route`), retrained
in every fold of the protocol."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd

from codeorigin_train.analysis.stacked_learner import StackedLearner
from codeorigin_train.evaluation.protocol import Fitted
from codeorigin_train.fit.crossfit import REAL_PROJECT_SOURCES, calibration_rows
from codeorigin_train.fit.stacker import fit_stacker, language_thresholds
from codeorigin_train.variants.linear import LinearConfig, fit_matrix

log = logging.getLogger(__name__)


class AgenticRouteLearner(StackedLearner):
    """`stacked-dr`: the shipped recipe (`stacked-uf`) on every row, and, for rows the domain
    member (`_domain`) reads as project code (logit >= `export.route.gate_logit`), a second route:
    the linear member and the agentic member (the linear recipe on the agentic corpus alone,
    cross-fitted on the same folds), stacked and calibrated on the project calibration rows, with
    thresholds at `project_fpr` of the project humans (95% confidence). A row is flagged when
    either route flags it; it reports the route with the larger log-odds margin over its
    threshold."""

    #: The route's false-positive bound on the project humans, as shipped (docs/research/route.md:
    #: at 0.25% the threshold rests on a fold's single highest project human).
    project_fpr = 0.0025

    def _domain(self, train: pd.DataFrame) -> Callable[[pd.DataFrame], np.ndarray]:
        """The domain member's logit per row, fitted on `train`'s humans as
        `export.route.fit_domain` is: repository code against contest and exercise code."""
        from codeorigin_train.export.route import DOMAIN_C

        humans = train[train["label"] == 0]
        kind = humans["source"].isin(REAL_PROJECT_SOURCES).astype(int)
        log.info(
            "domain member: %d project and %d contest humans", kind.sum(), len(kind) - kind.sum()
        )
        model = fit_matrix(self._x(humans), kind, LinearConfig(c=DOMAIN_C))
        return lambda f: np.asarray(model.decision_function(self._x(f)), dtype=np.float64)

    def _fit_agentic(self, train: pd.DataFrame) -> Callable[[pd.DataFrame], np.ndarray]:
        """The agentic member: the linear recipe on `train`'s agentic rows and their fragments."""
        return self._fit_linear(train[train["source"] == "aidev"])

    def fit(self, train: pd.DataFrame, val: pd.DataFrame) -> Fitted:
        from codeorigin_train.export.route import gate_logit

        shipped = StackedLearner.fit(self, train, val)  # the shipped recipe, as `stacked-uf`
        cal, linear_cal, linear = self.calibration  # its cross-fitted rows, read once for both
        # The agentic member cross-fitted on the same folds as the linear member.
        same, agentic_cal, agentic = calibration_rows(train, val, self._fit_agentic,
                                                      sources=self.crossfit_sources)  # fmt: skip
        assert same.index.equals(cal.index)  # the same folds: the same rows in one order
        members_cal = {"linear": linear_cal, "agentic": agentic_cal}
        members = {"linear": linear, "agentic": agentic}
        domain_logits = self._domain(train)
        z_cal = domain_logits(cal)
        gate_at = gate_logit(cal, z_cal)
        project = z_cal >= gate_at
        y = cal["label"].to_numpy()
        langs = cal["language"].astype(str).to_numpy()
        judged = {lang for lang in set(langs) if np.isfinite(
            shipped.thresholds(cal[langs == lang].head(1))[0])}  # fmt: skip
        if np.unique(y[project]).size < 2:  # no route: as `export.route.project_route`
            log.warning("%s: the project calibration rows hold one label; no route", self.name)
            return shipped
        stack_p = fit_stacker({k: v[project] for k, v in members_cal.items()},
                              langs[project].tolist(), y[project],
                              cal["group"].to_numpy()[project].tolist())  # fmt: skip
        p_oof = stack_p.probability(stack_p.oof_logits)
        groups = self._groups(cal)
        th_p = language_thresholds(p_oof, y[project], langs[project], max_fpr=self.project_fpr,
                                   min_recall=0.0, groups=None if groups is None else
                                   np.asarray(groups)[project].tolist())  # fmt: skip
        th = {k: v["llm"] for k, v in th_p.languages.items()
              if k in judged and k not in th_p.abstain}  # fmt: skip
        log.info("%s: gate %.3f, project route on %d rows, weights %s, thresholds %s",
                 self.name, gate_at, int(project.sum()), stack_p.weights, th)  # fmt: skip

        def both(f: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
            p_c, t_c = shipped.probabilities(f), shipped.thresholds(f)
            lang = f["language"].astype(str)
            gate = domain_logits(f) >= gate_at
            p_p = stack_p.probability(stack_p.logits({k: m(f) for k, m in members.items()},
                                                     lang.tolist()))  # fmt: skip
            t_p = np.array([th.get(x, np.inf) if g else np.inf for x, g in zip(lang, gate)])
            return p_c, t_c, p_p, t_p

        return _union(both)


def _margin(p: np.ndarray, t: np.ndarray) -> np.ndarray:
    """log-odds of `p` over those of `t` (-inf where `t` is inf: that route cannot flag)."""
    q = np.clip(p, 1e-9, 1 - 1e-9)
    s = np.clip(t, 1e-9, 1 - 1e-9)
    return np.where(np.isfinite(t), np.log(q / (1 - q)) - np.log(s / (1 - s)), -np.inf)


def _union(
    both: Callable[[pd.DataFrame], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
) -> Fitted:
    """A fit that reports, per row, the route with the larger margin over its own threshold:
    flagged when either route would flag it (`both`: each route's probability and threshold)."""

    def pick(f: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        p_c, t_c, p_p, t_p = both(f)
        use_p = _margin(p_p, t_p) > _margin(p_c, t_c)
        return np.where(use_p, p_p, p_c), np.where(use_p, t_p, t_c)

    memo: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def probabilities(f: pd.DataFrame) -> np.ndarray:
        memo[id(f)] = pick(f)
        return memo[id(f)][0]

    def thresholds(f: pd.DataFrame) -> np.ndarray:
        got = memo.pop(id(f), None)
        return (got or pick(f))[1]

    return Fitted(probabilities, thresholds)
