"""What a change touched, from git or from a patch: `scan --diff [REV]`, `scan --diff-file PATCH`
and the server's `codeorigin.scope: changed`.

`from_git(REV)` diffs the merge base of REV and HEAD (what `git diff REV...HEAD` compares, and what
CI on a pull request needs) against the working tree; without REV, HEAD against the working tree
(staged and unstaged edits). Files git does not track yet (and does not ignore) are new: all their
lines count. `from_patch` reads a unified diff and checks that it applies to the files on disk. Both
give `Changes`: per file (an absolute path), its added or modified lines. Errors a user can cause
(no git, not a repository, a bad revision, a patch that does not apply) raise `ChangeError` with a
message to show.
"""

from __future__ import annotations

import functools
import subprocess
from dataclasses import dataclass
from pathlib import Path

from codeorigin.core import diffs


class ChangeError(Exception):
    """The change cannot be read; the message says why."""


@dataclass(frozen=True)
class Changes:
    """The files a change touched (absolute, resolved paths) and their changed lines (1-based)."""

    lines: dict[Path, frozenset[int]]
    description: str  # "changes against main (merge base 1a2b3c4)", for messages

    def under(self, roots: list[Path]) -> list[Path]:
        """The changed files inside `roots` (files or folders; every file when empty), sorted."""
        wanted = [r.resolve() for r in roots]
        return sorted(
            p for p in self.lines if not wanted or any(p == r or r in p.parents for r in wanted)
        )

    def of(self, path: Path) -> frozenset[int] | None:
        """The changed lines of `path`, None when the change does not touch it."""
        return self.lines.get(path.resolve())


def _git(args: list[str], cwd: Path, stdin: str | None = None) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8",
            errors="replace", check=False, input=stdin,
        )  # fmt: skip
    except FileNotFoundError as exc:
        raise ChangeError("git is not installed (or not on PATH); --diff needs it") from exc
    if done.returncode != 0:
        raise ChangeError(
            done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "git failed"
        )
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


def from_git(rev: str | None = None, cwd: Path | None = None) -> Changes:
    """The lines changed in the working tree since `rev`'s merge base with HEAD (HEAD without
    `rev`), renames followed, plus untracked files; raises `ChangeError`."""
    root = repository_root(cwd or Path.cwd())
    base, description = _base(rev, root)
    patch = _git(
        ["-c", "core.quotePath=false", "diff", "--no-color", "--no-ext-diff", "-M", "-U0",
         "--src-prefix=a/", "--dst-prefix=b/", base, "--"],
        root,
    )  # fmt: skip
    try:
        files = diffs.parse_diff(patch) if patch.strip() else []
    except diffs.DiffError as exc:  # git's own output: not expected
        raise ChangeError(f"cannot read git's diff: {exc}") from exc
    lines = {
        (root / f.path).resolve(): frozenset(f.added)
        for f in files
        if f.path is not None and not f.binary
    }
    untracked = _git(["ls-files", "-z", "--others", "--exclude-standard"], root)
    for name in filter(None, untracked.split("\0")):
        path = (root / name).resolve()
        try:
            count = len(path.read_text(encoding="utf-8", errors="replace").splitlines())
        except OSError:
            continue
        lines[path] = frozenset(range(1, count + 1))
    return Changes({p: added for p, added in lines.items() if added}, description)


def from_patch(
    text: str, root: Path | None = None, *, name: str = "the patch", skip_missing: bool = False
) -> Changes:
    """The lines a unified diff adds or modifies, its paths read from `root` (the current folder);
    raises `ChangeError` when it cannot be read or does not apply to the files there. With
    `skip_missing`, files absent under `root` are left out instead (a folder of post-images that
    holds only some of the files a patch changes)."""
    root = (root or Path.cwd()).resolve()
    if not text.strip():  # `git diff --cached` with nothing staged: no change, not an error
        return Changes({}, f"in {name} (empty: nothing changed)")
    try:
        files = diffs.parse_diff(text)
    except diffs.DiffError as exc:
        raise ChangeError(f"{name} is not a unified diff: {exc}") from exc
    lines: dict[Path, frozenset[int]] = {}
    for f in files:
        if f.path is None or f.binary:
            continue  # deleted: nothing left to judge
        path = (root / f.path).resolve()
        if skip_missing and not path.is_file():
            continue
        try:
            current = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            raise ChangeError(
                f"{name} does not apply: {f.path} is not a readable file under {root}"
            ) from None
        why = diffs.mismatch(f, current)
        if why is not None:
            raise ChangeError(f"{name} does not apply to {f.path}: {why}")
        if f.added:
            lines[path] = frozenset(f.added)
    return Changes(lines, f"in {name}")


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
