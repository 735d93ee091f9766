"""Builder for GPTCloneBench's cross-language clones (`cross_language.zip`,
`cross_language_part_2.zip`), read in place with `zipfile`.

Each `<dir>/Gpt3D_CloneN.<ext>` (GPT-3) or `Gpt4D_CloneN.<ext>` (GPT-4) file holds, under `#input`,
a human fragment from SemanticCloneBench (Java or C#), then a `#gpt output=============` line and
the model's translations into the other languages, each under a heading, often fenced.
Human: the input fragment (Java only). LLM: each translation into a scored language other than
the input's. Group: `gptclonebench:<ext>:<id>` with the smallest clone id holding the same input,
so a fragment and its translations share it (the fragment yielded once).

The human fragments went through NiCad's pretty-printer, which puts a blank before every argument
list and bracket and around unary operators (`getWidth ()`, `! done`): a tell `normalize` does not
undo (80% of them hold `name ()`, at most 1% of the other sources' Java). `undo_pretty_print` takes
those blanks out, on both labels' Java alike.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from tree_sitter import Node

from codeorigin.core import languages
from codeorigin_train.data.clean import FENCE_RE, splice
from codeorigin_train.data.records import HUMAN, HUMAN_GENERATOR, LLM, Record

SOURCE = "gptclonebench"
FOLDER = "srlabUsask+GPTCloneBench"
ARCHIVES = ("cross_language.zip", "cross_language_part_2.zip")
GENERATORS = {"3": "gpt-3", "4": "gpt-4"}

_NAME_RE = re.compile(r"(?:^|/)Gpt(?P<gen>[34])D_Clone(?P<id>\d+)\.(?P<ext>\w+)$")
_INPUT_RE = re.compile(r"\A\s*#input[ \t]*\n")
# One file has both on one line: `#====================#gpt output=============`.
_SEPARATOR_RE = re.compile(r"^#={3,}", re.M)
_OUTPUT_RE = re.compile(r"#gpt output=*[ \t]*$", re.M)
_FENCE_LINE_RE = re.compile(r"^[ \t]*```")
# A heading that opens one translation: `Python:`, `C# Implementation:`, `// C`, `#Python`,
# `In Java:`, `The Python version:`, `Python (Tkinter):`, `2. C`, `**Java**`.
_HEADER_RE = re.compile(
    r"^(?:#+|//+|\*\*|\d+[.)])?[ \t]*"
    r"(?:(?:and[ \t]+)?(?:in|for|the|output[ \t]+in|translation[ \t]+(?:in|to))[ \t]+)?"
    r"(?P<lang>python|java|c\+\+|c#|csharp|c)(?![\w#+])"
    r"(?:[ \t]+(?:implementation|code|version|language|translation|equivalent|solution|program)"
    r"|[ \t]*\([^)\n]{0,40}\)|[ \t]+with[ \t]+[\w .-]{1,30})*"
    r"[ \t]*(?:\*\*)?[ \t]*:?[ \t]*(?:\*\*)?[ \t]*$",
    re.I,
)
# Names as the headings and fence tags write them; None: a language codeorigin does not score.
_NAMES: dict[str, str | None] = {"c#": None, "csharp": None, "cs": None, "c++": "cpp"}
_EXTENSIONS: dict[str, str | None] = {"java": "java", "cs": None}


def _language(name: str) -> str | None:
    key = name.strip().lower()
    return _NAMES[key] if key in _NAMES else languages.canonical(key)


def _block_language(tag: str, heading_lang: str | None) -> str | None:
    """A fenced block's language: its tag's when the tag names a language, else the heading's."""
    if tag.lower() in _NAMES:
        return _NAMES[tag.lower()]
    return (languages.canonical(tag.lower()) if tag else None) or heading_lang


# Nodes before which NiCad puts a blank, with the parents where that blank is not the author's.
_BLANK_BEFORE: dict[str, frozenset[str] | None] = {
    "argument_list": frozenset(
        {"method_invocation", "object_creation_expression", "explicit_constructor_invocation"}
    ),
    "formal_parameters": frozenset({"method_declaration", "constructor_declaration"}),
    "dimensions": None,
    "dimensions_expr": None,
}
_UNARY = frozenset({"!", "-", "+", "~"})


def _blank(data: bytes, start: int, end: int) -> tuple[int, int, bytes] | None:
    """The cut of the range `[start, end)` if it is a non-empty run of spaces and tabs."""
    gap = data[start:end]
    return (start, end, b"") if gap and not gap.strip(b" \t") else None


