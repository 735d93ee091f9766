"""Ray itself, for `scan --ray`: importing it (an optional extra), joining a cluster or starting a
local one with Ctrl-C held while it starts, and the model folder's files as an actor receives them.

Ray is an optional extra (`pip install '<checkout>[ray]'`): it is imported here only, inside the
functions, and nothing on the editor's or a local scan's path imports this package.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass


MISSING_RAY = (
    "--ray needs Ray, an optional extra: pip install '/path/to/codeorigin[ray]' from the checkout "
    "(or pip install ray)"
)


MAX_FILE_BYTES_SHIPPED = 512 * 1024 * 1024  # the model folder's files an actor receives


class RayScanError(Exception):
    """A Ray scan that cannot run or finish (Ray missing, no cluster, every actor lost)."""


def import_ray() -> ModuleType:
    """Ray, or RayScanError saying how to install it. A Ctrl-C while Ray is imported is held
    until the import is over, then raised: an import cut short leaves half of Ray's modules
    loaded, and the exit hook they registered fails with a traceback at exit."""
    with sigint_held() as interrupted:
        try:
            import ray
        except ImportError as exc:
            raise RayScanError(MISSING_RAY) from exc
    if interrupted:
        raise KeyboardInterrupt
    return ray


def model_files(folder: Path) -> dict[str, bytes]:
    """The files of a model folder, by name, as an actor receives them (the manifest checks
    every file it lists, so all go)."""
    return {
        path.name: path.read_bytes()
        for path in sorted(folder.iterdir())
        if path.is_file() and path.stat().st_size <= MAX_FILE_BYTES_SHIPPED
    }


def connect(address: str | None, *, num_cpus: int | None = None) -> bool:
    """Join the cluster at `address` (`auto`, `HOST:PORT`, `ray://HOST:10001`), or start a local
    one when it is None. Returns whether this call started Ray (and so must shut it down); a Ray
    already initialised in this process is used as it is. A Ctrl-C while Ray starts is held until
    the start is over, then Ray is shut down and KeyboardInterrupt raised: an interrupted start
    leaves no Ray process behind. (`cli.ray_scan.reachable` checks an address first.)"""
    ray = import_ray()
    if ray.is_initialized():
        return False
    where = f"cannot reach a Ray cluster at {address}" if address else "cannot start Ray"
    kwargs: dict[str, Any] = {"logging_level": "WARNING", "log_to_driver": False}
    if address is None:
        kwargs.update(num_cpus=num_cpus, include_dashboard=False)
        # ray.init(address=None) joins $RAY_ADDRESS when it is set, unchecked and without end.
        joined = os.environ.pop("RAY_ADDRESS", None)
        if joined:
            print(f"codeorigin: RAY_ADDRESS={joined} is not joined: --ray starts a local "
                  f"cluster; to scan on that one, give --ray {joined}", file=sys.stderr)  # fmt: skip
    # Ray's token authentication (2.5x) has an error of its own; an older Ray has none.
    auth_error = getattr(ray.exceptions, "AuthenticationError", ())
    with sigint_held() as interrupted:
        try:
            ray.init(address=address, **kwargs)
        except auth_error as exc:
            why = getattr(exc, "message", str(exc))
            raise RayScanError(f"{where}: token authentication failed: {why}") from exc
        except OSError as exc:  # a connection refused, or a temporary folder too deep
            ray.shutdown()
            deep = f"the temporary folder {tempfile.gettempdir()} is too deep for Ray's sockets' "
            deep += "names (107 bytes at most): set TMPDIR to a short folder, e.g. TMPDIR=/tmp"
            why = deep if "AF_UNIX path length" in str(exc) else cause(exc)
            raise RayScanError(f"{where}: {why}") from exc
        except (RuntimeError, ValueError, ray.exceptions.RayError) as exc:
            raise RayScanError(f"{where}: {cause(exc)}") from exc
    if interrupted:
        ray.shutdown()
        raise KeyboardInterrupt
    return True


@contextlib.contextmanager
def sigint_held() -> Iterator[list[bool]]:
    """Hold SIGINT (Ctrl-C) for the block: the list yielded is true once one came. In a thread
    other than the main one, where no handler can be set, nothing is held."""
    got: list[bool] = []
    if threading.current_thread() is not threading.main_thread():
        yield got
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: got.append(True))
    try:
        yield got
    finally:
        signal.signal(signal.SIGINT, previous)


def cause(exc: BaseException) -> str:
    """A failure's cause in one line."""
    text = str(exc).strip().splitlines()
    name = type(exc).__name__
    return f"{name}: {text[-1]}" if text else name
