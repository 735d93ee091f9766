"""The project route end to end on the protocol's folds, for variants of its members, of the rows
its stacker is fitted on and of the humans its bound rests on: what `stacked-dr` measures of the
route, in a quarter of the protocol's time, and every variant from the same fits.

    codeorigin-train route-screen --pool $W/protocol-pool.parquet --work $W \
        --context $W/agentic-context.parquet --out $W/route-screen.json --extra-humans

For each fold (a held-out agent, as leave one agent out, or the main split) it fits what the
route reads, as `analysis.domain_learner.AgenticRouteLearner` fits it: the linear member and the
route's members cross-fitted into the calibration rows (`fit.crossfit.calibration_rows`), the
domain model on the fold's human training rows and its gate (`export.route.gate_logit`). The
logits are kept in WORK/route-screen/FOLD.pkl, so variants of the stacker and the bound cost
seconds after the first run. Each variant is then the route stacker (`fit.stacker.fit_stacker`)
on a set of members (`SETS`), fitted on the project calibration rows of every language (as
shipped) or of Python alone, its thresholds at `--bound` of the project humans with 95%
confidence, read on the fold's held-out Python functions the gate lets through: agents'
functions flagged, their repositories' human functions flagged, AUROC, and, on the main split,
the real-project test functions flagged. Its "shipped" variant on every language's rows is the
route `stacked-dr` builds: the same probabilities on every row (tests/training).

`--extra-humans`: the route's bound also rests on the real-project Python functions of training
projects that the pool leaves out (`fit.frames.realcode_rows`), each scored by a linear member
fitted without its project (3 folds of projects), the route's agentic members (which never train
on real-project code) and the fold's domain model.

`--style`: a style member too (`analysis.route_style`): the member sets of `STYLE_SETS`, and the
shipped route and the style member both over a threshold of their own.

`--hard-negatives`: the agentic member trained again with its hardest humans weighted up
(`analysis.route_hard`), in the member sets of `HARD_SETS`.

`--abstract`: a member that reads code with its repositories' own names replaced by their shape
(`analysis.route_abstract`), in the member sets of `ABSTRACT_SETS`.

`--languages`: the route judging other languages than Python too, each bounded on its own
project humans.

The members (`MEMBERS`): `linear`, the linear member; `agentic`, the route's agentic member (the
linear recipe on the agentic corpus and its fragments alone); `agentic-c16`, the same less
regularised (C = 16); `agentic-python`, the same on Python rows and fragments alone.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import logging
import pickle
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.analysis import route_abstract, route_hard
from codeorigin_train.analysis.common import auroc
from codeorigin_train.analysis.route_style import add_style, both_rule
from codeorigin_train.evaluation.protocol import AGENTS, ProtocolConfig, loao_rows, training_rows
from codeorigin_train.fit.crossfit import calibration_rows
from codeorigin_train.fit.stacker import fit_stacker, language_thresholds
from codeorigin_train.variants.linear import LinearConfig, fit_matrix

log = logging.getLogger(__name__)

#: The route's members: (agentic corpus only, Python only, C); None for the linear member.
MEMBERS: dict[str, tuple[bool, bool, float] | None] = {
    "linear": None,
    "agentic": (True, False, 4.0),
    "agentic-c16": (True, False, 16.0),
    "agentic-python": (True, True, 4.0),
}
#: The route stacker's member sets; "shipped" is `stack --agentic-route`'s.
SETS: dict[str, tuple[str, ...]] = {
    "shipped": ("linear", "agentic"),
    "agentic C=16": ("linear", "agentic-c16"),
    "agentic on Python": ("linear", "agentic-python"),
    "both agentic": ("linear", "agentic", "agentic-python"),
    "agentic alone": ("agentic",),
    "agentic on Python alone": ("agentic-python",),
}
#: With `--style`: the member sets with the style member (`analysis.style_figures`).
STYLE_SETS: dict[str, tuple[str, ...]] = {
    "shipped + style": ("linear", "agentic", "style"),
    "linear + style": ("linear", "style"),
    "agentic + style": ("agentic", "style"),
    "style alone": ("style",),
}
#: With `--hard-negatives`: the agentic member with its hardest humans weighted up.
HARD_SETS: dict[str, tuple[str, ...]] = {
    "agentic with hard negatives": ("linear", route_hard.NAME),
    "agentic with hard negatives alone": (route_hard.NAME,),
}
#: With `--abstract`: the member that reads code with its repositories' own words taken out.
ABSTRACT_SETS: dict[str, tuple[str, ...]] = {
    "linear + abstract": ("linear", route_abstract.NAME),
    "shipped + abstract": ("linear", "agentic", route_abstract.NAME),
    "abstract alone": (route_abstract.NAME,),
}
ROUTE_LANGUAGE = "python"  # the only language whose project humans bound the route


@dataclass
class FoldLogits:
    """What a fold's route reads: the calibration rows and the held-out rows, each member's
    logits on both (cross-fitted on the calibration rows), the domain logits and the gate; the
    extra humans' logits when asked for."""

    cal: pd.DataFrame
    test: pd.DataFrame
    cal_logits: dict[str, np.ndarray]
    test_logits: dict[str, np.ndarray]
    z_cal: np.ndarray
    z_test: np.ndarray
    gate: float
    extra_logits: dict[str, np.ndarray] | None = None
    z_extra: np.ndarray | None = None


