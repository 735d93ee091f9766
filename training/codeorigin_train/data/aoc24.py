"""Builder for losvedir/aoc24, an Advent of Code 2024 "LLM shoot-out" in Java.

Layouts: `DayN/DayN[PartK]<Model>.java`, `dayNNpartK/<Model>.java`, and a few `DayN[PartK][<Model>].java`
at the top; the model is in the file name (`_MODELS`) or a `// Chat-GPT 4o` first line. The
author wrote `Gabe.java` and the files that name no model: those are human. `SonnetHelped.java`
(with the author's help) and unknown models are skipped. Group: `aoc:2024:<day>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from codeorigin_train.data.advent_generated import group
from codeorigin_train.data.records import HUMAN, HUMAN_GENERATOR, LLM, Record, read_raw

SOURCE = "aoc24"
FOLDER = "losvedir+aoc24"
YEAR = 2024
HUMAN_NAMES = frozenset({"gabe"})
MIXED_NAMES = frozenset({"sonnethelped"})

# Model names as the files write them, lower-cased, without punctuation or a "chatgpt"/"gpt"
# prefix, to one generator name each (the README's table names the versions).
_MODELS: dict[str, str] = {
    "4o": "gpt-4o",
    "o1": "o1",
    "o1preview": "o1-preview",
    "o1pro": "o1-pro",
    "o1protake2": "o1-pro",
    "o3minihigh": "o3-mini-high",
    "gemini": "gemini",
    "geminipro": "gemini-1.5-pro",
    "geminiflash": "gemini-2.0-flash",
    "geminiflash2": "gemini-2.0-flash",
    "gemini2flashthinking": "gemini-2.0-flash-thinking",
    "gemini2proexp": "gemini-2.0-pro-exp",
    "gemini2advanced": "gemini-2.0-advanced",
    "geminiadvanced": "gemini-2.0-advanced",
    "sonnet": "claude-sonnet",
    "opus": "claude-opus",
    "grok": "grok-3",
    "grok3": "grok-3",
    "deepseek": "deepseek",
    "r1": "deepseek-r1",
    "local": "local-llm (unnamed)",
}
_DIR_RE = re.compile(r"^day(?P<day>\d+)(?:part(?P<part>\d))?$", re.I)
_STEM_RE = re.compile(r"^day(?P<day>\d+)(?:part(?P<part>\d))?(?P<model>.*)$", re.I)
_FIRST_COMMENT_RE = re.compile(r"\A\s*//[ \t]*(?P<name>[^\n]+)")


def _key(name: str) -> str:
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    for prefix in ("chatgpt", "gpt"):
        if key.startswith(prefix) and key != prefix:
            return key[len(prefix) :]
    return key


def author(name: str, text: str) -> str | None:
    """The generator of a file whose name (without day and part) is `name`: a model name,
    `HUMAN_GENERATOR`, or None when the file is skipped (mixed or unknown authorship)."""
    key = _key(name)
    if key in HUMAN_NAMES:
        return HUMAN_GENERATOR
    if key in MIXED_NAMES:
        return None
    if not key:
        m = _FIRST_COMMENT_RE.match(text)
        if m is None:
            return HUMAN_GENERATOR
        # A first-line comment that names no model is the author's own note.
        return _MODELS.get(_key(m.group("name")), HUMAN_GENERATOR)
    return _MODELS.get(key)


def read(root: Path) -> Iterator[Record]:
    """One record per solution file whose author is known."""
    for path in sorted(root.rglob("*.java")):
        rel = path.relative_to(root)
        dir_match = _DIR_RE.match(rel.parent.name) if len(rel.parts) > 1 else None
        stem_match = _STEM_RE.match(path.stem)
        if dir_match is not None and dir_match.group("part") is not None:
            day, name = dir_match.group("day"), path.stem
        elif stem_match is not None:
            day, name = stem_match.group("day"), stem_match.group("model")
        else:
            continue
        text = read_raw(path)
        generator = author(name, text)
        if generator is None:  # mixed or unknown authorship
            continue
        label = HUMAN if generator == HUMAN_GENERATOR else LLM
        yield Record(text, label, "java", SOURCE, generator, group(YEAR, day))
