"""A stacked model folder: the transformer's ONNX files, the linear member and the stacker.

    codeorigin-train stack --dataset training/work/dataset-v4.parquet \\
        --transformer models/default --work training/work/stacked --out models/candidate

Every step on the CPU with one thread: (1) the linear member (`linear_member`), cross-fitted by
repository over the agentic train rows, whose out-of-fold logits join the validation rows' as the
calibration rows; (2) both members' logits on those rows and the test rows; (3) the stacker
(`fit.stacker`), its Platt calibration and per-language thresholds at 1% FPR with 95% confidence
(and `export.route`); (4) the folder (`write_stacked_folder`), checked against training, and
`stack.json` in the work folder.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Sequence
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
from codeorigin_train.data.argtypes import fraction, whole_number
from codeorigin_train.data.inputs import model_folder, read_parquet, refuse_model_folder
from codeorigin_train.export.route import (
    ROUTE_FILES,
    BuiltRoute,
    RouteScores,
    project_route,
    routed_logits,
)
from codeorigin_train.fit.calibrate import auroc
from codeorigin_train.fit.crossfit import crossfit, with_fragments
from codeorigin_train.fit.stacker import (
    MIN_RECALL,
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


def parser() -> argparse.ArgumentParser:
    """The options of `codeorigin-train stack`."""
    # fmt: off
    p = argparse.ArgumentParser(prog="codeorigin-train stack", description="A stacked model folder: the transformer's ONNX files, the linear member and the stacker.")
    p.add_argument("--dataset", type=Path, required=True,
                   help="columns code,label,language,source,group,split")
    p.add_argument("--transformer", type=Path, default=Path("models/default"),
                   help="the transformer's model folder")
    p.add_argument("--out", type=Path, required=True,
                   help="the stacked model folder to write (one that holds a model: with --force)")
    p.add_argument("--force", action="store_true", help="replace the model already in --out")
    p.add_argument("--work", type=Path, default=Path("training/work/stacked"))
    p.add_argument("--name", default="codeorigin-stacked")
    p.add_argument("--folds", type=whole_number(2), default=5)
    p.add_argument("--max-fpr", type=fraction, default=0.01)
    p.add_argument("--confidence", type=fraction, default=0.95)
    p.add_argument("--min-recall", type=float, default=MIN_RECALL,
                   help="a language is judged only where its threshold catches this share of its "
                   "held-out LLM rows")
    p.add_argument("--group-bound", action="store_true",
                   help="bound each language's threshold (and the route's) with the repositories "
                   "and problems as the sample too (`fit.calibrate.threshold_over_groups`), and "
                   "abstain on a language whose held-out people come from fewer than 19")
    p.add_argument("--train-cap", type=whole_number(0), default=0,
                   help="at most N train rows per source and label outside the agentic corpus "
                   "and real-project code (the protocol reads 1500); 0: every row")
    p.add_argument("--crossfit-folds", type=whole_number(0), default=3,
                   help="cross-fit the linear member over the agentic train rows by repository "
                   "in K folds for the stacker and thresholds (0: validation rows only)")
    p.add_argument("--fragments", type=Path, default=None,
                   help="the lines the agentic changes added (`codeorigin-train agentic-fragments`) "
                   "as more training text for the linear member, those of its train repositories")
    p.add_argument("--unseen-source-humans", choices=["floor"], default=None,
                   help="a floor for the thresholds: each contest and exercise source's human rows "
                   "(train and validation) scored by a linear member fitted without that source "
                   "(`fit.unseen`) raise each language's threshold toward 1%% of them as far as "
                   "its recall bar allows (the protocol's `stacked-uf`)")
    p.add_argument("--project-route", type=float, default=None, metavar="FPR",
                   help="add a route for project code (`export.route`, with --agentic-route): "
                   "thresholds at FPR of the repository humans among the calibration rows (with "
                   "--confidence), for code a domain model reads as repository code; a span is "
                   "flagged when the stacker or the route would flag it")
    p.add_argument("--agentic-route", action="store_true",
                   help="with --project-route, which needs it: the route stacks the linear member "
                   "and the agentic member (the linear recipe on the agentic corpus and its "
                   "--fragments, cross-fitted on the same folds; the protocol's `stacked-dr`, "
                   "manifest format version 4)")
    # fmt: on
    return p


def training_frame(frame: pd.DataFrame, cap: int) -> pd.DataFrame:
    """The frame with its train split capped as every protocol fit reads it
    (`evaluation.protocol.training_rows`), so the shipped model is the recipe the protocol
    measured; 0: no cap."""
    from codeorigin_train.evaluation.protocol import ProtocolConfig, training_rows

    if cap <= 0:
        return frame
    train, _ = training_rows(frame, ProtocolConfig(train_cap=cap))
    rest = frame[frame["split"] != "train"]
    return pd.concat([train, rest]).sort_index().reset_index(drop=True)


class StackParityError(RuntimeError):
    """The runtime does not reproduce what training computed."""


def transformer_logits(folder: Path, texts: list[str], cache: Path | None = None) -> np.ndarray:
    """The transformer's raw logits (window-averaged, before calibration) of `texts` through the
    runtime, cached by (model digest, text hash) in `cache` (a parquet file). `folder`: a
    transformer's folder or a stacked one (its transformer member)."""
    model = Model.load(folder, threads=1)
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
    """What `linear_member` fitted: the member, the cross-fitted rows and their logits, the unseen
    sources' human rows and logits (empty unless asked for), the train rows' (then their
    fragments') feature matrix, and `fit_rows`, the recipe on rows and their fragments."""

    variant: Variant
    rows: pd.DataFrame
    oof: np.ndarray
    unseen_rows: pd.DataFrame
    unseen_logits: np.ndarray
    matrix: Any
    fit_rows: Callable[[pd.DataFrame], Any]


