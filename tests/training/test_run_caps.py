"""A run trained on other caps than the bake-off's (`--train-cap`, `--eval-cap`) is reported,
exported and carded on the rows it was trained on: `report` rebuilt the subset with the default
caps and paired the run's saved logits with other rows, without a word (a scratch run's Platt
slope 13.66 came back as -0.87, its held-out AUROC as 0.51). Through the real command line, a real
(tiny) training run and real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codeorigin_train.cli import main

pytestmark = pytest.mark.slow


def test_report_pairs_the_saved_logits_with_the_rows_the_run_was_trained_on(
    tmp_path: Path,
) -> None:
    from test_pipeline import _write_scratch_frame

    dataset = tmp_path / "dataset.parquet"
    frame = _write_scratch_frame(200)  # 160 train, 20 val and 20 test groups, both labels each
    frame.sample(frac=1.0, random_state=3).reset_index(drop=True).to_parquet(dataset)
    common = ["--work", str(tmp_path / "work"), "--dataset", str(dataset)]
    caps = ["--train-cap", "30", "--eval-cap", "8"]
    assert main([*common, *caps, "scratch", "--no-loso", "--epochs", "1", "--realcode-val", "0",
                 "--vocab-size", "300"]) == 0  # fmt: skip
    run = tmp_path / "work" / "runs" / "scratch-bpe"
    trained = json.loads((run / "metrics.json").read_text())
    assert json.loads((run / "train.json").read_text())["subset"]["train_cap"] == 30
    assert main([*common, "report", "--variant", "scratch-bpe"]) == 0  # no caps given again
    rebuilt = json.loads((run / "metrics.json").read_text())
    assert rebuilt["calibration"] == trained["calibration"]
    assert rebuilt["heldout"]["overall"] == trained["heldout"]["overall"]
