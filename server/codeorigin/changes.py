"""What a change touched, from git or from a patch: `scan --diff [REV]`, `scan --diff-file PATCH`
and the server's `codeorigin.scope: changed`.

`from_git(REV)` diffs the merge base of REV and HEAD (what `git diff REV...HEAD` compares, and what
CI on a pull request needs) against the working tree; without REV, HEAD against the working tree
(staged and unstaged edits). Files git does not track yet (and does not ignore) are new: all their
lines count. `from_patch` reads a unified diff and checks that it applies to the files on disk. Both
give `Changes`: per file (an absolute path), its added or modified lines, and the files and folders
of the change that cannot be read (a symbolic link loop, a FIFO, an unreadable folder, a
submodule), each with the reason. Errors a user can cause (no git, not a repository, a bad
revision or a range, a patch that does not apply) raise `ChangeError` with a message to show.

Paths git quotes (`"\\303\\274n.py"`, a tab, a quote) are unquoted (`core.diffs.unquote`); git
is asked to quote them (`core.quotePath=true`) so that a name in any encoding comes back intact.
"""

from __future__ import annotations

import functools
import os
import re
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from codeorigin.core import diffs, languages


class ChangeError(Exception):
    """The change cannot be read; the message says why."""


@dataclass(frozen=True)
class Changes:
    """The files a change touched (absolute, resolved paths) and their changed lines (1-based)."""

    lines: dict[Path, frozenset[int]]
    description: str  # "changes against main (merge base 1a2b3c4)", for messages
    # Files and folders of the change left unread (absolute, unresolved paths), with the reason.
    skipped: dict[Path, str] = field(default_factory=dict)

    def under(self, roots: list[Path]) -> list[Path]:
        """The changed files inside `roots` (files or folders; every file when empty), sorted."""
        wanted = [r.resolve() for r in roots]
        return sorted(
            p for p in self.lines if not wanted or any(p == r or r in p.parents for r in wanted)
        )

    def of(self, path: Path) -> frozenset[int] | None:
        """The changed lines of `path`, None when the change does not touch it."""
        return self.lines.get(path.resolve())


SUBMODULE = "a submodule, whose changes are not followed (run `codeorigin scan --diff` in it)"
_UNREADABLE_DIR = re.compile(r"^warning: could not open directory '(.*)': (.*)$")


def _git(
    args: list[str],
    cwd: Path,
    stdin: str | None = None,
    *,
    errors: str = "replace",
    warnings: list[str] | None = None,
) -> str:
    """git's standard output; its standard error's lines go to `warnings` when it succeeds (in
    English, to be read). `errors="surrogateescape"` keeps file names that are not UTF-8 as the
    bytes they are."""
    env = None if warnings is None else {**os.environ, "LC_ALL": "C"}
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8",
            errors=errors, check=False, input=stdin, env=env,
        )  # fmt: skip
    except FileNotFoundError as exc:
        raise ChangeError("git is not installed (or not on PATH); --diff needs it") from exc
    if done.returncode != 0:
        raise ChangeError(
            done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "git failed"
        )
    if warnings is not None:
        warnings.extend(done.stderr.splitlines())
    return done.stdout


def repository_root(cwd: Path) -> Path:
    """The top folder of the git working tree `cwd` is in; `ChangeError` outside one."""
    try:
        return Path(_git(["rev-parse", "--show-toplevel"], cwd).strip()).resolve()
    except ChangeError as exc:
        raise ChangeError(f"{cwd.resolve()} is not inside a git repository ({exc})") from None


def _base(rev: str | None, root: Path) -> tuple[str, str]:
    """(the commit to diff the working tree against, a description)."""
    if rev is not None and rev.startswith("-"):
        raise ChangeError(f"bad revision {rev!r}")
    if rev is not None:
        _refuse_range(rev)
    target = rev if rev is not None else "HEAD"
    try:
        _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{target}^{{commit}}"], root)
    except ChangeError:
        if rev in (None, "HEAD", "@") and _unborn_head(root):
            # The first commit of a repository or of an orphan branch (pre-commit's `--diff
            # HEAD` included): every file is new.
            empty = _git(["hash-object", "-t", "tree", "--stdin"], root, stdin="").strip()
            return empty, "on a branch with no commit yet (every file is new)"
        raise ChangeError(f"bad revision {target!r}: git knows no such commit") from None
    if rev is None or rev in ("HEAD", "@"):
        return "HEAD", "against HEAD"
    try:
        base = _git(["merge-base", "--end-of-options", rev, "HEAD"], root).strip()
    except ChangeError:
        raise ChangeError(
            f"{rev!r} and HEAD have no common ancestor{_shallow_hint(root)}"
        ) from None
    return base, f"against {rev} (merge base {base[:10]})"


