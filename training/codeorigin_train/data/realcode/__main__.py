"""Command line: fetch the pinned archives, build the parquet file, or pin a new release.

    python -m codeorigin_train.data.realcode fetch --out training/work/realcode
    python -m codeorigin_train.data.realcode build --out training/work/realcode.parquet
    python -m codeorigin_train.data.realcode pin pypi NAME VERSION
    python -m codeorigin_train.data.realcode pin debian SOURCE VERSION   # needs a deb-src line for apt

`fetch` puts archives in OUT/archives; `build` reads them from `--archives` (by default
training/work/realcode/archives; a folder that is not there or holds none of them is an error
that says to fetch first) and writes the parquet file plus a `.summary.json` beside it.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
from pathlib import Path

from codeorigin_train.data.inputs import InputError, output_path
from codeorigin_train.data.realcode.build import DEFAULT_CAP, collect, summary, to_frame
from codeorigin_train.data.realcode.fetch import (
    debian_source_files,
    download,
    fetch,
    integrity_of,
    pypi_sdist,
    sha256_of,
)
from codeorigin_train.data.realcode.projects import PROJECTS_FILE, Project, load_projects

log = logging.getLogger("codeorigin_train.data.realcode")

DEFAULT_WORK = Path("training/work/realcode")


def _fetch(args: argparse.Namespace) -> int:
    projects = load_projects(Path(args.projects))
    archives, failed = fetch(projects, Path(args.out) / "archives")
    log.info("fetched %d of %d archives", len(archives), len(projects))
    for name, error in failed:
        log.error("failed: %s: %s", name, error)
    return 1 if failed and not archives else 0


def _archives(args: argparse.Namespace, projects: list[Project]) -> Path:
    """`--archives`, when it holds an archive of `projects`; `InputError` otherwise (a build
    without them would write the standard library alone)."""
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
    projects = load_projects(Path(args.projects))
    out = output_path(Path(args.out))  # before the build, not after it
    archives = _archives(args, projects)
    rows, reports = collect(projects, archives, cap=args.cap, with_stdlib=not args.no_stdlib)
    out.parent.mkdir(parents=True, exist_ok=True)
    to_frame(rows).to_parquet(out, index=False)
    info = summary(reports)
    summary_path = out.with_suffix(".summary.json")
    summary_path.write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    for r in info["per_project"]:
        log.info("%-18s %-10s %-10s %-5s %4d kept %s", r["project"], r["version"],
                 r["release_date"] or "-", "ok" if r["date_verified"] else "unver", r["kept"],
                 r["languages"] or r["error"])  # fmt: skip
    log.info("%d functions from %d projects %s, dates %s; wrote %s and %s", info["total"],
             info["projects"], info["languages"], info["date_range"], out, summary_path)  # fmt: skip
    return 0 if info["total"] else 1


def _pin(args: argparse.Namespace) -> int:
    """Print a projects.toml entry for a release, with its file and hash filled in."""
    lines = ["[[project]]", f'name = "{args.name}"', f'version = "{args.version}"',
             f'registry = "{args.registry}"']  # fmt: skip
    if args.registry == "pypi":
        info = pypi_sdist(args.name, args.version)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / info.filename
            download(info.url, path)
            digest = sha256_of(path)
        if info.sha256 and digest != info.sha256:
            raise SystemExit(f"downloaded sha256 {digest} differs from the index's {info.sha256}")
        lines += [
            f'release_date = "{info.upload_time[:10]}"',
            'date_source = "pypi-upload-time"',
            'licence = ""  # from PKG-INFO',
            f'file = "{info.filename}"',
            f'sha256 = "{digest}"',
        ]
    elif args.registry == "debian":
        out = subprocess.run(["apt-cache", "showsrc", args.name], check=True, capture_output=True,
                             text=True, timeout=120)  # fmt: skip
        files = debian_source_files(out.stdout, args.name, args.version)
        orig, orig_sha = files["orig"]
        lines[2] = f'version = "{args.version.split(":")[-1].rsplit("-", 1)[0]}"'
        lines += [
            'release_date = ""  # from a dated changelog in the upstream tarball, else:',
            'date_source = "archive-text"',
            'date_evidence_path = ""  # or "debian/changelog" with evidence_file below',
            'date_evidence_text = ""',
            'licence = ""  # from debian/copyright',
            f'file = "{orig}"',
            f'sha256 = "{orig_sha}"',
        ]
        if "debian" in files:
            deb, deb_sha = files["debian"]
            lines += [f'# evidence_file = "{deb}"', f'# evidence_sha256 = "{deb_sha}"']
    else:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = ["npm", "pack", f"{args.name}@{args.version}", "--pack-destination", tmp,
                   "--json", "--loglevel=error"]  # fmt: skip
            out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=600)
            filename = json.loads(out.stdout)[0]["filename"]
            integrity = integrity_of(Path(tmp) / filename)
        lines += [
            'release_date = ""  # the npm mirror\'s time field is its copy date: use the changelog',
            'date_source = "archive-text"',
            'date_evidence_path = ""',
            'date_evidence_text = ""',
            'licence = ""  # from package.json',
            f'file = "{filename}"',
            f'integrity = "{integrity}"',
        ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


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
    b.add_argument("--cap", type=int, default=DEFAULT_CAP, help="most functions per project")
    b.add_argument("--no-stdlib", action="store_true", help="leave the standard library out")
    for p in (f, b):
        p.add_argument("--projects", default=str(PROJECTS_FILE), help="pinned list (TOML)")
    b.set_defaults(run=_build)

    p = sub.add_parser("pin", help="print a projects.toml entry for a release")
    p.add_argument("registry", choices=("pypi", "npm", "debian"))
    p.add_argument("name")
    p.add_argument("version")
    p.set_defaults(run=_pin)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)  # fmt: skip
    return int(args.run(args))


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.data.realcode", main))
