"""`codeorigin-train fragment-pairs`: the shipped model on agents' and people's fragments of the
same repository, by where each sits (an edit inside a function, a new function, module code)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from codeorigin_train.analysis.fragment_pairs import main, pairs_by_kind

ROOT = Path(__file__).resolve().parents[2]


def test_pairs_count_only_agents_and_people_of_the_same_repository_and_kind() -> None:
    scored = pd.DataFrame({
        "repo": ["a", "a", "a", "b", "b", "a"],
        "kind": ["edited", "edited", "edited", "edited", "edited", "new"],
        "label": [1, 0, 0, 0, 1, 0],
        "p": [0.8, 0.2, 0.9, 0.1, float("nan"), 0.0],  # b's agent was too short to judge
    })  # fmt: skip
    got = pairs_by_kind(scored)
    assert got["edited"] == {"agents": 1, "people": 3, "pairs": 2, "within_pairs": 0.5}
    assert got["new"]["pairs"] == 0 and got["new"]["within_pairs"] is None


def _fragment(name: str, body: str) -> str:
    return f"def {name}(items, limit):\n" + body + "    return result\n"


def test_the_command_scores_fragments_with_a_model_folder(tmp_path: Path) -> None:
    body = "".join(f"    result = [x * {i} for x in items if x > limit]\n" for i in range(8))
    rows = [
        (_fragment("scale", body), 1, "edited", "r1"),
        (_fragment("shrink", body.replace("*", "//")), 0, "edited", "r1"),
        (_fragment("grow", body.replace("*", "+")), 0, "new", "r1"),
        ("x = 1\n", 1, "outside", "r1"),  # too short to judge
    ]
    frame = pd.DataFrame(rows, columns=["code", "label", "kind", "repo"])
    frame = frame.assign(language="python", split="test")
    frame.to_parquet(tmp_path / "fragments.parquet")
    out = tmp_path / "pairs.json"
    model = ROOT / "models" / "default"
    assert main(["--fragments", str(tmp_path / "fragments.parquet"), "--models", str(model),
                 "--out", str(out)]) == 0  # fmt: skip
    got = json.loads(out.read_text())[str(model)]
    assert (got["edited"]["agents"], got["edited"]["people"], got["edited"]["pairs"]) == (1, 1, 1)
    assert got["edited"]["within_pairs"] in (0.0, 0.5, 1.0)
    assert got["outside"]["agents"] == 0  # the one-line fragment gets no score
    frame.drop(columns=["kind"]).to_parquet(tmp_path / "old.parquet")
    with pytest.raises(SystemExit, match="no `kind` column"):
        main(["--fragments", str(tmp_path / "old.parquet"), "--models", str(model)])
