"""`python -m codeorigin_train.analysis.gpu_bakeoff`: record the GPU bake-off, its CPU students and
the runtime's judgement of model folders on its held-out rows in a model folder's `metrics.json`
(`analysis.gpu_bakeoff`) and card (`card.gpu`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from codeorigin_train.analysis.record import record
from codeorigin_train.card.gpu import TOOL, summary


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m codeorigin_train.analysis.gpu_bakeoff")
    p.add_argument("--model", type=Path, default=Path("models/default"))
    p.add_argument("--work", type=Path, default=Path("training/work"))
    p.add_argument("--students", nargs="*", default=[], help="run names under WORK/runs")
    args = p.parse_args(argv)
    g = summary(args.work, args.students)
    if g is None:
        raise SystemExit(f"no {args.work}/bakeoff/*/bakeoff.json: run the GPU bake-off first")
    record(args.model, TOOL, g)
    print(f"recorded the GPU bake-off in {args.model}/metrics.json and its card")
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.analysis.gpu_bakeoff", main))
