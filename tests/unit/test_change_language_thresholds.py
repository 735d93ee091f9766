"""A change's verdict without a change calibration agrees with its spans' own thresholds, those of
each span's language (`thresholds.languages`), not the model's global ones: a change of one span
gets that span's verdict, and a change of several pools their logits against the same weighted
mean of their thresholds' logits. A user's `--threshold` holds for every language; a calibrated
`change` in the manifest keeps its own a, b and thresholds. Through the real `codeorigin scan
--diff`, on a git repository, with the tiny test model given thresholds around its own scores."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest

from helpers.cli import scan
from helpers.gitrepo import git, init_repo
from helpers.samples import JAVA_STACK

PY = """def summarise(values):
    total = 0
    for value in values:
        total += value
    return total / max(1, len(values))
"""


def logit(p: float) -> float:
    return math.log(p / (1 - p))


@pytest.fixture()
def branch(tmp_path: Path) -> Path:
    """A repository whose branch `feature` adds a Python and a Java file to main."""
    root = init_repo(tmp_path / "repo")
    (root / "README.md").write_text("notes\n")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    git(root, "checkout", "-qb", "feature")
    (root / "stats.py").write_text(PY)
    (root / "Stack.java").write_text(JAVA_STACK)
    git(root, "add", ".")
    git(root, "commit", "-qm", "two files")
    return root


def with_manifest(src: Path, dst: Path, **keys: Any) -> Path:
    shutil.copytree(src, dst)
    manifest = json.loads((dst / "manifest.json").read_text())
    manifest.update(keys)
    (dst / "manifest.json").write_text(json.dumps(manifest))
    return dst


def diff_json(repo: Path, model: Path, *args: str) -> dict[str, Any]:
    res = scan("--diff", "main", *args, "--format", "json", "--exit-zero", "--model", str(model),
               cwd=repo)  # fmt: skip
    assert res.returncode == 0, res.stderr
    data: dict[str, Any] = json.loads(res.stdout)
    return data


def spans(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for f in data["files"] for s in f["spans"]}


def test_an_uncalibrated_change_is_judged_by_its_spans_own_thresholds(
    branch: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    scores = {n: s["probability"] for n, s in spans(diff_json(branch, tiny_model_dir)).items()}
    py, java = scores["summarise"], scores["pushAll"]
    assert 0.0 < py < 1.0 and 0.0 < java < 1.0
    # The global band puts both in `uncertain`; Python's own makes its span human, Java's own
    # makes its span llm: the old rule (global thresholds) said "possibly" of both changes.
    top = (1.0 + max(py, java)) / 2
    thresholds = {
        "llm": top,
        "uncertain": min(py, java) / 2,
        "languages": {"python": {"llm": top, "uncertain": (1.0 + py) / 2},
                      "java": {"llm": java / 2, "uncertain": java / 4}},
    }  # fmt: skip
    model = with_manifest(tiny_model_dir, tmp_path / "model", thresholds=thresholds)

    only_py = diff_json(branch, model, "stats.py")
    assert spans(only_py)["summarise"]["verdict"] == "human"
    assert only_py["change"]["verdict"] == "human" and only_py["change"]["calibrated"] is False
    assert only_py["change"]["probability"] == pytest.approx(py, abs=1e-4)  # sigmoid(logit(p))
    only_java = diff_json(branch, model, "Stack.java")
    assert spans(only_java)["pushAll"]["verdict"] == "llm"
    assert only_java["change"]["verdict"] == "llm"

    # Both: the logits pooled by changed lines, against the same mean of the thresholds' logits.
    both = diff_json(branch, model)
    weights = {n: s["changed_lines"] for n, s in spans(both).items()}
    total = sum(weights.values())
    z = (weights["summarise"] * logit(py) + weights["pushAll"] * logit(java)) / total
    z_llm = (weights["summarise"] * logit(top) + weights["pushAll"] * logit(java / 2)) / total
    z_unc = weights["summarise"] * logit((1 + py) / 2) + weights["pushAll"] * logit(java / 4)
    z_unc /= total
    expected = "llm" if z >= z_llm else "uncertain" if z >= z_unc else "human"
    assert both["change"]["verdict"] == expected
    assert both["change"]["probability"] == pytest.approx(1 / (1 + math.exp(-z)), abs=1e-3)
    text = scan("--diff", "main", "stats.py", "--model", str(model), cwd=branch).stdout
    assert text.startswith("Change against main (merge base ")
    assert ": not flagged (probability of LLM authorship " in text.splitlines()[0]
    assert (
        "pooled over 1 judged span)" in text
        and "the thresholds of its spans' own languages" in text
    )

    # The user's threshold is every language's: just above each span, each change is human.
    for name, path in (("summarise", "stats.py"), ("pushAll", "Stack.java")):
        above = str(round(scores[name] + 0.001, 4))
        data = diff_json(branch, model, path, "--threshold", above)
        assert spans(data)[name]["verdict"] != "llm" and data["change"]["verdict"] != "llm"
        below = str(round(scores[name] - 0.001, 4))
        data = diff_json(branch, model, path, "--threshold", below)
        assert spans(data)[name]["verdict"] == "llm" and data["change"]["verdict"] == "llm"


def test_a_calibrated_change_keeps_its_own_thresholds(
    branch: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """The manifest's `change` judges the pooled probability with its own thresholds, whatever
    the spans' languages say."""
    java = spans(diff_json(branch, tiny_model_dir, "Stack.java"))["pushAll"]["probability"]
    model = with_manifest(
        tiny_model_dir,
        tmp_path / "calibrated",
        thresholds={"llm": 0.5, "uncertain": 0.5,
                    "languages": {"java": {"llm": java / 2, "uncertain": java / 2}}},
        change={"rule": "mean-logit-by-changed-lines", "a": 1.0, "b": 0.0,
                "llm": (1 + java) / 2, "uncertain": (1 + java) / 2},
    )  # fmt: skip
    data = diff_json(branch, model, "Stack.java")
    assert spans(data)["pushAll"]["verdict"] == "llm"
    assert data["change"]["calibrated"] is True and data["change"]["verdict"] == "human"
    assert data["change"]["probability"] == pytest.approx(java, abs=1e-4)
