"""Builder for GPTeacher's code set (`Codegen/codegen-instruct.json`: instruction, input, response),
LLM side only.

Every response was written by GPT-4. The code is pulled out with `clean.extract_code`, and a
response whose extracted text is still not code in its language (`is_code`) is dropped. The
language is one the instruction names or a fence is tagged with (as for codealpaca), else one the
code's own marks suggest; of several, the one that parses best. One group per sample. The 4,535
triples are codealpaca's `data/new_codealpaca.json` too: deduplication keeps the copies of the
source the registry lists first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from codeorigin_train.data.clean import MAX_ERROR_LINE_FRACTION, error_line_fraction, extract_code
from codeorigin_train.data.codealpaca import candidates
from codeorigin_train.data.records import LLM, Record, read_raw

SOURCE = "gpteacher"
FOLDER = "teknium1+GPTeacher"
GENERATOR = "gpt-4"

# Names the codealpaca table misses ("Golang").
_EXTRA_MENTIONS: dict[str, re.Pattern[str]] = {"go": re.compile(r"\bgolang\b", re.I)}
# Languages codeorigin does not score: an instruction that names one of them (and none of ours) is
# about code in that language.
_OTHER_LANGUAGES = re.compile(
    r"\b(?:shell|bash|zsh|sh|powershell|sql|mysql|postgres(?:ql)?|sqlite|c#|csharp|\.net|swift|"
    r"kotlin|perl|r|matlab|scala|haskell|lua|dart|html|css|sass|vba|assembly|elixir)\b"
    r"|(?<!\w)c#",
    re.I,
)
# Marks that only code in one language carries, for instructions that name no language.
_CONTENT_MARKS: dict[str, re.Pattern[str]] = {
    "php": re.compile(r"<\?php"),
    "go": re.compile(r"^package main\b|^func \w+\(|:= ", re.M),
    "rust": re.compile(r"^\s*fn \w+\(|\blet mut\b|println!\(", re.M),
    "cpp": re.compile(r"#include\s*<(?:iostream|vector|string|map|algorithm)>|\bstd::"),
    "c": re.compile(r"#include\s*<(?:stdio|stdlib|string)\.h>"),
    "java": re.compile(r"\bpublic\s+(?:static\s+)?(?:class|void|int)\b|System\.out\.print"),
    "javascript": re.compile(
        r"\bconsole\.log\(|\bfunction\s+\w+\s*\(|=>|\b(?:const|let)\s+\w+\s*="
    ),
    "python": re.compile(r"^\s*(?:def \w+\(.*\):|import \w+|from [\w.]+ import )|\bprint\(", re.M),
    "ruby": re.compile(r"^\s*(?:puts|require|end)\b|\.each do\b", re.M),
}


def _named(instruction: str, response: str) -> list[str]:
    found = candidates(instruction, response)
    for lang, pattern in _EXTRA_MENTIONS.items():
        if lang not in found and pattern.search(instruction):
            found.append(lang)
    return found


def detect_language(instruction: str, response: str, code: str) -> str | None:
    """The language of `code` (extracted from `response`), or None."""
    found = _named(instruction, response)
    if not found:
        if _OTHER_LANGUAGES.search(instruction):
            return None
        found = [lang for lang, mark in _CONTENT_MARKS.items() if mark.search(code)]
    if len(found) <= 1:
        return found[0] if found else None
    return min(found, key=lambda lang: error_line_fraction(code, lang))


# An unindented line of five or more words that reads as an English sentence.
_SENTENCE_RE = re.compile(r"^[A-Z][a-z]+(?: [A-Za-z,'’()-]+){4,}[.:!?]$")


def is_code(code: str, language: str) -> bool:
    """Whether extracted text is code: mostly parseable in `language`, without prose lines left
    inside it (an explanation with a snippet in its middle)."""
    lines = [line for line in code.split("\n") if line.strip()]
    if not lines or error_line_fraction(code, language) > MAX_ERROR_LINE_FRACTION:
        return False
    return not any(not line[0].isspace() and _SENTENCE_RE.match(line.strip()) for line in lines)


def read(root: Path) -> Iterator[Record]:
    """One LLM record per response that is code in a scored language (the extracted code)."""
    entries = json.loads(read_raw(root / "Codegen" / "codegen-instruct.json"))
    for i, entry in enumerate(entries):
        response = entry.get("response")
        if not isinstance(response, str):
            continue
        code = extract_code(response)
        if not code.strip():
            continue
        lang = detect_language(str(entry.get("instruction", "")), response, code)
        if lang is None or not is_code(code, lang):
            continue
        yield Record(code, LLM, lang, SOURCE, GENERATOR, f"{SOURCE}:{i}")
