"""One model folder's judgement of some languages grafted onto another's, as a stack (manifest
format version 5, `codeorigin.model.stacking`):

    codeorigin-train graft --base models/default --donor models/candidate \\
        --languages typescript javascript --out training/work/grafted

The base folder judges some languages and abstains on others; a donor trained on more of them
judges some of those. The grafted folder is the base, plus the donor's linear member, route and
stacker as a stack for `--languages`, plus the donor's thresholds for them: it scores those
languages exactly as the donor does and every other language exactly as the base does. Both must
share the transformer graph and tokenizer (the same files by SHA-256), since a stack replaces
everything but the transformer. An editor's alias (`typescriptreact`, TSX) is scored by its
language's stack; named in `--languages` beside that language, it takes the donor's threshold of
its own too, and is judged where the base abstained on it.

The donor's stackers are rescaled so that the base's calibration gives the donor's calibrated
probability (calibration is `sigmoid(a * z + b)`, so `z' = (a_donor * z + b_donor - b_base) /
a_base` is linear in the members' logits); its thresholds then apply as they are. After writing,
the folder is loaded as the server loads it and checked against both on `--rows`: every grafted
language's probability equals the donor's, every other language's the base's (within 1e-6).

With `--context` (`codeorigin-train agentic-context`: the functions beside the agents' changes,
which they left untouched), each grafted language's threshold is raised where it must be to hold
that code of the repositories with a history before 2021, in the train and validation splits, at
the donor's bound (1% with 95% confidence, on its functions and on its repositories as the
sample): code that people of those repositories wrote around the agents' changes, which the
donor's thresholds were not set on. The test split's is left for the evaluation.

With `--routes` (languages the base judges), the base keeps its linear member, stacker and
thresholds for those languages and takes the donor's route for project code in place of its own
(`codeorigin.model.stacking.Route`): the route's stacker is mapped so that it reaches the base's
threshold where it reached the donor's (`z' = (a_d z + b_d - logit(t_d) + logit(t_b) - b_b) /
a_b`), so contest and exercise code, which the route does not take, scores as before, and a
project function is flagged where the base's stacker or the donor's route would flag it. With
`--context`, a route's language term is lowered where it must be for that language's context
functions to stay under the base's threshold at the same bound. With `--people` (an
agentic-context file, e.g. both folders'), it is lowered further, where it must be, until the
grafted folder flags no more of people's project code of every era than the base does: that
file's dated train and validation functions (less those of repositories where an agent of
`--people-without` has changes, unless the function stood in the dated snapshot) and `--rows`'
real-project releases of the train and validation splits; the language's uncertain threshold
is raised to hold the same code at the 5% it was set for. The same people's code raises each
grafted language's threshold, where it must be, to hold it at the language's bound, as
`--context` does. Nothing is trained; about a minute on 2 cores (`--people`: a few minutes more).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from codeorigin.core.change import logit
from codeorigin.model.manifest import load_manifest, write_manifest
from codeorigin.model.stacking import LANGUAGE_ALIASES
from codeorigin_train.data.argtypes import whole_number
from codeorigin_train.data.inputs import model_folder, output_path, read_parquet
from codeorigin_train.export.graft_floors import (
    _routed,
    context_floor,
    people_floor,
    people_without_option,
    read_people,
    rewrite_manifest,
    route_floor,
    route_parts,
)

log = logging.getLogger(__name__)

TOLERANCE = 1e-6
#: Files the donor and the base must share: the stack replaces all but these.
SHARED = ("scorer", "tokenizer")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="codeorigin-train graft",
        description="Graft a donor model folder's judgement of some languages onto a base "
        "folder, as a stack; every other language keeps the base's scores.",
    )  # fmt: skip
    p.add_argument("--base", type=Path, required=True, help="the folder whose scores are kept")
    p.add_argument("--donor", type=Path, required=True,
                   help="the folder that judges --languages (same transformer and tokenizer)")  # fmt: skip
    p.add_argument("--languages", nargs="+", default=[],
                   help="languages the base abstains on and the donor judges (an editor's "
                   "alias, such as typescriptreact, beside its language)")  # fmt: skip
    p.add_argument("--routes", nargs="+", default=[],
                   help="languages the base judges that take the donor's route for project "
                   "code in place of the base's, at the base's thresholds")  # fmt: skip
    p.add_argument("--name", default="more languages", help="the stack's name")
    p.add_argument("--out", type=Path, required=True, help="the new folder (must not exist)")
    p.add_argument("--rows", type=Path, default=Path("training/work/pool-v5.parquet"),
                   help="functions (code, language) the parity check scores")  # fmt: skip
    p.add_argument("--check-rows", type=whole_number(1), default=60,
                   help="functions per language the parity check scores")  # fmt: skip
    p.add_argument("--context", type=Path,
                   help="agentic-context functions: each grafted language's threshold holds "
                   "those of dated train and validation repositories too")  # fmt: skip
    p.add_argument("--context-cap", type=whole_number(1), default=None, metavar="N",
                   help="at most N context functions of each repository and language (drawn "
                   "with a fixed seed): the bound rests on the repositories, and a large one "
                   "costs scoring time without adding to it")  # fmt: skip
    p.add_argument("--people", type=Path,
                   help="agentic-context functions (both folders'): each route's term is lowered "
                   "until the graft flags no more of their dated train and validation functions, "
                   "and of --rows' real-project releases, than the base does; each grafted "
                   "language's threshold holds them at its bound")  # fmt: skip
    people_without_option(p)
    return p


def rescaled(stacker: dict[str, Any], donor: dict[str, float], base: dict[str, float]) -> dict:
    """The donor's stacker on the base's logit scale: the base's calibration of it gives the
    donor's calibration of the donor's."""
    k = donor["a"] / base["a"]
    return {
        **stacker,
        "bias": (donor["a"] * stacker["bias"] + donor["b"] - base["b"]) / base["a"],
        "weights": {m: w * k for m, w in stacker["weights"].items()},
        "languages": {lang: t * k for lang, t in stacker.get("languages", {}).items()},
    }


def _check(
    base: dict[str, Any], donor: dict[str, Any], languages: list[str], routes: list[str]
) -> None:
    """What a graft needs of the two manifests; SystemExit saying what is wrong."""
    if not languages and not routes:
        raise SystemExit("give --languages, --routes or both")
    for key in SHARED:
        name_b = base["onnx"]["scorer"] if key == "scorer" else base["tokenizer"]["file"]
        name_d = donor["onnx"]["scorer"] if key == "scorer" else donor["tokenizer"]["file"]
        if base["files"][name_b]["sha256"] != donor["files"][name_d]["sha256"]:
            raise SystemExit(f"the donor's {key} ({name_d}) is not the base's: a stack shares "
                             "the transformer and its tokenizer")  # fmt: skip
    if "stacker" not in donor or "stacker" not in base:
        raise SystemExit("both folders must be stacked models")
    if "stacks" in base or "stacks" in donor:
        raise SystemExit("a folder with stacks of its own cannot be grafted")
    for lang in languages:
        if lang in LANGUAGE_ALIASES and LANGUAGE_ALIASES[lang] not in languages:
            raise SystemExit(f"{lang} is an editor's alias of {LANGUAGE_ALIASES[lang]}: graft "
                             f"{LANGUAGE_ALIASES[lang]} with it (its stack scores both; the "
                             f"alias takes the donor's threshold of its own)")  # fmt: skip
        if lang not in donor["thresholds"].get("languages", {}):
            raise SystemExit(f"the donor has no threshold of its own for {lang}: it does not "
                             "judge it")  # fmt: skip
        if lang in base["thresholds"].get("languages", {}):
            raise SystemExit(f"the base judges {lang} already: a graft replaces no judgement")
    for lang in routes:
        if lang in languages or lang in LANGUAGE_ALIASES:
            raise SystemExit(f"--routes {lang}: a language of --languages or an editor's alias "
                             "takes no route alone")  # fmt: skip
        if lang not in base["thresholds"].get("languages", {}):
            raise SystemExit(f"--routes {lang}: the base does not judge it (--languages grafts "
                             "a language whole)")  # fmt: skip
        if lang not in ((donor.get("route") or {}).get("languages") or []):
            raise SystemExit(f"--routes {lang}: the donor has no route for its project code")
        if lang not in donor["thresholds"].get("languages", {}):
            raise SystemExit(f"--routes {lang}: the donor has no threshold of its own for it")
    if routes and "route" not in base:
        raise SystemExit("--routes: the base has no route for project code to replace")
    left = [x for x in (base.get("route") or {}).get("languages", []) if x not in routes]
    if routes and left:
        raise SystemExit(f"--routes must name every language of the base's route ({left[0]} "
                         "too): a model holds one route")  # fmt: skip
    if routes and ("member" in base["route"]) != ("member" in donor["route"]):
        raise SystemExit("--routes: one route has a member of its own and the other not")


def _copy_file(src: Path, out: Path, name: str) -> str:
    shutil.copyfile(src, out / name)
    return name


def _donor_languages(donor: dict[str, Any], judged: list[str]) -> dict[str, Any]:
    """What the donor says of the languages the grafted folder still does not judge: the ones it
    abstains on, with its reason, and the ones it judges that were not grafted (the card names
    both instead of "not trained on")."""
    abstain = {k: v for k, v in (donor.get("abstain") or {}).items() if k not in judged}
    left = sorted(set(donor["thresholds"].get("languages", {})) - set(judged))
    return {"donor_abstain": abstain, "donor_judges_not_grafted": left}


def route_shift(base: dict[str, Any], donor: dict[str, Any], lang: str) -> float:
    """What the donor's route stacker, rescaled (`rescaled`), adds for `lang` to reach the base's
    threshold where it reached the donor's."""
    t_b = base["thresholds"]["languages"][lang]["llm"]
    t_d = donor["thresholds"]["languages"][lang]["llm"]
    return (logit(t_b) - logit(t_d)) / base["calibration"]["a"]


