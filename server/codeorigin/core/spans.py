"""Function spans: the units codeorigin scores.

Every function, method, constructor, and arrow/lambda function bound to a name (or default-exported:
`default`) is a span; a function nested in another belongs to the enclosing span. So is a
JavaScript or TypeScript test case (`it("...", () => {...})`, `test(...)`: kind `case`, named by
its description; `describe` is not one, its cases are). Module-level code outside any function,
class or test case (scripts, contest programs) forms one `module` span when it has at least
`min_lines` lines.

Ranges are character offsets into the Python string of the document (code points); `positions`
turns them into LSP positions. tree-sitter recovers from syntax errors, so spans still come out of
broken code wherever the parser could find them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from tree_sitter import Node

from codeorigin.core import languages
from codeorigin.core.content import Content, body_of, content_of, count
from codeorigin.core.grammar_rules import (
    BODY_REQUIRED,
    CLASS_BODIES,
    CLASS_HOLDERS,
    CODE_RULES,
    METHOD_TYPES,
    NAME_TYPES,
    RULES,
    TEST_CASE_LANGUAGES,
    block_function,
    declarator_name,
    function_code,
    function_name,
    gtest_case,
    only_preamble,
    prototype,
    test_case,
)

__all__ = [
    "FUNCTION_KINDS", "Content", "Span", "content_of", "count_lines", "extract_spans",
    "line_starts", "parse",
]  # fmt: skip

SpanKind = Literal["function", "method", "module", "case"]
#: The kinds of span that are functions: what a language's threshold is bounded on, what the
#: training corpus and `codeorigin calibrate` read. A `case` (a JavaScript or TypeScript test
#: case) and `module` code have thresholds of their own.
FUNCTION_KINDS = frozenset({"function", "method"})


@dataclass(frozen=True)
class Span:
    """One scoring unit of a document.

    `segments` are the half-open character ranges whose concatenation is the span's text: one
    range for a function, the module-level runs of lines for a `module` span (the code outside
    every function and class, and nothing else). `start`/`end` cover all segments;
    `name_start`/`name_end` is where a diagnostic goes (the name, or the first line of a module
    span). `statement_lines` and `content_tokens` count what carries authorship (`Content`).
    """

    name: str
    kind: SpanKind
    start: int
    end: int
    name_start: int
    name_end: int
    segments: tuple[tuple[int, int], ...]
    # What carries authorship, for the "too short" guard (see `Content`).
    statement_lines: int = 0
    content_tokens: int = 0

    def text(self, document: str) -> str:
        """The span's text, taken from the document it was extracted from."""
        return "".join(document[a:b] for a, b in self.segments)

    def text_offsets(self, document: str) -> tuple[str, list[int]]:
        """The span's text and, for each of its characters, the index in the document."""
        parts: list[str] = []
        offsets: list[int] = []
        for a, b in self.segments:
            parts.append(document[a:b])
            offsets.extend(range(a, b))
        return "".join(parts), offsets

    def contains(self, offset: int) -> bool:
        """Whether a document offset falls inside one of the span's segments."""
        return any(a <= offset < b or (offset == b and a < b) for a, b in self.segments)


