"""The repository as it stood before coding agents: the tree of HEAD's last first-parent commit
committed before `CUTOFF`, written into a folder for `codeorigin calibrate` to scan as people's
code.

`git blame` dates only the functions that no one has touched since the cut-off, and in a
repository that kept moving that is a few: most of its people's functions of 2022 were edited
since, and a baseline of HEAD's lines alone may stay under the size a bound needs. The tree at the
cut-off holds every function people had written by then, as they wrote it. Only what a scan
could judge is written out (files of a language the span finder reads, under the scan's size
limit, and the `.gitignore` files that decide what it walks); git's `export-ignore` attributes
do not apply, as they would to `git archive`.
"""

from __future__ import annotations

import errno
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from codeorigin.core.markers import CUTOFF
from codeorigin.scan import gitio
from codeorigin.scan.files import language_of

#: Blobs read from one `git cat-file --batch` call.
BATCH = 2_000


@dataclass(frozen=True)
class Snapshot:
    """A commit's tree written into `folder`: the commit (a full hash), its committer date
    (YYYY-MM-DD) and how many files were written."""

    commit: str
    date: str
    folder: Path
    files: int


def cutoff_commit(root: Path) -> tuple[str, str] | None:
    """HEAD's last first-parent commit committed before `CUTOFF` (UTC) and its committer date;
    None when the history starts after it (or git cannot say)."""
    try:
        out = gitio.run(["log", "-1", "--first-parent", f"--before={CUTOFF.isoformat()}T00:00:00Z",
                         "--format=%H %cs", "HEAD"], root).split()  # fmt: skip
    except gitio.ChangeError:
        return None
    return (out[0], out[1]) if len(out) == 2 else None


def _blobs(root: Path, commit: str) -> dict[bytes, bytes]:
    """Each path of the commit's tree and its object."""
    out = gitio.run_bytes(["ls-tree", "-r", "-z", commit], root)
    return {raw: head.split()[2] for head, _, raw in (e.partition(b"\t") for e in out.split(b"\0") if e)}


def _entries(root: Path, commit: str, max_bytes: int, mapping: dict[str, str] | None) -> list[tuple[str, str]]:
    """(object, path) of the commit's blobs a scan could judge, and its `.gitignore` files; not a
    file HEAD holds as it was (blame dates its every function before the cut-off already)."""
    out = gitio.run_bytes(["ls-tree", "-r", "-z", "--long", commit], root)
    now = _blobs(root, "HEAD")
    kept = []
    for entry in out.split(b"\0"):
        head, _, raw = entry.partition(b"\t")
        fields = head.split()
        if len(fields) != 4 or fields[1] != b"blob" or fields[0] not in (b"100644", b"100755"):
            continue  # a symbolic link, a submodule's commit, or the end
        if not fields[3].isdigit():
            continue  # its size is "BAD": the object is missing (a partial clone's)
        if now.get(raw) == fields[2] and not raw.endswith(b".gitignore"):  # unchanged since
            continue
        path = raw.decode("utf-8", "surrogateescape")
        parts = PurePosixPath(path).parts
        if not parts or path.startswith("/") or ".." in parts:
            continue
        if parts[-1] != ".gitignore" and (
            int(fields[3]) > max_bytes or language_of(Path(path), mapping) is None
        ):
            continue
        kept.append((fields[2].decode("ascii"), path))
    return kept


def _write(root: Path, entries: list[tuple[str, str]], folder: Path) -> None:
    """Each entry's blob at its path under `folder`, read in batches from `git cat-file`."""
    for i in range(0, len(entries), BATCH):
        batch = entries[i : i + BATCH]
        out = gitio.run_bytes(["cat-file", "--batch"], root, "\n".join(o for o, _ in batch) + "\n")
        pos = 0
        for _, path in batch:
            end = out.index(b"\n", pos)
            head = out[pos:end].split()
            if len(head) != 3 or head[1] != b"blob":  # "<object> missing": a partial clone's
                pos = end + 1
                continue
            size = int(head[2])
            data = out[end + 1 : end + 1 + size]
            pos = end + 1 + size + 1  # the blob, then a line end
            target = folder / path
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            except OSError as exc:  # a name this file system cannot hold: that file is left out
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):  # a full disk: no tree (the caller says)
                    raise


@contextmanager
def written(
    root: Path, max_bytes: int, mapping: dict[str, str] | None = None
) -> Iterator[Snapshot | None]:
    """The tree at the cut-off (`cutoff_commit`) written into a temporary folder, removed
    afterwards; None when the history starts after the cut-off."""
    found = cutoff_commit(root)
    if found is None:
        yield None
        return
    commit, day = found
    entries = _entries(root, commit, max_bytes, mapping)
    with tempfile.TemporaryDirectory(prefix="codeorigin-snapshot-") as tmp:
        folder = Path(tmp) / root.name
        folder.mkdir()
        _write(root, entries, folder)
        yield Snapshot(commit, day, folder, sum(not p.endswith(".gitignore") for _, p in entries))


def heading(found: tuple[str, str] | None) -> str:
    """What the report's line on the baseline adds for the tree read (its commit and date)."""
    if found is None:
        return ""
    return f", and those of the tree at {found[0][:10]} ({found[1]}, the last commit before that day) as they stood there"


def said(found: tuple[str, str] | None, rows: list[dict[str, Any]]) -> list[str]:
    """The report's lines on what the tree added to each language's baseline and took out of its
    agent set (`calibration.Language.figures`' rows)."""
    if found is None:
        return []
    older = [f"{r['language']} {r['baseline_snapshot']:,}" for r in rows if r["baseline_snapshot"]]
    moved = [f"{r['language']} {r['agent_known_before']:,}" for r in rows if r["agent_known_before"]]
    lines = []
    if older:
        lines += ["", f"Of the baseline, the tree at {found[0][:10]} adds the functions people had "
                  f"written by then that have been edited since or are gone: {', '.join(older)}."]  # fmt: skip
    if moved:
        lines += ["", "Left out of the agent set: functions an agent's commit holds whose text "
                  f"stood in that tree already (moved, not written): {', '.join(moved)}."]  # fmt: skip
    return lines
