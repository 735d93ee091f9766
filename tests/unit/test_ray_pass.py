"""`scan --ray` and `--repos` as a user runs them (the real command, real git): what a scan leaves
behind in the temporary folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from codeorigin.bench.synth import synth_function

CODEORIGIN = str(Path(sys.executable).with_name("codeorigin"))


def python(seed: int) -> str:
    import random

    rng = random.Random(seed)
    return "\n\n".join(synth_function(rng, f"f{seed}_{k}", 8) for k in range(3))


def test_a_ray_scan_leaves_no_copy_of_the_model_behind(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Each actor wrote the model (36 MB) to a temporary folder it never removed: the actors are
    killed when the scan ends, so every Ray scan left one such folder per actor."""
    pytest.importorskip("ray")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(python(1))
    temp = Path(tempfile.mkdtemp(prefix="co-", dir="/tmp"))  # Ray's sockets: 107 bytes at most
    request.addfinalizer(lambda: shutil.rmtree(temp, ignore_errors=True))
    env = {**os.environ, "TMPDIR": str(temp)}
    env.pop("RAY_ADDRESS", None)
    res = subprocess.run(
        [CODEORIGIN, "scan", "--ray", "--format", "markdown", "src"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert res.returncode in (0, 1), res.stderr
    assert "3 judged spans in 1 file" in res.stdout
    assert sorted(p.name for p in temp.glob("codeorigin-model-*")) == []
