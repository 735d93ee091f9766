"""What carries authorship in a piece of code, counted the same way in every language: the
statement lines and identifier/literal tokens that the "too short" guard compares with
`minLines` and `minTokens` (`Content`), for a span's body (`count`, `body_of`) or a whole text
(`content_of`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node

from codeorigin.core import languages


@dataclass(frozen=True)
class Content:
    """What carries authorship in a piece of code, counted the same way in every language.

    `statement_lines`: lines of the body (never the signature) that hold at least one identifier
    or literal, so lines of braces, `end`, `else {` or punctuation alone do not count.
    `tokens`: identifier and literal tokens of the body: the named leaves of the tree-sitter tree
    (identifiers, field names, numbers, `this`/`self`, types), a whole string literal counting as
    one, comments not at all.
    """

    statement_lines: int
    tokens: int


# Kotlin's and Swift's "literals" that hold code: closures, `object : T { }`, arrays, dictionaries.
_COMPOSITE = frozenset(
    {
        "lambda_literal",
        "object_literal",
        "collection_literal",
        "array_literal",
        "dictionary_literal",
    }
)


def _is_atomic(node_type: str) -> bool:
    """A literal counted as one token, whatever is inside it (string fragments, escapes)."""
    if node_type in _COMPOSITE:
        return False
    return "string" in node_type or node_type.endswith("literal") or "heredoc" in node_type


_NOT_CONTENT = {"php_tag", "text", "string_start", "string_end"}
# `this`, `base` and `super` are named leaves in most grammars, keywords in C#'s, Kotlin's and
# Swift's: counted alike (Swift's `self` is the named `self_expression`, made of its keyword).
_KEYWORD_TOKENS = frozenset({"this", "base", "super"})
_KEYWORD_NODES = frozenset({"self_expression", "this_expression", "super_expression"})


def count(nodes: list[Node], skip: frozenset[tuple[int, int]] = frozenset()) -> Content:
    """Count identifier/literal leaves under `nodes`, pruning the subtrees whose byte ranges are in
    `skip` (the nodes of functions and classes, for a module span)."""
    rows: set[int] = set()
    tokens = 0
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        t = node.type
        if "comment" in t:
            continue
        if skip and (node.start_byte, node.end_byte) in skip:
            continue
        if node.is_named and (_is_atomic(t) or t in _KEYWORD_NODES):
            tokens += 1
            rows.add(node.start_point[0])
            continue
        if node.child_count == 0:
            named = node.is_named or t in _KEYWORD_TOKENS
            if named and t not in _NOT_CONTENT and node.end_byte > node.start_byte:
                tokens += 1
                rows.add(node.start_point[0])
            continue
        stack.extend(reversed(node.children))
    return Content(len(rows), tokens)


def body_of(node: Node, name_node: Node | None) -> list[Node]:
    """The nodes of a span that the guard counts: the function's body without its signature."""
    cur = node
    for _ in range(4):  # through decorators, templates, `export`, a binding's value
        body = cur.child_by_field_name("body")
        if body is not None:
            return [body]
        inner = cur.child_by_field_name("value") or cur.child_by_field_name("right")
        if inner is None:
            inner = next(
                (c for c in cur.named_children if c.child_by_field_name("body") is not None), None
            )
        if inner is None:
            break
        cur = inner
    skip = {
        "parameters",
        "formal_parameters",
        "parameter_list",
        "lambda_parameters",
        "lambda_function_type",  # Swift: `{ (x: Int) -> Int in ... }`
    }
    return [
        c
        for c in node.named_children
        if c.type not in skip and (name_node is None or c.id != name_node.id)
    ]


def content_of(text: str, language_id: str | None) -> Content:
    """`Content` of a whole text (a selection, a file): parsed with the language's grammar, or, for
    an unsupported language, counted from identifiers, numbers and strings line by line."""
    language = languages.canonical(language_id)
    if language is None:
        rows = 0
        tokens = 0
        for line in text.splitlines():
            found = _WORDS.findall(line)
            tokens += len(found)
            rows += bool(found)
        return Content(rows, tokens)
    if language == "php" and not _PHP_OPEN.search(text):
        # A selection inside a PHP file holds no `<?php`: without it the grammar reads the
        # whole text as inline HTML, and the guard would call every PHP selection too short.
        text = "<?php\n" + text
    data = _LONE_CR.sub("\n", text).encode("utf-8", "surrogatepass")  # as `extract_spans`
    root = languages.parser(language).parse(data).root_node
    return count([root])


_PHP_OPEN = re.compile(r"<\?(?:php\b|=)", re.IGNORECASE)
_LONE_CR = re.compile(r"\r(?!\n)")  # as `spans._LONE_CR`
_WORDS = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[A-Za-z_$@][\w$]*|\d[\w.]*""")
