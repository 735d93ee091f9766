"""`codeorigin-train heads` on a tiny real model folder: the torch copy reproduces onnxruntime (or
loading fails), head masking acts on the model, and the command writes its statistics and plots."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from codeorigin_train.analysis import heads, torchmodel

PY = "def f{i}(x, y):\n    # add them\n    for k in range(x):\n        y += k * {i}\n    return y\n"
JAVA = "public int f{i}(int x) {{\n    int y = 0;\n    for (int k = 0; k < x; k++) {{ y += k; }}\n    return y * {i};\n}}\n"
CPP = (
    "int f{i}(int x) {{\n  int y = {i};\n  while (x > 0) {{\n    y += x--;\n  }}\n  return y;\n}}\n"
)


def held_out_rows(path: Path, n: int = 8) -> Path:
    """A dataset file whose test split holds `n` functions per language, half of them `LLM`."""
    rows = []
    for lang, tmpl in (("python", PY), ("java", JAVA), ("cpp", CPP)):
        for i in range(n):
            code = tmpl.format(i=i)
            rows.append({"code": code if i % 2 else code.replace("    ", "  "), "label": i % 2,
                         "language": lang, "source": "s", "generator": "gpt-4o" if i % 4 == 1 else
                         ("llama-3" if i % 2 else "Human"), "group": f"{lang}{i}", "split": "test"})  # fmt: skip
    pd.DataFrame(rows).to_parquet(path)
    return path


def test_torch_copy_matches_onnxruntime_and_masks_heads(tiny_model_dir: Path) -> None:
    m = torchmodel.load(tiny_model_dir)
    assert m.parity is not None and m.parity < torchmodel.PARITY_TOL
    assert (m.layers, m.heads) == (2, 2)
    from codeorigin.model.scorer import Model

    texts = [PY.format(i=3), JAVA.format(i=2)]
    runtime = [s.logit for s in Model.load(tiny_model_dir).score_texts(texts)]
    np.testing.assert_allclose(m.logits(texts), runtime, atol=1e-3)
    with torchmodel.masked_heads(m, [(0, 1)]):
        masked = m.logits(texts)
    assert np.abs(masked - runtime).max() > 1e-6
    np.testing.assert_allclose(m.logits(texts), runtime, atol=1e-3)  # the hook is gone


def test_a_rebuild_that_misses_parity_fails_clearly(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(torchmodel, "PARITY_TOL", -1.0)
    with pytest.raises(torchmodel.ParityError, match="reproduces onnxruntime"):
        torchmodel.load(tiny_model_dir)


def test_heads_command_writes_tests_ablation_and_plots(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    data = held_out_rows(tmp_path / "d.parquet")
    out = tmp_path / "out"
    assert heads.main(["--model", str(tiny_model_dir), "--dataset", str(data), "--n", "24",
                       "--out", str(out), "--no-mlflow"]) == 0  # fmt: skip
    s = json.loads((out / "heads.json").read_text())
    assert s["n"] == 24 and s["welch"]["tests"] == 2 * 2 * len(heads.STATS)
    assert np.asarray(s["ablation"]["delta_auroc"]).shape == (2, 2)
    assert 0.0 <= s["ablation"]["auroc"] <= 1.0
    tests = pd.read_csv(out / "heads_tests.csv")
    assert set(tests["statistic"]) == set(heads.STATS) and tests["q"].between(0, 1).all()
    for png in ("heads_effects.png", "heads_ablation.png", "heads_pca.png"):
        assert (out / png).stat().st_size > 1000


def test_token_categories_come_from_the_syntax_tree() -> None:
    text = "def f(x):\n    # c\n    return x + 1\n"
    cat, con = heads.char_labels(text, "python")
    name = {k + 1: c for k, c in enumerate(heads.CATEGORIES)}
    assert name[cat[text.index("# c")]] == "comment"
    assert name[cat[text.index("return")]] == "keyword"
    assert name[cat[text.index("x + 1")]] == "identifier"
    assert name[cat[text.index("+ 1")]] == "punctuation"
    assert name[cat[text.index("    return") + 1]] == "indentation"
    assert heads.CONSTRUCTS[con[text.index("(x)")]] == "signature"
