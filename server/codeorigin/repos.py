"""`codeorigin scan --repos FILE`: many repositories in one scan.

The file names one repository a line, as a local path or a git URL (`#` starts a comment). A URL is
cloned shallow (`git clone --depth 1`) into a temporary folder that is removed after the scan; its
files are reported as `NAME/relative path`, NAME being the URL without its scheme, user and `.git`
(`https://github.com/org/app.git` -> `github.com/org/app`), so a report never names the temporary
folder and two runs give the same paths. A local path is reported as it is written. A clone that
fails is reported as a skipped entry with git's error line (`fatal: ...`), and the scan goes on.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from codeorigin.report import FileReport

# What makes a line a git URL rather than a path: a scheme, or scp-like `user@host:path`.
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:)", re.IGNORECASE)
CLONE_TIMEOUT_S = 600


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


def read_list(path: Path) -> list[str]:
    """The entries of a repository list: stripped lines, without blanks and `#` comments."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ReposError(f"--repos {path}: cannot read: {exc}") from exc
    entries = [line.strip() for line in lines]
    return [e for e in entries if e and not e.startswith("#")]


@dataclass
class Repositories:
    """The roots to scan for a repository list, with the names their reports use.

    A context manager: leaving it removes the clones."""

    roots: list[Path] = field(default_factory=list)
    labels: dict[Path, str] = field(default_factory=dict)  # clone root -> its URL's name
    names: list[str] = field(default_factory=list)  # every entry's name, in the list's order
    failed: list[FileReport] = field(default_factory=list)  # clones that failed
    _tmp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Repositories:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def prepare(entries: list[str]) -> Repositories:
    """Clone the URLs among `entries` (shallow, one after the other) and list every root."""
    repos = Repositories()
    for k, entry in enumerate(entries):
        if not is_url(entry):
            root = Path(entry)
            repos.roots.append(root)
            repos.names.append(str(root))
            continue
        name = url_name(entry)
        if name in repos.names:
            name = f"{name}#{k + 1}"  # the same URL listed twice stays two entries
        repos.names.append(name)
        if repos._tmp is None:
            repos._tmp = tempfile.TemporaryDirectory(prefix="codeorigin-repos-")
        root = Path(repos._tmp.name) / str(k)
        error = clone(entry, root)
        if error is not None:
            repos.failed.append(FileReport(name, None, None, f"git clone failed: {error}"))
            continue
        repos.roots.append(root)
        repos.labels[root] = name
    return repos


def clone(url: str, dest: Path) -> str | None:
    """Clone `url` shallow into `dest`; None, or why it failed (git's error line, `git_error`)."""
    git = shutil.which("git")
    if git is None:
        return "git is not installed"
    try:
        done = subprocess.run(
            [git, "clone", "--quiet", "--depth", "1", "--", url, str(dest)],
            capture_output=True,
            text=True,
            timeout=CLONE_TIMEOUT_S,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},  # never wait for a password
        )
    except subprocess.TimeoutExpired:
        return f"timed out after {CLONE_TIMEOUT_S} s"
    if done.returncode != 0:
        return git_error(done.stderr) or f"git exited with {done.returncode}"
    return None


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
