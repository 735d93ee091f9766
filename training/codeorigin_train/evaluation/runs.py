"""One training run of any variant: fit → calibrate → report, written to `work/runs/<name>/`.

`run` trains a `Variant` on a frame (plus what its `training_rows` adds), saves `logits.npz` and
`train.json`, calibrates on the validation logits (per human population, with the variant's
threshold confidence) and writes `calibration.json` and `metrics.json`: held-out figures,
leave-one-source-out folds, the comments ablation and the false positive rate on real-project
human code. `rebuild_report` writes the report again from a finished run's files.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.evaluation import evaluate as ev
from codeorigin_train.fit import calibrate as cal
from codeorigin_train.fit.frames import (
    SubsetConfig,
    load_dataset,
    populations,
    subset,
    subset_config_for,
)
from codeorigin_train.fit.workdir import epoch_logger, mlflow_for, run_dir, tracked
from codeorigin_train.variants.base import FitResult, Variant

log = logging.getLogger(__name__)


def loso_folds(
    variant: Variant, frame: pd.DataFrame, sources: list[str]
) -> dict[str, dict[str, Any]]:
    """Leave-one-source-out: for each source, a fresh model without it, tested on all of it."""
    return ev.leave_one_source_out(
        frame, sources, lambda tr, va, te: variant.loso_fold(frame, tr, va, te)
    )


def loso_screen(
    variant: Variant, frame: pd.DataFrame, work: Path, *, loso_k: int = 4,
    sources: list[str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Only the leave-one-source-out folds (a recipe screen), with the char n-gram baseline on the
    same folds; written to `loso.json` and returned."""
    d = run_dir(variant.name, work)
    frame, _ = variant.training_rows(frame, work)
    variant.prepare(frame, d)
    t0 = time.perf_counter()
    folds = loso_folds(variant, frame, sources or ev.loso_sources(frame, loso_k))
    res = {"config": variant.params(), "loso": folds, "loso_seconds": time.perf_counter() - t0}
    res["loso_mean_auroc"] = ev.loso_mean(folds)
    # The model must beat the char n-gram baseline on exactly the same folds.
    res["baseline_loso"] = ev.leave_one_source_out(
        frame, list(folds), ev.baseline_fit_predict(frame)
    )
    (d / "loso.json").write_text(json.dumps(res, indent=2, default=float))
    return res


def fit_run(
    variant: Variant, frame: pd.DataFrame, work: Path, subset: SubsetConfig | None = None
) -> FitResult:
    """Fit inside an MLflow run; save `logits.npz` and `train.json` (with the MLflow run id and,
    with `subset`, the caps `frame` was drawn with: `subset_config_for` reads them)."""
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


def calibrate_run(
    variant: Variant, frame: pd.DataFrame, res: FitResult, work: Path
) -> cal.Calibration:
    """Platt scaling and thresholds on the validation logits, per human population, with the
    variant's threshold confidence; written to `calibration.json`."""
    y = frame["label"].to_numpy()
    c = cal.calibrate(res.val_logits, y[res.val_rows], populations=populations(frame, res.val_rows),
                      confidence=variant.threshold_confidence)  # fmt: skip
    (run_dir(variant.name, work) / "calibration.json").write_text(json.dumps(asdict(c), indent=2))
    return c


def run(
    variant: Variant,
    frame: pd.DataFrame,
    work: Path,
    *,
    loso: bool = True,
    loso_k: int = 4,
    subset: SubsetConfig | None = None,
    baseline: bool = False,
) -> dict[str, Any]:
    """Fit → calibrate → evaluate (held-out, LOSO, ablation, real human code; with `baseline`,
    the char n-gram baseline on the same rows); the report. `subset`: the caps `frame` was drawn
    with, recorded for the commands that rebuild it."""
    d = run_dir(variant.name, work)
    frame, real_test = variant.training_rows(frame, work)
    variant.prepare(frame, d)
    res = fit_run(variant, frame, work, subset)
    folds = None
    if loso:
        t1 = time.perf_counter()
        folds = {"loso": loso_folds(variant, frame, ev.loso_sources(frame, loso_k))}
        folds["loso_seconds"] = time.perf_counter() - t1
    c = calibrate_run(variant, frame, res, work)
    return evaluate(variant, frame, res, c, work, real_test=real_test, loso=folds, loso_k=loso_k,
                    baseline=baseline)  # fmt: skip


