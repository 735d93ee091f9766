"""Finding a benchmark's function in a release archive, and putting a generated body in place of
the real one.

`ArchiveIndex.locate` finds `package.module[.Class].function` with `ast` (conditional definitions
too; the last one wins, as in Python). `pair_text` keeps the real decorators, signature and
docstring, drops a docstring the model wrote itself, cuts the body where the model left the
function, re-indents it, and rejects bodies that are empty, unparsable or (nearly) the real one.
"""

from __future__ import annotations

import ast
import difflib
import re
import textwrap
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from codeorigin_train.data.realcode.extract import archive_files
from codeorigin_train.data.realcode.paired_tasks import Task

# Near-identical bodies say nothing about authorship: the LLM reproduced the human code.
MAX_SIMILARITY = 0.9


# ------------------------------------------------------------------------------ locating


def _module_candidates(task: Task) -> list[tuple[str, list[str]]]:
    """(file path suffix, qualified name inside the file) pairs to look for, best first."""
    parts = task.namespace.split(".")
    out: list[tuple[str, list[str]]] = []
    if task.rel_path:
        mod = task.rel_path.removesuffix(".py").replace("/", ".")
        mod = mod.removesuffix(".__init__")
        tail = task.namespace
        for prefix in _dotted_suffixes(mod):
            if tail.startswith(prefix + "."):
                out.append((task.rel_path, tail[len(prefix) + 1 :].split(".")))
                break
    for i in range(len(parts) - 1, 0, -1):
        module, qual = parts[:i], parts[i:]
        out.append(("/".join(module) + ".py", qual))
        out.append(("/".join(module) + "/__init__.py", qual))
    return out


def _dotted_suffixes(mod: str) -> Iterator[str]:
    parts = mod.split(".")
    for i in range(len(parts)):
        yield ".".join(parts[i:])


def _find_def(tree: ast.AST, qual: list[str]) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The function at `qual` (Class.method or function) among a module's statements.

    Looks through `if`/`try` blocks at each level (conditional definitions), and takes the last
    definition of a name, as Python does.
    """
    body = getattr(tree, "body", [])
    for i, name in enumerate(qual):
        found: ast.AST | None = None
        for node in _statements(body):
            if getattr(node, "name", None) == name and isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
            ):
                found = node
        if found is None:
            return None
        if i == len(qual) - 1:
            return found if isinstance(found, ast.FunctionDef | ast.AsyncFunctionDef) else None
        body = getattr(found, "body", [])
    return None


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for node in body:
        yield node
        if isinstance(node, ast.If | ast.Try):
            for sub in (node.body, getattr(node, "orelse", []), getattr(node, "finalbody", [])):
                yield from _statements(sub)
            for handler in getattr(node, "handlers", []):
                yield from _statements(handler.body)


def _parse(text: str) -> ast.Module | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(text)
        except (SyntaxError, ValueError):
            return None


def _arg_names(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    a = fn.args
    names = [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
    if a.vararg:
        names.append("*" + a.vararg.arg)
    if a.kwarg:
        names.append("**" + a.kwarg.arg)
    return names


def signature_args(signature: str) -> list[str] | None:
    """The parameter names of a prompt's `def` line(s), or None when they do not parse."""
    tree = _parse(textwrap.dedent(signature).strip() + "\n    pass\n")
    if tree is None or not tree.body:
        return None
    fn = tree.body[0]
    return _arg_names(fn) if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) else None


@dataclass(frozen=True)
class HumanFunction:
    """A real function: its file, the text from its first decorator to its end, and where its
    body (after the docstring) starts, as line offsets into that text."""

    path: str
    lines: list[str]  # with their file indentation, no line ends
    body_start: int  # index into `lines` of the first statement after the docstring
    args: list[str]


