"""What a change touched, from git or from a patch: `scan --diff [REV]`, `scan --diff-file PATCH`
and the server's `codeorigin.scope: changed`.

`from_git(REV)` diffs the merge base of REV and HEAD (what `git diff REV...HEAD` compares, and what
CI on a pull request needs) against the working tree; without REV, HEAD against the working tree
(staged and unstaged edits). Files git does not track yet (and does not ignore) are new: all their
lines count. A file in a folder a scan's walk leaves out (`node_modules`, a virtual environment:
`files.skipped_folder`) is not read: tracked, it is listed as skipped, untracked, left out as the
walk leaves it out. `patches.from_patch` reads a unified diff and checks that it applies
to the files on disk. Both give `Changes`: per file (an absolute path), its added or
modified lines, numbered as the spans number them (git's numbers moved past each lone CR, which
ends a line for the spans and an editor, not for git), and the files and folders of the change
that are not read (a symbolic link, which is never followed, a FIFO, an unreadable folder, a
submodule), each with the reason. Errors a user can cause
(no git, not a repository or one git refuses for its owner, a bad or empty revision, a range, a
patch that does not apply) raise `ChangeError` with a message to show.

A source file (in a language codeorigin reads) is diffed as text whatever git's attributes say
(`*.py -diff`, `binary`, a textconv driver) or its content (a NUL byte): its lines count, and a
file that really is binary is read by the scan, which lists it as skipped ("binary file"). While a
merge is in progress (`MERGE_HEAD`: a conflict being resolved, `git merge --no-commit`), `--diff`
and `--diff HEAD` count only the lines that differ from both parents: what the person resolving
wrote, not what the other branch brought.

Paths git quotes (`"\\303\\274n.py"`, a tab, a quote) are unquoted (`core.diffs.unquote`); git
is asked to quote them (`core.quotePath=true`) so that a name in any encoding comes back intact.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from codeorigin.core import diffs, languages
from codeorigin.scan import files as walking

# Re-exported: the callers of `changes` meet these names here.
from codeorigin.scan.gitio import Base as Base
from codeorigin.scan.gitio import ChangeError as ChangeError
from codeorigin.scan.gitio import UnsafeRepository as UnsafeRepository
from codeorigin.scan.gitio import head_bytes as head_bytes
from codeorigin.scan.gitio import repository_root as repository_root
from codeorigin.scan.gitio import run as _git


@dataclass(frozen=True)
class Changes:
    """The files a change touched (absolute, resolved paths) and their changed lines (1-based)."""

    lines: dict[Path, frozenset[int]]
    description: str  # "changes against main (merge base 1a2b3c4)", for messages
    # Files and folders of the change left unread (absolute, unresolved paths), with the reason.
    skipped: dict[Path, str] = field(default_factory=dict)
    # `from_git`: where each changed file that existed at the base was there (its old name when
    # renamed), so that a scan can tell a finding the change brought from one it found
    # (`prior`). Empty for a patch (no base) and during a merge.
    before: dict[Path, Base] = field(default_factory=dict)
    # The files the change deleted (absolute, their folder resolved), so that a PATH naming one
    # (as `git diff --name-only` lists it) is said to be gone, not missing.
    deleted: frozenset[Path] = frozenset()
    # `from_git`: the repository and the commit the change is measured from (its commits are
    # `base..HEAD`, whose agent markers `scan --diff` names).
    root: Path | None = None
    base: str | None = None

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
LINK = "a symbolic link"  # never followed, as a scan of a folder follows none
FOLDER_LEFT_OUT = "in a folder a scan leaves out (dependencies, a virtual environment, a cache)"
BINARY_PATCH = "the patch shows it as binary, without its lines (write it with `git diff --text`)"
_UNREADABLE_DIR = re.compile(r"^warning: could not open directory '(.*)': (.*)$")
# `git diff` as the change is read: no colour, external diff or textconv (the lines must be the
# file's own), renames followed, no context, the usual prefixes whatever the user's config says.
_DIFF = ["-c", "core.quotePath=true", "diff", "--no-color", "--no-ext-diff", "--no-textconv",
         "-M", "-U0", "--src-prefix=a/", "--dst-prefix=b/"]  # fmt: skip


def _base(rev: str | None, root: Path) -> tuple[str, str]:
    """(the commit to diff the working tree against, a description)."""
    if rev is not None and not rev.strip():
        raise ChangeError(
            f"the revision is empty (--diff {rev!r}: an unset CI variable?); name a branch or a "
            "commit, or give --diff alone to judge the uncommitted work against HEAD"
        )
    if rev is not None and rev.startswith("-"):
        raise ChangeError(f"bad revision {rev!r}")
    if rev is not None:
        _refuse_range(rev)
    target = rev if rev is not None else "HEAD"
    commit = commit_of(target, root)
    if commit is None:
        if rev in (None, "HEAD", "@") and _unborn_head(root):
            # The first commit of a repository or of an orphan branch (pre-commit's `--diff
            # HEAD` included): every file is new.
            empty = _git(["hash-object", "-t", "tree", "--stdin"], root, stdin="").strip()
            return empty, "on a branch with no commit yet (every file is new)"
        hint = (
            _remote_hint(root, target) or _shallow_hint(root, target) or _fetch_hint(root, target)
        )
        raise ChangeError(f"bad revision {target!r}: git knows no such commit{hint}") from None
    if rev is None or rev in ("HEAD", "@"):
        return "HEAD", "against HEAD"
    try:
        base = _git(["merge-base", "--end-of-options", commit, "HEAD"], root).strip()
    except ChangeError:
        raise ChangeError(
            f"{rev!r} and HEAD have no common ancestor{_shallow_hint(root)}"
        ) from None
    return base, f"against {rev} (merge base {base[:10]})"


def commit_of(rev: str, root: Path) -> str | None:
    """The commit `rev` names (a tag peeled to its commit), None when it names none. Resolved
    first and peeled after: `rev^{commit}` would make `:/fix the parser` (the newest commit whose
    message says so) search for a message ending in `^{commit}`."""
    try:
        found = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", rev], root).strip()
        return _git(["rev-parse", "--verify", "--quiet", f"{found}^{{commit}}"], root).strip()
    except ChangeError:
        return None


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


def _remote_hint(root: Path, rev: str) -> str:
    """`--diff main` in a clone with no branch main but a remote's (CI's clones, a detached
    HEAD): the remote branch to name instead."""
    try:
        refs = _git(["for-each-ref", "--format=%(refname)", "refs/remotes/"], root).split()
    except ChangeError:
        return ""
    names = [r[len("refs/remotes/") :] for r in refs if r.endswith(f"/{rev}")]
    names = [n for n in names if len(n) > len(rev) + 1]  # `REMOTE/main`, not `main` alone
    if not names:
        return ""
    best = min(names, key=lambda n: (not n.startswith("origin/"), n))
    return f"; this clone has no branch {rev!r}, but a remote's: write `--diff {best}`"


def _shallow_hint(root: Path, missing: str | None = None) -> str:
    """Why a merge base (or the revision `missing`) may be missing: a shallow clone (CI's default:
    actions/checkout fetches one commit) lacks the history, and perhaps the base branch."""
    try:
        shallow = _git(["rev-parse", "--is-shallow-repository"], root).strip() == "true"
    except ChangeError:
        return ""
    if not shallow:
        return ""
    what, fetch = "the history to find one", "`git fetch --unshallow`"
    if missing is not None:
        what = "that commit or the history to it"
        branch = missing.removeprefix("origin/")
        if not re.search(r"[~^@:]", missing) and missing != "HEAD":
            fetch = (
                f"{fetch} and the base branch (`git fetch origin {branch}:refs/remotes/origin/"
                f"{branch}`, then `--diff origin/{branch}`)"
            )
    return (
        f": this clone is shallow, so git lacks {what}. Fetch all of it: {fetch}; in CI, clone "
        "it whole: actions/checkout with `fetch-depth: 0` (GitHub Actions), `variables: "
        'GIT_DEPTH: "0"` (GitLab CI; a build folder a runner reuses stays shallow whatever it '
        "says: `git fetch --unshallow` there)"
    )


def _fetch_hint(root: Path, rev: str) -> str:
    """`--diff origin/main` where origin's main was never fetched (a CI clone of one branch): the
    fetch that makes it."""
    try:
        remotes = _git(["remote"], root).split()
    except ChangeError:
        return ""
    remote, _, branch = rev.partition("/")
    if remote not in remotes or not branch or re.search(r"[~^@:]", branch):
        return ""
    return (
        f"; this clone has not fetched {remote}'s branch {branch}: `git fetch {remote} "
        f"{branch}:refs/remotes/{remote}/{branch}`, then run again"
    )


def _unborn_head(root: Path) -> bool:
    """Whether HEAD names a branch with no commit yet (a new repository, or `git checkout
    --orphan`): a branch name, but nothing to verify. Raises `ChangeError` when the branch exists
    but git cannot read its commit (a damaged repository)."""
    try:
        branch = _git(["symbolic-ref", "-q", "HEAD"], root).strip()
    except ChangeError:
        return False  # a detached HEAD always names a commit
    try:
        _git(["rev-parse", "--verify", "-q", "HEAD^{commit}"], root)
    except ChangeError:
        pass
    else:
        return False
    try:  # the branch exists, but its commit cannot be read: not a new branch, a damaged one
        commit = _git(["rev-parse", "--verify", "-q", branch], root).strip()
    except ChangeError:
        return True
    raise ChangeError(
        f"HEAD ({branch}) names commit {commit[:10]}, which git cannot read: the repository "
        "is damaged (`git fsck` says more), so the change cannot be told"
    )


def from_git(
    rev: str | None = None,
    cwd: Path | None = None,
    *,
    mapping: dict[str, str] | None = None,
    max_bytes: int | None = None,
) -> Changes:
    """The lines changed in the working tree since `rev`'s merge base with HEAD (HEAD without
    `rev`), renames followed, plus untracked files in a language codeorigin reads (the extension
    `mapping` too) outside the folders a scan leaves out; during a merge, against HEAD, only the
    lines that differ from both parents. Raises `ChangeError`. An untracked file over
    `max_bytes` is not read: the scan says it is too large. `before` names where each modified
    or renamed file was at the base (none during a merge: what the base is there is unclear)."""
    root = repository_root(cwd or Path.cwd())
    base, description = _base(rev, root)
    files = _diff(root, base, mapping)
    lines, skipped = _changed(files, root, mapping)
    # `--diff main` on main is `--diff HEAD`: its merge base is HEAD's commit.
    merging = _merge_heads(root) if base == "HEAD" or base == commit_of("HEAD", root) else []
    for head in merging:  # what the person wrote while merging, not what either side brought
        theirs, _ = _changed(_diff(root, head, mapping), root, mapping)
        lines = {p: added & theirs.get(p, frozenset()) for p, added in lines.items()}
    if merging:
        description += (
            f" (a merge with {', '.join(h[:10] for h in merging)} in progress: only the lines "
            "that differ from both parents)"
        )
    lines = {p: _as_spans_count(p, added, max_bytes) for p, added in lines.items() if added}
    _add_untracked(root, lines, skipped, mapping, max_bytes)
    lines = {p: added for p, added in lines.items() if added}
    before = {} if merging else _before(files, root, base, lines)
    deleted = frozenset(root / f.old_path for f in files if f.path is None and f.old_path)
    return Changes(lines, description, skipped, before, deleted, root, base)


def _before(
    files: list[diffs.FileDiff], root: Path, base: str, lines: dict[Path, frozenset[int]]
) -> dict[Path, Base]:
    """Where each changed file of `lines` that the base holds was there (`Changes.before`): a
    modified or renamed file, not an added one. The base is named by its commit hash: `HEAD`
    moves, and `gitio.show` keeps a file's text by commit."""
    old = {(root / f.path).resolve(): f.old_path for f in files if f.path and f.old_path}
    old = {p: name for p, name in old.items() if p in lines}
    if not old:
        return {}
    try:
        commit = _git(["rev-parse", "--verify", "--end-of-options", f"{base}^{{commit}}"], root)
    except ChangeError:  # not expected: `_base` verified it
        return {}
    return {p: Base(root, commit.strip(), name) for p, name in old.items()}


def _as_spans_count(path: Path, lines: frozenset[int], max_bytes: int | None) -> frozenset[int]:
    """git's numbers of the lines of `path` as the spans number them (a lone CR ends a line for
    them, not for git: `diffs.as_spans_count`); as they are when the file is over `max_bytes` or
    cannot be read (the scan does not read it either)."""
    try:
        if max_bytes is not None and path.stat().st_size > max_bytes:
            return lines
        return diffs.as_spans_count(path.read_bytes(), lines)
    except OSError:
        return lines


def _diff(root: Path, base: str, mapping: dict[str, str] | None) -> list[diffs.FileDiff]:
    """The files that differ between `base` and the working tree. A file git does not diff as
    text (a `-diff` or `binary` attribute, a NUL byte) is diffed again with `--text` when it is
    in a language codeorigin reads, so that its lines count; other binary files keep `binary`
    (never read: a large one would make a large text diff)."""
    files = _parse(_git([*_DIFF, base, "--"], root, errors="surrogateescape"))
    wanted = {f.path for f in files if f.binary and f.path and _language(root / f.path, mapping)}
    if not wanted:
        return files
    names = sorted({n for f in files if f.path in wanted for n in (f.old_path, f.path) if n})
    args = ["--literal-pathspecs", *_DIFF, "--text", base, "--", *names]
    again = {f.path: f for f in _parse(_git(args, root, errors="surrogateescape"))}
    return [again.get(f.path, f) if f.path in wanted else f for f in files]


def _parse(patch: str) -> list[diffs.FileDiff]:
    try:
        return diffs.parse_diff(patch) if patch.strip() else []
    except diffs.DiffError as exc:  # git's own output: not expected
        raise ChangeError(f"cannot read git's diff: {exc}") from exc


def _changed(
    files: list[diffs.FileDiff], root: Path, mapping: dict[str, str] | None
) -> tuple[dict[Path, frozenset[int]], dict[Path, str]]:
    """The added lines of each file of a diff of the working tree (resolved paths), and the
    files of it that are not read, with why: a symbolic link, a FIFO, a submodule, a file in a
    folder a scan leaves out (`files.skipped_folder`; those in a language codeorigin reads; a
    submodule always)."""
    lines: dict[Path, frozenset[int]] = {}
    skipped: dict[Path, str] = {}
    left_out: dict[Path, bool] = {}
    for f in files:
        if f.path is None or f.binary:
            continue  # deleted, or binary and in no language codeorigin reads
        where = root / f.path
        why = SUBMODULE if _is_submodule(where) else _not_regular(where, root)
        if walking.in_skipped_folder(root, PurePosixPath(f.path).parts[:-1], left_out):
            why = FOLDER_LEFT_OUT  # committed dependencies: listed, not judged, as a scan does
        if why is None:
            lines[where.resolve()] = frozenset(f.added)
        elif why == SUBMODULE or _language(where, mapping) is not None:
            skipped[where] = why
    return lines, skipped


