"""A commit's functions judged together (`scan.commits`), through the real command line, the
shipped model and real git: the functions one commit wrote are flagged together where their pooled
probability reaches the model's commit threshold, each saying so with its own probability kept;
nothing is pooled for lines not committed, with `--threshold` or with `--no-provenance`. And the
manifest's `change` object with the margin rule, checked as the runtime loads it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from codeorigin.core.change import MARGIN_RULE, PooledSpan, from_manifest, pooled_probability
from helpers.cli import scan
from helpers.gitrepo import git

FUNCTIONS = (Path(__file__).parents[1] / "helpers" / "commit_functions.txt").read_text()
PYTHON_THRESHOLD = "Threshold for python"


def _repo(tmp_path: Path, commit: bool = True) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "verdicts.py").write_text(FUNCTIONS)
    if commit:
        git(root, "add", ".")
        git(root, "-c", "user.name=Ann", "-c", "user.email=ann@example.org",
            "commit", "-qm", "Verdicts")  # fmt: skip
    return root


def _spans(root: Path, *args: str) -> list[dict]:  # type: ignore[type-arg]
    out = root.parent / "out.json"
    done = scan(str(root), "--format", "json", "--output", str(out), "--exit-zero", *args)
    assert done.returncode == 0, done.stderr
    return [s for f in json.loads(out.read_text())["files"] for s in f["spans"]]


def test_the_functions_of_one_commit_are_flagged_together(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    sha = git(root, "rev-parse", "HEAD").strip()
    spans = _spans(root)
    pooled = [s for s in spans if "with_commit" in s]
    functions = [s for s in spans if s["probability"] is not None and s["kind"] != "module"]
    assert len(pooled) >= 2 and all(s["kind"] != "module" for s in pooled)
    for s in pooled:
        w = s["with_commit"]
        assert s["verdict"] == "llm" and w["commit"] == sha[:10]
        assert w["probability"] >= w["threshold"] > s["probability"]  # its own score is kept
        assert w["functions"] == len(functions)  # every function it judges; no module code
    text = scan(str(root), "--exit-zero").stdout
    assert f"functions commit {sha[:10]} wrote: together" in text
    assert (f"Flagged with their commit: {len(pooled)} functions of 1 commit whose judged functions "
            f"together reach 93.0% ({sha[:10]} ") in text  # the summary names the commit once
    sarif = tmp_path / "out.sarif"
    scan(str(root), "--format", "sarif", "--output", str(sarif), "--exit-zero")
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    assert any("withCommit" in r["properties"] and "wrote: together" in r["message"]["text"]
               for r in results)  # fmt: skip


@pytest.mark.parametrize("how", ["not committed", "--threshold", "--no-provenance"])
def test_nothing_is_pooled_without_a_commit_or_with_the_users_threshold(
    tmp_path: Path, how: str
) -> None:
    root = _repo(tmp_path, commit=how != "not committed")
    args = {"--threshold": ("--threshold", "0.99"), "--no-provenance": ("--no-provenance",)}
    spans = _spans(root, *args.get(how, ()))
    assert not [s for s in spans if "with_commit" in s]
    if how != "--threshold":  # the model's own verdicts: a span under its threshold stays so
        assert any(s["verdict"] != "llm" and s["probability"] is not None for s in spans)


def test_the_margin_rule_pools_margins_over_each_languages_threshold() -> None:
    c = from_manifest({"rule": MARGIN_RULE, "a": 2.0, "b": 1.0, "llm": 0.9,
                       "commits": {"llm": 0.8}}, 0.5, 0.5)  # fmt: skip
    assert c.commit_llm == 0.8 and c.commit_min_spans == 2 and c.commit_min_share == 0.9
    spans = [PooledSpan(0.6, 10, 0.7, 0.5, 0.7), PooledSpan(0.9, 30, 0.95, 0.5, 0.95)]

    def lo(p: float) -> float:
        return math.log(p / (1 - p))

    z = (10 * (lo(0.6) - lo(0.7)) + 30 * (lo(0.9) - lo(0.95))) / 40
    assert pooled_probability(spans, c) == pytest.approx(1 / (1 + math.exp(-(2 * z + 1))))


@pytest.mark.parametrize(
    "raw, said",
    [
        ({"rule": "mean-logit-by-changed-lines", "a": 1, "b": 0, "llm": 0.9,
          "commits": {"llm": 0.8}}, "with the rule"),
        ({"rule": MARGIN_RULE, "a": 1, "b": 0, "llm": 0.9, "commits": {"llm": 1.5}}, "within"),
        ({"rule": MARGIN_RULE, "a": 1, "b": 0, "llm": 0.9,
          "commits": {"llm": 0.8, "min_spans": 1}}, "2 or more"),
        ({"rule": "median", "a": 1, "b": 0, "llm": 0.9}, "neither"),
    ],
)  # fmt: skip
def test_a_malformed_commit_threshold_is_refused(raw: dict, said: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=said):
        from_manifest(raw, 0.5, 0.5)
