"""The `codeorigin` command line as a user runs it: a subprocess of this interpreter."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

#: A function long enough to be judged, as a user's file holds one.
GOOD = """\
def summarise(values):
    total = 0
    for value in values:
        total += value
    return total / max(1, len(values))
"""


def unprivileged() -> list[str]:
    """A command prefix under which file modes hold: root reads any file whatever its mode, so
    for root the command runs without the capabilities that let it (`setpriv`); without setpriv
    the test is skipped."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("root reads files whatever their mode, and setpriv is missing")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def scan(
    *args: str, cwd: Path | None = None, timeout: float = 180, prefix: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`codeorigin scan ARGS`, its output captured as text; `prefix` runs it under a command."""
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "codeorigin", "scan", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )
