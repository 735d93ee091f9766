"""A run trained on other caps than the defaults (`--train-cap`, `--eval-cap`) is exported and
carded on the rows it was trained on: its `train.json` records the caps, and the subset they give
holds exactly the rows of its saved logits (with the default caps, `export` once paired the
logits with other rows, without a word). Through the real command line, a real (tiny) training
run and real files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from codeorigin_train.cli import main

pytestmark = pytest.mark.slow


def test_the_recorded_caps_give_back_the_rows_of_the_saved_logits(tmp_path: Path) -> None:
    from test_pipeline import _write_scratch_frame

    from codeorigin_train.fit.frames import load_dataset, subset, subset_config_for

    dataset = tmp_path / "dataset.parquet"
    frame = _write_scratch_frame(200)  # 160 train, 20 val and 20 test groups, both labels each
    frame.sample(frac=1.0, random_state=3).reset_index(drop=True).to_parquet(dataset)
    work = tmp_path / "work"
    common = ["--work", str(work), "--dataset", str(dataset)]
    caps = ["--train-cap", "30", "--eval-cap", "8"]
    assert main([*common, *caps, "scratch", "--epochs", "1", "--realcode-val", "0",
                 "--vocab-size", "300"]) == 0  # fmt: skip
    run = work / "runs" / "scratch-bpe"
    assert json.loads((run / "train.json").read_text())["subset"]["train_cap"] == 30
    rows = subset(load_dataset(dataset), subset_config_for("scratch-bpe", work))
    logits = np.load(run / "logits.npz")
    for split in ("val", "test"):
        assert np.array_equal(np.flatnonzero(rows["split"] == split), logits[f"{split}_rows"])
