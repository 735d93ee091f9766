"""`codeorigin-train robustness`: what a user's edits do to the score.

Held-out samples scored as written and after each transformation of `transforms.py`; per
language and overall: the change of probability (median, 90th percentile of its size), AUROC,
recall and human false-positive rate at the model's `llm` threshold before and after, and whether
the representations of `coderep.py` stay the same.

    codeorigin-train robustness --model models/default --n 400 [--card]

Writes `robustness.json`, `.csv`, `.md` and `.png` into `--out` and MLflow.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.analysis import coderep, common, transforms
from codeorigin_train.evaluation import protocol

TOOL = "robustness"


def _row(y: np.ndarray, p0: np.ndarray, p1: np.ndarray, threshold: float) -> dict[str, Any]:
    d = p1 - p0
    rates = [protocol.rates(y, p, np.full(len(p), threshold)) for p in (p0, p1)]
    return {
        "n": len(y),
        "median_delta": float(np.median(d)) if len(d) else None,
        "p90_abs_delta": float(np.quantile(np.abs(d), 0.9)) if len(d) else None,
        **{f"{k}_{when}": r[k] for k in ("auroc", "recall", "fpr")
           for when, r in zip(("before", "after"), rates)},
    }  # fmt: skip


def measure(
    rows: pd.DataFrame, prob: Any, threshold: float, names: list[str] | None = None
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The module docstring's figures for `rows`, and each transformation's change per row."""
    codes, langs = rows["code"].tolist(), rows["language"].tolist()
    y = rows["label"].to_numpy()
    p0 = prob(codes)
    res: dict[str, Any] = {"n": len(rows), "threshold": threshold, "languages": sorted(set(langs))}
    res["transforms"], deltas = {}, {}
    for name in names or list(transforms.TRANSFORMS):
        changed, failed = transforms.apply(name, codes, langs)
        p1 = prob(changed)
        per = {"all": _row(y, p0, p1, threshold)}
        for lang in res["languages"]:
            m = rows["language"].to_numpy() == lang
            per[lang] = _row(y[m], p0[m], p1[m], threshold)
        res["transforms"][name] = {
            "failed": failed,
            "unchanged_text": float(np.mean([a == b for a, b in zip(codes, changed)])),
            "representation_unchanged": coderep.invariance(codes, changed, langs),
            "by_language": per,
        }
        deltas[name] = p1 - p0
    return res, deltas


def table(res: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for name, t in res["transforms"].items():
        for lang, r in t["by_language"].items():
            rows.append({"transform": name, "language": lang, **r})
    return pd.DataFrame(rows)


def markdown(tab: pd.DataFrame) -> str:
    """The table as markdown (figures to 3 decimals)."""
    cells = [[f"{v:.3f}" if isinstance(v, float) else ("n/a" if v is None else str(v)) for v in row]
             for row in tab.itertuples(index=False)]  # fmt: skip
    head = "| " + " | ".join(tab.columns) + " |\n|" + "---|" * len(tab.columns) + "\n"
    return head + "".join("| " + " | ".join(r) + " |\n" for r in cells)


def plot(res: dict[str, Any], deltas: dict[str, np.ndarray], rows: pd.DataFrame, out: Any) -> None:
    """Δp per transformation (box per language) and AUROC before/after."""
    plt = common.pyplot()
    names = list(res["transforms"])
    langs = res["languages"]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4))
    lang_arr = rows["language"].to_numpy()
    width = 0.8 / max(1, len(langs))
    for j, lang in enumerate(langs):
        data = [deltas[n][lang_arr == lang] for n in names]
        pos = np.arange(len(names)) + (j - (len(langs) - 1) / 2) * width
        bp = ax.boxplot(
            data, positions=pos, widths=width * 0.9, patch_artist=True, showfliers=False
        )
        for patch in bp["boxes"]:
            patch.set_facecolor(f"C{j}")
        ax.plot([], [], color=f"C{j}", lw=6, label=lang)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set(xticks=range(len(names)), xticklabels=names, ylabel="change of P(LLM)",
           title="Probability change per transformation")  # fmt: skip
    ax.legend(fontsize=8)
    before = [res["transforms"][n]["by_language"]["all"]["auroc_before"] for n in names]
    after = [res["transforms"][n]["by_language"]["all"]["auroc_after"] for n in names]
    x = np.arange(len(names))
    bx.bar(x - 0.2, before, 0.4, label="as written")
    bx.bar(x + 0.2, after, 0.4, label="transformed")
    bx.set(
        xticks=x, xticklabels=names, ylim=(0.5, 1.0), ylabel="AUROC", title="AUROC (all languages)"
    )
    bx.legend(fontsize=8)
    fig.tight_layout()
    path = out / "robustness.png"
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    p = common.parser(TOOL, __doc__)
    p.add_argument("--transforms", nargs="+", choices=list(transforms.TRANSFORMS), default=None)
    args = p.parse_args(argv)
    common.model_or_run(args.model)  # the inputs, and the model, before the output folder
    rows = common.held_out(args.dataset, args.n, args.seed)
    prob, threshold, name = common.probability_fn(args.model, args.threads)
    out = common.out_dir(args, TOOL)
    res, deltas = measure(rows, prob, threshold, args.transforms)
    summ = {"model": name, "dataset": str(args.dataset), **res}
    common.write_json(out / "robustness.json", summ)
    tab = table(res)
    tab.to_csv(out / "robustness.csv", index=False)
    (out / "robustness.md").write_text(markdown(tab))
    plot(res, deltas, rows, out)
    after = {f"{k}_auroc_after": v["by_language"]["all"]["auroc_after"]
             for k, v in res["transforms"].items()}  # fmt: skip
    common.finish(args, TOOL, out, after, summ)
    print(markdown(tab))
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.analysis.robustness", main))
