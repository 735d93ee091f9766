"""The files a scan reads, in chunks: the paths walked (`files.walk`) or, for `scan --diff`, the
changed files; each read, its language decided (a `.h` file from its content, a user's extension
mapping first) and generated files set aside; then grouped into the chunks that are scored together.
A local scan and a Ray scan cut the same chunks, so their spans share the same batches.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from codeorigin.core import generated, languages
from codeorigin.report.data import DELETED, MISSING, FileReport
from codeorigin.scan.files import Candidate, FileError, TooLarge, in_repository, read_text, walk
from codeorigin.scan.options import ScanOptions

if TYPE_CHECKING:
    pass


# A chunk of files scored together: large enough to fill batches across files, small enough to
# bound memory and keep the progress bar moving.
CHUNK_CHARS = 2_000_000


CHUNK_FILES = 256


@dataclass
class Read:
    """A file read and ready to score: its candidate, language and text."""

    candidate: Candidate
    language: str
    text: str


def file_language(path: Path, text: str, mapping: dict[str, str]) -> str | None:
    """The language of a file read from disk (`languages.for_file`)."""
    return languages.for_file(path, text, None, mapping)


def _read(cand: Candidate, options: ScanOptions) -> Read | FileReport:
    """A file to score, or the report of why it is skipped."""
    if cand.skipped is not None:
        why = cand.skipped
        if not cand.missing and "not scored" not in why:
            why = f"{why}, not scored"
        return FileReport(cand.display, cand.language, None, why)
    if cand.language is None:
        try:
            cand.path.stat()  # a link that loops or points nowhere: that, not its extension
        except OSError as exc:
            return FileReport(cand.display, None, None, f"cannot read: {exc.strerror or exc}")
        return FileReport(cand.display, None, None, languages.unsupported(cand.path))
    try:
        text = read_text(cand.path, max_bytes=options.max_file_bytes)
    except FileError as exc:
        # A generated file that is also binary, not UTF-8 or too large (protobuf descriptors) is
        # reported as generated: that is the reason a reader needs.
        reason = None if options.engine.include_generated else _header_of(cand.path)
        why = f"{reason}, not scored" if reason else str(exc)
        if isinstance(exc, TooLarge) and not reason:
            why += "; --max-file-bytes raises it"
        return FileReport(cand.display, cand.language, None, why)
    language = file_language(cand.path, text, options.mapping) or cand.language
    if not options.engine.include_generated:
        reason = generated.file_reason(in_repository(cand.path, cand.root), text)
        if reason is not None:
            return FileReport(cand.display, language, None, f"{reason}, not scored")
    return Read(cand, language, text)


def _header_of(path: Path) -> str | None:
    try:
        if not path.is_file():
            return None
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError:
        return None
    return generated.header_reason(head.decode("utf-8", "replace"))


def candidates(
    paths: list[Path], options: ScanOptions, labels: dict[Path, str] | None = None
) -> list[Candidate]:
    """The files under `paths`, in a stable order (`files.walk`), each once. A root with a label
    (`--repos`: a cloned repository) shows its files as `label/relative path` instead of the
    root's own path, so reports do not name a temporary folder."""
    out: list[Candidate] = []
    seen: set[Path] = set()  # a file reached twice (`scan . ./a.py`) is scanned once
    tops = {_resolved(r) for r in labels or {}}
    for root in paths:
        label = (labels or {}).get(root)  # a repository of `--repos`: --exclude from its top
        inner = [t for t in tops if _resolved(root) in t.parents]  # an entry listed inside it
        exclude = options.exclude.rebased(root) if label is not None else options.exclude
        for cand in walk(
            [root],
            mapping=options.mapping,
            include_generated=options.engine.include_generated,
            exclude=exclude,
        ):
            if not cand.missing:
                where = _resolved(cand.path)
                if where in seen or any(t in where.parents for t in inner):
                    continue  # scanned once; an entry's own files are reported under its name
                seen.add(where)
            if label is not None:
                cand = replace(cand, display=label + cand.display[len(str(root)) :], named=True)
            out.append(cand)
    return out


def _resolved(path: Path) -> Path:
    """The real path of `path`; a link loop (RuntimeError in Python 3.11) or an unreadable one
    gives its absolute path instead: it is reported when read."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def changed(paths: list[Path], options: ScanOptions) -> list[Candidate]:
    """`scan --diff`: the changed files under `paths` (all of them when none is given) in a
    language codeorigin reads, named relative to the current folder. A path that does not exist
    is reported as missing, as in any scan, unless the change deleted it (listed as skipped)."""
    assert options.changed is not None
    items = options.changed_skipped.items()
    skipped = [Candidate(p, display_path(p), None, why) for p, why in items]
    out = [Candidate(Path(p), str(p), None, MISSING, missing=True) for p in paths if not
           os.path.exists(p) and (Path(os.path.abspath(p)), DELETED) not in items]  # fmt: skip
    roots = [p.resolve() for p in paths if os.path.exists(p)]  # os.path's never raise (EACCES)
    if paths and not roots:
        return out + skipped  # listed with why
    for path in sorted(options.changed):
        if roots and not any(path == r or r in path.parents for r in roots):
            continue
        if (why := options.exclude.reason(path)) is not None:  # listed, with why
            out.append(Candidate(path, display_path(path), languages.from_path(path), why))
            continue
        for cand in walk(
            [Path(display_path(path))],
            mapping=options.mapping,
            include_generated=options.engine.include_generated,
        ):
            if cand.language is not None and path.is_file():
                out.append(cand)
    return out + skipped  # listed with why


def display_path(path: Path) -> str:
    """A changed file as reports name it: relative to the current folder (`../util.py` from a
    subfolder, as git names it there), absolute only on another drive (Windows)."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def chunks(
    candidates: list[Candidate], options: ScanOptions, chunk_files: int = CHUNK_FILES
) -> Iterator[list[Read | FileReport]]:
    """The candidates read and grouped into the chunks that are scored together: a chunk ends at
    `CHUNK_CHARS` characters or `chunk_files` files. A local scan and a Ray scan cut the same
    chunks, so their spans share the same batches and get the same scores."""
    chunk: list[Read | FileReport] = []
    chars = 0
    for cand in candidates:
        item = _read(cand, options)
        chunk.append(item)
        if isinstance(item, Read):
            chars += len(item.text)
        if chars >= CHUNK_CHARS or len(chunk) >= chunk_files:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk


def display(item: Read | FileReport) -> str:
    """The path a chunk item is reported under."""
    return item.candidate.display if isinstance(item, Read) else item.path
