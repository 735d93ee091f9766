"""Variant `char-ngram`: the trivial baseline every shipped model must beat on
leave-one-source-out (TF-IDF character 1-4-grams + logistic regression, `evaluation/baseline.py`),
the base arm of `coderep-loso`. Its "logits" are the regression's probabilities (a monotone score:
AUROC and thresholds are the same); it has no ONNX graph and is never exported.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.evaluation.baseline import fit_baseline, predict_baseline
from codeorigin_train.variants.base import FitResult, Variant

NAME = "char-ngram"


class NgramBaseline(Variant):
    """Character n-gram logistic regression, fitted on the train rows (no early stopping)."""

    exportable = False
    description = "TF-IDF character 1-4-grams + logistic regression (the baseline)"

    def __init__(self, name: str = NAME) -> None:
        self.name = name
        self.model: Any = None

    def fit(self, frame: pd.DataFrame, run_dir: Path) -> FitResult:
        split = frame["split"].to_numpy()
        val, test = np.flatnonzero(split == "val"), np.flatnonzero(split == "test")
        t0 = time.perf_counter()
        self.model = fit_baseline(frame[split == "train"])
        seconds = time.perf_counter() - t0
        (run_dir / "baseline.pkl").write_bytes(pickle.dumps(self.model))
        codes = frame["code"]
        return FitResult(
            val, self.predict_logits(codes.iloc[val].tolist()),
            test, self.predict_logits(codes.iloc[test].tolist()),
            {"train_seconds": seconds, "n_train": int((split == "train").sum())},
        )  # fmt: skip

    def load(self, run_dir: Path) -> None:
        # Written by `fit` of this project only; never load a pickle from elsewhere.
        self.model = pickle.loads((run_dir / "baseline.pkl").read_bytes())

    def predict_logits(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> np.ndarray:
        if self.model is None:
            raise RuntimeError(f"variant {self.name!r} is not fitted: call fit or load first")
        return np.asarray(predict_baseline(self.model, list(texts)), dtype=np.float64)

    def loso_fold(
        self, frame: pd.DataFrame, train: np.ndarray, val: np.ndarray, test: np.ndarray
    ) -> np.ndarray:
        # No early stopping: the validation rows train too.
        model = fit_baseline(frame.iloc[np.concatenate([train, val])])
        return np.asarray(
            predict_baseline(model, frame["code"].iloc[test].tolist()), dtype=np.float64
        )


def variant(name: str = NAME, **_options: Any) -> NgramBaseline:
    """The registry's constructor."""
    return NgramBaseline(name)