def human_function(
    path: str, text: str, fn: ast.FunctionDef | ast.AsyncFunctionDef
) -> HumanFunction | None:
    """The function `fn` of file `text` (from its first decorator to its end), or None when it
    holds a docstring and nothing else."""
    lines = text.splitlines()
    first = min([d.lineno for d in fn.decorator_list] + [fn.lineno]) - 1
    end = fn.end_lineno or fn.lineno
    body = fn.body
    has_doc = (
        isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    )
    if has_doc and len(body) == 1:
        return None  # a docstring and nothing else: no body to compare
    stmt = body[1] if has_doc else body[0]
    start = stmt.lineno - 1
    # Comments between the docstring (or signature) and the first statement belong to the body.
    prev_end = (body[0].end_lineno if has_doc else _signature_end(fn)) or start
    while start > prev_end and lines[start - 1].strip().startswith("#"):
        start -= 1
    return HumanFunction(path, lines[first:end], start - first, _arg_names(fn))


def _signature_end(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """The last line (1-based) of the `def ...:` header: the line before the first statement's."""
    return fn.body[0].lineno - 1


class ArchiveIndex:
    """The Python files of one archive, found by path suffix."""

    def __init__(self, archive: Path) -> None:
        self.files: dict[str, bytes] = {
            rel: data for rel, data in archive_files(archive) if rel.endswith(".py")
        }
        self._trees: dict[str, ast.Module | None] = {}

    def _matching(self, suffix: str) -> list[str]:
        hits = [p for p in self.files if p == suffix or p.endswith("/" + suffix)]
        return sorted(hits, key=len)  # the shortest path: src/pkg/x.py before build/lib/...

    def locate(self, task: Task) -> HumanFunction | None:
        for suffix, qual in _module_candidates(task):
            for path in self._matching(suffix):
                text = self.files[path].decode("utf-8", "replace")
                if path not in self._trees:
                    self._trees[path] = _parse(text)
                tree = self._trees[path]
                fn = _find_def(tree, qual) if tree is not None else None
                if fn is not None:
                    return human_function(path, text, fn)
        return None


# ------------------------------------------------------------------------------- pairing


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _clean_body(body: str, indent: int) -> str | None:
    """A generated body re-indented to `indent`, cut where the model left the function, without a
    docstring of its own; None when nothing of a body remains."""
    body = body.replace("\r\n", "\n").replace("\t", "    ")
    lines = body.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return None
    base = _indent_of(lines[0])
    kept = []
    for line in lines:
        if line.strip() and _indent_of(line) < base:
            break  # the model went on past the function (another def, a call at module level)
        kept.append(line)
    text = textwrap.dedent("\n".join(kept)).strip("\n")
    tree = _parse(text)
    if tree is not None and tree.body:
        first = tree.body[0]
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            end = first.end_lineno or first.lineno
            text = "\n".join(text.split("\n")[end:]).strip("\n")
    if not _has_statement(text):
        return None
    return textwrap.indent(text, " " * indent)


def _has_statement(text: str) -> bool:
    tree = _parse(text)
    if tree is None:
        return any(line.strip() and not line.strip().startswith("#") for line in text.split("\n"))
    return any(
        not (isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and _is_ellipsis(s.value)))
        for s in tree.body
    )


def _is_ellipsis(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def squash(text: str) -> str:
    """The text with every run of white space made one blank (to compare bodies)."""
    return re.sub(r"\s+", " ", text).strip()


def pair_text(human: HumanFunction, body: str) -> tuple[str | None, str]:
    """The LLM version of a human function, or (None, reason it was dropped)."""
    head = human.lines[: human.body_start]
    human_body = human.lines[human.body_start :]
    indent = min((_indent_of(line) for line in human_body if line.strip()), default=4)
    cleaned = _clean_body(body, indent)
    if cleaned is None:
        return None, "empty"
    code = "\n".join([*head, cleaned])
    if _parse(textwrap.dedent(code)) is None:
        return None, "unparsable"
    a, b = squash("\n".join(human_body)), squash(cleaned)
    if a == b:
        return None, "identical"
    if difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= MAX_SIMILARITY:
        return None, "near-identical"
    return code, ""