def undo_pretty_print(code: str) -> str:
    """Java `code` without NiCad's blanks (`foo (a [i], ! b, i ++)` -> `foo(a[i], !b, i++)`)."""
    data = code.encode("utf-8", "surrogatepass")
    root = languages.parser("java").parse(data).root_node
    cuts: list[tuple[int, int, bytes]] = []
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        parents = _BLANK_BEFORE.get(node.type, frozenset())
        prev = node.prev_sibling
        if prev is not None and (
            parents is None or (node.parent is not None and node.parent.type in parents)
        ):
            gap = _blank(data, prev.end_byte, node.start_byte)
        elif node.type == "array_access":
            bracket = next((c for c in node.children if c.type == "["), None)
            gap = None
            if bracket is not None and bracket.prev_sibling is not None:
                gap = _blank(data, bracket.prev_sibling.end_byte, bracket.start_byte)
        elif node.type == "unary_expression" and node.child_count == 2:
            op, operand = node.children
            gap = _blank(data, op.end_byte, operand.start_byte) if op.type in _UNARY else None
        elif node.type == "update_expression" and node.child_count == 2:
            gap = _blank(data, node.children[0].end_byte, node.children[1].start_byte)
        else:
            gap = None
        if gap is not None:
            cuts.append(gap)
    return splice(data, cuts) if cuts else code


def split_file(text: str) -> tuple[str, str] | None:
    """(input fragment, raw model output) of one clone file, or None when it has neither marker."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    head = _INPUT_RE.match(text)
    sep = _SEPARATOR_RE.search(text)
    out = _OUTPUT_RE.search(text)
    if head is None or sep is None or out is None or out.start() < sep.start():
        return None
    return text[head.end() : sep.start()].strip("\n"), text[out.end() :].lstrip("\n")


def translations(output: str) -> list[tuple[str, str]]:
    """(canonical language, code) for every translation into a scored language in a raw answer,
    cut at its headings: a section's longest fenced block per language (its tag, else the heading,
    names it), or its text without fences; before the first heading, tagged fences only."""
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    in_fence = False
    for line in output.split("\n"):
        if _FENCE_LINE_RE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            m = _HEADER_RE.match(line)
            if m is not None:
                sections.append((m.group("lang"), []))
                continue
        sections[-1][1].append(line)

    found: dict[str, str] = {}  # in the order the languages first come

    def keep(lang: str | None, code: str) -> None:
        if lang is not None and len(code.strip()) > len(found.get(lang, "").strip()):
            found[lang] = code

    for heading, lines in sections:
        text = "\n".join(lines)
        heading_lang = _language(heading) if heading is not None else None
        blocks = [(m.group(1), m.group(2)) for m in FENCE_RE.finditer(text)]
        if blocks:
            for tag, body in blocks:
                keep(_block_language(tag, heading_lang), body)
        elif heading is not None:
            keep(heading_lang, text)
    return list(found.items())


def _clone_files(root: Path) -> Iterator[tuple[str, str, str, str]]:
    """(generator digit, clone id, extension, text) for every clone file in the archives."""
    for archive in ARCHIVES:
        path = root / archive
        if not path.is_file():
            continue
        with zipfile.ZipFile(path) as zf:
            for name in sorted(zf.namelist()):
                m = _NAME_RE.search(name)
                if m is None:
                    continue
                text = zf.read(name).decode("utf-8", errors="replace")
                yield m.group("gen"), m.group("id"), m.group("ext").lower(), text


def read(root: Path) -> Iterator[Record]:
    """Human Java fragments and the GPT-3/GPT-4 translations into scored languages."""
    parsed = []
    canonical_id: dict[tuple[str, str], int] = {}
    for gen, clone_id, ext, text in _clone_files(root):
        parts = split_file(text)
        if parts is None:
            continue
        parsed.append((gen, clone_id, ext, *parts))
        key = (ext, parts[0].strip())
        canonical_id[key] = min(canonical_id.get(key, int(clone_id)), int(clone_id))

    seen: set[tuple[str, str]] = set()
    for gen, _clone_id, ext, fragment, output in sorted(
        parsed, key=lambda p: (p[2], int(p[1]), p[0])
    ):
        group = f"gptclonebench:{ext}:{canonical_id[(ext, fragment.strip())]}"
        input_lang = _EXTENSIONS.get(ext, languages.canonical(ext))
        if input_lang is not None and (group, fragment.strip()) not in seen:
            seen.add((group, fragment.strip()))
            if input_lang == "java":
                fragment = undo_pretty_print(fragment)
            yield Record(fragment, HUMAN, input_lang, SOURCE, HUMAN_GENERATOR, group)
        source_lang = _EXTENSIONS.get(ext, ext)
        for lang, code in translations(output):
            if lang == source_lang:
                continue
            if lang == "java":
                code = undo_pretty_print(code)
            yield Record(code, LLM, lang, SOURCE, GENERATORS[gen], group)
