"""A stacked model folder: the transformer's ONNX files, the linear member and the stacker.

    python -m codeorigin_train.export.stacked --dataset training/work/dataset-v4.parquet \\
        --transformer models/default --work training/work/stacked --out models/candidate

(= `codeorigin-train stack ...`). One command, every step on the CPU with one thread:

1. the linear member (`variants/linear.py`, through the registry) trained on the train rows (with
   `--train-cap N`, at most N rows of each source and label outside the agentic corpus and the
   real-project code, as the protocol's fits read them; with `--fragments`, also the lines the
   changes of the agentic train repositories added);
2. the linear member cross-fitted by repository over the agentic train rows (`fit.crossfit`,
   `--crossfit-folds`, 0 to skip): their out-of-fold logits join the validation rows';
3. both members' logits on those rows and the test rows: the linear member's decision function,
   the transformer's window-averaged logit through the runtime itself (`codeorigin.model.scorer`,
   cached in the work folder by text hash, so a second run scores nothing again);
4. the stacker on the validation and cross-fitted rows, on folds grouped by `group`
   (`fit.stacker`), its Platt calibration and per-language thresholds at 1% FPR with 95%
   confidence on every held-out human row; with `--unseen-source-humans floor` (the shipped recipe) each threshold is then raised toward
   1% of the contest sources' humans scored by linear members fitted without their source
   (`fit.unseen`), as far as the language's recall bar allows; languages that cannot be judged
   safely are marked `abstain`;
5. the folder: the transformer folder's files copied, `linear.npz`, manifest format version 2
   (`codeorigin.model.stacking`), with parity checks: the runtime's numpy linear logit against
   scikit-learn's within `PARITY_TOL`, and the runtime's stacked logit (loading the folder as the
   server does) against the training side's;
6. `stack.json` in the work folder: the stacker, thresholds, per-language table and test figures.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from codeorigin.core.cache import text_hash
from codeorigin.core.features import FeatureConfig
from codeorigin.core.normalize import normalize_text
from codeorigin.model.linear import LinearMember
from codeorigin.model.manifest import load_manifest, write_manifest
from codeorigin.model.scorer import Model
from codeorigin_train.data.inputs import model_folder, read_parquet, refuse_model_folder
from codeorigin_train.export.route import (
    ROUTE_FILES,
    RouteScores,
    project_route,
    routed_logits,
)
from codeorigin_train.export.stack_args import parser
from codeorigin_train.export.stack_rows import training_frame
from codeorigin_train.fit.crossfit import crossfit, with_fragments
from codeorigin_train.fit.stacker import (
    StackFit,
    fit_stacker,
    language_thresholds,
)
from codeorigin_train.fit.unseen import unseen_source_rows
from codeorigin_train.variants import registry
from codeorigin_train.variants.base import Variant

log = logging.getLogger(__name__)

PARITY_TOL = 1e-5
LINEAR_FILE = "linear.npz"
PARITY_ROWS = 200
# What a stacked manifest takes over from the transformer's: the rest is the stacker's own.
KEPT = ("name", "max_length", "tokenizer", "onnx", "windows", "parity", "attribution", "training")


class StackParityError(RuntimeError):
    """The runtime does not reproduce what training computed."""


def transformer_logits(
    folder: Path, texts: list[str], cache: Path | None = None, threads: int = 1
) -> np.ndarray:
    """The transformer's raw logits (window-averaged, before calibration) of `texts` through the
    runtime, cached by (model digest, text hash) in `cache` (a parquet file). `folder` is a
    transformer's folder or a stacked one (its transformer member, as a new stack starts from the
    shipped model)."""
    model = Model.load(folder, threads=threads)  # a stacked folder: its transformer member
    norms = [normalize_text(t) for t in texts]
    keys = [f"{model.digest[:16]}:{text_hash(n)}" for n in norms]
    known: dict[str, float] = {}
    if cache is not None and cache.is_file():
        old = pd.read_parquet(cache)
        known = dict(zip(old["key"], old["logit"].astype(float)))
    todo = sorted({k: i for i, k in enumerate(keys) if k not in known}.values())
    t0 = time.perf_counter()
    for start in range(0, len(todo), 256):
        chunk = todo[start : start + 256]
        for i, score in zip(chunk, model.transformer_scores([norms[i] for i in chunk])):
            known[keys[i]] = score.logit
        log.info("transformer logits: %d of %d", min(start + 256, len(todo)), len(todo))
        last = start + 256 >= len(todo)
        if cache is not None and (last or (start // 256) % 8 == 7):  # a run cut short keeps them
            cache.parent.mkdir(parents=True, exist_ok=True)
            # Written aside and moved in: a second process (`protocol` runs side by side) never
            # reads half a file.
            part = cache.with_name(f"{cache.name}.{os.getpid()}.part")
            pd.DataFrame({"key": list(known), "logit": list(known.values())}).to_parquet(part)
            os.replace(part, cache)
    log.info("transformer: %d texts scored in %.1f s", len(todo), time.perf_counter() - t0)
    return np.asarray([known[k] for k in keys], dtype=np.float64)


class LinearFit(NamedTuple):
    """What `linear_member` fitted: the member, the cross-fitted rows and their logits, and the
    unseen sources' human rows with their logits (empty unless asked for)."""

    variant: Variant
    rows: pd.DataFrame
    oof: np.ndarray
    unseen_rows: pd.DataFrame
    unseen_logits: np.ndarray


