"""Pull requests, human commits and dated snapshots as records, from the shared folder or from
the user's own clones.

A `Change` is a patch with the post-images of the files it changed (an agent's pull request or a
human commit); a `Snapshot` is a repository's source files at its last commit before the cut-off.
`read_shared` reads them from the AIDev-pop folder of the shared data; `read_clones` makes the same
records from a folder of git clones and the AIDev CSVs (`prs.csv`, `pr_commits.csv` per agent), with
the rules the shared folder's README states, so the corpus can be rebuilt without that folder.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from codeorigin_train.data.realcode.extract import skip_reason

log = logging.getLogger(__name__)

CUTOFF = "2021-07-01T00:00:00+00:00"
HUMAN_AGENT = "human"
#: The agents of the AIDev folders, by folder name; the short names are the corpus' `agent` column.
AGENTS = {"OpenAI_Codex": "codex", "Devin": "devin", "Copilot": "copilot"}
SOURCE_EXTENSIONS = (
    *(".py", ".java", ".c", ".h", ".cc", ".cpp", ".hpp", ".go", ".js", ".jsx", ".mjs"),
    *(".ts", ".tsx", ".rb", ".php", ".rs"),
)
_SKIP_DIRS = {"vendor", "node_modules", "dist", "build"}


@dataclass
class SourceFile:
    """One file of a change or a snapshot; `read` returns its text (None when unreadable)."""

    path: str
    read: Callable[[], str | None]
    is_test: bool = False


@dataclass
class Change:
    """An agent's pull request (`kind` "pr") or a human commit (`kind` "commit")."""

    repo: str
    agent: str  # codex, devin, copilot, or human
    kind: str
    ident: str  # the pull request's number or the commit's SHA
    date: str  # merged_at for a pull request, the committer date for a commit
    patch: Callable[[], str]
    files: list[SourceFile] = field(default_factory=list)
    # How it was found ("aidev-pr", "trailer", "bot-author", "branch-name", "dated-commit") and
    # the marker's text, where the folder says (`agent_changes`).
    how: str = ""
    marker: str = ""


@dataclass
class Snapshot:
    """A repository's files at its last commit before the cut-off (human code, dated)."""

    repo: str
    sha: str
    date: str
    files: list[SourceFile] = field(default_factory=list)


def is_test_path(path: str) -> bool:
    """Whether a path is a test file, by the real-project builder's rule (folders and names)."""
    return skip_reason(path) == "test"


def is_source_path(path: str) -> bool:
    """A source file the corpus reads: a known extension, not vendored, built or minified."""
    p = PurePosixPath(path)
    if p.suffix.lower() not in SOURCE_EXTENSIONS or "generated" in path.lower():
        return False
    if any(part in _SKIP_DIRS for part in p.parts[:-1]):
        return False
    return not any(m in p.name for m in (".min.", "-min.js", ".bundle."))


def _reader(path: Path) -> Callable[[], str | None]:
    def read() -> str | None:
        try:
            return path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    return read


# ---------------------------------------------------------------------------- the shared folder


def _stored(folder: Path, entries: list[dict]) -> list[SourceFile]:
    """The files a meta.json lists, each read from its `stored` copy under `folder`."""
    return [SourceFile(e["path"], _reader(folder / e["stored"]), bool(e["is_test"]))
            for e in entries]  # fmt: skip


