"""One model folder's judgement of some languages grafted onto another's, as a stack (manifest
format version 5, `codeorigin.model.stacking`):

    codeorigin-train graft --base models/default --donor models/candidate \\
        --languages typescript javascript --out training/work/grafted

The base folder judges some languages and abstains on others; a donor trained on more of them
judges some of those. The grafted folder is the base, plus the donor's linear member, route and
stacker as a stack for `--languages`, plus the donor's thresholds for them: it scores those
languages exactly as the donor does and every other language exactly as the base does. Both must
share the transformer graph and tokenizer (the same files by SHA-256), since a stack replaces
everything but the transformer.

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
functions to stay under the base's threshold at the same bound. Nothing is trained; about a
minute on 2 cores.
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
from codeorigin.core.normalize import normalize
from codeorigin.model.manifest import load_manifest, write_manifest
from codeorigin.model.stacking import LANGUAGE_ALIASES
from codeorigin_train.data.argtypes import whole_number
from codeorigin_train.data.inputs import model_folder, output_path, read_parquet

log = logging.getLogger(__name__)

TOLERANCE = 1e-6
#: The splits whose context functions may raise a grafted threshold (the test split's are left
#: for the evaluation).
CONTEXT_SPLITS = ("train", "val")
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
                   help="languages the base abstains on and the donor judges")  # fmt: skip
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
    return p


def _context_of(context: Any, lang: str, t: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """`lang`'s context functions of dated train and validation repositories, and the record of
    the bound they are held at (the threshold `t`'s own)."""
    mine = context[context["dated_history"].astype(bool) & context["split"].isin(CONTEXT_SPLITS)
                   & (context["language"] == lang)]  # fmt: skip
    return mine, {"functions": len(mine), "repositories": int(mine["repo"].nunique()),
                  "splits": list(CONTEXT_SPLITS), "max_fpr": float(t.get("max_fpr", 0.01)),
                  "confidence": float(t.get("confidence", 0.95))}  # fmt: skip


def context_floor(out: Path, context: Any, languages: list[str]) -> dict[str, dict[str, Any]]:
    """Each grafted language's threshold raised, where it must be, to hold the context functions
    of dated train and validation repositories at the language's own bound; rewrites the
    manifest and returns what was set, by language."""
    from codeorigin.model.scorer import Model

    model = Model.load(out)
    raw = json.loads((out / "manifest.json").read_text())
    got: dict[str, dict[str, Any]] = {}
    for lang in languages:
        t = raw["thresholds"]["languages"][lang]
        mine, record = _context_of(context, lang, t)
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
        t["context_floor"] = record
        got[lang] = record
    write_manifest(out, {k: v for k, v in raw.items()
                         if k not in ("format", "format_version", "normalization_version")})  # fmt: skip
    return got


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
            alone = 1.0 / (
                1.0 + np.exp(-(base["calibration"]["a"] * z_s + base["calibration"]["b"]))
            )
            target = max(t["llm"], _bound(alone, repos, fpr, confidence))
            record["bound"] = _bound(_routed(base, donor, z_s, z_r, lang), repos, fpr, confidence)
            lo, hi = -30.0, 0.0  # bisection: the route's term holds at lo, not at hi
            if record["bound"] > target:
                for _ in range(40):
                    mid = (lo + hi) / 2
                    held = _bound(_routed(base, donor, z_s, z_r, lang, mid), repos, fpr,
                                  confidence) <= target  # fmt: skip
                    lo, hi = (mid, hi) if held else (lo, mid)
                record["shift"] = lo
                terms = raw["route"]["stacker"]["languages"]
                terms[lang] = terms.get(lang, 0.0) + lo
        record["lowered"] = record["shift"] < 0
        got[lang] = record
    write_manifest(out, {k: v for k, v in raw.items()
                         if k not in ("format", "format_version", "normalization_version")})  # fmt: skip
    return got


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
        if lang in LANGUAGE_ALIASES:
            raise SystemExit(f"{lang} is an editor's alias of {LANGUAGE_ALIASES[lang]}: "
                             f"graft {LANGUAGE_ALIASES[lang]}")  # fmt: skip
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
    raw["languages"] = sorted(set(raw.get("languages", [])) | set(languages))
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
    return 1.0 / (1.0 + np.exp(-(a_b * np.maximum(z_s, mapped) + b_b)))


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
    started = time.perf_counter()
    languages, routes = list(args.languages), list(args.routes)
    try:
        path = graft(base, donor, languages, args.name, out, routes)
        lowered = route_floor(out, base, donor, context, routes) if context is not None else {}
        shifts = {lang: floor["shift"] for lang, floor in lowered.items()}
        check = parity(base, donor, out, rows, languages, routes, shifts)
        floors = context_floor(out, context, languages) if context is not None else {}
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)  # a command that stops leaves nothing behind
        raise
    raw = json.loads(path.read_text())
    raw["grafted"][args.name]["parity"] = check
    if lowered:
        raw["grafted"][args.name]["route_floor"] = lowered
    raw["grafted"][args.name]["seconds"] = round(time.perf_counter() - started, 1)
    write_manifest(out, {k: v for k, v in raw.items()
                         if k not in ("format", "format_version", "normalization_version")})  # fmt: skip
    print(json.dumps(check, indent=2))
    for lang, floor in floors.items():
        t = raw["thresholds"]["languages"][lang]["llm"]
        print(f"{lang}: threshold {100 * floor['before']:.1f}% -> {100 * t:.1f}% (the context "
              f"functions of {floor['repositories']} dated repositories: {floor['functions']})")  # fmt: skip
    for lang, floor in lowered.items():
        print(f"{lang}: the donor's route at the base's threshold, its term lowered by "
              f"{-floor['shift']:.3f} (the context functions of {floor['repositories']} dated "
              f"repositories: {floor['functions']})")  # fmt: skip
    what = ", ".join([*languages, *(f"{x}'s route" for x in routes)])
    print(f"codeorigin-train graft: {what} of {donor} grafted onto {base} in {out}")
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.export.graft", main))