def linear_member(
    frame: pd.DataFrame,
    run: Path,
    folds: int,
    fragments: pd.DataFrame | None = None,
    unseen: bool = False,
) -> LinearFit:
    """The linear variant fitted on the frame's train rows, saved in `run`; the agentic train rows and their out-of-fold logits, `fit.crossfit`; with
    `unseen`, the human rows of the frame's train and validation splits of each contest source,
    scored by the member fitted without that source (`fit.unseen`). The train
    rows' feature matrix is computed once, for the member and for every cross-fitting fold.
    `fragments`: more training text, the lines the agentic train repositories' changes added
    (`fit.crossfit.with_fragments`: a cross-fitting fold that holds a repository out holds its
    fragments out too)."""
    variant = registry.get("linear", features=FeatureConfig())
    train = _rows(frame, "train")
    if fragments is not None:  # those of the train repositories, repeating no row of the frame
        fragments = with_fragments(train, fragments).iloc[len(train) :]
        fragments = fragments[~fragments["code"].isin(set(frame["code"]))]
        texts = pd.concat([train, fragments], ignore_index=True)  # fragments after the train rows
        fragments = texts.iloc[len(train) :]
    else:
        texts = train
    crossfits = folds > 0 and bool((train["source"] == "aidev").any())
    x = variant.matrix(texts["code"].tolist(), texts["language"].tolist()).tocsr()  # type: ignore[attr-defined]

    def fit_rows(rows: pd.DataFrame) -> Any:
        rows = with_fragments(rows, fragments)
        return variant.fit_matrix(x[rows.index.to_numpy()], rows["label"])  # type: ignore[attr-defined]

    variant.model = fit_rows(train)  # type: ignore[attr-defined]
    variant.save(run)  # type: ignore[attr-defined]
    none = (train.iloc[:0], np.zeros(0))
    unseen_rows, unseen_logits = none
    if unseen:
        def fit_apart(rows: pd.DataFrame) -> Any:
            model = fit_rows(rows)
            return lambda f: model.decision_function(
                variant.matrix(f["code"].tolist(), f["language"].tolist())  # type: ignore[attr-defined]
            )

        unseen_rows, unseen_logits = unseen_source_rows(
            train, pd.concat([train, _rows(frame, "val")], ignore_index=True), fit_apart
        )
    if not crossfits:
        return LinearFit(variant, *none, unseen_rows, unseen_logits)

    def fit_member(rows: pd.DataFrame) -> Any:
        model = fit_rows(rows)
        return lambda f: model.decision_function(x[f.index.to_numpy()])

    rows, oof = crossfit(train, fit_member, folds=folds)
    return LinearFit(variant, rows, oof, unseen_rows, unseen_logits)


def auroc(y: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score)) if np.unique(y).size == 2 else float("nan")


