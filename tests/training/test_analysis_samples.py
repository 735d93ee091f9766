"""`codeorigin-train evaluate-samples` on a tiny real model folder, with HumanEval-format problem
and sample files that the test writes itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codeorigin_train.analysis import samples
from codeorigin_train.data.inputs import read_jsonl

PROMPT = 'def {name}(xs):\n    """Return the {what} of xs."""\n'


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_files(folder: Path) -> tuple[Path, Path]:
    problems, drawn = [], []
    for i, (name, what) in enumerate(
        (("total", "sum"), ("largest", "maximum"), ("smallest", "minimum"))
    ):
        problems.append({"task_id": f"Toy/{i}", "prompt": PROMPT.format(name=name, what=what),
                         "canonical_solution": "    r = xs[0]\n    for x in xs[1:]:\n        r = x if x > r else r\n    return r\n",
                         "test": "def check(f): pass", "entry_point": name})  # fmt: skip
        for k in range(2):
            drawn.append({"task_id": f"Toy/{i}",
                          "completion": f"    result = {k}\n    for value in xs:\n        result += value\n    return result\n"})  # fmt: skip
    written = write_jsonl(folder / "problems.jsonl", problems)
    return written, write_jsonl(folder / "samples.jsonl", drawn)


def test_evaluate_samples_reports_auroc_recall_and_tasks(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    problems, drawn = write_files(tmp_path)
    out = tmp_path / "out"
    assert samples.main(["--model", str(tiny_model_dir), "--problems", str(problems), "--samples", str(drawn),
                         "--out", str(out), "--no-mlflow"]) == 0  # fmt: skip
    s = json.loads((out / "samples.json").read_text())
    assert (s["tasks"], s["human"], s["samples"]) == (3, 3, 6)
    assert 0.0 <= s["auroc"] <= 1.0 and 0.0 <= s["recall"] <= 1.0 and 0.0 <= s["twin_win"] <= 1.0
    assert [t["samples"] for t in s["per_task"]] == [2, 2, 2]
    assert (out / "samples_hist.png").stat().st_size > 1000
    assert (out / "per_task.csv").read_text().startswith("task_id,")


def test_full_functions_are_prompt_plus_completion(tmp_path: Path) -> None:
    problems, drawn = write_files(tmp_path)
    df = samples.functions(read_jsonl(problems, "--problems"), read_jsonl(drawn, "--samples"))
    assert df["code"].str.startswith("def ").all()
    assert df["code"].str.contains('"""Return the').all()
    other = [{"task_id": "Other/9", "completion": "x"}]
    with pytest.raises(SystemExit, match="missing from the problems"):
        samples.functions(read_jsonl(problems, "--problems"), other)
