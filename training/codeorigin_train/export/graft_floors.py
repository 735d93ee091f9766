"""The floors of a graft (`codeorigin-train graft`, `export/graft.py`): the code a grafted
threshold or route must hold besides the held-out humans it was set on.

- `context_floor`: a grafted language's threshold raised to hold the functions beside the agents'
  changes in repositories with a history before 2021 (`--context`), train and validation splits,
  at the language's bound, and then people's project code of every era (`people_rows`,
  `--people`) likewise;
- `route_floor`: a grafted route's term lowered to hold the same code under the base's threshold;
- `people_floor`: a grafted route's term lowered further, until the graft flags no more of
  people's project code of every era (`people_rows`: `--people`'s dated context and the pool's
  real-project releases, train and validation splits) than the base does, and the language's
  uncertain threshold raised to hold it at 5%.

`route_parts` and `_routed` compute a route graft's probabilities from its parts, apart from the
manifest, for the floors and for the graft's parity check.
"""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from codeorigin.core.change import logit
from codeorigin.core.normalize import normalize
from codeorigin.model.manifest import load_manifest, write_manifest
from codeorigin_train.data.inputs import model_folder, output_path, read_parquet

#: The splits whose context functions may raise a grafted threshold (the test split's are left
#: for the evaluation).
CONTEXT_SPLITS = ("train", "val")
#: Sources of `--rows` whose human rows are people's project code of every era (releases of
#: real projects before 2021): a route's people floor (`--people`) holds them too.
PEOPLE_SOURCES = ("realcode",)
#: The share of people's code the uncertain threshold holds, as the stack's own (`fit.stacker`).
UNCERTAIN_FPR = 0.05


def _context_of(context: Any, lang: str, t: dict[str, Any],
                people: bool = False) -> tuple[Any, dict[str, Any]]:  # fmt: skip
    """`lang`'s context functions of dated train and validation repositories (with `people`:
    `lang`'s rows of `people_rows`, chosen already), and the record of the bound they are held
    at (the threshold `t`'s own)."""
    mine = context[context["language"] == lang]
    if not people:
        mine = mine[mine["dated_history"].astype(bool) & mine["split"].isin(CONTEXT_SPLITS)]
    return mine, {"functions": len(mine), "repositories": int(mine["repo"].nunique()),
                  "splits": list(CONTEXT_SPLITS), "max_fpr": float(t.get("max_fpr", 0.01)),
                  "confidence": float(t.get("confidence", 0.95))}  # fmt: skip


def context_floor(out: Path, context: Any, languages: list[str],
                  people: bool = False) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Each grafted language's threshold raised, where it must be, to hold the context functions
    of dated train and validation repositories at the language's own bound (with `people`:
    `people_rows`' functions, recorded as the language's `people_floor`); rewrites the manifest
    and returns what was set, by language."""
    from codeorigin.model.scorer import Model

    model = Model.load(out)
    raw = json.loads((out / "manifest.json").read_text())
    got: dict[str, dict[str, Any]] = {}
    for lang in languages:
        t = raw["thresholds"]["languages"][lang]
        mine, record = _context_of(context, lang, t, people)
        fpr, confidence = record["max_fpr"], record["confidence"]
        record["before"] = t["llm"]
        if len(mine):
            p = np.array([s.probability for s in model.score_texts(mine["code"].tolist(),
                                                                    [lang] * len(mine))])  # fmt: skip
            floor = _bound(p, mine["repo"].to_numpy(), fpr, confidence)
            record["threshold"] = floor
            if floor > t["llm"] and "recall" in t:  # the donor's recall held at its threshold
                record["recall_before"] = t.pop("recall")
            t["llm"] = max(t["llm"], floor)
            t["uncertain"] = min(t["uncertain"], t["llm"])
        record["raised"] = t["llm"] > record["before"]
        t["people_floor" if people else "context_floor"] = record
        got[lang] = record
    rewrite_manifest(out, raw)
    return got


def rewrite_manifest(out: Path, raw: dict[str, Any]) -> None:
    """`out`'s manifest rewritten from `raw` (the format fields are the writer's)."""
    write_manifest(out, {k: v for k, v in raw.items()
                         if k not in ("format", "format_version", "normalization_version")})  # fmt: skip


def _calibrated(manifest: dict[str, Any], z: np.ndarray) -> np.ndarray:
    """`manifest`'s calibrated probabilities of stacked logits `z`."""
    return 1.0 / (1.0 + np.exp(-(manifest["calibration"]["a"] * z + manifest["calibration"]["b"])))


