"""The code stays readable in pieces: no module over 500 lines and no function over 80 lines in
the runtime (`server/`) or the training tree (`training/`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 80


def _modules(tree: str) -> list[Path]:
    return sorted((ROOT / tree).rglob("*.py"))


@pytest.mark.parametrize("tree", ["server", "training"])
def test_no_file_and_no_function_is_too_long(tree: str) -> None:
    too_long = []
    for path in _modules(tree):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT)
        if text.count("\n") > MAX_FILE_LINES:
            too_long.append(f"{name}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    too_long.append(f"{name}:{node.lineno} {node.name}: {lines} lines")
    assert len(_modules(tree)) > 20
    assert not too_long, "split these: " + "; ".join(too_long)
