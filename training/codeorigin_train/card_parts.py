"""What the model card's sections share: number formatting, metric tables, and the parts of the
metrics document that several sections read (`Card`)."""

from __future__ import annotations

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
    """The parts of the metrics document (`card_metrics.collect`) that several sections read."""

    m: dict[str, Any]

    @property
    def ch(self) -> dict[str, Any]:
        return dict(self.m["chosen"])

    @property
    def ex(self) -> dict[str, Any]:
        return dict(self.m["export"])

    @property
    def cal(self) -> dict[str, Any]:
        return dict(self.ch["calibration"])

    @property
    def held(self) -> dict[str, Any]:
        return dict(self.ch["heldout"])

    @property
    def base(self) -> dict[str, Any]:
        return dict(self.ch.get("baseline", {}))

    @property
    def ds(self) -> dict[str, Any]:
        return dict(self.m["dataset"])

    @property
    def lat(self) -> dict[str, Any]:
        return dict(self.ex["latency_ms_256_tokens_1_thread"])

    @property
    def scorer_kind(self) -> str:
        return "int8" if self.ex["int8_used"] else "fp32"

    @property
    def scratch(self) -> bool:
        """Whether the chosen variant is a scratch BPE recipe (its report carries the recipe)."""
        return "config" in self.ch and "vocab_size" in self.ch.get("config", {})

    @property
    def max_len(self) -> int:
        return int(self.ch.get("config", {}).get("max_length", 512))

    @property
    def srcs(self) -> list[str]:
        return list(self.ch.get("loso_sources", []))
