"""Command line: fetch the pinned archives, or build the parquet file (and `.summary.json`).

    python -m codeorigin_train.data.realcode fetch --out training/work/realcode
    python -m codeorigin_train.data.realcode build --archives training/work/realcode/archives \\
        --out training/work/realcode.parquet
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from codeorigin_train.data.inputs import InputError, output_path
from codeorigin_train.data.realcode.build import COLUMNS, collect, summary
from codeorigin_train.data.realcode.fetch import fetch
from codeorigin_train.data.realcode.projects import PROJECTS_FILE, Project, load_projects

log = logging.getLogger("codeorigin_train.data.realcode")

DEFAULT_WORK = Path("training/work/realcode")


def _fetch(args: argparse.Namespace) -> int:
    projects = load_projects(Path(args.projects))
    archives, failed = fetch(projects, Path(args.out) / "archives")
    log.info("fetched %d of %d archives", len(archives), len(projects))
    return 1 if failed and not archives else 0


def _archives(args: argparse.Namespace, projects: list[Project]) -> Path:
    """`--archives`, when it holds an archive of `projects`; `InputError` otherwise."""
    archives = Path(args.archives)
    where = archives.parent if archives.name == "archives" else Path("DIR")
    todo = (f"run `codeorigin-train realcode fetch --out {where}` first (it downloads them into "
            f"{where / 'archives'}), or give --archives the folder that holds them")  # fmt: skip
    if not archives.is_dir():
        raise InputError(f"--archives {archives} not found: {todo}")
    if projects and not any((archives / p.file).is_file() for p in projects):
        raise InputError(f"--archives {archives} holds none of the {len(projects)} pinned "
                         f"archives: {todo}")  # fmt: skip
    return archives


def _build(args: argparse.Namespace) -> int:
    import pandas as pd

    projects = load_projects(Path(args.projects))
    out = output_path(Path(args.out))  # before the build, not after it
    archives = _archives(args, projects)
    rows, reports = collect(projects, archives, with_stdlib=not args.no_stdlib)
    out.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=list(COLUMNS)).to_parquet(out, index=False)
    info = summary(reports)
    summary_path = out.with_suffix(".summary.json")
    summary_path.write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    log.info("%d functions from %d projects %s, dates %s; wrote %s and %s", info["total"],
             info["projects"], info["languages"], info["date_range"], out, summary_path)  # fmt: skip
    return 0 if info["total"] else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m codeorigin_train.data.realcode",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,  # keeps the example commands apart
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    f = sub.add_parser("fetch", help="download the pinned archives into OUT/archives")
    f.add_argument("--out", default=str(DEFAULT_WORK))
    f.set_defaults(run=_fetch)

    b = sub.add_parser("build", help="extract functions and write the parquet file")
    b.add_argument("--out", default=str(DEFAULT_WORK.with_suffix(".parquet")))
    b.add_argument("--archives", default=str(DEFAULT_WORK / "archives"))
    b.add_argument("--no-stdlib", action="store_true", help="leave the standard library out")
    for p in (f, b):
        p.add_argument("--projects", default=str(PROJECTS_FILE), help="pinned list (TOML)")
    b.set_defaults(run=_build)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)  # fmt: skip
    return int(args.run(args))


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.data.realcode", main))
