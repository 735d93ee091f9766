"""`codeorigin-train change-verdict`: calibrate a whole change's verdict
(`evaluation/change_verdict.py`), write it into the model's manifest and its figures into the
model card (`analysis.change_verdict` of `metrics.json`, the card's change section).

    codeorigin-train change-verdict --model models/default
"""

from __future__ import annotations

import json
import sys

from codeorigin_train.analysis.record import record
from codeorigin_train.card.change_verdict import TOOL
from codeorigin_train.evaluation import change_verdict


def main(argv: list[str] | None = None) -> int:
    args = change_verdict.parse_args(argv)
    if not (args.model / "manifest.json").is_file():
        print(f"codeorigin-train change-verdict: {args.model}: no manifest.json", file=sys.stderr)
        return 2
    if not (args.data / "index.jsonl").is_file():
        print(f"codeorigin-train change-verdict: {args.data}: no index.jsonl", file=sys.stderr)
        return 2
    summary = change_verdict.run(args)
    if not args.dry_run and (args.model / "metrics.json").is_file():
        record(args.model, TOOL, summary)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.analysis.change_verdict", main))
