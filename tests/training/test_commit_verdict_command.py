"""`codeorigin-train commit-verdict`: a folder's change calibration and its threshold for the
functions one commit wrote, judged together, fitted on the validation split's changes and measured
on the test split's, through the real command and the runtime's loader."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from codeorigin.model.manifest import load_manifest
from helpers.igmodel import planted_function
from helpers.stackedmodel import build_stacked_model


def _run(*argv: str) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    return subprocess.run([sys.executable, "-m", "codeorigin_train", "commit-verdict", *argv],
                          capture_output=True, text=True, timeout=600)  # fmt: skip


@pytest.fixture(scope="module")
def inputs(tiny_ig_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A base judging Python; agents' changes (3 functions each, the planted line in most) and
    people's commits (2 or 3 functions, without it) of validation and test repositories, and
    rows the command never reads (the train split, a snapshot, another source)."""
    root = tmp_path_factory.mktemp("commit-verdict")
    base = build_stacked_model(root / "base", tiny_ig_model_dir, languages={"python": 0.5})
    raw = json.loads((base / "manifest.json").read_text())
    raw["thresholds"]["languages"] = {"python": {"llm": 0.6, "uncertain": 0.5}}
    (base / "manifest.json").write_text(json.dumps(raw))
    rng = random.Random(5)
    rows = []
    for split in ("train", "val", "test"):
        for c in range(120):
            agent = c % 2 == 0
            repo = f"octo/{split}{c % 12}"
            for _ in range(3 if agent else 2 + c % 4 // 3):
                rows.append({"code": planted_function(rng, agent and rng.random() < 0.7),
                             "label": int(agent), "language": "python", "source": "aidev",
                             "split": split, "repo": repo, "agent": "codex" if agent else None,
                             "origin": "pr" if agent else "commit", "change": f"{split}-{c}",
                             "judged": True,
                             "date": "2025-06-01" if agent else f"{2012 + c % 10}-03-01"})  # fmt: skip
    rows.append({**rows[-1], "origin": "snapshot", "change": "head"})
    rows.append({**rows[-1], "source": "codenet", "origin": None, "change": None})
    pd.DataFrame(rows).to_parquet(root / "pool.parquet")
    return {"base": base, "rows": root / "pool.parquet", "root": root}


def test_it_writes_a_change_calibration_the_runtime_loads(inputs: dict[str, Path]) -> None:
    out = inputs["root"] / "pooled"
    done = _run("--base", str(inputs["base"]), "--rows", str(inputs["rows"]), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "a commit's functions together:" in done.stdout and "people's functions flagged" in done.stdout
    raw = json.loads((out / "manifest.json").read_text())["change"]
    assert raw["rule"] == "mean-margin-by-changed-lines" and raw["a"] > 0
    assert raw["fitted_on"]["split"] == "val" and raw["fitted_on"]["changes"] == {"agents": 60, "people": 60}
    loaded = load_manifest(out).change
    assert loaded.calibrated and loaded.commit_llm == raw["commits"]["llm"] and loaded.commit_min_spans == 2
    test = raw["measured"]["test"]
    python = test["languages"]["python"]
    assert python["functions"] == 180 and python["with_commit"] >= python["alone"]
    assert test["people"]["commits"] == 60 and test["people"]["with_commit"] <= 0.05 * test["people"]["functions"]
    era = raw["measured"]["era"]  # people's commits of both splits, by year
    assert sorted(era["by_year"]) == [str(y) for y in range(2013, 2022, 2)]  # people: odd commits
    assert sum(y["functions"] for y in era["by_year"].values()) == 2 * test["people"]["functions"]
    assert "people's commits by year" in done.stdout
    # Everything else in the folder is the base's, byte for byte.
    for f in inputs["base"].iterdir():
        if f.name != "manifest.json":
            assert (out / f.name).read_bytes() == f.read_bytes()


def test_it_refuses_a_folder_calibrated_already_and_leaves_nothing(inputs: dict[str, Path]) -> None:
    first = inputs["root"] / "first"
    assert _run("--base", str(inputs["base"]), "--rows", str(inputs["rows"]), "--out", str(first)).returncode == 0
    again = inputs["root"] / "again"
    done = _run("--base", str(first), "--rows", str(inputs["rows"]), "--out", str(again))
    assert done.returncode == 2 and "has a change calibration already" in done.stderr
    assert not again.exists()
    done = _run("--base", str(inputs["base"]), "--rows", str(inputs["rows"]), "--out", str(first))
    assert done.returncode == 2 and "exists" in done.stderr


def test_the_test_cases_a_change_wrote_pool_with_its_functions(inputs: dict[str, Path]) -> None:
    """`--cases`: each change's test cases weigh in with its functions, at their own threshold
    (`thresholds.cases`), and are counted apart; a language without one has none pooled."""
    root = inputs["root"]
    raw = json.loads((inputs["base"] / "manifest.json").read_text())
    raw["thresholds"]["cases"] = {"python": {"llm": 0.7, "uncertain": 0.6}}
    base = root / "with-cases"
    base.mkdir()
    for f in inputs["base"].iterdir():
        (base / f.name).write_bytes(f.read_bytes())
    (base / "manifest.json").write_text(json.dumps(raw))
    pool = pd.read_parquet(inputs["rows"])
    firsts = pool[pool["split"].isin(["val", "test"])].drop_duplicates("change").copy()
    firsts["code"] = firsts["code"] + "\n# a case\n"
    cases = root / "cases.parquet"
    firsts.to_parquet(cases)
    out = root / "pooled-cases"
    done = _run("--base", str(base), "--rows", str(inputs["rows"]), "--cases", str(cases),
                "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    test = json.loads((out / "manifest.json").read_text())["change"]["measured"]["test"]
    assert test["languages"]["python"]["functions"] == 180  # the functions, as without cases
    assert test["cases"]["agents"]["python"]["functions"] == 60
    assert test["cases"]["people"]["python"]["functions"] == 60
    assert "python test cases:" in done.stdout
