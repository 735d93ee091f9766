"""`scan --diff [REV]` and `scan --diff-file PATCH|-`: the command-line side of judging a change.

The arguments, and turning them into the changed lines a scan keeps (`changes`). `--diff REV`
takes the revision; when REV is not a revision but an existing file or folder (`scan --diff src/`,
or the file names pre-commit appends), it is taken as a PATH and the diff is against HEAD.

`--pre-commit` is what the pre-commit hook runs: `--diff PRE_COMMIT_FROM_REF` when pre-commit
names the commits to judge (`pre-commit run --from-ref X --to-ref Y` in CI, the `pre-push` stage),
else `--diff HEAD`, the staged change. The files on disk are what is judged, so the `--to-ref`
must be the commit checked out.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

if TYPE_CHECKING:
    from codeorigin.scan.changes import Base, Changes

_HEAD = "\0head"  # `--diff` without REV
# No patch is this large; a device or an endless pipe (`--diff-file /dev/zero`) would be read
# until memory runs out.
MAX_PATCH_BYTES = 256 * 1024 * 1024


class Found(NamedTuple):
    """What `--diff`/`--diff-file` name: the changed lines per file (resolved paths, 1-based
    lines), a description of the change, the files of the change under the PATHs given that
    cannot be read, with why (listed as skipped in the report), and where the changed files were
    at the base (`Changes.before`: `--diff` only, a patch has no base)."""

    lines: dict[Path, frozenset[int]]
    description: str
    skipped: dict[Path, str]
    before: dict[Path, Base]


def add_arguments(scan: argparse.ArgumentParser) -> None:
    group = scan.add_mutually_exclusive_group()
    group.add_argument(
        "--diff",
        metavar="REV",
        nargs="?",
        const=_HEAD,
        default=None,
        help="judge only the spans a change touched: the working tree against the merge base "
        "of REV and HEAD (git diff REV...HEAD), or against HEAD without REV",
    )
    group.add_argument(
        "--pre-commit",
        action="store_true",
        help="what pre-commit hands over: the commits from PRE_COMMIT_FROM_REF to "
        "PRE_COMMIT_TO_REF (pre-commit run --from-ref/--to-ref, pre-push) when pre-commit "
        "sets them, else the staged change (--diff HEAD)",
    )
    group.add_argument(
        "--diff-file",
        metavar="PATCH",
        default=None,
        help="judge only the spans this unified diff adds or modifies ('-': standard input); "
        "its paths are read from the current folder",
    )


def changes(args: argparse.Namespace, mapping: dict[str, str]) -> Found | None:
    """The changed lines `--diff`/`--diff-file` name, with their description; None when neither
    is given; with the files of the change it does not read (a symbolic link, never followed, a
    FIFO, a folder it may not list, a submodule), which the report lists as skipped. An empty REV
    (`--diff ""`) is refused, never taken for the current folder. `mapping`: `--extension`'s, which
    says what an untracked file's language is. Prints the reason and raises SystemExit(2) when
    the change cannot be read."""
    from codeorigin.scan import changes as git_changes

    if getattr(args, "pre_commit", False):
        args.diff = _pre_commit_revision()
        if os.environ.get("PRE_COMMIT") == "1" and not args.paths:
            # pre-commit runs the hook even without a file (`always_run`), so that a push of
            # another branch, whose files are not on disk, is refused above, not skipped:
            # without one, nothing it hands over is in a language codeorigin reads.
            where = "against HEAD" if args.diff == _HEAD else f"since {args.diff}"
            return Found({}, f"{where} (pre-commit named no file codeorigin reads)", {}, {})
    if args.diff is None and args.diff_file is None:
        return None
    if args.ray is not None or args.repos is not None:
        _fail("--diff and --diff-file scan one working tree; they cannot go with --ray or --repos")
    max_bytes = getattr(args, "max_file_bytes", None)
    try:
        if args.diff_file is not None:
            found = _from_patch(args.diff_file, max_bytes, mapping)
        else:
            found = _from_git(args, mapping, max_bytes)
    except git_changes.ChangeError as exc:
        _fail(str(exc))
    skipped = {**_under(found.skipped, args.paths), **_gone(args.paths, found.deleted)}
    if found.root is not None and found.base is not None and not args.no_provenance:
        from codeorigin.scan.provenance import range_markers

        said = range_markers(found.root, found.base)
        found = replace(found, description=f"{found.description}{'; ' + said if said else ''}")
    subs = _submodules(skipped)
    if subs:  # the description says it too, beside the submodules' skipped lines
        return Found(found.lines, f"{found.description}; not following the changes inside {subs}",
                     skipped, found.before)  # fmt: skip
    return Found(found.lines, found.description, skipped, found.before)


def _from_git(args: argparse.Namespace, mapping: dict[str, str], max_bytes: int | None) -> Changes:
    from codeorigin.scan import changes as git_changes

    rev = None if args.diff == _HEAD else args.diff
    # An empty REV (`--diff "$UNSET"`) is no path either (`Path("")` is the current folder):
    # `from_git` refuses it.
    if rev is not None and rev.strip() and not _is_revision(rev) and os.path.exists(rev):
        args.paths = [Path(rev), *args.paths]  # a PATH argparse took for REV
        rev = None
    elif rev is not None and rev.strip() and os.path.exists(rev):  # git would call it ambiguous
        print(f"codeorigin scan: --diff {rev}: '{rev}' is a revision and a path here; read as "
              f"the revision (for the path's changes: --diff -- {rev})",
              file=sys.stderr)  # fmt: skip
    found = git_changes.from_git(rev, mapping=mapping, max_bytes=max_bytes)
    root = git_changes.repository_root(Path.cwd())
    inner: dict[Path, str] = {}
    for path in args.paths:
        where = Path(os.path.abspath(path))
        if where != root and root not in where.parents:
            _fail(f"{path} is outside the git repository whose change --diff judges ({root})")
        inner |= {sub: git_changes.SUBMODULE for sub in _repositories_between(root, where)}
    return replace(found, skipped={**found.skipped, **inner}) if inner else found


def _repositories_between(root: Path, where: Path) -> list[Path]:
    """The submodules (or other repositories) that hold `where` below `root`: the change of
    `root` never shows their files, not even a new one."""
    below = [p for p in where.resolve().parents if root in p.parents]
    return [p for p in below if os.path.exists(p / ".git")]


def _under(skipped: dict[Path, str], paths: list[Path]) -> dict[Path, str]:
    """The files and folders of the change that cannot be read, under `paths` (everywhere when
    none is given), and a submodule that holds one of `paths` (`--diff sub/new.py`)."""
    roots = [root for p in paths for root in _real(p)]
    return {
        path: why
        for path, why in sorted(skipped.items())
        if not roots or any(path == r or r in path.parents or path in r.parents for r in roots)
    }


def _gone(paths: list[Path], deleted: frozenset[Path]) -> dict[Path, str]:
    """The `paths` that no longer exist because the change deleted them (a file, or a folder of
    deleted files), by their absolute path as the scan meets them, with why."""
    from codeorigin.report.data import DELETED

    out = {}
    for path in paths:
        if os.path.lexists(path):
            continue
        where = Path(os.path.abspath(path)).resolve()  # its folders' links resolved
        if where in deleted or any(where in d.parents for d in deleted):
            out[Path(os.path.abspath(path))] = DELETED
    return out


def _submodules(skipped: dict[Path, str]) -> str:
    """The submodules among the skipped, for the change's description (`submodule sub`,
    `submodules sub and lib/other`), or ""."""
    from codeorigin.scan.changes import SUBMODULE

    subs = [_shown(path) for path, why in skipped.items() if why == SUBMODULE]
    names = ", ".join(subs[:-1]) + " and " + subs[-1] if len(subs) > 1 else "".join(subs)
    return f"submodule{'s' if len(subs) > 1 else ''} {names}" if subs else ""


def _real(path: Path) -> list[Path]:
    """`path` as the change names its files: its folders resolved, and the link itself when it
    is a symbolic link (the change lists a link, never what it points to), else resolved too
    (a linked folder holds the files of its target); a link loop: as it is written."""
    absolute = Path(os.path.abspath(path))
    try:
        if absolute.is_symlink():
            return [absolute.parent.resolve() / absolute.name, absolute.resolve()]
        return [absolute.resolve()]
    except (OSError, RuntimeError):
        return [absolute]


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)


def _from_patch(name: str, max_bytes: int | None, mapping: dict[str, str]) -> Changes:
    """The change of `--diff-file NAME` (`-`: standard input). The patch is read as bytes, the
    same from a file or a pipe whatever the locale: UTF-8, a byte that is not kept as itself
    (`surrogateescape`: a Latin-1 line, a file name in another encoding), and no newline
    translation (a lone CR inside a line is not a line end for git)."""
    from codeorigin.scan import changes as git_changes
    from codeorigin.scan import patches

    if name == "-":
        stream = getattr(sys.stdin, "buffer", sys.stdin)  # a text stream where one replaced it
        if stream is None:
            raise git_changes.ChangeError("--diff-file -: there is no standard input to read")
        raw = _read_patch(stream, name)
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw
        label = "the patch on standard input"
    else:
        try:
            with open(name, "rb") as handle:
                data = _read_patch(handle, name)
        except OSError as exc:
            raise git_changes.ChangeError(
                f"--diff-file: cannot read {name}: {exc.strerror or exc}"
            ) from exc
        label = name
    text = data.decode("utf-8", "surrogateescape")
    return patches.from_patch(text, name=label, max_bytes=max_bytes, mapping=mapping)


def _read_patch(stream: Any, name: str) -> Any:
    """The patch read from `stream` (bytes, or text where stdin was replaced), refused with a
    `ChangeError` once it is over `MAX_PATCH_BYTES`: never read to the end of an endless one."""
    from codeorigin.scan.changes import ChangeError

    chunks, size = [], 0
    while chunk := stream.read(1 << 20):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_PATCH_BYTES:
            raise ChangeError(
                f"--diff-file {name}: larger than {MAX_PATCH_BYTES >> 20} MiB, and no patch is "
                "that large: is it a device such as /dev/zero, or a command that never ends?"
            )
    return (chunks[0][:0] if chunks else b"").join(chunks)


def _pre_commit_revision() -> str:
    """`--pre-commit`'s revision: PRE_COMMIT_FROM_REF when pre-commit sets it with
    PRE_COMMIT_TO_REF, else HEAD. Refuses a TO_REF that is not the commit checked out (pushing
    another branch): the scan reads the files on disk, which are not that commit's."""
    start, end = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
    if not start or not end:
        return _HEAD
    if _commit(end) != _commit("HEAD"):
        _fail(
            f"pre-commit asks for the commits up to {end[:12]}, but HEAD is another commit: "
            "codeorigin judges the files on disk, so check that commit out first (or skip the "
            "hook for this run: SKIP=codeorigin)"
        )
    return start


def _commit(rev: str) -> str | None:
    from codeorigin.scan.changes import commit_of

    return commit_of(rev, Path.cwd())


def _is_revision(rev: str) -> bool:
    return _commit(rev) is not None


def _fail(message: str) -> NoReturn:
    print(f"codeorigin scan: {message}", file=sys.stderr)
    raise SystemExit(2)