def read_shared(root: Path) -> tuple[list[Change], list[Snapshot]]:
    """Every stored pull request, human commit and snapshot of the AIDev-pop folder `root`."""
    changes: list[Change] = []
    snapshots: list[Snapshot] = []
    for meta_path in sorted((root / "aidev-upstream").glob("*/meta.json")):
        meta = json.loads(meta_path.read_text())
        folder = meta_path.parent
        repo = meta["full_name"]
        for pr in meta["prs"]:
            changes.append(Change(repo, AGENTS[pr["agent"]], "pr", str(pr["number"]),
                                  pr["merged_at"], _text_of(folder / pr["patch"]),
                                  _stored(folder, pr["post_images"])))  # fmt: skip
        snap = meta.get("human_snapshot")
        if snap:
            snapshots.append(Snapshot(repo, snap["sha"], snap["commit_date"],
                                      _stored(folder, snap["files"])))  # fmt: skip
    for meta_path in sorted((root / "human-commits").glob("*/meta.json")):
        meta = json.loads(meta_path.read_text())
        folder = meta_path.parent
        for c in meta["commits"]:
            changes.append(Change(meta["full_name"], HUMAN_AGENT, "commit", c["sha"],
                                  c["committer_date"], _text_of(folder / c["patch"]),
                                  _stored(folder, c["post_images"])))  # fmt: skip
    return changes, snapshots


def _text_of(path: Path) -> Callable[[], str]:
    return lambda: path.read_bytes().decode("utf-8", "replace")


# ---------------------------------------------------------------------------- the user's clones


class Git:
    """A git repository on disk, read with the `git` command."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _git(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["git", "-C", str(self.path), *args], capture_output=True)

    def run(self, *args: str, check: bool = True) -> str:
        done = self._git(*args)
        if check and done.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)}: {done.stderr.decode(errors='replace')}")
        return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else ""

    def has(self, sha: str) -> bool:
        return self._git("cat-file", "-e", f"{sha}^{{commit}}").returncode == 0

    def show(self, sha: str, path: str) -> Callable[[], str | None]:
        def read() -> str | None:
            done = self._git("show", f"{sha}:{path}")
            if done.returncode != 0:
                return None
            try:
                return done.stdout.decode("utf-8")
            except UnicodeDecodeError:
                return None

        return read

    def changed(self, base: str, head: str) -> list[tuple[str, str]]:
        """(status, post-image path) of the source files changed between two commits."""
        out = []
        for line in self.run("diff", "--name-status", "--no-renames", base, head).splitlines():
            status, _, path = line.partition("\t")
            if path and is_source_path(path):
                out.append((status[:1], path))
        return out

    def patch(self, base: str, head: str, paths: list[str]) -> str:
        return self.run("diff", "-U3", "--no-renames", base, head, "--", *paths) if paths else ""


def _post_images(git: Git, base: str, head: str, limit: int) -> tuple[list[SourceFile], list[str]]:
    """The post-images (added or modified files, at most `limit`) and every changed path."""
    changed = git.changed(base, head)
    kept = [p for status, p in changed if status != "D"][:limit]
    return [SourceFile(p, git.show(head, p), is_test_path(p)) for p in kept], [p for _, p in changed]


def _clone_of(clones: Path, repo: str) -> Path | None:
    owner, _, name = repo.partition("/")
    for candidate in (clones / f"{owner}+{name}", clones / owner / name, clones / name):
        if (candidate / ".git").exists() or (candidate / "HEAD").exists():
            return candidate
    return None


def _pr_span(git: Git, shas: list[str]) -> tuple[str, str] | None:
    """(base, head) of a pull request from its commits: the head is the commit no other PR commit
    has as parent; the base is the first parent of the first commit on head's first-parent line."""
    present = [s for s in shas if git.has(s)]
    if not present:
        return None
    parents = {s: git.run("rev-parse", f"{s}^@", check=False).split() for s in present}
    inside = set(present)
    heads = [s for s in present if not any(s in p for p in parents.values())]
    head = heads[-1] if heads else present[-1]
    first = head
    while parents.get(first) and parents[first][0] in inside:
        first = parents[first][0]
    base = (parents.get(first) or [""])[0]
    return (base, head) if base else None


