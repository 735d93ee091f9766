"""`codeorigin scan --diff [REV]` and `--diff-file PATCH|-` through the real command line and real
git: only the spans a change touched are judged, each with how many of its lines changed, the
change gets one verdict, renames are followed, and every way to get it wrong exits 2 with a
message."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.cli import scan
from helpers.gitrepo import APP, OTHER, git, make_repo


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


def judged(data: dict) -> dict[str, dict]:
    return {f"{f['path']}::{s['name']}": s for f in data["files"] for s in f["spans"]}


def test_diff_against_a_branch_judges_exactly_the_added_and_the_edited_function(
    repo: Path, tiny_model_dir: Path
) -> None:
    res = scan("--diff", "main", "--format", "json", "--threshold", "0", "--model",
               str(tiny_model_dir), cwd=repo)  # fmt: skip
    assert res.returncode == 1, res.stderr  # threshold 0: everything judged is flagged
    data = json.loads(res.stdout)
    spans = judged(data)
    assert set(spans) == {"app.py::keep", "app.py::fresh"}
    assert spans["app.py::keep"]["changed_lines"] == 1
    fresh = spans["app.py::fresh"]
    assert fresh["changed_lines"] == fresh["end_line"] - fresh["start_line"] + 1
    assert [f["path"] for f in data["files"]] == ["app.py"]
    assert next(iter(data)) == "change"
    # `keep`, one line of seven edited, was flagged on main: known before the change, it is not
    # pooled (tests/unit/test_known_before.py).
    assert "known_before" in spans["app.py::keep"] and "known_before" not in fresh
    assert data["change"]["spans"] == 1 and data["change"]["verdict"] == "llm"
    assert 0.0 <= data["change"]["probability"] <= 1.0


def test_text_shows_the_change_first_and_never_names_a_file_outside_it(
    repo: Path, tiny_model_dir: Path
) -> None:
    res = scan("--diff", "main", "--exit-zero", "--model", str(tiny_model_dir), cwd=repo)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].startswith("Change against main (merge base ")
    assert (
        "(probability of LLM authorship " in lines[0] and "pooled over 1 judged span)" in lines[0]
    )
    keep = "function keep (1 of 7 lines changed; flagged before the change, base "  # not pooled
    assert any(keep in line for line in lines)
    assert any("function fresh (8 of 8 lines changed)" in line for line in lines)
    assert "other.py" not in res.stdout and "load" not in res.stdout


def test_without_rev_the_working_tree_and_index_against_head(
    repo: Path, tiny_model_dir: Path
) -> None:
    other = repo / "other.py"
    other.write_text(OTHER.replace("return v * z", "return v * z + 1"))  # unstaged edit
    (repo / "new.py").write_text(OTHER.replace("def other", "def brand_new"))  # untracked
    (repo / "staged.py").write_text(APP)
    git(repo, "add", "staged.py")
    res = scan("--diff", "--format", "json", "--exit-zero", "--model", str(tiny_model_dir),
               cwd=repo)  # fmt: skip
    assert res.returncode == 0, res.stderr
    spans = judged(json.loads(res.stdout))
    assert "other.py::untouched" in spans and "other.py::other" not in spans
    assert spans["other.py::untouched"]["changed_lines"] == 1
    assert {"new.py::brand_new", "new.py::untouched", "staged.py::load", "staged.py::keep"} <= set(
        spans
    )
    assert not any(name.startswith("app.py") for name in spans)  # committed: not a change now
    # A PATH limits the change to what is under it.
    res = scan("--diff", "--format", "json", "--exit-zero", "--model", str(tiny_model_dir),
               "other.py", cwd=repo)  # fmt: skip
    assert set(judged(json.loads(res.stdout))) == {"other.py::untouched"}


def test_a_rev_that_is_also_a_path_is_the_revision_and_said(
    repo: Path, tiny_model_dir: Path
) -> None:
    """A branch named as a folder: `--diff NAME` reads the branch (as git does, which would
    call it ambiguous) and says so; `--diff -- NAME` is the folder's change against HEAD."""
    git(repo, "branch", "lib")
    (repo / "lib").mkdir()
    (repo / "lib" / "extra.py").write_text(OTHER)
    model = ("--format", "json", "--exit-zero", "--model", str(tiny_model_dir))
    res = scan("--diff", "lib", *model, cwd=repo)
    assert "--diff lib: 'lib' is a revision and a path here; read as the revision" in res.stderr
    assert "lib/extra.py::other" in judged(json.loads(res.stdout))
    res = scan(*model, "--diff", "--", "lib", cwd=repo)
    assert res.returncode == 0 and "is a revision and a path" not in res.stderr
    assert {name.split("::")[0] for name in judged(json.loads(res.stdout))} == {"lib/extra.py"}


