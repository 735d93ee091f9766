"""The command line of `codeorigin-train stack` (`export.stacked`): its options."""

from __future__ import annotations

import argparse
from pathlib import Path

from codeorigin_train.data.argtypes import fraction, whole_number


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="codeorigin-train stack", description="A stacked model folder: the transformer's ONNX files, the linear member and the stacker.")
    p.add_argument("--dataset", type=Path, required=True,
                   help="columns code,label,language,source,group,split")
    p.add_argument("--transformer", type=Path, default=Path("models/default"),
                   help="the transformer's model folder")
    p.add_argument("--out", type=Path, required=True,
                   help="the stacked model folder to write (one that holds a model: with --force)")
    p.add_argument("--force", action="store_true", help="replace the model already in --out")
    p.add_argument("--work", type=Path, default=Path("training/work/stacked"))
    p.add_argument("--name", default="codeorigin-stacked")
    p.add_argument("--folds", type=whole_number(2), default=5)
    p.add_argument("--c", type=float, default=1.0, help="the stacker's inverse regularisation")
    p.add_argument("--max-fpr", type=fraction, default=0.01)
    p.add_argument("--confidence", type=fraction, default=0.95)
    p.add_argument("--min-recall", type=float, default=0.30)
    p.add_argument("--threads", type=whole_number(), default=1)
    p.add_argument("--train-cap", type=whole_number(0), default=0,
                   help="at most N train rows per source and label outside the agentic corpus "
                   "and real-project code (the protocol reads 1500); 0: every row")
    p.add_argument("--crossfit-folds", type=whole_number(0), default=3,
                   help="cross-fit the linear member over the agentic train rows by repository "
                   "in K folds for the stacker and thresholds (0: validation rows only)")
    p.add_argument("--fragments", type=Path, default=None,
                   help="the lines the agentic changes added (`codeorigin-train agentic-fragments`) "
                   "as more training text for the linear member, those of its train repositories")
    p.add_argument("--unseen-source-humans", choices=["floor"], default=None,
                   help="also set the thresholds on each contest and exercise source's human "
                   "rows (train and validation) scored by a linear member fitted without that "
                   "source (`fit.unseen`), as a floor that raises each language's threshold "
                   "toward 1%% of them as far as its recall bar allows (the protocol's "
                   "`stacked-uf`)")
    p.add_argument("--project-route", type=float, default=None, metavar="FPR",
                   help="add a route for project code (`export.route`, with --agentic-route): "
                   "thresholds at FPR of the repository humans among the calibration rows (with "
                   "--confidence), for code a domain model reads as repository code; a span is "
                   "flagged when the stacker or the route would flag it")
    p.add_argument("--agentic-route", action="store_true",
                   help="with --project-route, which needs it: the route stacks the linear "
                   "member and the agentic member, the linear member's recipe on the agentic "
                   "corpus alone and its --fragments, cross-fitted on the same folds (the "
                   "protocol's `stacked-dr`; manifest format version 4: the route's members "
                   "folded into one of its own)")
    return p  # fmt: skip
