"""Ctrl-C in a long command: one line and the shell's status 130, never a traceback."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from codeorigin_train.data.inputs import run_command


def test_ctrl_c_during_a_local_scan_is_one_line_and_status_130(tmp_path: Path) -> None:
    salt = uuid.uuid4().hex  # new text: nothing comes from the cache, so the scan takes minutes
    for i in range(300):
        functions = [
            f"def f_{salt}_{i}_{j}(items, limit):\n    total = {j}\n"
            f"    for item in items[:limit]:\n        total += item * {i}\n    return total\n"
            for j in range(30)
        ]
        (tmp_path / f"m{i}.py").write_text("\n\n".join(functions))
    proc = subprocess.Popen(
        [sys.executable, "-m", "codeorigin", "scan", str(tmp_path), "--threads", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As from a terminal: a job started in the background (`make test &`, some CI runners)
        # ignores SIGINT, and a child would inherit that and never see Ctrl-C.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(5)  # the model is loaded and scoring
    assert proc.poll() is None, "the scan ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.strip().splitlines() == ["codeorigin scan: interrupted"]
    assert out == ""  # no half report


def test_ctrl_c_in_a_training_command_is_one_line_and_status_130(capsys) -> None:
    def interrupted() -> int:
        raise KeyboardInterrupt

    assert run_command("stack", False, interrupted) == 130
    assert capsys.readouterr().err == "codeorigin-train stack: interrupted\n"
