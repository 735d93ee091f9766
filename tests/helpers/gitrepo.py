"""A temporary git repository with a few commits and a branch that adds one function and edits
another: what `scan --diff`, the pre-commit hook and the CI recipes are tried on."""

from __future__ import annotations

import subprocess
from pathlib import Path

APP = """def load(path):
    with open(path) as handle:
        data = handle.read()
    items = data.split(",")
    total = 0
    for item in items:
        total += int(item)
    return total


def keep(values):
    kept = []
    for value in values:
        if value > 0:
            kept.append(value)
    result = sorted(kept)
    return result
"""

FRESH = '''

def fresh(numbers):
    """Added on the branch."""
    if not numbers:
        raise ValueError("empty")
    mean = sum(numbers) / len(numbers)
    low = min(numbers)
    high = max(numbers)
    return {"mean": mean, "low": low, "high": high}
'''

OTHER = """def other(a, b):
    c = a + b
    d = c * 2
    e = d - a
    return e + b + c


def untouched(x, y):
    z = x * y
    w = z + x
    v = w - y
    return v * z
"""


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


def init_repo(root: Path) -> Path:
    """`git init` on branch main in `root` (made if missing), with an author configured."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "Dev")
    return root


def make_repo(tmp_path: Path) -> Path:
    """A repository with a few commits on main and a branch `feature` that adds `fresh` to
    app.py and edits one line of `keep`; other.py is not touched by the branch."""
    root = init_repo(tmp_path / "repo")
    (root / "app.py").write_text(APP)
    git(root, "add", "app.py")
    git(root, "commit", "-qm", "app")
    (root / "other.py").write_text(OTHER)
    (root / "README.md").write_text("notes\n")
    git(root, "add", ".")
    git(root, "commit", "-qm", "other")
    git(root, "checkout", "-qb", "feature")
    (root / "app.py").write_text(APP.replace("sorted(kept)", "sorted(kept, reverse=True)") + FRESH)
    git(root, "commit", "-qam", "fresh, and keep sorts the other way")
    return root


def dated_commit(root: Path, message: str, date: str, author: str = "Dev <dev@example.com>") -> str:
    """Commit everything in `root` as `author` on `date` (ISO, author and committer dates both),
    with `message` (trailers and all); its hash."""
    import os

    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", message, f"--author={author}"], cwd=root, check=True,
                   env=env, capture_output=True)  # fmt: skip
    return git(root, "rev-parse", "HEAD").strip()


# A repository whose `load` a person wrote in 2019 and whose `summarise` Claude Code added in 2025:
# what the provenance tests (scan, explain, the server) read.
PERSON = """def load(path):
    with open(path) as handle:
        data = handle.read()
    items = data.split(",")
    return [int(item) for item in items if item]
"""
AGENT = """

def summarise(values):
    total = 0
    for value in values:
        total += value
    mean = total / max(1, len(values))
    return {"total": total, "mean": mean}
"""
CLAUDE = "Add the parser\n\n🤖 Generated with [Claude Code](https://claude.ai/code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>"  # fmt: skip


def repo_with_an_agent_commit(parent: Path) -> Path:
    """`parent/repo`: `load` committed by a person in 2019, `summarise` added with a Claude Code
    trailer in 2025."""
    root = init_repo(parent / "repo")
    (root / "app.py").write_text(PERSON)
    dated_commit(root, "load", "2019-03-01T10:00:00")
    (root / "app.py").write_text(PERSON + AGENT)
    dated_commit(root, CLAUDE, "2025-09-01T10:00:00")
    return root


def repo_with_a_squash_merge(parent: Path) -> Path:
    """`repo_with_an_agent_commit`, but the agent's commit squash-merged pull request #12 (its
    subject ends "(#12)")."""
    root = init_repo(parent / "repo")
    (root / "app.py").write_text(PERSON)
    dated_commit(root, "load", "2019-03-01T10:00:00")
    (root / "app.py").write_text(PERSON + AGENT)
    dated_commit(root, CLAUDE.replace("Add the parser", "Add the parser (#12)"), "2025-09-01T10:00:00")
    return root

