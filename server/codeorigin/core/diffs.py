"""Unified diffs (`git diff`, `diff -u`): which lines of each new file a change added.

`parse_diff` reads the text of a unified diff and returns, per file, its old and new path (a
rename or a copy keeps both), its status and the 1-based line numbers of the post-image that the
change added (`+` lines), and the text of the lines it removed (`-` lines: the training tree tells
code a change moved from code it wrote by them). Context and removed lines are not counted as
touched: a span "touched" by a change is one that overlaps an added line. Pure text processing: no
git, no file system.

git's diffs are read with its `a/` `b/` prefixes, its mnemonic ones (`diff.mnemonicPrefix`) or
none (`--no-prefix`, `diff.noprefix`); `diff -ru`'s with a `diff` line before each file. A
combined diff of a merge (`@@@`) and a coloured one are refused with what to give instead.
`as_spans_count` moves git's line numbers (LF ends a line) to the spans' (a lone CR does too).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_COLOUR = re.compile(r"^\x1b\[[0-9;]*m", re.MULTILINE)  # git colours whole lines


class DiffError(ValueError):
    """The text is not a unified diff this parser can read; the message says where."""


@dataclass
class FileDiff:
    """One file of a diff. `path` is the post-image path (None for a deleted file), `old_path`
    the pre-image path (None for an added file); `added` the post-image's added line numbers."""

    old_path: str | None
    path: str | None
    status: str = "M"  # A added, D deleted, M modified, R renamed, C copied (`git diff -C`)
    added: set[int] = field(default_factory=set)
    binary: bool = False
    # The post-image lines the diff shows (added and context), 1-based: whether it applies.
    shown: dict[int, str] = field(default_factory=dict, repr=False)
    # The pre-image lines it removes, in order: where code that a change moved came from.
    removed: list[str] = field(default_factory=list, repr=False)

    @property
    def renamed(self) -> bool:
        return self.status == "R"

    @property
    def copied(self) -> bool:
        """A new file that git wrote as a copy of `old_path` (`git diff -C`,
        `diff.renames=copies`): its hunks show only where it differs from the original."""
        return self.status == "C"


# git's C-style quoting of a path (quote.c, `core.quotePath`): these escapes, and any other byte as
# three octal digits (`\303\274` is the UTF-8 of `ü`).
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
_OCTAL = re.compile(r"[0-3][0-7]{2}")


def unquote(text: str) -> tuple[str, str] | None:
    """The path quoted at the start of `text` as git quotes one (`"a/\\303\\274n\\"i.py"`), and
    what follows the closing quote; None when `text` does not start with such a quoted string.
    The bytes are read as UTF-8; bytes that are not (a file name in another encoding) become
    surrogates (`surrogateescape`), which name the same file to the operating system."""
    if not text.startswith('"'):
        return None
    out = bytearray()
    i = 1
    while i < len(text):
        ch = text[i]
        if ch == '"':
            return out.decode("utf-8", "surrogateescape"), text[i + 1 :]
        if ch != "\\":
            out += ch.encode("utf-8", "surrogateescape")
            i += 1
        elif text[i + 1 : i + 2] in _ESCAPES:
            out.append(_ESCAPES[text[i + 1]])
            i += 2
        elif _OCTAL.match(text, i + 1):
            out.append(int(text[i + 1 : i + 4], 8))
            i += 4
        else:
            return None
    return None


def _name(raw: str) -> str:
    """A path as git writes it after `rename from`, `rename to`: quoted or as it is."""
    quoted = unquote(raw)
    return quoted[0] if quoted is not None and not quoted[1].strip() else raw


