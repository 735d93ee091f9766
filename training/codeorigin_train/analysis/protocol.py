"""`codeorigin-train protocol`: the evaluation protocol (`evaluation/protocol.py`) for several
learners on one pool of rows, saved as JSON and, with `--card`, as the model card's protocol
section.

    codeorigin-train protocol --dataset training/work/dataset-v4.parquet \\
        --learners char-ngram models/default --card models/default

The pool: the dataset plus dated real-project human functions (`WORK/realcode.parquet`:
`--realcode-train`/`--realcode-val` of training/validation projects, all of test projects'). A
row is judged only where the runtime would judge it (`judged`), as a user would see it. `--pool
PATH` writes the pool once and reads it after; `--pool-only` stops there (what `stack` reads).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

import pandas as pd

from codeorigin.model.manifest import sha256_file
from codeorigin_train.analysis.common import DATASET_HINT
from codeorigin_train.data.argtypes import whole_number
from codeorigin_train.data.inputs import InputError, model_folder, output_path, read_parquet
from codeorigin_train.evaluation.protocol import (
    PARTS,
    FolderLearner,
    Learner,
    NgramLearner,
    ProtocolConfig,
    run_protocol,
)
from codeorigin_train.fit.stacker import MIN_RECALL

log = logging.getLogger(__name__)

KEEP = ["code", "label", "language", "source", "generator", "group", "split",
        "repo", "agent", "origin", "date", "change", "how", "squashed"]  # fmt: skip


#: The learners `--learners` names besides model folders (recipes that did not ship:
#: docs/research/evaluation-protocol.md, "Code removed").
RECIPES = ("stacked-uf", "stacked-dr")
NGRAM_LEARNERS = ("char-ngram",)
EVERY_LANGUAGE = "every-language:"
DATASET = Path("training/work/dataset-v4.parquet")


def judged_mask(frame: pd.DataFrame) -> pd.Series:
    """The runtime's too-short rule on each row (statement lines and tokens of its content)."""
    from codeorigin.core.spans import content_of
    from codeorigin.engine.judging import VerdictRules

    rules = VerdictRules()
    out = [
        rules.judges(content_of(c, str(lang))) for c, lang in zip(frame["code"], frame["language"])
    ]
    return pd.Series(out, index=frame.index)


def build_pool(dataset: Path, work: Path, cfg: ProtocolConfig) -> pd.DataFrame:
    """The dataset's rows and the real-project human functions, with the protocol's columns
    (without `WORK/realcode.parquet`, a warning: the pool is then the dataset alone)."""
    from codeorigin_train.fit.frames import realcode_rows, take_by_project

    df = read_parquet(dataset, "--dataset", hint=DATASET_HINT)
    for col in KEEP:
        if col not in df:
            df[col] = None
    df["agent"] = df["agent"].where(df["agent"].notna(), "")
    df["repo"] = df["repo"].where(df["repo"].notna(), "")
    df["how"] = df["how"].where(df["how"].notna(), "")
    df["squashed"] = df["squashed"].where(df["squashed"].notna(), False).astype(bool)
    parts = [df[KEEP]]
    real = realcode_rows(work, set(df["language"]))
    if real is None:
        log.warning("%s not found: the pool is built without the real-project human functions "
                    "(the shipped model's pool holds 14,268 of them), so its figures are not the "
                    "card's; build it first: `codeorigin-train realcode fetch --out %s` and "
                    "`codeorigin-train realcode build --archives %s --out %s`",
                    work / "realcode.parquet", work / "realcode", work / "realcode" / "archives",
                    work / "realcode.parquet")  # fmt: skip
    else:
        picked = pd.concat([
            take_by_project(real[real["split"] == "train"], cfg.realcode_train, cfg.seed),
            take_by_project(real[real["split"] == "val"], cfg.realcode_val, cfg.seed),
            real[real["split"] == "test"],
        ])  # fmt: skip
        picked = picked.assign(source="realcode", generator="human", repo="", agent="",
                               origin="release", date=picked["release_date"], change="",
                               how="", squashed=False)  # fmt: skip
        parts.append(picked[KEEP])
    pool = pd.concat(parts, ignore_index=True).drop_duplicates("code").reset_index(drop=True)
    pool["judged"] = judged_mask(pool)
    # Kept in the parquet file's metadata: which dataset a pool read later was built from.
    pool.attrs["pool"] = {"dataset": str(dataset), "dataset_sha256": sha256_file(dataset),
                          "realcode": real is not None}  # fmt: skip
    return pool