def _own_route(base: dict[str, Any], donor: dict[str, Any], donor_dir: Path, out: Path,
               routes: list[str], prefix: str, files: list[str]) -> dict[str, Any]:  # fmt: skip
    """The donor's route for `routes`, on the base's scale and thresholds, in files of its own
    (`prefix`project-...), in place of the base's own route (whose files leave `files`)."""
    for part in ("domain", "member"):
        if part in base["route"]:
            files.remove(base["route"][part]["file"])
            (out / base["route"][part]["file"]).unlink()
    route = donor["route"]
    stacker = rescaled(route["stacker"], donor["calibration"], base["calibration"])
    terms = dict(stacker.get("languages", {}))
    for lang in routes:
        terms[lang] = terms.get(lang, 0.0) + route_shift(base, donor, lang)
    own = {**route, "languages": routes, "stacker": {**stacker, "languages": terms}}
    for part in ("domain", "member"):
        if part in route:
            section = dict(route[part])
            section["file"] = _copy_file(donor_dir / section["file"], out,
                                         f"{prefix}project-{section['file']}")  # fmt: skip
            files.append(section["file"])
            own[part] = section
    return own


def _stack(donor: dict[str, Any], donor_dir: Path, out: Path, languages: list[str], name: str,
           base: dict[str, Any], files: list[str]) -> dict[str, Any]:  # fmt: skip
    """The stack of `languages`: the donor's linear member, stacker and route, on the base's
    scale, in files named after the stack."""
    prefix = "-".join(name.split()) + "-"
    linear = dict(donor["members"]["linear"])
    linear["file"] = _copy_file(donor_dir / linear["file"], out, prefix + linear["file"])
    files.append(linear["file"])
    scale = (donor["calibration"], base["calibration"])
    languages = [x for x in languages if x not in LANGUAGE_ALIASES]  # the stack reads them
    stack: dict[str, Any] = {"name": name, "languages": languages,
                             "members": {"linear": linear},
                             "stacker": rescaled(donor["stacker"], *scale)}  # fmt: skip
    route = donor.get("route")
    taken = [x for x in route["languages"] if x in languages] if route else []
    if route and taken:
        route = {**route, "languages": taken, "stacker": rescaled(route["stacker"], *scale)}
        for part in ("domain", "member"):
            if part in route:
                section = dict(route[part])
                section["file"] = _copy_file(donor_dir / section["file"], out,
                                             prefix + section["file"])  # fmt: skip
                files.append(section["file"])
                route[part] = section
        stack["route"] = route
    return stack


