"""`codeorigin-train`: build the dataset, embed, train, calibrate, evaluate, export, write the card.

Every option defaults to the current recipe, and `codeorigin-train all` runs it end to end:
the dataset and the real-project human code, the bake-off (the MiniLM variants of
`pipeline.VARIANTS` and the scratch BPE recipe of `scratch.py`), the pick by leave-one-source-out
mean AUROC, the picked recipe trained on all training rows, export to `models/default` with the
model card. Steps write under `training/work/` and read what earlier steps wrote, so they can also
be run one by one (`scratch` and `realcode` forward to `python -m codeorigin_train.scratch` and
`python -m codeorigin_train.realcode`).
"""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any

from codeorigin_train.train import TrainConfig

LATENCY_BUDGET_MS = 50.0


def _subset_cfg(args: argparse.Namespace) -> Any:
    from codeorigin_train.pipeline import SubsetConfig

    return SubsetConfig(train_cap=args.train_cap, eval_cap=args.eval_cap,
                        unfreeze_train_cap=args.unfreeze_train_cap, seed=args.seed)


def _train_cfg(args: argparse.Namespace) -> TrainConfig:
    return TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                       patience=args.patience, warmup_steps=args.warmup_steps, grad_accum=args.grad_accum,
                       clip_norm=args.clip_norm, monitor=args.monitor, resume=args.resume,
                       threads=args.threads)


def _train_cfg_for(variant: str, args: argparse.Namespace) -> TrainConfig:
    """The unfreeze variant trains 1 epoch on CPU (its head comes trained from the frozen variant)."""
    from codeorigin_train.pipeline import VARIANTS

    cfg = _train_cfg(args)
    if VARIANTS[variant].unfreeze and args.unfreeze_epochs:
        cfg = TrainConfig(**{**asdict(cfg), "epochs": args.unfreeze_epochs})
    return cfg


def _load(args: argparse.Namespace) -> tuple[Any, Any]:
    from codeorigin_train import pipeline as pl

    df = pl.load_dataset(args.dataset)
    return df, pl.subset(df, _subset_cfg(args))


def cmd_dataset(args: argparse.Namespace) -> int:
    from codeorigin_train.data.build import build_dataset, save_dataset, summary

    df = build_dataset(args.data_root, seed=0)
    save_dataset(df, args.dataset)
    print(summary(df).to_markdown())
    return 0


def cmd_embed(args: argparse.Namespace) -> int:
    from codeorigin_train import pipeline as pl

    _, sub = _load(args)
    for v in args.variants:
        pl.embed_step(v, sub, threads=args.threads)
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from codeorigin_train import pipeline as pl

    _, sub = _load(args)
    for v in args.variants:
        info = pl.train_step(v, sub, _subset_cfg(args), _train_cfg_for(v, args))
        print(json.dumps({k: info[k] for k in ("variant", "best_epoch", "train_seconds", "n_train")}))
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from codeorigin_train import pipeline as pl

    _, sub = _load(args)
    for v in args.variants:
        print(v, json.dumps(asdict(pl.calibrate_step(v, sub))))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from codeorigin_train import pipeline as pl

    _, sub = _load(args)
    for v in args.variants:
        loso = not args.no_loso and v not in args.skip_loso_for
        rep = pl.evaluate_step(v, sub, _subset_cfg(args), _train_cfg_for(v, args), loso=loso,
                               ablation=not args.no_ablation and v in args.ablation_variants,
                               baseline=not args.no_baseline, reuse=args.reuse)
        print(v, "test AUROC", rep["heldout"]["overall"]["auroc"], "LOSO mean", rep.get("loso_mean_auroc"))
    return 0


def bakeoff_table(variants: list[str], work: Path | None = None) -> list[dict[str, Any]]:
    """One row per evaluated variant: held-out, validation and LOSO AUROC."""
    from codeorigin_train import pipeline as pl
    from codeorigin_train.evaluate import loso_mean, loso_run_apart

    rows = []
    for v in variants:
        path = pl.run_dir(v, work) / "metrics.json"
        if not path.exists():
            continue
        m = json.loads(path.read_text())
        tr = json.loads((pl.run_dir(v, work) / "train.json").read_text())
        folds = m.get("loso") or loso_run_apart(path.parent.parent, v)[0]
        rows.append({
            "variant": v,
            "description": pl.VARIANTS[v].description if v in pl.VARIANTS else m["variant"]["description"],
            "n_train": tr["n_train"],
            "train_seconds": tr["train_seconds"],
            "val_auroc": m["validation"]["auroc"],
            "test_auroc": m["heldout"]["overall"]["auroc"],
            "test_human_fpr": m["heldout"]["human_fpr_at_threshold"],
            "loso": {s: r["auroc"] for s, r in folds.items()},
            "loso_mean_auroc": m.get("loso_mean_auroc") or (loso_mean(folds) if folds else None),
        })
    return rows


def pick(rows: list[dict[str, Any]]) -> str:
    """The variant with the best LOSO mean AUROC (all variants share the graph, so the latency)."""
    scored = [r for r in rows if r.get("loso_mean_auroc") is not None]
    return max(scored, key=lambda r: r["loso_mean_auroc"])["variant"]


