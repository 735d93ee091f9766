"""What a user reads when git cannot give a scan what it needs, through the real command line and
real git: a `--repos` URL that cannot be cloned is reported with git's own error line (not the tail
of its hint); `--diff REV` in a shallow clone (CI's default) says that the clone is shallow and
how to fetch the history the merge base (or the revision) needs; a repository git refuses for its
owner is said to be refused, with the command that allows it; an empty REV is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_a_depth_1_clone_without_the_base_says_it_is_shallow(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """actions/checkout's default: one commit, no base branch. Neither `origin/main` nor `HEAD~1`
    exists there; the message says why and what to fetch, and doing it works."""
    origin = make_repo(tmp_path)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--single-branch", "-b", "feature",
                    origin.as_uri(), str(clone)], check=True, capture_output=True)  # fmt: skip
    for rev in ("origin/main", "HEAD~1"):
        res = scan("--diff", rev, "--exit-zero", "--model", str(tiny_model_dir), cwd=clone)
        assert res.returncode == 2 and res.stdout == ""
        assert f"bad revision '{rev}': git knows no such commit: this clone is shallow" in (
            res.stderr
        )
        assert "`git fetch --unshallow`" in res.stderr and "fetch-depth: 0" in res.stderr
    assert "`git fetch origin main:refs/remotes/origin/main`, then `--diff origin/main`" in (
        scan("--diff", "origin/main", "--model", str(tiny_model_dir), cwd=clone).stderr
    )
    git(clone, "fetch", "-q", "--unshallow")
    git(clone, "fetch", "-q", "origin", "main:refs/remotes/origin/main")
    for rev in ("origin/main", "HEAD~1"):
        res = scan("--diff", rev, "--format", "json", "--exit-zero", "--model",
                   str(tiny_model_dir), cwd=clone)  # fmt: skip
        assert res.returncode == 0, res.stderr
    # A revision a full clone does not know: no word of a shallow clone.
    res = scan("--diff", "HEAD~9", "--model", str(tiny_model_dir), cwd=origin)
    assert res.returncode == 2 and "git knows no such commit" in res.stderr
    assert "shallow" not in res.stderr


def test_a_full_clone_of_one_branch_says_which_fetch_gives_the_base(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A CI clone of the change's branch alone, whole but without the target branch (its `git
    fetch` line dropped): the message names the fetch, and doing it works."""
    origin = make_repo(tmp_path)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--single-branch", "-b", "feature", origin.as_uri(),
                    str(clone)], check=True, capture_output=True)  # fmt: skip
    res = scan("--diff", "origin/main", "--exit-zero", "--model", str(tiny_model_dir), cwd=clone)
    assert res.returncode == 2 and "shallow" not in res.stderr
    assert "this clone has not fetched origin's branch main: `git fetch origin " in res.stderr
    git(clone, "fetch", "-q", "origin", "main:refs/remotes/origin/main")
    res = scan("--diff", "origin/main", "--exit-zero", "--model", str(tiny_model_dir), cwd=clone)
    assert res.returncode == 0, res.stderr


def _as(home: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`codeorigin ARGS` (or `git ARGS` when the first is "git") with `home` as HOME and no
    system git config: git's global config is this test's own."""
    env = {**os.environ, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}
    env.pop("GIT_CONFIG_GLOBAL", None)
    command = list(args) if args[0] == "git" else [sys.executable, "-m", "codeorigin", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=180)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give the repo away"
)
def test_a_repository_another_user_owns_is_said_to_be_refused_with_the_fix(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """git's "dubious ownership" refusal (a checkout owned by another user, as in a container):
    the message says that git refuses it for its owner and gives the command that allows it."""
    import pwd  # POSIX only, as the test

    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user `nobody`")
    repo = make_repo(tmp_path)
    for path in [repo, *repo.rglob("*")]:
        os.lchown(path, nobody.pw_uid, nobody.pw_gid)
    home = tmp_path / "home"
    home.mkdir()
    res = _as(home, "scan", "--diff", "main", "--model", str(tiny_model_dir), cwd=repo)
    assert res.returncode == 2 and res.stdout == "" and "Traceback" not in res.stderr
    command = f"git config --global --add safe.directory {repo}"
    assert f"git refuses the repository at {repo} because another user owns it" in res.stderr
    assert f"`{command}`" in res.stderr
    assert "not inside a git repository" not in res.stderr
    # What it says to do works.
    assert _as(home, *command.split(), cwd=tmp_path).returncode == 0
    res = _as(home, "scan", "--diff", "main", "--exit-zero", "--model", str(tiny_model_dir),
              cwd=repo)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "function fresh (8 of 8 lines changed)" in res.stdout


@pytest.mark.parametrize("given", [("--diff", ""), ("--diff=",), ("--diff", "  ")])
def test_an_empty_revision_is_refused_not_taken_for_head(
    tmp_path: Path, tiny_model_dir: Path, given: tuple[str, ...]
) -> None:
    """`--diff "$BASE"` with BASE unset in CI: an error, not a silent diff against HEAD."""
    repo = make_repo(tmp_path)
    (repo / "app.py").write_text(
        (repo / "app.py").read_text() + "\n\ndef extra(a):\n    return a\n"
    )
    res = scan(*given, "--threshold", "0", "--model", str(tiny_model_dir), cwd=repo)
    assert res.returncode == 2 and res.stdout == ""
    assert "codeorigin scan: the revision is empty" in res.stderr
    assert "Traceback" not in res.stderr


def test_a_damaged_repository_is_not_taken_for_a_new_one(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A branch whose commit git cannot read (its objects lost) is a damaged repository, not a
    branch with no commit yet: `scan --diff` says so (exit 2) instead of judging every file as
    new; a real first commit still judges every file (the control)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "a.py").write_text("def f(values):\n    total = 0\n    for v in values:\n"
                               "        total += v\n    return total\n")  # fmt: skip
    git(repo, "add", "a.py")
    res = scan("--diff", "--exit-zero", "--model", str(tiny_model_dir), cwd=repo)
    assert res.returncode == 0 and "no commit yet" in res.stdout, res.stderr
    git(repo, "commit", "-qm", "base")
    with (repo / "a.py").open("a") as handle:
        handle.write("    # edited\n")
    for folder in (repo / ".git" / "objects").glob("??"):
        for obj in folder.iterdir():
            obj.chmod(0o644)
            obj.unlink()
    res = scan("--diff", "--exit-zero", "--model", str(tiny_model_dir), cwd=repo)
    assert res.returncode == 2
    assert "HEAD (refs/heads/main) names commit " in res.stderr
    assert "which git cannot read: the repository is damaged" in res.stderr
    assert "no commit yet" not in res.stdout
