"""Builder for codealpaca (`data/new_codealpaca.json`: instruction, input, output), LLM side only.

The answers (an OpenAI model, 2023) carry no language field: a sample's language is the supported
one the instruction names or its fence is tagged with; of several, the one whose parse has the
fewest errors. Whether the text is code at all is left to `clean.clean_code`. One group per sample.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from codeorigin.core import languages
from codeorigin_train.data.clean import error_line_fraction, extract_code
from codeorigin_train.data.records import LLM, Record, read_raw

SOURCE = "codealpaca"
FOLDER = "sahil280114+codealpaca"
GENERATOR = "openai-2023 (codealpaca)"

# Names in instructions, per canonical id. "C" and "Go" are matched case-sensitively: as words
# they are too common otherwise.
_MENTIONS: dict[str, re.Pattern[str]] = {
    "python": re.compile(r"\bpython\b|\bflask\b|\bdjango\b|\bpandas\b", re.I),
    "java": re.compile(r"\bjava\b(?!\s*script)", re.I),
    "javascript": re.compile(
        r"\bjavascript\b|\bnode(?:\.?js)?\b|\bjs\b|\breact\b|\bexpress(?:\.js)?\b", re.I
    ),
    "typescript": re.compile(r"\btypescript\b", re.I),
    "cpp": re.compile(r"c\+\+|\bcpp\b", re.I),
    "c": re.compile(r"(?<![\w#])C\b(?![#+])"),
    "go": re.compile(r"\bGo\b|\bgolang\b"),
    "rust": re.compile(r"\brust\b", re.I),
    "ruby": re.compile(r"\bruby\b", re.I),
    "php": re.compile(r"\bphp\b", re.I),
}
_FENCE_TAG_RE = re.compile(r"^[ \t]*```[ \t]*([\w+#.-]+)", re.M)


def candidates(instruction: str, output: str) -> list[str]:
    """Supported languages the instruction names or the answer's fences are tagged with."""
    found = [lang for lang, pattern in _MENTIONS.items() if pattern.search(instruction)]
    for tag in _FENCE_TAG_RE.findall(output):
        lang = languages.canonical(tag)
        if lang is not None and lang not in found:
            found.append(lang)
    return found


def detect_language(instruction: str, output: str) -> str | None:
    """The answer's language, or None when it is in no supported language."""
    found = candidates(instruction, output)
    if len(found) <= 1:
        return found[0] if found else None
    code = extract_code(output)
    return min(found, key=lambda lang: error_line_fraction(code, lang))


def read(root: Path) -> Iterator[Record]:
    """One LLM record per answer in a supported language."""
    entries = json.loads(read_raw(root / "data" / "new_codealpaca.json"))
    for i, entry in enumerate(entries):
        output = entry.get("output") or entry.get("response")
        if not isinstance(output, str):
            continue
        lang = detect_language(str(entry.get("instruction", "")), output)
        if lang is None:
            continue
        yield Record(output, LLM, lang, SOURCE, GENERATOR, f"{SOURCE}:{i}")
