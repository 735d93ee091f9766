"""The command line of `scan --ray` and `scan --repos` (`cli` calls it).

Kept apart from `cli` so the command every user runs stays short; Ray itself is imported only in
`distributed`, when a Ray scan starts. `bench --ray-actors` is the benchmark's (`bench.cli`).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from codeorigin.terminal import Progress, positive_int

if TYPE_CHECKING:
    from codeorigin.model.scorer import Model
    from codeorigin.report import ScanReport
    from codeorigin.scan import ScanOptions


def add_arguments(scan: argparse.ArgumentParser) -> None:
    """`scan --ray` and `--repos`: many repositories, scored on a Ray cluster."""
    scan.add_argument(
        "--repos",
        metavar="FILE",
        type=Path,
        default=None,
        help="scan the repositories listed in FILE (a path or git URL a line; URLs cloned shallow)",
    )
    scan.add_argument(
        "--ray",
        metavar="ADDRESS",
        nargs="?",
        const="local",
        default=None,
        help="score on a Ray cluster: auto, HOST:PORT or ray://HOST:10001; none: a local one "
        "(the checkout's ray extra: pip install '<checkout>[ray]')",
    )
    scan.add_argument(
        "--actors",
        type=positive_int,
        default=None,
        help="--ray: scoring actors (default: the cluster's CPUs / --threads)",
    )


def usage_error(args: argparse.Namespace) -> str | None:
    """What is wrong with `--actors` without `--ray` (which would scan locally, ignoring it)."""
    if args.actors is not None and args.ray is None:
        return "--actors sets the Ray actors of a --ray scan: give --ray [ADDRESS] too"
    return None


def ray_address(args: argparse.Namespace) -> str | None:
    """`--ray`'s value as an address (None: start a local cluster). `--ray src/` takes `src/`
    for an address by argparse's rules: a value that is no address but an existing path is given
    back to the paths."""
    import re

    value = args.ray
    if value in (None, "local"):
        return None
    looks = value == "auto" or "://" in value or re.fullmatch(r"[\w.-]+:\d+", value)
    if not looks or Path(value).exists():
        args.paths.insert(0, Path(value))
        return None
    return str(value)


def scan_on_ray(
    args: argparse.Namespace,
    address: str | None,
    paths: list[Path],
    labels: dict[Path, str],
    model: Model,
    options: ScanOptions,
) -> tuple[ScanReport, bool]:
    """`scan.run` on Ray (`distributed`), with its progress and a closing line on stderr."""
    from codeorigin import distributed

    progress = Progress()
    # Ray prints its errors (an actor that died) on stdout: keep them off the report.
    with contextlib.redirect_stdout(sys.stderr):
        report, missing, stats = distributed.run(
            paths,
            model.manifest.folder,
            options,
            address=address,
            labels=labels,
            actors=args.actors,
            threads=args.threads or 1,
            progress=progress.rates,
        )
    progress.close()
    lost = (
        f"; {stats.actors_lost} actors lost, {stats.chunks_requeued} chunks re-queued, {stats.files_failed} files failed"
        if stats.actors_lost or stats.chunks_requeued
        else ""
    )
    print(
        f"codeorigin scan: {stats.files} files, {stats.spans} spans in {stats.seconds:.1f} s "
        f"({stats.rate(stats.files):.1f} files/s, {stats.rate(stats.spans):.1f} spans/s) on "
        f"{stats.actors} Ray actors{lost}",
        file=sys.stderr,
    )
    return report, missing
