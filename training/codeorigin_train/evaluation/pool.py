"""A model folder judged through the runtime on the rows that the GPU bake-off holds out
(`backbone.bakeoff.build_pool`), so a shipped model, a candidate and the bake-off's arms are
compared on the same texts:

- `test`: the dataset's test split (the bake-off frame's test rows);
- `realcode`: dated real-project human functions of test projects (false-positive rate, also
  per language: `realcode_by_language`);
- `paired`: paired real-project functions of test projects (human and LLM bodies);
- `generated`: the SmolLM2 bodies of test projects against those projects' human functions.

Texts are scored as `codeorigin scan` scores them (every window, calibration) and judged at the
model's thresholds, each language at its own where the manifest gives one; spans the runtime would
call `too_short` (its own rule: statement lines and tokens of the span's content) are left out.

    python -m codeorigin_train.evaluation.pool --model models/default --work training/work \\
        --generated training/work/generated.parquet --out training/work/pool-eval-default.json
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.evaluation.language_thresholds import judged_probabilities
from codeorigin_train.evaluation.paired import rates as paired_rates

log = logging.getLogger(__name__)

ROLES = {
    "test": lambda p: (p["role"] == "frame") & (p["split"] == "test"),
    "realcode": lambda p: p["role"] == "heldout-realcode",
    "paired": lambda p: p["role"] == "heldout-paired",
    "generated": lambda p: p["role"].isin(["heldout-generated", "heldout-realcode"]),
}


def rates(scored: pd.DataFrame) -> dict[str, Any]:
    """AUROC, recall and FPR at each row's threshold, over judged rows."""
    judged = scored[scored["judged"]]
    return {"rows": len(scored), "judged": len(judged),
            **paired_rates(judged, judged["threshold"].to_numpy())}  # fmt: skip


def evaluate(model_dir: Path, pool: pd.DataFrame) -> dict[str, Any]:
    """Score the held-out rows of `pool` with `model_dir`; the figures per role."""
    from codeorigin.model.manifest import load_manifest

    thresholds = load_manifest(model_dir).thresholds
    wanted = np.zeros(len(pool), dtype=bool)
    for pick in ROLES.values():
        wanted |= pick(pool).to_numpy()
    scored = pool[wanted].drop_duplicates("key").reset_index(drop=True)
    scored["p"] = np.nan
    for language, g in scored.groupby("language"):  # judged as `codeorigin scan` judges a span
        scored.loc[g.index, "p"] = judged_probabilities(
            model_dir, g["code"].tolist(), str(language)
        )
    scored["judged"] = scored["p"].notna()
    scored["threshold"] = [thresholds.for_language(lang)[0] for lang in scored["language"]]
    out: dict[str, Any] = {"model": str(model_dir), "threshold": float(thresholds.llm)}
    for role, pick in ROLES.items():
        part = scored[pick(scored).to_numpy()]
        if not part.empty:
            out[role] = rates(part)
            log.info("%s: %s", role, out[role])
    real = scored[ROLES["realcode"](scored).to_numpy()]
    out["realcode_by_language"] = {lang: rates(g) for lang, g in real.groupby("language")}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m codeorigin_train.evaluation.pool", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--model", type=Path, default=Path("models/default"))
    p.add_argument("--work", type=Path, default=Path("training/work"))
    p.add_argument("--generated", type=Path, default=None)
    p.add_argument("--realcode", type=int, default=6000, help="as the bake-off was run")
    p.add_argument("--paired", type=int, default=2, help="as the bake-off was run")
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    from codeorigin_train.backbone.bakeoff import build_pool

    pool = build_pool(
        args.work, realcode=args.realcode, paired=args.paired, generated=args.generated
    )
    result = evaluate(args.model, pool)
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.evaluation.pool", main))
