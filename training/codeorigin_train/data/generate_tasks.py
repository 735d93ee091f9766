"""What `generate` asks SmolLM2 for, and how its answer becomes a function.

A task is the human function's head (Python: signature and docstring; JavaScript/TypeScript: up to
the opening brace and the body's leading comments), kept verbatim; the prompt is the chat template
with the answer pre-filled with the head; `assemble` puts the generated body under the head and
rejects what cannot be a function (see `generate.py`).
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from typing import Any

LANG_FENCE = {"python": "python", "javascript": "javascript", "typescript": "typescript"}
INSTRUCTION = (
    "Complete the {language} function `{name}` that I started: keep its signature{doc} as they "
    "are and write the code of its body."
)


@dataclass(frozen=True)
class Task:
    """One function to complete: the human head (kept verbatim), its body, and how to close it."""

    head: str  # signature (+ docstring / leading comments), as the function's text has it
    human_body: str
    indent: int  # the human body's indentation (columns)
    tail: str  # JavaScript: the closing brace and what follows it; Python: ""
    language: str


# ------------------------------------------------------------------------------- tasks


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def python_task(code: str) -> Task | None:
    """Head and body of the first function in `code`, or None when it has no body to write. An
    indented method keeps its indentation in the head, the body and the generated code."""
    from codeorigin_train.data.realcode.paired_locate import human_function

    flat = textwrap.dedent(code)
    pad = next(
        (
            _indent_of(a) - _indent_of(b)
            for a, b in zip(code.split("\n"), flat.split("\n"))
            if b.strip()
        ),
        0,
    )
    try:
        tree = ast.parse(flat)
    except SyntaxError:
        return None
    fn = next(
        (n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))), None
    )
    if fn is None:
        return None
    human = human_function("", flat, fn)
    if human is None:
        return None
    lines = [textwrap.indent(line, " " * pad) if line.strip() else line for line in human.lines]
    body = lines[human.body_start :]
    indent = min((_indent_of(line) for line in body if line.strip()), default=pad + 4)
    return Task("\n".join(lines[: human.body_start]), "\n".join(body), indent, "", "python")


_JS_FUNCTIONS = {
    "function_declaration",
    "function_expression",
    "function",
    "generator_function_declaration",
    "generator_function",
    "method_definition",
    "arrow_function",
}


def _js_parser(language: str) -> Any:
    from tree_sitter import Language, Parser

    if language == "typescript":
        import tree_sitter_typescript as ts

        return Parser(Language(ts.language_typescript()))
    import tree_sitter_javascript as js

    return Parser(Language(js.language()))


def _js_parses(code: str, language: str) -> bool:
    """Parses without error, on its own or (a method) inside a class body."""
    parser = _js_parser(language)
    return any(
        not parser.parse(text.encode("utf-8")).root_node.has_error
        for text in (code, f"class _C {{\n{code}\n}}")
    )


def _first_js_function(node: Any) -> Any:
    if node.type in _JS_FUNCTIONS:
        body = node.child_by_field_name("body")
        if body is not None and body.type == "statement_block":
            return node
    for child in node.children:
        found = _first_js_function(child)
        if found is not None:
            return found
    return None


def js_task(code: str, language: str = "javascript") -> Task | None:
    """Head (through the body's `{` and the comments opening the body), body and closing brace of
    the first function with a block body in `code`; None when there is none or its body is empty."""
    data = code.encode("utf-8")
    parser = _js_parser(language)
    tree = parser.parse(data)
    fn = _first_js_function(tree.root_node) if not tree.root_node.has_error else None
    shift = 0
    if fn is None:  # a method on its own: parse it inside a class body
        prefix = b"class _C {\n"
        wrapped = parser.parse(prefix + data + b"\n}")
        fn = _first_js_function(wrapped.root_node)
        shift = len(prefix)
    if fn is None:
        return None
    data = b" " * shift + data  # byte offsets of the wrapped parse; the head is cut after them
    block = fn.child_by_field_name("body")
    inner = [c for c in block.named_children]
    head_end = block.start_byte + 1  # just after "{"
    k = 0
    while k < len(inner) and inner[k].type == "comment":
        head_end = inner[k].end_byte
        k += 1
    if k == len(inner):
        return None  # comments only: no body to write
    close = block.end_byte - 1  # the "}"
    head = data[shift:head_end].decode("utf-8")
    body = data[head_end:close].decode("utf-8").strip("\n")
    body_lines = [line for line in body.split("\n") if line.strip()]
    if not body_lines:
        return None
    indent = min(_indent_of(line) for line in body_lines)
    line_start = data.rfind(b"\n", 0, close) + 1
    closing_indent = data[line_start:close].decode("utf-8")
    tail = (closing_indent if not closing_indent.strip() else "") + data[close:].decode("utf-8")
    return Task(head.rstrip(" "), body, indent, tail.rstrip("\n"), language)


def task_for(code: str, language: str) -> Task | None:
    if language == "python":
        return python_task(code)
    if language in ("javascript", "typescript"):
        return js_task(code, language)
    return None


# ------------------------------------------------------------------------------- bodies


def _cut_js_body(text: str) -> str:
    """The generated text up to the brace that closes the function (a scanner that skips strings,
    template literals and comments)."""
    depth, i, n = 0, 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'`":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                return text[:i]
            depth -= 1
        i += 1
    return text


def _after_restatement(task: Task, text: str) -> str:
    """The body, when the model started over with the function's own `def` line (small models
    often do): what follows its header and docstring. Otherwise `text` unchanged."""
    lines = text.split("\n")
    k = 0
    while k < len(lines) and not lines[k].strip():
        k += 1
    name = _function_name(task)
    if k == len(lines) or not re.match(rf"\s*(async\s+)?def\s+{re.escape(name)}\b", lines[k]):
        return text
    while k < len(lines) and not lines[k].rstrip().endswith(":"):
        k += 1  # the header may span lines
    k += 1
    while k < len(lines) and not lines[k].strip():
        k += 1
    if k < len(lines) and lines[k].strip()[:3] in ('"""', "'''"):
        quote = lines[k].strip()[:3]
        rest = lines[k].strip()[3:]
        if quote not in rest:
            k += 1
            while k < len(lines) and quote not in lines[k]:
                k += 1
        k += 1
    return "\n".join(lines[k:])


