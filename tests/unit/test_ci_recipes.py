"""The README's CI recipes, checked without pushing anywhere: the GitHub Actions workflow and the
GitLab CI job are read from the README's YAML blocks, and their `codeorigin` command lines (with
the `git fetch` GitLab needs) run as the CI would, against a temporary repository whose `origin`
holds the target branch. Only the installation steps are left out: this interpreter's codeorigin
runs them, with the tiny test model as `CODEORIGIN_MODEL`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers.gitrepo import git, make_repo

ROOT = Path(__file__).resolve().parents[2]


def readme_yaml(marker: str) -> dict[str, Any]:
    """The README's one YAML block that holds `marker`."""
    blocks = re.findall(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    found = [yaml.safe_load(b) for b in blocks if marker in b]
    assert len(found) == 1, f"the README has one YAML block with {marker!r}"
    return found[0]


@pytest.fixture()
def pull_request(tmp_path: Path) -> Path:
    """The branch `feature` checked out, its target `main` on `origin` (a bare clone)."""
    repo = make_repo(tmp_path)
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(tmp_path / "origin.git")],
                   check=True, capture_output=True)  # fmt: skip
    git(repo, "remote", "add", "origin", str(tmp_path / "origin.git"))
    return repo


def run_lines(lines: list[str], repo: Path, env: dict[str, str]) -> None:
    for line in lines:
        done = subprocess.run(["bash", "-c", line], cwd=repo, env=env, capture_output=True,
                              text=True, timeout=300)  # fmt: skip
        assert done.returncode == 0, f"{line}\n{done.stderr}"


def ci_env(tmp_path: Path, model: Path, **more: str) -> dict[str, str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, "CODEORIGIN_MODEL": str(model), **more}


def test_github_actions_workflow(pull_request: Path, tmp_path: Path, tiny_model_dir: Path) -> None:
    workflow = readme_yaml("jobs:")
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["codeorigin"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0  # the merge base must be there
    upload = next(
        s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif")
    )
    commands = [line.strip() for s in steps for line in str(s.get("run", "")).splitlines()
                if line.strip().startswith("codeorigin ")]  # fmt: skip
    assert any(
        "--format sarif" in c and "--diff origin/${{ github.base_ref }}" in c for c in commands
    )
    assert any("--format markdown" in c and "$GITHUB_STEP_SUMMARY" in c for c in commands)
    git(pull_request, "fetch", "-q", "origin")  # actions/checkout with fetch-depth 0
    summary = tmp_path / "summary.md"
    env = ci_env(tmp_path, tiny_model_dir, GITHUB_STEP_SUMMARY=str(summary))
    run_lines([c.replace("${{ github.base_ref }}", "main") for c in commands], pull_request, env)

    sarif = json.loads((pull_request / upload["with"]["sarif_file"]).read_text())
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0"
    assert [a["location"]["uri"] for a in run["artifacts"]] == ["app.py"]
    assert run["properties"]["change"]["spans"] == 2
    text = summary.read_text()
    assert text.startswith("## codeorigin") and "Change against origin/main" in text
    assert "`keep`" in text and "`fresh`" in text and "other.py" not in text
    assert "probability, not proof" in text


def test_gitlab_ci_job(pull_request: Path, tmp_path: Path, tiny_model_dir: Path) -> None:
    job = readme_yaml("script:")["codeorigin"]
    script = [line for line in job["script"] if line.startswith(("git fetch", "codeorigin "))]
    assert script[0].startswith("git fetch origin")
    assert job["variables"]["GIT_DEPTH"] == "0"  # GitLab clones shallow: no merge base otherwise
    assert ":refs/remotes/origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" in script[0]
    env = ci_env(tmp_path, tiny_model_dir, CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main")
    run_lines(script, pull_request, env)

    report = job["artifacts"]["reports"]["codequality"]
    issues = json.loads((pull_request / report).read_text())
    assert isinstance(issues, list)
    assert all(i["location"]["path"] == "app.py" and i["fingerprint"] for i in issues)
    for kept in job["artifacts"]["paths"]:
        assert (pull_request / kept).is_file()
    text = (pull_request / "codeorigin.md").read_text()
    assert "Change against origin/main" in text and "`keep`" in text and "`fresh`" in text
