"""`codeorigin-train language-stack`: a language a folder does not judge, judged by a stack of its
own.

A folder's stackers were fitted on the languages its thresholds were set on; a language it does
not judge gets "not judged". Where the corpus holds a language's agents' functions and its people's
code in enough repositories (C#: 1,174 agents' and 2,059 people's functions of the agentic train
repositories), a linear member fitted on that language alone ranks its agents' code in repositories
it never saw far better than a member shared with every language (C#'s test repositories: 0.790
pooled against the route's 0.704). This command copies `--base` to `--out` and gives each of
`--languages` a stack of its own (`codeorigin.model.stacking`, format version 5):

- the member: the linear recipe (hashed character and token n-grams, style figures, logistic
  regression with balanced classes) fitted on the language's rows of `--rows`, train split, and
  its people's code of the train split (`graft_floors.people_rows`: the dated repositories of
  `--people`, less those of repositories where an agent of `--people-without` has changes unless
  they stood in the dated snapshot);
- its stacker: Platt scaling of the member's out-of-fold logits (`--folds` folds, repositories
  held out whole; the two labels weighed alike, as in the folder's own pool, where agents' and
  people's rows are about as many), written on the folder's calibrated scale, so that the
  folder's calibration gives that probability; the transformer's weight is 0;
- its thresholds, on people the member never trained on: the out-of-fold people of the train
  split and every person of the validation split, the verdict's bounded at 1% with 95%
  confidence over the functions and over the repositories, the uncertain one at 5%.

With `--also LANG=OTHER[,OTHER]` a language's member trains on the other languages' rows of the
train split too (JavaScript's 612 agents' functions beside TypeScript's and TSX's), while its
stacker, thresholds and validation rest on its own rows alone. With `--context` (the
agentic-context file) each language's threshold is then raised, where it must be, to hold the
code beside the agents' changes in dated repositories of the train and validation splits at its
bound, as `graft --context` raises a grafted one; the record says so, with the validation agents
caught at the threshold it leaves.

The validation split's agents measure it: a language whose validation agents it ranks above their
people at an AUROC under `--min-auroc` (0.7), or whose validation agents the people's bound would
not catch (before `--context` raises it), or whose held-out people are too few to bound 1% with
95% confidence, is refused and stays "not judged". The folder is then loaded as the server loads it and must score the
validation rows as computed here (within 1e-6). C# on 2 cores: about 40 s.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from codeorigin.core.features import FeatureConfig
from codeorigin.core.languages import LANGUAGES
from codeorigin.model.linear import write_weights
from codeorigin.model.scorer import Model
from codeorigin.model.stacking import LANGUAGE_ALIASES
from codeorigin_train.data.inputs import read_parquet
from codeorigin_train.export.graft_floors import (
    PEOPLE_COLUMNS,
    UNCERTAIN_FPR,
    _bound,
    base_and_out,
    context_floor,
    copied,
    people_without_option,
    read_people,
    rewrite_manifest,
)
from codeorigin_train.fit.calibrate import (
    auroc,
    fit_platt,
    sigmoid,
    threshold_at_fpr,
)
from codeorigin_train.variants import registry

log = logging.getLogger(__name__)
TOLERANCE = 1e-6
MAX_FPR, CONFIDENCE = 0.01, 0.95
ROW_COLUMNS = ["code", "language", "label", "split", "repo"]
#: A member that ranks the validation agents no better than this above their people is refused.
MIN_AUROC = 0.7


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="codeorigin-train language-stack",
        description="Languages a folder does not judge, each judged by a stack of its own: a "
        "linear member fitted on the language alone, thresholds bounded on people it never "
        "trained on.",
    )  # fmt: skip
    p.add_argument("--base", type=Path, required=True, help="the model folder to start from")
    p.add_argument("--languages", nargs="+", required=True,
                   help="languages the folder reads but does not judge")  # fmt: skip
    p.add_argument("--rows", type=Path, default=Path("training/work/pool-v5.parquet"),
                   help="the pool: the language's agents' and people's functions by split "
                   "(default: %(default)s)")  # fmt: skip
    p.add_argument("--people", type=Path, required=True,
                   help="agentic-context functions of both folders (`codeorigin-train "
                   "agentic-context --sources aidev,agent-changes`)")  # fmt: skip
    people_without_option(p)
    p.add_argument("--min-auroc", type=float, default=MIN_AUROC,
                   help="the least AUROC of the validation agents' functions against the "
                   "validation people's a language must reach (default: %(default)s)")  # fmt: skip
    p.add_argument("--folds", type=int, default=5,
                   help="folds by repository for the out-of-fold logits (default: %(default)s)")
    p.add_argument("--also", action="append", default=[], metavar="LANG=OTHER[,OTHER]",
                   help="LANG's member trains on OTHER's rows of the train split too (the pool's "
                   "and people's), e.g. javascript=typescript,typescriptreact where LANG's own are "
                   "few; its stacker and thresholds rest on LANG's rows alone")  # fmt: skip
    p.add_argument("--context", type=Path,
                   help="agentic-context functions: each language's threshold is raised, where "
                   "it must be, to hold the code beside the agents' changes in dated repositories "
                   "of the train and validation splits at its bound, as `graft --context` does")  # fmt: skip
    p.add_argument("--out", type=Path, required=True, help="the new folder (must not exist)")
    return p


def also_option(values: list[str], languages: list[str]) -> dict[str, list[str]]:
    """`--also`'s values, by language; exits with one line on a malformed one."""
    got: dict[str, list[str]] = {}
    for value in values:
        lang, _, others = value.partition("=")
        names = [o for o in others.split(",") if o]
        if lang not in languages or not names:
            raise SystemExit(f"--also {value}: expected LANG=OTHER[,OTHER] with LANG one of "
                             f"--languages ({', '.join(languages)})")  # fmt: skip
        for other in names:
            if other not in LANGUAGES or other == lang:
                raise SystemExit(f"--also {value}: {other} is not another language the span "
                                 "finder reads")  # fmt: skip
        got[lang] = [*got.get(lang, []), *names]
    return got


