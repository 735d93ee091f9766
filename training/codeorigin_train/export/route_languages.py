"""`codeorigin-train route-languages`: a folder's route for project code read for more languages.

A stacked folder's route (`codeorigin.model.stacking.Route`) scores code that its domain model
reads as project code a second way, and the runtime takes the larger of the stacker's and the
route's logits. The route's member was trained on the agentic rows of every language, but its
stacker has a language term only for the languages its thresholds were set on, and the route reads
only those. For a language the folder judges with a stacker that ranks the agents' project code
poorly (the shipped Java: a stack trained before the agentic corpus), the route may rank it far
better; it cannot be set on held-out humans the way its own languages were, since its thresholds
are the language's, held by contest and translation code that the domain model sends elsewhere.

This command copies `--base` to `--out` and adds each of `--languages` to the route of the stack
that scores it, with the language term that people's project code of every era allows
(`graft_floors.people_rows`: the dated repositories' functions of `--people`, train and
validation splits, less those of repositories where an agent of `--people-without` has changes
unless they stood in the dated snapshot, and `--rows`' real-project releases of the same splits):
the largest term at which the folder flags no more of that code than its stacker alone does, and
holds it at the language's bound (its `max_fpr` with 95% confidence, on the functions and on the
repositories as the sample). Contest and exercise code the route does not take scores as before;
the language's threshold is unchanged; its uncertain threshold is raised to hold the same people
at 5%, the share it was set for. The folder is then loaded as the server loads it and checked to
score those people as computed here (within 1e-6). Nothing is trained. Seconds a language on 2
cores (Java's 601 functions: 10 s); a folder given languages this way before keeps them.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from codeorigin.model.scorer import Model
from codeorigin.model.stacking import LANGUAGE_ALIASES
from codeorigin_train.export.graft_floors import (
    UNCERTAIN_FPR,
    _bound,
    _calibrated,
    _held,
    base_and_out,
    copied,
    people_without_option,
    read_people,
    rewrite_manifest,
    route_parts,
)

TOLERANCE = 1e-6
#: The largest term tried: far above any stacker's scale, so a route that flags no person even
#: there stops at it.
MOST = 30.0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="codeorigin-train route-languages",
        description="A folder's route for project code read for more languages it judges, each "
        "language's term bounded on people's project code of every era.",
    )  # fmt: skip
    p.add_argument("--base", type=Path, required=True, help="the model folder to start from")
    p.add_argument("--languages", nargs="+", required=True,
                   help="languages the folder judges that its route should read")  # fmt: skip
    p.add_argument("--people", type=Path, required=True,
                   help="agentic-context functions of both folders (`codeorigin-train "
                   "agentic-context --sources aidev,agent-changes`)")  # fmt: skip
    p.add_argument("--rows", type=Path, default=Path("training/work/pool-v5.parquet"),
                   help="the pool: its real-project releases of the train and validation splits "
                   "are people's code too (default: %(default)s)")  # fmt: skip
    people_without_option(p)
    p.add_argument("--out", type=Path, required=True, help="the new folder (must not exist)")
    return p


def _route_of(raw: dict[str, Any], lang: str) -> dict[str, Any]:
    """The manifest section of the route that would score `lang`: its stack's, else the
    folder's own; refuses a language the folder does not judge or whose stack has no route."""
    if lang in LANGUAGE_ALIASES:
        raise SystemExit(f"--languages {lang}: an editor's alias is read by its language's route; "
                         f"name {LANGUAGE_ALIASES[lang]}")  # fmt: skip
    thresholds = raw["thresholds"].get("languages", {})
    if lang in (raw.get("abstain") or {}) or lang not in thresholds:
        raise SystemExit(f"--languages {lang}: the folder does not judge it (no threshold of its "
                         "own), so a route would give it no verdict")  # fmt: skip
    owner: dict[str, Any] = raw
    for stack in raw.get("stacks") or []:
        if lang in stack["languages"]:
            owner = stack
    route = owner.get("route")
    if route is None:
        raise SystemExit(f"--languages {lang}: the stack that scores it has no route for project "
                         "code")  # fmt: skip
    if lang in route["languages"]:
        raise SystemExit(f"--languages {lang}: its route reads it already")
    return route