def _refuse_range(rev: str) -> None:
    """`--diff main...HEAD`, `--diff HEAD~1..HEAD`: a range is not one revision. No ref name holds
    `..`, so a REV that does (and is no path, `../x`) is meant as one; say what to write."""
    m = re.fullmatch(r"(.*?)(\.\.\.?)(.*)", rev)
    if m is None or rev.startswith(("./", "../", "/")) or rev in (".", ".."):
        return
    if m[1].endswith("/") or m[3].startswith("/"):  # `src/../x`: a path
        return
    left, right = m[1] or "REV", m[3] or "HEAD"
    checkout = "" if right in ("HEAD", "@") else f"; check out {right} first"
    raise ChangeError(
        f"--diff takes one revision, not a range ({rev!r}): write `--diff {left}` to judge what "
        f"changed since the merge base of {left} and HEAD, uncommitted edits included{checkout}"
    )


def _shallow_hint(root: Path) -> str:
    """Why a merge base may be missing: a shallow clone (CI's default) lacks the history."""
    try:
        shallow = _git(["rev-parse", "--is-shallow-repository"], root).strip() == "true"
    except ChangeError:
        return ""
    if not shallow:
        return ""
    return (
        ": this clone is shallow, so git lacks the history to find one. Fetch all of it: "
        "`git fetch --unshallow` (GitHub Actions: actions/checkout with `fetch-depth: 0`; "
        'GitLab CI: `variables: GIT_DEPTH: "0"`)'
    )


def _unborn_head(root: Path) -> bool:
    """Whether HEAD names a branch with no commit yet (a new repository, or `git checkout
    --orphan`): a branch name, but nothing to verify."""
    try:
        _git(["symbolic-ref", "-q", "HEAD"], root)
    except ChangeError:
        return False  # a detached HEAD always names a commit
    try:
        _git(["rev-parse", "--verify", "-q", "HEAD^{commit}"], root)
    except ChangeError:
        return True
    return False


def from_git(
    rev: str | None = None,
    cwd: Path | None = None,
    *,
    mapping: dict[str, str] | None = None,
    max_bytes: int | None = None,
) -> Changes:
    """The lines changed in the working tree since `rev`'s merge base with HEAD (HEAD without
    `rev`), renames followed, plus untracked files in a language codeorigin reads (the extension
    `mapping` too); raises `ChangeError`. An untracked file over `max_bytes` is not read: the
    scan says it is too large."""
    root = repository_root(cwd or Path.cwd())
    base, description = _base(rev, root)
    patch = _git(
        ["-c", "core.quotePath=true", "diff", "--no-color", "--no-ext-diff", "-M", "-U0",
         "--src-prefix=a/", "--dst-prefix=b/", base, "--"],
        root, errors="surrogateescape",
    )  # fmt: skip
    try:
        files = diffs.parse_diff(patch) if patch.strip() else []
    except diffs.DiffError as exc:  # git's own output: not expected
        raise ChangeError(f"cannot read git's diff: {exc}") from exc
    lines: dict[Path, frozenset[int]] = {}
    skipped: dict[Path, str] = {}
    for f in files:
        if f.path is None or f.binary:
            continue
        where = root / f.path
        why = SUBMODULE if _is_submodule(where) else _not_regular(where)
        if why is None:
            lines[where.resolve()] = frozenset(f.added)
        elif why == SUBMODULE or _language(where, mapping) is not None:
            skipped[where] = why  # a link loop or a FIFO in a language codeorigin reads
    _add_untracked(root, lines, skipped, mapping, max_bytes)
    lines = {p: added for p, added in lines.items() if added}
    return Changes(lines, description, skipped)


def _add_untracked(
    root: Path,
    lines: dict[Path, frozenset[int]],
    skipped: dict[Path, str],
    mapping: dict[str, str] | None,
    max_bytes: int | None,
) -> None:
    """Add the files git does not track (nor ignore) to `lines`, all their lines changed, and
    what cannot be read to `skipped`: a folder git could not list, a link loop, a FIFO."""
    warnings: list[str] = []
    untracked = _git(
        ["ls-files", "-z", "--others", "--exclude-standard"], root,
        errors="surrogateescape", warnings=warnings,
    )  # fmt: skip
    for warning in warnings:  # a folder git could not list: its files are unknown
        m = _UNREADABLE_DIR.match(warning)
        if m is not None:
            skipped[root / m[1].rstrip("/")] = f"cannot read: {m[2]}"
    for name in filter(None, untracked.split("\0")):
        path = root / name
        if _language(path, mapping) is None:
            continue  # never read, as a scan of a folder would not read it
        why = _not_regular(path)
        if why is not None:
            skipped[path] = why
        elif path.resolve() not in lines:  # a link to a changed file: its own diff counts
            lines[path.resolve()] = _every_line(path, max_bytes)