def fold_frames(pool: pd.DataFrame, fold: str, cfg: ProtocolConfig) -> tuple[pd.DataFrame, ...]:
    """(train, val, held-out rows) of a fold, as the protocol's `main_split` and `loao` take them."""
    if fold == "main":
        train, val = training_rows(pool, cfg)
        return train, val, pool[(pool["split"] == "test") & pool["judged"]]
    rows, test = loao_rows(pool, fold)
    return (*training_rows(rows, cfg), test)


def member_rows(learner: Any, name: str, train: pd.DataFrame) -> pd.DataFrame:
    """The rows (with the fragments of their repositories) member `name` trains on."""
    recipe = MEMBERS[name]
    if recipe is None:
        return learner._training_text(train)
    rows = learner._training_text(train[train["source"] == "aidev"])
    return rows[rows["language"] == ROUTE_LANGUAGE] if recipe[1] else rows


def fit_member(learner: Any, name: str, train: pd.DataFrame) -> Any:
    """Member `name` fitted on `train`: a scikit-learn regression over the learner's features."""
    rows = member_rows(learner, name, train)
    recipe = MEMBERS[name]
    config = learner.config if recipe is None else LinearConfig(c=recipe[2])
    return fit_matrix(learner._x(rows), rows["label"], config)


def fold_logits(learner: Any, train: pd.DataFrame, val: pd.DataFrame, test: pd.DataFrame,
                extra: tuple[pd.DataFrame, Any] | None) -> FoldLogits:  # fmt: skip
    """The fold's `FoldLogits` (`extra`: the extra humans and their feature matrix)."""
    from codeorigin_train.analysis.domain_learner import domain_model
    from codeorigin_train.export.route import gate_logit

    cal, cal_logits, test_logits = None, {}, {}
    for name in MEMBERS:

        def fit(rows: pd.DataFrame, name: str = name) -> Any:
            model = fit_member(learner, name, rows)
            return lambda f: model.decision_function(learner._x(f))

        rows, logits, member = calibration_rows(train, val, fit)
        assert cal is None or rows.index.equals(cal.index)  # the same folds, the same rows
        cal, cal_logits[name], test_logits[name] = rows, logits, member(test)
    assert cal is not None
    domain = domain_model(learner, train)
    z_cal, z_test = (domain.decision_function(learner._x(f)) for f in (cal, test))
    out = FoldLogits(cal, test, cal_logits, test_logits, z_cal, z_test, gate_logit(cal, z_cal))
    if extra is not None:
        out.extra_logits = extra_logits(learner, train, *extra)
        out.z_extra = domain.decision_function(extra[1])
    return out


