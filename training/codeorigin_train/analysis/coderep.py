"""Compact tree-sitter representations of code, after codereps (efficiently tokenisable
intermediate representations): what the code-representation arm (`variants/coderep.py`) puts in
front of the code.

- `skeleton`: the control-flow constructs nested in braces, e.g. `F{= for{if{ret} c} ret}`; no
  names, literals, comments, layout or expression shape.
- `node_types`: the named node types in pre-order, abbreviated to initials (`expression_statement`
  -> `es`), without the leaves that carry names, literals or comments.

Neither holds an identifier, comment or space the author chose, so renaming and reformatting
should not change them (`invariance` measures it). Both are capped at `MAX_CHARS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from codeorigin.core.languages import parser
from codeorigin_train.analysis.transforms import walk

MAX_CHARS = 600
SKELETON = {
    "function_definition": "F", "method_declaration": "F", "constructor_declaration": "F",
    "lambda": "L", "lambda_expression": "L", "class_definition": "C", "class_declaration": "C",
    "class_specifier": "C", "struct_specifier": "C", "if_statement": "if", "elif_clause": "elif",
    "else_clause": "else", "conditional_expression": "?", "ternary_expression": "?",
    "for_statement": "for", "for_in_statement": "for", "enhanced_for_statement": "for",
    "for_range_loop": "for", "while_statement": "while", "do_statement": "do",
    "list_comprehension": "comp", "dictionary_comprehension": "comp", "set_comprehension": "comp",
    "generator_expression": "comp", "try_statement": "try", "except_clause": "catch",
    "catch_clause": "catch", "finally_clause": "fin", "with_statement": "with",
    "switch_statement": "switch", "switch_expression": "switch", "match_statement": "switch",
    "return_statement": "ret", "break_statement": "brk", "continue_statement": "cont",
    "raise_statement": "throw", "throw_statement": "throw", "yield": "yield",
    "call": "c", "call_expression": "c", "method_invocation": "c", "object_creation_expression": "new",
    "new_expression": "new", "assignment": "=", "augmented_assignment": "=",
    "assignment_expression": "=", "local_variable_declaration": "=", "declaration": "=",
    "assert_statement": "assert", "import_statement": "imp", "import_from_statement": "imp",
}  # fmt: skip
LEAVES = {"identifier", "field_identifier", "type_identifier", "property_identifier", "string",
          "string_content", "string_literal", "integer", "float", "number_literal", "comment",
          "line_comment", "block_comment", "decimal_integer_literal", "character_literal",
          "raw_string_literal", "true", "false", "none", "null_literal", "escape_sequence"}  # fmt: skip


def _tree(code: str, language: str) -> Any:
    return parser(language).parse(code.encode("utf-8")).root_node


def skeleton(code: str, language: str) -> str:
    """The control-flow skeleton (see the module docstring)."""
    out: list[str] = []

    def visit(node: Any) -> None:
        tag = SKELETON.get(node.type)
        start = len(out)
        if tag is not None:
            out.append(tag)
        for c in node.named_children:
            visit(c)
        if tag is not None and len(out) > start + 1:
            out[start] = tag + "{"
            out.append("}")

    visit(_tree(code, language))
    return " ".join(out).replace("{ ", "{").replace(" }", "}")[:MAX_CHARS]


def _abbrev(node_type: str) -> str:
    return "".join(w[0] for w in node_type.split("_") if w)


def node_types(code: str, language: str) -> str:
    """The named node types in pre-order, abbreviated (see the module docstring)."""

    def walk(node: Any) -> Iterator[str]:
        if node.type in LEAVES or "comment" in node.type:
            return
        yield _abbrev(node.type)
        for c in node.named_children:
            yield from walk(c)

    root = _tree(code, language)
    return " ".join(t for c in root.named_children for t in walk(c))[:MAX_CHARS]


REPRESENTATIONS: dict[str, Callable[[str, str], str]] = {"skel": skeleton, "nodes": node_types}
GUESSABLE = ("python", "java", "cpp")


def _errors(node: Any) -> int:
    return sum(n.type == "ERROR" or n.is_missing for n in walk(node))


def guess_language(code: str) -> str:
    """The grammar of `GUESSABLE` that parses `code` with the fewest errors."""
    return min(GUESSABLE, key=lambda lang: _errors(_tree(code, lang)))


def augment(code: str, language: str | None, kind: str = "skel") -> str:
    """The arm's input: the representation, a separator line, then the code."""
    lang = language if language in GUESSABLE else guess_language(code)
    try:
        rep = REPRESENTATIONS[kind](code, lang)
    except Exception:  # a grammar that fails on a fragment: the code alone
        rep = ""
    return f"{rep}\n§\n{code}"


def invariance(codes: list[str], changed: list[str], languages: list[str]) -> dict[str, float]:
    """Share of texts whose representation is identical after a transformation, per kind."""
    out = {}
    for kind, fn in REPRESENTATIONS.items():
        same = sum(fn(a, lang) == fn(b, lang) for a, b, lang in zip(codes, changed, languages))
        out[kind] = same / max(1, len(codes))
    return out