class _Text:
    """Byte-to-character offset conversion for one document (tree-sitter speaks UTF-8 bytes)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.data = text.encode("utf-8", "surrogatepass")
        self._ascii = len(self.data) == len(text)
        self._map: list[int] | None = None

    def char(self, byte_offset: int) -> int:
        if self._ascii:
            return byte_offset
        if self._map is None:
            m = [0] * (len(self.data) + 1)
            b = 0
            for i, ch in enumerate(self.text):
                n = len(ch.encode("utf-8", "surrogatepass"))
                for k in range(n):
                    m[b + k] = i
                b += n
            m[b] = len(self.text)
            self._map = m
        return self._map[min(byte_offset, len(self._map) - 1)]

    def node_text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _name_node(node: Node, language: str) -> Node | None:
    if language in ("c", "cpp") and node.type == "function_definition":
        decl = node.child_by_field_name("declarator")
        return declarator_name(decl) if decl is not None else None
    name = node.child_by_field_name("name")
    if name is not None:
        return name
    for child in node.named_children:
        if child.type in NAME_TYPES:
            return child
    return None


@dataclass
class _Found:
    node: Node  # range of the span (may include decorators/templates)
    name_node: Node | None
    name: str
    kind: SpanKind
    body: Node | None = None  # what the "too short" guard counts (None: the whole node)
    code: list[Node] | None = None  # C#, Kotlin, Swift: the nodes it counts (`function_code`)


def _walk(root: Node, language: str, text: _Text) -> Iterator[_Found]:
    """Outermost function spans of the tree, depth first, without recursion (deep code is fine)."""
    rules = RULES[language]
    functions: set[str] = rules["functions"]  # type: ignore[assignment]
    classes: set[str] = rules["classes"]  # type: ignore[assignment]
    bindings: dict[str, tuple[str, str]] = rules["bindings"]  # type: ignore[assignment]
    values: set[str] = rules["values"]  # type: ignore[assignment]
    wrappers: set[str] = rules.get("wrappers", set())  # type: ignore[assignment]
    always_method = bool(rules.get("always_method", False))
    cases = language in TEST_CASE_LANGUAGES

    # Stack of (node, inside_class, outer node for range)
    stack: list[tuple[Node, bool, Node | None]] = [(root, False, None)]
    while stack:
        node, in_class, outer = stack.pop()
        t = node.type
        if t in wrappers:
            inner = [c for c in node.named_children if c.type in functions or c.type in wrappers]
            if inner:
                stack.append((inner[-1], in_class, outer or node))
                continue
        if cases and t == "call_expression" and (test := test_case(node, text.data)) is not None:
            yield _Found(node, test[0], test[1], "case", test[2])
            continue
        code: list[Node] | None = None
        if t in functions and language in CODE_RULES:
            code = function_code(node, language)
            if code is None:  # no code of its own; a property may still bind a function
                found = _binding(node, bindings[t], values, language, in_class, text) if (
                    t in bindings) else None  # fmt: skip
                if found is not None:
                    yield found
                continue
        if t in functions:
            if language in BODY_REQUIRED and node.child_by_field_name("body") is None:
                continue  # a declaration: no code of its own
            name_node, given = function_name(node, language) if code else (None, None)
            if name_node is None:
                name_node = _name_node(node, language)
            name = given or (text.node_text(name_node) if name_node is not None else "<anonymous>")
            if language == "cpp" and (case := gtest_case(node, text.data)) is not None:
                name_node, name = case  # `TEST(MathTest, Adds)`: `MathTest.Adds`
            is_method = (
                always_method
                or in_class
                or t in METHOD_TYPES
                or (name_node is not None and name_node.type == "qualified_identifier")
            )
            if language == "go":
                is_method = t == "method_declaration"
            yield _Found(
                outer or node, name_node, name, "method" if is_method else "function", node, code
            )
            continue
        if t in bindings:
            found = _binding(node, bindings[t], values, language, in_class, text)
            if found is not None:
                yield found
                continue
        if t in classes:
            child_in_class = True
        elif in_class and t in CLASS_BODIES:
            child_in_class = True
        else:
            child_in_class = False
        for child in reversed(node.children):
            stack.append((child, child_in_class, None))


def _binding(
    node: Node,
    fields: tuple[str, str],
    values: set[str],
    language: str,
    in_class: bool,
    text: _Text,
) -> _Found | None:
    """The span of a binding whose value is a function (`const f = () => {}`), else None."""
    t = node.type
    # C# and Kotlin keep the bound lambda in no field: the first child of a function's type.
    value = node.child_by_field_name(fields[1]) or next(
        (c for c in node.named_children if c.type in values), None
    )
    target = node.child_by_field_name(fields[0]) or next(
        (c for c in node.children if c.type == fields[0]), None
    )
    if language == "kotlin" and target is not None:  # `square: (Int) -> Int`: the name alone
        target = next((c for c in target.named_children if c.type == "identifier"), target)
    if language == "swift" and target is not None:
        target = target.child_by_field_name("bound_identifier") or target
    if language == "go" and value is not None and value.type == "expression_list":
        value = value.named_children[0] if value.named_child_count == 1 else None
    if language == "go" and target is not None and target.type == "expression_list":
        target = target.named_children[0] if target.named_child_count == 1 else None
    if value is None or target is None:
        return None
    if value.type not in values and not block_function(value, text.data):
        return None
    if language == "cpp":
        target = declarator_name(target) or target
    name_text = text.node_text(target)
    if target.type in ("member_expression", "field_expression", "attribute"):
        prop = (
            target.child_by_field_name("property")
            or target.child_by_field_name("attribute")
            or target.child_by_field_name("field")
        )
        if prop is not None:
            name_text = text.node_text(prop)
    method = in_class or t in ("pair", "field_definition", "public_field_definition")
    outer = node if t != "variable_declarator" else (node.parent or node)
    if language == "csharp" and outer.parent is not None and outer.parent.type in (
        "field_declaration", "local_declaration_statement", "event_field_declaration"
    ):  # fmt: skip
        outer = outer.parent  # with its modifiers and `;`
    return _Found(
        outer,
        target,
        name_text.strip("'\""),
        "method" if method else "function",
        value,
    )


_LONE_CR = re.compile(r"\r(?!\n)")
_LINE_END = re.compile(r"\r\n|\r|\n")


def line_starts(text: str) -> list[int]:
    """Offsets where each line starts: LF, CRLF and CR all end a line, as in LSP."""
    return [0, *(m.end() for m in _LINE_END.finditer(text))]


def count_lines(text: str) -> int:
    """Non-blank lines in a text."""
    return sum(1 for line in text.splitlines() if line.strip())


def parse(text: str, language: str) -> Node:
    """The root of `text`'s tree, as `extract_spans` parses it (a lone CR read as a line end)."""
    return languages.parser(language).parse(_Text(_LONE_CR.sub("\n", text)).data).root_node


