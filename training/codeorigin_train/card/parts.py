"""What the model card's sections share: number formatting, metric tables, and the parts of the
metrics document that several sections read (`Card`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def fmt(x: Any, nd: int = 3) -> str:
    if x is None:
        return "n/a"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if v != v:  # NaN
        return "n/a"
    return f"{v:.{nd}f}"


def mean_auroc(folds: dict[str, Any]) -> float | None:
    vals = [v["auroc"] for v in folds.values() if v.get("auroc") is not None]
    return sum(vals) / len(vals) if vals else None


def metric_rows(table: dict[str, dict[str, Any]]) -> list[str]:
    rows = [
        "| group | n | human | LLM | AUROC | accuracy | precision | recall | F1 | human FPR |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, m in table.items():
        rows.append(
            f"| {key} | {m['n']} | {m['n_human']} | {m['n_llm']} | {fmt(m['auroc'])} | {fmt(m['accuracy'])} | "
            f"{fmt(m['precision'])} | {fmt(m['recall'])} | {fmt(m['f1'])} | {fmt(m['fpr'])} |"
        )
    return rows


@dataclass(frozen=True)
class Card:
    """The parts of the metrics document (`card.metrics.collect`) that several sections read."""

    m: dict[str, Any]
    ch: dict[str, Any]  # the chosen run's report
    ex: dict[str, Any]  # its export record
    cal: dict[str, Any]
    held: dict[str, Any]
    base: dict[str, Any]  # the char n-gram baseline on the same rows (may be empty)
    ds: dict[str, Any]
    lat: dict[str, Any]
    scorer_kind: str
    scratch: bool  # a scratch BPE recipe (its report carries the recipe)
    max_len: int
    srcs: list[str]  # the leave-one-source-out sources

    @classmethod
    def of(cls, m: dict[str, Any]) -> Card:
        ch, ex = m["chosen"], m["export"]
        config = ch.get("config", {})
        return cls(
            m=m, ch=ch, ex=ex, cal=ch["calibration"], held=ch["heldout"],
            base=ch.get("baseline", {}), ds=m["dataset"], lat=ex["latency_ms_256_tokens_1_thread"],
            scorer_kind="int8" if ex["int8_used"] else "fp32",
            scratch="config" in ch and "vocab_size" in config,
            max_len=config.get("max_length", 512), srcs=ch.get("loso_sources", []),
        )  # fmt: skip


def section(*lines: str) -> tuple[list[str], Callable[[str], None]]:
    """A section's lines, starting with `lines` (its heading), and the function that adds one."""
    out = list(lines)
    return out, out.append