def write_stacked_folder(
    out: Path,
    transformer: Path,
    linear_npz: Path,
    fit: StackFit,
    manifest_extra: dict[str, Any],
    route: tuple[dict[str, Any], Sequence[Path]] | None = None,
) -> Path:
    """Copy the transformer folder's files and `linear_npz` into `out` and write the manifest
    (format version 2; 3 with a `route`: its manifest section and its files, the domain model's
    `.npz` and, version 4, the route member's, copied under their names).
    `manifest_extra` holds `thresholds`, `abstain`, `name`, records."""
    base = load_manifest(transformer)
    out.mkdir(parents=True, exist_ok=True)
    files = [n for n in base.raw["files"] if n not in (LINEAR_FILE, *ROUTE_FILES)]
    for name in files:
        if (out / name).resolve() != (transformer / name).resolve():
            shutil.copyfile(transformer / name, out / name)
    if linear_npz.resolve() != (out / LINEAR_FILE).resolve():
        shutil.copyfile(linear_npz, out / LINEAR_FILE)
    for path in route[1] if route is not None else []:
        if path.resolve() != (out / path.name).resolve():
            shutil.copyfile(path, out / path.name)
        files.append(path.name)
    for name in ROUTE_FILES:  # a route of a model this one replaces
        if name not in files and (out / name).exists():
            (out / name).unlink()
    member = LinearMember.from_file(out / LINEAR_FILE)
    manifest = {k: base.raw[k] for k in KEPT if k in base.raw}
    manifest["members"] = {
        "transformer": {"kind": "transformer", "from": base.name},
        "linear": {"kind": "linear", "file": LINEAR_FILE, "features": member.config.to_json()},
    }
    manifest["stacker"] = fit.manifest_stacker()
    manifest["calibration"] = {"method": "platt", "a": fit.calibration[0], "b": fit.calibration[1]}
    manifest.update(manifest_extra)
    if route is not None:
        manifest["route"] = route[0]
    manifest["files"] = [*files, LINEAR_FILE]
    write_manifest(out, manifest)
    return out


def check_linear_parity(
    folder: Path, variant: Variant, texts: list[str], languages: list[str]
) -> float:
    """Max |runtime numpy logit - scikit-learn logit| of the linear member; raises when above
    `PARITY_TOL`."""
    runtime = LinearMember.from_manifest(folder, load_manifest(folder).stacked.linear)  # type: ignore[union-attr]
    got = runtime.logits([normalize_text(t) for t in texts], languages)
    want = variant.predict_logits(texts, languages)  # type: ignore[call-arg]
    diff = float(np.max(np.abs(got - want))) if texts else 0.0
    if not diff <= PARITY_TOL:
        raise StackParityError(f"linear member: runtime and training logits differ by {diff:.3g}")
    return diff


def check_stacked_parity(
    folder: Path,
    fit: StackFit,
    texts: list[str],
    languages: list[str],
    members: dict[str, Any],
    route: RouteScores | None = None,
) -> float:
    """Max |runtime stacked logit - training stacked logit| through the folder as the server
    loads it; raises when above 1e-4 (the transformer's ONNX parity tolerance). `route`: the
    manifest's route, the domain model's and the route member's logits of the texts
    (`export.route.routed_logits`)."""
    model = Model.load(folder)
    got = np.asarray([s.logit for s in model.score_texts(texts, list(languages))])
    section, domain, own = route if route is not None else (None, None, None)
    want = routed_logits(fit, section, members, [str(x) for x in languages], domain, own)
    diff = float(np.max(np.abs(got - want))) if texts else 0.0
    if not diff <= 1e-4:
        raise StackParityError(f"stacked logit: runtime and training differ by {diff:.3g}")
    return diff


def _rows(frame: pd.DataFrame, split: str) -> pd.DataFrame:
    return frame[frame["split"] == split].reset_index(drop=True)


def _members(
    rows: pd.DataFrame, variant: Variant, transformer: Path, work: Path, threads: int
) -> dict[str, np.ndarray]:
    codes = rows["code"].tolist()
    cache = work / "transformer-logits.parquet"
    return {
        "transformer": transformer_logits(transformer, codes, cache, threads),
        "linear": variant.predict_logits(codes, rows["language"].tolist()),  # type: ignore[call-arg]
    }


