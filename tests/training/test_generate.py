"""`python -m codeorigin_train.data.generate`: heads and bodies of real-project functions, the assembly
of a generated body under the human head (and the drops), and a run on a tiny random Llama
written by the test. CPU only, no download."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from codeorigin_train.data.generate import (
    COLUMNS,
    Sampling,
    assemble,
    main,
    select_rows,
    task_for,
)

PY = '''def area(width, height):
    """Area of a rectangle.

    Negative sides count as zero.
    """
    # clamp first
    w = max(width, 0)
    return w * max(height, 0)
'''
PY_METHOD = '''    @property
    def size(self):
        """How many items."""
        return len(self.items)
'''
JS = """/**
 * Sum of two numbers.
 */
function add(a, b) {
  // plain addition
  var s = a + b;
  return s;
}
"""
JS_METHOD = """  push(item) {
    // at the end
    this.items.push(item);
    return this;
  }
"""


def test_python_head_and_body() -> None:
    t = task_for(PY, "python")
    assert t is not None and t.language == "python" and t.indent == 4
    assert t.head.startswith("def area") and t.head.rstrip().endswith('"""')
    assert t.human_body.startswith("    # clamp first")  # comments before the first statement
    m = task_for(PY_METHOD, "python")  # an indented method keeps its indentation
    assert m is not None and m.head.startswith("    @property") and m.indent == 8
    assert task_for('def f():\n    """Only a docstring."""\n', "python") is None


def test_python_assembly_and_drops() -> None:
    t = task_for(PY, "python")
    assert t is not None
    code, why = assemble(
        t, "    if width < 0:\n        width = 0\n    return width * height\n```\n"
    )
    assert why == "" and code is not None
    assert code.startswith(t.head) and code.endswith("    return width * height")
    # A model that starts the function over: its own header and docstring go, its body stays.
    again = 'def area(width,\n         height):\n    """Area."""\n    return abs(width * height)\n'
    code, _ = assemble(t, again)
    assert code == f"{t.head}\n    return abs(width * height)"
    # Leaving the function (a dedented line) ends the body.
    code, _ = assemble(t, "    return 0\n\nprint(area(1, 2))\n")
    assert code == f"{t.head}\n    return 0"
    assert assemble(t, "    # TODO\n")[1] == "empty"
    assert assemble(t, "```")[1] == "empty"
    assert assemble(t, "    if width:\n  return 1\n")[1] == "unparsable"
    assert assemble(t, t.human_body + "\n")[1] == "identical"
    m = task_for(PY_METHOD, "python")
    assert m is not None
    code, _ = assemble(m, "    return sum(1 for _ in self.items)\n")
    assert code is not None and code.endswith("\n        return sum(1 for _ in self.items)")


def test_javascript_head_body_and_assembly() -> None:
    t = task_for(JS, "javascript")
    assert t is not None and t.indent == 2 and t.tail == "}"
    assert t.head.startswith("/**") and t.head.endswith("// plain addition")
    assert t.human_body.strip().startswith("var s")
    code, why = assemble(t, "  const s = [a, b].reduce((x, y) => x + y, 0);\n  return s;\n}\n```")
    assert why == ""
    assert code == f"{t.head}\n  const s = [a, b].reduce((x, y) => x + y, 0);\n  return s;\n}}"
    # Braces inside strings and comments do not close the function.
    code, why = assemble(t, '  if (a) { log("}"); } // }\n  return a + b;\n}\nadd(1, 2);')
    assert why == "" and code is not None and code.endswith("return a + b;\n}")
    assert assemble(t, "  // nothing\n}")[1] == "empty"
    assert assemble(t, "  return (a + ;\n}")[1] == "unparsable"
    assert assemble(t, "  var s = a + b;\n  return s;\n}")[1] == "identical"
    m = task_for(JS_METHOD, "javascript")  # a method parses inside a class body
    assert m is not None
    code, why = assemble(m, "    this.items = this.items.concat([item]);\n    return this;\n  }")
    assert why == "" and code is not None and code.endswith("    return this;\n  }")