def read_pool(path: Path, dataset: Path | None) -> pd.DataFrame:
    """The pool written earlier to `path`, as it is; `InputError` when `dataset` is given and the
    pool records another (by content)."""
    pool = read_parquet(path, "--pool")
    built = pool.attrs.get("pool", {})
    rebuild = f"remove {path} (or give another --pool) to build it from --dataset"
    if not built:
        log.warning("--pool %s exists and is read as it is: --dataset is not read, and the pool "
                    "does not record which dataset it was built from; %s", path, rebuild)  # fmt: skip
        return pool
    if dataset and dataset.is_file() and sha256_file(dataset) != built["dataset_sha256"]:
        raise InputError(f"--pool {path} was built from another dataset ({built['dataset']} as "
                         f"it was then), not from --dataset {dataset}: {rebuild}")  # fmt: skip
    log.info("--pool %s exists and is read as it is (built from %s); --dataset is not read: %s",
             path, built["dataset"], rebuild)  # fmt: skip
    return pool


def result_name(spec: str) -> str:
    """The name of a learner's results file in OUT: the learner, or the model folder's name."""
    name = spec.partition(":")[0]
    if spec.startswith(EVERY_LANGUAGE):
        return Path(spec.removeprefix(EVERY_LANGUAGE)).name + "-every-language"
    return name if name in NGRAM_LEARNERS or name in RECIPES else Path(spec).name


def learner_for(
    spec: str,
    pool: pd.DataFrame,
    work: Path,
    context: pd.DataFrame | None = None,
    *,
    min_recall: float = MIN_RECALL,
    group_bound: bool = False,
) -> Learner:
    """The learner a `--learners` entry names; `context`: the context functions judged too;
    `min_recall`, `group_bound`: a stacked recipe's thresholds, as `stack`'s options."""
    check_learner(spec, work)
    if spec in NGRAM_LEARNERS:
        return NgramLearner()
    name, _, transformer = spec.partition(":")
    if name in RECIPES:
        from codeorigin_train.analysis.domain_learner import AgenticRouteLearner
        from codeorigin_train.analysis.stacked_learner import StackedLearner

        recipe = AgenticRouteLearner if name == "stacked-dr" else StackedLearner
        options = ([f"recall bar {min_recall:.0%}"] if min_recall != MIN_RECALL else []) + (
            ["bounded over repositories"] if group_bound else [])  # fmt: skip
        if options:
            name = f"{name} ({', '.join(options)})"
        return recipe(Path(transformer or "models/default"),
                      work / "stacked" / "transformer-logits.parquet", pool, name=name,
                      fragments=pd.read_parquet(work / "agentic-fragments.parquet"),
                      judged_too=context, min_recall=min_recall,
                      group_bound=group_bound)  # fmt: skip
    every = spec.startswith(EVERY_LANGUAGE)
    path = Path(spec.removeprefix(EVERY_LANGUAGE))
    where = f"{path}, every language" if every else path
    return FolderLearner(path, name=f"{path.name} ({where})", every_language=every)