def _thresholds(
    args: argparse.Namespace,
    fit: StackFit,
    cal: pd.DataFrame,
    unseen_scored: tuple[pd.DataFrame, np.ndarray],
) -> Any:
    """The per-language thresholds (`fit.stacker.language_thresholds`) on the calibration rows'
    out-of-fold stacked probabilities and the unseen sources' humans."""
    work: Path = args.work
    unseen_rows, unseen_logits = unseen_scored
    unseen = None
    if len(unseen_rows):  # each contest source's humans as a member that never saw it scores them
        l_unseen = unseen_rows["language"].astype(str).tolist()
        m_unseen = {"transformer": transformer_logits(args.transformer, unseen_rows["code"].tolist(),
                                                      work / "transformer-logits.parquet", args.threads),
                    "linear": unseen_logits}  # fmt: skip
        unseen = (fit.probability(fit.logits(m_unseen, l_unseen)), l_unseen)
    return language_thresholds(fit.probability(fit.oof_logits), cal["label"].to_numpy(),
                               cal["language"].tolist(), max_fpr=args.max_fpr,
                               confidence=args.confidence, min_recall=args.min_recall,
                               unseen=unseen)  # fmt: skip


def stack(args: argparse.Namespace) -> dict[str, Any]:
    """Every step of the module docstring; returns what `stack.json` records. Its inputs are
    checked first (`data.inputs`), and a model in `--out` is replaced only with `--force`."""
    model_folder(args.transformer, "--transformer")
    if args.agentic_route and args.project_route is None:
        raise SystemExit("--agentic-route stacks a member in the project route: give --project-route")
    if args.project_route is not None and not args.agentic_route:
        raise SystemExit("--project-route builds the route with its own member: give "
                         "--agentic-route (the route of the linear member alone, measured and "
                         "replaced: docs/research/route.md)")
    refuse_model_folder(args.out, force=args.force)
    pool_hint = "the pool: `codeorigin-train protocol --pool PATH --pool-only` writes it"
    dataset = read_parquet(args.dataset, "--dataset", hint=pool_hint)
    frame = training_frame(dataset.reset_index(drop=True), args.train_cap)
    fragments = None if args.fragments is None else read_parquet(
        args.fragments, "--fragments", hint="`codeorigin-train agentic-fragments` writes it")  # fmt: skip
    work: Path = args.work
    (run := work / "linear").mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    variant, rows, oof, unseen_rows, unseen_logits = linear_member(
        frame, run, args.crossfit_folds, fragments,
        args.unseen_source_humans is not None,
    )
    linear_seconds = time.perf_counter() - t0
    val, test = _rows(frame, "val"), _rows(frame, "test")
    m_val = _members(val, variant, args.transformer, work, args.threads)
    cal = pd.concat([val, rows], ignore_index=True)
    m_cal = {
        "transformer": np.concatenate([m_val["transformer"], transformer_logits(
            args.transformer, rows["code"].tolist(), work / "transformer-logits.parquet",
            args.threads)]),
        "linear": np.concatenate([m_val["linear"], oof]),
    }  # fmt: skip
    fit = fit_stacker(m_cal, cal["language"].tolist(), cal["label"], cal["group"],
                      folds=args.folds, c=args.c)  # fmt: skip
    th = _thresholds(args, fit, cal, (unseen_rows, unseen_logits))
    route = None if args.project_route is None else project_route(
        frame, variant, cal, m_cal["linear"], fit, th, work, args.project_route, args.confidence,
        fragments, args.crossfit_folds)  # fmt: skip
    m_test = _members(test, variant, args.transformer, work, args.threads)
    test_eval = evaluate_test(fit, th, test, m_test, route.scores(test) if route else None)
    extra_manifest = {
        "name": args.name, "thresholds": th.manifest_thresholds(),
        "languages": sorted(set(frame["language"].astype(str))),  # others are not judged
        "abstain": th.abstain,
        "stacking": {"fitted_on": "validation rows and the agentic train rows cross-fitted by "
                     "repository, folds grouped by group", "folds": fit.folds, "c": fit.c,
                     "thresholds_on": "every held-out human row"
                     + (f", and ({args.unseen_source_humans}) each contest source's human rows "
                        "scored by a linear member fitted without that source"
                        if args.unseen_source_humans else ""),
                     "unseen_source_humans": len(unseen_rows),
                     "rows": len(cal), "crossfit_rows": len(rows), "train_cap": args.train_cap,
                     "crossfit_folds": args.crossfit_folds, "linear_and_crossfit_seconds": linear_seconds,
                     "fragments": str(args.fragments) if args.fragments is not None else None,
                     # recorded as in the shipped manifest: rows weighted alike (the options
                     # that weighted them are in docs/research/stacked-model.md, "Code removed")
                     "balance_structure": False, "balance_domains": False,
                     "linear": variant.record(), "dataset": str(args.dataset)},
    }  # fmt: skip
    if route is not None:
        extra_manifest["stacking"]["route"] = route.summary()
    folder = write_stacked_folder(
        args.out, args.transformer, run / LINEAR_FILE, fit, extra_manifest,
        (route.section, route.files) if route and route.section else None)  # fmt: skip
    sample = val.head(PARITY_ROWS)
    linear_diff = check_linear_parity(
        folder, variant, sample["code"].tolist(), sample["language"].astype(str).tolist()
    )
    m_sample = {k: v[: len(sample)] for k, v in m_val.items()}
    parity_route = route.scores(sample) if route and route.section else None
    stacked_diff = check_stacked_parity(folder, fit, sample["code"].tolist(),
                                        sample["language"].tolist(), m_sample, parity_route)  # type: ignore[arg-type]  # fmt: skip
    return {"folder": str(folder), "stacker": fit.manifest_stacker(),
            "calibration": list(fit.calibration), "thresholds": th.manifest_thresholds(),
            "abstain": th.abstain, "per_language": th.table, "test": test_eval,
            "route": route.record if route else None,
            "parity": {"linear_max_abs_diff": linear_diff, "stacked_max_abs_diff": stacked_diff,
                       "linear_tolerance": PARITY_TOL},
            "linear_seconds": linear_seconds, "seconds": time.perf_counter() - t0}  # fmt: skip


