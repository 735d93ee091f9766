"""The one export path of every variant: a model folder with the fp32 scorer (parity-checked
against torch), the Integrated Gradients gradient graph (parity-checked) and its measured step
count, and the int8 check that keeps the int8 scorer only when it holds validation AUROC and is
faster. `ship` runs it for a finished run and writes `export.json`, `metrics.json` and the card.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.evaluation import evaluate as ev
from codeorigin_train.export.folder import manifest_raw, ort_session
from codeorigin_train.fit import calibrate as cal
from codeorigin_train.fit.frames import load_dataset, subset, subset_config_for
from codeorigin_train.fit.workdir import run_dir, tracked
from codeorigin_train.variants.base import Variant

log = logging.getLogger(__name__)

MAX_INT8_AUROC_DROP = 0.005
INT8_METHOD = "per-channel dynamic int8 MatMuls, per-row int8 word embeddings (quantize.py)"


def latency(
    path: Path, *, tokens: int = 256, runs: int = 30, ids3: tuple[int, int, int] = (101, 1012, 102)
) -> dict[str, float]:
    """Milliseconds for one `tokens`-long sequence on one onnxruntime thread (median, p90).

    `ids3` are the ids of [CLS], a filler token and [SEP] (WordPiece's by default)."""
    sess = ort_session(path, 1)
    ids = np.full((1, tokens), ids3[1], dtype=np.int64)
    ids[0, 0], ids[0, -1] = ids3[0], ids3[2]
    mask = np.ones_like(ids)
    for _ in range(3):
        sess.run(None, {"input_ids": ids, "attention_mask": mask})
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        sess.run(None, {"input_ids": ids, "attention_mask": mask})
        times.append((time.perf_counter() - t0) * 1000)
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
    name: str = "codeorigin-default",
    extra_files: Sequence[str] = (),
) -> dict[str, Any]:
    """Write a fitted variant into `folder` as an fp32, parity-checked model folder; the manifest."""
    from codeorigin_train.export.folder import write_model_folder

    spec = variant.export_spec()
    return write_model_folder(
        folder, model=spec.classifier, tokenizer_file=spec.tokenizer_file, name=name,
        max_length=spec.max_length, layout_markers=spec.layout_markers,
        parity_texts=list(parity_texts) or ["def f(x):\n    return x + 1"],
        calibration=c.manifest_calibration(), thresholds=c.manifest_thresholds(),
        extra_files=list(extra_files), extra={"training": spec.training},
    )  # fmt: skip