def graft(
    base_dir: Path,
    donor_dir: Path,
    languages: list[str],
    name: str,
    out: Path,
    routes: list[str] | tuple[str, ...] = (),
) -> Path:
    """Write the grafted folder (module docstring); its manifest's path."""
    base = dict(load_manifest(base_dir).raw)
    donor = dict(load_manifest(donor_dir).raw)
    routes = list(routes)
    _check(base, donor, languages, routes)
    out.mkdir(parents=True)
    for file in base["files"]:
        shutil.copyfile(base_dir / file, out / file)
    for extra in ("MODEL_CARD.md", "metrics.json"):  # the base's card and figures, kept
        if (base_dir / extra).is_file():
            shutil.copyfile(base_dir / extra, out / extra)
    prefix = "-".join(name.split()) + "-"
    files = list(base["files"])
    raw = {k: v for k, v in base.items() if k not in ("format", "format_version",
                                                       "normalization_version")}  # fmt: skip
    if languages:
        raw["stacks"] = [_stack(donor, donor_dir, out, languages, name, base, files)]
    if routes:
        raw["route"] = _own_route(base, donor, donor_dir, out, routes, prefix, files)
    thresholds = dict(raw["thresholds"])
    thresholds["languages"] = {**thresholds.get("languages", {}),
                               **{lang: donor["thresholds"]["languages"][lang]
                                  for lang in languages}}  # fmt: skip
    raw["thresholds"] = thresholds
    raw["abstain"] = {k: v for k, v in raw.get("abstain", {}).items() if k not in languages}
    raw["languages"] = sorted(set(raw.get("languages", []))
                              | {x for x in languages if x not in LANGUAGE_ALIASES})  # fmt: skip
    raw["grafted"] = {
        name: {
            "languages": languages,
            "from": donor.get("name", donor_dir.name),
            "folder": str(donor_dir),
            "donor_manifest_sha256": load_manifest(donor_dir).digest,
            "stacking": donor.get("stacking", {}),
            "calibration": "the donor's stackers rescaled onto the base's calibration",
            **_donor_languages(donor, [*raw["languages"], *thresholds["languages"]]),
            **(
                {"routes": routes, "route_shift": {x: route_shift(base, donor, x) for x in routes}}
                if routes
                else {}
            ),
        }
    }
    raw["files"] = files
    return write_manifest(out, raw)


