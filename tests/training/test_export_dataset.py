"""`export`, `ship` and `card` read the dataset the global `--dataset` names, as `train`,
`calibrate`, `evaluate` and `report` do: they read WORK/dataset.parquet whatever `--dataset` said,
so a run trained on `--dataset dataset-v3.parquet` was exported with another dataset's rows (or
stopped with "dataset WORK/dataset.parquet not found"). The variant and the reading are stubbed:
the test checks which file each command opens, through the real command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from codeorigin_train.card import metrics
from codeorigin_train.cli import main
from codeorigin_train.data.inputs import InputError
from codeorigin_train.export import shipping
from codeorigin_train.variants import registry


class _Loaded:
    def load(self, run_dir: Path) -> None:
        pass


@pytest.mark.parametrize("command", ["export", "ship", "card"])
def test_the_dataset_given_is_the_one_read(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[Path] = []

    def load_dataset(path: Path) -> Any:
        opened.append(Path(path))
        raise InputError("read")  # the rest of the export is not this test's

    monkeypatch.setattr(shipping, "load_dataset", load_dataset)
    monkeypatch.setattr(metrics, "load_dataset", load_dataset)
    monkeypatch.setattr(registry, "get", lambda name, **options: _Loaded())
    dataset = tmp_path / "dataset-v3.parquet"
    argv = ["--work", str(tmp_path / "work"), "--dataset", str(dataset), command,
            "--variant", "scratch-bpe", "--out", str(tmp_path / "model")]  # fmt: skip
    assert main(argv) == 2
    assert opened == [dataset]
