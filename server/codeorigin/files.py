"""Finding and reading the files `codeorigin scan` looks at.

Walks files and folders, skipping version-control folders, virtual environments, dependency folders,
binary files and what `.gitignore` files exclude; reads text as UTF-8 (with a clear error otherwise).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from codeorigin.core import languages

SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    ".eggs",
    "site-packages",
    "dist-packages",
}


def is_virtualenv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file() or (path / "conda-meta").is_dir()


def is_binary(data: bytes) -> bool:
    """A NUL byte in the first 8 KiB marks a binary file (git's own rule)."""
    return b"\x00" in data[:8192]


class FileError(Exception):
    """A file that cannot be scanned; the message says why."""


def read_text(path: Path, *, max_bytes: int) -> str:
    """The file's text. Raises FileError for unreadable, binary, too large or non-UTF-8 files,
    and for what is not a regular file (reading a FIFO or a device would block or never end)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise FileError(f"cannot read: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise FileError("not a regular file")
    size = info.st_size
    if size > max_bytes:
        raise FileError(f"larger than maxFileBytes ({size} > {max_bytes} bytes)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileError(f"cannot read: {exc.strerror or exc}") from exc
    if is_binary(data):
        raise FileError("binary file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileError(f"not valid UTF-8 (byte {exc.start})") from exc


@dataclass(frozen=True)
class Candidate:
    path: Path
    display: str
    language: str | None


def _gitignore(dirpath: Path) -> pathspec.PathSpec | None:
    gi = dirpath / ".gitignore"
    if not gi.is_file():
        return None
    try:
        return pathspec.PathSpec.from_lines(
            "gitwildmatch", gi.read_text(encoding="utf-8", errors="replace").splitlines()
        )
    except Exception:
        return None


def walk(paths: list[Path], *, explicit_all: bool = True) -> Iterator[Candidate]:
    """Files to scan under `paths`, in a stable order.

    A file named explicitly is always yielded (with its language or None); files found in folders
    are yielded only when their extension names a supported language and no rule skips them.
    """
    for root in paths:
        if not root.is_dir():  # a file, a FIFO or device (read_text refuses them), or nothing
            if explicit_all:
                yield Candidate(root, str(root), languages.from_path(root))
            continue
        # Stack of (.gitignore directory, spec) that apply below the current folder.
        specs: list[tuple[Path, pathspec.PathSpec]] = []
        for dirpath_s, dirnames, filenames in os.walk(root):
            dirpath = Path(dirpath_s)
            specs = [(d, s) for d, s in specs if d == dirpath or d in dirpath.parents]
            spec = _gitignore(dirpath)
            if spec is not None:
                specs.append((dirpath, spec))

            def ignored(
                p: Path, is_dir: bool, specs: list[tuple[Path, pathspec.PathSpec]] = specs
            ) -> bool:
                for d, s in specs:
                    rel = p.relative_to(d).as_posix() + ("/" if is_dir else "")
                    if s.match_file(rel):
                        return True
                return False

            keep = []
            for name in sorted(dirnames):
                sub = dirpath / name
                if name in SKIP_DIRS or name.endswith(".egg-info") or is_virtualenv(sub):
                    continue
                if sub.is_symlink() or ignored(sub, True):
                    continue
                keep.append(name)
            dirnames[:] = keep
            for name in sorted(filenames):
                p = dirpath / name
                lang = languages.from_path(p)
                if lang is None or ignored(p, False) or p.is_symlink():
                    continue
                yield Candidate(p, str(p), lang)
