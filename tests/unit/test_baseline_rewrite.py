"""A baseline rewritten by `codeorigin scan --baseline FILE --write-baseline FILE` is replaced
whole or not at all, through the real command line.

A full disk is stood in for by a file size limit on the scan's process (RLIMIT_FSIZE, as
`ulimit -f` sets it: a write past it fails with EFBIG, as one past the end of a disk fails with
ENOSPC). The baseline was written in place: cut short at the limit, it lost the findings it
held, and the next scan could not read it.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

GOOD = """\
def summarise_{n}(values):
    total = 0
    for value in values:
        total += value * {n}
    return total / max(1, len(values))

"""


def scan_limited(limit: int | None, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    def cap() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "codeorigin", "scan", *args],
        cwd=cwd, capture_output=True, text=True, timeout=180, preexec_fn=cap,
    )  # fmt: skip


def test_a_baseline_that_cannot_be_written_whole_is_left_as_it_was(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    model = ["--model", str(tiny_model_dir), "--threshold", "0"]
    (tmp_path / "a.py").write_text("".join(GOOD.format(n=n) for n in range(5)))
    res = scan_limited(None, ".", *model, "--write-baseline", "known.json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    known = tmp_path / "known.json"
    known.chmod(0o640)  # kept when it is replaced
    before = known.read_bytes()
    assert len(json.loads(before)["findings"]) == 5

    # Twenty more functions: the baseline grows past what the "disk" holds.
    (tmp_path / "b.py").write_text("".join(GOOD.format(n=n) for n in range(5, 25)))
    args = [".", *model, "--baseline", "known.json", "--write-baseline", "known.json"]
    res = scan_limited(len(before) + 100, *args, cwd=tmp_path)
    assert res.returncode == 2
    assert "codeorigin scan: cannot write the baseline known.json: [Errno 27] File too large" in (
        res.stderr
    )
    assert known.read_bytes() == before
    assert set(os.listdir(tmp_path)) == {"a.py", "b.py", "known.json"}  # no temporary file

    # With room, it is replaced, its mode kept.
    res = scan_limited(None, *args, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert len(json.loads(known.read_text())["findings"]) == 25
    assert known.stat().st_mode & 0o777 == 0o640