def _csv_rows(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def clone_prs(clones: Path, aidev: Path, per_repo: int = 10, per_change: int = 8) -> list[Change]:
    """The agents' merged pull requests found in the clones, earliest first, `per_repo` each."""
    out: list[Change] = []
    for folder, agent in AGENTS.items():
        if not (aidev / folder / "prs.csv").exists():
            continue
        commits: dict[str, list[str]] = {}
        for row in _csv_rows(aidev / folder / "pr_commits.csv"):
            commits.setdefault(row["pr_id"], []).append(row["sha"])
        taken: dict[str, int] = {}
        prs = [r for r in _csv_rows(aidev / folder / "prs.csv") if r.get("merged_at")]
        for row in sorted(prs, key=lambda r: r["merged_at"]):
            repo = row["repo_url"].split("/repos/", 1)[-1]
            clone = _clone_of(clones, repo)
            if clone is None or taken.get(repo, 0) >= per_repo:
                continue
            git = Git(clone)
            span = _pr_span(git, commits.get(row["id"], []))
            if span is None:
                continue
            base, head = span
            files, paths = _post_images(git, base, head, per_change)
            if not files:
                continue
            taken[repo] = taken.get(repo, 0) + 1
            patch = git.patch(base, head, paths)
            out.append(
                Change(repo, agent, "pr", row["number"], row["merged_at"], lambda p=patch: p, files)
            )
    return out


def clone_history(
    clones: Path, repo: str, per_repo: int = 8, files: int = 40, per_change: int = 8
) -> tuple[Snapshot | None, list[Change]]:
    """A clone's snapshot before the cut-off (`files` source files, by sha1 of the path) and
    `per_repo` human commits before it (no merges, at least 15 source lines added, evenly spaced
    by committer date)."""
    clone = _clone_of(clones, repo)
    if clone is None:
        return None, []
    git = Git(clone)
    sha = git.run("rev-list", "-1", f"--before={CUTOFF}", "HEAD", check=False).strip()
    if not sha:
        return None, []
    date = git.run("show", "-s", "--format=%cI", sha).strip()
    paths = [p for p in git.run("ls-tree", "-r", "--name-only", sha).splitlines() if is_source_path(p)]
    paths.sort(key=lambda p: hashlib.sha1(p.encode()).hexdigest())
    snapshot = Snapshot(
        repo, sha, date, [SourceFile(p, git.show(sha, p), is_test_path(p)) for p in paths[:files]]
    )
    return snapshot, _human_commits(git, repo, sha, per_repo, per_change)


def _human_commits(git: Git, repo: str, sha: str, n: int, per_change: int) -> list[Change]:
    log_text = git.run("log", "--no-merges", f"--before={CUTOFF}", "--format=%H %P|%cI|%an|%ae", sha)
    candidates = []
    for line in log_text.splitlines():
        shas, date, name, email = line.split("|", 3)
        ids = shas.split()
        if len(ids) < 2 or "bot" in f"{name} {email}".lower():
            continue  # root commits have no parent; bots are not people
        added = sum(
            int(a) for a, _, p in (x.split("\t", 2) for x in git.run(
                "diff", "--numstat", "--no-renames", ids[1], ids[0]).splitlines())
            if a.isdigit() and is_source_path(p)
        )
        if added >= 15:
            candidates.append((date, ids[0], ids[1]))
    candidates.sort()
    if not candidates:
        return []
    k = min(n, len(candidates))
    picks = sorted({round(i * (len(candidates) - 1) / max(k - 1, 1)) for i in range(k)})
    out = []
    for i in picks:
        date, head, base = candidates[i]
        files, paths = _post_images(git, base, head, per_change)
        patch = git.patch(base, head, paths)
        out.append(Change(repo, HUMAN_AGENT, "commit", head, date, lambda p=patch: p, files))
    return out


def read_clones(clones: Path, aidev: Path) -> tuple[list[Change], list[Snapshot]]:
    """The same records as `read_shared`, from git clones (`clones/<owner>+<name>`,
    `clones/<owner>/<name>` or `clones/<name>`) and the AIDev CSVs under `aidev/<Agent>/`."""
    changes = clone_prs(clones, aidev)
    snapshots = []
    for repo in sorted({c.repo for c in changes}):
        snapshot, commits = clone_history(clones, repo)
        if snapshot is not None:
            snapshots.append(snapshot)
        changes.extend(commits)
    return changes, snapshots