def linear_member(
    frame: pd.DataFrame,
    run: Path,
    folds: int,
    *,
    fragments: pd.DataFrame | None,
    unseen: bool,
) -> LinearFit:
    """The linear variant fitted on the frame's train rows (and `fragments` of their
    repositories: `fit.crossfit.with_fragments`), saved in `run`; the agentic train rows'
    out-of-fold logits (`fit.crossfit`); with `unseen`, each contest source's human rows scored
    by the member fitted without that source (`fit.unseen`). Features are computed once."""
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
        return LinearFit(variant, *none, unseen_rows, unseen_logits, x, fit_rows)

    def fit_member(rows: pd.DataFrame) -> Any:
        model = fit_rows(rows)
        return lambda f: model.decision_function(x[f.index.to_numpy()])

    rows, oof = crossfit(train, fit_member, folds=folds)
    return LinearFit(variant, rows, oof, unseen_rows, unseen_logits, x, fit_rows)


def write_stacked_folder(
    out: Path,
    transformer: Path,
    linear_npz: Path,
    fit: StackFit,
    manifest_extra: dict[str, Any],
    route: tuple[dict[str, Any], Sequence[Path]] | None = None,
) -> Path:
    """Copy the transformer folder's files, `linear_npz` and a `route`'s files (its manifest
    section, its `.npz` files) into `out` and write the manifest with `manifest_extra`."""
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
    """Max |runtime logit - scikit-learn logit| of the linear member; raises above `PARITY_TOL`."""
    runtime = LinearMember.from_manifest(folder, load_manifest(folder).stacked.linear)  # type: ignore[union-attr]
    got = runtime.logits([normalize_text(t) for t in texts], languages)
    want = variant.predict_logits(texts, languages)  # type: ignore[call-arg]
    return _max_difference(got, want, PARITY_TOL, "linear member")


def _max_difference(got: np.ndarray, want: np.ndarray, tol: float, what: str) -> float:
    """Max |got - want| (0 with no rows); `StackParityError` when above `tol`."""
    diff = float(np.max(np.abs(got - want))) if len(want) else 0.0
    if not diff <= tol:
        raise StackParityError(f"{what}: runtime and training differ by {diff:.3g}")
    return diff


def _rows(frame: pd.DataFrame, split: str) -> pd.DataFrame:
    return frame[frame["split"] == split].reset_index(drop=True)