def evaluate_test(
    fit: StackFit,
    th: Any,
    test: pd.DataFrame,
    members: dict[str, np.ndarray],
    route: RouteScores | None = None,
) -> dict[str, Any]:
    """AUROC of each member and of the stack, and per language the FPR and recall at the
    thresholds, on the test rows (the server's verdicts: abstaining languages flag nothing;
    with a `route`, its section and the domain logits of the rows, the routed scores)."""
    y = test["label"].to_numpy()
    langs = test["language"].astype(str).to_numpy()
    section, domain, own = route if route is not None else (None, None, None)
    p = fit.probability(routed_logits(fit, section, members, langs.tolist(), domain, own))
    out: dict[str, Any] = {"rows": len(test), "auroc": {
        "stacked": auroc(y, p), **{m: auroc(y, v) for m, v in members.items()}}}  # fmt: skip
    per = []
    for name in sorted(set(langs.tolist())):
        rows = langs == name
        t = th.languages.get(name, {}).get("llm", th.llm)
        flagged = (p >= t) & (name not in th.abstain)
        per.append({"language": name, "threshold": t, "abstain": name in th.abstain,
                    "fpr": float(flagged[rows & (y == 0)].mean()) if (rows & (y == 0)).any() else None,
                    "recall": float(flagged[rows & (y == 1)].mean()) if (rows & (y == 1)).any() else None,
                    "auroc": auroc(y[rows], p[rows])})  # fmt: skip
    out["per_language"] = per
    return out


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    report = stack(args)
    args.work.mkdir(parents=True, exist_ok=True)
    (args.work / "stack.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(
        json.dumps(
            {k: report[k] for k in ("folder", "stacker", "abstain", "test", "parity")}, indent=2
        )
    )
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.export.stacked", main))
