"""The pre-commit hook (`.pre-commit-hooks.yaml`, id `codeorigin`) run by the real `pre-commit`
on a temporary git repository, offline: `pre-commit try-repo` on this checkout, and docs/review-and-ci.md's
`.pre-commit-config.yaml` example pointed at this checkout. Only the functions the staged change
adds or edits are judged; the threshold, `--exit-zero` and the baseline pass through as arguments;
a staged `-dash.py` is a file, not an option; `.mts`, `.cts` and `.h++` files reach the hook; a
merge being concluded is judged on what its resolution wrote; the hook runs at the commit only,
`pre-commit run --from-ref X --to-ref HEAD` judges the commits in between, and docs/review-and-ci.md's
pre-push config judges what a real `git push` sends.
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


def readme_block(marker: str) -> dict:
    """docs/review-and-ci.md's one `.pre-commit-config.yaml` example that holds `marker`."""
    readme = (ROOT / "docs" / "review-and-ci.md").read_text()
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "repos:" in b]
    found = [yaml.safe_load(b) for b in blocks if marker in b]
    assert len(found) == 1, f"docs/review-and-ci.md has one .pre-commit-config.yaml example with {marker}"
    return found[0]


def readme_config(model: Path, *extra: str, drop: str = "") -> str:
    """docs/review-and-ci.md's `.pre-commit-config.yaml`, pointed at this checkout (at HEAD) with the tiny
    model and `extra` arguments after docs/review-and-ci.md's own (less `drop`), before the `--` that ends
    them (pre-commit appends the file names)."""
    config = readme_block(".codeorigin-baseline.json")
    hook = config["repos"][0]["hooks"][0]
    assert hook["id"] == "codeorigin"
    assert {"--threshold", "--exit-zero", "--baseline"} <= set(hook["args"])
    assert hook["args"][-1] == "--"
    config["repos"][0]["repo"] = str(ROOT)
    config["repos"][0]["rev"] = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    own = [a for a in hook["args"][:-1] if a != drop]
    hook["args"] = [*own, "--model", str(model), *extra, "--"]
    return yaml.safe_dump(config)


def write_baseline(repo: Path, model: Path, *paths: str) -> None:
    """The findings of the staged change (under `paths`) into docs/review-and-ci.md's baseline file."""
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
    assert "function keep (1 of 7 lines changed; flagged before the change, base " in out
    assert "function fresh (8 of 8 lines changed)" in out
    assert "load" not in out and "other.py" not in out and "unstaged" not in out


def test_the_readme_config_blocks_or_passes_as_its_arguments_say(
    staged: Path, tmp_path: Path, tiny_model_dir: Path
) -> None:
    home = tmp_path / "home"
    config = staged / ".pre-commit-config.yaml"
    write_baseline(staged, tiny_model_dir, "other.py")  # other.py is unchanged: an empty baseline
    # docs/review-and-ci.md's arguments with threshold 0: both functions are flagged, --exit-zero passes.
    # `keep` (one line of seven edited) was flagged at HEAD already: not the change's (`prior`).
    config.write_text(readme_config(tiny_model_dir, "--threshold", "0"))
    res = pre_commit(staged, home, "run", "--verbose")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Passed" in res.stdout
    assert "1 flagged and 0 uncertain of 2 judged spans in 1 file " in res.stdout
    assert "; 1 flagged before the change" in res.stdout
    # Without --exit-zero a flagged function stops the commit.
    config.write_text(readme_config(tiny_model_dir, "--threshold", "0", drop="--exit-zero"))
    res = pre_commit(staged, home, "run", "--verbose")
    assert res.returncode == 1 and "Failed" in res.stdout, res.stdout + res.stderr
    # A baseline that knows both findings: nothing new, the commit goes through.
    write_baseline(staged, tiny_model_dir)
    res = pre_commit(staged, home, "run", "--verbose")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "0 flagged and 0 uncertain of 2 judged spans" in res.stdout and "2 in the baseline" in res.stdout


DASH = """def dashing(values):
    total = 0
    for value in values:
        total += value * 2
    return total
"""


def test_a_staged_file_named_like_an_option_is_judged(
    staged: Path, tmp_path: Path, tiny_model_dir: Path
) -> None:
    """pre-commit appends the file names after the hook's arguments: `-dash.py` is a file, with
    the hook's own arguments and with docs/review-and-ci.md's, whose `--threshold` still applies."""
    (staged / "-dash.py").write_text(DASH)
    git(staged, "add", "--", "-dash.py")
    home = tmp_path / "home"
    res = pre_commit(staged, home, "try-repo", str(ROOT), "codeorigin", "--verbose",
                     model=tiny_model_dir)  # fmt: skip
    assert "unrecognized arguments" not in res.stdout, res.stdout
    assert "-dash.py" in res.stdout and "function dashing (5 of 5 lines changed)" in res.stdout
    assert "function fresh (8 of 8 lines changed)" in res.stdout
    write_baseline(staged, tiny_model_dir, "other.py")  # an empty baseline
    (staged / ".pre-commit-config.yaml").write_text(
        readme_config(tiny_model_dir, "--threshold", "0", drop="--exit-zero")
    )
    res = pre_commit(staged, home, "run", "--verbose")
    assert res.returncode == 1, res.stdout + res.stderr  # threshold 0: flagged, commit stopped
    # `keep` (one line of seven edited) was flagged at HEAD already: not the change's (`prior`).
    assert "2 flagged and 0 uncertain of 3 judged spans in 2 files " in res.stdout
    assert "; 1 flagged before the change" in res.stdout
    # The command the hook runs, by hand.
    res = subprocess.run(
        [sys.executable, "-m", "codeorigin", "scan", "--diff", "HEAD", "--exit-zero", "--model",
         str(tiny_model_dir), "--", "-dash.py"], cwd=staged, capture_output=True, text=True,
    )  # fmt: skip
    assert res.returncode == 0 and "function dashing (5 of 5 lines changed)" in res.stdout


