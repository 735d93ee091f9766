"""Provenance: the lines of a file that come from commits a coding agent signed, by `git blame`.

`blame` maps each line of a text (the file as it is on disk or in the editor: `--contents`) to the
commit that last changed it, ignoring whitespace (`-w`), and reads each commit's message and
people once (`git log --no-walk`); `core.markers` says which commits an agent signed. A span's
`Provenance` is the agent with the most of its lines, their share and commits, and the marker's
text. Lines not committed yet have none; a shallow clone's boundary commit takes the lines of the
history it cuts off, so its lines count as unknown, never as its author's.

A marker proves that an agent took part in a commit; its absence proves nothing (every output
says so). Blames are kept by the file's blob (its text's git hash) and the repository's HEAD, so
an unchanged file is blamed once.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from codeorigin.core.markers import Provenance, Signed, signed
from codeorigin.report.data import SpanReport
from codeorigin.scan.gitio import ChangeError, run

NOT_COMMITTED = "0" * 40


@dataclass(frozen=True)
class Commit:
    """A commit as provenance needs it: who wrote it and when, and the agent it names."""

    sha: str
    author: str  # Name <email>
    author_time: int  # seconds since the epoch
    signed: Signed | None


@dataclass(frozen=True)
class Blame:
    """Each line's commit (0-based; None: not committed, or cut off by a shallow clone) and the
    commits."""

    lines: tuple[str | None, ...]
    commits: dict[str, Commit]
    shallow: bool = False  # a shallow clone: the lines before its cut have no commit

    def of(self, runs: tuple[tuple[int, int], ...]) -> list[Commit | None]:
        """The commit of each line of `runs` (1-based, inclusive), None where there is none."""
        out: list[Commit | None] = []
        for a, b in runs:
            for i in range(a - 1, min(b, len(self.lines))):
                sha = self.lines[i]
                out.append(self.commits.get(sha) if sha is not None else None)
        return out

    def main_commit(self, runs: tuple[tuple[int, int], ...]) -> tuple[str, float] | None:
        """The commit that last changed most of the lines of `runs`, with its share of them;
        None where none of them was committed."""
        commits = self.of(runs)
        counts = Counter(c.sha for c in commits if c is not None)
        if not counts:
            return None
        sha, n = counts.most_common(1)[0]
        return sha, n / len(commits)

    def provenance(self, runs: tuple[tuple[int, int], ...]) -> Provenance | None:
        """The agent that signed the commits of most of the lines of `runs`, or None."""
        commits = self.of(runs)
        by_agent: Counter[str] = Counter()
        by_commit: Counter[tuple[str, str]] = Counter()  # (agent, commit)
        marks: dict[str, Signed] = {}
        for c in commits:
            if c is not None and c.signed is not None:
                by_agent[c.signed.agent] += 1
                by_commit[(c.signed.agent, c.sha)] += 1
                marks[c.sha] = c.signed
        if not by_agent:
            return None
        agent, n = by_agent.most_common(1)[0]
        mine = [sha for (who, sha), _ in by_commit.most_common() if who == agent]
        first = marks[mine[0]]
        return Provenance(agent, n, len(commits), tuple(s[:10] for s in mine), first.marker,
                          first.pull_request)  # fmt: skip


def blob_id(text: str) -> str:
    """git's hash of a text as a blob (`git hash-object`)."""
    data = text.encode("utf-8", "surrogateescape")
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class ProvenanceError(Exception):
    """Why a file has no provenance (outside a repository, git refuses it, ...). `quiet`: the
    file is in no git work tree, which a scan need not say."""

    def __init__(self, message: str, quiet: bool = False) -> None:
        super().__init__(message)
        self.quiet = quiet


_lock = threading.Lock()
_blames: OrderedDict[tuple[str, str, str, str], Blame] = OrderedDict()
_commits: dict[tuple[str, str], Commit] = {}
KEEP = 256  # blames kept (by file, blob and HEAD)
KEEP_COMMITS = 200_000  # commits kept (a few hundred bytes each)
_run: dict[tuple[str, str], str | None] | None = None  # while `keeping()`: tops and HEADs read


@contextlib.contextmanager
def keeping() -> Iterator[None]:
    """For one batch run that reads each file's blame twice (`codeorigin calibrate`: its scan, then
    its measurement): every blame is kept until it ends, not the last `KEEP` (a repository of more
    files would have each blamed twice), and each folder's work tree and HEAD are read once (the
    repository is taken as it stands when the run reads it)."""
    global _run
    with _lock:
        outer, _run = _run, ({} if _run is None else _run)
    try:
        yield
    finally:
        with _lock:
            _run = outer
            if _run is None:
                while len(_blames) > KEEP:
                    _blames.popitem(last=False)


