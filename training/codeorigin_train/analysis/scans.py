"""Scans of code never trained, calibrated or tuned on, recorded in a model folder's card
(`codeorigin-train scans`):

    (cd /usr/lib/python3.11 && codeorigin scan . --model $PWD/models/default --no-config \\
        --exclude test --exclude idlelib --exclude site-packages --format json --exit-zero \\
        -o /tmp/stdlib.json)
    codeorigin-train scans --card models/default \\
        --scan "Python 3.11's standard library, 845 files=/tmp/stdlib.json"

Each `--scan LABEL=FILE` is a `codeorigin scan --format json` report of that folder's model: its
judged functions (verdict `llm`, `uncertain` or `human`; `too_short` and `not_judged` are not
judged), those flagged and those uncertain go under `analysis.scans` with the date, in place of a
scan of the same label; the others are kept, but for those named by `--drop LABEL`. The card's headline rows "scanned: ..." are these.
"""

from __future__ import annotations

import argparse
import datetime
import json
from collections import Counter
from pathlib import Path
from typing import Any

from codeorigin.report.tallies import JUDGED
from codeorigin_train.data.inputs import InputError, model_folder

SOURCE = (
    "`codeorigin scan` of code never trained, calibrated or tuned on, default settings (no "
    "project configuration); judged functions (`codeorigin-train scans`)"
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="codeorigin-train scans", description=__doc__.split("\n\n")[0])
    p.add_argument("--card", type=Path, required=True, help="the model folder the scans are of")
    p.add_argument("--scan", action="append", required=True, metavar="LABEL=FILE",
                   help="a `codeorigin scan --format json` report and the card's name for it")  # fmt: skip
    p.add_argument("--drop", action="append", default=[], metavar="LABEL",
                   help="a recorded scan that no longer holds (its code or files changed)")  # fmt: skip
    return p


def counted(label: str, path: Path) -> dict[str, Any]:
    """One report's judged, flagged and uncertain functions; `InputError` if it is not one."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        verdicts = Counter(s["verdict"] for f in report["files"] for s in f["spans"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"--scan {path}: not a `codeorigin scan --format json` report ({exc})"
        ) from None
    return {"code": label, "n": sum(verdicts[v] for v in JUDGED), "flagged": verdicts["llm"],
            "uncertain": verdicts["uncertain"],
            "measured": datetime.date.today().isoformat()}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    from codeorigin_train.analysis.record import record

    args = parser().parse_args(argv)
    folder = model_folder(args.card, "--card")
    got = []
    for item in args.scan:
        label, sep, file = item.rpartition("=")
        if not sep or not label:
            raise SystemExit(f"--scan {item!r}: give LABEL=FILE")
        got.append(counted(label, Path(file)))
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    before = ((metrics.get("analysis") or {}).get("scans") or {}).get("scans") or []
    unknown = sorted(set(args.drop) - {s.get("code") for s in before})
    if unknown:
        raise SystemExit(f"--drop {unknown[0]!r}: no such scan in {folder}/metrics.json")
    labels = {s["code"] for s in got} | set(args.drop)
    kept = [s for s in before if s.get("code") not in labels]
    order = [s.get("code") for s in before]
    # a new scan takes the place of the first one dropped (it is its successor), else the end
    last = order.index(args.drop[0]) if args.drop else len(order)
    scans = sorted([*kept, *got], key=lambda s: (order.index(s["code"]) if s["code"] in order
                                                 else last))  # fmt: skip
    record(folder, "scans", {"source": SOURCE, "scans": scans})
    for s in got:
        print(f"{s['code']}: {s['flagged']} of {s['n']:,} judged functions flagged, "
              f"{s['uncertain']} uncertain")  # fmt: skip
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.analysis.scans", main))
