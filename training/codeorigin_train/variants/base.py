"""The one interface every model variant implements, so that training runs, evaluation, export and
the model card are written once for all of them.

A variant is one module in `codeorigin_train/variants/` holding a class that implements `Variant`,
plus one line in `variants/registry.py`. The runner (`codeorigin_train.evaluation.runs`) writes
`logits.npz`, `train.json` and `metrics.json` from the `FitResult` of `fit`; `export_spec` feeds
the one export path (`export.shipping`). A frame has the columns of `dataset.parquet` (`code`,
`label` 1 = LLM, `language`, `source`, `generator`, `group`, `split`); rows are addressed by
position (`frame.iloc[rows]`). Torch and transformers are imported by the variants, never here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class FitResult:
    """What `Variant.fit` returns: the validation and test rows' logits, and `train.json`'s record."""

    val_rows: np.ndarray
    val_logits: np.ndarray
    test_rows: np.ndarray
    test_logits: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportSpec:
    """What the export path needs from a fitted variant: `classifier` a `CodeOriginClassifier`
    (logits `[batch]`; `word_embeddings` and `forward_embeds` for the gradient graph),
    `tokenizer_file` a `tokenizers` JSON file, `training` the manifest's `training` record."""

    classifier: Any
    tokenizer_file: Path
    max_length: int
    layout_markers: bool
    training: dict[str, Any]


class Variant(ABC):
    """A model variant. Subclasses set `name` and `description` and implement the five methods;
    the runner, exporter and card never look at which variant they hold."""

    name: str
    description: str
    #: The 1%-FPR threshold holds on unseen humans with this probability (`calibrate.calibrate`);
    #: None puts it at exactly 1% of validation humans.
    threshold_confidence: float | None = None
    #: False for variants with no ONNX graph (the char n-gram baseline); `export_spec` then raises.
    exportable: ClassVar[bool] = True
    #: Called after every training epoch with (epoch, figures); the runner points it at MLflow.
    on_epoch: Callable[[int, dict[str, float]], None] | None = None

    def training_rows(
        self, frame: pd.DataFrame, work: Path
    ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """The frame the variant trains and is calibrated on (default: `frame` itself), and
        held-out real-project human rows to report the false positive rate on (default: None)."""
        return frame, None

    def prepare(self, frame: pd.DataFrame, run_dir: Path) -> None:
        """Learn what depends on the train rows' texts but on no label (a tokenizer), once."""
        return None

    def params(self) -> dict[str, Any]:
        """The recipe's settings (MLflow parameters; `config` in `metrics.json` when not empty)."""
        return {}

    def record(self) -> dict[str, Any]:
        """What `metrics.json` says of the variant under `variant`."""
        return {"name": self.name, "description": self.description}

    @abstractmethod
    def fit(self, frame: pd.DataFrame, run_dir: Path) -> FitResult:
        """Train on the `train` rows, early-stopping on `val`, save the weights (and any tokenizer)
        under `run_dir` and return the validation and test rows' logits; `self` stays fitted."""

    @abstractmethod
    def load(self, run_dir: Path) -> None:
        """Restore the model that `fit` saved under `run_dir`."""

    @abstractmethod
    def predict_logits(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> np.ndarray:
        """One logit per (normalised) text from the fitted model: higher means more LLM-like."""

    @abstractmethod
    def loso_fold(
        self, frame: pd.DataFrame, train: np.ndarray, val: np.ndarray, test: np.ndarray
    ) -> np.ndarray:
        """One leave-one-source-out fold: the logits of rows `test` from a fresh model trained on
        rows `train` (early-stopped on `val`); the fitted model on `self` is left alone."""

    def export_spec(self) -> ExportSpec:
        """The fitted classifier and tokenizer for the export path."""
        raise NotImplementedError(f"variant {self.name!r} has no ONNX export")