def add_language(out: Path, people: Any, lang: str) -> dict[str, Any]:
    """`lang` added to its route in `out` at the term people's project code allows; rewrites the
    manifest and returns the record (also the language's threshold's `route_people`)."""
    raw = json.loads((out / "manifest.json").read_text())
    route = _route_of(raw, lang)
    route["languages"] = [*route["languages"], lang]
    route["stacker"]["languages"][lang] = 0.0
    rewrite_manifest(out, raw)
    mine = people[people["language"] == lang]
    texts, repos = mine["code"].tolist(), mine["repo"].to_numpy()
    t = raw["thresholds"]["languages"][lang]
    fpr, confidence = float(t.get("max_fpr", 0.01)), float(t.get("confidence", 0.95))
    if not len(mine):
        raise SystemExit(f"--languages {lang}: --people and --rows hold no people's project code "
                         "of it to bound its route on")  # fmt: skip
    z_s, z_r = route_parts(out, texts, lang)  # the route's logit with a term of 0
    alone = _calibrated(raw, z_s)

    def scores(term: float) -> np.ndarray:
        return _calibrated(raw, np.maximum(z_s, z_r + term))

    allowed = int(np.sum(alone >= t["llm"]))
    target = max(t["llm"], _bound(alone, repos, fpr, confidence))

    def holds(term: float) -> bool:
        p = scores(term)
        return int(np.sum(p >= t["llm"])) <= allowed and _bound(p, repos, fpr, confidence) <= target

    term = _held(holds, MOST)
    p = scores(term)
    record: dict[str, Any] = {
        "functions": len(mine), "repositories": int(mine["repo"].nunique()),
        "taken": int(np.sum(np.isfinite(z_r))), "max_fpr": fpr, "confidence": confidence,
        "term": term, "base_flags": allowed, "flags": int(np.sum(p >= t["llm"])),
        "bound": _bound(p, repos, fpr, confidence), "uncertain_before": t["uncertain"],
    }  # fmt: skip
    from codeorigin_train.fit.calibrate import threshold_at_fpr

    t["uncertain"] = min(max(t["uncertain"], threshold_at_fpr(p, UNCERTAIN_FPR)), t["llm"])
    record["uncertain"] = t["uncertain"]
    t["route_people"] = record
    route["stacker"]["languages"][lang] = term
    rewrite_manifest(out, raw)
    got = np.array([s.probability for s in Model.load(out).score_texts(texts, [lang] * len(texts))])
    worst = float(np.max(np.abs(got - p), initial=0.0))
    if worst > TOLERANCE:
        raise SystemExit(f"{out} does not score {lang}'s people as its parts do: largest difference "
                         f"{worst} (tolerance {TOLERANCE})")  # fmt: skip
    record["parity"] = worst
    rewrite_manifest(out, raw)
    return record


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    base, out, raw = base_and_out(args.base, args.out)
    for lang in args.languages:
        _route_of(raw, lang)  # refused before anything is read or written
    people = read_people(args.people, args.rows, list(args.people_without))
    started = time.perf_counter()
    records: dict[str, Any] = {}
    with copied(base, out):
        for lang in args.languages:
            records[lang] = add_language(out, people, lang)
        raw = json.loads((out / "manifest.json").read_text())
        before = (raw.get("route_languages") or {}).get("languages") or []
        raw["route_languages"] = {"from": str(base), "people_without": list(args.people_without),
                                  "seconds": round(time.perf_counter() - started, 1),
                                  "languages": sorted({*before, *records})}  # fmt: skip
        rewrite_manifest(out, raw)
    for lang, r in records.items():
        print(f"{lang}: the route reads it at a term of {r['term']:+.3f} (people's project code: "
              f"{r['functions']} functions of {r['repositories']} repositories and releases, "
              f"{r['taken']} taken by the route; flagged {r['flags']}, by the stacker alone "
              f"{r['base_flags']}); uncertain {100 * r['uncertain_before']:.1f}% -> "
              f"{100 * r['uncertain']:.1f}%")  # fmt: skip
    print(f"codeorigin-train route-languages: wrote {out} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.export.route_languages", main))
