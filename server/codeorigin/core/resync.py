"""Spans of a document with a syntax error, found again after the error.

tree-sitter recovers from a syntax error, but an unclosed bracket or brace can swallow every
function after it: after `total = (0` the rest of a Python file parses as one broken expression,
and `extract_spans` gives one `<module>` span where there were three functions. A user typing in
one function would see the others' verdicts vanish, and a score of the merged text appear, until
the bracket is closed.

So, when the tree has an error, the block of lines that the first error broke is blanked (spaces,
newlines kept, so offsets do not move) and the document parsed again, up to `MAX_BLOCKS` times.
The block starts on the first line of the function, statement or ERROR node around the error (the
outermost one that is no class, namespace or class body) and ends before the next line that starts
something at its depth: a line as indented after a blank line, or a less indented one, outside any
string or comment. A function that starts in a blanked block keeps its own span, cut at the
block's end when it swallowed a function found again; a blanked block that starts with a
function's header but held no span (`def broken(x:` before another error, one ERROR node for
both) becomes that function's span; every other span comes from the last parse.

The result is used only when it finds a function again, keeps every span the first parse found
outside the blanked blocks, and holds no syntax error in the functions it found again: code the
grammar only misreads (macros, newer syntax) keeps the spans it had.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import replace
from itertools import accumulate

from tree_sitter import Node

from codeorigin.core import languages
from codeorigin.core.grammar_rules import CLASS_BODIES, RULES
from codeorigin.core.spans import Span, content_of, extract_spans, parse

MAX_BLOCKS = 8

# Nodes that hold functions and are no function: where the search for the broken one goes on.
_CONTAINERS = {"namespace_definition", "module", "program", "translation_unit", "source_file"}
_SPACES = re.compile(r"[ \t]*")
# A line after the first, not blank (group 1: its start).
_LINE = re.compile(r"\n(?=([ \t]*[^\s]))")
_NOT_NEWLINE = re.compile(r"[^\r\n]")


def find_spans(text: str, language_id: str, *, min_lines: int = 3) -> list[Span]:
    """`extract_spans`, with the functions after a syntax error found again (see the module's
    docstring). Without a syntax error, exactly `extract_spans`."""
    language = languages.canonical(language_id)
    if language is None or not text.strip():
        return extract_spans(text, language_id, min_lines=min_lines)
    root = parse(text, language)  # once: a document without an error is parsed no more
    first = extract_spans(text, language_id, min_lines=min_lines, root=root)
    if not first or not root.has_error:
        return first
    blanked = text
    blocks: list[tuple[int, int]] = []
    for _ in range(MAX_BLOCKS):
        anchor = _anchor(root, language) if root.has_error else None
        block = None if anchor is None else _block_around(_Bytes(blanked), root, anchor)
        if block is None or block in blocks:
            break
        blocks.append(block)
        a, b = block
        blanked = blanked[:a] + _NOT_NEWLINE.sub(" ", blanked[a:b]) + blanked[b:]
        root = parse(blanked, language)
    if not blocks:
        return first
    found = extract_spans(blanked, language_id, min_lines=min_lines, root=root)
    recovered = [s for s in found if s.kind != "module" and _where(s) not in map(_where, first)]
    outside = [s for s in first if not any(_overlaps(s, blk) for blk in blocks)]
    if (
        not recovered
        or not {_where(s) for s in outside} <= {_where(s) for s in found}
        or _broken(root, _Bytes(blanked), recovered)
    ):
        return first
    kept: list[Span] = []
    for span in first:
        block = next((b for b in blocks if b[0] <= span.start < b[1]), None)
        if block is None or span.kind == "module":
            continue
        swallowed = any(_overlaps(r, (span.start, span.end)) for r in recovered)
        kept.append(_cut(span, text, language, block) if swallowed else span)
    spans = [*found, *kept]
    spans += [h for block in blocks if (h := _headed(text, language, block, spans)) is not None]
    return sorted(spans, key=lambda s: (s.start, s.end))


#: A function's header as a line starts it, its name in group 1 (no header: no span of its own).
_HEADERS = {
    "python": r"(?:async\s+)?def\s+([A-Za-z_]\w*)",
    "javascript": r"(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)",
    "go": r"func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)",
    "rust": r"(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+([A-Za-z_]\w*)",
    "ruby": r"def\s+(?:self\.)?([A-Za-z_]\w*[?!=]?)",
    "php": r"(?:(?:public|private|protected|static|final|abstract)\s+)*function\s+&?\s*"
    r"([A-Za-z_]\w*)",
    "kotlin": r"(?:(?:public|private|protected|internal|override|open|final|abstract|suspend|inline"
    r"|operator|infix|tailrec|actual|expect)\s+)*fun\s+(?:<[^>]*>\s*)?(?:[\w.<>?, ]+\.)?"
    r"([A-Za-z_]\w*)",
    "swift": r"(?:(?:public|private|fileprivate|internal|open|static|class|final|override|mutating"
    r"|nonmutating|@\w+)\s+)*func\s+([A-Za-z_]\w*)",
}
_HEADERS |= {k: _HEADERS["javascript"] for k in ("typescript", "typescriptreact")}


def _headed(text: str, language: str, block: tuple[int, int], spans: list[Span]) -> Span | None:
    """A blanked block that starts with a function's header (`def broken(x:` before another
    error) and holds no span: that function, up to the block's end, so that it is judged (or
    said too short) rather than lost; None otherwise."""
    a, b = block
    if language not in _HEADERS or any(a <= s.start < b for s in spans if s.kind != "module"):
        return None
    start = a + _indent(text, a)
    header = re.compile(_HEADERS[language]).match(text, start, b)
    if header is None:
        return None
    content = content_of(text[start:b], language)
    return Span(header.group(1), "function", start, b, header.start(1), header.end(1),
                ((start, b),), content.statement_lines, content.tokens)  # fmt: skip


class _Bytes:
    """Character and UTF-8 byte offsets of one text, both ways (tree-sitter speaks bytes)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None
        if not text.isascii():
            widths = (len(c.encode("utf-8", "surrogatepass")) for c in text)
            self._starts = [0, *accumulate(widths)]

    def byte(self, char: int) -> int:
        return char if self._starts is None else self._starts[char]

    def char(self, byte: int) -> int:
        return byte if self._starts is None else bisect_left(self._starts, byte)