def extract_spans(
    text: str, language_id: str, *, min_lines: int = 3, root: Node | None = None
) -> list[Span]:
    """The spans of `text` in document order.

    `language_id` must be a canonical id (`languages.canonical`). A `module` span is produced for the
    module-level lines outside any function or class when they hold at least `min_lines` non-blank
    lines; functions are always returned (the scorer decides whether they are too short). `root`:
    the tree `parse` gave for this text, when the caller has it (not parsed again).
    """
    language = languages.canonical(language_id)
    if language is None:
        raise ValueError(f"unsupported language: {language_id!r}")
    if not text.strip():
        return []
    # Tree-sitter's grammars end lines at LF only; a lone CR (old Mac files, which LSP and the
    # editors treat as a line end) becomes one. Offsets do not move: both are one character.
    text = _LONE_CR.sub("\n", text)
    t = _Text(text)
    if root is None:
        root = languages.parser(language).parse(t.data).root_node
    spans: list[Span] = []
    covered: list[tuple[int, int]] = []
    covered_bytes: list[tuple[int, int]] = []
    for found in _walk(root, language, t):
        start = t.char(found.node.start_byte)
        end = t.char(found.node.end_byte)
        if end <= start:
            continue
        if found.name_node is not None:
            ns, ne = t.char(found.name_node.start_byte), t.char(found.name_node.end_byte)
        else:  # the first line
            nl = text.find("\n", start)
            ns, ne = start, min(end, start + max(1, nl - start if nl >= 0 else end - start))
        # The text starts at the beginning of the first line when only indentation precedes the
        # span, so a method's first line keeps its indentation and normalisation can dedent the
        # whole method (otherwise the body would stay indented under an unindented `def`).
        line_start = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
        seg_start = line_start if not text[line_start:start].strip() else start
        content = count(
            found.code
            if found.code is not None
            else body_of(found.body or found.node, found.name_node)
        )
        spans.append(
            Span(
                found.name,
                found.kind,
                start,
                end,
                ns,
                ne,
                ((seg_start, end),),
                content.statement_lines,
                content.tokens,
            )
        )
        covered.append((start, end))
        covered_bytes.append((found.node.start_byte, found.node.end_byte))

    module = _module_span(text, root, t, language, covered, covered_bytes, min_lines)
    if module is not None:
        spans.append(module)
    spans.sort(key=lambda s: (s.start, s.end))
    return spans


