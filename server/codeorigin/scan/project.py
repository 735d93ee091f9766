"""A project's own settings: `.codeorigin.toml`, or the `[tool.codeorigin]` table of
`pyproject.toml`, read by `codeorigin scan` and `explain` (every key) and by the language server
(`exclude` only: the editor has settings of its own).

    # .codeorigin.toml (in pyproject.toml: the same keys under [tool.codeorigin])
    exclude = ["tests/fixtures/", "docs/examples/*.py"]
    threshold = 0.9
    min-lines = 5
    min-tokens = 12
    include-generated = false
    max-file-bytes = 2000000
    extensions = { ".h" = "cpp", ".inc" = "php" }

    [calibration]  # written by `codeorigin calibrate --write` (`codeorigin.scan.calibration`)
    model = "codeorigin-stacked"
    digest = "c95bafe6e6800b81"
    python = { threshold = 0.712, functions = 1240, agent = 35 }

The file is found from a folder upward, in each folder `.codeorigin.toml` first, then a
`pyproject.toml` that has a `[tool.codeorigin]` table, up to the top of the git repository the
folder is in (a folder that holds `.git`), or the file system's root outside a repository: the
settings of a project, never of the folders above it.

`exclude` holds patterns in `.gitignore`'s syntax, relative to the file's folder: a file or folder
they match is left out of a folder's scan and out of `scan --diff`, as `.gitignore` leaves files
out, and the server gives it no diagnostics. A file named on the command line is scored all the
same, as ruff and flake8 do, except in a change (`--diff`, `--pre-commit`, which names every
staged file). Exclusions leave code out of a scan: they never change a score.
"""

from __future__ import annotations

import difflib
import functools
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import Any

import pathspec

from codeorigin.core.markers import OwnThreshold

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser, as a package before Python 3.11
    import tomli as tomllib

NAMES = (".codeorigin.toml", "pyproject.toml")
KEYS = (
    "exclude",
    "threshold",
    "min-lines",
    "min-tokens",
    "include-generated",
    "max-file-bytes",
    "extensions",
    "calibration",
)


class ProjectError(ValueError):
    """A settings file that cannot be used, with what is wrong and where."""


@dataclass(frozen=True)
class Exclusion:
    """`.gitignore`-style patterns relative to `base`, and where they were given (`source`: a
    settings file, or "--exclude")."""

    base: Path  # absolute
    patterns: tuple[str, ...]
    source: str
    spec: pathspec.GitIgnoreSpec = field(compare=False, repr=False)

    @classmethod
    def of(cls, base: Path, patterns: Iterable[str], source: str) -> Exclusion:
        kept = tuple(patterns)
        return cls(
            Path(os.path.abspath(base)), kept, source, pathspec.GitIgnoreSpec.from_lines(kept)
        )

    def reason(self, path: Path, is_dir: bool = False) -> str | None:
        """Why `path` is excluded ("excluded by .codeorigin.toml: tests/fixtures/"), or None
        when no pattern matches it or it is not under `base`."""
        full = Path(os.path.abspath(path))
        if full == self.base or self.base not in full.parents:
            return None
        relative = full.relative_to(self.base).as_posix() + ("/" if is_dir else "")
        found = self.spec.check_file(relative)
        if not found.include or found.index is None:
            return None
        return f"excluded by {self.source}: {self.patterns[found.index]}"


@dataclass(frozen=True)
class Exclusions:
    """The exclusions a scan applies: the settings file's and `--exclude`'s."""

    rules: tuple[Exclusion, ...] = ()
    # (folder, root): a path under `folder` is matched as the same path under `root` (a copy of
    # the repository's tree at another commit, `scan.snapshot`).
    alias: tuple[Path, Path] | None = None

    def reason(self, path: Path, is_dir: bool = False) -> str | None:
        if self.alias is not None:
            folder, root = self.alias
            full = Path(os.path.abspath(path))
            if full == folder or folder in full.parents:
                path = root / full.relative_to(folder)
        for rule in self.rules:
            why = rule.reason(path, is_dir)
            if why is not None:
                return why
        return None

    def rebased(self, root: Path) -> Exclusions:
        """The patterns relative to `root` instead (a repository of `--repos`, cloned under no
        folder of the user's): `--exclude`'s, and those of the settings file of the folder the
        audit runs in (a repository's own file is never read), as they would apply from the top
        of each repository."""
        return Exclusions(tuple(Exclusion.of(root, r.patterns, r.source) for r in self.rules))

    def seen_from(self, folder: Path, root: Path) -> Exclusions:
        """The same exclusions for a copy of the work tree `root` in `folder`."""
        return Exclusions(self.rules, (Path(os.path.abspath(folder)), root))

    def __bool__(self) -> bool:
        return bool(self.rules)


