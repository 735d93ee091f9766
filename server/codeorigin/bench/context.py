"""The context of a bench run, printed and recorded with its figures: the machine (its CPU model
and load average), the codeorigin version, whether it was a `--quick` run, and when it started.
"""

from __future__ import annotations

import os
import platform
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from codeorigin import __version__


def run_info(quick: bool) -> dict[str, Any]:
    """What a run's figures came from, beside the machine: the codeorigin version, whether it was
    a `--quick` run (fewer rounds) and when it started (ISO 8601, UTC)."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return {"codeorigin": __version__, "quick": quick, "timestamp": now}


def load_warning(machine: dict[str, Any]) -> str | None:
    """The warning for a run whose load average (before or after, in `machine`) says other
    processes were using the CPUs; None on an idle machine."""
    loads = [x for x in (machine.get("load_before"), machine.get("load_after")) if x]
    busy = max(loads) if loads else None
    cpus = machine.get("cpus") or os.cpu_count() or 1
    if busy is None or busy <= max(1.0, 0.5 * cpus):
        return None
    return (
        f"WARNING: the machine was loaded (load average {busy:.1f} on {cpus} CPUs): other "
        "processes competed for the CPUs, so these figures are slower and noisier than on an "
        "idle machine"
    )


def load_average() -> float | None:
    """The 1-minute load average (None where the platform has none)."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def cpu_model() -> str:
    """The CPU's model name, as /proc/cpuinfo (or the platform) says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


VECTOR_FLAGS = ("avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "amx_tile", "neon")


def cpu_flags() -> list[str]:
    """The CPU's vector flags that onnxruntime's kernels use, as /proc/cpuinfo lists them."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("flags", "features")):
                have = set(line.split(":", 1)[1].split())
                return [f for f in VECTOR_FLAGS if f in have]
    except OSError:
        pass
    return []