def _language(path: Path, mapping: dict[str, str] | None) -> str | None:
    """The language a scan reads `path` in by its name (`files.walk`'s rule)."""
    return (mapping or {}).get(path.suffix.lower()) or languages.from_path(path)


def _is_submodule(path: Path) -> bool:
    """A folder where a change names a file: a submodule (git diffs its commit, not its files)."""
    return path.is_dir() and not path.is_symlink()


def _not_regular(path: Path) -> str | None:
    """Why `path` cannot be read as a file (a link loop, a FIFO, a device), the reason worded
    as a scan words it; None for a regular file (read or not, the scan then says)."""
    try:
        info = path.stat()
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    return None if stat.S_ISREG(info.st_mode) else "not a regular file"


def _every_line(path: Path, max_bytes: int | None) -> frozenset[int]:
    """The lines of a new file, all changed: counted in blocks, never the whole file in memory
    (`\\n`, `\\r\\n` and `\\r` end a line, as spans count them; a count too high by one
    does no harm). A file over `max_bytes` or unreadable is not counted: the scan reads it and
    says why it skips it."""
    try:
        if max_bytes is not None and path.stat().st_size > max_bytes:
            return frozenset({1})
        count = 1
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                count += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
    except OSError:
        return frozenset({1})
    return frozenset(range(1, count + 1))


def from_patch(
    text: str,
    root: Path | None = None,
    *,
    name: str = "the patch",
    skip_missing: bool = False,
    max_bytes: int | None = None,
) -> Changes:
    """The lines a unified diff adds or modifies, its paths read from `root` (the current folder);
    raises `ChangeError` when it cannot be read or does not apply to the files there. With
    `skip_missing`, files absent under `root` are left out instead (a folder of post-images that
    holds only some of the files a patch changes). A FIFO or device, and a submodule, are
    skipped with the reason; a file over `max_bytes` is not read (the scan says it is too
    large), so whether the patch applies to it is not checked."""
    root = (root or Path.cwd()).resolve()
    if not text.strip():  # `git diff --cached` with nothing staged: no change, not an error
        return Changes({}, f"in {name} (empty: nothing changed)")
    try:
        files = diffs.parse_diff(text)
    except diffs.DiffError as exc:
        raise ChangeError(f"{name} is not a unified diff: {exc}") from exc
    lines: dict[Path, frozenset[int]] = {}
    skipped: dict[Path, str] = {}
    for f in files:
        if f.path is None or f.binary:
            continue  # deleted: nothing left to judge
        where = root / f.path
        if skip_missing and not where.is_file():
            continue
        if _is_submodule(where) and (where / ".git").exists():
            skipped[where] = SUBMODULE
            continue
        try:
            info = where.stat()
        except OSError:
            info = None
        if info is None or stat.S_ISDIR(info.st_mode):
            raise ChangeError(
                f"{name} does not apply: {f.path} is not a readable file under {root}"
            )
        if not stat.S_ISREG(info.st_mode):  # a FIFO would block, a device never end
            skipped[where] = "not a regular file"
            continue
        if max_bytes is None or info.st_size <= max_bytes:
            _check_applies(f, where, root, name)
        if f.added:
            lines[where.resolve()] = frozenset(f.added)
    return Changes(lines, f"in {name}", skipped)


def _check_applies(f: diffs.FileDiff, path: Path, root: Path, name: str) -> None:
    """Raise `ChangeError` unless every line the diff of `f` shows is in `path` as it is."""
    try:
        current = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        raise ChangeError(
            f"{name} does not apply: {f.path} is not a readable file under {root}"
        ) from None
    why = diffs.mismatch(f, current)
    if why is not None:
        raise ChangeError(f"{name} does not apply to {f.path}: {why}")


def head_text(path: Path) -> str | None:
    """The text of `path` at HEAD; None when git does not know it there (a new or untracked
    file: all of it is a change). Raises `ChangeError` outside a repository, or without git.

    The server asks on every re-analysis with `codeorigin.scope: changed`, so it costs one `git
    rev-parse`; the file's text at a given HEAD commit is read once (`_show`)."""
    path = path.resolve()
    try:
        root, head = _git(["rev-parse", "--show-toplevel", "HEAD"], path.parent).split()[:2]
    except (ChangeError, ValueError):
        repository_root(path.parent)  # outside a repository: says so; else there is no HEAD yet
        return None
    return _show(head, Path(root).resolve(), path.relative_to(Path(root).resolve()).as_posix())


@functools.lru_cache(maxsize=64)
def _show(commit: str, root: Path, rel: str) -> str | None:
    """A file's text at a commit (immutable, so it can be kept), or None when not there."""
    try:
        return _git(["show", f"{commit}:./{rel}"], root)
    except ChangeError:
        return None
