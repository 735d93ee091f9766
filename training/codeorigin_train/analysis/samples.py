"""`codeorigin-train evaluate-samples`: a model judged on a code LLM's samples the way the Codex
paper evaluates code LLMs (HumanEval: a prompt with the signature and docstring, sampled
completions), without ever running them.

Problems: HumanEval JSONL (`task_id`, `prompt`, `canonical_solution`); samples: JSONL of
`task_id` and `completion`, many per task. `prompt + canonical_solution` (human) and `prompt +
completion` (LLM) are scored as `codeorigin scan` scores them. Reported: AUROC, recall and the
human solutions' FPR at the `llm` threshold, the twin-win rate (how often a sample scores above
its task's human solution), per-task results and a histogram.

    codeorigin-train evaluate-samples --problems problems.jsonl --samples samples.jsonl [--card]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.analysis import common
from codeorigin_train.data import inputs

TOOL = "evaluate-samples"


def functions(problems: list[dict[str, Any]], samples: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per human solution (label 0) and per sample (label 1): task_id, code, label."""
    by_id = {p["task_id"]: p for p in problems}
    rows = [{"task_id": p["task_id"], "code": p["prompt"] + p["canonical_solution"], "label": 0}
            for p in problems if p.get("canonical_solution")]  # fmt: skip
    unknown = sorted({s["task_id"] for s in samples} - set(by_id))
    if unknown:
        raise SystemExit(f"samples name tasks missing from the problems: {', '.join(unknown[:5])}")
    rows += [{"task_id": s["task_id"], "code": by_id[s["task_id"]]["prompt"] + s["completion"], "label": 1}
             for s in samples]  # fmt: skip
    return pd.DataFrame(rows)


def judge(df: pd.DataFrame, prob: Any, threshold: float) -> tuple[pd.DataFrame, dict[str, Any]]:
    """`df` with `p`, and the figures of the module docstring."""
    df = df.assign(p=prob(df["code"].tolist()))
    y, p = df["label"].to_numpy(), df["p"].to_numpy()
    twin = df["task_id"].map(df[df.label == 0].groupby("task_id")["p"].first())
    # Each sample against its task's human solution: 1 above it, 0.5 level with it, 0 below.
    wins = ((df["p"] > twin) + 0.5 * (df["p"] == twin))[(df["label"] == 1) & twin.notna()]
    tasks = []
    for tid, g in df.groupby("task_id", sort=False):
        s, h, w = g[g.label == 1]["p"], g[g.label == 0]["p"], wins[wins.index.isin(g.index)]
        tasks.append({"task_id": tid, "samples": len(s), "p_human": float(h.iloc[0]) if len(h) else None,
                      "p_samples_mean": float(s.mean()) if len(s) else None,
                      "flagged": float((s >= threshold).mean()) if len(s) else None,
                      "twin_win": float(w.mean()) if len(w) else None})  # fmt: skip
    res = {
        "threshold": threshold, "tasks": int(df["task_id"].nunique()),
        "human": int((y == 0).sum()), "samples": int((y == 1).sum()),
        "auroc": common.auroc(y, p),
        "recall": float((p[y == 1] >= threshold).mean()) if (y == 1).any() else None,
        "human_fpr": float((p[y == 0] >= threshold).mean()) if (y == 0).any() else None,
        "twin_win": float(wins.to_numpy().mean()) if len(wins) else None,
        "median_p_samples": float(np.median(p[y == 1])) if (y == 1).any() else None,
        "median_p_human": float(np.median(p[y == 0])) if (y == 0).any() else None,
        "per_task": tasks,
    }  # fmt: skip
    return df, res


def histogram(df: pd.DataFrame, threshold: float, path: Path) -> None:
    plt = common.pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    bins = np.linspace(0, 1, 26)
    for lab, name in ((0, "human solutions"), (1, "LLM samples")):
        ax.hist(df[df.label == lab]["p"], bins=bins, alpha=0.6, label=name, density=True)
    ax.axvline(threshold, color="red", lw=1, label=f"llm threshold {threshold:.3f}")
    ax.set(
        xlabel="calibrated P(LLM)", ylabel="density", title="Probabilities of samples and solutions"
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    p = common.parser(TOOL, __doc__, dataset=False)
    p.add_argument("--problems", type=Path)
    p.add_argument("--samples", type=Path)
    args = p.parse_args(argv)
    if not args.problems or not args.samples:
        p.error("--problems and --samples are required")
    common.model_or_run(args.model)
    problems = inputs.read_jsonl(args.problems, "--problems")
    drawn = inputs.read_jsonl(args.samples, "--samples")
    df = functions(problems, drawn)
    prob, threshold, name = common.probability_fn(args.model, args.threads)
    out = common.out_dir(args, TOOL)
    scored, res = judge(df, prob, threshold)
    scored.drop(columns=["code"]).to_csv(out / "scores.csv", index=False)
    pd.DataFrame(res["per_task"]).to_csv(out / "per_task.csv", index=False)
    histogram(scored, threshold, out / "samples_hist.png")
    summ = {"model": name, "problems": str(args.problems), "samples_file": str(args.samples),
            "source": "given files",
            **{k: v for k, v in res.items() if k != "per_task"}}  # fmt: skip
    common.write_json(out / "samples.json", {**summ, "per_task": res["per_task"]})
    metrics = {k: summ[k] for k in ("auroc", "recall", "human_fpr", "twin_win")}
    common.finish(args, TOOL, out, metrics, summ, record_as="samples")
    print(common.json_brief(summ))
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.analysis.samples", main))
