"""What the command line's modules share: an argument type, the progress line on stderr, SIGTERM and
writing to standard output.

The subcommands (`scan`, `ray_scan`, `explain`, `calibrate`, `bench`) and `outputs` all use them;
they live here so that none imports another back.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator


class Terminated(KeyboardInterrupt):
    """SIGTERM (a CI job cancelled, `kill`): raised where the command runs, so that it unwinds
    as for Ctrl-C (temporary clones removed, a local Ray cluster shut down) and exits 143. A
    KeyboardInterrupt, as Ray passes one through its waits (any other exception raised by a
    signal handler there comes out as a SystemError; `terminated` tells them apart)."""


_SIGTERM: list[bool] = []  # one came (Ray turns what a handler raises into a KeyboardInterrupt)


def terminated(stop: BaseException) -> bool:
    """Whether `stop` (a KeyboardInterrupt) came from SIGTERM rather than Ctrl-C."""
    return isinstance(stop, Terminated) or bool(_SIGTERM)


def exit_on_sigterm() -> None:
    """Turn SIGTERM into `Terminated` in the main thread (again after a library, such as Ray,
    installed a handler of its own)."""
    import signal
    import threading

    def terminate(signum: int, frame: object) -> None:
        _SIGTERM.append(True)
        raise Terminated

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, terminate)


def positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from exc
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


class Progress:
    """A one-line progress bar on stderr, shown only on a terminal and for long runs."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.start = time.monotonic()

    def update(self, done: int, total: int, path: str) -> None:
        if not self.enabled or total < 20:
            return
        width = 30
        filled = int(width * done / max(1, total))
        name = path[-40:]
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name:<40}")
        sys.stderr.flush()

    def rates(self, done: int, total: int, spans: int, seconds: float) -> None:
        """`scan --ray`: files done, with files and spans per second."""
        if not self.enabled:
            return
        per_s = f"{done / seconds:.1f} files/s, {spans / seconds:.1f} spans/s" if seconds else ""
        sys.stderr.write(f"\r{done}/{total} files, {spans} spans, {per_s}".ljust(89)[:89])
        sys.stderr.flush()

    @classmethod
    @contextlib.contextmanager
    def shown(cls, what: str) -> Iterator[Callable[[float], bool] | None]:
        """For a long explanation (`Attributor.attribute_span(watch=...)`): the share of its path
        points done, as a bar labelled `what`, cleared at the end however it ends; None off a
        terminal."""
        bar = cls()
        if not bar.enabled:
            yield None
            return

        def seen(share: float) -> bool:
            bar.update(int(100 * share), 100, what)
            return True

        try:
            yield seen
        finally:
            bar.close()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 90 + "\r")
            sys.stderr.flush()


def standard_streams() -> None:
    """Hold /dev/null where the command was started with standard input, output or error closed
    (`>&-`, `2>&-`): a file the command opens later (a report, a baseline) would otherwise take
    that descriptor, and what a library writes there (onnxruntime's warnings go to 2) would land
    in it. Without stderr the messages go nowhere; without stdout `to_stdout` says it is closed."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            os.dup2(held := os.open(os.devnull, os.O_RDWR), fd)
            if held != fd:
                os.close(held)
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")


def to_stdout(text: str, command: str, instead: str = "") -> bool:
    """Write `text` to standard output; False, with the reason on stderr, when it cannot be: a
    full disk (`> report.txt`), an I/O error or a closed stdout (`instead`: what to do then).
    A reader that stops early (`| head -1`) is no error: the rest is dropped and the command
    goes on to its end and its exit status."""
    if sys.stdout is None:
        print(f"codeorigin {command}: cannot write the output: standard output is closed"
              f"{instead}", file=sys.stderr)  # fmt: skip
        return False
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:
        # What is still buffered goes to /dev/null, so that Python's own flush at exit does not
        # fail again ("Exception ignored ... BrokenPipeError", exit status 120).
        held = os.open(os.devnull, os.O_WRONLY)
        os.dup2(held, sys.stdout.fileno())
        os.close(held)
        if isinstance(exc, BrokenPipeError):
            return True
        print(f"codeorigin {command}: cannot write to standard output: {exc.strerror or exc}",
              file=sys.stderr)  # fmt: skip
        return False
    return True
