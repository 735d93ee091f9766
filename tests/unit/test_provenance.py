"""Provenance: the agents' commit markers, each held to its example, and git blame's provenance
through the real command line on real git repositories: `scan` (text, JSON, SARIF, markdown),
`explain`, `scan --diff`, `--no-provenance`; a shallow clone, a detached HEAD, a file outside any
repository, a submodule and a broken `.git` each say what they can and never crash.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from codeorigin.core.markers import MARKERS, signed
from helpers.cli import scan
from helpers.gitrepo import (
    AGENT,
    CLAUDE,
    PERSON,
    dated_commit,
    git,
    init_repo,
    repo_with_a_squash_merge,
    repo_with_an_agent_commit,
)

OLD, NEW = PERSON, AGENT
FLAG_ALL = ("--threshold", "0", "--min-lines", "1", "--min-tokens", "1")


@pytest.mark.parametrize("marker", MARKERS, ids=lambda m: f"{m.agent}-{m.field}")
def test_every_marker_names_its_agent_in_its_example(marker) -> None:  # type: ignore[no-untyped-def]
    message = marker.example if marker.field in ("message", "subject") else "Fix the parser"
    author = marker.example if marker.field == "author" else "Ann <ann@example.org>"
    found = signed(message, author)
    assert found is not None and found.agent == marker.agent
    assert found.marker in marker.example or marker.example in found.marker


@pytest.mark.parametrize(
    "message, author",
    [
        ("Fix\n\nCo-Authored-By: Claude Shannon <claude@example.com>", "Ann <ann@example.org>"),
        ("Fix\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>", "A <a@b>"),
        ("Fix\n\nCo-authored-by: Devin Smith <devin@example.com>", "Ann <ann@example.org>"),
        ("Fix\n\nCo-authored-by: Jules Verne <codex@example.org>", "Ann <ann@example.org>"),
        ("Fix", "Copilot <175728472+Copilot@users.noreply.github.com>"),
        ("Move the cursor to the next page", "Ann <ann@example.org>"),
        ("Merge pull request #3 from octo/feature/codex-docs", "Ann <ann@example.org>"),
        ("Fix", "Claude Monet <claude@example.org>"),
    ],
)
def test_people_and_editors_are_not_taken_for_agents(message: str, author: str) -> None:
    # A person named Claude or Devin, the trailer editors add for accepted Copilot completions,
    # a branch that merely mentions codex: no agent.
    assert signed(message, author) is None


def test_a_squash_merges_marker_names_its_pull_request() -> None:
    trailer = "\n\nCo-Authored-By: Claude <noreply@anthropic.com>"
    found = signed("Add the parser (#12)" + trailer, "Ann <ann@example.org>")
    assert found is not None and found.pull_request == 12
    for subject in ("Add the parser", "Fix #12 in the parser", "Merge pull request #3 from o/b"):
        mark = signed(subject + trailer, "Ann <ann@example.org>")
        assert mark is not None and mark.pull_request is None


def test_a_squash_merge_is_said_beside_its_marker(tmp_path: Path) -> None:
    # a pull request merged as one commit carries the trailers of all its commits: the scan says
    # which pull request, in every output, for some of its lines may be people's
    root = repo_with_a_squash_merge(tmp_path)
    sha = git(root, "rev-parse", "HEAD").strip()[:10]
    spans = {s["name"]: s for s in scan_json("app.py", cwd=root)["files"][0]["spans"]}
    assert spans["summarise"]["provenance"]["pull_request"] == 12
    text = scan("app.py", *FLAG_ALL, "--exit-zero", cwd=root).stdout
    assert f"function summarise (Claude Code signed 6/6 lines, {sha} (like a squash merge: #12))" in text
    explained = subprocess.run(
        [sys.executable, "-m", "codeorigin", "explain", *FLAG_ALL, "app.py::summarise"],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "its subject ends with (#12), as a squash-merged pull request's does: such a " \
        "marker may stand for only some of the pull request's commits" in " ".join(
            explained.stdout.split())  # fmt: skip


def scan_json(*args: str, cwd: Path | None = None) -> dict:
    res = scan(*args, "--format", "json", "--exit-zero", *FLAG_ALL, cwd=cwd)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_scan_reports_the_lines_an_agent_signed_in_every_format(tmp_path: Path) -> None:
    root = repo_with_an_agent_commit(tmp_path)
    spans = {s["name"]: s for s in scan_json("app.py", cwd=root)["files"][0]["spans"]}
    assert "provenance" not in spans["load"]
    got = spans["summarise"]["provenance"]
    sha = git(root, "rev-parse", "HEAD").strip()
    assert got == {"agent": "Claude Code", "lines": 6, "total": 6, "share": 1.0,
                   "commits": [sha[:10]], "marker": "Co-Authored-By: Claude <noreply@anthropic.com>"}  # fmt: skip
    text = scan("app.py", *FLAG_ALL, "--exit-zero", cwd=root).stdout
    assert f"function summarise (Claude Code signed 6/6 lines, {sha[:10]})" in text
    assert "1 span holds lines of commits an agent signed (Claude Code 1)" in text
    assert "its absence proves nothing" in text
    sarif = json.loads(
        scan("app.py", *FLAG_ALL, "--exit-zero", "--format", "sarif", cwd=root).stdout
    )
    results = {
        r["locations"][0]["logicalLocations"][0]["name"]: r for r in sarif["runs"][0]["results"]
    }
    assert results["summarise"]["properties"]["provenance"]["agent"] == "Claude Code"
    assert "provenance" not in results["load"]["properties"]
    markdown = scan("app.py", *FLAG_ALL, "--exit-zero", "--format", "markdown", cwd=root).stdout
    assert "**Agent markers in git history**: 1 span holds lines" in markdown
    assert f"| `app.py:8` | `summarise` | Claude Code | 6/6 | `{sha[:10]}` |" in markdown
    # --no-provenance reads no blame.
    quiet = scan_json("app.py", "--no-provenance", cwd=root)["files"][0]["spans"]
    assert not any("provenance" in s for s in quiet)


def test_uncommitted_lines_have_no_provenance_and_explain_says_what_it_found(
    tmp_path: Path,
) -> None:
    root = repo_with_an_agent_commit(tmp_path)
    (root / "app.py").write_text(OLD + NEW + "\n\ndef later(a):\n    b = a + 1\n    return b * 2\n")
    spans = {s["name"]: s for s in scan_json("app.py", cwd=root)["files"][0]["spans"]}
    assert "provenance" not in spans["later"]
    run = [sys.executable, "-m", "codeorigin", "explain", *FLAG_ALL]
    said = subprocess.run([*run, "app.py::summarise"], cwd=root, capture_output=True, text=True)
    assert "Provenance: Claude Code signed the commits of 6 of 6 lines (100%)" in said.stdout
    said = subprocess.run([*run, "app.py::load"], cwd=root, capture_output=True, text=True)
    assert "Provenance: no agent marker: that proves nothing" in said.stdout
    said = subprocess.run([*run, "--no-provenance", "app.py::load"], cwd=root, capture_output=True,
                          text=True)  # fmt: skip
    assert "Provenance" not in said.stdout


def test_scan_diff_names_the_markers_of_the_commits_in_the_range(tmp_path: Path) -> None:
    root = repo_with_an_agent_commit(tmp_path)
    git(root, "checkout", "-q", "-b", "feature")
    (root / "app.py").write_text(OLD + NEW + "\n\ndef more(a):\n    b = a + 1\n    return b * 2\n")
    sha = dated_commit(root, "more\n\nCo-authored-by: Codex <noreply@openai.com>", "2025-10-01T10:00:00")
    (root / "other.py").write_text("def other(x):\n    y = x * 3\n    return y - 1\n")
    dated_commit(root, "other, by hand", "2025-10-02T10:00:00")
    text = scan("--diff", "HEAD~2", *FLAG_ALL, "--exit-zero", cwd=root).stdout
    assert f"agent markers in 1 of its 2 commits: Codex 1 ({sha[:10]})" in text


def test_a_shallow_clone_a_detached_head_a_submodule_and_no_repository(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    (root / "README.md").write_text("notes\n")
    dated_commit(root, "readme", "2018-03-01T10:00:00")
    (root / "app.py").write_text(OLD)
    dated_commit(root, "load", "2019-03-01T10:00:00")
    (root / "app.py").write_text(OLD + NEW)
    dated_commit(root, CLAUDE, "2025-09-01T10:00:00")
    # A shallow clone of the last two commits: the person's commit is where it is cut, so its
    # lines (which blame gives to it, not knowing what came before) are none's, and the scan says
    # why they have no provenance; the agent's commit is whole.
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "2", f"file://{root}", str(shallow))
    res = scan("app.py", *FLAG_ALL, "--exit-zero", cwd=shallow)
    spans = {s["name"]: s for s in scan_json("app.py", cwd=shallow)["files"][0]["spans"]}
    assert spans["summarise"]["provenance"]["lines"] == 6 and "provenance" not in spans["load"]
    assert (
        "Provenance of 1 file: partial: the repository is a shallow clone, and the lines" in res.stdout
    )
    # A detached HEAD reads the same history.
    git(root, "checkout", "-q", "--detach", "HEAD")
    spans = {s["name"]: s for s in scan_json("app.py", cwd=root)["files"][0]["spans"]}
    assert spans["summarise"]["provenance"]["agent"] == "Claude Code"
    # A submodule's file is blamed in the submodule's own history.
    outer = init_repo(tmp_path / "outer")
    (outer / "README.md").write_text("outer\n")
    dated_commit(outer, "outer", "2024-01-01T10:00:00")
    git(
        outer, "-c", "protocol.file.allow=always", "submodule", "add", "-q", f"file://{root}", "lib"
    )
    spans = {s["name"]: s for s in scan_json("lib/app.py", cwd=outer)["files"][0]["spans"]}
    assert spans["summarise"]["provenance"]["agent"] == "Claude Code"
    # Outside any repository: no provenance, and nothing to say about it.
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "app.py").write_text(OLD + NEW)
    res = scan("app.py", *FLAG_ALL, "--exit-zero", cwd=alone)
    assert res.returncode == 0 and "provenance" not in res.stdout.lower()


def test_a_broken_git_folder_is_said_and_the_scan_goes_on(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / ".git").write_text("gitdir: /nowhere/at/all\n")  # a worktree whose repository is gone
    (broken / "app.py").write_text(OLD + NEW)
    res = scan("app.py", *FLAG_ALL, "--exit-zero", cwd=broken)
    assert res.returncode == 0, res.stderr
    assert (
        "Provenance of 1 file: none read: git cannot read the repository: fatal: not a git repository"
        in res.stdout
    )
    report = scan_json("app.py", cwd=broken)
    assert report["files"][0]["provenance_error"].startswith("none read: git cannot read the")
    assert [s["verdict"] for s in report["files"][0]["spans"]] == ["llm", "llm"]


def test_an_unreadable_git_folder_is_said_and_the_scan_goes_on(tmp_path: Path) -> None:
    from helpers.cli import unprivileged

    prefix = unprivileged()
    root = repo_with_an_agent_commit(tmp_path)
    (root / ".git").chmod(0)
    try:
        res = scan("app.py", *FLAG_ALL, "--exit-zero", cwd=root, prefix=prefix)
    finally:
        (root / ".git").chmod(0o755)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert "Provenance of 1 file: none read: git cannot read the repository: " in res.stdout
    assert "2 flagged" in res.stdout


def test_each_marker_in_a_real_commit_names_its_agent_in_the_scan(tmp_path: Path) -> None:
    """One file per marker, committed with that marker as git writes it (in the message, the
    subject or the author): the scan names each file's agent."""
    root = init_repo(tmp_path / "repo")
    (root / "README.md").write_text("notes\n")
    dated_commit(root, "readme", "2020-01-01T10:00:00")
    expected = {}
    for k, marker in enumerate(MARKERS):
        name = f"m{k}.py"
        (root / name).write_text(NEW.strip("\n").replace("summarise", f"summarise_{k}") + "\n")
        author = marker.example if marker.field == "author" else "Ann <ann@example.org>"
        message = marker.example if marker.field in ("message", "subject") else "Add a helper"
        if marker.field == "message":
            message = f"Add a helper\n\n{marker.example}"
        dated_commit(root, message, f"2025-01-{k + 1:02d}T10:00:00", author=author)
        expected[name] = marker.agent
    files = scan_json(".", cwd=root)["files"]
    got = {Path(f["path"]).name: f["spans"][0].get("provenance", {}).get("agent") for f in files}
    assert got == expected
