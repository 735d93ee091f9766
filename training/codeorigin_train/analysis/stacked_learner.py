"""The stacked detector as a protocol learner, retrained in every fold.

In each fold of `evaluation.protocol`: the linear member (`variants.linear`) is fitted on the fold's
training rows, and cross-fitted by repository over the fold's agentic training rows
(`fit.crossfit`); both members' logits on those rows and on the fold's validation rows (the
transformer's through the runtime, cached by `export.stacked.transformer_logits`) fit the stacker
on folds grouped by repository or problem (`fit.stacker`), its Platt calibration on out-of-fold
stacked logits, and the per-language thresholds at 1% false positives with 95% confidence on the
human rows among them (`real_project_humans`: on the real-project ones only), a language
abstaining where those humans cannot bound that or its recall on the LLM rows stays under 30%.
The transformer is not retrained: it never saw the agentic corpus, so its leave-one-agent-out
figures are out of sample; on LOSO it saw the held-out source (the card says so).

Features are computed once for the whole pool (the runtime's `core.features`), so a fold costs the
regression only.
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
from codeorigin_train.fit.balance import domain_weights, structure_weights
from codeorigin_train.fit.crossfit import (
    calibration_rows,
    threshold_rows,
    with_fragments,
)
from codeorigin_train.fit.stacker import fit_stacker, language_thresholds
from codeorigin_train.fit.unseen import unseen_source_rows
from codeorigin_train.variants.linear import LinearConfig, features, fit_matrix

log = logging.getLogger(__name__)

NB_ALPHA = 0.1  # the naive Bayes member's smoothing (`nb_member`)


class StackedLearner:
    """See the module docstring. `pool` is every row the protocol may train or judge; `config`
    the linear member's recipe (its features: `FeatureConfig().with_syntax()` for the syntax
    n-grams); `repo_member` (sources) stacks a second linear member trained on those sources'
    rows only (repository code: the agentic corpus, with or without the real-project functions;
    it never sees a contest source, so its logits on their humans are unseen ones for the
    thresholds);
    `fragments` (`data.agentic.fragments`) are more training text for the linear member: in each
    fit, the fragments of the agentic repositories among its training rows (a fold that holds a
    repository out, the cross-fitting's included, holds its fragments out too); `judged_too`
    are texts the protocol judges beyond the pool (the context functions), featurised with it;
    `extra_train` is training text of every linear fit (the paired functions of training
    projects), never judged; `crossfit_sources` the training rows cross-fitted into the
    calibration rows (the agentic corpus; with "realcode", the real-project functions too);
    `balance_structure` weights the contest sources' Python rows so that both labels start with a
    definition as often (`fit.balance`); `stacker_on_repositories` fits the stacker and its Platt
    scaling on the cross-fitted agentic rows alone (the thresholds still on every calibration
    row: the validation rows scored by that stacker); `unseen_sources` ("pooled" or "floor",
    `fit.stacker.language_thresholds`) sets the thresholds on the human rows of each contest and
    exercise source scored by a linear member fitted without that source (`fit.unseen`) too;
    `balance_domains` weights the linear member's rows so that, in each language, repository
    code and contest code each weigh both labels alike (`fit.balance.domain_weights`)."""

    retrains = True

    def __init__(
        self,
        transformer: Path,
        cache: Path,
        pool: pd.DataFrame,
        config: LinearConfig | None = None,
        agentic_weight: float = 1.0,
        real_project_humans: bool = False,
        name: str | None = None,
        repo_member: tuple[str, ...] = (),
        fragments: pd.DataFrame | None = None,
        judged_too: pd.DataFrame | None = None,
        extra_train: pd.DataFrame | None = None,
        nb_member: bool = False,
        crossfit_sources: tuple[str, ...] = ("aidev",),
        balance_structure: bool = False,
        stacker_on_repositories: bool = False,
        unseen_sources: str = "",
        balance_domains: bool = False,
    ) -> None:
        if unseen_sources and nb_member:
            raise ValueError("unseen-source thresholds do not stack the naive Bayes member")
        self.unseen_sources = unseen_sources
        self.name = name or ("stacked" if agentic_weight == 1.0 else f"stacked-w{agentic_weight:g}")
        self.agentic_weight = agentic_weight
        self.repo_member = repo_member
        self.nb_member = nb_member
        self.crossfit_sources = crossfit_sources
        self.balance_structure = balance_structure
        self.balance_domains = balance_domains
        self.stacker_on_repositories = stacker_on_repositories
        self.real_project_humans = real_project_humans
        self.transformer, self.cache = transformer, cache
        self.config = config or LinearConfig()
        t0 = time.perf_counter()
        self.fragments = None
        if fragments is not None:  # never a text the protocol judges
            self.fragments = fragments[~fragments["code"].isin(set(pool["code"]))]
            pool = pd.concat([pool, self.fragments])
        self.extra_train = None
        if extra_train is not None:
            self.extra_train = extra_train[~extra_train["code"].isin(set(pool["code"]))]
            pool = pd.concat([pool, self.extra_train])
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
        for c, lang in zip(codes, languages):
            if self.config.features.syntax_ngrams[0]:  # earlier keys had no language
                key.update(lang.encode() + b"\x00")
            key.update(c.encode("utf-8", "surrogatepass") + b"\x00")
        path = folder / f"features-{key.hexdigest()}.npz"
        if path.exists():
            return sp.load_npz(path).tocsr()
        x = features(codes, self.config.features, languages).tocsr()
        folder.mkdir(parents=True, exist_ok=True)
        sp.save_npz(path, x)
        return x

    def _x(self, frame: pd.DataFrame) -> Any:
        return self.x[[self.index[c] for c in frame["code"]]]

    def _t(self, frame: pd.DataFrame) -> np.ndarray:
        return transformer_logits(self.transformer, frame["code"].tolist(), self.cache)

    def _training_text(self, train: pd.DataFrame) -> pd.DataFrame:
        """A fit's rows with the fragments of its agentic repositories and the extra text."""
        train = with_fragments(train, self.fragments)
        return train if self.extra_train is None else pd.concat([train, self.extra_train])

    def _fit_linear(self, train: pd.DataFrame) -> Any:
        train = self._training_text(train)
        # The agentic corpus is small beside the contest and chat sources: its rows can weigh more.
        weight = np.where(train["source"].to_numpy() == "aidev", self.agentic_weight, 1.0)
        if self.balance_structure:
            weight = weight * structure_weights(train)
        if self.balance_domains:
            weight = weight * domain_weights(train)
        linear = fit_matrix(self._x(train), train["label"], self.config, sample_weight=weight)
        return lambda f: linear.decision_function(self._x(f))

    def _fit_repo(self, train: pd.DataFrame) -> Any:
        """A second linear member on repository code only (the sources of `repo_member`), an
        experiment of the protocol."""
        return self._fit_linear(train[train["source"].isin(self.repo_member)])

    def _fit_nb(self, train: pd.DataFrame) -> Any:
        """Multinomial naive Bayes on the same features and text (`nb_member`): its logit is the
        log-count ratio of the two labels, linear in the features like the linear member's, so the
        two would ship folded into one member. An experiment of the protocol."""
        from sklearn.naive_bayes import MultinomialNB

        train = self._training_text(train)
        nb = MultinomialNB(alpha=NB_ALPHA, fit_prior=False).fit(self._x(train), train["label"])
        ratio = nb.feature_log_prob_[1] - nb.feature_log_prob_[0]
        return lambda f: np.asarray(self._x(f) @ ratio, dtype=np.float64)

    def fit(self, train: pd.DataFrame, val: pd.DataFrame) -> Fitted:
        cal, linear_cal, linear = calibration_rows(train, val, self._fit_linear,
                                                   sources=self.crossfit_sources)  # fmt: skip
        self.calibration = (cal, linear_cal, linear)  # the last fit's, for a recipe built on it
        scorers = {"linear": linear}
        m_cal = {"transformer": self._t(cal), "linear": linear_cal}
        if self.repo_member:
            same, repo_cal, scorers["repo"] = calibration_rows(train, val, self._fit_repo,
                                                          sources=self.crossfit_sources)
            assert same.index.equals(cal.index)  # the same folds: the same rows in one order
            m_cal["repo"] = repo_cal
        if self.nb_member:
            same, nb_cal, scorers["nb"] = calibration_rows(train, val, self._fit_nb,
                                                      sources=self.crossfit_sources)
            assert same.index.equals(cal.index)
            m_cal["nb"] = nb_cal

        def members(f: pd.DataFrame) -> dict[str, np.ndarray]:
            return {"transformer": self._t(f), **{k: s(f) for k, s in scorers.items()}}

        langs, y = cal["language"].astype(str).tolist(), cal["label"].to_numpy()
        if self.stacker_on_repositories:
            repo = (cal["source"] == "aidev").to_numpy()
            stack = fit_stacker({k: v[repo] for k, v in m_cal.items()},
                                [lang for lang, r in zip(langs, repo) if r], y[repo],
                                cal["group"][repo].tolist())  # fmt: skip
            z = stack.logits({k: v[~repo] for k, v in m_cal.items()},
                             [lang for lang, r in zip(langs, repo) if not r])  # fmt: skip
            cal_z = np.empty(len(cal), dtype=np.float64)
            cal_z[repo], cal_z[~repo] = stack.oof_logits, z
        else:
            stack = fit_stacker(m_cal, langs, y, cal["group"].tolist())
            cal_z = stack.oof_logits
        on = threshold_rows(cal) if self.real_project_humans else np.ones(len(cal), dtype=bool)
        unseen = None
        if self.unseen_sources:
            rows, lin = unseen_source_rows(train, pd.concat([train, val]), self._fit_linear)
            l_rows = rows["language"].astype(str).tolist()
            m_rows = {"transformer": self._t(rows), "linear": lin,
                      **({"repo": scorers["repo"](rows)} if self.repo_member else {})}
            unseen = (stack.probability(stack.logits(m_rows, l_rows)), l_rows)
            log.info("stacked: %d human rows of unseen sources for the thresholds", len(rows))
        th = language_thresholds(stack.probability(cal_z)[on], y[on],
                                 [lang for lang, k in zip(langs, on) if k], unseen=unseen,
                                 unseen_mode=self.unseen_sources or "floor")  # fmt: skip
        self.abstained.append(dict(th.abstain))
        log.info("stacked: weights %s, abstain %s", stack.weights, sorted(th.abstain))

        def probabilities(f: pd.DataFrame) -> np.ndarray:
            lang = f["language"].astype(str).tolist()
            return stack.probability(stack.logits(members(f), lang))

        def thresholds(f: pd.DataFrame) -> np.ndarray:
            out = []
            for lang in f["language"].astype(str):
                if lang in th.abstain:
                    out.append(np.inf)  # "not judged": never flagged
                else:
                    out.append(th.languages.get(lang, {}).get("llm", th.llm))
            return np.asarray(out, dtype=np.float64)

        return Fitted(probabilities, thresholds)
