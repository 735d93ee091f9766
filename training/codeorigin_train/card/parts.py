"""What the model card's sections share: number formatting, metric tables, and the parts of the
metrics document that several sections read (`Card`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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


def count(k: int, n: int) -> str:
    """`464 of 1,042 (44.5%)`, `2 of 869 (0.23%)`; `0 of 5,405`; `n/a` of none."""
    if not n:
        return "n/a"
    share = 100 * k / n
    return f"{k:,} of {n:,}" + (f" ({share:.{2 if share < 1 else 1}f}%)" if k else "")


LANGUAGE_NAMES = {
    "c": "C", "cpp": "C++", "go": "Go", "java": "Java", "javascript": "JavaScript", "php": "PHP",
    "python": "Python", "ruby": "Ruby", "rust": "Rust", "typescript": "TypeScript",
    "typescriptreact": "TSX",
}  # fmt: skip


def language(lang: str) -> str:
    """A language id as a reader writes it: `C++` for `cpp`."""
    return LANGUAGE_NAMES.get(lang, lang)


def short(name: str) -> str:
    """A protocol learner as a table names it: `stacked-uf` for `stacked-uf, shipped (...)`."""
    return name.split(" (")[0].split(",")[0]


@dataclass(frozen=True)
class Card:
    """The parts of the metrics document (`card.metrics.collect`) that several sections read,
    and the model folder's manifest (`manifest`, empty when the card is rendered without one)."""

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
    manifest: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, m: dict[str, Any], manifest: dict[str, Any] | None = None) -> Card:
        ch, ex = m["chosen"], m["export"]
        config = ch.get("config", {})
        return cls(
            m=m, ch=ch, ex=ex, cal=ch["calibration"], held=ch["heldout"],
            base=ch.get("baseline", {}), ds=m["dataset"], lat=ex["latency_ms_256_tokens_1_thread"],
            scorer_kind="int8" if ex["int8_used"] else "fp32",
            scratch="config" in ch and "vocab_size" in config,
            max_len=config.get("max_length", 512), srcs=ch.get("loso_sources", []),
            manifest=manifest or {},
        )  # fmt: skip

    def analysis(self, tool: str) -> dict[str, Any]:
        """The summary an analysis tool recorded (`analysis.<tool>`), or {}."""
        return (self.m.get("analysis") or {}).get(tool) or {}

    def shipped(self) -> tuple[str, dict[str, Any]] | None:
        """The protocol's learner that is the shipped model (name, results): the one
        `analysis.protocol.shipped` names, else the last (the protocol lists it last), or None
        when the protocol has not run on this model."""
        p = self.analysis("protocol")
        learners: dict[str, dict[str, Any]] = p.get("learners") or {}
        name = p.get("shipped") or next(reversed(learners), None)
        return (str(name), learners[name]) if name in learners else None


def section(*lines: str) -> tuple[list[str], Callable[[str], None]]:
    """A section's lines, starting with `lines` (its heading), and the function that adds one."""
    out = list(lines)
    return out, out.append