def _refuse(raw: dict[str, Any], lang: str) -> None:
    """Exits with one line when `lang` cannot get a stack of its own in the folder `raw`."""
    if lang in LANGUAGE_ALIASES:
        raise SystemExit(f"--languages {lang}: an editor's alias is judged as "
                         f"{LANGUAGE_ALIASES[lang]}; name that")  # fmt: skip
    if lang not in LANGUAGES:
        raise SystemExit(f"--languages {lang}: not a language the span finder reads "
                         f"({', '.join(sorted(LANGUAGES))})")  # fmt: skip
    if "member" not in (raw.get("route") or {}):
        raise SystemExit("--base: the folder has no route for project code with a member of its "
                         "own, and a folder with stacks (format version 5) has one")  # fmt: skip
    judged = set(raw.get("languages") or LANGUAGES) - set(raw.get("abstain") or {})
    if lang in judged:  # a folder that names no languages judges every one
        raise SystemExit(f"--languages {lang}: the folder judges it already")
    if any(lang in s["languages"] for s in raw.get("stacks") or []):
        raise SystemExit(f"--languages {lang}: a stack of the folder lists it already")


def rows_of(pool: Any, people: Any, lang: str, split: str, also: tuple[str, ...] = ()) -> Any:
    """`lang`'s functions of `split` (and those of the languages `also`): the pool's (both labels)
    and people's (label 0), each text once; columns code, label, repo, language."""
    import pandas as pd

    langs = [lang, *also]
    mine = pool[pool["language"].isin(langs) & (pool["split"] == split)]
    theirs = people[people["language"].isin(langs) & (people["split"] == split)].assign(label=0)
    columns = ["code", "label", "repo", "language"]
    both = pd.concat([mine[columns], theirs[columns]], ignore_index=True)
    both["repo"] = both["repo"].astype(str)
    return both.drop_duplicates("code", ignore_index=True)


def fit_language(lang: str, train: Any, val: Any, folds: int) -> tuple[Any, dict[str, Any]]:
    """The member fitted on `train` (`lang`'s rows and any of the languages `--also` gives it),
    and what its thresholds and stacker are set from, on `lang`'s rows alone: Platt scaling of
    its out-of-fold logits, the held-out people's probabilities and repositories."""
    member: Any = registry.get("linear", features=FeatureConfig(bucket_bits=20))
    x = member.matrix(train["code"].tolist(), train["language"].tolist())
    y = train["label"].to_numpy()
    if len(np.unique(y[(train["language"] == lang).to_numpy()])) < 2:
        raise SystemExit(f"--languages {lang}: the train split holds only one label of it")
    fold = np.array([zlib.crc32(r.encode()) % folds for r in train["repo"]])
    oof = np.zeros(len(train))
    for k in range(folds):
        if (fold == k).any() and len(np.unique(y[fold != k])) == 2:
            oof[fold == k] = member.fit_matrix(x[fold != k], y[fold != k]).decision_function(
                x[fold == k])  # fmt: skip
    member.model = member.fit_matrix(x, y)
    own = (train["language"] == lang).to_numpy()
    oof, y, repos = oof[own], y[own], train["repo"].to_numpy()[own]
    alpha, beta = fit_platt(oof, y, balanced=True)
    z_val = member.predict_logits(val["code"].tolist(), [lang] * len(val))
    y_val = val["label"].to_numpy()
    people_p = sigmoid(alpha * np.concatenate([oof[y == 0], z_val[y_val == 0]]) + beta)
    people_repos = np.concatenate([repos[y == 0], val["repo"].to_numpy()[y_val == 0]])
    fit = {"alpha": alpha, "beta": beta, "oof_auroc": auroc(y, oof), "z_val": z_val,
           "people_p": people_p, "people_repos": people_repos}  # fmt: skip
    return member, fit


