"""Where a training run keeps its files, and its MLflow tracking.

Everything intermediate lives under a work folder (`training/work/` by default, git-ignored):
`dataset.parquet`, `realcode.parquet`, `cache/`, `runs/<variant>/` and `mlruns/`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: Both from the current folder: the checkout's root, as every command of training/README.md
#: runs, with the shared data folder beside the checkout.
WORK = Path("training/work")
DATA_ROOT = Path("../shared/data")


def run_dir(variant: str, work: Path | None = None) -> Path:
    """`work/runs/<variant>/`, created if missing."""
    d = (work or WORK) / "runs" / variant
    d.mkdir(parents=True, exist_ok=True)
    return d


def trained_run(variant: str, work: Path | None = None) -> Path:
    """`work/runs/<variant>/` of a run that finished training (its `train.json` is there), not
    created; `InputError` saying what to do otherwise."""
    from codeorigin_train.data.inputs import InputError

    d = (work or WORK) / "runs" / variant
    if not (d / "train.json").is_file():
        raise InputError(
            f"no trained run {variant} in {work or WORK} ({d / 'train.json'} is not there): train "
            "it first (`codeorigin-train scratch --name NAME`), or give the --work it was trained "
            "in"
        )
    return d


def mlflow_for(work: Path | None = None) -> Any:
    """The `mlflow` module, tracking offline into `work/mlruns`, experiment `codeorigin`."""
    work = work or WORK
    # An offline local file store; MLflow 3 wants an explicit opt-in for it.
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    # Offline means offline: MLflow 3 otherwise sends usage telemetry to its vendor.
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow

    mlflow.set_tracking_uri(f"file:{(work / 'mlruns').resolve()}")
    mlflow.set_experiment("codeorigin")
    return mlflow


@contextmanager
def tracked(work: Path, run_id: str) -> Iterator[Any]:
    """The `mlflow` module inside the earlier run `run_id`; a tracking failure is logged, never
    raised (tracking must never lose metrics already written or undo an export)."""
    try:
        mlflow = mlflow_for(work)
        with mlflow.start_run(run_id=run_id):
            yield mlflow
    except Exception as exc:
        log.warning("MLflow logging failed: %s", exc)


def epoch_logger(mlflow: Any) -> Callable[[int, dict[str, float]], None]:
    """An `on_epoch` callback that logs a training epoch's figures to the active MLflow run."""
    return lambda epoch, row: mlflow.log_metrics(row, step=epoch)
