"""A model folder judged on held-out paired real-project functions, through the runtime.

The paired set (`realcode.paired`) holds, for functions of real PyPI projects, the human function
and the bodies that LLMs wrote under the same signature and docstring. Its `test` projects are never
trained on. This module scores them exactly as `codeorigin scan` would (the runtime's `Model`:
normalisation, windows, calibration) and reports what a user would meet:

- AUROC of human functions against LLM versions;
- recall at the model's own `llm` threshold, and the human false-positive rate there;
- the twin-win rate: how often an LLM body scores above the human function it replaces;
- the same per benchmark setting (with or without repository context) and per generator.

Spans the runtime would call `too_short` (fewer than `min_lines` non-blank lines or `min_tokens`
tokens) get no verdict there, so they are counted and left out of the rates.

    python -m codeorigin_train.evaluation.paired --model models/default \\
        --paired training/work/paired.parquet --out training/work/paired-eval.json
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

log = logging.getLogger(__name__)

MIN_LINES = 4  # the runtime's defaults (codeorigin.minLines / minTokens)
MIN_TOKENS = 24


def score_frame(model_dir: Path, frame: pd.DataFrame, threads: int = 1) -> pd.DataFrame:
    """`frame` with `p` (calibrated probability), `n_tokens` and `judged` columns added."""
    from codeorigin.model.scorer import Model

    model = Model.load(model_dir, threads=threads)
    probs: list[float] = []
    tokens: list[int] = []
    codes = frame["code"].tolist()
    langs = frame["language"].tolist() if "language" in frame else [None] * len(codes)
    for start in range(0, len(codes), 256):
        for s in model.score_texts(codes[start : start + 256], langs[start : start + 256]):
            probs.append(s.probability)
            tokens.append(s.n_tokens)
    out = frame.copy()
    out["p"] = probs
    out["n_tokens"] = tokens
    nonblank = out["code"].map(lambda c: sum(1 for line in c.split("\n") if line.strip()))
    out["judged"] = (nonblank >= MIN_LINES) & (out["n_tokens"] >= MIN_TOKENS)
    return out


def rates(df: pd.DataFrame, threshold: float | Any) -> dict[str, Any]:
    """Human and LLM counts, AUROC, and recall and FPR at `threshold` (one value, or one per row)
    of scored rows (`label`, `p`)."""
    y = df["label"].to_numpy()
    p = df["p"].to_numpy()
    flag = p >= np.asarray(threshold)
    res: dict[str, Any] = {"human": int((y == 0).sum()), "llm": int((y == 1).sum())}
    res["auroc"] = float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None
    res["recall"] = float(flag[y == 1].mean()) if (y == 1).any() else None
    res["fpr"] = float(flag[y == 0].mean()) if (y == 0).any() else None
    return res


def twin_win_rate(df: pd.DataFrame) -> float | None:
    """Share of LLM rows that score above the human row of the same namespace."""
    human = df[df.label == 0].groupby("namespace")["p"].first()
    llm = df[df.label == 1]
    llm = llm[llm["namespace"].isin(human.index)]
    if llm.empty:
        return None
    twin = llm["namespace"].map(human).to_numpy()
    wins = (llm["p"].to_numpy() > twin).astype(float) + 0.5 * (llm["p"].to_numpy() == twin)
    return float(wins.mean())


def report(scored: pd.DataFrame, threshold: float) -> dict[str, Any]:
    """The figures of the module docstring for already scored rows."""
    judged = scored[scored["judged"]]
    out: dict[str, Any] = {
        "threshold": threshold,
        "rows": len(scored),
        "too_short": int((~scored["judged"]).sum()),
        "projects": int(scored["project"].nunique()),
        "all": rates(judged, threshold),
        "twin_win_rate": twin_win_rate(judged),
    }
    humans = judged[judged.label == 0]
    out["by_setting"] = {}
    for setting, g in judged[judged.label == 1].groupby("setting"):
        part = pd.concat([humans[humans["namespace"].isin(g["namespace"])], g])
        out["by_setting"][setting] = {
            **rates(part, threshold),
            "twin_win_rate": twin_win_rate(part),
        }
    out["by_generator"] = {}
    for gen, g in judged[judged.label == 1].groupby("generator"):
        part = pd.concat([humans[humans["namespace"].isin(g["namespace"])], g])
        out["by_generator"][gen] = rates(part, threshold)
    return out


def test_rows(work: Path) -> pd.DataFrame | None:
    """The paired functions of test projects in `work/paired.parquet`, or None without it."""
    path = work / "paired.parquet"
    if not path.exists():
        return None
    paired = pd.read_parquet(path)
    return paired[paired["split"] == "test"].reset_index(drop=True)


def report_probabilities(test: pd.DataFrame, p: Any, threshold: float) -> dict[str, Any]:
    """`report` for probabilities a training-side model gave `test` rows. Without the runtime's
    token count, spans under its default `minLines` are the ones left out."""
    nonblank = test["code"].map(lambda t: sum(1 for line in t.split("\n") if line.strip()))
    return report(test.assign(p=p, judged=nonblank >= MIN_LINES), threshold)


def evaluate(
    model_dir: Path, paired: pd.DataFrame, split: str = "test", threads: int = 1
) -> dict[str, Any]:
    """Score the `split` rows of a paired frame with a model folder and report."""
    from codeorigin.model.manifest import load_manifest

    rows = paired[paired["split"] == split] if split else paired
    if rows.empty:
        raise ValueError(f"no rows in split {split!r}")
    threshold = float(load_manifest(model_dir).thresholds.llm)
    scored = score_frame(model_dir, rows, threads=threads)
    result = report(scored, threshold)
    result["model"] = str(model_dir)
    result["split"] = split
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codeorigin_train.evaluation.paired")
    parser.add_argument("--model", default="models/default")
    parser.add_argument("--paired", default="training/work/paired.parquet")
    parser.add_argument("--split", default="test", help="train, val, test, or '' for all rows")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    result = evaluate(Path(args.model), pd.read_parquet(args.paired), args.split, args.threads)
    text = json.dumps(result, indent=1)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.evaluation.paired", main))
