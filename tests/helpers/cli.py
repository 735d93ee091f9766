"""The `codeorigin` command line as a user runs it: a subprocess of this interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def scan(
    *args: str, cwd: Path | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """`codeorigin scan ARGS`, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "codeorigin", "scan", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )
