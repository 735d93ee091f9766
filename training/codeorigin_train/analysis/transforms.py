"""What a user's edits do to code, as functions text -> text (the robustness analysis applies them).

- `reformat`: black for Python; brace languages: K&R braces (a lone `{` joins the line before),
  re-indented by brace depth with four spaces, trailing blanks dropped.
- `rename`: the identifiers the snippet binds (functions, parameters, variables) renamed to `v1`,
  `v2`, ... in order of first appearance; names it only uses (calls, other objects' fields) stay.
- `strip_comments`: comments and docstrings removed (the dataset helper's `strip_comments`).
- `hand_edits`: three lines edited as a person might (seeded per text): operator spacing
  squeezed, a short comment appended, or a blank line inserted.

`apply` leaves a text it cannot transform (black rejects it, a parse fails) as written.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from typing import Any

from codeorigin.core.languages import parser
from codeorigin_train.data.clean import strip_comments

BINDING_PARENTS = {
    "python": {"function_definition", "parameters", "default_parameter", "typed_parameter",
               "typed_default_parameter", "assignment", "augmented_assignment", "for_statement",
               "for_in_clause", "pattern_list", "tuple_pattern", "lambda_parameters", "class_definition"},
    "java": {"method_declaration", "formal_parameter", "variable_declarator", "class_declaration",
             "enhanced_for_statement", "catch_formal_parameter", "constructor_declaration"},
    "cpp": {"function_declarator", "parameter_declaration", "init_declarator", "declaration",
            "for_range_loop", "reference_declarator", "pointer_declarator", "array_declarator",
            "optional_parameter_declaration", "class_specifier", "struct_specifier"},
}  # fmt: skip
IDENTIFIER_TYPES = {"identifier", "type_identifier"}
RESERVED = {"self", "cls", "main", "this", "super", "args", "kwargs"}


def walk(node: Any) -> Iterator[Any]:
    """The syntax tree under `node`, in pre-order."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def reformat(code: str, language: str) -> str:
    if language == "python":
        import black

        return black.format_str(code, mode=black.Mode())
    return _brace_style(code, language)


def _brace_style(code: str, language: str) -> str:
    """K&R braces and brace-depth indentation (braces inside strings and comments ignored)."""
    lines = [line.strip() for line in code.split("\n")]
    joined: list[str] = []
    for line in lines:
        if line.startswith("{") and joined and joined[-1] and not joined[-1].startswith("//"):
            joined[-1] = f"{joined[-1]} {line}".rstrip()
        else:
            joined.append(line)
    out, depth = [], 0
    for line in joined:
        opens, closes = _brace_counts(line)
        lead = len(line) - len(line.lstrip("}"))
        level = max(0, depth - lead)
        out.append(("    " * level + line) if line else "")
        depth = max(0, depth + opens - closes)
    return "\n".join(out).rstrip() + "\n"


def _brace_counts(line: str) -> tuple[int, int]:
    text = re.sub(r'"(\\.|[^"\\])*"|\'(\\.|[^\'\\])*\'', "", line.split("//")[0])
    return text.count("{"), text.count("}")


def rename(code: str, language: str) -> str:
    """Bound identifiers renamed to v1, v2, ... (see the module docstring)."""
    data = code.encode("utf-8")
    root = parser(language).parse(data).root_node
    parents = BINDING_PARENTS.get(language, set())

    def name(n: Any) -> str:
        return data[n.start_byte : n.end_byte].decode("utf-8", "replace")

    bound: list[str] = []
    for n in walk(root):
        if n.type in IDENTIFIER_TYPES and n.parent is not None and n.parent.type in parents:
            if name(n) not in bound and name(n) not in RESERVED:
                bound.append(name(n))
    mapping = {b: f"v{i + 1}" for i, b in enumerate(bound)}
    edits = [(n.start_byte, n.end_byte, mapping[name(n)]) for n in walk(root)
             if n.type in IDENTIFIER_TYPES | {"field_identifier"} and not n.children
             and name(n) in mapping and not _foreign_attribute(n)]  # fmt: skip
    out = data
    for start, end, new in sorted(edits, reverse=True):
        out = out[:start] + new.encode() + out[end:]
    return out.decode("utf-8", "replace")


def _foreign_attribute(node: Any) -> bool:
    """`obj.name` where obj is not self/this: the name belongs to another object's type."""
    parent = node.parent
    if parent is None or parent.type not in {"attribute", "field_access", "field_expression"}:
        return False
    obj = parent.children[0]
    return obj.start_byte != node.start_byte and obj.text not in (b"self", b"this")


def hand_edits(code: str, language: str, *, k: int = 3) -> str:
    """`k` lines edited as a person might (deterministic for a given text)."""
    rng = random.Random(sum(map(ord, code)) + len(code))
    lines = code.split("\n")
    body = [i for i, line in enumerate(lines) if line.strip() and i > 0]
    comment = "#" if language == "python" else "//"
    for i in sorted(rng.sample(body, min(k, len(body))), reverse=True):
        kind = rng.randrange(3)
        if kind == 0:  # spaces around operators squeezed out
            lines[i] = re.sub(r"\s*([=+\-*/<>]=?|==|!=|,)\s*",
                              lambda m: m.group(1).strip() or m.group(1), lines[i])  # fmt: skip
        elif kind == 1 and not lines[i].rstrip().endswith("\\"):
            note = rng.choice(["fix", "tmp", "check this", "ok"])
            lines[i] = f"{lines[i].rstrip()}  {comment} {note}"
        else:
            lines.insert(i, "")
    return "\n".join(lines)


TRANSFORMS: dict[str, Callable[[str, str], str]] = {
    "reformat": reformat,
    "rename": rename,
    "strip-comments": strip_comments,
    "hand-edits": hand_edits,
}


def apply(name: str, codes: list[str], languages: list[str]) -> tuple[list[str], int]:
    """Transformation `name` of every code; the number it could not transform (left unchanged)."""
    fn, out, failed = TRANSFORMS[name], [], 0
    for code, lang in zip(codes, languages):
        try:
            out.append(fn(code, lang))
        except Exception:  # black's InvalidInput, a grammar that rejects a fragment
            out.append(code)
            failed += 1
    return out, failed
