"""`stacked-uf`, the shipped stacked detector, as a protocol learner retrained in every fold.

Per fold: the linear member (`variants.linear`) on the fold's training rows, cross-fitted by
repository over its agentic rows (`fit.crossfit`); the stacker on both members' logits (the
transformer's through the runtime, cached by `export.stacked.transformer_logits`), its Platt
calibration, and the per-language thresholds (`fit.stacker`, with the unseen-source humans of
`fit.unseen` as a floor; `stack`'s `--min-recall` and `--group-bound` as options). The
transformer is not retrained: its leave-one-agent-out figures are out of sample, its LOSO ones
are not. Features are computed once for the whole pool, so a fold costs the regressions only.
`analysis.domain_learner` adds the route (`stacked-dr`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.evaluation.protocol import Fitted
from codeorigin_train.export.stacked import transformer_logits
from codeorigin_train.fit.crossfit import calibration_rows, with_fragments
from codeorigin_train.fit.stacker import MIN_RECALL, fit_stacker, language_thresholds
from codeorigin_train.fit.unseen import unseen_source_rows
from codeorigin_train.variants.linear import LinearConfig, features, fit_matrix

log = logging.getLogger(__name__)


class StackedLearner:
    """`pool`: every row the protocol may train or judge; `fragments` (`data.agentic.fragments`):
    more training text for the linear member, those of the agentic repositories among a fit's
    training rows; `judged_too`: texts judged beyond the pool (the context functions)."""

    retrains = True
    crossfit_sources: tuple[str, ...] = ("aidev",)

    def __init__(
        self,
        transformer: Path,
        cache: Path,
        pool: pd.DataFrame,
        name: str = "stacked-uf",
        fragments: pd.DataFrame | None = None,
        judged_too: pd.DataFrame | None = None,
        min_recall: float = MIN_RECALL,
        group_bound: bool = False,
    ) -> None:
        self.name = name
        self.min_recall, self.group_bound = min_recall, group_bound  # `stack`'s options
        self.transformer, self.cache = transformer, cache
        self.config = LinearConfig()
        t0 = time.perf_counter()
        self.fragments = None
        if fragments is not None:  # never a text the protocol judges
            self.fragments = fragments[~fragments["code"].isin(set(pool["code"]))]
            pool = pd.concat([pool, self.fragments])
        if judged_too is not None:
            pool = pd.concat([pool, judged_too])
        unique = pool.drop_duplicates("code")
        codes = unique["code"].tolist()
        self.index = {c: i for i, c in enumerate(codes)}
        self.x = self._features(codes, unique["language"].astype(str).tolist(), cache.parent)
        log.info("stacked: features of %d texts in %.0f s", len(codes), time.perf_counter() - t0)
        self.abstained: list[dict[str, str]] = []

    def _features(self, codes: list[str], languages: list[str], folder: Path) -> Any:
        """The pool's feature matrix, kept in `folder` by a hash of the texts and the features."""
        import hashlib
        import json

        import scipy.sparse as sp

        key = hashlib.blake2b(digest_size=12)
        key.update(json.dumps(self.config.features.to_json(), sort_keys=True).encode())
        for c in codes:
            key.update(c.encode("utf-8", "surrogatepass") + b"\x00")
        path = folder / f"features-{key.hexdigest()}.npz"
        if path.exists():
            return sp.load_npz(path).tocsr()
        x = features(codes, self.config.features, languages).tocsr()
        folder.mkdir(parents=True, exist_ok=True)
        sp.save_npz(path, x)
        return x

    def _groups(self, rows: pd.DataFrame) -> list[str] | None:
        """The rows' groups for thresholds bounded over them (`stack --group-bound`), or None."""
        return rows["group"].astype(str).tolist() if self.group_bound else None

    def _x(self, frame: pd.DataFrame) -> Any:
        return self.x[[self.index[c] for c in frame["code"]]]

    def _t(self, frame: pd.DataFrame) -> np.ndarray:
        return transformer_logits(self.transformer, frame["code"].tolist(), self.cache)

    def _fit_linear(self, train: pd.DataFrame) -> Any:
        """The linear member on a fit's rows and the fragments of its agentic repositories."""
        train = with_fragments(train, self.fragments)
        linear = fit_matrix(self._x(train), train["label"], self.config)
        return lambda f: linear.decision_function(self._x(f))

    def fit(self, train: pd.DataFrame, val: pd.DataFrame) -> Fitted:
        cal, linear_cal, linear = calibration_rows(train, val, self._fit_linear,
                                                   sources=self.crossfit_sources)  # fmt: skip
        self.calibration = (cal, linear_cal, linear)  # the last fit's, for a recipe built on it
        m_cal = {"transformer": self._t(cal), "linear": linear_cal}
        langs, y = cal["language"].astype(str).tolist(), cal["label"].to_numpy()
        stack = fit_stacker(m_cal, langs, y, cal["group"].tolist())
        rows, lin = unseen_source_rows(train, pd.concat([train, val]), self._fit_linear)
        l_rows = rows["language"].astype(str).tolist()
        m_rows = {"transformer": self._t(rows), "linear": lin}
        unseen = (stack.probability(stack.logits(m_rows, l_rows)), l_rows)
        log.info("stacked: %d human rows of unseen sources for the thresholds", len(rows))
        th = language_thresholds(stack.probability(stack.oof_logits), y, langs, unseen=unseen,
                                 min_recall=self.min_recall, groups=self._groups(cal))  # fmt: skip
        self.abstained.append(dict(th.abstain))
        log.info("stacked: weights %s, abstain %s", stack.weights, sorted(th.abstain))

        def probabilities(f: pd.DataFrame) -> np.ndarray:
            members = {"transformer": self._t(f), "linear": linear(f)}
            return stack.probability(stack.logits(members, f["language"].astype(str).tolist()))

        def thresholds(f: pd.DataFrame) -> np.ndarray:
            # A language the stacker abstains on is "not judged": never flagged.
            out = [
                np.inf if lang in th.abstain else th.languages.get(lang, {}).get("llm", th.llm)
                for lang in f["language"].astype(str)
            ]
            return np.asarray(out, dtype=np.float64)

        return Fitted(probabilities, thresholds)