def _strip_prefix(raw: str, prefix: str = "a/b/") -> str | None:
    """`a/x` or `b/x` -> `x`; `/dev/null` -> None; a path without prefix stays as it is. A
    quoted path (`"b/we\\"ird.py"`) is unquoted; what follows it or a tab (a date) is not the
    path. `prefix`: the prefixes to take off, two characters each (`""`: none, `--no-prefix`)."""
    quoted = unquote(raw)
    if quoted is not None:
        value = quoted[0]
    elif "\t" in raw:  # git ends a name that holds a space with a tab; `diff -u` adds a date
        value = raw.split("\t", 1)[0]
    else:
        value = raw.strip()
    if quoted is None and len(value) > 1 and value[0] == value[-1] == '"':
        value = value[1:-1]  # not as git quotes: the quotes alone go
    if value == "/dev/null":
        return None
    if value[1:2] == "/" and value[:2] in (prefix[i : i + 2] for i in range(0, len(prefix), 2)):
        return value[2:]
    return value


def _git_paths(rest: str) -> tuple[str, str] | None:
    """The two paths of a `diff --git X Y` line (`rest`: after `diff --git `) as written, their
    prefixes kept, each quoted or not; None when they cannot be told apart."""
    first = unquote(rest)
    if first is not None:
        a, tail = first
        if not tail.startswith(" "):
            return None
        second = unquote(tail[1:])
        b = tail[1:] if second is None else second[0] if not second[1] else None
    elif '"' in rest:  # `a/plain "b/quoted"`: an unquoted path holds no quote
        at = rest.index('"')
        a, quoted = rest[: at - 1], unquote(rest[at:])
        b = quoted[0] if quoted is not None and not quoted[1] and rest[at - 1 : at] == " " else None
    else:
        # Both unquoted: a space may be in either. A path that did not change is written twice
        # (`a/x y b/x y`, or `x y x y` without prefixes); a renamed one has `rename from`/`rename
        # to` lines that say it.
        half = (len(rest) - 1) // 2
        same = rest[:half] == rest[half + 1 :] or rest[2:half] == rest[half + 3 :]
        if rest[half : half + 1] == " " and same:
            a, b = rest[:half], rest[half + 1 :]
        elif " b/" in rest:
            a, b = rest.split(" b/", 1)[0], "b/" + rest.split(" b/", 1)[1]
        elif rest.count(" ") == 1:
            a, b = rest.split(" ")
        else:
            return None
    return None if b is None else (a, b)


# The prefixes git writes (`a/`, `b/`; `diff.mnemonicPrefix`: `c/` commit, `i/` index, `w/` work
# tree, `o/` object).
_PREFIXES = ("a/", "b/", "c/", "i/", "w/", "o/")


def _git_header(rest: str) -> tuple[str | None, str | None, str]:
    """The two paths of a `diff --git a/X b/Y` line (`rest`: after `diff --git `), their prefixes
    removed, and the prefixes to remove from its `---` and `+++` lines: `""` where it has none
    (`git diff --no-prefix`, `diff.noprefix=true`: `diff --git X X`). The paths are None when
    they cannot be told apart (the `---`, `+++` or `rename` lines then name them)."""
    paths = _git_paths(rest)
    if paths is None:
        return None, None, "a/b/"
    a, b = paths
    if a[:2] in _PREFIXES and b[:2] in _PREFIXES and a[:2] != b[:2]:
        return a[2:], b[2:], a[:2] + b[:2]
    return a, b, ""


_BINARY = re.compile(r"^Binary files (.+) and (.+) differ$")
COMBINED = (
    "a combined diff of a merge (`diff --cc`, `@@@` hunks: what `git diff` shows while a merge "
    "has conflicts), which compares a file with both parents at once. Give a diff against one "
    "parent (`git diff HEAD`), or use `codeorigin scan --diff`, which during a merge judges only "
    "the lines that differ from both parents"
)
COLOURED = (
    "it holds colour escapes (`git diff --color=always`, or `color.ui=always` in git's "
    "configuration). Write it with `git diff --no-color`"
)


