"""Variant `coderep`: an existing variant's model whose input is the code **plus** a compact
tree-sitter representation of it (`analysis/coderep.py`).

Run names: `coderep-<base>` puts the control-flow skeleton in front of the code for variant
`<base>` (`coderep-char-ngram`, `coderep-scratch-bpe`); `coderep-nodes-<base>` the syntax tree's
node types instead. The base variant trains and scores as on the code alone, so leave one source
out against `<base>` measures what the representation adds. The runtime computes no
representation, so the arm is never exported.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.analysis.coderep import REPRESENTATIONS, augment
from codeorigin_train.variants import registry
from codeorigin_train.variants.base import FitResult, Variant

#: coderep[-nodes]-<base>: <base> on code plus a tree-sitter representation.
NAME = "coderep"


def parse_name(name: str) -> tuple[str, str]:
    """(representation kind, base variant) of a run name (see the module docstring)."""
    rest = name[len(NAME) + 1 :] if name.startswith(f"{NAME}-") else ""
    kind = "skel"
    for k in REPRESENTATIONS:
        if rest.startswith(f"{k}-"):
            kind, rest = k, rest[len(k) + 1 :]
    return kind, rest or "scratch-bpe"


class CodeRep(Variant):
    """`base` trained and scored on `augment(code)` instead of the code."""

    exportable = False

    def __init__(self, name: str, base: Variant, kind: str) -> None:
        self.name, self.base, self.kind = name, base, kind
        self.threshold_confidence = base.threshold_confidence
        self._frames: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {}

    @property
    def description(self) -> str:  # type: ignore[override]
        what = {"skel": "control-flow skeleton", "nodes": "syntax-tree node types"}[self.kind]
        return f"{self.base.description}, input: code plus its {what} (tree-sitter)"

    def _aug(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`frame` with `code` augmented (computed once per frame object)."""
        hit = self._frames.get(id(frame))
        if hit is not None and hit[0] is frame:
            return hit[1]
        code = [augment(c, lang, self.kind) for c, lang in zip(frame["code"], frame["language"])]
        out = frame.assign(code=code)
        self._frames = {id(frame): (frame, out)}
        return out

    def training_rows(
        self, frame: pd.DataFrame, work: Path
    ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        return self.base.training_rows(frame, work)

    def prepare(self, frame: pd.DataFrame, run_dir: Path) -> None:
        self.base.prepare(self._aug(frame), run_dir)

    def params(self) -> dict[str, Any]:
        return {**self.base.params(), "representation": self.kind, "base": self.base.name}

    def record(self) -> dict[str, Any]:
        return {**self.base.record(), "name": self.name, "description": self.description}

    def fit(self, frame: pd.DataFrame, run_dir: Path) -> FitResult:
        return self.base.fit(self._aug(frame), run_dir)

    def load(self, run_dir: Path) -> None:
        self.base.load(run_dir)

    def predict_logits(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> np.ndarray:
        return self.base.predict_logits([augment(t, None, self.kind) for t in texts])

    def loso_fold(
        self, frame: pd.DataFrame, train: np.ndarray, val: np.ndarray, test: np.ndarray
    ) -> np.ndarray:
        return self.base.loso_fold(self._aug(frame), train, val, test)


def variant(name: str = NAME, **options: Any) -> CodeRep:
    """The registry's constructor: `coderep[-nodes]-<base>` over the registered variant `<base>`."""
    kind, base = parse_name(name)
    return CodeRep(name, registry.get(base, **options), kind)
