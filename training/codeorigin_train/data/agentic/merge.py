"""The agentic rows into a dataset, with caps so that no repository or agent dominates.

    codeorigin-train agentic-merge --dataset training/work/dataset-v3.parquet \\
        --agentic training/work/agentic.parquet --out training/work/dataset-v4.parquet

At most `Caps` rows per repository and origin, a seeded draw; then the dataset's rows and the
capped ones are deduplicated together, the dataset's first, and every row keeps its split.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from codeorigin_train.data.agentic.build import PROVENANCE, write_rows
from codeorigin_train.data.clean import deduplicate
from codeorigin_train.data.inputs import output_path, read_parquet
from codeorigin_train.data.splits import capped

log = logging.getLogger(__name__)


class Caps(NamedTuple):
    """At most this many rows of one repository, by origin; the draw's seed."""

    pr: int = 60
    commit: int = 60
    snapshot: int = 120
    seed: int = 0


def cap(agentic: pd.DataFrame, caps: Caps) -> pd.DataFrame:
    """At most `caps.<origin>` rows per (repository, origin), a deterministic draw."""
    parts = [capped(g, ["repo"], getattr(caps, str(origin)), caps.seed)
             for origin, g in agentic.groupby("origin", sort=True)]  # fmt: skip
    return pd.concat(parts).sort_index() if parts else agentic


def merge(dataset: pd.DataFrame, agentic: pd.DataFrame, caps: Caps) -> tuple[pd.DataFrame, dict]:
    """The dataset with the capped agentic rows, deduplicated across every source."""
    kept_rows = cap(agentic, caps)
    both = pd.concat([dataset.assign(_agentic=False), kept_rows.assign(_agentic=True)],
                     ignore_index=True)  # fmt: skip
    kept, stats = deduplicate(both)
    record = {
        "caps": caps._asdict(),
        "agentic_read": len(agentic),
        "agentic_after_caps": len(kept_rows),
        "agentic_kept": int(kept["_agentic"].sum()),
        "dataset_kept": int((~kept["_agentic"]).sum()),
        "dedup": stats.__dict__,
    }
    return kept.drop(columns="_agentic").reset_index(drop=True), record


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    p = argparse.ArgumentParser(
        prog="codeorigin-train agentic-merge", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--dataset", type=Path, required=True)
    p.add_argument("--agentic", type=Path, default=Path("training/work/agentic.parquet"))
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    caps = Caps()
    output_path(args.out)  # before the merge, not after it
    hint = "e.g. dataset-v3: `python -m codeorigin_train.data.build --realcode ...` writes it"
    dataset = read_parquet(args.dataset, "--dataset", hint=hint)
    agentic = read_parquet(args.agentic, "--agentic", hint="`codeorigin-train agentic` writes it")
    df, record = merge(dataset, agentic, caps)
    for col in PROVENANCE:
        if col not in df:
            df[col] = None
    write_rows(df, args.out, record)
    print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.data.agentic.merge", main))
