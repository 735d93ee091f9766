"""Builder for CodeT's sanitized MBPP (`CodeT/data/dataset/mbpp_sanitized_for_code_generation.jsonl`).

Human only: each task's `prompt` (signature plus the task text as a docstring) joined with its
`canonical_solution` body, the docstring re-indented to the body's indentation (the prompt's four
spaces do not parse beside a body of two or a tab): the only human MBPP samples with a docstring.
Group: `mbpp:<task_id>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from codeorigin_train.data.clean import error_line_fraction
from codeorigin_train.data.hallucode import group
from codeorigin_train.data.inputs import read_jsonl
from codeorigin_train.data.records import HUMAN, HUMAN_GENERATOR, Record

SOURCE = "codet"
FOLDER = "microsoft+CodeT"
_PATH = Path("CodeT/data/dataset/mbpp_sanitized_for_code_generation.jsonl")
_DEF_RE = re.compile(r"^(async\s+)?def\s", re.M)


def join_prompt(prompt: str, body: str) -> str:
    """The prompt's signature and docstring followed by `body`, with the docstring re-indented to
    the body's indentation; without the docstring if the result still does not parse."""
    indent = next(
        (line[: len(line) - len(line.lstrip())] for line in body.splitlines() if line.strip()),
        "    ",
    )
    defs = list(_DEF_RE.finditer(prompt))
    if not defs:
        return prompt + body
    head_end = prompt.index("\n", defs[-1].start()) + 1
    head, doc = prompt[:head_end], prompt[head_end:]
    doc_lines = [
        indent + line[4:] if line.startswith("    ") else line
        for line in doc.splitlines(keepends=True)
    ]
    code = head + "".join(doc_lines) + body
    if error_line_fraction(code, "python") > 0:
        return head + body
    return code


def read(root: Path) -> Iterator[Record]:
    """One human record per task."""
    for task in read_jsonl(root / _PATH, "CodeT's MBPP"):
        task_id = str(task["task_id"]).rsplit("/", 1)[-1]
        code = join_prompt(task.get("prompt", ""), task.get("canonical_solution", ""))
        yield Record(code, HUMAN, "python", SOURCE, HUMAN_GENERATOR, group(task_id))
