"""Builder for ChatGPT-promises-and-pitfalls (`humanCode/**.py` vs `3.5turbo/**.py`).

The same relative file name holds a human program and gpt-3.5-turbo's program for the same task
(the prompt asked for commented code). Group: `promises:<relative name>`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from codeorigin.core import languages
from codeorigin_train.data.records import HUMAN, HUMAN_GENERATOR, LLM, Record, read_raw

SOURCE = "promises"
FOLDER = "mfawadakbar+ChatGPT-promises-and-pitfalls"
GENERATOR = "gpt-3.5-turbo"


def read(root: Path) -> Iterator[Record]:
    """Human and LLM files of every supported language, paired by relative name."""
    for sub, label, generator in (
        ("humanCode", HUMAN, HUMAN_GENERATOR),
        ("3.5turbo", LLM, GENERATOR),
    ):
        base = root / sub
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            lang = languages.from_path(path)
            if lang is None:
                continue
            group = f"promises:{path.relative_to(base).with_suffix('').as_posix()}"
            yield Record(read_raw(path), label, lang, SOURCE, generator, group)
