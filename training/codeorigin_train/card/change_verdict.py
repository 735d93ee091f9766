"""The model card's section on a whole change's verdict (`evaluation/change_verdict.py`).

Rendered from `analysis.change_verdict` of `metrics.json` (`codeorigin-train change-verdict`):
the model it was measured on and when, the rule, what it was calibrated on, the change-level
recall at <= 1% human false positives next to the per-function figure on the same spans (both
cross-fitted by repository), and what the shipped calibration does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from codeorigin_train.card.parts import pct

TOOL = "change_verdict"
HEADING = "## A whole change's verdict: agents' pull requests against human commits"


def _row(name: str, cross: dict[str, Any], at_span: dict[str, Any]) -> str:
    auroc = "n/a" if cross.get("auroc") is None else f"{cross['auroc']:.3f}"
    return (
        f"| {name} | {cross['n_human']} | {cross['n_llm']} | {auroc} | {pct(cross['recall'])} "
        f"({pct(cross['fpr'])}) | {pct(at_span['recall'])} ({pct(at_span['fpr'])}) |"
    )


def body(s: dict[str, Any], add: Callable[[str], None]) -> None:
    """The section's lines after its heading."""
    f = s["figures"]
    n = s["changes"]
    if s.get("model"):
        add(f"Measured on the model `{s['model']}` ({s.get('measured', 'date not recorded')}).\n")
    else:
        add("The record does not name the model it was measured on (records written before "
            "2026-11-27 do not): it may be of an earlier model of this folder.\n")  # fmt: skip
    add(
        "`codeorigin scan --diff` gives a change one probability: the calibrated log-odds of its "
        "judged spans, averaged with each span weighted by the lines the change touched, through "
        "`sigmoid(a · z + b)` (`codeorigin.core.change`). `codeorigin-train change-verdict` fits it "
        f"on {n['llm']} merged pull requests of coding agents (Codex, Devin, Copilot) and "
        f"{n['human']} dated human commits (before 2021-07-01) of the same {f['repositories']} "
        "repositories (`SAILResearch+AI_Teammates_in_SE3`), each patch run through the runtime's "
        "own `--diff-file` logic over its post-images, so exactly the spans `scan --diff` judges "
        "are pooled. Figures are cross-fitted by repository (two folds: the threshold for <= 1% "
        "human false positives is set on one fold and measured on the other, both ways); the "
        "per-function rows are the same spans judged one by one (all of them, and those the change "
        "mostly wrote).\n"
    )
    add("| unit | human | agent | AUROC | recall at <= 1% human FPR (FPR reached) "
        "| at the span threshold: recall (FPR) |")  # fmt: skip
    add("|---|---:|---:|---:|---:|---:|")
    add(_row("changes (pooled)", f["changes"], f["changes_at_span_threshold"]))
    add(_row("functions", f["functions"], f["functions_at_span_threshold"]))
    if "functions_written" in f:
        add(_row("functions the change wrote (>= half their lines)", f["functions_written"],
                 f["functions_written_at_span_threshold"]))  # fmt: skip
    skipped = f["skipped"]
    add(
        f"\n{skipped['no_judged_span']} changes had no span long enough to judge and "
        f"{skipped['patch_does_not_apply']} patches did not apply; they are left out.\n"
    )
    if s.get("informative", True):
        add(
            f"Shipped calibration: a = {s['a']:.3f}, b = {s['b']:.3f}; a change is flagged from "
            f"{pct(s['llm'])} (uncertain from {pct(s['uncertain'])}), the thresholds at "
            f"{pct(s['max_fpr'])} and {pct(s['uncertain_fpr'])} of these human commits.\n"
        )
    else:
        add(
            "**On these changes the pooled evidence carries no signal**: an agent's change does "
            "not score higher than a human commit (AUROC about 0.5), change by change or function "
            "by function. The fitted calibration is therefore flat (a = 0, b = "
            f"{s['b']:.3f}): every change gets {pct(1 / (1 + math.exp(-s['b'])))}, the share of "
            "agent changes in the calibration set, and none is flagged. The change verdict "
            "repeats what the card says of real-project code: the model measured does not "
            "recognise what coding agents write in real repositories; do not read its change "
            "probability as evidence.\n"
        )
