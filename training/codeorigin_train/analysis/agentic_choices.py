"""What the agentic corpus' choices cost: the share of a function's lines a pull request must have
added (90%, 70%), whether test files count, a cap per pull request.

    python -m codeorigin_train.analysis.agentic_choices \\
        training/work/agentic.parquet training/work/agentic-0.7-tests.parquet ... \\
        --reference training/work/agentic.parquet --out training/work/agentic-choices.json

Each variant (a `codeorigin-train agentic` output) trains the character n-gram reference on its
rows of four fifths of the repositories (folds drawn by repository), and every variant is judged on
the same rows: the reference corpus' rows of the held-out fifth. So the figures compare what each
choice puts into training, not what it puts into the test. Reported: rows, agent functions, the
pooled AUROC and the recall on agent functions where 1% of the held-out humans are flagged (the
threshold read off the test humans themselves: a ceiling, to compare choices, not a shipped
figure).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.data.splits import unit
from codeorigin_train.evaluation.baseline import fit_baseline, predict_baseline

log = logging.getLogger(__name__)


def fold_of(repo: str, k: int, seed: int = 0) -> int:
    return int(unit(repo, seed) * k)


def judge(variant: pd.DataFrame, reference: pd.DataFrame, k: int = 5) -> dict[str, Any]:
    """The variant's rows train, the reference's held-out repositories judge, fold by fold."""
    from sklearn.metrics import roc_auc_score

    y_all, p_all = [], []
    for f in range(k):
        train = variant[variant["repo"].map(lambda r: fold_of(r, k)) != f]
        test = reference[reference["repo"].map(lambda r: fold_of(r, k)) == f]
        if train["label"].nunique() < 2 or test["label"].nunique() < 2:
            continue
        p_all.append(predict_baseline(fit_baseline(train), test["code"].tolist()))
        y_all.append(test["label"].to_numpy())
    y, p = np.concatenate(y_all), np.concatenate(p_all)
    thr = np.quantile(p[y == 0], 0.99)
    return {
        "rows": len(variant),
        "agent_functions": int((variant["label"] == 1).sum()),
        "test_agent": int((y == 1).sum()),
        "test_human": int((y == 0).sum()),
        "auroc": float(roc_auc_score(y, p)),
        "recall_at_1pct_test_fpr": float((p[y == 1] > thr).mean()),
    }


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    p = argparse.ArgumentParser(prog="python -m codeorigin_train.analysis.agentic_choices",
                                description=__doc__.split("\n\n")[0])  # fmt: skip
    p.add_argument("variants", nargs="+", type=Path)
    p.add_argument("--reference", type=Path, default=Path("training/work/agentic.parquet"))
    p.add_argument("--per-change-cap", type=int, default=0,
                   help="also judge the reference with at most this many functions per pull request")
    p.add_argument("--out", type=Path, default=Path("training/work/agentic-choices.json"))
    args = p.parse_args(argv)
    reference = pd.read_parquet(args.reference)
    variants = {str(v): pd.read_parquet(v) for v in args.variants}
    if args.per_change_cap:
        prs = reference["origin"] == "pr"
        capped = pd.concat([reference[~prs], reference[prs].groupby(["repo", "change"], sort=False)
                            .head(args.per_change_cap)])  # fmt: skip
        variants[f"{args.reference} (cap {args.per_change_cap} per change)"] = capped
    out = {}
    for name, frame in variants.items():
        t0 = time.perf_counter()
        out[name] = {**judge(frame, reference), "seconds": round(time.perf_counter() - t0, 1)}
        log.info("%s: %s", name, out[name])
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.analysis.agentic_choices", main))
