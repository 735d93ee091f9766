"""A non-editable install (`pip install <checkout>`, or a wheel built from it), as the VS Code
extension's README tells a user: the shipped default model goes with it, and a `codeorigin` run
outside any checkout finds and uses it. Without it, the message says what is missing and what to
set, not the very setting that failed.

Real pip, a real wheel of a copy of this checkout's tracked files, a fresh virtual environment
(offline: `--no-deps`, the dependencies come from this environment through a path file).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FUNCTION = '''\
def moving_average(values, window):
    """Return the moving averages of `values` over `window` items."""
    if window <= 0:
        raise ValueError("window must be positive")
    averages = []
    total = 0.0
    for index, value in enumerate(values):
        total += value
        if index >= window:
            total -= values[index - window]
        if index >= window - 1:
            averages.append(total / window)
    return averages
'''


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with codeorigin installed from a wheel of this checkout."""
    if not (ROOT / "models" / "default" / "manifest.json").is_file():
        pytest.skip("this checkout has no shipped model")
    base = tmp_path_factory.mktemp("install")
    checkout = base / "checkout"
    for part in ("pyproject.toml", "README.md", "server", "training/codeorigin_train",
                 "models/default"):  # fmt: skip
        source, target = ROOT / part, checkout / part
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    wheels = base / "wheels"
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                "-q", "-w", wheels, checkout, cwd=base)  # fmt: skip
    assert built.returncode == 0, built.stderr
    venv = base / "venv"
    assert run(sys.executable, "-m", "venv", "--without-pip", venv).returncode == 0
    python = venv / "bin" / "python"
    (wheel,) = wheels.glob("codeorigin-*.whl")
    done = run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel)
    assert done.returncode == 0, done.stderr
    # The dependencies, from this environment: a path line (the editable codeorigin of this
    # environment is not on it, so the installed copy is the one imported).
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout
    (Path(site.strip()) / "zz_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return venv


def scan(venv: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    return run(venv / "bin" / "python", "-m", "codeorigin", "scan", folder / "stats.py",
               "--format", "json", cwd=folder)  # fmt: skip


def test_an_installed_codeorigin_scores_with_the_shipped_model(
    installed: Path, tmp_path: Path
) -> None:
    (tmp_path / "stats.py").write_text(FUNCTION)
    where = run(installed / "bin" / "python", "-c",
                "import codeorigin; print(codeorigin.__file__)", cwd=tmp_path)  # fmt: skip
    assert str(installed) in where.stdout, "the installed copy, not this checkout, was imported"

    res = scan(installed, tmp_path)

    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    shipped = json.loads((ROOT / "models" / "default" / "manifest.json").read_text())
    assert report["model"]["name"] == shipped["name"]
    (span,) = report["files"][0]["spans"]
    assert span["probability"] is not None


def test_an_install_without_the_model_says_what_is_missing(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "stats.py").write_text(FUNCTION)
    shipped = installed / "share" / "codeorigin" / "models"
    shipped.rename(tmp_path / "moved-away")
    try:
        res = scan(installed, tmp_path)
    finally:
        (tmp_path / "moved-away").rename(shipped)

    assert res.returncode == 2
    assert "the shipped default model was not found" in res.stderr
    assert "leave them unset" not in res.stderr  # not the very setting that failed
    assert str(shipped / "default") in res.stderr