def cmd_export(args: argparse.Namespace) -> int:
    from codeorigin_train import pipeline as pl

    _, sub = _load(args)
    info = pl.export_step(args.variant, sub, args.out, extra_files=tuple(args.extra_file))
    lat = info["latency_ms_256_tokens_1_thread"]["int8" if info["int8_used"] else "fp32"]["median_ms"]
    if lat > LATENCY_BUDGET_MS:
        logging.getLogger(__name__).warning("scorer latency %.1f ms exceeds the %s ms budget", lat, LATENCY_BUDGET_MS)
    print(json.dumps(info, indent=2, default=float))
    return 0


def collect_metrics(args: argparse.Namespace) -> dict[str, Any]:
    """Everything the model card quotes, gathered into one JSON document."""
    from codeorigin_train import pipeline as pl
    from codeorigin_train.data.build import load_dataset, summary

    df = load_dataset(args.dataset)
    s = summary(df)
    sub = pl.subset(df, _subset_cfg(args))
    chosen = args.variant
    rows = bakeoff_table(list(pl.VARIANTS))
    return {
        "chosen_variant": chosen,
        "selection": "highest leave-one-source-out mean AUROC; all variants share one graph and latency",
        "dataset": {
            "n": len(df),
            "counts": [{"source": k[0], "language": k[1], **v} for k, v in s.counts.to_dict("index").items()],
            "by_split": s.by_split.to_dict("index"),
            "generators": df[df.label == 1].groupby("source")["generator"].nunique().to_dict(),
            "build": s.build,
        },
        "subset": {"config": asdict(_subset_cfg(args)), "n": len(sub),
                   "by_split": sub.groupby("split").size().to_dict(),
                   "by_source_label": {f"{a}/{'llm' if b else 'human'}": int(n)
                                       for (a, b), n in sub.groupby(["source", "label"]).size().items()}},
        "train_config": asdict(_train_cfg_for(chosen, args)),
        "unfreeze_epochs": args.unfreeze_epochs,
        "bakeoff": rows,
        "chosen": json.loads((pl.run_dir(chosen) / "metrics.json").read_text()),
        "export": json.loads((pl.run_dir(chosen) / "export.json").read_text()),
        "training": json.loads((pl.run_dir(chosen) / "train.json").read_text()),
    }


def cmd_card(args: argparse.Namespace) -> int:
    from codeorigin_train.card import write_card

    metrics = collect_metrics(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2, default=float))
    path = write_card(metrics, args.out / "MODEL_CARD.md")
    print(f"written {path} and {args.out / 'metrics.json'}")
    return 0


def cmd_all(args: argparse.Namespace) -> int:
    """The whole bake-off and the shipped model, as in training/README.md."""
    from codeorigin_train import pipeline as pl
    from codeorigin_train import scratch

    if not args.dataset.exists():
        cmd_dataset(args)
    work = args.work  # scratch runs and real-project code live where the pipeline's runs do
    real = work / "realcode.parquet"
    if not real.exists() and not args.no_realcode:
        from codeorigin_train.realcode.__main__ import main as realcode_main

        archives = work / "realcode"
        realcode_main(["fetch", "--out", str(archives)])
        realcode_main(["build", "--archives", str(archives / "archives"), "--out", str(real)])
    names = list(args.variants)
    if args.variants:
        cmd_embed(args)
        cmd_train(args)
        cmd_calibrate(args)
        cmd_evaluate(args)
    if not args.no_scratch:
        # The scratch recipe on the bake-off subset (the same rows as the variants), with LOSO.
        df = pl.load_dataset(args.dataset)
        scratch.run(pl.subset(df, _subset_cfg(args)), work, scratch.first_recipe(), name=scratch.NAME)
        names.append(scratch.NAME)
    rows = bakeoff_table(names, work)
    args.variant = pick(rows)
    print("picked", args.variant)
    if args.variant == scratch.NAME:
        # The picked recipe on every train row plus real-project human code, then shipped (its
        # LOSO figures are the recipe's on the subset: four folds on every row did not fit 2 cores).
        full = pl.subset(df, pl.SubsetConfig(train_cap=10**9, eval_cap=args.eval_cap, seed=args.seed))
        scratch.run(full, work, scratch.shipped_config(), loso=False, name=scratch.SHIPPED)
        scratch.ship(work, scratch.SHIPPED, args.out)
        print(f"shipped {scratch.SHIPPED} to {args.out}")
        return 0
    cmd_export(args)
    return cmd_card(args)