def test_a_revision_named_by_its_message_is_read_as_git_reads_it(
    repo: Path, tiny_model_dir: Path
) -> None:
    """`--diff ":/^other"` is the newest commit whose message starts with "other": main's last."""
    model = ("--format", "json", "--threshold", "0", "--model", str(tiny_model_dir))
    by_message = scan("--diff", ":/^other", *model, cwd=repo)
    assert by_message.returncode == 1, by_message.stderr
    assert set(judged(json.loads(by_message.stdout))) == {"app.py::keep", "app.py::fresh"}


def test_renames_are_followed(repo: Path, tiny_model_dir: Path) -> None:
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-qb", "moving")
    git(repo, "mv", "other.py", "moved.py")
    (repo / "moved.py").write_text(OTHER.replace("d = c * 2", "d = c * 3"))
    git(repo, "commit", "-qam", "move other.py, change one line")
    res = scan("--diff", "main", "--format", "json", "--exit-zero", "--model",
               str(tiny_model_dir), cwd=repo)  # fmt: skip
    spans = judged(json.loads(res.stdout))
    assert set(spans) == {"moved.py::other"}  # `untouched` moved but did not change
    assert spans["moved.py::other"]["changed_lines"] == 1


def test_a_copy_in_a_patch_is_a_new_file_as_for_diff(repo: Path, tiny_model_dir: Path) -> None:
    """git writes a copy as `copy from`/`copy to` with only the lines it changed (`git diff -C`,
    or `diff.renames=copies` in the user's configuration): all of the new file is the change's,
    as `--diff` judges it, not only its edited lines (an exact copy has none)."""
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-qb", "copying")
    (repo / "copy.py").write_text(OTHER.replace("d = c * 2", "d = c * 3"))
    (repo / "same.py").write_text(OTHER)
    (repo / "other.py").write_text(OTHER.replace("e = d - a", "e = d - b"))  # a copy's source
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "copy other.py twice, edit one copy")
    args = ("--format", "json", "--exit-zero", "--model", str(tiny_model_dir))
    from_git = judged(json.loads(scan("--diff", "main", *args, cwd=repo).stdout))
    patch = git(repo, "-c", "diff.renames=copies", "diff", "--find-copies-harder", "main...HEAD")
    assert "copy to copy.py" in patch and "copy to same.py" in patch
    done = subprocess.run(
        [sys.executable, "-m", "codeorigin", "scan", "--diff-file", "-", *args],
        input=patch, capture_output=True, text=True, cwd=repo, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    from_patch = judged(json.loads(done.stdout))
    for span in from_git.values():  # only `--diff` knows a base (tests/unit/test_known_before.py)
        span.pop("known_before", None)
    assert from_patch == from_git
    assert from_patch["copy.py::untouched"]["changed_lines"] == 5
    assert "same.py::other" in from_patch and "other.py::untouched" not in from_patch


def test_diff_file_and_stdin_judge_what_git_diff_does(repo: Path, tiny_model_dir: Path) -> None:
    patch = repo.parent / "change.patch"
    patch.write_text(git(repo, "diff", "main...feature"))
    args = ("--format", "json", "--exit-zero", "--model", str(tiny_model_dir))
    from_git = json.loads(scan("--diff", "main", *args, cwd=repo).stdout)
    from_file = json.loads(scan("--diff-file", str(patch), *args, cwd=repo).stdout)
    stdin = subprocess.run(
        [sys.executable, "-m", "codeorigin", "scan", "--diff-file", "-", *args],
        input=patch.read_text(), capture_output=True, text=True, cwd=repo, check=False,
    )  # fmt: skip
    # Only `--diff` knows a base: there `keep` (one line edited, flagged on main) is known before
    # the change and not pooled; a patch has none (tests/unit/test_known_before.py).
    assert judged(from_git)["app.py::keep"].pop("known_before")
    assert judged(from_file) == judged(from_git) == judged(json.loads(stdin.stdout))
    assert from_file["change"]["probability"] == json.loads(stdin.stdout)["change"]["probability"]
    assert from_file["change"]["spans"] == 2 and from_git["change"]["spans"] == 1


def test_sarif_carries_the_changed_lines_and_the_change(repo: Path, tiny_model_dir: Path) -> None:
    res = scan("--diff", "main", "--format", "sarif", "--threshold", "0", "--model",
               str(tiny_model_dir), cwd=repo)  # fmt: skip
    run = json.loads(res.stdout)["runs"][0]
    by_name = {r["locations"][0]["logicalLocations"][0]["name"]: r for r in run["results"]}
    # `keep`, one line edited and flagged on main, is known before the change: no result.
    assert set(by_name) == {"fresh"} and run["properties"]["leftOut"] == {"before": 1}
    assert by_name["fresh"]["properties"]["changedLines"] == 8
    assert run["properties"]["change"]["spans"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--diff", "no-such-branch"), "bad revision 'no-such-branch'"),
        (("--diff-file", "missing.patch"), "cannot read missing.patch"),
        (("--diff", "main", "--repos", "x.txt"), "cannot go with --ray or --repos"),
    ],
)
def test_bad_revisions_and_files_exit_2_with_a_message(
    repo: Path, tiny_model_dir: Path, args: tuple[str, ...], message: str
) -> None:
    res = scan(*args, "--model", str(tiny_model_dir), cwd=repo)
    assert res.returncode == 2
    assert message in res.stderr and "Traceback" not in res.stderr
    assert res.stdout == ""


