"""`codeorigin-train fragment-pairs`: model folders on the agentic fragments of the test
repositories, agents' against people's of the same repository, by where a fragment sits.

    codeorigin-train fragment-pairs --fragments training/work/fragments-both.parquet \\
        --models models/default models/candidate

A fragment (`agentic-fragments`) is a run of lines one change added; its `kind` says whether it
sits in a function the change edited, in a new function, or outside every function. Each model
scores the test split's fragments in every language (`evaluation.language_thresholds.
judged_probabilities(every_language=True)`; a fragment the runtime would call too short is left
out), and for each kind the pooled within-repository pairs are counted: the share of (agent's
fragment, person's fragment of the same repository) pairs the agent's outscores. Printed as
JSON, and written to `--out`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from codeorigin_train.analysis.common import emit_json
from codeorigin_train.data.inputs import model_folder, read_parquet

KINDS = ("edited", "new", "outside")


def pairs_by_kind(scored: pd.DataFrame) -> dict[str, Any]:
    """Per kind: agents' and people's fragments and the within-repository pair share."""
    from codeorigin_train.evaluation.within import pair_share

    out = {}
    for kind in KINDS:
        rows = scored[(scored["kind"] == kind) & scored["p"].notna()]
        share, pairs = pair_share(rows)
        out[kind] = {"agents": int((rows["label"] == 1).sum()),
                     "people": int((rows["label"] == 0).sum()),
                     "pairs": pairs, "within_pairs": share}  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    from codeorigin_train.evaluation.language_thresholds import judged_probabilities

    p = argparse.ArgumentParser(prog="codeorigin-train fragment-pairs",
                                description=__doc__.split("\n\n")[0])  # fmt: skip
    p.add_argument("--fragments", type=Path, required=True,
                   help="`codeorigin-train agentic-fragments` output (with its `kind` column)")
    p.add_argument("--models", type=Path, nargs="+", required=True, help="model folders")
    p.add_argument("--split", default="test", help="the corpus split to read (default: test)")
    p.add_argument("--out", type=Path, default=None, help="write the JSON here too")
    args = p.parse_args(argv)
    for folder in args.models:
        model_folder(folder, "--models")
    frame = read_parquet(args.fragments, "--fragments", hint="`codeorigin-train agentic-fragments`")
    if "kind" not in frame:
        raise SystemExit("--fragments: no `kind` column; build it again with agentic-fragments")
    rows = frame[frame["split"] == args.split]
    result = {}
    for folder in args.models:
        parts = [g.assign(p=judged_probabilities(folder, g["code"].tolist(), str(lang),
                                                 every_language=True))
                 for lang, g in rows.groupby("language")]  # fmt: skip
        result[str(folder)] = pairs_by_kind(pd.concat(parts) if parts else rows.assign(p=[]))
    return emit_json(result, args.out)


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.analysis.fragment_pairs", main))