def _bound(p: np.ndarray, repos: np.ndarray, fpr: float, confidence: float) -> float:
    """The threshold that holds `p` of people at `fpr` with `confidence`, on the functions and on
    the repositories as the sample."""
    from codeorigin_train.fit.calibrate import threshold_at_fpr, threshold_over_groups

    return max(threshold_at_fpr(p, fpr, confidence),
               threshold_over_groups(p, repos, fpr, confidence))  # fmt: skip


def route_floor(out: Path, base_dir: Path, donor_dir: Path, context: Any,
                routes: list[str]) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Each route language's term lowered, where it must be, so that the dated train and
    validation repositories' context functions of the language stay under the base's threshold
    (or under what the base's stacker alone gives them, where that is higher) at the base's bound;
    rewrites the manifest and returns what was set, by language."""
    base, donor = (dict(load_manifest(x).raw) for x in (base_dir, donor_dir))
    raw = json.loads((out / "manifest.json").read_text())
    got: dict[str, dict[str, Any]] = {}
    for lang in routes:
        t = base["thresholds"]["languages"][lang]
        mine, record = _context_of(context, lang, t)
        fpr, confidence = record["max_fpr"], record["confidence"]
        record["shift"] = 0.0
        if len(mine):
            texts, repos = mine["code"].tolist(), mine["repo"].to_numpy()
            z_s = route_parts(base_dir, texts, lang)[0]
            z_r = route_parts(donor_dir, texts, lang)[1]
            alone = _calibrated(base, z_s)
            target = max(t["llm"], _bound(alone, repos, fpr, confidence))
            record["bound"] = _bound(_routed(base, donor, z_s, z_r, lang), repos, fpr, confidence)
            scores = functools.partial(_routed, base, donor, z_s, z_r, lang)
            shift = _held(lambda x: _bound(scores(x), repos, fpr, confidence) <= target, 0.0)  # noqa: B023
            if shift < 0:
                record["shift"] = shift
                terms = raw["route"]["stacker"]["languages"]
                terms[lang] = terms.get(lang, 0.0) + shift
        record["lowered"] = record["shift"] < 0
        got[lang] = record
    rewrite_manifest(out, raw)
    return got


def people_rows(people: Any, rows: Path, without: list[str]) -> Any:
    """People's project code of every era, of the train and validation splits: `people`'s
    functions of dated repositories (less those of repositories where an agent of `without` has
    changes in `rows`, unless they stood in the dated snapshot) and `rows`' human functions of
    `PEOPLE_SOURCES`; columns code, language, repo, split."""
    import pandas as pd

    pool = read_parquet(rows, "--rows", columns=["code", "language", "label", "source", "split",
                                                 "repo", "group", "agent"])  # fmt: skip
    agents = pool[(pool["label"] == 1) & pool["agent"].isin(without)]
    kept = people["dated_history"].astype(bool) & people["split"].isin(CONTEXT_SPLITS)
    kept &= ~people["repo"].isin(set(agents["repo"])) | people["dated_copy"].astype(bool)
    real = pool[pool["source"].isin(PEOPLE_SOURCES) & (pool["label"] == 0)
                & pool["split"].isin(CONTEXT_SPLITS)]  # fmt: skip
    named = real["repo"].notna() & (real["repo"].astype(str) != "")
    real = real.assign(repo=real["repo"].where(named, real["group"]))  # a release: its project
    cols = ["code", "language", "repo", "split"]
    return pd.concat([people.loc[kept, cols], real[cols]], ignore_index=True)


#: The columns of an agentic-context file that `people_rows` reads.
PEOPLE_COLUMNS = ["code", "language", "repo", "split", "dated_history", "dated_copy"]


def people_without_option(p: Any) -> None:
    """The `--people-without` option of a command that bounds on `people_rows`."""
    p.add_argument("--people-without", nargs="*", default=["claude-code"], metavar="AGENT",
                   help="leave out of --people the repositories where these agents have changes "
                   "(their code is not known to be people's), but for functions of the dated "
                   "snapshot (default: %(default)s)")  # fmt: skip


def read_people(path: Path, rows: Path, without: list[str]) -> Any:
    """`people_rows` of the agentic-context file `path` (`--people`)."""
    people = read_parquet(path, "--people", columns=PEOPLE_COLUMNS,
                          hint="`codeorigin-train agentic-context` writes it")  # fmt: skip
    return people_rows(people, rows, without)


def _held(holds: Callable[[float], bool], start: float) -> float:
    """`start` where `holds(start)`, else the largest shift below it that holds (bisection down
    to -30 logits, where every route is silent)."""
    if holds(start):
        return start
    lo, hi = -30.0, start  # holds at lo, not at hi
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if holds(mid) else (lo, mid)
    return lo


def people_floor(out: Path, base_dir: Path, donor_dir: Path, people: Any,
                 shifts: dict[str, float]) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Each route language's term lowered further than `shifts`, where it must be, for the graft
    to flag no more of `people` (`people_rows`) than the base does, and its uncertain threshold
    raised to hold them at `UNCERTAIN_FPR`; rewrites the manifest and returns what was set."""
    from codeorigin_train.fit.calibrate import threshold_at_fpr

    base, donor = (dict(load_manifest(x).raw) for x in (base_dir, donor_dir))
    raw = json.loads((out / "manifest.json").read_text())
    got: dict[str, dict[str, Any]] = {}
    for lang, start in shifts.items():
        mine = people[people["language"] == lang]
        texts = mine["code"].tolist()
        t = raw["thresholds"]["languages"][lang]
        z_s, z_b = route_parts(base_dir, texts, lang)
        z_r = route_parts(donor_dir, texts, lang)[1]
        allowed = int(np.sum(_calibrated(base, np.maximum(z_s, z_b)) >= t["llm"]))
        record = {"functions": len(mine), "repositories": int(mine["repo"].nunique()),
                  "base_flags": allowed, "shift": start}  # fmt: skip
        scores = functools.partial(_routed, base, donor, z_s, z_r, lang)
        shift = _held(lambda x: int(np.sum(scores(x) >= t["llm"])) <= allowed, start)  # noqa: B023
        if shift < start:
            record["shift"] = shift
            terms = raw["route"]["stacker"]["languages"]
            terms[lang] = terms.get(lang, 0.0) + shift - start
        p = scores(shift)
        record["flags"] = int(np.sum(p >= t["llm"]))
        record["uncertain_before"] = t["uncertain"]
        if len(p):  # no such code: nothing to hold
            t["uncertain"] = min(max(t["uncertain"], threshold_at_fpr(p, UNCERTAIN_FPR)), t["llm"])
        record["uncertain"] = t["uncertain"]
        t["people_floor"] = record
        got[lang] = record
    rewrite_manifest(out, raw)
    return got


def route_parts(folder: Path, texts: list[str], lang: str) -> tuple[np.ndarray, np.ndarray]:
    """Through the runtime's parts, each text's stacker logit and its route's (-inf where the
    route does not take it), on `folder`'s own scale."""
    from codeorigin.model.scorer import Model

    model = Model.load(folder)
    assert model.manifest.stacked is not None
    spec = model.manifest.stacked.for_language(lang)
    scores = model.score_texts(texts, [lang] * len(texts))
    z_s, z_r = np.zeros(len(texts)), np.full(len(texts), -np.inf)
    for i, (text, score) in enumerate(zip(texts, scores)):
        members = dict(score.members)
        z_s[i] = spec.stacker.logit(members, lang)
        _, domain, own = model.side(lang).logits(normalize(text).text, lang)
        if spec.route is not None and domain is not None and spec.route.takes(lang, domain):
            linear = members["linear"] if own is None else own
            z_r[i] = spec.route.stacker.logit({**members, "linear": linear}, lang)
    return z_s, z_r


def _routed(base: dict[str, Any], donor: dict[str, Any], z_s: np.ndarray, z_r: np.ndarray,
            lang: str, shift: float = 0.0) -> np.ndarray:  # fmt: skip
    """The probabilities of a route graft from the base's stacker logits and the donor's route
    logits (both on their own scales), computed apart from the manifest's rewriting."""
    a_b, b_b = base["calibration"]["a"], base["calibration"]["b"]
    a_d, b_d = donor["calibration"]["a"], donor["calibration"]["b"]
    t_b = base["thresholds"]["languages"][lang]["llm"]
    t_d = donor["thresholds"]["languages"][lang]["llm"]
    mapped = (a_d * z_r + b_d - logit(t_d) + logit(t_b) - b_b) / a_b + shift
    return _calibrated(base, np.maximum(z_s, mapped))


def base_and_out(base: Path, out: Path) -> tuple[Path, Path, dict[str, Any]]:
    """A command's `--base` (a model folder the runtime loads), its `--out` (a new folder) and the
    base's manifest; exits with one line otherwise."""
    base = model_folder(base, "--base")
    out = output_path(out, "--out", folder=True)
    if out.exists():
        raise SystemExit(f"--out {out} exists: give a new folder")
    return base, out, dict(load_manifest(base).raw)


@contextlib.contextmanager
def copied(base: Path, out: Path) -> Iterator[Path]:
    """`base` copied to `out` for the block to change; then `out` must load as the runtime loads
    it. If the block or the load stops, `out` is removed: a command that stops leaves nothing."""
    shutil.copytree(base, out)
    try:
        yield out
        load_manifest(out)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
