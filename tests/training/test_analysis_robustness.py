"""`codeorigin-train robustness` on a tiny real model folder: the transformations do what they say,
and the command writes its table and plot and records its card section in place."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from codeorigin_train.analysis import robustness, transforms

ROOT = Path(__file__).resolve().parents[2]


def test_transformations() -> None:
    py = 'def add(first, second):\n    """Sum."""\n    total = first+second  # add\n    return total\n'
    assert transforms.reformat(py, "python") == py.replace("first+second", "first + second")
    renamed = transforms.rename(py, "python")
    assert "def v1(v2, v3):" in renamed and "v4 = v2+v3" in renamed and "first" not in renamed
    assert "# add" not in transforms.strip_comments(py, "python")
    java = "int f(int a)\n{\n  if (a > 0)\n  {\n    return a;\n  }\n  return 0;\n}\n"
    assert (
        transforms.reformat(java, "java")
        == "int f(int a) {\n    if (a > 0) {\n        return a;\n    }\n    return 0;\n}\n"
    )
    assert transforms.hand_edits(java, "java") != java
    assert transforms.hand_edits(java, "java") == transforms.hand_edits(java, "java")
    changed, failed = transforms.apply("reformat", ["def (:\n"], ["python"])
    assert (changed, failed) == (["def (:\n"], 1)


def test_robustness_command_and_card_section(tiny_model_dir: Path, tmp_path: Path) -> None:
    from test_analysis_heads import held_out_rows

    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    for name in ("metrics.json", "MODEL_CARD.md"):
        shutil.copy(ROOT / "models" / "default" / name, model / name)
    before = (model / "MODEL_CARD.md").read_text()
    data = held_out_rows(tmp_path / "d.parquet")
    out = tmp_path / "out"
    assert robustness.main(["--model", str(model), "--dataset", str(data), "--n", "24", "--out", str(out),
                            "--no-mlflow", "--card"]) == 0  # fmt: skip
    s = json.loads((out / "robustness.json").read_text())
    assert set(s["transforms"]) == set(transforms.TRANSFORMS)
    r = s["transforms"]["rename"]
    assert r["by_language"]["all"]["n"] == 24
    assert set(r["by_language"]) == {"all", "cpp", "java", "python"}
    assert r["representation_unchanged"]["skel"] == 1.0
    assert (out / "robustness.png").stat().st_size > 1000
    assert "| transform |" in (out / "robustness.md").read_text()
    card = (model / "MODEL_CARD.md").read_text()
    assert "## Robustness to a user's edits" in card
    assert card.index("## Robustness to a user's edits") < card.index("## Limitations")
    from codeorigin_train.analysis.record import _strip_sections
    from codeorigin_train.card import analysis as card_analysis

    # Every other line of the card is kept as it was.
    assert (
        _strip_sections(card.rstrip("\n").split("\n"), set(card_analysis.HEADINGS))[0]
        == _strip_sections(before.rstrip("\n").split("\n"), set(card_analysis.HEADINGS))[0]
    )
    assert json.loads((model / "metrics.json").read_text())["analysis"]["robustness"]["n"] == 24
