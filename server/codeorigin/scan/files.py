"""Finding and reading the files `codeorigin scan` looks at.

Walks files and folders, skipping version-control folders, virtual environments, dependency folders,
binary files and what `.gitignore` files exclude; reads text as UTF-8 (with a clear error otherwise).
Vendored folders and generated files (`core.generated`) are yielded as skipped, with the reason, unless
the caller includes generated code, and so is what the project's settings file excludes; a path that
does not exist is yielded with that error, so a scan reports it and goes on.
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from codeorigin.core import generated, languages
from codeorigin.report.data import MISSING
from codeorigin.scan.project import Exclusions

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
    try:
        return (path / "pyvenv.cfg").is_file() or (path / "conda-meta").is_dir()
    except OSError:  # a folder we may not look into is read (and reported) by the walk
        return False


def skipped_folder(path: Path) -> bool:
    """Whether a scan's folder walk leaves the folder `path` out, unread and unlisted: version
    control, caches, dependency folders (`node_modules`), `*.egg-info` and virtual environments
    (by name or by their `pyvenv.cfg`/`conda-meta`). `scan --diff` applies the same rule to the
    files git does not track."""
    name = path.name
    return name in SKIP_DIRS or name.endswith(".egg-info") or is_virtualenv(path)


def in_skipped_folder(root: Path, folders: tuple[str, ...], memo: dict[Path, bool]) -> bool:
    """Whether one of the nested `folders` under `root` (a path's parts) is one a scan's folder
    walk leaves out (`skipped_folder`); `memo` keeps the folders seen."""
    folder = root
    for part in folders:
        folder = folder / part
        if folder not in memo:
            memo[folder] = skipped_folder(folder)
        if memo[folder]:
            return True
    return False


def in_repository(path: Path, root: Path | None = None) -> Path:
    """`path` as vendored-folder rules read it (`core.generated.path_reason`): relative to the top
    of the git repository it is in, else to `root` (the folder a scan walked it from), else to the
    current folder when it is under it, else its name alone. The folders above a project (a
    checkout under `~/src/third_party/`) say nothing about its own files."""
    try:
        full, here = path.absolute(), Path.cwd()
    except OSError:  # the current folder was removed
        return Path(path.name)
    top = _repository_top(full.parent)
    for base in (top, root.absolute() if root is not None else None, here):
        if base is not None and base in full.parents:
            return full.relative_to(base)
    return Path(path.name)


@functools.lru_cache(maxsize=4096)
def _repository_top(folder: Path) -> Path | None:
    try:
        if (folder / ".git").exists():
            return folder
    except OSError:  # a folder we may not look into: no repository we can tell
        pass
    return None if folder.parent == folder else _repository_top(folder.parent)


def is_binary(data: bytes) -> bool:
    """A NUL byte in the first 8 KiB marks a binary file (git's own rule)."""
    return b"\x00" in data[:8192]


class FileError(Exception):
    """A file that cannot be scanned; the message says why."""


class TooLarge(FileError):
    """A file over the size limit the caller set (`--max-file-bytes`, `codeorigin.maxFileBytes`)."""


def _wide_encoding(data: bytes) -> str | None:
    """UTF-16 or UTF-32 by its byte-order mark (their NUL bytes would read as a binary file)."""
    for bom, name in ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
                      (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):  # fmt: skip
        if data.startswith(bom):
            return name
    return None


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
        raise TooLarge(f"larger than the size limit ({size:,} > {max_bytes:,} bytes)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileError(f"cannot read: {exc.strerror or exc}") from exc
    return decode_source(data, max_bytes=max_bytes)


def decode_source(data: bytes, *, max_bytes: int) -> str:
    """A file's bytes as the text a scan reads, by `read_text`'s rules (a version of it that git
    keeps, too). Raises FileError for binary, too large or non-UTF-8 data."""
    if len(data) > max_bytes:
        raise TooLarge(f"larger than the size limit ({len(data):,} > {max_bytes:,} bytes)")
    wide = _wide_encoding(data)
    if wide is not None:
        raise FileError(f"{wide} text (it starts with a byte-order mark), not UTF-8")
    if is_binary(data):
        raise FileError("binary file")
    if is_lfs_pointer(data):
        raise FileError("a Git LFS pointer, not the file's content (git lfs pull fetches it)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileError(f"not valid UTF-8 (byte {exc.start})") from exc


def is_lfs_pointer(data: bytes) -> bool:
    """Whether `data` is a Git LFS pointer (what a clone without git-lfs, or git's own history,
    holds in place of a file LFS stores): a few lines naming the content's hash and size."""
    return (
        len(data) < 1024  # the spec's limit
        and data.startswith(b"version https://git-lfs.github.com/spec/v1\n")
        and b"\noid sha256:" in data
    )


@dataclass(frozen=True)
class Candidate:
    """A file (or a skipped folder) the scan reports on. `language` is from the extension (a `.h`
    file is decided once its text is read); `skipped` says why it is not read at all."""

    path: Path
    display: str
    language: str | None
    skipped: str | None = None
    missing: bool = False
    root: Path | None = None  # the folder the walk found it in (None: a file named as it is)
    # `display` is a name a `--repos` list gave (`github.com/org/app/x.py`), not a path from the
    # working folder: a baseline matches it as written, wherever the scan runs.
    named: bool = False


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


def language_of(path: Path, mapping: dict[str, str] | None) -> str | None:
    if mapping:
        mapped = mapping.get(path.suffix.lower())
        if mapped is not None:
            return mapped
    return languages.from_path(path)


def walk(
    paths: list[Path],
    *,
    explicit_all: bool = True,
    mapping: dict[str, str] | None = None,
    include_generated: bool = False,
    exclude: Exclusions | None = None,
) -> Iterator[Candidate]:
    """Files to scan under `paths`, in a stable order.

    A file named explicitly is always yielded (with its language or None); files found in folders
    are yielded only when their extension names a supported language (or one `mapping` gives) and
    no rule skips them. Unless `include_generated`, a vendored folder is yielded once, skipped, and
    a file whose path says it is generated is yielded skipped (its content is judged later). A
    path that does not exist, or a folder named in `paths` that cannot be listed, is yielded with
    `missing` set; a folder inside that cannot be listed is yielded skipped, with the reason. A
    file or folder found in a folder that `exclude` matches (the project's settings file,
    `--exclude`) is yielded skipped, with the pattern, and a folder is not entered.
    """
    for root in paths:
        try:
            os.lstat(root)
        except OSError as exc:  # missing, or a path the system will not look up (EACCES: a
            # folder on it we may not search; a name too long): an error, as a missing path is
            gone = isinstance(exc, (FileNotFoundError, NotADirectoryError))
            error = MISSING if gone else f"cannot read: {exc.strerror or exc}"
            yield Candidate(root, str(root), None, error, missing=True)
            continue
        if not os.path.isdir(root):  # a file, a FIFO or device (read_text refuses them)
            if explicit_all:
                why = None if include_generated else generated.path_reason(root.name)
                yield Candidate(root, str(root), language_of(root, mapping), why)
            continue
        # Stack of (.gitignore directory, spec) that apply below the current folder.
        specs: list[tuple[Path, pathspec.PathSpec]] = []
        unreadable: list[OSError] = []  # folders os.walk could not list, reported as skipped
        for dirpath_s, dirnames, filenames in os.walk(root, onerror=unreadable.append):
            yield from _unreadable(unreadable, root)
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
                if skipped_folder(sub):
                    continue
                if sub.is_symlink() or ignored(sub, True):
                    continue
                why = exclude.reason(sub, True) if exclude else None
                if why is not None:
                    yield Candidate(sub, str(sub), None, why)
                    continue
                if not include_generated and generated.vendored_dir(name):
                    yield Candidate(sub, str(sub), None, f"vendored ({name}/), not scored")
                    continue
                keep.append(name)
            dirnames[:] = keep
            for name in sorted(filenames):
                p = dirpath / name
                lang = language_of(p, mapping)
                if lang is None or ignored(p, False) or p.is_symlink():
                    continue
                why = exclude.reason(p) if exclude else None
                if why is None and not include_generated:
                    why = generated.path_reason(name)
                yield Candidate(p, str(p), lang, why, root=root)
        yield from _unreadable(unreadable, root)


def _unreadable(errors: list[OSError], root: Path) -> Iterator[Candidate]:
    """The folders the walk could not list, as skipped candidates (and empties `errors`). The
    folder named on the command line (`root`) is an error when it cannot be listed, as a missing
    one is; a folder inside it is skipped, with the reason."""
    for exc in errors:
        path = Path(exc.filename) if exc.filename is not None else root
        why = f"cannot read: {exc.strerror or exc}"
        yield Candidate(path, str(path), None, why, missing=path == root)
    errors.clear()