def extra_logits(learner: Any, train: pd.DataFrame, extra: pd.DataFrame, x: Any,
                 folds: int = 3) -> dict[str, np.ndarray]:  # fmt: skip
    """Each member's logits on the extra humans: the linear member's fitted without their
    project (`folds` folds of projects), the agentic members' on the whole fold."""
    projects = sorted(extra["project"].unique())
    fold_of = extra["project"].map({p: i % folds for i, p in enumerate(projects)}).to_numpy()
    out = {name: np.zeros(len(extra)) for name in MEMBERS}
    for k in range(folds):
        held = {f"real:{p}" for i, p in enumerate(projects) if i % folds == k}
        own = (train["source"] == "realcode") & train["group"].isin(held)
        model = fit_member(learner, "linear", train[~own])
        out["linear"][fold_of == k] = model.decision_function(x[fold_of == k])
    for name in MEMBERS:
        if name != "linear":
            out[name] = fit_member(learner, name, train).decision_function(x)
    return out


def route_variant(f: FoldLogits, members: tuple[str, ...], python_rows: bool, bound: float,
                  extra: bool, language: str = ROUTE_LANGUAGE,
                  ) -> tuple[dict[str, Any], np.ndarray]:  # fmt: skip
    """One variant of the route on a fold: the stacker on `members`, fitted on the project
    calibration rows (of `language` alone with `python_rows`), its threshold at `bound` of the
    project humans of `language` (and the extra humans with `extra`, Python's): what it flags of
    the held-out rows of `language`, and its probability of each held-out row."""
    y = f.cal["label"].to_numpy()
    langs = f.cal["language"].astype(str).to_numpy()
    rows = f.z_cal >= f.gate
    if python_rows:
        rows &= langs == language
    stacker = fit_stacker({k: f.cal_logits[k][rows] for k in members}, langs[rows].tolist(),
                          y[rows], f.cal["group"].to_numpy()[rows].tolist())  # fmt: skip
    p, y_th, l_th = stacker.probability(stacker.oof_logits), y[rows], langs[rows]
    if (
        extra
        and language == ROUTE_LANGUAGE
        and f.extra_logits is not None
        and f.z_extra is not None
    ):
        gated = f.z_extra >= f.gate
        z = stacker.logits({k: f.extra_logits[k][gated] for k in members},
                           [ROUTE_LANGUAGE] * int(gated.sum()))  # fmt: skip
        p = np.concatenate([p, stacker.probability(z)])
        y_th = np.concatenate([y_th, np.zeros(int(gated.sum()), dtype=y_th.dtype)])
        l_th = np.concatenate([l_th, np.full(int(gated.sum()), ROUTE_LANGUAGE)])
    th = language_thresholds(p, y_th, l_th, max_fpr=bound, min_recall=0.0)
    t = th.languages.get(language, {}).get("llm", np.inf)
    if language in th.abstain:
        t = np.inf
    test = f.test
    p_test = stacker.probability(
        stacker.logits(
            {k: f.test_logits[k] for k in members}, test["language"].astype(str).tolist()
        )
    )
    sel = (test["language"] == language).to_numpy() & (f.z_test >= f.gate)
    hit = sel & (p_test >= t)
    label, source = test["label"].to_numpy(), test["source"].to_numpy()
    out = {
        "weights": {k: round(float(v), 4) for k, v in stacker.weights.items()},
        "threshold": float(t),
        "humans_bounding": int(((l_th == language) & (y_th == 0)).sum()),
        "auroc": auroc(label[sel], p_test[sel]),
        "agents": [int((hit & (label == 1) & (source == "aidev")).sum()),
                   int((sel & (label == 1) & (source == "aidev")).sum())],
        "agents_repositories_humans": [int((hit & (label == 0) & (source == "aidev")).sum()),
                                       int((sel & (label == 0) & (source == "aidev")).sum())],
    }  # fmt: skip
    # How far ranking alone would go: the agents' functions above every held-out human of their
    # repositories, whatever the threshold.
    people = p_test[sel & (label == 0) & (source == "aidev")]
    top = people.max() if people.size else np.inf
    out["agents_above_every_human"] = int(
        (sel & (label == 1) & (source == "aidev") & (p_test > top)).sum()
    )
    if (source == "realcode").any():
        real = (test["language"] == language).to_numpy() & (source == "realcode")
        out["real_project_humans"] = [int((hit & real).sum()), int(real.sum())]
    return out, p_test


