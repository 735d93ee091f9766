"""The pre-commit hook (`.pre-commit-hooks.yaml`, id `codeorigin`) run by the real `pre-commit`
on a temporary git repository, offline: `pre-commit try-repo` on this checkout, and the README's
`.pre-commit-config.yaml` example pointed at this checkout. Only the functions the staged change
adds or edits are judged; the threshold, `--exit-zero` and the baseline pass through as arguments.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers.gitrepo import APP, FRESH, git, make_repo

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(),
    reason="needs git and this checkout's git history",
)


def pre_commit(
    repo: Path, home: Path, *args: str, model: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`pre-commit ARGS` in `repo`, with this interpreter's `codeorigin` first on PATH (its
    default model: `model`) and a pre-commit cache of its own; no network is needed (a
    `language: system` hook)."""
    env = {**os.environ, "PRE_COMMIT_HOME": str(home),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}  # fmt: skip
    if model is not None:
        env["CODEORIGIN_MODEL"] = str(model)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=repo, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


@pytest.fixture()
def staged(tmp_path: Path) -> Path:
    """On main: `fresh` added and one line of `keep` edited, staged; other.py untouched."""
    repo = make_repo(tmp_path)
    git(repo, "checkout", "-q", "main")
    (repo / "app.py").write_text(APP.replace("sorted(kept)", "sorted(kept, reverse=True)") + FRESH)
    (repo / "scratch.py").write_text(APP.replace("def load", "def unstaged"))  # not staged
    git(repo, "add", "app.py")
    return repo


def readme_config(model: Path, *extra: str, drop: str = "") -> str:
    """The README's `.pre-commit-config.yaml`, pointed at this checkout (at HEAD) with the tiny
    model and `extra` arguments after the README's own (less `drop`)."""
    readme = (ROOT / "README.md").read_text()
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "repos:" in b]
    assert len(blocks) == 1, "the README has one .pre-commit-config.yaml example"
    config = yaml.safe_load(blocks[0])
    hook = config["repos"][0]["hooks"][0]
    assert hook["id"] == "codeorigin"
    assert {"--threshold", "--exit-zero", "--baseline"} <= set(hook["args"])
    config["repos"][0]["repo"] = str(ROOT)
    config["repos"][0]["rev"] = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    hook["args"] = [*(a for a in hook["args"] if a != drop), "--model", str(model), *extra]
    return yaml.safe_dump(config)


def write_baseline(repo: Path, model: Path, *paths: str) -> None:
    """The findings of the staged change (under `paths`) into the README's baseline file."""
    subprocess.run(
        [sys.executable, "-m", "codeorigin", "scan", "--diff", "HEAD", "--model", str(model),
         "--threshold", "0", "--write-baseline", ".codeorigin-baseline.json", "--exit-zero",
         *paths], cwd=repo, check=True, capture_output=True,
    )  # fmt: skip


def test_try_repo_judges_exactly_the_staged_functions(
    staged: Path, tmp_path: Path, tiny_model_dir: Path
) -> None:
    # Without arguments the hook uses the installed codeorigin and its model: here the tiny one.
    res = pre_commit(staged, tmp_path / "home", "try-repo", str(ROOT), "codeorigin", "--verbose",
                     model=tiny_model_dir)  # fmt: skip
    out = res.stdout
    assert "- hook id: codeorigin" in out, out + res.stderr
    assert "Change against HEAD: " in out
    assert "function keep (1 of 7 lines changed)" in out
    assert "function fresh (8 of 8 lines changed)" in out
    assert "load" not in out and "other.py" not in out and "unstaged" not in out


def test_the_readme_config_blocks_or_passes_as_its_arguments_say(
    staged: Path, tmp_path: Path, tiny_model_dir: Path
) -> None:
    home = tmp_path / "home"
    config = staged / ".pre-commit-config.yaml"
    write_baseline(staged, tiny_model_dir, "other.py")  # other.py is unchanged: an empty baseline
    # The README's arguments with threshold 0: both functions are flagged, --exit-zero passes.
    config.write_text(readme_config(tiny_model_dir, "--threshold", "0"))
    res = pre_commit(staged, home, "run", "--verbose")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Passed" in res.stdout
    assert "2 of 2 spans flagged as likely LLM-generated in 1 file " in res.stdout
    # Without --exit-zero a flagged function stops the commit.
    config.write_text(readme_config(tiny_model_dir, "--threshold", "0", drop="--exit-zero"))
    res = pre_commit(staged, home, "run", "--verbose")
    assert res.returncode == 1 and "Failed" in res.stdout, res.stdout + res.stderr
    # A baseline that knows both findings: nothing new, the commit goes through.
    write_baseline(staged, tiny_model_dir)
    res = pre_commit(staged, home, "run", "--verbose")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "0 of 2 spans flagged" in res.stdout and "2 in the baseline" in res.stdout
