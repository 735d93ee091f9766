"""The character n-gram baseline as the reference every model is measured against, on the same
rows: held-out test and leave-one-source-out (`baseline_report`, cached under `work/baseline/`),
the comments ablation (`stripped_baseline`) and the share of real-project human code it flags
(`baseline_fpr`). The model itself is `baseline.py`'s; `variants/ngram.py` is the same model
behind the `Variant` interface.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.evaluation import evaluate as ev
from codeorigin_train.evaluation.baseline import fit_baseline, predict_baseline

log = logging.getLogger(__name__)


def texts_hash(texts: Sequence[str]) -> str:
    """A short digest of the texts in order: the cached figures hold for exactly these rows."""
    h = hashlib.sha256()
    for t in texts:
        b = t.encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()[:16]


def _threshold(model: Any, frame: pd.DataFrame, max_fpr: float) -> float:
    """The baseline's own threshold: `max_fpr` of the frame's validation humans flagged."""
    from codeorigin_train.fit.calibrate import threshold_at_fpr

    va = frame[frame["split"] == "val"]
    p = np.asarray(predict_baseline(model, va["code"].tolist()))
    return threshold_at_fpr(p[va["label"].to_numpy() == 0], max_fpr)


def baseline_report(
    frame: pd.DataFrame, sources: list[str], *, max_fpr: float, loso: bool, work: Path
) -> dict[str, Any]:
    """The baseline on the same rows: held-out test (threshold at `max_fpr` validation FPR) and,
    with `loso`, leave-one-source-out on `sources`. It depends only on the rows, so it is
    computed once and kept under `work/baseline/`."""
    import json

    key = texts_hash(
        [*frame["code"], *frame["split"], *frame["label"].astype(str), *sources]
    )
    path = work / "baseline" / f"{key}.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    t0 = time.perf_counter()
    model = fit_baseline(frame[frame["split"] == "train"])
    te = frame[frame["split"] == "test"]
    pt = np.asarray(predict_baseline(model, te["code"].tolist()), dtype=np.float64)
    thr = _threshold(model, frame, max_fpr)
    out: dict[str, Any] = {
        "heldout": ev.heldout_report(te.reset_index(drop=True), pt, threshold=thr),
        "threshold": thr,
    }
    if loso:
        out["loso"] = ev.leave_one_source_out(frame, sources, ev.baseline_fit_predict(frame))
        out["loso_mean_auroc"] = ev.loso_mean(out["loso"])
    out["seconds"] = time.perf_counter() - t0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, default=float))
    return out


def stripped_baseline(frame: pd.DataFrame, te: pd.DataFrame, stripped: list[str]) -> dict[str, Any]:
    """The comments ablation for the baseline: trained with comments and scored on test rows with
    and without them, and retrained on stripped training text."""
    y = te["label"].to_numpy()
    tr = frame[frame["split"] == "train"]
    model = fit_baseline(tr)

    def auroc(m: Any, texts: list[str]) -> Any:
        return ev.binary_metrics(y, np.asarray(predict_baseline(m, texts)))["auroc"]

    tr_s = tr.assign(code=ev.strip_and_normalize(tr["code"].tolist(), tr["language"].tolist()))
    return {
        "baseline_auroc_with_comments": auroc(model, te["code"].tolist()),
        "baseline_auroc_stripped_test_only": auroc(model, stripped),
        "baseline_auroc_stripped_both": auroc(fit_baseline(tr_s), stripped),
    }


def baseline_fpr(frame: pd.DataFrame, texts: list[str], max_fpr: float) -> float | None:
    """The share of `texts` (human code) the baseline flags at its own threshold; None when it
    cannot be fitted."""
    try:
        model = fit_baseline(frame[frame["split"] == "train"])
        thr = _threshold(model, frame, max_fpr)
        return float(np.mean(np.asarray(predict_baseline(model, texts)) >= thr))
    except ValueError as exc:
        log.warning("baseline on real code failed: %s", exc)
        return None