def track_report(work: Path, report: dict[str, Any], y_test: np.ndarray, p_test: np.ndarray,
                 d: Path) -> None:  # fmt: skip
    """The report's figures and plots into the run's MLflow entry."""
    from codeorigin_train.evaluation.plots import write_plots

    if not (d / "train.json").exists():
        return
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
        if "loso_mean_auroc" in report:
            mlflow.log_metric("loso_mean_auroc", report["loso_mean_auroc"])
        for path in write_plots(y_test, p_test, threshold, d / "plots"):
            mlflow.log_artifact(str(path))
        mlflow.log_dict(o["confusion"], "confusion_matrix.json")
        mlflow.log_artifact(str(d / "metrics.json"))


def ablation_report(
    variant: Variant, frame: pd.DataFrame, test: np.ndarray, test_logits: np.ndarray, *,
    with_baseline: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Comments and docstrings stripped from the test rows: the model (trained with comments)
    scores the stripped text; with `with_baseline`, the char n-gram baseline is measured both ways
    (trained with comments, and retrained on stripped training text)."""
    te = frame.iloc[test]
    y = te["label"].to_numpy()
    stripped = ev.strip_and_normalize(te["code"].tolist(), te["language"].tolist())
    changed = np.array([a != b for a, b in zip(stripped, te["code"].tolist())])
    out: dict[str, Any] = {
        "scope": "test split only; model trained with comments, scored on stripped text",
        "n_test": len(te),
        "n_changed_by_stripping": int(changed.sum()),
    }
    if with_baseline:
        out["changed_by_label"] = {
            "human": int(changed[y == 0].sum()),
            "llm": int(changed[y == 1].sum()),
        }
    out["model_auroc_with_comments"] = ev.binary_metrics(y, test_logits)["auroc"]
    out["model_auroc_stripped"] = ev.binary_metrics(
        y, variant.predict_logits(stripped, te["language"].tolist())
    )["auroc"]
    if with_baseline:
        from codeorigin_train.evaluation.reference import stripped_baseline

        out.update(stripped_baseline(frame, te, stripped))
    return out


def realcode_heldout(variant: Variant, real: pd.DataFrame, c: cal.Calibration) -> dict[str, Any]:
    """FPR on real-code projects held out from training and calibration (the test projects)."""
    from codeorigin.core.normalize import normalize

    texts = [normalize(t).text for t in real["code"]]
    p = c.probability(variant.predict_logits(texts, real["language"].tolist()))
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
    per_project: int = 15, with_baseline: bool = False,
) -> dict[str, Any] | None:  # fmt: skip
    """FPR at the thresholds on dated pre-2021 human functions from real projects: at most
    `per_project` a project, `n` in all, in the frame's languages; None without
    `work/realcode.parquet`. With `with_baseline`, also the char n-gram baseline's FPR on them at
    its own 1%-validation-FPR threshold."""
    from codeorigin.core.normalize import normalize

    path = work / "realcode.parquet"
    if not path.exists():
        return None
    real = pd.read_parquet(path)
    real = real[(real["language"].isin(sorted(set(frame["language"])))) & (real["label"] == 0)]
    real = real.sample(frac=1.0, random_state=0).groupby("project").head(per_project)
    real = real.sample(n=min(n, len(real)), random_state=0).reset_index(drop=True)
    texts = [normalize(t).text for t in real["code"]]
    p = c.probability(variant.predict_logits(texts, real["language"].tolist()))
    out = ev.human_fpr_summary(real, p, c.llm_threshold, c.uncertain_threshold)
    if with_baseline:
        from codeorigin_train.evaluation.reference import baseline_fpr

        out["baseline_fpr_at_its_threshold"] = baseline_fpr(frame, texts, c.max_fpr)
    return out


def evaluate(
    variant: Variant,
    frame: pd.DataFrame,
    res: FitResult,
    c: cal.Calibration,
    work: Path,
    *,
    real_test: pd.DataFrame | None = None,
    loso: dict[str, Any] | None = None,
    loso_k: int = 4,
    baseline: bool = False,
) -> dict[str, Any]:
    """The report of a fitted, calibrated variant, written to `metrics.json` and MLflow.

    Held-out test figures, the comments ablation and the FPR on real-project human code always;
    the leave-one-source-out folds `loso` the caller measured (`{"loso": ..., ...}`), when given;
    the char n-gram baseline on the same rows with `baseline` (held-out, LOSO when `loso`, and on
    the ablation and real code).
    """
    d = run_dir(variant.name, work)
    y = frame["label"].to_numpy()
    val, test = res.val_rows, res.test_rows
    p_test = c.probability(res.test_logits)
    sources = ev.loso_sources(frame, loso_k)
    report: dict[str, Any] = {"variant": variant.record()}
    if variant.params():
        report["config"] = variant.params()
    report.update({
        "calibration": asdict(c),
        "validation": ev.binary_metrics(y[val], c.probability(res.val_logits), threshold=c.llm_threshold),
        "heldout": ev.heldout_report(frame.iloc[test].reset_index(drop=True), p_test, threshold=c.llm_threshold),
        "reliability_test": cal.reliability(p_test, y[test]),
        "loso_sources": sources,
    })  # fmt: skip
    if loso:
        report.update(loso)
    if "loso" in report:
        report["loso_mean_auroc"] = ev.loso_mean(report["loso"])
    if baseline:
        from codeorigin_train.evaluation.reference import baseline_report

        report["baseline"] = baseline_report(
            frame, sources, max_fpr=c.max_fpr, loso=bool(loso), work=work
        )
    report["ablation"] = ablation_report(
        variant, frame, test, res.test_logits, with_baseline=baseline
    )
    report["external_human"] = external_human(variant, frame, c, work, with_baseline=baseline)
    if real_test is not None:
        report["realcode_heldout"] = realcode_heldout(variant, real_test, c)
    train = frame["split"].to_numpy() == "train"
    report["n_train_by_source"] = frame[train]["source"].value_counts().to_dict()
    (d / "metrics.json").write_text(json.dumps(report, indent=2, default=float))
    track_report(work, report, y[test], p_test, d)
    return report


def rebuild_report(
    variant: Variant, work: Path, *, loso: dict[str, float] | None = None,
    dataset: Path | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Write `metrics.json` of a trained run again from its saved weights and logits (calibrated
    again), on the rows of `dataset` (default `work/dataset.parquet`) the run was trained on.

    `loso` carries leave-one-source-out AUROCs measured by the run itself (read from its log) when
    the run stopped before writing its report; they are recorded as such.
    """
    d = run_dir(variant.name, work)
    variant.load(d)
    df = load_dataset(dataset or work / "dataset.parquet")
    frame, real_test = variant.training_rows(
        subset(df, subset_config_for(variant.name, work)), work
    )
    lg = np.load(d / "logits.npz")
    res = FitResult(lg["val_rows"], lg["val"], lg["test_rows"], lg["test"])
    folds = None
    if loso:
        folds = {
            "loso": {k: {"auroc": v} for k, v in loso.items()},
            "loso_note": "measured by the training run (3 epochs per fold), read from its log",
        }
    c = calibrate_run(variant, frame, res, work)
    return evaluate(variant, frame, res, c, work, real_test=real_test, loso=folds)