def screen(f: FoldLogits, bound: float, languages: tuple[str, ...] = (ROUTE_LANGUAGE,),
           ) -> dict[str, Any]:  # fmt: skip
    """Every variant (`SETS`, both kinds of stacker rows, without and with the extra humans);
    none where the project calibration rows hold one label (as the learner: no route). Other
    `languages` than Python: the route judging that language, bounded on its own project humans
    (`SETS` and both kinds of stacker rows; the extra humans are Python's)."""
    project = f.z_cal >= f.gate
    if np.unique(f.cal["label"].to_numpy()[project]).size < 2:
        return {"no route": "the project calibration rows hold one label"}
    out: dict[str, Any] = {}
    sets = {**SETS, **(STYLE_SETS if "style" in f.cal_logits else {})}
    sets |= HARD_SETS if route_hard.NAME in f.cal_logits else {}
    abstract = ABSTRACT_SETS if route_abstract.NAME in f.cal_logits else {}
    sets |= abstract
    for name, members in sets.items():
        for python_rows in (False, True):
            for extra in (False, True) if f.extra_logits is not None else (False,):
                key = f"{name}, stacker on {'Python' if python_rows else 'every language'}"
                key += ", bound with the extra humans" if extra else ""
                out[key] = route_variant(f, members, python_rows, bound, extra)[0]
    if "style" in f.cal_logits:
        out["shipped and style both over their thresholds"] = both_rule(f, bound)
    for language in (x for x in languages if x != ROUTE_LANGUAGE):
        for name, members in {**SETS, **abstract}.items():
            for python_rows in (False, True):
                key = f"[{language}] {name}, stacker on "
                key += language if python_rows else "every language"
                out[key] = route_variant(f, members, python_rows, bound, False, language)[0]
    return out


def extra_humans(work: Path, pool: pd.DataFrame, learner: Any) -> tuple[pd.DataFrame, Any]:
    """The real-project Python functions of training projects the pool leaves out, and their
    features (the learner's recipe)."""
    from codeorigin_train.fit.frames import realcode_rows
    from codeorigin_train.variants.linear import features

    real = realcode_rows(work, {ROUTE_LANGUAGE})
    if real is None:
        raise SystemExit(f"--extra-humans: {work / 'realcode.parquet'} not found")
    real = real[(real["split"] == "train") & ~real["code"].isin(set(pool["code"]))]
    real = real.reset_index(drop=True)
    x = features(real["code"].tolist(), learner.config.features, real["language"].tolist())
    log.info("route-screen: %d extra humans of %d projects", len(real), real["project"].nunique())
    return real, x.tocsr()


def cached_fold(learner: Any, pool: pd.DataFrame, fold: str, cfg: ProtocolConfig, cache: Path,
                extra: tuple[pd.DataFrame, Any] | None) -> FoldLogits:  # fmt: skip
    """`fold_logits`, kept in CACHE/FOLD-KEY.pkl (KEY: a hash of the pool, the members and the
    extra humans)."""
    key = hashlib.blake2b(digest_size=8)
    for part in (pool["code"], pool["split"], pool["label"].astype(str)):
        key.update("\x00".join(part).encode("utf-8", "surrogatepass"))
    key.update(json.dumps([MEMBERS, extra is not None and len(extra[0])]).encode())
    path = cache / f"{fold}-{key.hexdigest()}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    t0 = time.perf_counter()
    got = fold_logits(learner, *fold_frames(pool, fold, cfg), extra)
    cache.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")  # a run stopped while writing leaves no broken fit
    partial.write_bytes(pickle.dumps(got))
    partial.replace(path)
    log.info("route-screen: fold %s fitted in %.0f s", fold, time.perf_counter() - t0)
    return got