def parity(base_dir: Path, donor_dir: Path, out: Path, rows: Any, languages: list[str],
           routes: list[str] | tuple[str, ...] = (),
           shifts: dict[str, float] | None = None) -> dict:  # fmt: skip
    """The grafted folder's probabilities against the donor's on `languages`, the base's
    stacker's or the donor's route's (lowered by `shifts`), whichever is larger, on `routes`, and
    the base's elsewhere, through the runtime; SystemExit past `TOLERANCE`."""
    from codeorigin.model.scorer import Model

    texts, langs = rows["code"].tolist(), rows["language"].tolist()
    got = [s.probability for s in Model.load(out).score_texts(texts, langs)]
    want_d = [s.probability for s in Model.load(donor_dir).score_texts(texts, langs)]
    want_b = [s.probability for s in Model.load(base_dir).score_texts(texts, langs)]
    grafted = set(languages) | {a for a, b in LANGUAGE_ALIASES.items() if b in languages}
    worst = {"grafted": 0.0, "kept": 0.0}
    counts = {"grafted": 0, "kept": 0}
    for g, d, b, lang in zip(got, want_d, want_b, langs):
        if lang in routes:
            continue
        kind = "grafted" if lang in grafted else "kept"
        worst[kind] = max(worst[kind], abs(g - (d if kind == "grafted" else b)))
        counts[kind] += 1
    base, donor = (dict(load_manifest(x).raw) for x in (base_dir, donor_dir))
    for lang in routes:
        mine = [i for i, x in enumerate(langs) if x == lang]
        picked = [texts[i] for i in mine]
        want = _routed(base, donor, route_parts(base_dir, picked, lang)[0],
                       route_parts(donor_dir, picked, lang)[1], lang,
                       (shifts or {}).get(lang, 0.0))  # fmt: skip
        diff = np.abs(np.array([got[i] for i in mine]) - want)
        worst["route"] = max(worst.get("route", 0.0), float(diff.max(initial=0.0)))
        counts["route"] = counts.get("route", 0) + len(mine)
    if max(worst.values()) > TOLERANCE:
        raise SystemExit(f"the grafted folder {out} does not score as its parts do: largest "
                         f"differences {worst} (tolerance {TOLERANCE})")  # fmt: skip
    return {"max_abs_probability_diff": worst, "functions": counts, "tolerance": TOLERANCE}