def _once(kind: str, key: Path, read: Callable[[], str | None]) -> str | None:
    """`read()`, or within `keeping()` what it gave for `key` before."""
    with _lock:
        memo = _run
        if memo is not None and (kind, str(key)) in memo:
            return memo[(kind, str(key))]
    found = read()
    if memo is not None:
        with _lock:
            memo[(kind, str(key))] = found
    return found


def top(path: Path) -> Path:
    """The top folder of the git work tree holding `path`; ProvenanceError when there is none."""
    folder = path if path.is_dir() else path.parent
    found = _once("top", folder, lambda: str(_top(folder)))
    assert found is not None
    return Path(found)


def _top(folder: Path) -> Path:
    try:
        out = run(["rev-parse", "--show-toplevel"], folder).strip()
    except ChangeError as exc:
        dot_git = next((p / ".git" for p in (folder, *folder.parents)
                        if os.path.lexists(p / ".git")), None)  # fmt: skip
        if "or any of the parent directories" in str(exc) and dot_git is None:
            raise ProvenanceError("not in a git work tree", quiet=True) from exc
        readable = os.R_OK | (os.X_OK if dot_git is not None and dot_git.is_dir() else 0)
        if dot_git is not None and not os.access(dot_git, readable):
            raise ProvenanceError(f"git cannot read the repository: {dot_git}: permission denied") from exc
        raise ProvenanceError(f"git cannot read the repository: {exc}") from exc
    except OSError as exc:  # no git, or the folder is gone
        raise ProvenanceError(f"git cannot run here: {exc.strerror or exc}") from exc
    if not out:
        raise ProvenanceError("not in a git work tree (a bare repository or a .git folder)")
    return Path(out)


@functools.lru_cache(maxsize=64)
def is_shallow(root: Path) -> bool:
    """Whether the repository at `root` is a shallow clone."""
    try:
        return run(["rev-parse", "--is-shallow-repository"], root).strip() == "true"
    except ChangeError:
        return False


def grafts(root: Path) -> set[str]:
    """The commits where a shallow clone's history is cut (`.git/shallow`)."""
    try:
        where = Path(run(["rev-parse", "--git-path", "shallow"], root).strip())
        return set((where if where.is_absolute() else root / where).read_text().split())
    except (ChangeError, OSError):
        return set()


SHALLOW = ("partial: the repository is a shallow clone, and the lines of the commits it cut off "
           "have none (`git fetch --unshallow` reads them)")


def head(root: Path) -> str | None:
    """The commit HEAD names, or None in a repository without commits."""
    return _once("head", root, lambda: _head(root))


def _head(root: Path) -> str | None:
    try:
        return run(["rev-parse", "--verify", "-q", "HEAD^{commit}"], root).strip() or None
    except ChangeError:
        return None


def blame(path: Path, text: str) -> Blame:
    """The blame of `text` as the file `path` of its repository (ProvenanceError: none)."""
    root = top(path)
    rel = Path(os.path.relpath(os.path.realpath(path), os.path.realpath(root))).as_posix()
    commit = head(root)
    key = (str(root), rel, blob_id(text), commit or "")
    with _lock:
        kept = _blames.get(key)
        if kept is not None:
            _blames.move_to_end(key)
            return kept
    n_lines = len(text.splitlines())
    if commit is None:  # nothing committed yet
        found = Blame((None,) * n_lines, {})
    else:
        try:
            out = run(["blame", "--porcelain", "-w", "--root", "--contents", "-", "--", rel], root,
                      stdin=text)  # fmt: skip
        except ChangeError as exc:
            if "no such path" not in str(exc):
                raise ProvenanceError(f"git blame failed: {exc}") from exc
            out = ""  # a file HEAD does not hold: none of its lines is committed
        lines, boundary = _porcelain(out, n_lines)
        shallow = bool(out) and is_shallow(root)  # a file git does not track has no cut history
        if shallow:  # its cut commits look like roots to blame: their lines are older than them
            boundary |= grafts(root)
        shas = sorted({s for s in lines if s is not None})
        commits = _read_commits(root, shas)
        kept_lines = tuple(None if s is None or s in boundary else s for s in lines)
        found = Blame(kept_lines, commits, shallow=shallow)
    with _lock:
        _blames[key] = found
        while len(_blames) > KEEP and _run is None:
            _blames.popitem(last=False)
    return found