def _classes(root: Node, language: str) -> Iterator[Node]:
    """The classes (and the declarations of TypeScript, C and C++) outside functions, also those in
    a namespace, `extern "C" { }`, a C header's `#ifndef` or a TypeScript `namespace`: their bodies
    are no script code (what holds them is walked, not left out)."""
    rules = RULES[language]
    classes = set(rules["classes"]) | set(rules.get("declarations", ()))  # type: ignore[call-overload]
    c_like = language in ("c", "cpp")  # a function's declaration (`prototype`) holds no code

    def held(node: Node) -> bool:
        return node.type in classes or (c_like and prototype(node))

    holders = [root]
    while holders:
        for child in holders.pop().named_children:
            if held(child) or (
                child.type in ("decorated_definition", "export_statement", "template_declaration")
                and any(held(g) for g in child.named_children)
            ):
                yield child
            elif child.type in CLASS_HOLDERS:
                holders.append(child)


def _module_span(
    text: str,
    root: Node,
    t: _Text,
    language: str,
    covered: list[tuple[int, int]],
    covered_bytes: list[tuple[int, int]],
    min_lines: int,
) -> Span | None:
    """Module-level code outside functions and classes, as whole lines."""
    excluded = list(covered)
    excluded_bytes = list(covered_bytes)
    for node in _classes(root, language):
        excluded.append((t.char(node.start_byte), t.char(node.end_byte)))
        excluded_bytes.append((node.start_byte, node.end_byte))
    # Java/C# programs live in classes; a file whose only top-level code is a package/import
    # preamble has no module span, which the line threshold takes care of.
    starts = line_starts(text)
    ends = [*starts[1:], len(text)]
    excluded.sort()
    segments: list[tuple[int, int]] = []
    kept_lines = 0
    j = 0
    for ls, le in zip(starts, ends):
        line = text[ls:le]
        if not line.strip():
            continue
        # Skip lines overlapping any excluded range.
        while j < len(excluded) and excluded[j][1] <= ls:
            j += 1
        overlap = False
        k = j
        while k < len(excluded) and excluded[k][0] < le:
            if excluded[k][1] > ls:
                overlap = True
                break
            k += 1
        if overlap:
            continue
        kept_lines += 1
        if segments and segments[-1][1] == ls:
            segments[-1] = (segments[-1][0], le)
        else:
            segments.append((ls, le))
    if kept_lines < max(1, min_lines) or not segments:
        return None
    # Only comments and imports do not make a script.
    if all(only_preamble(text[a:b]) for a, b in segments):
        return None
    start, end = segments[0][0], segments[-1][1]
    first_line_end = text.find("\n", start)
    if first_line_end < 0 or first_line_end > end:
        first_line_end = end
    name_end = (
        first_line_end - 1
        if first_line_end > start and text[first_line_end - 1] == "\r"
        else first_line_end
    )
    content = count([root], frozenset(excluded_bytes))
    return Span(
        "<module>",
        "module",
        start,
        end,
        start,
        max(name_end, start + 1),
        tuple(segments),
        content.statement_lines,
        content.tokens,
    )