EXTENSIONS = {
    "calc.mts": "export function twice(a: number): number {\n  const b = a * 2;\n  return b;\n}\n",
    "calc.cts": "export function thrice(a: number): number {\n  const b = a * 3;\n  return b;\n}\n",
    "calc.h++": "int quad(int a) {\n  int b = a * 4;\n  return b;\n}\n",
}


def test_the_hook_is_given_every_extension_codeorigin_reads(
    staged: Path, tmp_path: Path, tiny_model_dir: Path
) -> None:
    """`.mts`, `.cts` and `.h++`, which pre-commit's file types do not name, reach the hook."""
    for name, text in EXTENSIONS.items():
        (staged / name).write_text(text)
    git(staged, "add", *EXTENSIONS)
    res = pre_commit(staged, tmp_path / "home", "try-repo", str(ROOT), "codeorigin", "--verbose",
                     model=tiny_model_dir)  # fmt: skip
    for name, function in (("calc.mts", "twice"), ("calc.cts", "thrice"), ("calc.h++", "quad")):
        assert name in res.stdout and f"function {function} (" in res.stdout, res.stdout


def test_concluding_a_merge_judges_only_what_the_resolution_wrote(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A conflict resolved and staged: `fresh`, which the merged branch brought, is not judged;
    the line of `keep` the person wrote, which is in neither parent, is."""
    repo = make_repo(tmp_path)  # `feature` adds `fresh` and edits the last lines of `keep`
    git(repo, "checkout", "-q", "main")
    (repo / "app.py").write_text(APP.replace("sorted(kept)", "sorted(kept, key=abs)"))
    git(repo, "commit", "-qam", "main edits the same line")
    merge = subprocess.run(["git", "merge", "-q", "feature"], cwd=repo, capture_output=True)
    assert merge.returncode == 1  # a conflict in app.py
    resolved = APP.replace("sorted(kept)", "sorted(kept, key=abs, reverse=True)") + FRESH
    (repo / "app.py").write_text(resolved)
    git(repo, "add", "app.py")
    res = pre_commit(repo, tmp_path / "home", "try-repo", str(ROOT), "codeorigin", "--verbose",
                     model=tiny_model_dir)  # fmt: skip
    assert "only the lines that differ from both parents" in res.stdout, res.stdout + res.stderr
    assert "function keep (1 of 7 lines changed)" in res.stdout
    assert "function fresh" not in res.stdout  # (a path may hold the word)
    # Against a branch (CI's `--diff main`), the merge changes nothing: all of it counts.
    res = subprocess.run(
        [sys.executable, "-m", "codeorigin", "scan", "--diff", "HEAD~1", "--exit-zero",
         "--model", str(tiny_model_dir)], cwd=repo, capture_output=True, text=True,
    )  # fmt: skip
    assert "function fresh (8 of 8 lines changed)" in res.stdout, res.stdout + res.stderr
    # `--diff main` while main is checked out is `--diff HEAD`: the resolution's lines alone.
    res = subprocess.run(
        [sys.executable, "-m", "codeorigin", "scan", "--diff", "main", "--exit-zero",
         "--model", str(tiny_model_dir)], cwd=repo, capture_output=True, text=True,
    )  # fmt: skip
    assert "only the lines that differ from both parents" in res.stdout, res.stdout + res.stderr
    assert "function keep (1 of 7 lines changed)" in res.stdout
    assert "function fresh" not in res.stdout


def test_the_hook_runs_at_commit_and_the_readme_pre_push_config_judges_the_push(
    staged: Path, tmp_path: Path, tiny_model_dir: Path
) -> None:
    """The hook declares the commit stage only; docs/review-and-ci.md's config that gives it the pre-push
    stage, installed with pre-commit and run by a real `git push`, judges the commits pushed
    (pre-commit's PRE_COMMIT_FROM_REF), and blocks the push without `--exit-zero`."""
    home = tmp_path / "home"
    res = pre_commit(staged, home, "try-repo", str(ROOT), "codeorigin", "--hook-stage", "pre-push",
                     "--from-ref", "HEAD", "--to-ref", "HEAD", model=tiny_model_dir)  # fmt: skip
    assert "No hook with id `codeorigin` in stage `pre-push`" in res.stdout + res.stderr, res.stdout
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(staged, "remote", "add", "origin", str(remote))
    git(staged, "push", "-q", "origin", "main")
    git(staged, "commit", "-qm", "fresh, and keep sorts the other way")  # what is staged
    (staged / "scratch.py").unlink()  # a clean tree: the README says to push from one
    config = readme_block("stages: [pre-push]")
    config["repos"][0]["repo"] = str(ROOT)
    config["repos"][0]["rev"] = git(ROOT, "rev-parse", "HEAD").strip()
    hook = config["repos"][0]["hooks"][0]
    readme_args = hook["args"]
    assert hook["id"] == "codeorigin" and readme_args[-1] == "--"
    for drop, blocked in (("--exit-zero", True), ("", False)):  # blocked: nothing pushed yet
        kept = [a for a in readme_args[:-1] if a != drop]
        hook["args"] = [*kept, "--threshold", "0", "--model", str(tiny_model_dir), "--"]
        (staged / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
        assert pre_commit(staged, home, "install", "--hook-type", "pre-push").returncode == 0
        env = {**os.environ, "PRE_COMMIT_HOME": str(home),
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}  # fmt: skip
        push = subprocess.run(["git", "push", "origin", "main"], cwd=staged, env=env,
                              capture_output=True, text=True, timeout=600)  # fmt: skip
        said = push.stdout + push.stderr
        assert (push.returncode != 0) == blocked, said
        assert "function keep (1 of 7 lines changed; flagged before the change, base " in said
        assert "function fresh (8 of 8 lines changed)" in said and "load" not in said
    # Pushing another branch, whose only file is not on disk: refused, not skipped.
    git(staged, "checkout", "-qb", "elsewhere")
    (staged / "brand_new.py").write_text(FRESH)
    git(staged, "add", "brand_new.py")
    git(staged, "commit", "-qm", "a file main does not have")
    git(staged, "checkout", "-q", "main")
    push = subprocess.run(["git", "push", "origin", "elsewhere"], cwd=staged, env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    said = push.stdout + push.stderr
    assert push.returncode != 0 and "HEAD is another commit" in said, said


def test_a_commit_without_code_runs_the_hook_and_judges_nothing(
    staged: Path, tmp_path: Path, tiny_model_dir: Path
) -> None:
    """The hook always runs (so that a push of another branch is refused); a commit of no file
    codeorigin reads judges nothing, not even the untracked scratch.py beside it."""
    git(staged, "reset", "-q")
    (staged / "README.md").write_text("notes, edited\n")
    git(staged, "add", "README.md")
    res = pre_commit(staged, tmp_path / "home", "try-repo", str(ROOT), "codeorigin", "--verbose",
                     model=tiny_model_dir)  # fmt: skip
    out = res.stdout + res.stderr
    assert res.returncode == 0 and "Passed" in out, out
    assert "pre-commit named no file codeorigin reads" in out and "scratch.py" not in out


def test_pre_commit_run_from_ref_to_ref_judges_the_commits_in_between(
    staged: Path, tmp_path: Path, tiny_model_dir: Path
) -> None:
    """`pre-commit run --from-ref main --to-ref HEAD`, how CI runs pre-commit on a branch: the
    tree is clean, and the hook judges what the branch's commits changed since main, not the
    (empty) difference from HEAD. A `--to-ref` that is not the commit checked out is refused."""
    git(staged, "checkout", "-q", "-b", "topic")
    git(staged, "commit", "-qm", "fresh, and keep sorts the other way")
    (staged / "scratch.py").unlink()
    res = pre_commit(staged, tmp_path / "home", "try-repo", str(ROOT), "codeorigin", "--verbose",
                     "--from-ref", "main", "--to-ref", "HEAD", model=tiny_model_dir)  # fmt: skip
    out = res.stdout + res.stderr
    assert "function keep (1 of 7 lines changed; flagged before the change, base " in out, out
    assert "function fresh (8 of 8 lines changed)" in out and "load" not in out
    env = {**os.environ, "PRE_COMMIT_FROM_REF": "main", "PRE_COMMIT_TO_REF": "main"}
    other = subprocess.run(
        [sys.executable, "-m", "codeorigin", "scan", "--pre-commit", "--model", str(tiny_model_dir)],
        cwd=staged, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert other.returncode == 2, other.stdout + other.stderr
    assert "HEAD is another commit" in other.stderr and "SKIP=codeorigin" in other.stderr


def test_the_hook_files_pattern_is_exactly_codeorigins_extensions() -> None:
    """The manifest's `files` (which pre-commit matches with `re.search`) keeps up with
    `languages.LANGUAGES`: every extension codeorigin reads, in any case, and no other."""
    from codeorigin.core.languages import LANGUAGES

    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    pattern = re.compile(hook["files"])
    for ext in (e for info in LANGUAGES.values() for e in info.extensions):
        for name in (f"a/b{ext}", f"B{ext.upper()}"):
            assert pattern.search(name), name
    for name in ("notes.txt", "a.pyc", "a.py.orig", "Makefile", "a.hpp~", "a.json"):
        assert not pattern.search(name), name