def test_outside_a_repository_exits_2(tmp_path: Path, tiny_model_dir: Path) -> None:
    (tmp_path / "a.py").write_text(APP)
    res = scan("--diff", "--model", str(tiny_model_dir), cwd=tmp_path)
    assert res.returncode == 2
    assert "is not inside a git repository" in res.stderr and "Traceback" not in res.stderr


def test_a_patch_that_does_not_apply_exits_2_and_changes_nothing(
    repo: Path, tiny_model_dir: Path
) -> None:
    patch = repo.parent / "change.patch"
    patch.write_text(git(repo, "diff", "main...feature"))
    before = (repo / "app.py").read_text()
    (repo / "app.py").write_text(before.replace("reverse=True", "reverse=False"))
    res = scan("--diff-file", str(patch), "--model", str(tiny_model_dir), cwd=repo)
    assert res.returncode == 2
    assert "does not apply to app.py: line 16" in res.stderr
    assert "reverse=False" in (repo / "app.py").read_text()  # read, never patched
    (repo / "junk.patch").write_text("hello\nworld\n")
    res = scan("--diff-file", "junk.patch", "--model", str(tiny_model_dir), cwd=repo)
    assert res.returncode == 2 and "is not a unified diff" in res.stderr


def test_a_model_with_a_change_calibration_uses_it(
    repo: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    manifest = json.loads((model / "manifest.json").read_text())
    manifest["change"] = {"rule": "mean-logit-by-changed-lines", "a": 0.0, "b": 2.0,
                          "llm": 0.95, "uncertain": 0.5}  # fmt: skip
    (model / "manifest.json").write_text(json.dumps(manifest))
    res = scan("--diff", "main", "--format", "json", "--exit-zero", "--model", str(model),
               cwd=repo)  # fmt: skip
    change = json.loads(res.stdout)["change"]
    assert change["calibrated"] is True
    assert change["probability"] == round(1 / (1 + math.exp(-2.0)), 4)
    assert change["verdict"] == "uncertain"  # 88.1%: between 50% and 95%
    manifest["change"]["rule"] = "something-else"
    (model / "manifest.json").write_text(json.dumps(manifest))
    res = scan("--diff", "main", "--model", str(model), cwd=repo)
    assert res.returncode == 2 and "change.rule" in res.stderr


def test_rewriting_the_baseline_from_a_change_keeps_the_functions_it_did_not_touch(
    repo: Path, tiny_model_dir: Path
) -> None:
    """`--diff --baseline B --write-baseline B` refreshes the findings of the functions the
    change touched, not of whole files: `load`, in the same file as the edited `keep`, stays
    known, so the next scan of the whole tree with the baseline finds nothing new."""
    git(repo, "checkout", "-q", "main")
    model = ("--model", str(tiny_model_dir), "--threshold", "0")
    res = scan(".", *model, "--write-baseline", "b.json", cwd=repo)
    assert "wrote 4 findings to b.json" in res.stderr, res.stderr  # load, keep, other, untouched
    git(repo, "checkout", "-q", "feature")
    res = scan("--diff", "main", *model, "--baseline", "b.json", "--write-baseline", "b.json",
               cwd=repo)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "(kept 3 of functions the change did not touch)" in res.stderr, res.stderr
    names = {(f["path"], f["name"]) for f in json.loads((repo / "b.json").read_text())["findings"]}
    assert {("app.py", "load"), ("app.py", "keep"), ("app.py", "fresh")} <= names
    res = scan(".", *model, "--baseline", "b.json", cwd=repo)
    assert res.returncode == 0, res.stdout