@dataclass(frozen=True)
class ProjectSettings:
    """What a settings file says; None (or empty) where it says nothing."""

    path: Path | None = None
    exclude: tuple[str, ...] = ()
    threshold: float | None = None
    min_lines: int | None = None
    min_tokens: int | None = None
    include_generated: bool | None = None
    max_file_bytes: int | None = None
    extensions: dict[str, str] = field(default_factory=dict)
    calibration: Calibration | None = None

    @property
    def given(self) -> list[str]:
        """The keys the file sets, as it names them."""
        return [key for key in KEYS if getattr(self, key.replace("-", "_")) not in (None, (), {})]

    @functools.cached_property
    def exclusion(self) -> Exclusion | None:
        if self.path is None or not self.exclude:
            return None
        return Exclusion.of(self.path.parent, self.exclude, shown(self.path))


def shown(path: Path) -> str:
    """A settings file as messages name it: relative to the current folder when under it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)


def _holds_table(pyproject: Path) -> bool:
    """Whether `pyproject` (a file) has a `[tool.codeorigin]` table: read again only when it
    changes, since the server asks at every analysis."""
    stat = pyproject.stat()
    return _table_in(pyproject, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _table_in(pyproject: Path, mtime_ns: int, size: int) -> bool:
    """`_holds_table` for one version of the file; a file that is not valid TOML is taken when it
    names the table, so that `load` says what is wrong with it."""
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if "codeorigin" not in text:
        return False
    try:
        tool = tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError:
        return "[tool.codeorigin]" in text
    return isinstance(tool, dict) and "codeorigin" in tool


def find(start: Path) -> Path | None:
    """The settings file for the folder `start` (or the file's folder), searched upward."""
    folder = Path(os.path.abspath(start))
    if not folder.is_dir():
        folder = folder.parent
    for here in (folder, *folder.parents):
        try:
            own, pyproject = here / NAMES[0], here / NAMES[1]
            if os.path.lexists(own):  # a link to nowhere or a FIFO too: `load` says so
                return own
            if pyproject.is_file() and _holds_table(pyproject):
                return pyproject
            if (here / ".git").exists():
                return None
        except OSError:  # a folder we may not look into: no settings of its own, no repository
            continue
    return None


def load(path: Path) -> ProjectSettings:
    """The settings of the file `path`. Raises ProjectError naming the file and what is wrong."""
    name = shown(path)
    if isinstance(stat := _regular(path), ProjectError):
        raise stat
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProjectError(f"{name}: cannot read it: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ProjectError(f"{name}: not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{name}: not valid TOML: {exc}") from exc
    if path.name == NAMES[1]:
        table = data.get("tool", {}).get("codeorigin", {}) if isinstance(data, dict) else {}
        name = f"{name} [tool.codeorigin]"
    else:
        table = data
    if not isinstance(table, dict):
        raise ProjectError(f"{name}: expected a table of settings")
    return ProjectSettings(path=path.absolute(), **_values(table, name))


def _regular(path: Path) -> os.stat_result | ProjectError:
    """The settings file's stat, or why `path` is no file to read: a FIFO (reading it would
    block for ever), a link to a missing file (it was skipped, and the folders above searched
    instead, without a word) or a link loop. One `stat` a call: the server asks at every
    analysis."""
    name = shown(path)
    try:
        stat = os.stat(path)
    except FileNotFoundError as exc:
        if os.path.islink(path):
            return ProjectError(f"{name}: a link to a missing file, {os.readlink(path)}")
        return ProjectError(f"{name}: cannot read it: {exc.strerror or exc}")
    except OSError as exc:  # a link loop, a folder we may not search
        return ProjectError(f"{name}: cannot read it: {exc.strerror or exc}")
    return stat if S_ISREG(stat.st_mode) else ProjectError(f"{name}: not a regular file")


def _values(table: dict[str, Any], name: str) -> dict[str, Any]:
    from codeorigin.core.languages import parse_mapping

    out: dict[str, Any] = {}
    for key, value in table.items():
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(KEYS)})"
            raise ProjectError(f"{name}: unknown setting {key!r}{hint}")
        where = f"{name}: {key}"
        if key == "exclude":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ProjectError(f'{where}: expected a list of patterns, e.g. ["tests/data/"]')
            try:
                pathspec.GitIgnoreSpec.from_lines(value)
            except Exception as exc:  # pathspec's own errors name the pattern
                raise ProjectError(f"{where}: {exc}") from exc
            out["exclude"] = tuple(value)
        elif key == "threshold":
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ProjectError(f"{where}: expected a probability from 0 to 1, not {value!r}")
            out["threshold"] = float(value)
        elif key in ("min-lines", "min-tokens", "max-file-bytes"):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ProjectError(f"{where}: expected a whole number of at least 1, not {value!r}")
            out[key.replace("-", "_")] = value
        elif key == "calibration":
            out["calibration"] = _calibration(value, where)
        elif key == "include-generated":
            if not isinstance(value, bool):
                raise ProjectError(f"{where}: expected true or false, not {value!r}")
            out["include_generated"] = value
        else:  # extensions
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ProjectError(f'{where}: expected a table such as {{ ".h" = "cpp" }}')
            try:
                out["extensions"] = parse_mapping(value)
            except ValueError as exc:
                raise ProjectError(f"{where}: {exc}") from exc
    return out


