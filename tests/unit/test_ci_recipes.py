"""docs/review-and-ci.md's CI recipes, checked without pushing anywhere: the GitHub Actions workflow (its
SARIF and its job summary) and the GitLab CI jobs are read from docs/review-and-ci.md's YAML blocks, and
their `codeorigin` command lines (with the `git fetch` GitLab needs) run as the CI would, against
a temporary repository whose `origin` holds the target branch. Only the installation steps are
left out: this interpreter's codeorigin runs them, with the tiny test model as
`CODEORIGIN_MODEL`."""

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


def readme_yaml(marker: str) -> Any:
    """docs/review-and-ci.md's one YAML block that holds `marker`."""
    blocks = re.findall(r"```yaml\n(.*?)```", (ROOT / "docs" / "review-and-ci.md").read_text(), re.S)
    found = [yaml.safe_load(b) for b in blocks if marker in b]
    assert len(found) == 1, f"docs/review-and-ci.md has one YAML block with {marker!r}"
    return found[0]


@pytest.fixture()
def pull_request(tmp_path: Path) -> Path:
    """The branch `feature` checked out, its target `main` on `origin` (a bare clone)."""
    repo = make_repo(tmp_path)
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(tmp_path / "origin.git")],
                   check=True, capture_output=True)  # fmt: skip
    git(repo, "remote", "add", "origin", str(tmp_path / "origin.git"))
    return repo


def run_lines(
    lines: list[str], repo: Path, env: dict[str, str], code: int = 0
) -> subprocess.CompletedProcess[str]:
    """Run each line with bash in `repo`; each must exit `code`. The last one's result."""
    for line in lines:
        done = subprocess.run(["bash", "-c", line], cwd=repo, env=env, capture_output=True,
                              text=True, timeout=300)  # fmt: skip
        assert done.returncode == code, f"{line}\n{done.stderr}"
    return done


def ci_env(tmp_path: Path, model: Path, **more: str) -> dict[str, str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, "CODEORIGIN_MODEL": str(model), **more}


def commands(steps: list[dict[str, Any]]) -> list[str]:
    return [line.strip() for s in steps for line in str(s.get("run", "")).splitlines()
            if line.strip().startswith("codeorigin ")]  # fmt: skip


def test_github_actions_workflow(pull_request: Path, tmp_path: Path, tiny_model_dir: Path) -> None:
    workflow = readme_yaml("upload-sarif")
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["codeorigin"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0  # the merge base must be there
    upload = next(
        s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif")
    )
    # A fork's pull request gets a read-only token: its upload is skipped, not failed.
    assert upload["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    scans = commands(steps)
    assert len(scans) == 1, "one scan: each --format is a scan of its own"
    assert "--format sarif" in scans[0] and "--diff origin/${{ github.base_ref }}" in scans[0]
    assert '--summary "$GITHUB_STEP_SUMMARY"' in scans[0]
    git(pull_request, "fetch", "-q", "origin")  # actions/checkout with fetch-depth 0
    summary = tmp_path / "summary.md"
    env = ci_env(tmp_path, tiny_model_dir, GITHUB_STEP_SUMMARY=str(summary))
    scan = scans[0].replace("${{ github.base_ref }}", "main")
    run_lines([scan], pull_request, env)

    # The job's summary page, from the same scan.
    text = summary.read_text()
    assert text.startswith("## codeorigin") and "Change against origin/main" in text
    assert "`keep`" in text and "`fresh`" in text and "other.py" not in text
    assert "probability, not proof" in text

    sarif = json.loads((pull_request / upload["with"]["sarif_file"]).read_text())
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0"
    assert [a["location"]["uri"] for a in run["artifacts"]] == ["app.py"]
    # `keep` (one line of seven edited) was flagged on main: not pooled into the change (`prior`).
    assert run["properties"]["change"]["spans"] == 1
    assert run["properties"]["leftOut"] == {"before": 1}

    # The gate docs/review-and-ci.md describes: without --exit-zero a flagged function exits 1, after the
    # SARIF is written (the upload, `if: ${{ !cancelled() && ... }}`, still has it to send).
    (pull_request / upload["with"]["sarif_file"]).unlink()
    gate = scan.replace(" --exit-zero", "") + " --threshold 0"
    run_lines([gate], pull_request, env, code=1)
    sarif = json.loads((pull_request / upload["with"]["sarif_file"]).read_text())
    assert sarif["runs"][0]["results"]


def test_gitlab_ci_job(pull_request: Path, tmp_path: Path, tiny_model_dir: Path) -> None:
    jobs = readme_yaml("script:")
    job = jobs["codeorigin"]
    script = [
        line for line in job["script"] if line.startswith(("if [", "git fetch", "codeorigin "))
    ]
    deepen, fetch = script[:2]
    assert "git fetch --unshallow" in deepen and fetch.startswith("git fetch origin")
    assert job["variables"]["GIT_DEPTH"] == "0"  # GitLab clones shallow: no merge base otherwise
    assert ":refs/remotes/origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" in fetch
    env = ci_env(tmp_path, tiny_model_dir, CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main")
    run_lines(script, pull_request, env)
    # A build folder a runner reuses, fetched shallow by an earlier job: the script deepens it.
    reused = tmp_path / "reused"
    shallow = ["git", "clone", "-q", "--depth", "1", "-b", "feature", (tmp_path / "repo").as_uri()]
    subprocess.run([*shallow, str(reused)], check=True, capture_output=True)
    git(reused, "remote", "set-url", "origin", str(tmp_path / "origin.git"))
    git(reused, "fetch", "-q", "origin", "+feature:refs/remotes/origin/feature")
    run_lines(script, reused, env)
    assert git(reused, "rev-parse", "--is-shallow-repository").strip() == "false"

    report = job["artifacts"]["reports"]["codequality"]
    issues = json.loads((pull_request / report).read_text())
    assert isinstance(issues, list)
    assert all(i["location"]["path"] == "app.py" and i["fingerprint"] for i in issues)
    assert job["artifacts"]["when"] == "always"  # the report of a gated, failed job too

    # The target branch rewritten (a force-push) while a runner reuses this build folder: the
    # fetch must move the remote-tracking ref (`+`), not be refused as a non-fast-forward.
    git(pull_request, "push", "-q", "--force", str(tmp_path / "origin.git"), "main~1:main")
    run_lines([fetch], pull_request, env)
    assert git(pull_request, "rev-parse", "origin/main") == git(pull_request, "rev-parse", "main~1")


def test_gitlab_base_report_on_the_default_branch(tmp_path: Path) -> None:
    """The widget compares with the target branch's report: the default branch's pipelines
    publish an empty one under the same name."""
    jobs = readme_yaml("script:")
    base = next(j for name, j in jobs.items() if name != "codeorigin")
    assert base["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    report = base["artifacts"]["reports"]["codequality"]
    assert report == jobs["codeorigin"]["artifacts"]["reports"]["codequality"]
    run_lines(base["script"], tmp_path, dict(os.environ))
    assert json.loads((tmp_path / report).read_text()) == []
