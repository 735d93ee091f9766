"""What the analysis commands share: options, held-out rows (`held_out`), scoring a model folder
through the runtime or a training run through its variant, and writing results and MLflow runs.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.data.argtypes import whole_number
from codeorigin_train.data.inputs import InputError, output_path, read_parquet
from codeorigin_train.fit import calibrate
from codeorigin_train.fit.workdir import WORK, mlflow_for

log = logging.getLogger(__name__)

MIN_LINES = 4  # the runtime's default (codeorigin.minLines)
DEFAULT_DATASET = WORK / "dataset-v4.parquet"  # `codeorigin-train agentic-merge` writes it
DATASET_HINT = "dataset-v4: `codeorigin-train agentic-merge` writes it"


def parser(
    prog: str, doc: str, *, dataset: bool = True, command: str | None = None
) -> argparse.ArgumentParser:
    """Every analysis command's options; `prog` names the output folder, `command` the command."""
    p = argparse.ArgumentParser(
        prog=f"codeorigin-train {command or prog}", description=doc.split("\n\n")[0]
    )
    p.add_argument("--model", type=Path, default=Path("models/default"),
                   help="a model folder (manifest.json) or a training run folder (runs/<name>)")  # fmt: skip
    if dataset:
        p.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
        p.add_argument("--n", type=whole_number(0), default=400,
                       help="held-out samples (half of each label); 0: all of them")  # fmt: skip
    p.add_argument("--out", type=Path, default=None, help=f"default: WORK/analysis/{prog}")
    p.add_argument("--work", type=Path, default=WORK, help="MLflow store under WORK/mlruns")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--no-mlflow", action="store_true")
    p.add_argument("--card", action="store_true",
                   help="record the summary in the model folder's metrics.json and MODEL_CARD.md")  # fmt: skip
    return p


def model_or_run(path: Path, option: str = "--model") -> Path:
    """`path` if it holds `manifest.json` or `calibration.json`; `InputError` otherwise."""
    if not ((path / "manifest.json").is_file() or (path / "calibration.json").is_file()):
        what = "holds neither manifest.json nor calibration.json" if path.exists() else "not found"
        raise InputError(f"{option} {path} {what}: give a model folder (such as models/default) "
                         "or a calibrated training run (WORK/runs/<variant>)")  # fmt: skip
    return path


def out_dir(args: argparse.Namespace, prog: str) -> Path:
    """`--out` (default WORK/analysis/PROG), made: called once inputs and model are loaded."""
    out = output_path(args.out or args.work / "analysis" / prog, folder=True)
    out.mkdir(parents=True, exist_ok=True)
    return out


def held_out(
    dataset: Path, n: int, seed: int, *, languages: Sequence[str] | None = None
) -> pd.DataFrame:
    """`n` rows of the test split (groups never trained on) with at least `MIN_LINES` non-blank
    lines, spread evenly over the (language, label) cells."""
    df = read_parquet(dataset, "--dataset", hint=DATASET_HINT)
    lines = df["code"].map(lambda code: sum(1 for line in code.split("\n") if line.strip()))
    df = df[(df["split"] == "test") & (lines >= MIN_LINES)]
    if languages:
        df = df[df["language"].isin(list(languages))]
    cells = sorted((g for _, g in df.groupby(["language", "label"])), key=len)
    rng = np.random.default_rng(seed)
    per = max(1, n // max(1, len(cells)))
    parts, left = [], n
    # Small cells give what they have; the rest is shared among the larger ones.
    for k, g in enumerate(cells):
        take = min(len(g), max(per, left // (len(cells) - k)))
        parts.append(g.iloc[rng.permutation(len(g))[:take]])
        left -= take
    return pd.concat(parts).reset_index(drop=True)


def probability_fn(
    model: Path, threads: int = 1
) -> tuple[Callable[[list[str]], np.ndarray], float, str]:
    """(texts -> calibrated probabilities, `llm` threshold, name) of a model folder or a run."""
    if (model / "manifest.json").exists():
        from codeorigin.model.scorer import Model

        m = Model.load(model, threads=threads)

        def run(texts: list[str]) -> np.ndarray:
            out: list[float] = []
            for s in range(0, len(texts), 256):
                out.extend(x.probability for x in m.score_texts(texts[s : s + 256]))
            return np.asarray(out, dtype=np.float64)

        return run, m.manifest.thresholds.llm, m.name
    from codeorigin_train.analysis.torchmodel import from_run

    cal = calibrate.Calibration(**json.loads((model / "calibration.json").read_text()))
    tm = from_run(model)
    return (lambda texts: cal.probability(tm.logits(texts))), cal.llm_threshold, model.name


def auroc(y: np.ndarray, p: np.ndarray) -> float | None:
    """`fit.calibrate.auroc`, with None (JSON's null) where it is NaN: one label only."""
    value = calibrate.auroc(np.asarray(y), p)
    return None if np.isnan(value) else value


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2, default=float) + "\n", encoding="utf-8")
    return path


def finish(args: argparse.Namespace, tool: str, out: Path, metrics: dict[str, float],
           summary: dict[str, Any], record_as: str | None = None) -> None:  # fmt: skip
    """The output folder and `metrics` as an MLflow run `analysis-<tool>` (a failure is logged,
    never raised) and, with `--card`, `summary` recorded under `record_as` (default `tool`)."""
    if not args.no_mlflow:
        try:
            mlflow = mlflow_for(args.work)
            with mlflow.start_run(run_name=f"analysis-{tool}"):
                mlflow.log_params(
                    {"tool": tool, "model": str(args.model), "n": getattr(args, "n", None)}
                )
                mlflow.log_metrics({k: float(v) for k, v in metrics.items() if v is not None})
                mlflow.log_artifacts(str(out), artifact_path=f"analysis/{tool}")
        except Exception as exc:
            log.warning("MLflow logging failed: %s", exc)
    if args.card:
        from codeorigin_train.analysis.record import record

        record(args.model, record_as or tool, summary)


def pyplot() -> Any:
    """matplotlib's pyplot on the file-only backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def json_brief(data: Any, limit: int = 4000) -> str:
    """A summary as JSON for the terminal, cut at `limit` characters."""
    text = json.dumps(data, indent=1, default=float)
    return text if len(text) <= limit else text[:limit] + "\n..."
