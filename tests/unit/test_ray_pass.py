"""`scan --ray` and `--repos` as a user runs them (the real command, real git): what a scan leaves
behind in the temporary folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from codeorigin.bench.synth import synth_function
from helpers.cli import scan
from helpers.gitrepo import git, init_repo

CODEORIGIN = str(Path(sys.executable).with_name("codeorigin"))


def python(seed: int) -> str:
    import random

    rng = random.Random(seed)
    return "\n\n".join(synth_function(rng, f"f{seed}_{k}", 8) for k in range(3))


def test_a_ray_scan_leaves_no_copy_of_the_model_behind(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Each actor wrote the model (36 MB) to a temporary folder it never removed: the actors are
    killed when the scan ends, so every Ray scan left one such folder per actor."""
    pytest.importorskip("ray")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(python(1))
    temp = Path(tempfile.mkdtemp(prefix="co-", dir="/tmp"))  # Ray's sockets: 107 bytes at most
    request.addfinalizer(lambda: shutil.rmtree(temp, ignore_errors=True))
    env = {**os.environ, "TMPDIR": str(temp)}
    env.pop("RAY_ADDRESS", None)
    res = subprocess.run(
        [CODEORIGIN, "scan", "--ray", "--format", "markdown", "src"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert res.returncode in (0, 1), res.stderr
    assert "3 judged spans in 1 file" in res.stdout
    assert sorted(p.name for p in temp.glob("codeorigin-model-*")) == []


LFS_POINTER = (
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    "size 12345\n"
)


def test_a_git_lfs_pointer_is_skipped_not_scored_as_code(tmp_path: Path) -> None:
    """A clone without git-lfs holds a pointer where LFS stores a file: its three lines were
    scored as the file's Python (`<module>`, judged human) and counted among the judged spans."""
    repo = tmp_path / "repo"
    (repo / "model").mkdir(parents=True)
    (repo / "model" / "weights.py").write_text(LFS_POINTER)
    (repo / "real.py").write_text(python(2))
    init_repo(repo)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "init")
    (tmp_path / "repos.txt").write_text(f"{repo.as_uri()}\n")
    res = scan("--repos", "repos.txt", "--format", "json", cwd=tmp_path)
    assert res.returncode in (0, 1), res.stderr
    files = {f["path"].rsplit("/", 2)[-2:][-1]: f for f in json.loads(res.stdout)["files"]}
    assert files["weights.py"]["spans"] == []
    assert files["weights.py"]["error"].startswith("a Git LFS pointer")
    assert files["real.py"]["spans"]


def bare_repo(where: Path, files: dict[str, str]) -> Path:
    """A bare repository at `where` holding `files` in one commit on `main`."""
    work = init_repo(where.with_name(where.name + ".work"))
    for name, text in files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text)
    git(work, "add", ".")
    git(work, "commit", "-qm", "init")
    git(where.parent, "clone", "-q", "--bare", str(work), str(where))
    return where


def test_a_clone_named_inside_another_clones_name_keeps_its_own_files(tmp_path: Path) -> None:
    """`srv/app` and `srv/app/plugins`, two repositories: app's `plugins/util.py` was counted as
    the plugins repository's (the longest name its path starts with), app's summary missing it."""
    app = bare_repo(tmp_path / "srv" / "app.git", {"plugins/util.py": python(3)})
    plugins = bare_repo(tmp_path / "srv" / "app" / "plugins.git", {"src/main.py": python(4)})
    (tmp_path / "repos.txt").write_text(f"{app.as_uri()}\n{plugins.as_uri()}\n")
    res = scan("--repos", "repos.txt", "--format", "json", cwd=tmp_path)
    assert res.returncode in (0, 1), res.stderr
    out = json.loads(res.stdout)
    summaries = {r["repository"].rsplit("/", 1)[-1]: r for r in out["repositories"]}
    assert summaries["app"]["files"] == 1
    assert summaries["plugins#2"]["files"] == 1
    paths = sorted(f["path"].split("/srv/", 1)[-1] for f in out["files"])
    assert paths == ["app/plugins#2/src/main.py", "app/plugins/util.py"]


def test_a_repository_without_commits_is_said_to_be_empty(tmp_path: Path) -> None:
    """git clones a repository without commits with a warning only: the scan listed it as a
    repository of 0 files, as one whose files were all in languages it does not read."""
    empty = tmp_path / "empty"
    init_repo(empty)
    (tmp_path / "repos.txt").write_text(f"{empty.as_uri()}\n")
    res = scan("--repos", "repos.txt", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "/empty: skipped: an empty repository: it has no commit" in res.stdout
    assert "/empty: 0 flagged, 0 uncertain of 0 judged spans in 0 files; 1 skipped" in res.stdout


def test_a_temporary_folder_too_deep_for_rays_sockets_is_said_in_one_line(tmp_path: Path) -> None:
    """Ray names its sockets under the temporary folder, in at most 107 bytes: a deep TMPDIR (a
    test's, a CI job's) made `--ray` die with Ray's traceback and "internal error, a bug"."""
    pytest.importorskip("ray")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(python(2))
    deep = tmp_path / ("a-temporary-folder-deep-enough-" * 3)
    deep.mkdir()
    env = {**os.environ, "TMPDIR": str(deep)}
    env.pop("RAY_ADDRESS", None)
    res = subprocess.run([CODEORIGIN, "scan", "--ray", str(tmp_path / "src")], env=env,
                         capture_output=True, text=True, timeout=180)  # fmt: skip
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
    assert res.stderr.strip().splitlines()[-1] == (
        f"codeorigin scan: cannot start Ray: the temporary folder {deep} is too deep for Ray's "
        "sockets' names (107 bytes at most): set TMPDIR to a short folder, e.g. TMPDIR=/tmp"
    )