def check_learner(spec: str, work: Path) -> None:
    """`InputError` when a `--learners` entry names no learner or lacks a file it trains on."""
    if spec in NGRAM_LEARNERS:
        return
    if not spec.startswith("stacked"):
        if not (Path(spec.removeprefix(EVERY_LANGUAGE)) / "manifest.json").is_file():
            raise InputError(f"--learners {spec}: neither char-ngram, a stacked recipe (stacked-uf, "
                             "stacked-dr: `codeorigin-train protocol --help`) nor a model "
                             "folder with manifest.json")  # fmt: skip
        return
    name, _, transformer = spec.partition(":")
    if name not in RECIPES:
        raise InputError(f"--learners {spec}: {name} is no stacked recipe; the recipes: "
                         f"{', '.join(RECIPES)}")  # fmt: skip
    model_folder(Path(transformer or "models/default"), f"--learners {spec}: transformer folder")
    file = work / "agentic-fragments.parquet"
    if not file.is_file():
        raise InputError(f"--learners {spec} trains on {file}, not found: run "
                         f"`codeorigin-train agentic-fragments` (--out {file}) or give --work "
                         "its folder")  # fmt: skip


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="codeorigin-train protocol", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--dataset", type=Path, default=None,
                   help=f"the dataset the pool is built from (default: {DATASET}); not read when "
                   "--pool names a pool written before")  # fmt: skip
    p.add_argument("--work", type=Path, default=Path("training/work"))
    p.add_argument(
        "--learners",
        nargs="+",
        default=["char-ngram", "models/default"],
        help="char-ngram, "
        "stacked-uf[:TRANSFORMER_FOLDER] (the linear member with the lines the changes added as "
        "more training text, the thresholds also on unseen sources' humans as a floor up to the "
        "recall bar: the shipped stacker), stacked-dr[:TRANSFORMER_FOLDER] (-uf and a route for "
        "project code that also stacks an agentic member, at a bound of 0.25%%: the shipped "
        "recipe), or model folders (every-language:FOLDER: scored in the languages it abstains "
        "on too, at its global threshold)",
    )
    p.add_argument("--out", type=Path, default=Path("training/work/protocol"))
    p.add_argument("--card", type=Path, help="record in this model folder; render its card again")
    p.add_argument("--own-card", type=Path,
                   help="the one learner, this model folder, measured as it ships: record its "
                   "figures as the folder's own (`analysis.own`), which the card's main-split "
                   "and within-repository figures then come from; its protocol record is kept")  # fmt: skip
    p.add_argument("--notes", type=Path, help="a markdown file: what the figures say, for the card")
    p.add_argument("--parts", nargs="+", default=list(PARTS), choices=list(PARTS))
    p.add_argument("--pool", type=Path,
                   help="the pool's parquet file: read as it is when it exists (then --dataset "
                   "is not read; one built from another --dataset is refused), else built from "
                   "--dataset and written")  # fmt: skip
    p.add_argument("--pool-only", action="store_true", help="write the pool (--pool) and stop")
    p.add_argument(
        "--min-recall",
        type=float,
        default=MIN_RECALL,
        help="a stacked recipe's recall bar, as `stack --min-recall`",
    )
    p.add_argument(
        "--group-bound",
        action="store_true",
        help="a stacked recipe's thresholds bounded over repositories too, as "
        "`stack --group-bound`",
    )
    p.add_argument(
        "--context", type=Path, help="era-matched human code (`codeorigin-train agentic-context`)"
    )
    p.add_argument(
        "--scores", action="store_true", help="scored rows, no code: OUT/<learner>-scores.parquet"
    )
    p.add_argument("--reuse", action="store_true", help="reuse OUT/<learner>.json where it exists")
    counts = {"seed": int, "lro_folds": whole_number(2)}  # the rest: caps, 0 or more
    for name, value in ProtocolConfig().__dict__.items():
        kind = counts.get(name, whole_number(0))
        p.add_argument(f"--{name.replace('_', '-')}", type=kind, default=value)
    return p.parse_args(argv)


