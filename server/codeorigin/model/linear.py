"""The linear member of a stacked model: logistic-regression weights over `core.features`.

The model folder holds its weights in one `.npz` (listed with its SHA-256 in the manifest):
`weights` (one per hash bucket), `figure_weights` (one per `core.features.FIGURES` entry),
`bias`, and `config` (the JSON of the `FeatureConfig` it was trained with, which must equal the
manifest's). numpy only: no scikit-learn, no torch at inference.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from codeorigin.core.features import (
    FIGURES,
    FeatureConfig,
    Tokens,
    char_contributions,
    extract,
    figure_values,
)
from codeorigin.model.manifest import ModelError


@dataclass(frozen=True)
class LinearContribution:
    """The linear member on one normalised text: its logit, bias and each character's share of
    logit - bias (`chars`, summing to it), and the code tokens the characters belong to."""

    logit: float
    bias: float
    chars: np.ndarray
    tokens: Tokens
    #: Per layout and style figure: (name, value, term), term = value * weight, its part of
    #: logit - bias (already in `chars`, on the characters it was measured on).
    figures: tuple[tuple[str, float, float], ...] = ()


class LinearMember:
    """Weights loaded from a model folder's `.npz`; scores and explains normalised texts."""

    def __init__(self, path: Path, config: FeatureConfig) -> None:
        self.path = path
        self.config = config
        try:
            with np.load(path, allow_pickle=False) as data:
                weights = np.asarray(data["weights"], dtype=np.float64)
                figure_weights = np.asarray(data["figure_weights"], dtype=np.float64)
                bias = float(np.asarray(data["bias"]).reshape(-1)[0])
                stored = json.loads(str(np.asarray(data["config"]).reshape(-1)[0]))
            same = FeatureConfig.from_json(stored) == config
        except (OSError, EOFError, KeyError, ValueError, IndexError, zipfile.BadZipFile) as exc:
            raise ModelError(
                f"cannot read the linear member's weights {path}: {exc}. The model folder is "
                "corrupted; reinstall or re-export it."
            ) from exc
        if not same:
            raise ModelError(
                f"{path} was trained with features {stored}, the manifest says "
                f"{config.to_json()}: re-export the model."
            )
        if weights.shape != (config.n_buckets,) or figure_weights.shape != (config.n_figures,):
            raise ModelError(
                f"{path} holds {weights.shape[0]} bucket and {figure_weights.shape[0]} figure "
                f"weights; its features need {config.n_buckets} and {config.n_figures}."
            )
        if not (np.all(np.isfinite(weights)) and np.all(np.isfinite(figure_weights))):
            raise ModelError(f"{path} holds weights that are not finite numbers: re-export it.")
        self.weights = weights
        self.figure_weights = figure_weights
        self.bias = bias

    @classmethod
    def from_manifest(cls, folder: Path, spec: dict[str, Any]) -> LinearMember:
        """The member a manifest's `members.linear` section describes."""
        try:
            config = FeatureConfig.from_json(dict(spec["features"]))
            name = str(spec["file"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"the manifest's members.linear is malformed: {exc}") from exc
        return cls(folder / name, config)

    @classmethod
    def from_file(cls, path: Path) -> LinearMember:
        """The member in a weights file, with the features it records (training's parity check)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                stored = json.loads(str(np.asarray(data["config"]).reshape(-1)[0]))
            config = FeatureConfig.from_json(stored)
        except (OSError, EOFError, KeyError, ValueError, IndexError, zipfile.BadZipFile) as exc:
            raise ModelError(f"cannot read the linear member's weights {path}: {exc}") from exc
        return cls(path, config)

    def logit(self, text: str, language: str | None) -> float:
        """The member's logit for one normalised text in a language (its canonical id, which the
        syntax n-grams need; None: none)."""
        features = extract(text, self.config, language)
        return features.logit(self.weights, self.figure_weights, self.bias)

    def logit_with(
        self, text: str, language: str | None, *others: LinearMember
    ) -> tuple[float, ...]:
        """This member's logit and each of `others`' (the same features, other weights: a
        route's domain model and member, whose features the manifest's parsing checked), from one
        extraction of the text's features."""
        features = extract(text, self.config, language)
        return tuple(
            features.logit(m.weights, m.figure_weights, m.bias) for m in (self, *others)
        )

    def logits(self, texts: Sequence[str], languages: Sequence[str | None]) -> np.ndarray:
        return np.asarray(
            [self.logit(t, x) for t, x in zip(texts, languages, strict=True)], dtype=np.float64
        )

    def contributions(self, text: str, language: str | None) -> LinearContribution:
        """Exact per-character contributions of one normalised text in a language."""
        chars, logit, tokens = char_contributions(
            text, self.config, self.weights, self.figure_weights, self.bias, language
        )
        values = figure_values(text, self.config)
        terms = values * self.figure_weights[: values.size]
        figures = tuple(zip(FIGURES, values.tolist(), terms.tolist()))
        return LinearContribution(logit, self.bias, chars, tokens, figures)


def write_weights(
    path: Path,
    config: FeatureConfig,
    weights: np.ndarray,
    figure_weights: np.ndarray,
    bias: float,
) -> Path:
    """Write a linear member's `.npz` (the training side's export calls this)."""
    np.savez_compressed(
        path,
        weights=np.asarray(weights, dtype=np.float64),
        figure_weights=np.asarray(figure_weights, dtype=np.float64),
        bias=np.asarray([float(bias)]),
        config=np.asarray([json.dumps(config.to_json(), sort_keys=True)]),
    )
    return path
