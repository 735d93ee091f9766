"""A model folder's reference margin (`codeorigin.core.reference`, `fit.reference`), written
into its manifest as `thresholds.reference`:

    codeorigin-train reference --model models/candidate --pool training/work/pool-v5.parquet

The folder scores the agentic corpus' validation repositories in every language, as `codeorigin
calibrate` scores a user's repository (no member trained on them; a stacker's weights and
thresholds were fitted on them); each repository's functions of a language, where it has enough,
set the median the margin is measured from, and the margin is bounded on their people with the
repositories as the sample. The folder's scores and verdicts do not change: only `codeorigin
calibrate` reads the margin. `protocol --parts within` measures it on the test repositories.
About 3 minutes on 2 cores (scoring 7,000 functions).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

from codeorigin.core import reference
from codeorigin.model.manifest import load_manifest, write_manifest
from codeorigin_train.data.argtypes import fraction, whole_number
from codeorigin_train.data.inputs import model_folder, read_parquet
from codeorigin_train.evaluation.protocol import FolderLearner
from codeorigin_train.fit import reference as fit_reference

log = logging.getLogger(__name__)

SPLIT = "val"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="codeorigin-train reference",
        description="Bound a model folder's reference margin (a threshold above a repository's "
        "own median) on held-out repositories' people and write it into its manifest.",
    )  # fmt: skip
    p.add_argument("--model", type=Path, required=True,
                   help="the model folder to measure and update")  # fmt: skip
    p.add_argument("--pool", type=Path, default=Path("training/work/pool-v5.parquet"),
                   help="the protocol's pool: its agentic rows of the validation split are used")  # fmt: skip
    p.add_argument("--min-functions", type=whole_number(2), default=reference.MIN_FUNCTIONS,
                   help="judged functions of a language a repository needs for a reference")  # fmt: skip
    p.add_argument("--max-fpr", type=fraction, default=fit_reference.MAX_FPR)
    p.add_argument("--confidence", type=fraction, default=fit_reference.CONFIDENCE)
    p.add_argument("--dry-run", action="store_true", help="measure and print, write nothing")
    return p


def calibration_rows(pool_path: Path) -> Any:
    """The agentic corpus' judged rows of the validation repositories."""
    pool = read_parquet(pool_path, "--pool", columns=["code", "label", "language", "repo",
                                                      "split", "source", "judged"])  # fmt: skip
    rows = pool[(pool["source"] == "aidev") & pool["judged"] & (pool["split"] == SPLIT)]
    if rows.empty:
        raise SystemExit(f"--pool {pool_path}: no judged agentic rows of the {SPLIT} split")
    return rows


def measure(args: argparse.Namespace) -> dict[str, Any]:
    folder = model_folder(args.model, "--model")
    rows = calibration_rows(args.pool)
    started = time.perf_counter()
    learner = FolderLearner(folder, every_language=True)
    scored = rows.assign(p=learner.probabilities(rows))
    log.info("scored %d rows of %d repositories in %.0f s", len(rows), rows["repo"].nunique(),
             time.perf_counter() - started)  # fmt: skip
    got = fit_reference.fit_margin(scored, min_functions=args.min_functions,
                                   max_fpr=args.max_fpr, confidence=args.confidence)  # fmt: skip
    got["calibrated_on"] = (f"people of the agentic corpus' {SPLIT} repositories "
                            f"({args.pool.name}), every language, the repositories as the "
                            "sample")  # fmt: skip
    got["calibration_rates"] = fit_reference.rates(scored, got["margin"], args.min_functions)["all"]
    got["seconds"] = round(time.perf_counter() - started, 1)
    return got


def write(folder: Path, got: dict[str, Any]) -> Path:
    """`got` as the manifest's `thresholds.reference`; the rest of the manifest as it was."""
    raw = dict(load_manifest(folder).raw)
    raw["thresholds"] = {**raw.get("thresholds", {}), "reference": got}
    return write_manifest(folder, raw)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    got = measure(args)
    print(json.dumps(got, indent=2))
    if not args.dry_run:
        path = write(args.model, got)
        print(f"codeorigin-train reference: wrote thresholds.reference (margin "
              f"{got['margin']:+.3f}) into {path}")  # fmt: skip
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.export.reference", main))
