"""`codeorigin scan --repos FILE`: many repositories in one scan.

The file names one repository a line, as a local path or a git URL; `#` at the start of a line, or
after a space or tab, starts a comment, and a UTF-8 byte-order mark is ignored. A relative path is
taken from the list file's folder (a list committed beside its repositories reads the same from
anywhere). A URL is cloned shallow (`git clone --depth 1`) into a temporary folder that is removed
after the scan; its files are reported as `NAME/relative path`, NAME being the URL without its
scheme, user and `.git` (`https://github.com/org/app.git` -> `github.com/org/app`), so a report
never names the temporary folder and two runs give the same paths. A local path's files are
reported under the path as it is written (`repos/app/src/x.py`), or under its folder's name when
it is written `.` or starts with `..`; a name taken by an earlier entry, or nested in or around
one while its folder is not that one's (`host/app/plugins` after `host/app`, two clones), gets
`#LINE` appended. An entry naming a repository listed before (another spelling of the same
folder, the same URL) is said once on stderr and skipped. A clone that fails is reported as a
skipped entry with git's error line (`fatal: ...`), and the scan goes on; the clone of a
repository without commits, empty, is reported as a skipped entry saying so (`EMPTY_CLONE`). A
clone's submodules are not cloned: each is reported as a skipped entry, `NAME/path`, saying so
(a local path's checked-out submodules are scanned as its other folders are).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from codeorigin.report.data import CLONE_FAILED, FileReport

# What makes a line a git URL rather than a path: a scheme, or scp-like `user@host:path`.
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:)", re.IGNORECASE)
_COMMENT = re.compile(r"(?:^|(?<=\s))#")
CLONE_TIMEOUT_S = 600
SUBMODULE_NOT_CLONED = (
    "a submodule, not cloned (a --repos URL is cloned without its submodules: list the "
    "submodule's own URL to scan it)"
)


EMPTY_CLONE = "an empty repository: it has no commit, so no file to scan"


class ReposError(Exception):
    """The repository list cannot be read."""


def is_url(entry: str) -> bool:
    return bool(_URL.match(entry))


def url_name(url: str) -> str:
    """The name a cloned repository's files are reported under (see the module docstring)."""
    name = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url, flags=re.IGNORECASE)
    name = re.sub(r"^[^/@]*@", "", name)  # user@ or user:password@
    if not url.lower().startswith(("file:", "http:", "https:", "ssh:", "git:")):
        name = name.replace(":", "/", 1)  # scp-like git@host:org/app
    name = name.strip("/")
    name = name.removesuffix(".git").rstrip("/")
    return name or url


@dataclass(frozen=True)
class Entry:
    """One entry of a list: its text, its line number, and the folder a relative path is from."""

    text: str
    line: int
    base: Path


def strip_comment(line: str) -> str:
    """The line without its comment (`#` at its start or after a space or tab), stripped."""
    return _COMMENT.split(line, maxsplit=1)[0].strip()


