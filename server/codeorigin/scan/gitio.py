"""git as codeorigin runs it, and files as they were at a commit: the plumbing under `changes`
(`scan --diff`), `patches` (`scan --diff-file`), `prior` (what a change's base knew) and the
server's `codeorigin.scope: changed`.

`run` gives git's output (git speaks English: `LC_ALL=C`) and raises `ChangeError` with git's own
error line. A file's version at a commit is read once (`show` keeps it by commit, immutable) and,
where it is judged (`Base.text`, `source`), read by a scan's rules: a version a scan would
skip (binary, not UTF-8, too large) has no text.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from codeorigin.scan import files as walking

_DUBIOUS = re.compile(r"detected dubious ownership in repository at '(.*)'")


class ChangeError(Exception):
    """The change cannot be read; the message says why."""


class UnsafeRepository(ChangeError):
    """git refuses the repository: another user owns it (`safe.directory`)."""


@dataclass(frozen=True)
class Base:
    """A changed file as it was at the change's base: the repository's top folder, the base
    commit (a full hash) and the file's path there (relative to `root`, POSIX)."""

    root: Path
    commit: str
    path: str

    @property
    def short(self) -> str:
        """The base commit as the change's description names it (`merge base 1a2b3c4d5e`)."""
        return self.commit[:10]

    def text(self, max_bytes: int) -> str | None:
        """The file's text at the base, None when git cannot show it or a scan would not read
        it (binary, not UTF-8, over `max_bytes`: nothing in it was judged)."""
        return source(show(self.commit, self.root, self.path), max_bytes)


def run(
    args: list[str],
    cwd: Path,
    stdin: str | None = None,
    *,
    errors: str = "replace",
    warnings: list[str] | None = None,
) -> str:
    """git's standard output (git speaks English: `LC_ALL=C`); its standard error's lines go to
    `warnings` when it succeeds. `errors="surrogateescape"` keeps file names that are not UTF-8
    as the bytes they are. A failure raises `ChangeError` with git's error line
    (`UnsafeRepository` when git refuses the repository for its owner)."""
    return run_bytes(args, cwd, stdin, warnings=warnings).decode("utf-8", errors)


def run_bytes(
    args: list[str], cwd: Path, stdin: str | None = None, *, warnings: list[str] | None = None
) -> bytes:
    """`run`'s standard output as the bytes git wrote."""
    env = {**os.environ, "LC_ALL": "C"}
    try:
        # Bytes, decoded by the caller: text mode would turn a lone CR (inside a line of a file,
        # or of a binary diffed as text) into a line end, and the diff's lines would no longer
        # match its hunk headers.
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, check=False, env=env,
            input=stdin.encode("utf-8") if stdin is not None else None,
        )  # fmt: skip
    except FileNotFoundError as exc:
        raise ChangeError("git is not installed (or not on PATH); --diff needs it") from exc
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode != 0:
        raise _failure(stderr)
    if warnings is not None:
        warnings.extend(stderr.splitlines())
    return done.stdout


def _failure(stderr: str) -> ChangeError:
    """What a failed git command says: its first `fatal:` or `error:` line (its last line when
    none), or, for a repository another user owns, what git refuses and the command that
    allows it (git's own hint is several lines)."""
    m = _DUBIOUS.search(stderr)
    if m is not None:
        return UnsafeRepository(
            f"git refuses the repository at {m[1]} because another user owns it (git's "
            "safe.directory check, common in containers and CI). If you trust it, allow it with "
            f"`git config --global --add safe.directory {m[1]}` and run again"
        )
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    said = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return ChangeError(said[0] if said else lines[-1] if lines else "git failed")


def repository_root(cwd: Path) -> Path:
    """The top folder of the git working tree `cwd` is in; `ChangeError` outside one (and
    `UnsafeRepository` in one git refuses)."""
    try:
        return Path(run(["rev-parse", "--show-toplevel"], cwd).strip()).resolve()
    except UnsafeRepository:
        raise
    except ChangeError as exc:
        raise ChangeError(f"{cwd.resolve()} is not inside a git repository ({exc})") from None


def head_bytes(path: Path) -> bytes | None:
    """The bytes of `path` at HEAD; None when git does not know it there (a new or untracked
    file: all of it is a change). Raises `ChangeError` outside a repository, or without git.

    The server asks on every re-analysis with `codeorigin.scope: changed`, so it costs one `git
    rev-parse`; the file at a given HEAD commit is read once (`show`)."""
    path = path.resolve()
    try:
        root, head = run(["rev-parse", "--show-toplevel", "HEAD"], path.parent).split()[:2]
    except (ChangeError, ValueError):
        repository_root(path.parent)  # outside a repository: says so; else there is no HEAD yet
        return None
    return show(head, Path(root).resolve(), path.relative_to(Path(root).resolve()).as_posix())


def source(data: bytes | None, max_bytes: int) -> str | None:
    """A version's text as a scan reads it; None when there is none or a scan would skip it
    (binary, not UTF-8, over `max_bytes`: nothing in it was judged)."""
    if data is None:
        return None
    try:
        return walking.decode_source(data, max_bytes=max_bytes)
    except walking.FileError:
        return None


@functools.lru_cache(maxsize=64)
def show(commit: str, root: Path, rel: str) -> bytes | None:
    """A file's bytes at a commit (immutable, so they can be kept), or None when not there."""
    try:
        return run_bytes(["show", f"{commit}:./{rel}"], root)
    except ChangeError:
        return None