def check_arguments(args: argparse.Namespace) -> None:
    """`InputError` for what would stop the run after the pool is built: cheap checks first."""
    if args.pool_only and args.pool is None:
        raise InputError("--pool-only writes the pool to --pool PATH: give --pool")
    if args.pool is not None and not args.pool.exists():
        output_path(args.pool, "--pool")
    if args.pool_only:
        return
    output_path(args.out, folder=True)
    if args.own_card is not None and (
        args.card is not None or [str(x) for x in args.learners] != [str(args.own_card)]
    ):
        raise InputError("--own-card DIR measures DIR alone: give --learners DIR and no --card")
    for spec in args.learners:
        if not (args.reuse and (args.out / f"{result_name(spec)}.json").exists()):
            check_learner(spec, args.work)


def the_pool(args: argparse.Namespace, cfg: ProtocolConfig) -> pd.DataFrame:
    """`--pool` when it exists, else built from `--dataset` (and written to `--pool` if given)."""
    if args.pool is not None and args.pool.exists():
        return read_pool(args.pool, args.dataset)
    pool = build_pool(args.dataset or DATASET, args.work, cfg)
    if args.pool is not None:
        pool.to_parquet(args.pool, index=False)
    return pool


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parse_args(argv)
    cfg = ProtocolConfig(**{k: getattr(args, k) for k in ProtocolConfig().__dict__})
    t0 = time.perf_counter()
    check_arguments(args)
    pool = the_pool(args, cfg)
    log.info("pool: %d rows (%d judged) in %.0f s", len(pool), pool["judged"].sum(),
             time.perf_counter() - t0)  # fmt: skip
    if args.pool_only:
        print(f"{args.pool}: {len(pool)} rows, {int(pool['judged'].sum())} judged")
        return 0
    context = None
    if args.context is not None:
        context = read_parquet(args.context, "--context",
                               hint="`codeorigin-train agentic-context` writes it")  # fmt: skip
        context = context[~context["code"].isin(set(pool["code"]))].assign(judged=True)
        log.info(
            "context: %d functions of %d repositories", len(context), context["repo"].nunique()
        )
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    for spec in args.learners:
        path = args.out / f"{result_name(spec)}.json"
        if args.reuse and path.exists():
            saved = json.loads(path.read_text())
            results[saved["learner"]] = saved
            continue
        learner = learner_for(spec, pool, args.work, context, min_recall=args.min_recall,
                              group_bound=args.group_bound)  # fmt: skip
        scores: list[pd.DataFrame] | None = [] if args.scores else None
        result = run_protocol(pool, learner, cfg, parts=args.parts, context=context, scores=scores)
        if scores:
            pd.concat(scores).to_parquet(args.out / f"{result_name(spec)}-scores.parquet")
        if path.exists():  # parts run apart (`--parts loso` in a second process) go together
            result = {**json.loads(path.read_text()), **result}
        results[learner.name] = result
        path.write_text(json.dumps(result, indent=2) + "\n")
    built = pool.attrs.get("pool", {}).get("dataset", str(args.dataset or DATASET))
    summary = {"dataset": built, "pool_rows": len(pool),
               "pool_judged": int(pool["judged"].sum()),
               "pool_realcode": int((pool["source"] == "realcode").sum()),
               "learners": results}  # fmt: skip
    if args.notes is not None:
        summary["notes"] = args.notes.read_text(encoding="utf-8")
    (args.out / "protocol.json").write_text(json.dumps(summary, indent=2) + "\n")
    if args.card is not None:
        from codeorigin_train.analysis.record import record

        record(args.card, "protocol", summary)
    if args.own_card is not None:
        from codeorigin_train.analysis.record import record

        ((name, result),) = results.items()
        record(args.own_card, "own", {"learner": name, "parts": list(args.parts),
                                      "context": str(args.context) if args.context else None,
                                      "measured": time.strftime("%Y-%m-%d"), "result": result})  # fmt: skip
    from codeorigin_train.card import within
    from codeorigin_train.card.protocol import markdown

    if set(args.parts) - {"within"}:
        print("\n".join(markdown(summary)))
    for name, result in results.items():
        if result.get("within"):
            print("\n".join(within.markdown(name, result["within"])))
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.analysis.protocol", main))
