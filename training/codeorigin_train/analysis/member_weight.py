"""`codeorigin-train member-weight`: what a transformer member adds beside a linear member.

    codeorigin-train member-weight --pool training/work/pool-v5.parquet \\
        --linear-run training/work/stacked-v5/linear \\
        --transformers training/work/transformer training/work/transformer-v5

For each transformer folder: its logits, the linear run's and a stacker of the two (`fit.stacker`)
fitted on the pool's **validation** rows only, where every member is out of sample (a member
trained with `member --agentic-rows` has seen the agentic train repositories, so the cross-fitted
train rows a stack also reads would flatter it). Figures on the test rows: AUROC, on the agentic
rows pooled, and within a repository (the share of pairs of an agent's function and a person's
function of the same repository the agent's outscores), overall and per language; the stacker's
weights; the correlation of the two members' logits on the agentic test rows. The transformers'
logits are cached beside each folder's work (`--work`). Printed as JSON, and written to `--out`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.analysis.common import emit_json
from codeorigin_train.data.inputs import model_folder, read_parquet

AGENTIC = "aidev"


def within_pairs(rows: pd.DataFrame, column: str) -> float | None:
    """The share of (agent, person of the same repository) pairs the agent's row outscores."""
    from codeorigin_train.evaluation.within import pair_share

    return pair_share(rows[rows["source"] == AGENTIC], column, key="group")[0]


def figures(test: pd.DataFrame, column: str) -> dict[str, Any]:
    from codeorigin_train.export.stacked import auroc

    agentic = test[test["source"] == AGENTIC]
    return {"test_auroc": auroc(test["label"].to_numpy(), test[column].to_numpy()),
            "agentic_auroc": auroc(agentic["label"].to_numpy(), agentic[column].to_numpy()),
            "within_pairs": within_pairs(test, column),
            "within_pairs_by_language": {str(lang): within_pairs(g, column)
                                         for lang, g in test.groupby("language")}}  # fmt: skip


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from codeorigin_train.export.stack_rows import training_frame
    from codeorigin_train.export.stacked import transformer_logits
    from codeorigin_train.fit.stacker import fit_stacker
    from codeorigin_train.variants import registry

    pool = read_parquet(args.pool, "--pool", hint="`codeorigin-train protocol --pool-only`")
    rows = training_frame(pool.reset_index(drop=True), args.train_cap)
    rows = rows[rows["split"].isin(["val", "test"])].reset_index(drop=True)
    linear = registry.get("linear")
    linear.load(args.linear_run)  # type: ignore[attr-defined]
    rows["linear"] = linear.predict_logits(rows["code"].tolist(), rows["language"].tolist())  # type: ignore[call-arg]
    val, test = rows[rows["split"] == "val"], rows[rows["split"] == "test"]
    out: dict[str, Any] = {"linear": figures(test, "linear")}
    for folder in args.transformers:
        cache = args.work / f"{folder.name}-logits.parquet"
        z = transformer_logits(folder, rows["code"].tolist(), cache)
        val, test = val.assign(t=z[val.index]), test.assign(t=z[test.index])
        members = {"transformer": val["t"].to_numpy(), "linear": val["linear"].to_numpy()}
        fit = fit_stacker(members, val["language"].tolist(), val["label"], val["group"])
        stacked = fit.logits({"transformer": test["t"].to_numpy(), "linear": test["linear"].to_numpy()},
                             test["language"].tolist())  # fmt: skip
        agentic = test[test["source"] == AGENTIC]
        out[str(folder)] = {
            "alone": figures(test, "t"),
            "stacked": {"weights": fit.weights, **figures(test.assign(s=stacked), "s")},
            "correlation_with_linear": float(np.corrcoef(agentic["t"], agentic["linear"])[0, 1]),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="codeorigin-train member-weight",
                                description=__doc__.split("\n\n")[0])  # fmt: skip
    p.add_argument("--pool", type=Path, required=True, help="the protocol's pool (parquet)")
    p.add_argument("--linear-run", type=Path, required=True,
                   help="a stack's linear run folder (WORK/linear of `codeorigin-train stack`)")
    p.add_argument("--transformers", type=Path, nargs="+", required=True,
                   help="transformer folders (`member`, `ship`) or stacked ones")
    p.add_argument("--train-cap", type=int, default=1500)
    p.add_argument("--work", type=Path, default=Path("training/work/member-weight"))
    p.add_argument("--out", type=Path, default=None, help="write the JSON here too")
    args = p.parse_args(argv)
    for folder in args.transformers:
        model_folder(folder, "--transformers")
    args.work.mkdir(parents=True, exist_ok=True)
    return emit_json(measure(args), args.out)


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.analysis.member_weight", main))
