"""Patches `scan --diff-file` reads (`git diff`, with or without `a/` `b/` prefixes, `diff -ru`):
the lines each file's section adds or modifies, numbered as the spans number them, once the patch
is checked to apply to the files on disk (`from_patch`).

A patch of several commits (`git format-patch`, `git log -p`, a pull request's `.patch`) that
changes a file more than once is refused: each commit's hunks number the lines of the file as that
commit left it, so the sections are not one change and no section alone is the whole of it. A
patch that does not apply says which line differs, and, in a git working tree whose file has
edits that are not staged, that the patch may show the staged file (`git diff --cached`).
"""

from __future__ import annotations

import re
import stat
from collections import Counter
from pathlib import Path, PurePosixPath

from codeorigin.core import diffs
from codeorigin.scan import files as walking
from codeorigin.scan.changes import (
    BINARY_PATCH,
    FOLDER_LEFT_OUT,
    LINK,
    SUBMODULE,
    ChangeError,
    Changes,
    _every_line,
    _git,
    _is_submodule,
    _language,
    repository_root,
)

# The first line of a commit in `git format-patch` (mbox) and in `git log -p`.
_COMMIT = re.compile(r"^(?:From [0-9a-f]{40} |commit [0-9a-f]{40}\b)", re.MULTILINE)


def from_patch(
    text: str,
    root: Path | None = None,
    *,
    name: str = "the patch",
    skip_missing: bool = False,
    max_bytes: int | None = None,
    mapping: dict[str, str] | None = None,
) -> Changes:
    """The lines a unified diff adds or modifies, its paths read from `root` (the current folder);
    raises `ChangeError` when it cannot be read, holds several commits that change one file, or
    does not apply to the files there. With `skip_missing`, files absent under `root` are left out
    instead (a folder of post-images that holds only some of the files a patch changes). A
    symbolic link, a FIFO or device, a submodule, and a file in a language codeorigin reads
    (`mapping` too) that the patch shows as binary or that is in a folder a scan leaves out, are
    skipped with the reason; a file over `max_bytes` is not read (the scan says so), and whether
    the patch applies to it is not checked. The lines are numbered as the spans number them
    (`diffs.as_spans_count`)."""
    root = (root or Path.cwd()).resolve()
    if not text.strip():  # `git diff --cached` with nothing staged: no change, not an error
        return Changes({}, f"in {name} (empty: nothing changed)")
    try:
        files = diffs.parse_diff(text)
    except diffs.DiffError as exc:
        what = diffs.not_a_patch(text) or str(exc)
        raise ChangeError(f"{name} is not a unified diff: {what}") from exc
    _refuse_several_commits(files, name)
    lines: dict[Path, frozenset[int]] = {}
    skipped: dict[Path, str] = {}
    left_out: dict[Path, bool] = {}
    deleted: set[Path] = set()
    for f in files:
        if f.path is None:  # deleted: nothing left to judge
            deleted.update([root / f.old_path] if f.old_path else [])
            continue
        where = root / f.path
        if skip_missing and not where.is_file():
            continue
        why = BINARY_PATCH if f.binary else None
        if walking.in_skipped_folder(root, PurePosixPath(f.path).parts[:-1], left_out):
            why = FOLDER_LEFT_OUT
        if why is not None:
            if _language(where, mapping) is not None:
                skipped[where] = why
            continue
        if _is_submodule(where) and (where / ".git").exists():
            skipped[where] = SUBMODULE
            continue
        if where.is_symlink():  # never followed, as in `--diff`
            skipped[where] = LINK
            continue
        try:
            info = where.stat()
        except OSError:
            info = None
        if info is None or stat.S_ISDIR(info.st_mode):
            hint = _commits_hint(text) or _top_hint(root, f.path)
            raise ChangeError(f"{name} does not apply: {f.path} is not a readable file under "
                              f"{root}{hint}")  # fmt: skip
        if not stat.S_ISREG(info.st_mode):  # a FIFO would block, a device never end
            skipped[where] = "not a regular file"
            continue
        added = frozenset(f.added)
        if max_bytes is None or info.st_size <= max_bytes:
            added = diffs.as_spans_count(_check_applies(f, where, root, name), added)
        if f.copied:  # a new file, all its lines the change's, as `--diff` (no `-C`) reads it
            added = _every_line(where, max_bytes)
        if added:
            lines[where.resolve()] = added
    return Changes(lines, f"in {name}", skipped, deleted=frozenset(deleted))


def _refuse_several_commits(files: list[diffs.FileDiff], name: str) -> None:
    """Raise `ChangeError` when a file has several sections (a patch of several commits). A
    deleted file is not counted: one diff shows a file that became a link (or a link that
    became a file) as the file deleted and the link added."""
    counts = Counter(f.path for f in files if f.path is not None)
    again = next((path for path, count in counts.items() if count > 1), None)
    if again is None:
        return
    raise ChangeError(
        f"{name} holds several commits ({again} appears {counts[again]} times: `git "
        "format-patch`, `git log -p`, a pull request's .patch); each commit's hunks number the "
        "lines as that commit left them, so they cannot be read as one change. Give one diff of "
        "the whole change instead: `git diff main...feature` (a pull request's .diff), or run "
        "`codeorigin scan --diff main` in the repository"
    )


def _commits_hint(text: str) -> str:
    """For a file the patch names that is missing: a patch of several commits may rename or
    delete it in a later commit."""
    if len(_COMMIT.findall(text)) < 2:
        return ""
    return (
        " (the patch holds several commits, and a later one may have renamed or deleted it: give "
        "one diff of the whole change instead, `git diff main...feature`)"
    )


def _top_hint(root: Path, path: str) -> str:
    """For a file the patch names that is missing here but is under the top folder of the git
    repository `root` is in: `git diff` names files from that top folder, whatever the folder
    it ran in."""
    try:
        top = repository_root(root)
    except ChangeError:
        return ""
    if top == root or not (top / path).is_file():
        return ""
    return (
        f" (git names the files of a diff from the repository's top folder, {top}: run the scan "
        "there, or make the patch with `git diff --relative`)"
    )


def _check_applies(f: diffs.FileDiff, path: Path, root: Path, name: str) -> bytes:
    """The bytes of `path`; raise `ChangeError` unless every line the diff of `f` shows is in it
    as it is (its lines as git counts them: a lone CR ends none)."""
    try:
        data = path.read_bytes()
    except OSError:
        raise ChangeError(
            f"{name} does not apply: {f.path} is not a readable file under {root}"
        ) from None
    why = diffs.mismatch(f, data.decode("utf-8", "surrogateescape"))
    if why is not None:
        raise ChangeError(f"{name} does not apply to {f.path}: {why}{_unstaged_hint(f, root)}")
    return data


def _unstaged_hint(f: diffs.FileDiff, root: Path) -> str:
    """Why a patch may not apply to a file of a git working tree: it has edits not staged, and
    the patch (`git diff --cached`) shows the staged file."""
    assert f.path is not None
    try:
        differs = _git(["--literal-pathspecs", "diff", "--name-only", "--", f.path], root).strip()
    except ChangeError:
        return ""  # not in a git working tree, or the file is not git's
    if not differs:
        return ""
    return (
        f". {f.path} has edits that are not staged: if the patch is `git diff --cached`, it "
        "shows the staged file, not the one on disk. Stage them (`git add`), or judge the "
        "working tree with `codeorigin scan --diff HEAD`"
    )
