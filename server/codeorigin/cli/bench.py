"""The command line of `codeorigin bench` and `bench --ray-actors` (`cli` calls it).

Kept apart from `ray_scan` (`scan --ray`) so that the scan path imports no benchmark module.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from codeorigin.cli.terminal import positive_int


def actor_counts(value: str) -> list[int]:
    """`--ray-actors 1,2,4`: the actor counts to measure, each at least 1."""
    try:
        counts = [int(v) for v in value.split(",") if v.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of integers: {value!r}") from exc
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"actor counts must be at least 1, got {value!r}")
    return counts


def add_arguments(bench: argparse.ArgumentParser) -> None:
    """`bench`'s options, `--ray-actors` and its `--ray` included."""
    bench.add_argument("--model", metavar="DIR", type=Path, default=None)
    bench.add_argument("--threads", type=positive_int, default=1)
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--quick", action="store_true", help="fewer repetitions")
    bench.add_argument("--no-server", action="store_true", help="skip the measurements over stdio")
    bench.add_argument(
        "--ray-actors",
        metavar="N,N,...",
        type=actor_counts,
        default=None,
        help="instead: scan rates with this many Ray actors each (e.g. 1,2,4), and the scaling",
    )
    bench.add_argument(
        "--ray", metavar="ADDRESS", default=None, help="--ray-actors: an existing Ray cluster"
    )


def run(args: argparse.Namespace) -> int:
    """`codeorigin bench`: this machine's figures, or with `--ray-actors` a Ray scan's."""
    from codeorigin.bench import checks, machine
    from codeorigin.model.manifest import ModelError

    if args.ray_actors is not None:
        return run_ray(args)
    if args.ray is not None:  # the ordinary bench would ignore it
        print(
            "codeorigin bench: --ray names the cluster of a --ray-actors bench: give "
            "--ray-actors N,N,... too (the actor counts to measure)",
            file=sys.stderr,
        )
        return 2
    try:
        result = machine.run(
            args.model, threads=args.threads, quick=args.quick, server=not args.no_server
        )
    except ModelError as exc:
        print(f"codeorigin bench: {exc}", file=sys.stderr)
        return 2
    print(checks.to_json(result) if args.json else checks.render_table(result))
    return 0


def run_ray(args: argparse.Namespace) -> int:
    """`codeorigin bench --ray-actors`: the scan rates per actor count (`ray_actors`)."""
    from codeorigin.bench import ray_actors
    from codeorigin.distributed.cluster import RayScanError
    from codeorigin.model.manifest import ModelError

    try:
        with contextlib.redirect_stdout(sys.stderr):  # Ray's own messages stay off the figures
            result = ray_actors.run(
                args.model,
                args.ray_actors,
                threads=args.threads,
                quick=args.quick,
                address=args.ray,
            )
    except (ModelError, RayScanError) as exc:
        print(f"codeorigin bench: {exc}", file=sys.stderr)
        return 2
    print(ray_actors.to_json(result) if args.json else ray_actors.render(result))
    return 0
