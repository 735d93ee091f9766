"""Builder for isavita/advent_generated (`<language>/dayNN_partK_YYYY.<ext>`), LLM side only.

Advent of Code solutions (2015-2025) in ten languages, "most of the code here was created with the
help of various large language models" (its README), without saying which: read as LLM-written
(generator "mixed-unlabelled"), with label noise, so never a language's only LLM source. The
language is the file's extension. Group: `aoc:<year>:<day>`, both parts of a day together, shared
with any other source of Advent of Code solutions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from codeorigin.core import languages
from codeorigin_train.data.records import LLM, Record, read_raw

SOURCE = "advent-generated"
FOLDER = "isavita+advent_generated"
GENERATOR = "mixed-unlabelled"
_NAME_RE = re.compile(r"^day(?P<day>\d{1,2})_part(?P<part>\d)_(?P<year>\d{4})$")


def group(year: int | str, day: int | str) -> str:
    """The group of an Advent of Code day (`aoc:2015:1`)."""
    return f"aoc:{int(year)}:{int(day)}"


def read(root: Path) -> Iterator[Record]:
    """One LLM record per solution file in a scored language."""
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(folder.iterdir()):
            m = _NAME_RE.match(path.stem)
            lang = languages.from_path(path)
            if m is None or lang is None or not path.is_file():
                continue
            yield Record(
                read_raw(path), LLM, lang, SOURCE, GENERATOR, group(m.group("year"), m.group("day"))
            )
