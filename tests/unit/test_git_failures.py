"""What a user reads when git cannot give a scan what it needs, through the real command line and
real git: a `--repos` URL that cannot be cloned is reported with git's own error line (not the tail
of its hint), and `--diff REV` in a shallow clone (CI's default) says that the clone is shallow and
how to fetch the history the merge base needs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from helpers.cli import scan
from helpers.gitrepo import git, make_repo


def test_a_failed_clone_is_reported_with_gits_error_line(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    nowhere = tmp_path / "nowhere.git"
    (tmp_path / "repos.txt").write_text(f"{nowhere.as_uri()}\n")
    res = scan("--repos", "repos.txt", "--format", "json", "--model", str(tiny_model_dir),
               cwd=tmp_path)  # fmt: skip
    assert res.returncode == 2, res.stderr
    error = json.loads(res.stdout)["files"][0]["error"]
    assert error == f"git clone failed: '{nowhere}' does not appear to be a git repository"


def test_diff_in_a_shallow_clone_says_it_is_shallow(tmp_path: Path, tiny_model_dir: Path) -> None:
    origin = make_repo(tmp_path)  # on `feature`, one commit ahead of main
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "-b", "feature", origin.as_uri(),
                    str(clone)], check=True, capture_output=True)  # fmt: skip
    git(clone, "fetch", "-q", "origin", "main:refs/remotes/origin/main")
    res = scan("--diff", "origin/main", "--exit-zero", "--model", str(tiny_model_dir), cwd=clone)
    assert res.returncode == 2
    assert "'origin/main' and HEAD have no common ancestor: this clone is shallow" in res.stderr
    assert "`git fetch --unshallow`" in res.stderr and "fetch-depth: 0" in res.stderr
    assert 'GIT_DEPTH: "0"' in res.stderr
    # What the message says to do works.
    git(clone, "fetch", "-q", "--unshallow")
    res = scan("--diff", "origin/main", "--format", "json", "--exit-zero", "--model",
               str(tiny_model_dir), cwd=clone)  # fmt: skip
    assert res.returncode == 0, res.stderr
    names = {s["name"] for f in json.loads(res.stdout)["files"] for s in f["spans"]}
    assert names == {"keep", "fresh"}
    # Unrelated histories in a full clone: no word of a shallow clone.
    git(origin, "checkout", "-q", "--orphan", "alone")
    git(origin, "commit", "-qm", "alone")
    res = scan("--diff", "main", "--model", str(tiny_model_dir), cwd=origin)
    assert res.returncode == 2
    assert "'main' and HEAD have no common ancestor" in res.stderr
    assert "shallow" not in res.stderr
