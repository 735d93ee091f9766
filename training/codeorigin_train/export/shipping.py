"""The one export path of every variant: a model folder with the fp32 scorer and the Integrated
Gradients graph (both parity-checked), the scorer's latency and the measured IG steps. `ship`
runs it for a finished run and writes `export.json`, `metrics.json` and the card.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.export.folder import ort_session
from codeorigin_train.fit import calibrate as cal
from codeorigin_train.fit.frames import load_dataset, subset, subset_config_for
from codeorigin_train.fit.workdir import run_dir, tracked
from codeorigin_train.variants.base import Variant


def latency(folder: Path, *, runs: int = 30) -> dict[str, float]:
    """Median and p90 ms of 256 tokens (or the maximum length) through the scorer on one thread."""
    from codeorigin.model.scorer import Model

    model = Model.load(folder, verify=False)
    enc, tokens = model.encoder, min(256, model.manifest.max_length)
    sess = ort_session(folder / model.manifest.scorer, 1)
    ids = np.full((1, tokens), enc.tokenizer.get_vocab_size() - 1, dtype=np.int64)
    ids[0, 0], ids[0, -1] = enc.cls_id, enc.sep_id
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    times = []
    for _ in range(3 + runs):  # three warm-up runs, not counted
        t0 = time.perf_counter()
        sess.run(None, feed)
        times.append((time.perf_counter() - t0) * 1000)
    times = times[3:]
    return {
        "median_ms": float(np.median(times)),
        "p90_ms": float(np.percentile(times, 90)),
        "tokens": tokens,
    }


def export_model(
    variant: Variant,
    folder: Path,
    c: cal.Calibration,
    *,
    parity_texts: Sequence[str],
    extra_files: Sequence[str] = (),
) -> dict[str, Any]:
    """Write a fitted variant into `folder` as an fp32, parity-checked model folder; the manifest."""
    from codeorigin_train.export.folder import write_model_folder

    spec = variant.export_spec()
    return write_model_folder(
        folder, model=spec.classifier, tokenizer_file=spec.tokenizer_file,
        name="codeorigin-default", max_length=spec.max_length, layout_markers=spec.layout_markers,
        parity_texts=list(parity_texts) or ["def f(x):\n    return x + 1"],
        calibration=c.manifest_calibration(), thresholds=c.manifest_thresholds(),
        extra_files=list(extra_files), extra={"training": spec.training},
    )  # fmt: skip


def refuse_stacked(out: Path, doing: str = "exporting a transformer") -> None:
    """Exit when `out` holds a stacked model (the shipped `models/default` is one), whose members,
    stacker and card `doing` would silently replace."""
    manifest = out / "manifest.json"
    try:
        members = json.loads(manifest.read_text(encoding="utf-8")).get("members")
    except (OSError, ValueError, AttributeError):
        return
    if members:
        raise SystemExit(
            f"{out} holds a stacked model, which {doing} would "
            "replace: give --out another folder (training/work/transformer, the stacked "
            "model's transformer member); `codeorigin-train stack` builds the stacked folder "
            '(docs/research/stacked-model.md, "The stacked model, shipped as models/default")'
        )


def export_folder(
    variant: Variant, frame: pd.DataFrame, val_rows: np.ndarray, out: Path, c: cal.Calibration,
    *, ig_texts: int = 40, extra_files: Sequence[str] = (),
) -> dict[str, Any]:  # fmt: skip
    """Scorer, gradient graph and measured IG defaults into `out`; the export record."""
    from codeorigin_train.export.gradient import add_gradient_graph
    from codeorigin_train.export.ig_steps import choose_steps, write_attribution_defaults

    for old in ("model.onnx", "model.int8.onnx", "gradient.onnx", "manifest.json"):
        (out / old).unlink(missing_ok=True)
    parity = frame["code"].iloc[val_rows[:24]].tolist()
    manifest = export_model(variant, out, c, parity_texts=parity, extra_files=extra_files)
    gradient_parity = add_gradient_graph(
        variant.export_spec().classifier, out, steps=16, rule="riemann_trapezoid", baseline="zero"
    )
    rng = np.random.default_rng(0)
    pick = rng.choice(val_rows, size=min(ig_texts, len(val_rows)), replace=False)
    choice = choose_steps(out, frame["code"].iloc[pick].tolist(), p90_target=0.25)
    write_attribution_defaults(out, choice)
    return {
        "variant": variant.name,
        "latency_ms_256_tokens_1_thread": {"fp32": latency(out)},
        "parity": manifest.get("parity"),
        "gradient_parity": gradient_parity,
        "ig_steps": {
            "rule": choice.rule,
            "steps": choice.steps,
            "texts": choice.texts,
            "table": [vars(r) for r in getattr(choice, "table", [])],
        },
        "size_bytes": {p.name: p.stat().st_size for p in out.iterdir() if p.is_file()},
    }


def ship(
    work: Path, name: str, out: Path, *, ig_texts: int = 40, extra_files: Sequence[str] = (),
    card: bool = True, dataset: Path | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Export the finished run `name` (`export_folder`), write `export.json` in the run folder
    and, with `card`, `metrics.json` (returned; else the export record) and `MODEL_CARD.md` in
    `out`. `dataset`: the one the run trained on (default WORK/dataset.parquet)."""
    from codeorigin_train.card.metrics import write_metrics_and_card
    from codeorigin_train.variants import registry

    refuse_stacked(out)  # before anything of `out` is read
    d = run_dir(name, work)
    variant = registry.get(name, work=work)
    variant.load(d)
    df = load_dataset(dataset or work / "dataset.parquet")
    # the rows the run's logits index
    frame, _ = variant.training_rows(subset(df, subset_config_for(name, work)), work)
    out.mkdir(parents=True, exist_ok=True)
    c = cal.Calibration(**json.loads((d / "calibration.json").read_text()))
    val_rows = np.load(d / "logits.npz")["val_rows"]
    info = export_folder(
        variant, frame, val_rows, out, c, ig_texts=ig_texts, extra_files=extra_files
    )
    (d / "export.json").write_text(json.dumps(info, indent=2, default=float))
    result = write_metrics_and_card(work, name, out, dataset=dataset) if card else info
    run_id = json.loads((d / "train.json").read_text())["mlflow_run_id"]
    with tracked(work, run_id) as mlflow:  # the exported model in the training run's entry
        mlflow.log_artifact(str(d / "export.json"))
        mlflow.log_artifacts(str(out), artifact_path="model")
    return result
