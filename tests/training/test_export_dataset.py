"""`export`, `ship` and `card` read the dataset the global `--dataset` names, as `scratch`
does: they read WORK/dataset.parquet whatever `--dataset` said,
so a run trained on `--dataset dataset-v3.parquet` was exported with another dataset's rows (or
stopped with "dataset WORK/dataset.parquet not found"); and a run that was never trained is named
as such before any folder is made (they failed on a missing `weights.pt` after making empty run
folders). `export` and `ship` take `--ig-texts N`, the validation functions the Integrated
Gradients steps are chosen on. Through the real command line, a real tiny training run and its
real export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codeorigin.model.scorer import Model
from codeorigin_train.cli import main

pytestmark = pytest.mark.slow


def test_a_run_trained_on_another_dataset_is_exported_and_carded_from_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_pipeline import _write_scratch_frame

    dataset = tmp_path / "dataset-v3.parquet"  # WORK/dataset.parquet is never made
    frame = _write_scratch_frame(60).sample(frac=1.0, random_state=3).reset_index(drop=True)
    frame.to_parquet(dataset)
    work = tmp_path / "work"
    common = ["--work", str(work), "--dataset", str(dataset)]
    out = ["--variant", "scratch-bpe", "--out", str(tmp_path / "model")]
    assert main([*common, "export", *out]) == 2  # not trained yet
    said = capsys.readouterr().err
    assert "no trained run scratch-bpe in" in said and "train it first" in said
    assert not (work / "runs").exists()

    assert main([*common, "scratch", "--epochs", "1",
                 "--realcode-val", "0", "--vocab-size", "300"]) == 0  # fmt: skip
    capsys.readouterr()
    # `--ig-texts N`: the Integrated Gradients steps are chosen on N validation functions (as
    # `member --ig-texts` does); the export's record and the model's manifest say how many.
    assert main([*common, "export", *out, "--ig-texts", "3"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["ig_steps"]["texts"] == 3 and record["ig_steps"]["table"]
    assert _chosen_on(tmp_path / "model") == 3
    assert main([*common, "ship", *out, "--ig-texts", "2"]) == 0
    assert _chosen_on(tmp_path / "model") == 2
    assert main([*common, "card", *out]) == 0
    assert not (work / "dataset.parquet").exists()
    metrics = json.loads((tmp_path / "model" / "metrics.json").read_text())
    assert metrics["chosen_variant"] == "scratch-bpe"
    assert 0.0 <= Model.load(tmp_path / "model").score_texts(frame["code"][:1])[0].probability <= 1


def _chosen_on(model: Path) -> int:
    """How many texts the model folder's Integrated Gradients steps were chosen on."""
    attribution = Model.load(model).manifest.raw["attribution"]
    return int(attribution["steps_chosen_by"]["texts"])
