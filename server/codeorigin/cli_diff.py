"""`scan --diff [REV]` and `scan --diff-file PATCH|-`: the command-line side of judging a change.

The arguments, and turning them into the changed lines a scan keeps (`changes`). `--diff REV`
takes the revision; when REV is not a revision but an existing file or folder (`scan --diff src/`,
or the file names pre-commit appends), it is taken as a PATH and the diff is against HEAD.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

_HEAD = "\0head"  # `--diff` without REV
Found = tuple[dict[Path, frozenset[int]], str]  # changed lines per file, and a description


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
        "--diff-file",
        metavar="PATCH",
        default=None,
        help="judge only the spans this unified diff adds or modifies ('-': standard input); "
        "its paths are read from the current folder",
    )


def changes(args: argparse.Namespace) -> Found | None:
    """The changed lines `--diff`/`--diff-file` name, with their description; None when neither
    is given. Prints the reason and raises SystemExit(2) when the change cannot be read."""
    from codeorigin import changes as git_changes

    if args.diff is None and args.diff_file is None:
        return None
    if args.ray is not None or args.repos is not None:
        _fail("--diff and --diff-file scan one working tree; they cannot go with --ray or --repos")
    try:
        if args.diff_file is not None:
            return _from_patch(args.diff_file)
        rev = None if args.diff == _HEAD else args.diff
        if rev is not None and not _is_revision(rev) and Path(rev).exists():
            args.paths = [Path(rev), *args.paths]  # a PATH argparse took for REV
            rev = None
        found = git_changes.from_git(rev)
        root = git_changes.repository_root(Path.cwd())
    except git_changes.ChangeError as exc:
        _fail(str(exc))
    for path in args.paths:
        where = Path(os.path.abspath(path))
        if where != root and root not in where.parents:
            _fail(f"{path} is outside the git repository whose change --diff judges ({root})")
    return found.lines, found.description


def _from_patch(name: str) -> Found:
    from codeorigin import changes as git_changes

    if name == "-":
        text, label = sys.stdin.read(), "the patch on standard input"
    else:
        try:
            text = Path(name).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise git_changes.ChangeError(
                f"--diff-file: cannot read {name}: {exc.strerror or exc}"
            ) from exc
        label = name
    found = git_changes.from_patch(text, name=label)
    return found.lines, found.description


def _is_revision(rev: str) -> bool:
    import subprocess

    try:
        done = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        return False
    return done.returncode == 0


def _fail(message: str) -> NoReturn:
    print(f"codeorigin scan: {message}", file=sys.stderr)
    raise SystemExit(2)