class _Reader:
    def __init__(self) -> None:
        self.files: list[FileDiff] = []
        self.current: FileDiff | None = None
        self.new_line = 0
        self.old_left = 0
        self.new_left = 0
        self.prefix = "a/b/"  # what `---` and `+++` lines lose (`_strip_prefix`)
        self.headed = (
            False  # the current file had its `---` line or a hunk: a `---` starts the next
        )
        self.git_header: list[str] | None = None  # a `diff --git` file's extended header lines

    def start(self, old: str | None, new: str | None, status: str = "M") -> FileDiff:
        self.current = FileDiff(old, new, status)
        self.files.append(self.current)
        self.old_left = self.new_left = 0
        self.headed = False
        self.git_header = None
        return self.current

    def header(self, line: str, number: int) -> None:
        if line.startswith("diff --git "):
            old, new, self.prefix = _git_header(line[len("diff --git ") :])
            self.start(old, new)
            self.git_header = []
            return
        if line.startswith(("diff --cc ", "diff --combined ")):
            raise DiffError(f"line {number}: {COMBINED}")
        if line.startswith("diff "):  # `diff -ru a/x b/x`: the `---` that follows starts a file
            self.current, self.prefix = None, "a/b/"
            return
        f = self.current
        binary = _BINARY.match(line)
        if binary is not None and (f is None or self.headed):  # `diff -r` names a binary alone
            self.start(_strip_prefix(binary[1]), _strip_prefix(binary[2])).binary = True
            return
        if f is None or (self.headed and line.startswith("--- ")):
            if line.startswith("--- "):  # `diff -u` writes no other header
                self.start(_strip_prefix(line[4:]), None)
                self.headed, self.prefix = True, "a/b/"
            return
        if not self.headed and self.git_header is not None:
            self.git_header.append(line)
        if line.startswith("new file mode"):
            f.status, f.old_path = "A", None
        elif line.startswith("deleted file mode"):
            f.status, f.path = "D", None
        elif line.startswith("rename from "):
            f.status, f.old_path = "R", _name(line[len("rename from ") :])
        elif line.startswith("rename to "):
            f.status, f.path = "R", _name(line[len("rename to ") :])
        elif line.startswith("copy from "):
            f.status, f.old_path = "C", _name(line[len("copy from ") :])
        elif line.startswith("copy to "):
            f.status, f.path = "C", _name(line[len("copy to ") :])
        elif binary is not None or line.startswith("GIT binary patch"):
            f.binary = True
        elif line.startswith("--- "):
            self.headed = True
            if f.status not in ("A", "R", "C"):
                f.old_path = _strip_prefix(line[4:], self.prefix)
        elif line.startswith("+++ "):
            self.headed = True
            f.path = _strip_prefix(line[4:], self.prefix)
            if f.path is None:
                f.status = "D"
            elif f.old_path is None and f.status not in ("R", "C"):
                f.status = "A"

    def hunk(self, line: str, number: int) -> None:
        if line.startswith("@@@"):
            raise DiffError(f"line {number}: {COMBINED}")
        m = _HUNK.match(line)
        if m is None or self.current is None:
            raise DiffError(f"line {number}: a hunk header without a file header: {line[:60]!r}")
        self.old_left = int(m.group(2)) if m.group(2) is not None else 1
        self.new_left = int(m.group(4)) if m.group(4) is not None else 1
        self.new_line = int(m.group(3))
        self.headed = True

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
            f.removed.append(line[1:])
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
    if _COLOUR.search(text) is not None:
        raise DiffError(COLOURED)
    reader = _Reader()
    lines = text.replace("\r\n", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()  # what follows the last line end is no line: not an empty context line
    for number, line in enumerate(lines, start=1):
        if reader.old_left > 0 or reader.new_left > 0:
            reader.body(line, number)
        elif line.startswith("@@"):
            reader.hunk(line, number)
        else:
            reader.header(line, number)
    if reader.old_left > 0 or reader.new_left > 0:
        raise DiffError("the diff ends inside a hunk: it was cut short")
    if reader.current is not None and _cut_after_header(reader):
        name = reader.current.path or reader.current.old_path
        raise DiffError(f"the diff ends with {name}'s header, not its changes: it was cut short")
    files = [f for f in reader.files if f.path is not None or f.old_path is not None]
    if not files:
        raise DiffError("no file header (`diff --git` or `---`/`+++`) found")
    return files


# The empty file's blob (SHA-1 and SHA-256 repositories): an empty file added or deleted has an
# `index` line and no `---`/`+++` lines.
_EMPTY_BLOBS = (
    "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391",
    "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813",
)
_INDEX = re.compile(r"index ([0-9a-f]+)\.\.([0-9a-f]+)")


def _cut_after_header(reader: _Reader) -> bool:
    """Whether the diff's last file is a `diff --git` header whose changes are missing: the line
    alone (git always writes an extended header after it), or an `index` line saying the content
    changed with no `---`/`+++` lines nor a binary patch after it (a patch cut between two files,
    which left the last file's changes out without a word)."""
    f, lines = reader.current, reader.git_header
    if f is None or lines is None or reader.headed or f.binary:
        return False
    if not lines:
        return True
    for line in lines:
        m = _INDEX.match(line)
        if m is not None and m[1] != m[2]:
            return any(_has_content(h) for h in (m[1], m[2]))
    return False


def _has_content(blob: str) -> bool:
    return blob.strip("0") != "" and not any(e.startswith(blob) for e in _EMPTY_BLOBS)


def not_a_patch(text: str) -> str | None:
    """What a text that is no diff is instead, when it tells: UTF-16 (read as UTF-8 with
    `surrogateescape`), or binary (NUL bytes). Asked only once `parse_diff` failed: `git diff
    --text` of a binary file holds NUL bytes and is still a diff."""
    if text.startswith(("\udcff\udcfe", "\udcfe\udcff")):
        return (
            "it is UTF-16 text (what PowerShell's `>` writes): save the patch as UTF-8, for "
            "example with `git diff --output=change.patch`"
        )
    if "\x00" in text:
        return (
            "it holds NUL bytes: a binary file, not a text patch (or UTF-16 text: save the "
            "patch as UTF-8)"
        )
    return None


def added_lines(text: str) -> dict[str, set[int]]:
    """Post-image path -> its added 1-based line numbers, for every file the diff keeps."""
    return added_by_path(parse_diff(text))


def added_by_path(files: list[FileDiff]) -> dict[str, set[int]]:
    """`added_lines` of files `parse_diff` already read."""
    return {f.path: f.added for f in files if f.path is not None and not f.binary}


def mismatch(f: FileDiff, text: str) -> str | None:
    """Why the diff of `f` does not apply to `text` (its post-image as found on disk, read
    without newline translation), or None when every added and context line the diff shows is
    there. A byte that is not UTF-8 may have been read as a surrogate on one side and as U+FFFD on
    the other: the lines are the same."""
    lines = text.split("\n")  # git's lines: a form feed or U+2028 ends none (`splitlines` would)
    if lines and not lines[-1]:
        lines.pop()
    for number in sorted(f.shown):
        want = f.shown[number].rstrip("\r")
        if number > len(lines):
            return f"line {number} is past the end of the file ({len(lines)} lines)"
        have = lines[number - 1].rstrip("\r")
        if have != want and _replaced(have) != _replaced(want):
            return f"line {number} is not the diff's {want[:60]!r}"
    return None


def _replaced(text: str) -> str:
    """`text` as its bytes read with `errors="replace"`, when they were read with
    `surrogateescape`."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text


_LONE_CR = re.compile(rb"\r(?!\n)")


def as_spans_count(data: bytes, lines: Collection[int]) -> frozenset[int]:
    """`lines`, numbered as git numbers the lines of a file (`data`: its bytes), numbered as the
    spans (and LSP, and an editor) number them. git ends a line at LF only; the spans at a lone
    CR too (`spans.line_starts`): a line after a lone CR is further down, and a line that holds
    one is several. A file without a lone CR keeps its numbers."""
    if _LONE_CR.search(data) is None:
        return frozenset(lines)
    parts = data.split(b"\n")
    wanted = set(lines)
    out: set[int] = set()
    first = 1  # the spans' number of git's line `number`
    for number, part in enumerate(parts, start=1):
        lone = part.count(b"\r") - (1 if number < len(parts) and part.endswith(b"\r") else 0)
        if number in wanted:
            out.update(range(first, first + lone + 1))
        first += lone + 1
    shift = first - 1 - len(parts)
    out.update(n + shift for n in wanted if n > len(parts))  # past the end: as far down
    return frozenset(out)


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