def main(argv: list[str] | None = None) -> int:
    from codeorigin_train.analysis.protocol import learner_for
    from codeorigin_train.data.inputs import output_path, read_parquet

    parser = argparse.ArgumentParser(prog="codeorigin-train route-screen",
                                     description=__doc__.split("\n\n")[0])  # fmt: skip
    parser.add_argument("--pool", type=Path, required=True, help="the protocol's pool")
    parser.add_argument("--work", type=Path, required=True,
                        help="the protocol's work folder (agentic-fragments.parquet, the feature "
                        "cache; the logits go to WORK/route-screen)")  # fmt: skip
    parser.add_argument("--context", type=Path, default=None,
                        help="the context functions, as the protocol was given them (they are "
                        "featurised with the pool: the same feature cache)")  # fmt: skip
    parser.add_argument("--folds", nargs="+", default=[*AGENTS, "main"],
                        choices=[*AGENTS, "main"])  # fmt: skip
    parser.add_argument(
        "--bound",
        type=float,
        default=0.0025,
        help="the route's false-positive bound on the project humans (95%%)",
    )
    parser.add_argument("--extra-humans", action="store_true",
                        help="also bound the route on the real-project Python functions of "
                        "training projects the pool leaves out")  # fmt: skip
    parser.add_argument("--style", action="store_true",
                        help="also a style member (analysis/style_figures.py) in the route's "
                        "stacker, and the shipped route and the style member both over a "
                        "threshold of their own (analysis/route_style.py)")  # fmt: skip
    parser.add_argument("--hard-negatives", action="store_true",
                        help="also the agentic member with its hardest human rows weighted up "
                        "(analysis/route_hard.py)")  # fmt: skip
    parser.add_argument("--abstract", action="store_true",
                        help="also a member that reads code with its repositories' own names "
                        "replaced by their shape (analysis/route_abstract.py)")  # fmt: skip
    parser.add_argument("--languages", nargs="+", default=[ROUTE_LANGUAGE], metavar="LANGUAGE",
                        help="also the route judging each of these languages, bounded on its "
                        "own project humans (default: python alone, as shipped)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.out is not None:
        output_path(args.out)  # before the folds are fitted, not after them
    pool = read_parquet(args.pool, "--pool")
    context = None
    if args.context is not None:
        context = read_parquet(args.context, "--context")
        context = context[~context["code"].isin(set(pool["code"]))].assign(judged=True)
    for fold in args.folds:
        if fold != "main" and not (pool["agent"] == fold).any():
            raise SystemExit(f"--folds {fold}: the pool holds no function of {fold}")
    known = set(pool["language"].astype(str))
    for language in args.languages:
        if language not in known:
            raise SystemExit(f"--languages {language}: the pool holds no function of it (its "
                             f"languages: {', '.join(sorted(known))})")  # fmt: skip
    learner = learner_for("stacked-dr", pool, args.work, context)
    extra = extra_humans(args.work, pool, learner) if args.extra_humans else None
    out = {}
    for fold in args.folds:
        f = cached_fold(learner, pool, fold, ProtocolConfig(), args.work / "route-screen", extra)
        frames = fold_frames(pool, fold, ProtocolConfig())
        if args.style:
            add_style(f, *frames, extra)
        if args.hard_negatives:
            rows_of = functools.partial(member_rows, learner, "agentic")
            route_hard.add_hard(f, learner, rows_of, frames, extra)
        if args.abstract:
            rows_of = functools.partial(member_rows, learner, "agentic")
            route_abstract.add_abstract(f, rows_of, frames, extra)
        out[fold if fold == "main" else f"loao {fold}"] = {
            "gate": f.gate,
            **screen(f, args.bound, (ROUTE_LANGUAGE, *args.languages)),
        }
    text = json.dumps(out, indent=1)
    if args.out is not None:
        args.out.write_text(text + "\n")
    print(table(out))
    return 0


def table(out: dict[str, Any]) -> str:
    """The figures as a text table: a line per fold and variant."""
    lines = []
    for fold, variants in out.items():
        for name, v in variants.items():
            if name == "gate":
                continue
            if name == "no route":
                lines.append(f"{fold:13s} no route: {v}")
                continue
            real = v.get("real_project_humans")
            lines.append(
                f"{fold:13s} {name:75s} agents {v['agents'][0]:3d}/{v['agents'][1]:<3d} "
                f"humans {v['agents_repositories_humans'][0]}/"
                f"{v['agents_repositories_humans'][1]}"
                + (f" real-project {real[0]}/{real[1]}" if real else "")
                + f" auroc {v.get('auroc') or float('nan'):.3f} threshold {v['threshold']:.3f}"
                + (
                    f" above every human {v['agents_above_every_human']}"
                    if "agents_above_every_human" in v
                    else ""
                )
            )
    return "\n".join(lines)


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.analysis.route_screen", main))
