"""`codeorigin-train scans`: `codeorigin scan` reports of a model folder recorded in its
metrics (the card's "scanned: ..." rows), through the real command line and a real scan."""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
import sys
from pathlib import Path

from helpers.cli import GOOD, scan


def _scans(folder: Path) -> list[dict]:
    return json.loads((folder / "metrics.json").read_text())["analysis"]["scans"]["scans"]


def _record(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "codeorigin_train", "scans", "--card",
                           str(folder), *args], capture_output=True, text=True, timeout=300)  # fmt: skip


def test_a_scan_replaces_its_own_row_and_keeps_the_others(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(Path(__file__).resolve().parents[2] / "models" / "default", folder)
    before = _scans(folder)
    label = "pygorithm 1.0.4 (teaching code)"
    assert label in [r["code"] for r in before]
    src = tmp_path / "teaching"
    src.mkdir()
    (src / "mean.py").write_text(GOOD + "\n\n" + GOOD.replace("summarise", "average"))
    (src / "tiny.py").write_text("x = 1\n")
    report = tmp_path / "report.json"
    done = scan(str(src), "--model", str(folder), "--no-config", "--format", "json",
                "--exit-zero", "-o", str(report))  # fmt: skip
    assert done.returncode == 0, done.stderr
    verdicts = [s["verdict"] for f in json.loads(report.read_text())["files"] for s in f["spans"]]
    assert sum(v in ("llm", "uncertain", "human") for v in verdicts) == 2
    gone = "keon/algorithms 0.1.4 (textbook solutions)"
    done = _record(folder, "--scan", f"{label}={report}", "--drop", gone)
    assert done.returncode == 0, done.stderr
    rows = _scans(folder)
    # the row keeps its place, with this model's counts and today's date; the others are kept,
    # but the one dropped
    assert [r["code"] for r in rows] == [r["code"] for r in before if r["code"] != gone]
    assert [r for r in rows if r["code"] != label] == [
        r for r in before if r["code"] not in (label, gone)
    ]
    mine = next(r for r in rows if r["code"] == label)
    assert (mine["n"], mine["flagged"]) == (2, verdicts.count("llm"))
    assert mine["uncertain"] == verdicts.count("uncertain")
    assert mine["measured"] == datetime.date.today().isoformat()
    assert f"{label}: {verdicts.count('llm')} of 2 judged functions flagged" in done.stdout
    # the card's headline row is this scan's
    card = (folder / "MODEL_CARD.md").read_text()
    row = next(line for line in card.splitlines() if f"scanned: {label}" in line)
    assert f"| {mine['flagged']} of 2" in row and "207" not in row


def test_a_file_that_is_no_scan_report_is_refused_in_one_line(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    (folder / "metrics.json").write_text("{}")
    (tmp_path / "notes.json").write_text('{"files": 3}')
    done = _record(folder, "--scan", f"notes={tmp_path / 'notes.json'}")
    assert done.returncode != 0
    assert "not a `codeorigin scan --format json` report" in done.stderr
    assert "Traceback" not in done.stderr
    assert _record(folder, "--scan", "no label here").returncode != 0
    done = _record(folder, "--scan", f"notes={tmp_path / 'notes.json'}", "--drop", "gone")
    assert done.returncode != 0
    assert json.loads((folder / "metrics.json").read_text()) == {}