def add_language(out: Path, pool: Any, people: Any, lang: str, folds: int,
                 min_auroc: float = MIN_AUROC, also: tuple[str, ...] = (),
                 context: Any = None) -> dict[str, Any]:  # fmt: skip
    """`lang` judged by a stack of its own in `out` (its member trained on the languages `also`
    too; its threshold held on `context`, if given); rewrites the manifest and returns the
    record."""
    train, val = rows_of(pool, people, lang, "train", also), rows_of(pool, people, lang, "val")
    started = time.perf_counter()
    member, fit = fit_language(lang, train, val, folds)
    p, repos = fit["people_p"], fit["people_repos"]
    if len(p) < _fewest():
        raise SystemExit(f"--languages {lang}: {len(p)} held-out people's functions cannot bound "
                         f"its false-positive rate at 1% with 95% confidence (it needs "
                         f"{_fewest()})")  # fmt: skip
    llm = _bound(p, repos, MAX_FPR, CONFIDENCE)
    uncertain = min(threshold_at_fpr(p, UNCERTAIN_FPR), llm)
    y_val = val["label"].to_numpy()
    p_val = sigmoid(fit["alpha"] * fit["z_val"] + fit["beta"])
    caught = int(np.sum(p_val[y_val == 1] >= llm))
    ranked = auroc(y_val, fit["z_val"])
    if not ranked >= min_auroc:  # NaN (one label) too
        raise SystemExit(f"--languages {lang}: it ranks the validation agents' functions above "
                         f"the validation people's at an AUROC of {ranked:.3f}, under "
                         f"--min-auroc {min_auroc}")  # fmt: skip
    if not caught:
        raise SystemExit(f"--languages {lang}: at the threshold that holds its people at 1% it "
                         f"catches none of {int(np.sum(y_val == 1))} validation agents' "
                         "functions, so it would never speak")  # fmt: skip
    raw = json.loads((out / "manifest.json").read_text())
    a, b = raw["calibration"]["a"], raw["calibration"]["b"]
    name = f"{lang}-linear.npz"
    write_weights(out / name, member.config.features, *member.weights_of())
    raw["stacks"] = [*(raw.get("stacks") or []), {
        "name": lang, "languages": [lang],
        "members": {"linear": {"kind": "linear", "file": name,
                               "features": member.config.features.to_json()}},
        "stacker": {"method": "logistic", "bias": (fit["beta"] - b) / a,
                    "weights": {"transformer": 0.0, "linear": fit["alpha"] / a},
                    "languages": {}},
    }]  # fmt: skip
    raw["files"] = {**raw["files"], name: {}}
    raw["languages"] = sorted({*raw["languages"], lang})
    (raw.get("abstain") or {}).pop(lang, None)
    record: dict[str, Any] = {
        "train": {"agents": int(np.sum(train["label"] == 1)),
                  "people": int(np.sum(train["label"] == 0)),
                  "repositories": int(train["repo"].nunique()), "also": list(also)},
        "out_of_fold_auroc": fit["oof_auroc"], "folds": folds,
        "platt": {"a": fit["alpha"], "b": fit["beta"]},
        "validation": {"agents": int(np.sum(y_val == 1)), "caught": caught,
                       "people": int(np.sum(y_val == 0)),
                       "auroc": ranked},
        "seconds": round(time.perf_counter() - started, 1),
    }  # fmt: skip
    raw["thresholds"].setdefault("languages", {})[lang] = {
        "llm": llm, "uncertain": uncertain,
        "calibrated_on": "held-out people: out-of-fold of the train split and the validation split",
        "functions": len(p), "repositories": len(set(repos)), "max_fpr": MAX_FPR,
        "confidence": CONFIDENCE, "recall": caught / max(1, int(np.sum(y_val == 1))),
    }  # fmt: skip
    rewrite_manifest(out, raw)
    texts = val["code"].tolist()
    got = np.array([s.probability for s in Model.load(out).score_texts(texts, [lang] * len(texts))])
    record["parity"] = float(np.max(np.abs(got - p_val), initial=0.0))
    if record["parity"] > TOLERANCE:
        raise SystemExit(f"{out} does not score {lang}'s validation rows as its parts do: largest "
                         f"difference {record['parity']} (tolerance {TOLERANCE})")  # fmt: skip
    if context is not None:
        record["context"] = _held_on_context(out, context, lang, p_val[y_val == 1])
    raw = json.loads((out / "manifest.json").read_text())
    raw.setdefault("language_stacks", {}).setdefault("languages", {})[lang] = record
    rewrite_manifest(out, raw)
    t = raw["thresholds"]["languages"][lang]
    return {**record, "bound": llm, "threshold": t["llm"], "uncertain": t["uncertain"],
            "held_out_people": len(p)}  # fmt: skip


