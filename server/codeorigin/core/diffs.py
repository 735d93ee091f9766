"""Unified diffs (`git diff`, `diff -u`): which lines of each new file a change added.

`parse_diff` reads the text of a unified diff and returns, per file, its old and new path (a
rename keeps both), its status and the 1-based line numbers of the post-image that the change
added (`+` lines). Context and removed lines are not counted: a span "touched" by a change is one
that overlaps an added line. Pure text processing: no git, no file system.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

_DIFF_GIT = re.compile(r'^diff --git "?a/(.*?)"? "?b/(.*?)"?$')
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class DiffError(ValueError):
    """The text is not a unified diff this parser can read; the message says where."""


@dataclass
class FileDiff:
    """One file of a diff. `path` is the post-image path (None for a deleted file), `old_path`
    the pre-image path (None for an added file); `added` the post-image's added line numbers."""

    old_path: str | None
    path: str | None
    status: str = "M"  # A added, D deleted, M modified, R renamed
    added: set[int] = field(default_factory=set)
    binary: bool = False
    # The post-image lines the diff shows (added and context), 1-based: whether it applies.
    shown: dict[int, str] = field(default_factory=dict, repr=False)

    @property
    def renamed(self) -> bool:
        return self.status == "R"


def _strip_prefix(raw: str) -> str | None:
    """`a/x` or `b/x` -> `x`; `/dev/null` -> None; a path without prefix stays as it is."""
    value = raw.split("\t", 1)[0].strip()
    if value.startswith('"') and value.endswith('"'):
        value = value[1:-1]
    if value == "/dev/null":
        return None
    if value[:2] in ("a/", "b/"):
        return value[2:]
    return value


class _Reader:
    def __init__(self) -> None:
        self.files: list[FileDiff] = []
        self.current: FileDiff | None = None
        self.new_line = 0
        self.old_left = 0
        self.new_left = 0

    def start(self, old: str | None, new: str | None, status: str = "M") -> FileDiff:
        self.current = FileDiff(old, new, status)
        self.files.append(self.current)
        self.old_left = self.new_left = 0
        return self.current

    def header(self, line: str, number: int) -> None:
        f = self.current
        m = _DIFF_GIT.match(line)
        if m:
            self.start(m.group(1), m.group(2))
            return
        if f is None:
            if line.startswith("--- "):
                self.start(_strip_prefix(line[4:]), None)
            return
        if line.startswith("new file mode"):
            f.status, f.old_path = "A", None
        elif line.startswith("deleted file mode"):
            f.status, f.path = "D", None
        elif line.startswith("rename from "):
            f.status, f.old_path = "R", line[len("rename from ") :]
        elif line.startswith("rename to "):
            f.status, f.path = "R", line[len("rename to ") :]
        elif line.startswith("Binary files ") or line.startswith("GIT binary patch"):
            f.binary = True
        elif line.startswith("--- "):
            if f.added or self.new_left:
                self.start(_strip_prefix(line[4:]), None)
            elif f.status not in ("A", "R"):
                f.old_path = _strip_prefix(line[4:])
        elif line.startswith("+++ "):
            f.path = _strip_prefix(line[4:])
            if f.path is None:
                f.status = "D"
            elif f.old_path is None and f.status != "R":
                f.status = "A"

    def hunk(self, line: str, number: int) -> None:
        m = _HUNK.match(line)
        if m is None or self.current is None:
            raise DiffError(f"line {number}: a hunk header without a file header: {line[:60]!r}")
        self.old_left = int(m.group(2)) if m.group(2) is not None else 1
        self.new_left = int(m.group(4)) if m.group(4) is not None else 1
        self.new_line = int(m.group(3))

    def body(self, line: str, number: int) -> None:
        f = self.current
        assert f is not None
        tag = line[:1]
        if tag == "+":
            f.added.add(self.new_line)
            f.shown[self.new_line] = line[1:]
            self.new_line += 1
            self.new_left -= 1
        elif tag == "-":
            self.old_left -= 1
        elif tag in (" ", ""):
            f.shown[self.new_line] = line[1:]
            self.new_line += 1
            self.new_left -= 1
            self.old_left -= 1
        elif tag == "\\":
            return
        else:
            raise DiffError(f"line {number}: not a diff line inside a hunk: {line[:60]!r}")
        if self.new_left < 0 or self.old_left < 0:
            raise DiffError(f"line {number}: the hunk has more lines than its header says")


def parse_diff(text: str) -> list[FileDiff]:
    """The files of a unified diff, in the order they appear.

    Raises DiffError when the text holds no file of a diff or a hunk does not match its header.
    """
    reader = _Reader()
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if reader.old_left > 0 or reader.new_left > 0:
            reader.body(line, number)
        elif line.startswith("@@"):
            reader.hunk(line, number)
        else:
            reader.header(line, number)
    if reader.old_left > 0 or reader.new_left > 0:
        raise DiffError("the diff ends inside a hunk: it was cut short")
    files = [f for f in reader.files if f.path is not None or f.old_path is not None]
    if not files:
        raise DiffError("no file header (`diff --git` or `---`/`+++`) found")
    return files


def added_lines(text: str) -> dict[str, set[int]]:
    """Post-image path -> its added 1-based line numbers, for every file the diff keeps."""
    return {f.path: f.added for f in parse_diff(text) if f.path is not None and not f.binary}


def mismatch(f: FileDiff, text: str) -> str | None:
    """Why the diff of `f` does not apply to `text` (its post-image as found on disk), or None
    when every added and context line the diff shows is there."""
    lines = text.split("\n")  # git's lines: a form feed or U+2028 ends none (`splitlines` would)
    if lines and not lines[-1]:
        lines.pop()
    for number in sorted(f.shown):
        want = f.shown[number].rstrip("\r")
        if number > len(lines):
            return f"line {number} is past the end of the file ({len(lines)} lines)"
        if lines[number - 1].rstrip("\r") != want:
            return f"line {number} is not the diff's {want[:60]!r}"
    return None


def touched(runs: Iterable[tuple[int, int]], changed: Collection[int]) -> int:
    """How many lines of `runs` (1-based, inclusive ranges) are in `changed`."""
    return sum(1 for a, b in runs for n in range(a, b + 1) if n in changed)


def changed_lines(old: str, new: str) -> frozenset[int]:
    """The lines of `new` (1-based) that a line diff from `old` adds or modifies, as `git diff`
    would mark them `+` (the editor's `codeorigin.scope: changed`, on an unsaved buffer)."""
    import difflib

    # Lines as LSP and the spans count them (LF, CRLF, CR), not as `splitlines` (which also
    # ends lines at a form feed, U+2028 and others): the numbers must be the spans'.
    lines = re.compile(r"\r\n|\r|\n").split
    matcher = difflib.SequenceMatcher(None, lines(old), lines(new), autojunk=False)
    return frozenset(
        n + 1
        for tag, _, _, j1, j2 in matcher.get_opcodes()
        if tag in ("replace", "insert")
        for n in range(j1, j2)
    )
