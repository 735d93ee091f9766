"""Would a threshold of its own for repository code catch agents' code safely? A measurement on
the protocol's scores, no training.

    codeorigin-train repository-threshold --scores training/work/protocol-uf/stacked-uf-scores.parquet \\
        --out training/work/repository-threshold.json

The shipped thresholds are set so that the human code of contest and exercise sources is flagged
at most 1% of the time, and at them no agent function is flagged leaving one agent out. Repository
code might afford a lower threshold: the shipped model flags none of the held-out real-project
human functions. Per language, this reads the threshold that flags at most `--max-fpr` of the
held-out human functions of repositories (the main split's test rows of `realcode`, dated before
2021, and of the agentic test repositories) with `--confidence` (the same bound as the shipped
thresholds, `fit.calibrate.threshold_at_fpr`), then applies it to the leave-one-agent-out rows:
each held-out agent's functions, and the human functions of that agent's repositories. Each
fold's model is calibrated like the main one, so its probabilities are on the same scale (an
approximation: the folds' models differ).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pandas as pd

from codeorigin_train.data.inputs import output_path, read_parquet
from codeorigin_train.fit.calibrate import threshold_at_fpr

REPOSITORY_SOURCES = ("realcode", "aidev")


def measure(
    scores: pd.DataFrame, max_fpr: float = 0.01, confidence: float = 0.95
) -> dict[str, Any]:
    """{language: threshold, its held-out repository humans, and per held-out agent its flagged
    functions and its repositories' flagged humans} for each language with such humans."""
    main = scores[(scores["part"] == "main") & scores["source"].isin(REPOSITORY_SOURCES)]
    loao = scores[scores["part"] == "loao"]
    out: dict[str, Any] = {}
    for language, rows in main[main["label"] == 0].groupby("language"):
        threshold = threshold_at_fpr(rows["p"].to_numpy(), max_fpr, confidence)
        agents: dict[str, Any] = {}
        for agent, fold in loao[loao["language"] == language].groupby("fold"):
            made, human = fold[fold["label"] == 1]["p"], fold[fold["label"] == 0]["p"]
            agents[str(agent)] = {
                "agent_functions": len(made),
                "agent_flagged": int((made >= threshold).sum()),
                "human_functions": len(human),
                "human_flagged": int((human >= threshold).sum()),
            }
        out[str(language)] = {
            "threshold": round(threshold, 4),
            "repository_humans": len(rows),
            "leave_one_agent_out": agents,
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="codeorigin-train repository-threshold", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--scores", type=Path, required=True,
                        help="the protocol's scores (columns label, language, source, part, fold, p)")  # fmt: skip
    parser.add_argument("--max-fpr", type=float, default=0.01)
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--out", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.out is not None:
        output_path(args.out)
    scores = read_parquet(args.scores, "the protocol's scores", hint="codeorigin-train protocol",
                          columns=["label", "language", "source", "part", "fold", "p"])  # fmt: skip
    result = measure(scores, args.max_fpr, args.confidence)
    text = json.dumps(result, indent=2)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.analysis.repository_threshold", main))