def _broken(root: Node, offsets: _Bytes, spans: list[Span]) -> bool:
    """Whether a syntax error remains in any of the spans: then what was found again is no
    function either, and the grammar misread the code rather than the user broke it."""
    for span in spans:
        node = root.descendant_for_byte_range(offsets.byte(span.start), offsets.byte(span.end))
        if node is None or node.has_error:
            return True
    return False


def _anchor(root: Node, language: str) -> Node | None:
    """The outermost node around the first syntax error that is not a class, namespace or their
    body: the function (or statement, or ERROR node) the error broke."""
    containers = (
        set(RULES[language]["classes"])  # type: ignore[call-overload]
        | set(RULES[language].get("wrappers", ()))  # type: ignore[call-overload]
        | CLASS_BODIES
        | _CONTAINERS
    )
    node = root
    while True:
        child = next((c for c in node.children if c.has_error or c.is_missing), None)
        if child is None:
            return None if node is root else node
        if child.type not in containers or child.type == "ERROR":
            return child
        node = child


def _block_around(offsets: _Bytes, root: Node, anchor: Node) -> tuple[int, int] | None:
    """The lines from the anchor's first line to the next line that starts something at its
    depth: one as indented after a blank line, or one less indented. None when none does."""
    text = offsets.text
    offset = offsets.char(anchor.start_byte)
    start = text.rfind("\n", 0, offset) + 1
    indent = _indent(text, start)
    for m in _LINE.finditer(text, offset):
        line, depth = m.start(1), _indent(text, m.start(1))
        blank_before = not text[text.rfind("\n", 0, line - 1) + 1 : line].strip()
        opens = text[line + depth] not in ")]}"
        if depth < indent or (depth == indent and blank_before and opens):
            if _inside_literal(root, offsets.byte(line + depth)):
                continue
            end = line
            while end > start and text[end - 1] in " \t\r\n":
                end -= 1
            return (start, end) if end > start else None
    return None


def _indent(text: str, line_start: int) -> int:
    match = _SPACES.match(text, line_start)
    return match.end() - line_start if match else 0


def _inside_literal(root: Node, byte: int) -> bool:
    node: Node | None = root.descendant_for_byte_range(byte, byte)
    while node is not None:
        if node.start_byte < byte and ("string" in node.type or "comment" in node.type):
            return True
        node = node.parent
    return False


def _where(span: Span) -> tuple[str, int, int]:
    """A span's name and range: a function found again in its class is a method now."""
    return span.name, span.start, span.end


def _overlaps(span: Span, block: tuple[int, int]) -> bool:
    return span.start < block[1] and block[0] < span.end


def _cut(span: Span, text: str, language: str, block: tuple[int, int]) -> Span:
    """A span that starts in a blanked block and swallowed a function after it, ending with the
    block."""
    end = min(span.end, block[1])
    if end == span.end:
        return span
    segments = tuple((a, min(b, end)) for a, b in span.segments if a < end)
    content = content_of(text[span.start : end], language)
    return replace(
        span,
        end=end,
        segments=segments,
        statement_lines=content.statement_lines,
        content_tokens=content.tokens,
    )