def read_list(path: Path) -> list[Entry]:
    """The entries of a repository list: its lines without blanks and `#` comments, relative
    paths taken from the list's folder. A list that names no repository is an error."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()  # -sig: a BOM is dropped
    except (OSError, UnicodeDecodeError) as exc:
        raise ReposError(f"--repos {path}: cannot read: {exc}") from exc
    base = Path(os.path.abspath(path)).parent
    entries = [Entry(strip_comment(line), k + 1, base) for k, line in enumerate(lines)]
    entries = [e for e in entries if e.text]
    if not entries:
        raise ReposError(f"--repos {path}: the list names no repository")
    return entries


@dataclass
class Repositories:
    """The roots to scan for a repository list, with the names their reports use.

    A context manager: leaving it removes the clones."""

    roots: list[Path] = field(default_factory=list)
    labels: dict[Path, str] = field(default_factory=dict)  # root -> the name its files get
    names: list[str] = field(default_factory=list)  # every entry's name, in the list's order
    failed: list[FileReport] = field(default_factory=list)  # clones that failed
    # The submodules of the clones: a shallow clone has none of their files (`SUBMODULE_NOT_CLONED`)
    skipped: list[FileReport] = field(default_factory=list)
    _tmp: str | None = None  # the clones' folder (`new_folder`), removed by `close`
    _cloning: list[subprocess.Popen[str]] = field(default_factory=list)  # git clones started

    def __enter__(self) -> Repositories:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def new_folder(self) -> str:
        """A new private folder for the clones, its name kept before it is made: a Ctrl-C or
        SIGTERM at any point leaves none behind (with `tempfile.mkdtemp`, one between the folder's
        making and the name's keeping did)."""
        while True:
            self._tmp = os.path.join(
                tempfile.gettempdir(), f"codeorigin-repos-{secrets.token_hex(8)}"
            )
            try:
                os.mkdir(self._tmp, 0o700)
                return self._tmp
            except FileExistsError:  # another's (64 random bits: never in practice)
                self._tmp = None

    def close(self) -> None:
        """Remove the clones: first stop any git still cloning (a Ctrl-C or SIGTERM may come at
        any point of a clone), so that nothing writes into the folder as it goes; said on
        standard error when it cannot go, never raised (the scan is ending anyway)."""
        for proc in self._cloning:
            if proc.poll() is None:
                _stop(proc)
        self._cloning.clear()
        if self._tmp is None:
            return
        name, self._tmp = self._tmp, None
        for _ in range(5):
            shutil.rmtree(name, ignore_errors=True)
            if not os.path.exists(name):
                return
            time.sleep(0.1)  # a process that outlived its group's kill
        print(f"codeorigin scan: could not remove the clones in {name}", file=sys.stderr)


def local_name(text: str, root: Path) -> str:
    """The name a local entry's files are reported under: the path as written, or the folder's
    name for `.` and paths up from the list's folder (`..`, `../app`)."""
    written = os.path.normpath(text)
    if os.path.isabs(written) or not (written == os.curdir or written.startswith(os.pardir)):
        return Path(written).as_posix()
    return root.name or root.as_posix()


def prepare(entries: Sequence[Entry | str]) -> Repositories:
    """Clone the URLs among `entries` (shallow, one after the other) and list every root, each
    with the name its files are reported under (see the module docstring). A bare string is an
    entry whose relative path is from the current folder."""
    repos = Repositories()
    try:
        _prepare(repos, entries)
    except BaseException:  # Ctrl-C or SIGTERM while cloning: no `with` holds the clones yet
        repos.close()
        raise
    return repos


def _prepare(repos: Repositories, entries: Sequence[Entry | str]) -> None:
    """`prepare`'s work, into `repos`."""
    seen: dict[str, str] = {}  # a resolved folder or a URL's name -> the entry's name
    for k, given in enumerate(entries):
        entry = given if isinstance(given, Entry) else Entry(given, k + 1, Path(os.getcwd()))
        url = is_url(entry.text)
        if url:
            name, key = url_name(entry.text), "url:" + url_name(entry.text)
        else:
            root = Path(os.path.abspath(entry.base / entry.text))
            name, key = local_name(entry.text, root), os.path.realpath(root)
        if key in seen:
            print(
                f"codeorigin scan: --repos line {entry.line}: {entry.text} is {seen[key]}, listed "
                "before: skipped",
                file=sys.stderr,
            )
            continue
        if name in repos.names or _nests_apart(name, None if url else root, repos.labels):
            name = f"{name}#{entry.line}"
        seen[key] = name
        repos.names.append(name)
        if url:
            root = Path(repos._tmp or repos.new_folder()) / str(k)
            error = clone(entry.text, root, repos._cloning.append)
            if error is not None:
                repos.failed.append(FileReport(name, None, None, f"{CLONE_FAILED}: {error}"))
                continue
            if not has_commit(root):
                repos.skipped.append(FileReport(name, None, None, EMPTY_CLONE))
                continue
            for sub in submodules(root):
                repos.skipped.append(FileReport(f"{name}/{sub}", None, None, SUBMODULE_NOT_CLONED))
        repos.roots.append(root)
        repos.labels[root] = name


def _nests_apart(name: str, root: Path | None, labels: dict[Path, str]) -> bool:
    """Whether `name` nests in or around an earlier entry's name (`host/app/plugins` after
    `host/app`) while its folder (None: a clone, its own) is not that same folder of the other:
    its files would be counted as the other's, a file belonging to the longest name its path
    starts with (`report.tallies.repository_summaries`), and their paths could be the same."""
    inner: Path | None
    outer: Path | None
    for other_root, other in labels.items():
        if name.startswith(other + "/"):
            inner, outer, below = root, other_root, name[len(other) + 1 :]
        elif other.startswith(name + "/"):
            inner, outer, below = other_root, root, other[len(name) + 1 :]
        else:
            continue
        if inner is None or outer is None:
            return True
        if os.path.realpath(inner) != os.path.realpath(outer / below):
            return True
    return False


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM held while the block runs (in the main thread; elsewhere nothing is
    held), then acted on as it ends: a block that starts a process and records it (`repos.clone`)
    is never cut between the two, which would leave the process running unrecorded."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []
    kinds = (signal.SIGINT, signal.SIGTERM)
    before = {
        kind: signal.signal(kind, lambda signum, frame: came.append(signum)) for kind in kinds
    }
    try:
        yield
    finally:
        for kind, handler in before.items():
            signal.signal(kind, handler)
        if came:
            signal.raise_signal(came[0])  # its own handler now: Terminated, KeyboardInterrupt


def clone(
    url: str, dest: Path, started: Callable[[subprocess.Popen[str]], None] | None = None
) -> str | None:
    """Clone `url` shallow into `dest`; None, or why it failed (git's error line, `git_error`).
    `started` is told of the git process as soon as it runs (`Repositories.close` stops it)."""
    git = shutil.which("git")
    if git is None:
        return "git is not installed"
    # Its own session: on a Ctrl-C or SIGTERM here, git and the processes it started are stopped
    # together before the clones' folder is removed (one left running would write into it after).
    # A signal in the middle of Popen would leave git running, unrecorded: held until it is told.
    with signals_held():
        proc = subprocess.Popen(
            [git, "clone", "--quiet", "--depth", "1", "--", url, str(dest)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},  # never wait for a password
            start_new_session=True,
        )
        if started is not None:
            started(proc)
    try:
        _, stderr = proc.communicate(timeout=CLONE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        _stop(proc)
        return f"timed out after {CLONE_TIMEOUT_S} s"
    except BaseException:
        _stop(proc)
        raise
    if proc.returncode != 0:
        return git_error(stderr) or f"git exited with {proc.returncode}"
    return None


def has_commit(root: Path) -> bool:
    """Whether the clone at `root` has a commit checked out (a repository without one clones
    with only a warning from git, and empty)."""
    git = shutil.which("git")
    if git is None:
        return True
    res = subprocess.run(
        [git, "rev-parse", "--verify", "--quiet", "HEAD"], cwd=root, capture_output=True
    )
    return res.returncode == 0


def submodules(root: Path) -> list[str]:
    """The paths of the submodules that `root`'s `.gitmodules` lists (none when it has none or
    git cannot read it)."""
    git = shutil.which("git")
    if git is None or not (root / ".gitmodules").is_file():
        return []
    res = subprocess.run(
        [git, "config", "--file", ".gitmodules", "--get-regexp", r"^submodule\..*\.path$"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    return sorted(line.split(" ", 1)[1] for line in res.stdout.splitlines() if " " in line)


def _stop(proc: subprocess.Popen[str]) -> None:
    """Kill a clone and every process of its session, and wait for it."""
    killpg = getattr(os, "killpg", None)
    try:
        if killpg is not None:
            killpg(proc.pid, signal.SIGKILL)
        else:  # Windows: no process groups of this kind
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    proc.communicate()


def git_error(stderr: str) -> str | None:
    """The line of git's stderr that says what went wrong: the first `fatal:` or `error:` line
    (without the prefix), else the first line; git's hints come after it ("Please make sure you
    have the correct access rights / and the repository exists.")."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        for prefix in ("fatal:", "error:"):
            if line.lower().startswith(prefix):
                return line[len(prefix) :].strip() or line
    return lines[0] if lines else None