@dataclass(frozen=True)
class Calibration:
    """A repository's own thresholds (`codeorigin calibrate --write`): for the model whose
    manifest digest starts with `digest`, per language (threshold, the functions it rests on,
    agent-marked functions, basis), measured on `date` at `commit`. The basis is `baseline`
    (bounded on functions written before `cutoff`) or `reference` (the model's margin above the
    median of the language's functions, `core.reference`)."""

    model: str
    digest: str
    date: str
    commit: str
    cutoff: str
    languages: dict[str, tuple[float, int, int, str]]
    # Per language, its own uncertain threshold where `calibrate` wrote one (a language the model
    # abstains on: the model has none for it).
    uncertain: dict[str, float] = field(default_factory=dict)
    # The threshold for a commit's functions judged together (`scan.commits`), the people's
    # commits it rests on and its basis: `baseline` (bounded on them) or `highest` (raised above
    # the highest of them); None: the model's.
    commits: tuple[float, int, str] | None = None

    def own_commits(self, digest: str) -> tuple[float, str] | None:
        """The commit threshold and what it rests on, for a model of `digest`; None for another
        model or none recorded."""
        if self.commits is None or not digest.startswith(self.digest):
            return None
        t, n, basis = self.commits
        said = {"baseline": "bounded on {:,} of this repository's people's commits of before "
                + self.cutoff,
                "highest": "above the highest of this repository's {:,} people's commits of "
                "before " + self.cutoff}  # fmt: skip
        return t, said[basis].format(n)

    def own(self, digest: str) -> dict[str, OwnThreshold] | None:
        """The thresholds, what each rests on and the uncertain threshold where one was written
        (else None), for a model of `digest`; None for another."""
        if not digest.startswith(self.digest):
            return None
        said = {"baseline": "calibrated on {:,} functions of this repository written before "
                + self.cutoff,
                "reference": "set above the median of this repository's {:,} functions by a "
                "margin that held people of other repositories to 1%"}  # fmt: skip
        return {lang: (t, said[basis].format(n), self.uncertain.get(lang))
                for lang, (t, n, _, basis) in self.languages.items()}  # fmt: skip


BASES = ("baseline", "reference")
COMMIT_BASES = ("baseline", "highest")


