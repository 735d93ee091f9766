"""Builder for Back3474's AI/human program code set (one JSON array, despite its `.jsonl` name).

Each entry pairs one generator's answer with the human LeetCode solution of a problem in one
language; the human solution repeats across the seven generators and is yielded once. Group:
`back3474:<problem_number>` (the same problem in all three languages).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from codeorigin.core import languages
from codeorigin_train.data.records import HUMAN, HUMAN_GENERATOR, LLM, Record, read_raw

SOURCE = "back3474"
FOLDER = "Back3474+AI-Human-Generated-Program-Code-Dataset"


def read(root: Path) -> Iterator[Record]:
    """Distinct human solutions and every generator's answer."""
    seen: set[tuple[str, str]] = set()
    for path in sorted(root.glob("*.json*")):
        for entry in json.loads(read_raw(path)):
            lang = languages.canonical(str(entry.get("language", "")))
            if lang is None:
                continue
            group = f"back3474:{entry.get('problem_number', entry.get('id'))}"
            human = entry.get("human_generated_code")
            if isinstance(human, str) and (lang, human) not in seen:
                seen.add((lang, human))
                yield Record(human, HUMAN, lang, SOURCE, HUMAN_GENERATOR, group)
            ai, generator = entry.get("ai_generated_code"), entry.get("generator_name", "unknown")
            if isinstance(ai, str):
                yield Record(ai, LLM, lang, SOURCE, str(generator), group)