def _held_on_context(out: Path, context: Any, lang: str, agents_p: np.ndarray) -> dict[str, Any]:
    """`lang`'s threshold in `out` raised, where it must be, to hold `context`'s functions beside
    the changes in dated train and validation repositories at its bound (`context_floor`); what
    was set, with the validation agents' functions caught at the threshold it leaves."""
    got = context_floor(out, context, [lang])[lang]
    raw = json.loads((out / "manifest.json").read_text())
    t = raw["thresholds"]["languages"][lang]
    caught = int(np.sum(agents_p >= t["llm"]))
    t["recall"] = caught / max(1, len(agents_p))
    rewrite_manifest(out, raw)
    return {"threshold": t["llm"], "raised": bool(got["raised"]), "functions": got["functions"],
            "repositories": got["repositories"], "validation_caught": caught}  # fmt: skip


def said(lang: str, r: dict[str, Any]) -> str:
    """The line that says what `lang`'s stack was fitted on and how it holds."""
    v, c = r["validation"], r.get("context") or {}
    also = f", and {' and '.join(r['train']['also'])}'s" if r["train"].get("also") else ""
    held = (f"; raised to {100 * c['threshold']:.1f}% to hold {c['functions']} functions beside "
            f"the changes of {c['repositories']} dated repositories, where it catches "
            f"{c['validation_caught']}" if c.get("raised") else "")  # fmt: skip
    return (f"{lang}: judged by a stack of its own ({r['train']['agents']} agents' and "
            f"{r['train']['people']} people's functions of {r['train']['repositories']} "
            f"repositories{also}; out-of-fold AUROC {r['out_of_fold_auroc']:.3f}); threshold "
            f"{100 * r['bound']:.1f}% on {r['held_out_people']} held-out people's functions; "
            f"validation: {v['caught']} of {v['agents']} agents' functions caught, AUROC "
            f"{v['auroc']:.3f}{held}")  # fmt: skip


def _fewest() -> int:
    """The fewest people's functions that can bound 1% with 95% confidence with none flagged."""
    return int(np.ceil(np.log(1 - CONFIDENCE) / np.log(1 - MAX_FPR)))


def read_rows(rows: Path, people: Path, without: list[str]) -> tuple[Any, Any]:
    """The pool's rows and people's rows (with their split) of `--rows` and `--people`."""
    return read_parquet(rows, "--rows", columns=ROW_COLUMNS), read_people(people, rows, without)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    if args.folds < 2:
        raise SystemExit("--folds must be at least 2")
    also = also_option(args.also, list(args.languages))
    base, out, raw = base_and_out(args.base, args.out)
    for lang in args.languages:
        _refuse(raw, lang)  # refused before anything is read or written
    pool, people = read_rows(args.rows, args.people, list(args.people_without))
    context = None if args.context is None else read_parquet(
        args.context, "--context", columns=PEOPLE_COLUMNS,
        hint="`codeorigin-train agentic-context` writes it")  # fmt: skip
    started = time.perf_counter()
    records: dict[str, Any] = {}
    with copied(base, out):
        for lang in args.languages:
            records[lang] = add_language(out, pool, people, lang, args.folds, args.min_auroc,
                                         tuple(also.get(lang, ())), context)  # fmt: skip
        raw = json.loads((out / "manifest.json").read_text())
        raw["language_stacks"] = {"from": str(base), "people_without": list(args.people_without),
                                  **raw["language_stacks"]}  # fmt: skip
        rewrite_manifest(out, raw)
    for lang, r in records.items():
        print(said(lang, r))
    print(f"codeorigin-train language-stack: wrote {out} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.export.language_stack", main))
