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
donor's thresholds were not set on. The test split's is left for the evaluation. Nothing is
trained; about a minute on 2 cores.
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
    p.add_argument("--languages", nargs="+", required=True,
                   help="languages the base abstains on and the donor judges")  # fmt: skip
    p.add_argument("--name", default="more languages", help="the stack's name")
    p.add_argument("--out", type=Path, required=True, help="the new folder (must not exist)")
    p.add_argument("--rows", type=Path, default=Path("training/work/pool-v5.parquet"),
                   help="functions (code, language) the parity check scores")  # fmt: skip
    p.add_argument("--check-rows", type=whole_number(1), default=60,
                   help="functions per language the parity check scores")  # fmt: skip
    p.add_argument("--context", type=Path,
                   help="agentic-context functions: each grafted language's threshold holds "
                   "those of dated train and validation repositories too")  # fmt: skip
    return p


def context_floor(out: Path, context: Any, languages: list[str]) -> dict[str, dict[str, Any]]:
    """Each grafted language's threshold raised, where it must be, to hold the context functions
    of dated train and validation repositories at the language's own bound; rewrites the
    manifest and returns what was set, by language."""
    from codeorigin.model.scorer import Model
    from codeorigin_train.fit.calibrate import threshold_at_fpr, threshold_over_groups

    rows = context[context["dated_history"].astype(bool) & context["split"].isin(CONTEXT_SPLITS)
                   & context["language"].isin(languages)]  # fmt: skip
    model = Model.load(out)
    raw = json.loads((out / "manifest.json").read_text())
    got: dict[str, dict[str, Any]] = {}
    for lang in languages:
        mine = rows[rows["language"] == lang]
        t = raw["thresholds"]["languages"][lang]
        fpr, confidence = float(t.get("max_fpr", 0.01)), float(t.get("confidence", 0.95))
        record: dict[str, Any] = {"functions": len(mine), "repositories": int(mine["repo"].nunique()),
                                  "splits": list(CONTEXT_SPLITS), "max_fpr": fpr,
                                  "confidence": confidence, "before": t["llm"]}  # fmt: skip
        if len(mine):
            p = np.array([s.probability for s in model.score_texts(mine["code"].tolist(),
                                                                    [lang] * len(mine))])  # fmt: skip
            floor = max(threshold_at_fpr(p, fpr, confidence),
                        threshold_over_groups(p, mine["repo"].to_numpy(), fpr, confidence))  # fmt: skip
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


def _check(base: dict[str, Any], donor: dict[str, Any], languages: list[str]) -> None:
    """What a graft needs of the two manifests; SystemExit saying what is wrong."""
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


def _copy_file(src: Path, out: Path, name: str) -> str:
    shutil.copyfile(src, out / name)
    return name


def graft(base_dir: Path, donor_dir: Path, languages: list[str], name: str, out: Path) -> Path:
    """Write the grafted folder (module docstring); its manifest's path."""
    base = dict(load_manifest(base_dir).raw)
    donor = dict(load_manifest(donor_dir).raw)
    _check(base, donor, languages)
    out.mkdir(parents=True)
    for file in base["files"]:
        shutil.copyfile(base_dir / file, out / file)
    for extra in ("MODEL_CARD.md", "metrics.json"):  # the base's card and figures, kept
        if (base_dir / extra).is_file():
            shutil.copyfile(base_dir / extra, out / extra)
    prefix = "-".join(name.split()) + "-"
    files = list(base["files"])
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
    raw = {k: v for k, v in base.items() if k not in ("format", "format_version",
                                                       "normalization_version")}  # fmt: skip
    thresholds = dict(raw["thresholds"])
    thresholds["languages"] = {**thresholds.get("languages", {}),
                               **{lang: donor["thresholds"]["languages"][lang]
                                  for lang in languages}}  # fmt: skip
    raw["thresholds"] = thresholds
    raw["abstain"] = {k: v for k, v in raw.get("abstain", {}).items() if k not in languages}
    raw["languages"] = sorted(set(raw.get("languages", [])) | set(languages))
    raw["stacks"] = [stack]
    raw["grafted"] = {
        name: {
            "languages": languages,
            "from": donor.get("name", donor_dir.name),
            "folder": str(donor_dir),
            "donor_manifest_sha256": load_manifest(donor_dir).digest,
            "stacking": donor.get("stacking", {}),
            "calibration": "the donor's stackers rescaled onto the base's calibration",
        }
    }
    raw["files"] = files
    return write_manifest(out, raw)


def parity(base_dir: Path, donor_dir: Path, out: Path, rows: Any, languages: list[str]) -> dict:
    """The grafted folder's probabilities against the donor's on `languages` and the base's
    elsewhere, through the runtime; SystemExit past `TOLERANCE`."""
    from codeorigin.model.scorer import Model

    texts, langs = rows["code"].tolist(), rows["language"].tolist()
    got = [s.probability for s in Model.load(out).score_texts(texts, langs)]
    want_d = [s.probability for s in Model.load(donor_dir).score_texts(texts, langs)]
    want_b = [s.probability for s in Model.load(base_dir).score_texts(texts, langs)]
    grafted = set(languages) | {a for a, b in LANGUAGE_ALIASES.items() if b in languages}
    worst = {"grafted": 0.0, "kept": 0.0}
    for g, d, b, lang in zip(got, want_d, want_b, langs):
        kind = "grafted" if lang in grafted else "kept"
        worst[kind] = max(worst[kind], abs(g - (d if kind == "grafted" else b)))
    counts = {
        "grafted": sum(x in grafted for x in langs),
        "kept": sum(x not in grafted for x in langs),
    }
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
    started = time.perf_counter()
    try:
        path = graft(base, donor, list(args.languages), args.name, out)
        check = parity(base, donor, out, rows, list(args.languages))
        floors = context_floor(out, context, list(args.languages)) if context is not None else {}
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)  # a command that stops leaves nothing behind
        raise
    raw = json.loads(path.read_text())
    raw["grafted"][args.name]["parity"] = check
    raw["grafted"][args.name]["seconds"] = round(time.perf_counter() - started, 1)
    write_manifest(out, {k: v for k, v in raw.items()
                         if k not in ("format", "format_version", "normalization_version")})  # fmt: skip
    print(json.dumps(check, indent=2))
    for lang, floor in floors.items():
        t = raw["thresholds"]["languages"][lang]["llm"]
        print(f"{lang}: threshold {100 * floor['before']:.1f}% -> {100 * t:.1f}% (the context "
              f"functions of {floor['repositories']} dated repositories: {floor['functions']})")  # fmt: skip
    print(f"codeorigin-train graft: {', '.join(args.languages)} of {donor} grafted onto {base} "
          f"in {out}")  # fmt: skip
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.export.graft", main))