def stack(args: argparse.Namespace) -> dict[str, Any]:
    """Every step of the module docstring; what `stack.json` records."""
    _check_options(args)
    pool_hint = "the pool: `codeorigin-train protocol --pool PATH --pool-only` writes it"
    dataset = read_parquet(args.dataset, "--dataset", hint=pool_hint)
    frame = training_frame(dataset.reset_index(drop=True), args.train_cap)
    fragments = None if args.fragments is None else read_parquet(
        args.fragments, "--fragments", hint="`codeorigin-train agentic-fragments` writes it")  # fmt: skip
    work: Path = args.work
    (run := work / "linear").mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    linear = linear_member(frame, run, args.crossfit_folds, fragments=fragments,
                           unseen=args.unseen_source_humans is not None)  # fmt: skip
    variant, rows, oof, unseen_rows, unseen_logits = linear[:5]
    linear_seconds = time.perf_counter() - t0

    def members(rows: pd.DataFrame, linear: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Both members' logits of `rows` (`linear`: the linear member's, if scored apart)."""
        codes = rows["code"].tolist()
        cache = work / "transformer-logits.parquet"
        z = transformer_logits(args.transformer, codes, cache)
        if linear is None:
            linear = variant.predict_logits(codes, rows["language"].tolist())  # type: ignore[call-arg]
        return {"transformer": z, "linear": linear}

    val, test = _rows(frame, "val"), _rows(frame, "test")
    m_val = members(val)
    cal = pd.concat([val, rows], ignore_index=True)
    m_rows = members(rows, oof)
    m_cal = {k: np.concatenate([v, m_rows[k]]) for k, v in m_val.items()}
    fit = fit_stacker(m_cal, cal["language"].tolist(), cal["label"], cal["group"],
                      folds=args.folds)  # fmt: skip
    unseen = None
    if len(unseen_rows):  # each contest source's humans as a member that never saw it scores them
        langs = unseen_rows["language"].astype(str).tolist()
        unseen = (fit.probability(fit.logits(members(unseen_rows, unseen_logits), langs)), langs)
    groups = cal["group"].astype(str).tolist() if args.group_bound else None
    th = language_thresholds(fit.probability(fit.oof_logits), cal["label"].to_numpy(),
                             cal["language"].tolist(), max_fpr=args.max_fpr,
                             confidence=args.confidence, min_recall=args.min_recall,
                             unseen=unseen, groups=groups)  # fmt: skip
    route = None if args.project_route is None else project_route(
        frame, linear, cal, m_cal["linear"], fit, th, work, args.project_route, args.confidence,
        args.crossfit_folds, group_bound=args.group_bound)  # fmt: skip
    m_test = members(test)
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
                     # as in the shipped manifest (docs/research/stacked-model.md, "Code removed")
                     "balance_structure": False, "balance_domains": False,
                     "linear": variant.record(), "dataset": str(args.dataset)},
    }  # fmt: skip
    if args.group_bound:
        extra_manifest["stacking"]["group_bound"] = True
    if route is not None:
        extra_manifest["stacking"]["route"] = route.summary()
    folder = write_stacked_folder(
        args.out, args.transformer, run / LINEAR_FILE, fit, extra_manifest,
        (route.section, route.files) if route and route.section else None)  # fmt: skip
    parity = _parity(folder, variant, fit, val.head(PARITY_ROWS), m_val, route)
    return {"folder": str(folder), "stacker": fit.manifest_stacker(),
            "calibration": list(fit.calibration), "thresholds": th.manifest_thresholds(),
            "abstain": th.abstain, "per_language": th.table, "test": test_eval,
            "route": route.record if route else None, "parity": parity,
            "linear_seconds": linear_seconds, "seconds": time.perf_counter() - t0}  # fmt: skip


def _check_options(args: argparse.Namespace) -> None:
    """The options' checks, before any work."""
    model_folder(args.transformer, "--transformer")
    if args.agentic_route != (args.project_route is not None):
        raise SystemExit(
            "--project-route FPR and --agentic-route go together: give both (the route of the "
            "linear member alone, measured and replaced: docs/research/route.md)"
        )
    refuse_model_folder(args.out, force=args.force)


def _parity(
    folder: Path,
    variant: Variant,
    fit: StackFit,
    sample: pd.DataFrame,
    m_val: dict[str, np.ndarray],
    route: BuiltRoute | None,
) -> dict[str, float]:
    """The runtime against training on the first validation rows: the linear member's logits,
    and the stacked logit through the folder as the server loads it (`routed_logits`) within 1e-4,
    the transformer's ONNX parity tolerance; `StackParityError` otherwise."""
    codes, langs = sample["code"].tolist(), sample["language"].astype(str).tolist()
    linear_diff = check_linear_parity(folder, variant, codes, langs)
    got = np.asarray([s.logit for s in Model.load(folder).score_texts(codes, langs)])
    m_sample = {k: v[: len(sample)] for k, v in m_val.items()}
    want = routed_logits(fit, m_sample, langs, route.scores(sample) if route else None)
    stacked_diff = _max_difference(got, want, 1e-4, "stacked logit")
    return {"linear_max_abs_diff": linear_diff, "stacked_max_abs_diff": stacked_diff,
            "linear_tolerance": PARITY_TOL}  # fmt: skip


def evaluate_test(
    fit: StackFit,
    th: Any,
    test: pd.DataFrame,
    members: dict[str, np.ndarray],
    route: RouteScores | None = None,
) -> dict[str, Any]:
    """AUROC of each member and of the stack, and per language the FPR and recall at the
    thresholds (abstaining languages flag nothing), on the test rows (`route`: routed scores)."""
    y = test["label"].to_numpy()
    langs = test["language"].astype(str).to_numpy()
    p = fit.probability(routed_logits(fit, members, langs.tolist(), route))
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
    brief = {k: report[k] for k in ("folder", "stacker", "abstain", "test", "parity")}
    print(json.dumps(brief, indent=2))
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.export.stacked", main))
