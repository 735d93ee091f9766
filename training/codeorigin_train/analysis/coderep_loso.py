"""`codeorigin-train coderep-loso`: the code-representation arm against the same model without it,
on leave-one-source-out folds (`runs.loso_folds`, the bake-off's LOSO: train without a source,
test on all of it), and whether its representation survives reformatting and renaming.

Both arms run on the same rows and folds (the bake-off's stratified subset, `--train-cap` and
`--eval-cap` rows per source, label and split); `scratch-bpe` is cut to fit a CPU
(`--loso-epochs`, no real-project rows), and the summary records that protocol.

    codeorigin-train coderep-loso --bases char-ngram scratch-bpe --kind skel [--card]

Writes `coderep.json` and `coderep.png` into `--out`.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.analysis import coderep, common, transforms
from codeorigin_train.evaluation import evaluate as ev
from codeorigin_train.fit.frames import SubsetConfig, load_dataset, subset
from codeorigin_train.variants import registry

TOOL = "coderep"


def _variant(name: str, loso_epochs: int) -> Any:
    """A registered variant; scratch-bpe recipes cut to the CPU protocol of the module docstring."""
    from codeorigin_train.variants.coderep import parse_name
    from codeorigin_train.variants.scratch_bpe import ScratchConfig

    base = parse_name(name)[1] if name.startswith("coderep-") else name
    if base.startswith("scratch-bpe"):
        cfg = replace(ScratchConfig(), loso_epochs=loso_epochs, realcode_val=0)
        return registry.get(name, cfg=cfg)
    return registry.get(name)


def loso(
    name: str, frame: pd.DataFrame, sources: list[str], work: Path, loso_epochs: int
) -> dict[str, Any]:
    """One arm's folds: AUROC per held-out source, their mean, the seconds they took."""
    from codeorigin_train.evaluation.runs import loso_folds
    from codeorigin_train.fit.workdir import run_dir

    v = _variant(name, loso_epochs)
    rows, _ = v.training_rows(frame, work)
    v.prepare(rows, run_dir(name, work))
    t0 = time.perf_counter()
    folds = loso_folds(v, rows, sources)
    return {"variant": name, "folds": {k: f["auroc"] for k, f in folds.items()},
            "mean": ev.loso_mean(folds), "seconds": time.perf_counter() - t0}  # fmt: skip


def invariance(dataset: Path, n: int, seed: int) -> dict[str, Any]:
    """Share of held-out samples whose representations are unchanged by each transformation."""
    rows = common.held_out(dataset, n, seed, languages=("python", "java", "cpp"))
    codes, langs = rows["code"].tolist(), rows["language"].tolist()
    out: dict[str, Any] = {"n": len(rows)}
    for name in ("reformat", "rename", "strip-comments"):
        changed, _ = transforms.apply(name, codes, langs)
        moved = [i for i, (a, b) in enumerate(zip(codes, changed)) if a != b]
        out[name] = {"text_changed": len(moved),
                     **coderep.invariance([codes[i] for i in moved], [changed[i] for i in moved],
                                          [langs[i] for i in moved])}  # fmt: skip
    return out


def plot(arms: list[dict[str, Any]], out: Path) -> None:
    plt = common.pyplot()
    sources = list(arms[0]["folds"])
    fig, ax = plt.subplots(figsize=(1.6 * len(sources) + 3, 3.8))
    width = 0.8 / len(arms)
    for j, arm in enumerate(arms):
        x = np.arange(len(sources) + 1) + (j - (len(arms) - 1) / 2) * width
        ax.bar(x, [arm["folds"][s] for s in sources] + [arm["mean"]], width, label=arm["variant"])
    ax.set(xticks=range(len(sources) + 1), xticklabels=[*sources, "mean"], ylim=(0.4, 1.0),
           ylabel="LOSO AUROC", title="Leave-one-source-out: with and without the representation")  # fmt: skip
    ax.axhline(0.5, color="grey", lw=0.8)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "coderep.png")
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    p = common.parser(TOOL, __doc__, command="coderep-loso")
    p.add_argument("--bases", nargs="+", default=["char-ngram", "scratch-bpe"])
    p.add_argument("--kind", choices=list(coderep.REPRESENTATIONS), default="skel")
    p.add_argument("--train-cap", type=int, default=700)
    p.add_argument("--eval-cap", type=int, default=200)
    p.add_argument("--loso-epochs", type=int, default=1)
    p.add_argument("--sources", nargs="+", default=None)
    args = p.parse_args(argv)
    frame = subset(load_dataset(args.dataset), SubsetConfig(train_cap=args.train_cap, eval_cap=args.eval_cap,
                                                            seed=args.seed))  # fmt: skip
    out = common.out_dir(args, TOOL)  # after its input is read: a bad one leaves no folder
    sources = args.sources or ev.loso_sources(frame, 4)
    arms = []
    for base in args.bases:
        arm = f"coderep-{'' if args.kind == 'skel' else 'nodes-'}{base}"
        for name in (base, arm):
            arms.append(loso(name, frame, sources, args.work, args.loso_epochs))
            print(common.json_brief(arms[-1]))
    summ = {"dataset": str(args.dataset), "kind": args.kind, "sources": sources,
            "protocol": {"train_cap": args.train_cap, "eval_cap": args.eval_cap, "rows": len(frame),
                         "loso_epochs_scratch": args.loso_epochs, "seed": args.seed},
            "arms": arms, "invariance": invariance(args.dataset, args.n, args.seed)}  # fmt: skip
    common.write_json(out / "coderep.json", summ)
    plot(arms, out)
    common.finish(args, TOOL, out, {f"{a['variant']}_loso_mean": a["mean"] for a in arms}, summ)
    print(common.json_brief(summ["invariance"]))
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.analysis.coderep_loso", main))
