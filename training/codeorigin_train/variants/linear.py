"""Variant `linear`: the linear member of the stacked model (logistic regression on hashed
features of the normalised text).

The features are `codeorigin.core.features`, the module the server runs, so what training sees is
what the runtime computes; `fit` writes the weights as the runtime reads them (`linear.npz`).
`codeorigin-train stack` trains it and stacks its logits with the transformer's (`fit.stacker`).
"""

from __future__ import annotations

import logging
import pickle
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin.core.features import FeatureConfig, matrix
from codeorigin.core.normalize import normalize_text
from codeorigin.model.linear import write_weights
from codeorigin_train.variants.base import FitResult, Variant

NAME = "linear"
WEIGHTS = "linear.npz"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinearConfig:
    """The recipe: features, regularisation (`c`, inverse strength), solver and class weights."""

    features: FeatureConfig = field(default_factory=FeatureConfig)
    c: float = 4.0
    solver: str = "liblinear"  # or "saga"
    class_weight: str | None = "balanced"
    max_iter: int = 2000
    seed: int = 0

    def record(self) -> dict[str, Any]:
        out = asdict(self)
        out["features"] = self.features.to_json()
        return out


def features(
    texts: Sequence[str], config: FeatureConfig, languages: Sequence[str | None] | None = None
) -> Any:
    """The feature matrix of raw or normalised texts in their languages (the syntax n-grams need
    them), as the runtime computes it for a span."""
    langs = None if languages is None else [None if x is None else str(x) for x in languages]
    return matrix([normalize_text(t) for t in texts], config, langs)


def fit_matrix(x: Any, labels: Sequence[int], config: LinearConfig) -> Any:
    """A fitted `LogisticRegression` on a feature matrix (`features`)."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(
        C=config.c,
        solver=config.solver,
        class_weight=config.class_weight,
        max_iter=config.max_iter,
        random_state=config.seed,
    )
    return model.fit(x, np.asarray(labels, dtype=np.int64))


class Linear(Variant):
    """Hashed n-grams and figures + logistic regression; ships as a stacked model's member."""

    exportable = False
    description = "hashed char 1-5-grams, code-token 1-3-grams, style figures + logistic regression"

    def __init__(self, name: str = NAME, config: LinearConfig | None = None) -> None:
        self.name = name
        self.config = config or LinearConfig()
        self.model: Any = None

    def params(self) -> dict[str, Any]:
        return self.config.record()

    def record(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "config": self.params()}

    def fit(self, frame: pd.DataFrame, run_dir: Path) -> FitResult:
        split = frame["split"].to_numpy()
        train = np.flatnonzero(split == "train")
        val, test = np.flatnonzero(split == "val"), np.flatnonzero(split == "test")
        t0 = time.perf_counter()
        self.model = self._fit_rows(frame.iloc[train])
        seconds = time.perf_counter() - t0
        log.info("linear member: %d rows in %.1f s", len(train), seconds)
        self.save(run_dir)
        return FitResult(
            val, self._logits(self.model, frame.iloc[val]),
            test, self._logits(self.model, frame.iloc[test]),
            {"train_seconds": seconds, "n_train": int(train.size), "config": self.params()},
        )  # fmt: skip

    def _fit_rows(self, rows: pd.DataFrame) -> Any:
        return self.fit_matrix(
            self.matrix(rows["code"].tolist(), rows["language"].tolist()), rows["label"]
        )

    def _logits(self, model: Any, rows: pd.DataFrame) -> np.ndarray:
        x = features(rows["code"].tolist(), self.config.features, rows["language"].tolist())
        return np.asarray(model.decision_function(x), dtype=np.float64)

    def save(self, run_dir: Path) -> Path:
        """`linear.npz` (what the runtime reads) and the fitted regression (`linear.pkl`)."""
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "linear.pkl").write_bytes(pickle.dumps((self.config, self.model)))
        weights, figure_weights, bias = self.weights_of()
        return write_weights(run_dir / WEIGHTS, self.config.features, weights, figure_weights, bias)

    def weights_of(self, model: Any = None) -> tuple[np.ndarray, np.ndarray, float]:
        """(bucket weights, figure weights, bias) of a regression (default: the member's own)."""
        model = self.model if model is None else model
        coef = np.asarray(model.coef_, dtype=np.float64).reshape(-1)
        n = self.config.features.n_buckets
        return coef[:n], coef[n:], float(model.intercept_[0])

    def load(self, run_dir: Path) -> None:
        # Written by `save` of this project only; never load a pickle from elsewhere.
        self.config, self.model = pickle.loads((run_dir / "linear.pkl").read_bytes())

    def matrix(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> Any:
        """The feature matrix of texts, as `fit_matrix` reads it (cross-fitting computes it once)."""
        return features(texts, self.config.features, languages)

    def fit_matrix(self, x: Any, labels: Sequence[int]) -> Any:
        """A regression of this recipe fitted on rows of `matrix` (the member stays as it is)."""
        return fit_matrix(x, labels, self.config)

    def predict_logits(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> np.ndarray:
        """The regression's decision function on texts in their languages."""
        if self.model is None:
            raise RuntimeError(f"variant {self.name!r} is not fitted: call fit or load first")
        x = features(texts, self.config.features, languages)
        return np.asarray(self.model.decision_function(x), dtype=np.float64)

    def loso_fold(
        self, frame: pd.DataFrame, train: np.ndarray, val: np.ndarray, test: np.ndarray
    ) -> np.ndarray:
        # No early stopping: the validation rows train too.
        model = self._fit_rows(frame.iloc[np.concatenate([train, val])])
        return self._logits(model, frame.iloc[test])


def variant(name: str = NAME, **options: Any) -> Linear:
    """The registry's constructor; `linear_config` (a `LinearConfig`) overrides the recipe,
    `features` (a `FeatureConfig`) only its features."""
    config = options.get("linear_config")
    if not isinstance(config, LinearConfig):
        config = LinearConfig()
    feature_config = options.get("features")
    if isinstance(feature_config, FeatureConfig):
        config = replace(config, features=feature_config)
    return Linear(name, config)