def check_rows(path: Path, per_language: int) -> Any:
    rows = read_parquet(path, "--rows", columns=["code", "language"])
    return rows.groupby("language", group_keys=False).head(per_language)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    base = model_folder(args.base, "--base")
    donor = model_folder(args.donor, "--donor")
    out = output_path(args.out, "--out", folder=True)
    if out.exists():
        raise SystemExit(f"--out {out} exists: give a new folder")
    rows = check_rows(args.rows, args.check_rows)
    context = None
    if args.context is not None:
        context = read_parquet(args.context, "--context", columns=["code", "language", "repo",
                               "split", "dated_history"],
                               hint="`codeorigin-train agentic-context` writes it")  # fmt: skip
        if args.context_cap is not None:
            context = (context.sample(frac=1.0, random_state=0)
                       .groupby(["repo", "language"], sort=False).head(args.context_cap))  # fmt: skip
    people = None
    if args.people is not None:
        people = read_people(args.people, args.rows, list(args.people_without))
    started = time.perf_counter()
    languages, routes = list(args.languages), list(args.routes)
    try:
        path = graft(base, donor, languages, args.name, out, routes)
        lowered = route_floor(out, base, donor, context, routes) if context is not None else {}
        shifts = {lang: lowered.get(lang, {}).get("shift", 0.0) for lang in routes}
        held = people_floor(out, base, donor, people, shifts) if people is not None else {}
        shifts.update({lang: floor["shift"] for lang, floor in held.items()})
        check = parity(base, donor, out, rows, languages, routes, shifts)
        floors = context_floor(out, context, languages) if context is not None else {}
        held_too = context_floor(out, people, languages, True) if people is not None else {}
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)  # a command that stops leaves nothing behind
        raise
    raw = json.loads(path.read_text())
    raw["grafted"][args.name]["parity"] = check
    if lowered:
        raw["grafted"][args.name]["route_floor"] = lowered
    if held:
        raw["grafted"][args.name]["people_floor"] = held
    raw["grafted"][args.name]["seconds"] = round(time.perf_counter() - started, 1)
    rewrite_manifest(out, raw)
    print(json.dumps(check, indent=2))
    for lang, floor in floors.items():
        t = max(floor["before"], floor.get("threshold", 0.0))
        print(f"{lang}: threshold {100 * floor['before']:.1f}% -> {100 * t:.1f}% (the context "
              f"functions of {floor['repositories']} dated repositories: {floor['functions']})")  # fmt: skip
    for lang, floor in held_too.items():
        t = max(floor["before"], floor.get("threshold", 0.0))
        print(f"{lang}: threshold {100 * floor['before']:.1f}% -> {100 * t:.1f}% (people's "
              f"project code: {floor['functions']} functions of {floor['repositories']} "
              "repositories and releases)")  # fmt: skip
    for lang, floor in lowered.items():
        print(f"{lang}: the donor's route at the base's threshold, its term lowered by "
              f"{abs(floor['shift']):.3f} (the context functions of {floor['repositories']} dated "
              f"repositories: {floor['functions']})")  # fmt: skip
    for lang, floor in held.items():
        print(f"{lang}: the route's term shifted by {floor['shift']:.3f} for people's project "
              f"code ({floor['functions']} functions of {floor['repositories']} repositories and "
              f"releases): flagged {floor['flags']}, by the base {floor['base_flags']}; uncertain "
              f"{100 * floor['uncertain_before']:.1f}% -> {100 * floor['uncertain']:.1f}%")  # fmt: skip
    what = ", ".join([*languages, *(f"{x}'s route" for x in routes)])
    print(f"codeorigin-train graft: {what} of {donor} grafted onto {base} in {out}")
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.export.graft", main))