def _merge_heads(root: Path) -> list[str]:
    """The other parents of a merge in progress (`MERGE_HEAD`), none when there is none."""
    try:
        where = root / _git(["rev-parse", "--git-path", "MERGE_HEAD"], root).strip()
        return where.read_text(encoding="utf-8").split()
    except (ChangeError, OSError, UnicodeDecodeError):
        return []


def _add_untracked(
    root: Path,
    lines: dict[Path, frozenset[int]],
    skipped: dict[Path, str],
    mapping: dict[str, str] | None,
    max_bytes: int | None,
) -> None:
    """Add the files git does not track (nor ignore) to `lines`, all their lines changed, and
    what cannot be read to `skipped`: a folder git could not list, a symbolic link, a FIFO.
    Files in a folder a scan's walk leaves out (`node_modules`, a virtual environment) are
    neither read nor listed, as in a scan of the folder."""
    warnings: list[str] = []
    untracked = _git(
        ["ls-files", "-z", "--others", "--exclude-standard"], root,
        errors="surrogateescape", warnings=warnings,
    )  # fmt: skip
    left_out: dict[Path, bool] = {}
    for warning in warnings:  # a folder git could not list: its files are unknown
        m = _UNREADABLE_DIR.match(warning)
        if m is not None and not walking.in_skipped_folder(
            root, PurePosixPath(m[1]).parts, left_out
        ):
            skipped[root / m[1].rstrip("/")] = f"cannot read: {m[2]}"
    for name in filter(None, untracked.split("\0")):
        path = root / name
        folders = PurePosixPath(name).parts[:-1]
        if _language(path, mapping) is None or walking.in_skipped_folder(root, folders, left_out):
            continue  # never read, as a scan of a folder would not read it
        why = _not_regular(path, root)
        if why is not None:
            skipped[path] = why
        else:
            lines[path.resolve()] = _every_line(path, max_bytes)


def _language(path: Path, mapping: dict[str, str] | None) -> str | None:
    """The language a scan reads `path` in by its name (`files.walk`'s rule)."""
    return (mapping or {}).get(path.suffix.lower()) or languages.from_path(path)


def _is_submodule(path: Path) -> bool:
    """A folder where a change names a file: a submodule (git diffs its commit, not its files)."""
    return path.is_dir() and not path.is_symlink()


def _not_regular(path: Path, root: Path | None = None) -> str | None:
    """Why `path` is not read as a file, the reason worded as a scan words it: a symbolic link
    (never followed: it may point anywhere, outside the repository too), a FIFO or a device, a
    file reached through a linked folder outside `root`; None for a regular file (read or not,
    the scan then says)."""
    try:
        info = path.lstat()
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if stat.S_ISLNK(info.st_mode):
        return LINK
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    try:
        inside = root is None or root in path.resolve().parents
    except (OSError, RuntimeError):
        inside = False
    return None if inside else "outside the repository (a folder on its path is a symbolic link)"


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
