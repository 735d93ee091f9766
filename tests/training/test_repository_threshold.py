"""`codeorigin-train repository-threshold`: a threshold read off held-out repository humans, applied
to the leave-one-agent-out rows, through the real command line on a small scores file."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from codeorigin_train.cli import main


def test_the_threshold_holds_its_humans_and_counts_each_agents_rows(tmp_path: Path) -> None:
    humans = [(0, "python", "realcode", "main", "test", i / 1000) for i in range(1000)]
    contest = [(0, "python", "codenet", "main", "test", 0.99)]  # not repository code: ignored
    held_out = [(1, "python", "aidev", "loao", "codex", p) for p in (0.2, 0.9999, 0.99995)]
    held_out += [(0, "python", "aidev", "loao", "codex", p) for p in (0.1, 0.99991)]
    scores = pd.DataFrame(humans + contest + held_out,
                          columns=["label", "language", "source", "part", "fold", "p"])  # fmt: skip
    path, out = tmp_path / "scores.parquet", tmp_path / "out.json"
    scores.to_parquet(path)
    assert main(["repository-threshold", "--scores", str(path), "--out", str(out)]) == 0
    python = json.loads(out.read_text())["python"]
    # 1,000 humans: at most 4 may be flagged for a 95% bound of 1% (binomial), so the threshold
    # sits just above the fifth-highest human score.
    assert python["repository_humans"] == 1000 and python["threshold"] == 0.995  # rounded
    assert python["leave_one_agent_out"]["codex"] == {
        "agent_functions": 3, "agent_flagged": 2, "human_functions": 2, "human_flagged": 1,
    }  # fmt: skip
    assert main(["repository-threshold", "--scores", str(tmp_path / "none.parquet")]) == 2
