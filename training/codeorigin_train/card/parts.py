"""What the model card's sections share: number formatting and `Card`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def fmt(x: Any, nd: int = 3, none: str = "n/a") -> str:
    """A number with `nd` decimals; `none` of None and NaN."""
    if x is None:
        return none
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if v != v:  # NaN
        return none
    return f"{v:.{nd}f}"


def pct(x: Any, none: str = "n/a") -> str:
    """A share as a percentage with one decimal: `12.5%`; `none` of None."""
    return none if x is None else f"{100 * float(x):.1f}%"


def count(k: int, n: int) -> str:
    """`464 of 1,042 (44.5%)`, `2 of 869 (0.23%)`; `0 of 5,405`; `n/a` of none."""
    if not n:
        return "n/a"
    share = 100 * k / n
    return f"{k:,} of {n:,}" + (f" ({share:.{2 if share < 1 else 1}f}%)" if k else "")


LANGUAGE_NAMES = {
    "c": "C", "cpp": "C++", "go": "Go", "java": "Java", "javascript": "JavaScript", "php": "PHP",
    "python": "Python", "ruby": "Ruby", "rust": "Rust", "typescript": "TypeScript",
    "typescriptreact": "TSX", "csharp": "C#", "kotlin": "Kotlin", "swift": "Swift",
}  # fmt: skip


def and_list(items: list[str]) -> str:
    """`a, b and c`."""
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


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
    cal: dict[str, Any]
    held: dict[str, Any]
    ds: dict[str, Any]
    lat: dict[str, Any]  # the export record's latency
    max_len: int
    manifest: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, m: dict[str, Any], manifest: dict[str, Any] | None = None) -> Card:
        ch = m["chosen"]
        return cls(
            m=m, ch=ch, cal=ch["calibration"], held=ch["heldout"], ds=m["dataset"],
            lat=m["export"]["latency_ms_256_tokens_1_thread"],
            max_len=ch.get("config", {}).get("max_length", 512), manifest=manifest or {},
        )  # fmt: skip

    def judged(self) -> list[str]:
        """The languages the model judges: its own thresholds and no abstention."""
        thresholds = (self.manifest.get("thresholds") or {}).get("languages") or {}
        abstain = self.manifest.get("abstain") or {}
        return sorted(lang for lang in thresholds if lang not in abstain)

    def analysis(self, tool: str) -> dict[str, Any]:
        """The summary an analysis tool recorded (`analysis.<tool>`), or {}."""
        return (self.m.get("analysis") or {}).get(tool) or {}

    def shipped(self) -> tuple[str, dict[str, Any]] | None:
        """(name, results) of the protocol's shipped learner: the one `analysis.protocol.shipped`
        names, else the last; None when the protocol has not run."""
        p = self.analysis("protocol")
        learners: dict[str, dict[str, Any]] = p.get("learners") or {}
        name = p.get("shipped") or next(reversed(learners), None)
        return (str(name), learners[name]) if name in learners else None


def section(*lines: str) -> tuple[list[str], Callable[[str], None]]:
    """A section's lines, starting with `lines` (its heading), and the function that adds one."""
    out = list(lines)
    return out, out.append
