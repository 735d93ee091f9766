"""The distilled student: its recipe names, its soft targets, and a fit that reads a teacher's
logits written by the test in the GPU bake-off's format (`logits.parquet`, keyed by text)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("torch")

from codeorigin_train.backbone.bakeoff import text_key
from codeorigin_train.fit.frames import split_rows
from codeorigin_train.variants.distilled import (
    TEACHER_LOGITS,
    parse_recipe,
    soft_targets,
)
from codeorigin_train.variants.registry import get


def test_recipe_names() -> None:
    assert parse_recipe("distilled") == {
        "alpha": 0.5, "temperature": 2.0, "generated": False, "arm": "k12-full-gen"
    }  # fmt: skip
    r = parse_recipe("distilled-a30-t4-gen-teacher=k6-full")
    assert r == {"alpha": 0.3, "temperature": 4.0, "generated": True, "arm": "k6-full"}
    with pytest.raises(KeyError):
        parse_recipe("distilled-x1")


def test_soft_targets_mix_label_and_teacher() -> None:
    y = np.array([1, 0, 1])
    t = np.array([0.0, 4.0, np.nan])
    out = soft_targets(y, t, alpha=0.5, temperature=2.0)
    assert out[0] == pytest.approx(0.75)  # 0.5 * 1 + 0.5 * sigmoid(0)
    assert out[1] == pytest.approx(0.5 / (1 + np.exp(-2.0)))
    assert out[2] == 1.0  # no teacher logit: the label
    assert np.array_equal(soft_targets(y, t, alpha=1.0, temperature=2.0), [1.0, 0.0, 1.0])


def test_a_student_trains_on_its_teachers_logits(tmp_path: Path) -> None:
    human = "def f{i}(xs):\n    out = []\n    for x in xs:\n        out.append(x * {i})\n    return out\n"
    llm = 'def g{i}(name):\n    """Greet {i}."""\n    print("hello", name)\n    return None\n'
    rows = [
        {"code": t.format(i=i), "label": lab, "language": "python", "source": "s",
         "generator": "x", "group": f"g{i}", "split": ["train", "train", "val", "test"][i % 4]}
        for i in range(24) for t, lab in ((human, 0), (llm, 1))
    ]  # fmt: skip
    frame = pd.DataFrame(rows)
    teacher = pd.DataFrame({"key": [text_key(c) for c in frame["code"]]})
    teacher["logit:k12-full-gen"] = np.where(frame["label"] == 1, 3.0, -3.0)
    (tmp_path / TEACHER_LOGITS).parent.mkdir(parents=True)
    teacher.to_parquet(tmp_path / TEACHER_LOGITS)
    v = get("distilled-a50-t2", work=tmp_path)
    frame, _ = v.training_rows(frame, tmp_path)
    train = split_rows(frame, "train")
    y = v.targets(frame, train)
    assert v.coverage == 1.0
    want = 0.5 + 0.5 / (1 + np.exp(-1.5))  # an LLM row: label 1, teacher sigmoid(3 / 2)
    assert y[train][frame["label"].to_numpy()[train] == 1] == pytest.approx(want)
    assert set(y[split_rows(frame, "val")]) == {0.0, 1.0}  # validation keeps its labels
    v.prepare(frame, tmp_path / "run")
    res = v.fit(frame, tmp_path / "run")
    assert np.isfinite(res.test_logits).all() and len(res.test_logits) == len(
        split_rows(frame, "test")
    )
    assert "distilled from the fine-tuned backbone k12-full-gen" in v.description
