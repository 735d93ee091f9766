"""The stacked model's transformer member, retrained on the protocol's pool (`codeorigin-train
member`).

The shipped transformer member (`scratch-bpe-full-real`, 2025) was trained on the dataset of its
day: Python, Java and C++ contest and chat code plus 3,688 real-project Python functions. This
command trains the same recipe (`variants.scratch_bpe.shipped_config`: byte-level BPE of 8,192 tokens, a
2-layer encoder of width 128 and the CodeOriginClassifier head, trained from scratch end to end)
on the rows every protocol fit reads: the pool's train split with at most `--train-cap` rows per
source and label, the real-project code whole (`export.stack_rows.training_frame`), in every
language of the pool.

**The agentic corpus is left out of every split**, so the member never sees an agent's function
nor a human function of an agent's repository. This is what keeps the stack honest without
retraining the transformer in every fold: the stacker is fitted on the agentic train rows'
cross-fitted linear logits and this member's logits, and leave one agent out and leave
repository out judge rows it never saw. (A member trained on the agentic rows would need its own
cross-fitting: three more fits for the stacker and three per held-out agent, about 40 minutes
each on this CPU.)

Out: a transformer folder (`--out`: `model.onnx`, `gradient.onnx`, `tokenizer.json` and a
version-1 manifest, parity-checked, with its own Platt scaling and threshold on the validation
rows) that `codeorigin-train stack --transformer` and the protocol's `stacked:FOLDER` read, and
`member.json` in the run folder (rows, epochs, seconds, validation and test AUROC by source and
language).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.data.argtypes import ig_texts
from codeorigin_train.export.stack_rows import training_frame
from codeorigin_train.export.stacked import auroc
from codeorigin_train.fit.crossfit import SOURCE as AGENTIC_SOURCE

log = logging.getLogger("codeorigin_train.member")

FAMILY = "scratch-bpe"  # a run name `scratch-bpe-<recipe>` is a recipe of it


def member_frame(pool: pd.DataFrame, cap: int, agentic: bool = False) -> pd.DataFrame:
    """The pool's rows as the member trains on them: the protocol's capped train split
    (`training_frame`), its validation and test splits, and no row of the agentic corpus unless
    `agentic` (then its rows of every split, the repositories' split as drawn by the corpus)."""
    frame = training_frame(pool.reset_index(drop=True), cap)
    if agentic:
        return frame.reset_index(drop=True)
    return frame[frame["source"] != AGENTIC_SOURCE].reset_index(drop=True)


def by_group(frame: pd.DataFrame, rows: np.ndarray, logits: np.ndarray) -> dict[str, Any]:
    """AUROC of `logits` (rows `rows` of `frame`) overall, by source and by language."""
    sub = frame.iloc[rows]
    y = sub["label"].to_numpy()
    out: dict[str, Any] = {"n": len(rows), "auroc": auroc(y, logits)}
    for col in ("source", "language"):
        values = sub[col].astype(str).to_numpy()
        out[col] = {
            g: {"n": int((values == g).sum()), "auroc": auroc(y[values == g], logits[values == g])}
            for g in sorted(set(values))
        }
    return out


def train_member(args: argparse.Namespace) -> dict[str, Any]:
    """Train, calibrate and export the member; what `member.json` records."""
    from codeorigin_train.data.inputs import read_parquet
    from codeorigin_train.export.shipping import export_folder
    from codeorigin_train.fit import calibrate as cal
    from codeorigin_train.fit.frames import populations
    from codeorigin_train.variants import registry

    t0 = time.perf_counter()
    hint = "`codeorigin-train protocol --pool PATH --pool-only` writes it"
    pool = read_parquet(args.pool, "--pool", hint=hint)
    frame = member_frame(pool, args.train_cap, args.agentic_rows)
    shipped = registry.get(FAMILY).full_recipe()  # the shipped member's recipe
    cfg = replace(
        shipped.cfg, epochs=args.epochs, vocab_size=args.vocab_size, seed=args.seed,  # type: ignore[union-attr]
        realcode_train=0, realcode_val=0,  # the pool holds the real-project code already
        threshold_confidence=0.95,
    )  # fmt: skip
    run = args.work / args.name
    run.mkdir(parents=True, exist_ok=True)
    variant = registry.get(args.name, cfg=cfg)
    variant.on_epoch = lambda epoch, row: log.info("epoch %d: %s", epoch, row)
    variant.prepare(frame, run)
    log.info("member: %d train, %d validation, %d test rows (agentic rows: %s)",
             *(int((frame["split"] == s).sum()) for s in ("train", "val", "test")),
             "every split" if args.agentic_rows else "none")  # fmt: skip
    res = variant.fit(frame, run)
    y = frame["label"].to_numpy()
    c = cal.calibrate(
        res.val_logits, y[res.val_rows], populations=populations(frame, res.val_rows),
        confidence=cfg.threshold_confidence,
    )  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    exported = export_folder(variant, frame, res.val_rows, args.out, c, ig_texts=args.ig_texts)
    manifest = args.out / "manifest.json"
    raw = json.loads(manifest.read_text())
    raw["name"] = args.name
    raw.setdefault("training", {})["rows"] = {
        "pool": str(args.pool), "train_cap": args.train_cap,
        "agentic_rows": "every split" if args.agentic_rows else "none",
        "train": int((frame["split"] == "train").sum()),
    }  # fmt: skip
    manifest.write_text(json.dumps(raw, indent=2) + "\n")
    return {
        "name": args.name,
        "config": asdict(cfg),
        "rows": {s: int((frame["split"] == s).sum()) for s in ("train", "val", "test")},
        "fit": res.info,
        "calibration": asdict(c),
        "val": by_group(frame, res.val_rows, res.val_logits),
        "test": by_group(frame, res.test_rows, res.test_logits),
        "export": {k: exported.get(k) for k in ("parity", "ig_steps", "size_bytes")},
        "seconds": time.perf_counter() - t0,
    }


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="codeorigin-train member", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--pool", type=Path, required=True, help="the protocol's pool (parquet)")
    p.add_argument("--out", type=Path, required=True, help="the transformer folder to write")
    p.add_argument("--work", type=Path, default=Path("training/work/runs"),
                   help="run folders (weights, tokenizer, member.json) go under it")
    p.add_argument("--name", default=f"{FAMILY}-pool",
                   help=f"the run and model name; starts with {FAMILY}-")
    p.add_argument("--train-cap", type=int, default=1500,
                   help="train rows per source and label outside the real-project code "
                   "(the protocol's 1500)")
    p.add_argument("--epochs", type=int, default=3,
                   help="at most this many epochs; the best on validation loss is kept")
    p.add_argument("--vocab-size", type=int, default=8192)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--agentic-rows", action="store_true",
                   help="train on the agentic corpus' train repositories too (then fit the "
                   "stack with --crossfit-folds 0: the stacker on validation rows only)")
    ig_texts(p)
    return p  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    if not args.name.startswith(f"{FAMILY}-"):
        raise SystemExit(f"--name {args.name!r}: a recipe of {FAMILY} is named {FAMILY}-<recipe>")
    report = train_member(args)
    path = args.work / args.name / "member.json"
    path.write_text(json.dumps(report, indent=2, default=float) + "\n", encoding="utf-8")
    print(json.dumps({k: report[k] for k in ("name", "rows", "seconds")}
                     | {"val_auroc": report["val"]["auroc"], "test_auroc": report["test"]["auroc"]},
                     indent=2, default=float))  # fmt: skip
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.export.member", main))
