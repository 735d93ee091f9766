"""The command line of `scan --ray` and `scan --repos` (`cli` calls it).

Kept apart from `cli` so the command every user runs stays short; Ray itself is imported only in
`distributed`, when a Ray scan starts. `bench --ray-actors` is the benchmark's (`bench.cli`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from codeorigin.cli.terminal import Progress, Terminated, exit_on_sigterm, positive_int, terminated
from codeorigin.core.verdicts import plural
from codeorigin.report.data import MISSING

if TYPE_CHECKING:
    from codeorigin.model.scorer import Model
    from codeorigin.report.data import ScanReport
    from codeorigin.scan.options import ScanOptions


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
    """What is wrong with `--actors` without `--ray` (which would scan locally, ignoring it), or
    with `--ray ADDRESS` and nothing to scan (no PATH, no `--repos`)."""
    if args.actors is not None and args.ray is None:
        return "--actors sets the Ray actors of a --ray scan: give --ray [ADDRESS] too"
    diff = getattr(args, "diff", None) is not None or getattr(args, "diff_file", None) is not None
    nothing = not args.paths and args.repos is None and not diff
    if nothing and args.ray not in (None, "local") and _is_address(args.ray):
        return "give a PATH or --repos FILE (a --ray scan takes no --diff)"
    return None


def _is_address(value: str) -> bool:
    """Whether `--ray`'s value is an address rather than a path argparse gave it."""
    import re

    looks = value == "auto" or "://" in value or re.fullmatch(r"[\w.-]+:\d+", value)
    return bool(looks) and not Path(value).exists()


def ray_address(args: argparse.Namespace) -> str | None:
    """`--ray`'s value as an address (None: start a local cluster). `--ray src/` takes `src/`
    for an address by argparse's rules: a value that is no address but an existing path is given
    back to the paths."""
    value = args.ray
    if value in (None, "local"):
        return None
    if not _is_address(value):
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
    cleanup: Callable[[], None] | None = None,
) -> tuple[ScanReport, bool]:
    """`scan.local.run` on Ray (`codeorigin.distributed`), with its progress and a closing line on
    stderr; the caller checked the address first (`check_reachable`). A Ctrl-C exits 130 with one
    line, the local cluster this scan started shut down; a cluster that never answers ends the
    process (`_give_up`) after `cleanup` (the `--repos` clones)."""
    from codeorigin.distributed import cluster, scheduler

    where = f"cannot reach a Ray cluster at {address}"
    progress = Progress()
    started = False
    # Ray prints its errors (an actor that died) on stdout: keep them off the report.
    try:
        with contextlib.redirect_stdout(sys.stderr):
            with _give_up(where, address is not None, cleanup):
                started = cluster.connect(address)
            exit_on_sigterm()  # Ray's own handler dumps a stack and exits 1 ("flagged")
            report, missing, stats = scheduler.run(
                paths,
                model.manifest.folder,
                options,
                labels=labels,
                actors=args.actors,
                threads=args.threads or 1,
                progress=progress.rates,
            )
    except KeyboardInterrupt as stop:
        progress.close()
        if terminated(stop):
            raise Terminated from None  # `main` says it and exits 143
        print("codeorigin scan: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    finally:
        if started:
            with cluster.sigint_held():  # a second Ctrl-C does not cut the shutdown short
                cluster.import_ray().shutdown()
    progress.close()
    lost = (
        f"; {stats.actors_lost} actors lost, {stats.chunks_requeued} chunks re-queued, {stats.files_failed} files failed"
        if stats.actors_lost or stats.chunks_requeued
        else ""
    )
    files = stats.files - sum(1 for f in report.files if f.error == MISSING)  # no file
    print(
        f"codeorigin scan: {plural(files, 'file')}, {plural(stats.spans, 'span')} in "
        f"{stats.seconds:.1f} s ({stats.rate(files):.1f} files/s, {stats.rate(stats.spans):.1f} "
        f"spans/s) on {plural(stats.actors, 'Ray actor')}{lost}",
        file=sys.stderr,
    )
    if 0 < stats.chunks < stats.actors:  # the others had nothing to do
        from codeorigin.scan.reading import CHUNK_CHARS, CHUNK_FILES

        print(
            f"codeorigin scan: {plural(stats.chunks, 'chunk')} of files for "
            f"{plural(stats.actors, 'actor')}: files go to the actors in chunks of "
            f"{CHUNK_FILES} files or {CHUNK_CHARS // 1_000_000} MB of text, so a scan "
            "smaller than that runs on one actor, no faster than a local scan",
            file=sys.stderr,
        )
    return report, missing


CONNECT_TIMEOUT_S = 3.0  # a TCP connection to HOST:PORT
JOIN_TIMEOUT_S = 60.0  # ray.init joining a cluster that accepts connections


@contextlib.contextmanager
def _give_up(
    where: str,
    bounded: bool,
    cleanup: Callable[[], None] | None = None,
    seconds: float = JOIN_TIMEOUT_S,
) -> Iterator[None]:
    """Bound the block (ray.init joining a cluster, which retries without end when what answers
    is no Ray head): past `seconds`, say so on stderr, run `cleanup` and end the process with
    status 2. Joining starts no process of its own, so none is left behind."""
    if not bounded:
        yield
        return

    def expire() -> None:
        print(f"codeorigin scan: {where}: no Ray answered in {seconds:g} s", file=sys.stderr)
        sys.stderr.flush()
        if cleanup is not None:
            with contextlib.suppress(Exception):
                cleanup()  # os._exit runs no `finally` and no context manager's exit
        os._exit(2)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def check_reachable(address: str | None) -> None:
    """Raise `RayScanError` at once when nothing answers at `--ray`'s address (None: a local
    cluster, nothing to check), before any clone or model is shipped."""
    from codeorigin.distributed.cluster import RayScanError

    unreachable = None if address is None else reachable(address)
    if unreachable is not None:
        raise RayScanError(f"cannot reach a Ray cluster at {address}: {unreachable}")


def reachable(address: str, timeout: float = CONNECT_TIMEOUT_S) -> str | None:
    """None when something accepts a TCP connection at `address`'s HOST:PORT (`auto` is not
    checked: Ray finds a local cluster itself), else why not, in a few words."""
    import re
    import socket

    match = re.fullmatch(r"(?:[a-z][a-z0-9+.-]*://)?\[?([^\[\]/]+?)\]?:(\d+)/?", address, re.I)
    if match is None:  # `auto`, or a form Ray reads itself (`ray://HOST`)
        return None
    host, port = match[1], int(match[2])
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except TimeoutError:
        return f"no answer in {timeout:g} s"
    except OSError as exc:
        return (exc.strerror or str(exc)).lower()
