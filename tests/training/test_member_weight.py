"""`codeorigin-train member --agentic-rows` and `codeorigin-train member-weight`: a transformer
trained with the agentic train repositories, and what it adds beside a linear member, judged
within repositories on rows neither saw."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from codeorigin_train.analysis.member_weight import main as member_weight
from codeorigin_train.analysis.member_weight import within_pairs
from codeorigin_train.data.inputs import InputError


def test_within_pairs_compare_agents_with_people_of_their_own_repository_only() -> None:
    rows = pd.DataFrame({
        "source": ["aidev"] * 6 + ["planted"] * 2,
        "group": ["a", "a", "a", "b", "b", "b", "c", "c"],
        "label": [1, 0, 0, 1, 0, 0, 1, 0],
        # repository a: the agent outscores both people; b: one of two. A person of b scoring
        # above a's agent, and the non-agentic rows, change nothing.
        "score": [0.5, 0.1, 0.2, 0.6, 0.9, 0.3, 0.0, 1.0],
    })  # fmt: skip
    assert within_pairs(rows, "score") == pytest.approx(3 / 4)
    assert within_pairs(rows[rows["group"] == "c"], "score") is None


def test_a_member_trained_with_the_agentic_rows_is_weighed_beside_the_linear_member(
    tmp_path: Path,
) -> None:
    from codeorigin_train.export.member import main as member
    from codeorigin_train.variants import registry
    from helpers.stackedmodel import planted_frame

    pool = planted_frame(200)
    pool["repo"] = pool["group"]
    pool["source"] = np.where(pool.index % 5 == 0, "aidev", "planted")
    pool.to_parquet(tmp_path / "pool.parquet")
    out, work = tmp_path / "member", tmp_path / "runs"
    assert member(["--pool", str(tmp_path / "pool.parquet"), "--out", str(out), "--work",
                   str(work), "--epochs", "1", "--vocab-size", "300", "--ig-texts", "2",
                   "--agentic-rows"]) == 0  # fmt: skip
    report = json.loads((work / "scratch-bpe-pool" / "member.json").read_text())
    assert report["rows"]["train"] == int((pool["split"] == "train").sum())  # agentic ones too
    assert "aidev" in report["val"]["source"]
    assert json.loads((out / "manifest.json").read_text())["training"]["rows"]["agentic_rows"] == (
        "every split"
    )

    linear = registry.get("linear")
    train = pool[pool["split"] == "train"]
    x = linear.matrix(train["code"].tolist(), train["language"].tolist())  # type: ignore[attr-defined]
    linear.model = linear.fit_matrix(x, train["label"])  # type: ignore[attr-defined]
    linear.save(tmp_path / "linear")  # type: ignore[attr-defined]
    result = tmp_path / "weight.json"
    assert member_weight(["--pool", str(tmp_path / "pool.parquet"), "--linear-run",
                          str(tmp_path / "linear"), "--transformers", str(out), "--work",
                          str(tmp_path / "w"), "--out", str(result)]) == 0  # fmt: skip
    figures = json.loads(result.read_text())
    assert figures["linear"]["test_auroc"] > 0.9  # the planted word
    weighed = figures[str(out)]
    assert set(weighed["stacked"]["weights"]) == {"transformer", "linear"}
    assert weighed["stacked"]["weights"]["linear"] > 0
    assert -1.0 <= weighed["correlation_with_linear"] <= 1.0
    assert (tmp_path / "w" / "member-logits.parquet").is_file()  # cached for the next run

    with pytest.raises(InputError, match=r"--transformers .*no model folder"):
        member_weight(["--pool", str(tmp_path / "pool.parquet"), "--linear-run",
                       str(tmp_path / "linear"), "--transformers", str(tmp_path / "none")])  # fmt: skip