def assemble(task: Task, generated: str) -> tuple[str | None, str]:
    """The generated function (human head + generated body), or (None, why it was dropped):
    `empty`, `unparsable`, `identical` or `near-identical`."""
    text = generated.split("```", 1)[0]
    if task.language == "python":
        from codeorigin_train.data.realcode.paired_locate import HumanFunction, pair_text

        text = _after_restatement(task, text)
        lines = task.head.split("\n")
        human = HumanFunction("", [*lines, *task.human_body.split("\n")], len(lines), [])
        return pair_text(human, text)
    from codeorigin_train.data.realcode.paired_locate import MAX_SIMILARITY, squash

    body = textwrap.dedent(_cut_js_body(text).replace("\t", "    ").rstrip()).strip("\n")
    if not any(
        line.strip() and not line.strip().startswith(("//", "/*", "*")) for line in body.split("\n")
    ):
        return None, "empty"
    body = textwrap.indent(body, " " * task.indent)
    code = f"{task.head}\n{body}\n{task.tail}"
    if not _js_parses(code, task.language):
        return None, "unparsable"
    a, b = squash(task.human_body), squash(body)
    if a == b:
        return None, "identical"
    import difflib

    if difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= MAX_SIMILARITY:
        return None, "near-identical"
    return code, ""


# ------------------------------------------------------------------------------- the model


def _doc_word(task: Task) -> str:
    return " and docstring" if task.language == "python" else " and leading comment"


def _function_name(task: Task) -> str:
    m = re.search(r"(?:def|function\*?)\s+([A-Za-z_$][\w$]*)|([A-Za-z_$][\w$]*)\s*\(", task.head)
    return next((g for g in (m.groups() if m else ()) if g), "f")


def body_prefix(task: Task) -> str:
    """The start of the body written into the prompt: the body's indentation less one space.

    A byte-level BPE model writes an indented line as a newline-and-spaces token followed by a
    word that carries the last space (" return"), so the prompt stops one space short and the
    model's first token is a word. Ending the prompt after the newline, the model mostly closed the
    fence or started another function; ending it with the full indentation, it wrote one space too
    many (measured on SmolLM2-135M-Instruct, 4 functions each way: 0 and 0 bodies kept, 2 here).
    """
    return " " * max(task.indent - 1, 0)


def build_prompt(tokenizer: Any, task: Task) -> str:
    """The chat prompt with the assistant's answer started: a code fence, the head and
    `body_prefix`, so that what the model writes next is the body."""
    fence = LANG_FENCE.get(task.language, task.language)
    user = INSTRUCTION.format(
        language={"javascript": "JavaScript", "typescript": "TypeScript"}.get(
            task.language, task.language.capitalize()
        ),
        name=_function_name(task),
        doc=_doc_word(task),
    )
    if not getattr(tokenizer, "chat_template", None):
        raise ValueError("the generator's tokenizer has no chat template")
    start = tokenizer.apply_chat_template(
        [{"role": "user", "content": user}], tokenize=False, add_generation_prompt=True
    )
    return f"{start}```{fence}\n{task.head}\n{body_prefix(task)}"
