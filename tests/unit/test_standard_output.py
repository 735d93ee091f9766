"""Standard output that cannot take the report: a full disk, a reader that stops early, a closed
descriptor. `scan` and `explain` said "internal error, a bug" with Python's traceback for each.

Runs the real command line in a subprocess, its standard output `/dev/full` (every write fails
with ENOSPC, as on a full disk), the write end of a pipe whose reader has gone (`| head -1`
once head has its line), or closed (`>&-`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers.cli import GOOD


def codeorigin(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codeorigin", *args], text=True, timeout=180, **kwargs
    )


def into_a_pipe_nobody_reads(*args: str) -> subprocess.CompletedProcess[str]:
    """`codeorigin ARGS | head -1` once head has gone: the reader is closed before the write."""
    read, write = os.pipe()
    os.close(read)
    try:
        return codeorigin(*args, stdout=write, stderr=subprocess.PIPE)
    finally:
        os.close(write)


def with_stdout_closed(*args: str, also_stderr: bool = False) -> subprocess.CompletedProcess[str]:
    """`codeorigin ARGS >&-` (and `2>&-`), as a shell starts it; stderr is captured otherwise."""
    closing = ">&- 2>&-" if also_stderr else ">&-"
    return subprocess.run(
        ["sh", "-c", f'exec "$@" {closing}', "sh", sys.executable, "-m", "codeorigin", *args],
        stderr=None if also_stderr else subprocess.PIPE, text=True, timeout=180,
    )  # fmt: skip


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "good.py"
    path.write_text(GOOD)
    return path


def test_a_full_disk_under_standard_output_is_one_line_and_status_2(
    source: Path, tiny_model_dir: Path, tiny_ig_model_dir: Path
) -> None:
    model = ["--model", str(tiny_model_dir)]
    runs = {
        "scan": ["scan", str(source), *model],
        "scan json": ["scan", "--format", "json", str(source), *model],
        "explain": ["explain", f"{source}:2", "--model", str(tiny_ig_model_dir)],
    }
    for what, args in runs.items():
        with open("/dev/full", "w") as full:
            res = codeorigin(*args, stdout=full, stderr=subprocess.PIPE)
        command = args[0]
        assert res.returncode == 2, (what, res.stderr)
        assert res.stderr.splitlines()[-1] == (
            f"codeorigin {command}: cannot write to standard output: No space left on device"
        ), what
        assert "Traceback" not in res.stderr and "internal error" not in res.stderr, what


def test_a_reader_that_stops_early_changes_nothing(
    source: Path, tiny_model_dir: Path, tiny_ig_model_dir: Path, tmp_path: Path
) -> None:
    """`scan | head -1`: the scan keeps its exit status (1: flagged) and still writes its
    baseline; `explain | head` ends with 0."""
    known = tmp_path / "baseline.json"
    res = into_a_pipe_nobody_reads(
        "scan", str(source), "--model", str(tiny_model_dir), "--threshold", "0"
    )
    assert res.returncode == 1, res.stderr
    assert res.stderr == ""
    args = [str(source), "--model", str(tiny_model_dir), "--threshold", "0"]
    res = into_a_pipe_nobody_reads("scan", *args, "--write-baseline", str(known))
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    assert [f["name"] for f in json.loads(known.read_text())["findings"]] == ["summarise"]
    res = into_a_pipe_nobody_reads("explain", f"{source}:2", "--model", str(tiny_ig_model_dir))
    assert (res.returncode, res.stderr) == (0, "")


def test_a_closed_standard_output_is_said_and_a_report_file_is_still_written(
    source: Path, tiny_model_dir: Path, tiny_ig_model_dir: Path, tmp_path: Path
) -> None:
    res = with_stdout_closed("scan", str(source), "--model", str(tiny_model_dir))
    assert res.returncode == 2
    assert res.stderr.splitlines()[-1] == (
        "codeorigin scan: cannot write the output: standard output is closed "
        "(-o FILE writes the report to a file)"
    )
    res = with_stdout_closed("explain", f"{source}:2", "--model", str(tiny_ig_model_dir))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr and "standard output is closed" in res.stderr
    # With stderr closed too, `-o FILE` gets the report and the exit status says it flagged.
    report = tmp_path / "report.json"
    model = ["--model", str(tiny_model_dir)]
    args = ["scan", str(source), *model, "--threshold", "0", "--format", "json", "-o", str(report)]
    res = with_stdout_closed(*args, also_stderr=True)
    assert res.returncode == 1
    assert json.loads(report.read_text())["files"][0]["spans"][0]["verdict"] == "llm"
