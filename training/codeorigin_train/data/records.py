"""The record every dataset builder yields, and the conventions for labels and groups.

A builder yields `Record`s with the raw code as its source stores it (`clean` makes the training
text). Groups name the problem a sample solves, by the problem's origin, not the source folder, so
the same MBPP task read from two repositories gets one group (`mbpp:11`), one side of a split;
sources without problem ids get one group per sample (`<source>:<index>`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HUMAN = 0
LLM = 1
HUMAN_GENERATOR = "human"


@dataclass(frozen=True)
class Record:
    """One sample as read from a source, before cleaning: `label` 1 for LLM-written code, 0 for
    human; `language` a `codeorigin.core.languages` id; `generator` the model name, or "human"."""

    code: str
    label: int
    language: str
    source: str
    generator: str
    group: str


@dataclass
class Counts:
    """What extracting functions from files kept and dropped, and why (for the build record): files
    read, files `skipped` by reason, and functions by what became of them (`spans`)."""

    files: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    spans: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {"files": self.files, "skipped": dict(self.skipped), "spans": dict(self.spans)}


def read_raw(path: Path) -> str:
    """A source file's text exactly as stored (no newline translation; bad bytes replaced)."""
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        return f.read()
