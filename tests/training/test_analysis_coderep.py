"""The code-representation arm: its representation ignores names and layout, the variant trains
through the runner's leave-one-source-out folds, and `coderep-loso` compares it with its base."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from codeorigin_train.analysis import coderep, coderep_loso, transforms
from codeorigin_train.variants import registry


def test_representation_survives_renaming_and_reformatting() -> None:
    py = "def f(a, b):\n    s=0\n    for x in a:\n        if x>b: s+=x\n    return s\n"
    assert coderep.skeleton(py, "python") == "F{= for{if{=}} ret}"
    for name in ("rename", "reformat"):
        changed = transforms.TRANSFORMS[name](py, "python")
        assert changed != py
        assert coderep.invariance([py], [changed], ["python"]) == {"skel": 1.0, "nodes": 1.0}
    assert coderep.augment(py, "python").startswith("F{= for{if{=}} ret}\n§\n")
    assert coderep.guess_language(py) == "python"


def _frame_file(path: Path) -> Path:
    import pandas as pd

    rows = []
    for i in range(48):
        for label in (0, 1):
            body = (
                f"    for k in range(x):\n        x += k\n    return x + {i}\n"
                if label
                else f"    return x*{i}\n"
            )
            rows.append({"code": f"def f{i}(x):\n{body}", "label": label, "language": "python",
                         "source": ("semeval", "codenet", "mbpp")[i % 3], "generator": "g" if label else "Human",
                         "group": f"g{i}", "split": "train" if i < 32 else ("val" if i < 40 else "test")})  # fmt: skip
    pd.DataFrame(rows).to_parquet(path)
    return path


def test_the_arm_is_a_registered_variant_over_any_base() -> None:
    v = registry.get("coderep-nodes-char-ngram")
    assert (v.kind, v.base.name, v.exportable) == ("nodes", "char-ngram", False)
    assert registry.get("coderep").base.name == "scratch-bpe"


def test_coderep_loso_compares_the_arm_with_its_base(tmp_path: Path) -> None:
    data = _frame_file(tmp_path / "d.parquet")
    out = tmp_path / "out"
    assert coderep_loso.main(["--dataset", str(data), "--bases", "char-ngram", "--sources", "semeval", "codenet",
                              "--n", "10", "--out", str(out), "--work", str(tmp_path), "--no-mlflow"]) == 0  # fmt: skip
    s = json.loads((out / "coderep.json").read_text())
    assert [a["variant"] for a in s["arms"]] == ["char-ngram", "coderep-char-ngram"]
    for arm in s["arms"]:
        assert set(arm["folds"]) == {"semeval", "codenet"} and np.isfinite(arm["mean"])
    assert (out / "coderep.png").stat().st_size > 1000