def _forward(module_main: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        return int(module_main(list(args.rest)) or 0)

    return run


def build_parser() -> argparse.ArgumentParser:
    from codeorigin_train.pipeline import DEFAULT_VARIANT, VARIANTS, WORK

    p = argparse.ArgumentParser(prog="codeorigin-train", description=__doc__.split("\n", 1)[0])
    p.add_argument("--work", type=Path, default=WORK,
                   help="folder for caches, runs and MLflow (default training/work)")
    p.add_argument("--dataset", type=Path, default=None, help="default: WORK/dataset.parquet")
    p.add_argument("--data-root", type=Path, default=Path("/work/shared/data"))
    p.add_argument("--train-cap", type=int, default=700, help="train rows per (source, label) embedded")
    p.add_argument("--eval-cap", type=int, default=200, help="val/test rows per (source, label) embedded")
    p.add_argument("--unfreeze-train-cap", type=int, default=60)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)

    def variants_opt(sp: argparse.ArgumentParser, default: list[str]) -> None:
        sp.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=default)

    def train_opts(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--epochs", type=int, default=5)
        sp.add_argument("--unfreeze-epochs", type=int, default=1)
        sp.add_argument("--batch-size", type=int, default=16)
        sp.add_argument("--lr", type=float, default=1e-3)
        sp.add_argument("--patience", type=int, default=2)
        sp.add_argument("--warmup-steps", type=int, default=50)
        sp.add_argument("--grad-accum", type=int, default=1)
        sp.add_argument("--clip-norm", type=float, default=1.0)
        sp.add_argument("--monitor", choices=["val_loss", "val_auroc"], default="val_loss")
        sp.add_argument("--resume", action="store_true")

    def eval_opts(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--no-loso", action="store_true")
        sp.add_argument("--skip-loso-for", nargs="*", default=["unfreeze2-layout"],
                        help="variants whose LOSO is too slow on CPU (each fold retrains encoder layers)")
        sp.add_argument("--no-ablation", action="store_true")
        sp.add_argument("--no-baseline", action="store_true")
        sp.add_argument("--reuse", action="store_true", help="keep LOSO/ablation results of an earlier run")
        sp.add_argument("--ablation-variants", nargs="+", default=[DEFAULT_VARIANT])

    def out_opts(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--variant", choices=list(VARIANTS), default=DEFAULT_VARIANT)
        sp.add_argument("--out", type=Path, default=Path("models/default"))
        sp.add_argument("--extra-file", action="append", default=[],
                        help="a file already in the model folder to list in the manifest (repeatable)")

    all_variants = list(VARIANTS)
    sp = sub.add_parser("dataset", help="build training/work/dataset.parquet from the native sources")
    sp.set_defaults(func=cmd_dataset)
    sp = sub.add_parser("embed", help="cache the frozen encoder's outputs")
    variants_opt(sp, all_variants)
    sp.set_defaults(func=cmd_embed)
    sp = sub.add_parser("train", help="train variants on the cache (MLflow-tracked)")
    variants_opt(sp, all_variants)
    train_opts(sp)
    sp.set_defaults(func=cmd_train)
    sp = sub.add_parser("calibrate", help="Platt scaling and thresholds on validation")
    variants_opt(sp, all_variants)
    sp.set_defaults(func=cmd_calibrate)
    sp = sub.add_parser("evaluate", help="held-out, LOSO, ablation, baseline")
    variants_opt(sp, all_variants)
    train_opts(sp)
    eval_opts(sp)
    sp.set_defaults(func=cmd_evaluate)
    sp = sub.add_parser("export", help="export a variant to a model folder (int8 if it holds AUROC)")
    out_opts(sp)
    sp.set_defaults(func=cmd_export)
    sp = sub.add_parser("card", help="write metrics.json and MODEL_CARD.md into the model folder")
    out_opts(sp)
    train_opts(sp)
    sp.set_defaults(func=cmd_card)
    sp = sub.add_parser("all", help="everything, with the defaults that produced the shipped model")
    variants_opt(sp, all_variants)
    train_opts(sp)
    eval_opts(sp)
    out_opts(sp)
    sp.add_argument("--no-scratch", action="store_true", help="leave the scratch BPE recipe out")
    sp.add_argument("--no-realcode", action="store_true",
                    help="do not fetch real-project human code when training/work has none")
    sp.set_defaults(func=cmd_all)
    from codeorigin_train import scratch
    from codeorigin_train.realcode.__main__ import main as realcode_main

    for name, fn, text in (
        ("scratch", scratch.main, "the byte-level BPE + small encoder recipe (python -m codeorigin_train.scratch)"),
        ("realcode", realcode_main, "dated real-project human code (python -m codeorigin_train.realcode)"),
    ):
        sp = sub.add_parser(name, help=text, add_help=False)
        sp.add_argument("rest", nargs=argparse.REMAINDER)
        sp.set_defaults(func=_forward(fn))
    return p


def main(argv: list[str] | None = None) -> int:
    import sys

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["scratch"], ["realcode"]):  # forwarded whole, options and --help included
        from codeorigin_train import scratch
        from codeorigin_train.realcode.__main__ import main as realcode_main

        return int((scratch.main if argv[0] == "scratch" else realcode_main)(argv[1:]) or 0)
    args = build_parser().parse_args(argv)
    if hasattr(args, "work"):
        from codeorigin_train import pipeline as pl

        pl.WORK = args.work
        if args.dataset is None:
            args.dataset = args.work / "dataset.parquet"
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(name)s: %(message)s")
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