def _calibration(value: Any, where: str) -> Calibration:
    """The `[calibration]` table, checked."""
    from codeorigin.core.languages import canonical

    if not isinstance(value, dict):
        raise ProjectError(f"{where}: expected the table `codeorigin calibrate --write` writes")
    words = {k: value.get(k) for k in ("model", "digest", "date", "commit", "cutoff")}
    if not all(isinstance(v, str) and v for k, v in words.items() if k in ("model", "digest")):
        raise ProjectError(f"{where}: needs the model's name and digest (run calibrate again)")
    languages: dict[str, tuple[float, int, int, str]] = {}
    uncertain: dict[str, float] = {}
    commits = None
    for key, row in value.items():
        if key in words:
            continue
        if key == "commits":
            commits = _commits(row, f"{where}.commits")
            continue
        t = row.get("threshold") if isinstance(row, dict) else None
        if canonical(key) != key or not isinstance(t, int | float) or isinstance(t, bool) or not 0 <= t <= 1:  # fmt: skip
            raise ProjectError(f"{where}.{key}: expected a language with a threshold from 0 to 1, "
                               "as `codeorigin calibrate --write` writes it")  # fmt: skip
        basis = row.get("basis", "baseline")
        if basis not in BASES:
            raise ProjectError(f"{where}.{key}: basis {basis!r} is not one `codeorigin calibrate "
                               "--write` writes (baseline or reference)")  # fmt: skip
        n, agent = row.get("functions", 0), row.get("agent", 0)
        languages[key] = (float(t), int(n) if isinstance(n, int) else 0,
                          int(agent) if isinstance(agent, int) else 0, str(basis))  # fmt: skip
        if "uncertain" in row:
            u = row["uncertain"]
            if not isinstance(u, int | float) or isinstance(u, bool) or not 0 <= u <= t:
                raise ProjectError(f"{where}.{key}: expected an uncertain threshold from 0 to its "
                                   "threshold, as `codeorigin calibrate --write` writes it")  # fmt: skip
            uncertain[key] = float(u)
    said = {k: str(v or "") for k, v in words.items()}
    return Calibration(said["model"], said["digest"], said["date"], said["commit"], said["cutoff"],
                       languages, uncertain, commits)  # fmt: skip


def _commits(row: Any, where: str) -> tuple[float, int, str]:
    """The calibration's `commits` entry, checked."""
    t = row.get("threshold") if isinstance(row, dict) else None
    if not isinstance(t, int | float) or isinstance(t, bool) or not 0 <= t <= 1:
        raise ProjectError(f"{where}: expected a threshold from 0 to 1, as `codeorigin calibrate "
                           "--write` writes it")  # fmt: skip
    basis, n = row.get("basis"), row.get("commits", 0)
    if basis not in COMMIT_BASES:
        raise ProjectError(f"{where}: basis {basis!r} is not one `codeorigin calibrate --write` "
                           "writes (baseline or highest)")  # fmt: skip
    return float(t), int(n) if isinstance(n, int) and not isinstance(n, bool) else 0, str(basis)


class Cache:
    """Settings files read once and again only when they change (size and modification time):
    what the language server asks at every analysis."""

    def __init__(self) -> None:
        self._read: dict[Path, tuple[tuple[int, int], ProjectSettings | ProjectError]] = {}

    def calibration(self, path: Path) -> Calibration | None:
        """The repository's calibration (`codeorigin calibrate --write`) for the file `path`; None
        when none applies. `Calibration.own` and `own_commits` say what it sets for a model."""
        found = self.for_path(path)
        return found.calibration if isinstance(found, ProjectSettings) else None

    def for_path(self, path: Path) -> ProjectSettings | ProjectError | None:
        """The settings that apply to the file `path`, the error of a broken settings file, or
        None when no file applies."""
        found = find(path.parent)
        if found is None:
            return None
        stat = _regular(found)
        if isinstance(stat, ProjectError):
            return stat
        stamp = (stat.st_mtime_ns, stat.st_size)
        kept = self._read.get(found)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        try:
            got: ProjectSettings | ProjectError = load(found)
        except ProjectError as exc:
            got = exc
        self._read[found] = (stamp, got)
        return got