def _int8_decision(folder: Path, val: pd.DataFrame) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validation logits of both graphs through the runtime, and their latencies."""
    from codeorigin.model.scorer import Model

    fp32, q8 = folder / "model.onnx", folder / "model.int8.onnx"
    model = Model.load(folder, verify=False)
    model8 = Model(replace(model.manifest, scorer=q8.name))
    encs = [e for _, e in model.encode(val["code"].tolist())]
    y = val["label"].to_numpy()
    logits32 = np.array([s.logit for s in model.score_encodings(encs)])
    logits8 = np.array([s.logit for s in model8.score_encodings(encs)])
    tokens = min(256, model.manifest.max_length)
    enc = model.encoder
    ids3 = (enc.cls_id, enc.tokenizer.get_vocab_size() - 1, enc.sep_id)
    record = {
        "val_auroc_fp32": ev.binary_metrics(y, logits32)["auroc"],
        "val_auroc_int8": ev.binary_metrics(y, logits8)["auroc"],
        "max_abs_logit_difference": float(np.max(np.abs(logits32 - logits8))),
        "n_check": len(val),
    }
    lat = {
        "fp32": latency(fp32, tokens=tokens, ids3=ids3),
        "int8": latency(q8, tokens=tokens, ids3=ids3),
    }
    return record, lat


def int8_scorer(folder: Path, val: pd.DataFrame, *, max_auroc_drop: float) -> dict[str, Any]:
    """Quantise the folder's fp32 scorer to int8 and use it when validation AUROC holds and it is
    faster.

    Both graphs score every validation row through the runtime (`codeorigin.model.scorer`:
    normalisation, windows, averaging), so the check is of what users get. The int8 graph becomes
    the scorer when its AUROC is within `max_auroc_drop` of fp32 and its median latency is lower;
    the fp32 scorer is then removed (Integrated Gradients runs on the fp32 gradient graph either
    way). Returns the check's record.
    """
    from codeorigin.model.manifest import write_manifest
    from codeorigin_train.export.quantize import quantize_scorer

    fp32, q8 = folder / "model.onnx", folder / "model.int8.onnx"
    quantize_scorer(fp32, q8)
    record, lat = _int8_decision(folder, val)
    auc32, auc8 = record["val_auroc_fp32"], record["val_auroc_int8"]
    # int8 must hold AUROC and also pay for its logit error (up to a few tenths near the threshold)
    # with speed: a scorer that is no faster stays fp32, and the check is still recorded.
    holds = auc32 is not None and auc8 is not None and auc32 - auc8 <= max_auroc_drop
    use = holds and lat["int8"]["median_ms"] < lat["fp32"]["median_ms"]
    raw = manifest_raw(folder)
    files = [f for f in raw["files"] if f != "model.onnx"]
    if use:
        raw["onnx"] = {**raw["onnx"], "scorer": "model.int8.onnx"}
        files.append("model.int8.onnx")
        fp32.unlink()
    else:
        files.append("model.onnx")
        q8.unlink()
    record.update(int8_used=bool(use), int8_method=INT8_METHOD)
    record["latency_ms_256_tokens_1_thread"] = lat
    raw.setdefault("training", {})["int8_check"] = {
        k: record[k] for k in ("val_auroc_fp32", "val_auroc_int8", "n_check", "int8_used")
    }
    record["int8_holds_auroc"] = bool(holds)
    raw["files"] = files
    write_manifest(folder, raw)
    log.info("int8 check: val AUROC fp32 %.4f, int8 %.4f -> %s", auc32, auc8,
             "int8 scorer" if use else "fp32 scorer")  # fmt: skip
    return record


def refuse_stacked(out: Path, doing: str = "exporting a transformer") -> None:
    """Exporting a transformer replaces the model in `out`, and its card replaces the card: never
    a stacked one (the shipped `models/default` is, since 2026-11-24), whose members, stacker and
    card it would silently drop. `doing` says what would replace it."""
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
    """Scorer, gradient graph, measured IG defaults and the int8 check into `out`; the record."""
    from codeorigin_train.export.gradient import add_gradient_graph
    from codeorigin_train.export.ig_steps import choose_steps, write_attribution_defaults

    refuse_stacked(out)
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
    int8 = int8_scorer(out, frame.iloc[val_rows], max_auroc_drop=MAX_INT8_AUROC_DROP)
    return {
        "variant": variant.name,
        **int8,
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
    """Export the finished run `name` as the shipped model: `export_folder`, then `export.json`
    (parity, latency, sizes) in the run folder and, with `card`, `metrics.json` and
    `MODEL_CARD.md` in `out` (returned; without `card`, the export record). `dataset`: the one
    the run trained on (default WORK/dataset.parquet)."""
    from codeorigin_train.card.metrics import write_metrics_and_card
    from codeorigin_train.variants import registry

    refuse_stacked(out)  # before anything of `out` is read or copied aside
    d = run_dir(name, work)
    options = {"work": work}  # the variant's constructor's and `card.metrics.collect`'s
    variant = registry.get(name, **options)
    variant.load(d)
    df = load_dataset(dataset or work / "dataset.parquet")
    frame, _ = variant.training_rows(
        subset(df, subset_config_for(name, work)), work
    )  # rows of the logits
    prev = d / "previous_metrics.json"
    if (out / "metrics.json").exists() and not prev.exists():
        # The figures of the model being replaced: bake-off rows this work folder did not rerun.
        prev.write_bytes((out / "metrics.json").read_bytes())
    out.mkdir(parents=True, exist_ok=True)
    c = cal.Calibration(**json.loads((d / "calibration.json").read_text()))
    val_rows = np.load(d / "logits.npz")["val_rows"]
    info = export_folder(
        variant, frame, val_rows, out, c, ig_texts=ig_texts, extra_files=extra_files
    )
    (d / "export.json").write_text(json.dumps(info, indent=2, default=float))
    result = (
        write_metrics_and_card(work, name, out, options=options, dataset=dataset) if card else info
    )
    run_id = json.loads((d / "train.json").read_text())["mlflow_run_id"]
    with tracked(work, run_id) as mlflow:  # the exported model in the training run's entry
        mlflow.log_metrics({
            k: float(info[k]) for k in ("val_auroc_fp32", "val_auroc_int8") if info.get(k) is not None
        })  # fmt: skip
        mlflow.log_artifact(str(d / "export.json"))
        mlflow.log_artifacts(str(out), artifact_path="model")
    return result