def _porcelain(out: str, n_lines: int) -> tuple[list[str | None], set[str]]:
    """Each line's commit from `git blame --porcelain` (None: not committed yet) and the boundary
    commits (a shallow clone's cut, or a `--since` limit)."""
    lines: list[str | None] = [None] * n_lines
    boundary: set[str] = set()
    one: dict[str, str] = {}  # one string a commit, however many lines name it
    sha = ""
    for row in out.split("\n"):
        if not row:
            continue
        if row.startswith("\t"):
            continue
        head_fields = row.split(" ")
        if len(head_fields[0]) == 40 and len(head_fields) >= 3 and head_fields[2].isdigit():
            sha = one.setdefault(head_fields[0], head_fields[0])
            final = int(head_fields[2]) - 1
            if 0 <= final < n_lines:
                lines[final] = None if sha == NOT_COMMITTED else sha
        elif row == "boundary":
            boundary.add(sha)
    return lines, boundary


def _read_commits(root: Path, shas: list[str]) -> dict[str, Commit]:
    """The commits `shas` of `root`, read once each (commits never change)."""
    with _lock:
        missing = [s for s in shas if (str(root), s) not in _commits]
    if missing:
        fmt = "%H%x1f%an <%ae>%x1f%cn <%ce>%x1f%at%x1f%B%x1e"
        out = run(["log", "--no-walk=unsorted", "--stdin", f"--format={fmt}"], root,
                  stdin="\n".join(missing) + "\n")  # fmt: skip
        with _lock:
            if len(_commits) > KEEP_COMMITS:  # a long session in a large history: start afresh
                _commits.clear()
            for record in out.split("\x1e"):
                parts = record.strip("\n").split("\x1f")
                if len(parts) != 5:
                    continue
                sha, author, committer, when, message = parts
                commit = Commit(sha, author, int(when or 0), signed(message, author, committer))
                _commits[(str(root), sha)] = commit
    with _lock:
        return {s: _commits[(str(root), s)] for s in shas if (str(root), s) in _commits}


_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="codeorigin-blame")


def prefetch(items: list[tuple[Path, str]]) -> dict[Path, Future[Blame]]:
    """Start blaming these files (path, text) on threads of their own: a scan's chunk is blamed
    while the model scores it, four git processes at a time."""
    return {path: _pool.submit(blame, path, text) for path, text in items}


def mark(
    spans: list[SpanReport], path: Path, text: str, pending: Future[Blame] | None = None
) -> tuple[list[SpanReport], str | None]:
    """The spans of a scanned file with their provenance (`pending`: its blame, started by
    `prefetch`), and why it could not be read (None: read, or the file is in no git work tree,
    which needs no word)."""
    try:
        found = pending.result() if pending is not None else blame(path, text)
    except ProvenanceError as exc:
        return spans, None if exc.quiet else f"none read: {exc}"
    except (ChangeError, OSError) as exc:  # git failed midway (its commits' messages)
        return spans, f"none read: git failed: {exc}"
    marked = [
        replace(s, provenance=found.provenance(s.runs), commit=found.main_commit(s.runs))
        if s.verdict != "generated"
        else s
        for s in spans
    ]
    return marked, SHALLOW if found.shallow else None


def range_markers(root: Path, base: str, end: str = "HEAD") -> str:
    """What `scan --diff` says of the agent markers of the commits `base..end`: "agent markers
    in 3 of its 5 commits: Claude Code 2 (1a2b3c4d5e, ...), Codex 1 (...)"; "" when it has no
    commit (`--diff` alone: the uncommitted work). A commit without one proves nothing."""
    fmt = "%H%x1f%an <%ae>%x1f%cn <%ce>%x1f%B%x1e"
    try:
        out = run(["log", "--no-merges", f"--format={fmt}", f"{base}..{end}", "--"], root)
    except (ChangeError, OSError):
        return ""
    total = 0
    by: dict[str, list[str]] = {}
    for record in out.split("\x1e"):
        parts = record.strip("\n").split("\x1f")
        if len(parts) != 4:
            continue
        total += 1
        mark = signed(parts[3], parts[1], parts[2])
        if mark is not None:
            by.setdefault(mark.agent, []).append(parts[0][:10])
    if not total:
        return ""
    if not by:
        return f"no agent marker in its {total} commits (that proves nothing)"
    n = sum(len(v) for v in by.values())
    agents = ", ".join(
        f"{agent} {len(shas)} ({', '.join(shas[:3])}{', ...' if len(shas) > 3 else ''})"
        for agent, shas in sorted(by.items(), key=lambda kv: -len(kv[1]))
    )
    return f"agent markers in {n} of its {total} commits: {agents}"


def forget() -> None:
    """Drop every blame and commit kept (the bench reads each afresh)."""
    with _lock:
        _blames.clear()
        _commits.clear()
