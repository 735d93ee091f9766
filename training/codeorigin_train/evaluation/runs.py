"""One training run of any variant: fit → calibrate → report, written to `work/runs/<name>/`
(`logits.npz`, `train.json`, `calibration.json`, `metrics.json`). `loso_folds` runs
leave-one-source-out folds of a prepared variant (`coderep-loso`).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.evaluation import evaluate as ev
from codeorigin_train.fit import calibrate as cal
from codeorigin_train.fit.frames import SubsetConfig, populations
from codeorigin_train.fit.workdir import epoch_logger, mlflow_for, run_dir, tracked
from codeorigin_train.variants.base import FitResult, Variant


def loso_folds(
    variant: Variant, frame: pd.DataFrame, sources: list[str]
) -> dict[str, dict[str, Any]]:
    """Leave-one-source-out: for each source, a fresh model without it, tested on all of it."""
    return ev.leave_one_source_out(
        frame, sources, lambda tr, va, te: variant.loso_fold(frame, tr, va, te)
    )


def fit_run(
    variant: Variant, frame: pd.DataFrame, work: Path, subset: SubsetConfig | None = None
) -> FitResult:
    """Fit inside an MLflow run; save `logits.npz` and `train.json` (run id, `subset` caps)."""
    d = run_dir(variant.name, work)
    mlflow = mlflow_for(work)
    split = frame["split"]
    with mlflow.start_run(run_name=variant.name) as mrun:
        mlflow.log_params({
            **variant.params(), "variant": variant.name, "n_train": int((split == "train").sum()),
            "n_val": int((split == "val").sum()), "n_test": int((split == "test").sum()),
        })  # fmt: skip
        variant.on_epoch = epoch_logger(mlflow)
        try:
            res = variant.fit(frame, d)
        finally:
            variant.on_epoch = None
        run_id = mrun.info.run_id
    np.savez(d / "logits.npz", val_rows=res.val_rows, val=res.val_logits,
             test_rows=res.test_rows, test=res.test_logits)  # fmt: skip
    info = {"variant": variant.name, **res.info, "mlflow_run_id": run_id}
    if subset is not None:
        info["subset"] = asdict(subset)
    (d / "train.json").write_text(json.dumps(info, indent=2))
    return res


def run(
    variant: Variant, frame: pd.DataFrame, work: Path, *, subset: SubsetConfig | None = None
) -> dict[str, Any]:
    """Fit → calibrate (Platt and thresholds on the validation logits, per human population) →
    evaluate; the report. `subset`: the caps `frame` was drawn with."""
    d = run_dir(variant.name, work)
    frame, real_test = variant.training_rows(frame, work)
    variant.prepare(frame, d)
    res = fit_run(variant, frame, work, subset)
    y_val = frame["label"].to_numpy()[res.val_rows]
    c = cal.calibrate(res.val_logits, y_val, populations=populations(frame, res.val_rows),
                      confidence=variant.threshold_confidence)  # fmt: skip
    (d / "calibration.json").write_text(json.dumps(asdict(c), indent=2))
    return evaluate(variant, frame, res, c, work, real_test=real_test)


def track_report(work: Path, report: dict[str, Any], y_test: np.ndarray, p_test: np.ndarray,
                 d: Path) -> None:  # fmt: skip
    """The report's figures and plots into the run's MLflow entry."""
    from codeorigin_train.evaluation.plots import write_plots

    run_id = json.loads((d / "train.json").read_text())["mlflow_run_id"]
    threshold = report["calibration"]["llm_threshold"]
    with tracked(work, run_id) as mlflow:
        o = report["heldout"]["overall"]
        mlflow.log_metrics({
            f"test_{k}": float(o[k]) for k in ("accuracy", "precision", "recall", "f1", "auroc")
            if o[k] is not None
        })  # fmt: skip
        mlflow.log_metrics({"test_human_fpr": float(report["heldout"]["human_fpr_at_threshold"] or 0),
                            "llm_threshold": threshold})  # fmt: skip
        for path in write_plots(y_test, p_test, threshold, d / "plots"):
            mlflow.log_artifact(str(path))
        mlflow.log_dict(o["confusion"], "confusion_matrix.json")
        mlflow.log_artifact(str(d / "metrics.json"))


def probabilities(variant: Variant, real: pd.DataFrame, c: cal.Calibration) -> np.ndarray:
    """The calibrated probabilities of real-project functions (`code`, `language`), normalised."""
    from codeorigin.core.normalize import normalize

    texts = [normalize(t).text for t in real["code"]]
    return c.probability(variant.predict_logits(texts, real["language"].tolist()))


def realcode_heldout(variant: Variant, real: pd.DataFrame, c: cal.Calibration) -> dict[str, Any]:
    """FPR on real-code projects held out from training and calibration (the test projects)."""
    p = probabilities(variant, real, c)
    projects = sorted(real["project"].unique())
    by_project = {
        proj: float(np.mean(p[(real["project"] == proj).to_numpy()] >= c.llm_threshold))
        for proj in projects
    }
    return {
        "n": len(real),
        "projects": projects,
        "fpr_at_llm_threshold": float(np.mean(p >= c.llm_threshold)),
        "fraction_at_or_above_uncertain": float(np.mean(p >= c.uncertain_threshold)),
        "fpr_by_project": by_project,
    }


def external_human(
    variant: Variant, frame: pd.DataFrame, c: cal.Calibration, work: Path, *, n: int = 600,
    per_project: int = 15,
) -> dict[str, Any] | None:  # fmt: skip
    """FPR at the thresholds on dated pre-2021 real-project human functions (at most `per_project`
    a project, `n` in all, in the frame's languages); None without `work/realcode.parquet`."""
    path = work / "realcode.parquet"
    if not path.exists():
        return None
    real = pd.read_parquet(path)
    real = real[(real["language"].isin(sorted(set(frame["language"])))) & (real["label"] == 0)]
    real = real.sample(frac=1.0, random_state=0).groupby("project").head(per_project)
    real = real.sample(n=min(n, len(real)), random_state=0).reset_index(drop=True)
    p = probabilities(variant, real, c)
    return ev.human_fpr_summary(real, p, c.llm_threshold, c.uncertain_threshold)


def evaluate(
    variant: Variant,
    frame: pd.DataFrame,
    res: FitResult,
    c: cal.Calibration,
    work: Path,
    *,
    real_test: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The report of a fitted, calibrated variant, written to `metrics.json` and MLflow."""
    d = run_dir(variant.name, work)
    y = frame["label"].to_numpy()
    val, test = res.val_rows, res.test_rows
    p_test = c.probability(res.test_logits)
    report: dict[str, Any] = {"variant": variant.record()}
    if variant.params():
        report["config"] = variant.params()
    report.update({
        "calibration": asdict(c),
        "validation": ev.binary_metrics(y[val], c.probability(res.val_logits), threshold=c.llm_threshold),
        "heldout": ev.heldout_report(frame.iloc[test].reset_index(drop=True), p_test, threshold=c.llm_threshold),
        "reliability_test": cal.reliability(p_test, y[test]),
    })  # fmt: skip
    report["external_human"] = external_human(variant, frame, c, work)
    if real_test is not None:
        report["realcode_heldout"] = realcode_heldout(variant, real_test, c)
    train = frame["split"].to_numpy() == "train"
    report["n_train_by_source"] = frame[train]["source"].value_counts().to_dict()
    (d / "metrics.json").write_text(json.dumps(report, indent=2, default=float))
    track_report(work, report, y[test], p_test, d)
    return report