def test_select_rows_spreads_over_projects() -> None:
    frame = pd.DataFrame(
        {
            "code": [f"def f{i}():\n    return {i}\n" for i in range(12)],
            "language": ["python"] * 10 + ["ruby"] * 2,
            "project": ["a"] * 6 + ["b"] * 2 + ["c"] * 2 + ["d"] * 2,
        }
    )
    rows = select_rows(frame, languages=["python"], limit=3, per_project=None, seed=1)
    assert sorted(rows["project"]) == ["a", "b", "c"]  # one per project before a second
    capped = select_rows(frame, languages=["python"], limit=None, per_project=1, seed=1)
    assert len(capped) == 3
    again = select_rows(frame, languages=["python"], limit=3, per_project=None, seed=1)
    assert rows["code"].tolist() == again["code"].tolist()


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    pytest.importorskip("gguf")
    from tiny_llama import write_folder, write_gguf

    root = tmp_path_factory.mktemp("tiny-gen")
    return write_gguf(write_folder(root / "folder", layers=2), root / "gguf")


def test_generate_on_a_tiny_model(tiny_gguf: Path, tmp_path: Path) -> None:
    realcode = tmp_path / "realcode.parquet"
    pd.DataFrame(
        {
            "code": [PY, JS, PY_METHOD, 'def f():\n    """Only a docstring."""\n'],
            "language": ["python", "javascript", "python", "python"],
            "project": ["geo", "mathjs", "geo", "empty"],
            "path": ["geo/area.py", "lib/add.js", "geo/bag.py", "e.py"],
            "name": ["area", "add", "size", "f"],
            "kind": ["function", "function", "method", "function"],
            "label": [0, 0, 0, 0],
        }
    ).to_parquet(realcode)
    out = tmp_path / "generated.parquet"
    argv = [
        "--realcode", str(realcode), "--out", str(out), "--model", str(tiny_gguf),
        "--limit", "4", "--max-new-tokens", "12", "--batch-size", "2", "--seed", "7",
        "--threads", "1", "--cache-dir", str(tmp_path / "cache"),
    ]  # fmt: skip
    assert main(argv) == 0
    frame = pd.read_parquet(out)
    summary = json.loads(out.with_name(out.name + ".summary.json").read_text())
    assert list(frame.columns) == list(COLUMNS)
    assert summary["functions"] == 4 and summary["generated"] == 3
    assert summary["dropped"]["no-body"] == 1
    assert summary["kept"] + sum(summary["dropped"].values()) == 4
    assert summary["kept"] == len(frame) and summary["generator"] == "tiny-llama"
    assert summary["sampling"] == {
        **Sampling(0.7, 0.95, 12, 7, 2).__dict__,
    }
    for row in frame.to_dict("records"):  # whatever a random model kept is well formed
        assert row["label"] == 1 and row["group"] == f"real:{row['project']}"
        head = task_for(row["human_code"], row["language"])
        assert head is not None and row["code"].startswith(head.head)
        assert head.head in row["prompt"] and row["seed"] in (7, 9)
        assert row["temperature"] == 0.7 and row["max_new_tokens"] == 12


def test_same_seed_same_bodies(tiny_gguf: Path, tmp_path: Path) -> None:
    from codeorigin_train.data.generate import Generator, build_prompt

    gen = Generator(str(tiny_gguf), cache_dir=tmp_path / "cache", device="cpu")
    task = task_for(PY, "python")
    assert task is not None
    prompt = build_prompt(gen.tokenizer, task)
    assert prompt.endswith(f"```python\n{task.head}\n   ") and "<|im_start|>assistant" in prompt
    s = Sampling(max_new_tokens=10)
    a = gen.complete([prompt, prompt], s, seed=3)
    b = gen.complete([prompt, prompt], s, seed=3)
    c = gen.complete([prompt, prompt], s, seed=4)
    assert a == b and a != c
    greedy = Sampling(temperature=0.0, max_new_tokens=10)
    assert gen.complete([prompt], greedy, seed=1) == gen.complete([prompt], greedy, seed=2)
