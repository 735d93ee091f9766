"""Paired real-project functions: a real function of a PyPI release, and the bodies that LLMs wrote
for the same signature under the same docstring (EvoCodeBench, DevEval).

Both benchmarks publish only the LLM side: a `completion` (the function body, indented as in its
file) per `namespace` (`package.module[.Class].function`) and per generator and setting. The human
side is the real function in the project's release, so this module

1. reads the tasks in their native formats (DevEval's `data.tar.gz` and prompts, EvoCodeBench's
   completion files, whose namespaces are the only task data in the snapshot);
2. `pin`: picks, per project, the release the benchmark was built from: among the files the PyPI
   simple index lists as uploaded before the benchmark's cut-off (2024-01-01 for DevEval, 2024-04-01
   for EvoCodeBench), the newest of up to `--tries` versions that holds the most benchmark
   functions with the benchmark's parameter list. The choice, its hash and why it was made go into
   `paired.toml` beside this file;
3. `fetch`: downloads the pinned files and checks their sha256;
4. `build`: finds each namespace in its archive (with `ast`), and writes one human row (the real
   function) and one LLM row per generator and setting: the real decorators, signature and
   docstring, then the generated body in place of the real one. A docstring the LLM wrote itself is
   dropped, so both sides carry exactly the real one and only the body differs. Bodies that are
   empty, do not parse, or are identical or nearly identical to the human body are counted and
   dropped; a namespace that cannot be found is counted and never guessed.

Every row's `group` is `real:<project>`, the same group as the project's dated code in the
real-code set, so no project is on both sides of a split. `split_projects` holds out whole projects
for evaluation. The human side is recent (2023/24 releases) and undated with respect to LLMs; it is
kept apart from the dated pre-2021 set (`source = "paired-deveval"` / `"paired-evocodebench"`).

    python -m codeorigin_train.data.realcode.paired pin   --data-root ../shared/data
    python -m codeorigin_train.data.realcode.paired fetch --archives training/work/paired/archives
    python -m codeorigin_train.data.realcode.paired build --data-root ../shared/data \\
        --archives training/work/paired/archives --out training/work/paired.parquet
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from codeorigin.core.normalize import normalize
from codeorigin_train.data.realcode.paired_locate import ArchiveIndex, pair_text, signature_args
from codeorigin_train.data.realcode.paired_releases import (
    PINS_FILE,
    Pin,
    canonical,
    choose_release,
    fetch_pins,
    load_pins,
    write_pins,
)
from codeorigin_train.data.realcode.paired_tasks import (
    DEVEVAL,
    EVOCODEBENCH,
    Completion,
    Task,
    all_tasks,
    by_project,
    completions,
)

log = logging.getLogger(__name__)

DEFAULT_ARCHIVES = Path("training/work/paired/archives")
DEFAULT_OUT = Path("training/work/paired.parquet")


@dataclass
class BuildReport:
    """Counts of one build: what was paired and what was dropped, and why."""

    tasks: int = 0
    found: Counter[str] = field(default_factory=Counter)  # per project
    missing: Counter[str] = field(default_factory=Counter)  # reason -> count
    dropped: Counter[str] = field(default_factory=Counter)  # reason -> count
    bodies: Counter[str] = field(default_factory=Counter)  # generator -> kept bodies

    def to_dict(self) -> dict[str, Any]:
        return {
            "tasks": self.tasks,
            "functions_found": sum(self.found.values()),
            "projects": len(self.found),
            "found_per_project": dict(sorted(self.found.items())),
            "missing": dict(self.missing),
            "dropped_bodies": dict(self.dropped),
            "kept_bodies_per_generator": dict(sorted(self.bodies.items())),
        }


# --------------------------------------------------------------------------------- build


def _row(task: Task, pin: Pin, code: str, label: int, generator: str, setting: str, path: str):
    text = normalize(code).text
    return {
        "code": text,
        "label": label,
        "language": "python",
        "source": f"paired-{task.benchmark}",
        "generator": generator,
        "group": f"real:{canonical(pin.pypi)}",
        "project": canonical(pin.pypi),
        "namespace": task.namespace,
        "setting": setting,
        "version": pin.version,
        "release_file": pin.file,
        "path": path,
        "n_lines": text.count("\n") + 1,
    }


def build_pairs(
    data_root: Path, pins: dict[str, Pin], archives: Path
) -> tuple[pd.DataFrame, BuildReport]:
    """Human rows and LLM rows for every task whose project is pinned and whose function is found."""
    report = BuildReport()
    tasks = all_tasks(data_root)
    report.tasks = len(tasks)
    by_ns: dict[tuple[str, str], list[Completion]] = {}
    for bench in (DEVEVAL, EVOCODEBENCH):
        for c in completions(data_root, bench):
            by_ns.setdefault((bench, c.namespace), []).append(c)
    rows: list[dict[str, Any]] = []
    seen_human: set[str] = set()
    for (bench, project), group in by_project(tasks).items():
        pin = pins.get(project)
        if pin is None:
            report.missing["no-release" if group[0].pypi is None else "not-pinned"] += len(group)
            continue
        archive = archives / pin.file
        if not archive.exists():
            report.missing["archive-not-fetched"] += len(group)
            continue
        index = ArchiveIndex(archive)
        for task in group:
            human = index.locate(task)
            if human is None:
                report.missing["function-not-found"] += 1
                continue
            want = signature_args(task.signature) if task.signature else None
            if want is not None and want != human.args:
                report.missing["signature-differs"] += 1
                continue
            report.found[canonical(pin.pypi)] += 1
            human_code = "\n".join(human.lines)
            key = hashlib.blake2b(human_code.encode(), digest_size=8).hexdigest()
            if key not in seen_human:  # DevEval and EvoCodeBench may share a function
                seen_human.add(key)
                rows.append(_row(task, pin, human_code, 0, "human", "", human.path))
            for c in by_ns.get((bench, task.namespace), []):
                code, why = pair_text(human, c.body)
                if code is None:
                    report.dropped[why] += 1
                    continue
                report.bodies[c.generator] += 1
                rows.append(_row(task, pin, code, 1, c.generator, c.setting, human.path))
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame = frame.drop_duplicates(subset=["code", "label"]).reset_index(drop=True)
    return frame, report


# The real-code set's split fractions (train, val, test) by project: a project that has both dated
# functions and paired ones is on the same side in both.
SPLIT_FRACTIONS = (0.6, 0.2, 0.2)


def split_projects(frame: pd.DataFrame, seed: int = 0) -> pd.Series:
    """`train`/`val`/`test` per row, drawn per `group` (`real:<project>`) exactly as the real-code
    rows are, so a project is on one side only, here and there."""
    from codeorigin_train.data.splits import split_of

    return frame["group"].map(lambda g: split_of(str(g), seed, SPLIT_FRACTIONS))


def training_rows(
    frame: pd.DataFrame, split: str, llm_per_function: int, seed: int = 0
) -> pd.DataFrame:
    """The rows of one split for training or calibration: every human function, and at most
    `llm_per_function` LLM versions of each (drawn by a hash of the seed, namespace, generator and
    setting, so generators and settings are spread over functions), keeping human and LLM code of
    each project close in number."""
    rows = frame[frame["split"] == split]
    human = rows[rows["label"] == 0]
    llm = rows[rows["label"] == 1]
    if llm_per_function <= 0 or llm.empty:
        return human.iloc[:0]
    keys = (
        str(seed) + "\x1f" + llm["namespace"] + "\x1f" + llm["generator"] + "\x1f" + llm["setting"]
    )
    rank = keys.map(lambda k: hashlib.blake2b(k.encode(), digest_size=8).hexdigest())
    llm = llm.assign(_rank=rank).sort_values("_rank")
    llm = llm.groupby("namespace").head(llm_per_function).drop(columns="_rank")
    return pd.concat([human, llm]).sort_index()


# ----------------------------------------------------------------------------------- CLI


def _cmd_pin(args: argparse.Namespace) -> int:
    archives = Path(args.archives)
    archives.mkdir(parents=True, exist_ok=True)
    pins: list[Pin] = []
    failed: dict[str, str] = {}
    for (_bench, project), group in sorted(by_project(all_tasks(Path(args.data_root))).items()):
        pypi = group[0].pypi
        if pypi is None:
            failed[project] = "not released on PyPI"
            continue
        if args.only and project not in args.only:
            continue
        pin, why = choose_release(pypi, group, archives, tries=args.tries)
        if pin is None:
            failed[project] = why
            log.warning("%s: %s", project, why)
        else:
            pins.append(pin)
    write_pins(pins, failed, Path(args.pins))
    log.info("pinned %d projects, %d not", len(pins), len(failed))
    return 0


def _cmd_fetch(args: argparse.Namespace) -> int:
    pins = load_pins(Path(args.pins))
    failed = fetch_pins(pins.values(), Path(args.archives))
    for project, error in failed:
        log.error("%s: %s", project, error)
    return 1 if failed else 0


def _cmd_build(args: argparse.Namespace) -> int:
    pins = load_pins(Path(args.pins))
    frame, report = build_pairs(Path(args.data_root), pins, Path(args.archives))
    if frame.empty:
        log.error("no pairs built: fetch the pinned archives first")
        return 1
    frame["split"] = split_projects(frame)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(out, index=False)
    info = report.to_dict()
    info["rows"] = {
        split: {"human": int((g.label == 0).sum()), "llm": int((g.label == 1).sum())}
        for split, g in frame.groupby("split")
    }
    info["releases"] = {p.project: f"{p.pypi}=={p.version} ({p.reason})" for p in pins.values()}
    out.with_suffix(".summary.json").write_text(json.dumps(info, indent=1), encoding="utf-8")
    log.info(
        "%d human functions, %d LLM bodies, %d projects -> %s",
        int((frame.label == 0).sum()),
        int((frame.label == 1).sum()),
        frame["project"].nunique(),
        out,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="codeorigin-train paired", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name in ("pin", "fetch", "build"):
        p = sub.add_parser(name)
        p.add_argument("--pins", default=str(PINS_FILE))
        p.add_argument("--archives", default=str(DEFAULT_ARCHIVES))
        if name != "fetch":
            p.add_argument("--data-root", default="../shared/data")
    sub.choices["pin"].add_argument("--tries", type=int, default=3)
    sub.choices["pin"].add_argument("--only", nargs="*", default=[])
    sub.choices["build"].add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args(argv)
    if args.cmd != "fetch" and not Path(args.data_root).is_dir():
        from codeorigin_train.data.inputs import InputError

        raise InputError(f"data root {args.data_root} not found: give --data-root, the shared "
                         "data folder (../shared/data beside the checkout)")  # fmt: skip
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return {"pin": _cmd_pin, "fetch": _cmd_fetch, "build": _cmd_build}[args.cmd](args)


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.data.realcode.paired", main))
