"""Layout and style figures of normalised code, with where each was measured.

Part of the linear member's features (`core.features`, `FIGURES` names them in order). Each
figure is a number of about 0 to 1 and, when asked, a support: a weight per character of the text
summing to 1, the characters the figure was measured on (a comment share on the comment lines, a
mean identifier length on the identifiers, a spread on the lines far from the mean). A figure's
term in the logit lands on its support, so per-line contributions stay exact.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

import numpy as np

_COMMENT_START = ("#", "//", "/*", "*", "--", ";", "<!--")
# Comment markers, matched in linear time: a line of 100,000 characters costs a millisecond, not
# minutes (`_inline_comment`, `_inline_body` and `_comment_body` say what they find).
_INLINE_MARK = re.compile(r"\s(?:#|//)(?:\s|$)")
_INLINE_START = re.compile(r"\s(?:#|//)")
_COMMENT_MARK = re.compile(r"(?:#+|//+|/\*+|\*+|--)\s*")
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")
_SNAKE = re.compile(r"[a-z0-9]_[a-z0-9]")
# A `#` that starts a C preprocessor line, a Rust attribute (`#[`) or a shebang is code, not a
# comment.
_NOT_COMMENT = re.compile(
    r"#\s*(?:include|define|if|ifdef|ifndef|else|elif|endif|pragma|undef|error|line|import)\b"
    r"|#!?\[|#!"
)
_CAMEL = re.compile(r"[a-z][A-Z]")


class Tokens(NamedTuple):
    """The code tokens of a text (`core.features.TOKEN_RE`): texts and character ranges."""

    texts: tuple[str, ...]
    starts: np.ndarray
    ends: np.ndarray


class _Lines:
    """The lines of a normalised text and the characters each one owns (its text and its '\\n')."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n") if text else []
        self.starts: list[int] = []
        pos = 0
        for line in self.lines:
            self.starts.append(pos)
            pos += len(line) + 1
        self.length = len(text)

    def support(self, weights: list[float]) -> np.ndarray:
        """Per-character weights from per-line weights, each line's spread over its characters;
        normalised to sum 1 (empty when no weighted line has a character)."""
        if not self.length:
            return np.zeros(0)
        diff = np.zeros(self.length + 1)
        last = len(self.lines) - 1
        for k, w in enumerate(weights):
            a = self.starts[k]
            b = min(self.length, a + len(self.lines[k]) + (1 if k < last else 0))
            if w > 0.0 and b > a:
                diff[a] += w / (b - a)
                diff[b] -= w / (b - a)
        out = np.maximum(np.cumsum(diff)[: self.length], 0.0)  # no rounding below zero
        total = float(out.sum())
        return out / total if total > 0.0 else np.zeros(0)


def _token_support(length: int, tokens: Tokens, chosen: list[int]) -> np.ndarray:
    """Per-character weights spread evenly over the characters of the chosen tokens."""
    if not chosen or not length:
        return np.zeros(0)
    diff = np.zeros(length + 1)
    idx = np.asarray(chosen, dtype=np.int64)
    np.add.at(diff, tokens.starts[idx], 1.0)
    np.add.at(diff, tokens.ends[idx], -1.0)
    out = np.maximum(np.cumsum(diff)[:length], 0.0)
    return out / out.sum()


def _kinds(lines: list[str]) -> list[str]:
    """Per line: "blank", "comment", "doc" (inside a docstring or /** */) or "code"."""
    kinds: list[str] = []
    quote: str | None = None
    in_doc = False
    for line in lines:
        s = line.strip()
        if not s:
            kinds.append("blank")
            continue
        if quote is not None or in_doc:
            kinds.append("doc")
            if quote is not None and s.count(quote) % 2 == 1:
                quote = None
            if in_doc and "*/" in s:
                in_doc = False
            continue
        opened = next((q for q in ('"""', "'''") if q in s), None)
        if opened is not None and s.startswith(("r" + opened, opened, "u" + opened)):
            kinds.append("doc")
            quote = opened if s.count(opened) % 2 == 1 else None
        elif s.startswith("/**"):
            kinds.append("doc")
            in_doc = "*/" not in s[3:]
        elif s.startswith(_COMMENT_START):
            kinds.append("comment")
        else:
            kinds.append("code")
    return kinds


def _inline_comment(line: str) -> bool:
    """Whether a comment follows code on `line`: a non-space character, later a space, then `#` or
    `//` followed by a space or the line's end (what `\\S.*?\\s(#|//)(\\s|$)` finds, in linear
    time: the first non-space character is the earliest start such a match can have)."""
    first = len(line) - len(line.lstrip())
    return first < len(line) and _INLINE_MARK.search(line, first + 1) is not None


def _inline_body(line: str) -> str:
    """The text of the comment after code on `line`: after the first space-then-marker, stripped
    (what `\\s(?:#|//)\\s*(.*?)\\s*$` captures); "" without one."""
    found = _INLINE_START.search(line)
    return line[found.end() :].strip() if found else ""


def _comment_body(s: str) -> str:
    """The text of an own-line comment `s` (a stripped line): after its marker and the spaces after
    it, without a closing `*/` and the spaces before it (what
    `^(?:#+|//+|/\\*+|\\*+|--)\\s*(.*?)\\s*(?:\\*+/)?\\s*$` captures, in linear time); "" when `s`
    starts with no marker."""
    found = _COMMENT_MARK.match(s)
    if found is None:
        return ""
    start, end = found.end(), len(s)
    if s.endswith("*/"):
        slash = len(s) - 1
        stars = slash
        while stars > 0 and s[stars - 1] == "*":
            stars -= 1
        space = stars
        while space > 0 and s[space - 1].isspace():
            space -= 1
        if start < slash:  # the closing stars (some of them) are after the marker
            end = max(start, space)
    return s[start:end]


def _comments(lines: list[str], kinds: list[str], inline: list[bool]) -> list[tuple[int, str]]:
    """(line, text) of every comment with words in it: own-line comments and comments after code."""
    out = []
    for k, (line, kind) in enumerate(zip(lines, kinds)):
        s = line.strip()
        if kind == "comment" and not _NOT_COMMENT.match(s):
            body = _comment_body(s)
        elif inline[k]:
            body = _inline_body(line)
        else:
            continue
        if any(c.isalpha() for c in body):
            out.append((k, body))
    return out


def _comment_style(
    comments: list[tuple[int, str]], n_lines: int
) -> tuple[list[float], list[list[float]]]:
    """The comment-style figures (`COMMENT_FIGURES`) and, per figure, a weight per line: how
    comments are written (a capitalised sentence without a full stop, or a lowercase note), the
    thing coding agents' comments differ in most from people's (measured on the agentic corpus)."""
    if not comments:
        return [0.0] * 4, [[0.0] * n_lines for _ in range(4)]
    n = len(comments)
    first = [next(c for c in body if c.isalpha()) for _, body in comments]
    marks = [
        [f.isupper() for f in first],
        [body.rstrip().endswith(".") for _, body in comments],
        [True] * n,
        [f.islower() for f in first],
    ]
    words = sum(len(body.split()) for _, body in comments) / n
    values = [sum(marks[0]) / n, sum(marks[1]) / n, min(1.0, words / 10.0), sum(marks[3]) / n]
    weights = []
    for m in marks:
        w = [0.0] * n_lines
        for (k, _), on in zip(comments, m):
            w[k] += float(on)
        weights.append(w)
    return values, weights


def _spread(values: list[float]) -> tuple[float, list[float]]:
    """(standard deviation, squared deviation of each value)."""
    if not values:
        return 0.0, []
    mean = sum(values) / len(values)
    dev = [(v - mean) ** 2 for v in values]
    return math.sqrt(sum(dev) / len(values)), dev


def _blocks(filled: list[bool]) -> tuple[float, list[float]]:
    """(standard deviation of the runs of filled lines, per line: its run's squared deviation
    shared by the run's lines)."""
    runs: list[list[int]] = []
    for k, f in enumerate(filled):
        if f and (k == 0 or not filled[k - 1]):
            runs.append([])
        if f:
            runs[-1].append(k)
    std, dev = _spread([float(len(r)) for r in runs])
    weights = [0.0] * len(filled)
    for run, d in zip(runs, dev):
        for k in run:
            weights[k] = d / len(run)
    return std, weights


def figures(
    text: str, tokens: Tokens, *, supports: bool = False, count: int | None = None
) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """The first `count` (default: all) figures of `core.features.FIGURES`, in that order, and
    (with `supports`) the support of each (empty where the figure is 0 or `supports` is False)."""
    ls = _Lines(text)
    kinds = _kinds(ls.lines)
    n = len(ls.lines)
    filled = [k != "blank" for k in kinds]
    n_filled = max(1, sum(filled))
    lengths = [len(line) for line in ls.lines]
    indents = [len(line) - len(line.lstrip(" ")) for line in ls.lines]
    code = [k == "code" for k in kinds]
    inline = [c and _inline_comment(line) for c, line in zip(code, ls.lines)]
    idents = [i for i, t in enumerate(tokens.texts) if _IDENT.match(t)]
    names = [tokens.texts[i] for i in idents]
    snake = [i for i, t in zip(idents, names) if _SNAKE.search(t)]
    camel = [i for i, t in zip(idents, names) if _CAMEL.search(t)]
    upper = [i for i, t in zip(idents, names) if len(t) > 1 and t.isupper()]
    short = [i for i, t in zip(idents, names) if len(t) == 1]
    n_ids = max(1, len(idents))
    filled_lengths = [float(v) for v, f in zip(lengths, filled) if f]
    line_std, line_dev = _spread(filled_lengths)
    block_std, block_weights = _blocks(filled)
    style, style_weights = _comment_style(_comments(ls.lines, kinds, inline), n)
    values = [
        sum(k == "comment" for k in kinds) / n_filled,
        sum(k == "doc" for k in kinds) / n_filled,
        sum(inline) / max(1, sum(code)),
        (sum(map(len, names)) / n_ids / 20.0) if names else 0.0,
        len(snake) / n_ids,
        len(camel) / n_ids,
        len(upper) / n_ids,
        len(short) / n_ids,
        (sum(filled_lengths) / n_filled / 80.0) if filled_lengths else 0.0,
        line_std / 40.0,
        sum(v > 100 for v in filled_lengths) / n_filled,
        (n - sum(filled)) / n if n else 0.0,
        block_std / 10.0,
        (sum(i for i, f in zip(indents, filled) if f) / n_filled / 8.0) if n else 0.0,
        math.log1p(n) / 6.0,
        *style,
    ]
    values = values[:count]
    if not supports:
        return np.asarray(values, dtype=np.float64), ()
    dev_iter = iter(line_dev)
    line_weights = [next(dev_iter) if f else 0.0 for f in filled]
    length = ls.length
    where: tuple[np.ndarray, ...] = (
        ls.support([float(k == "comment") for k in kinds]),
        ls.support([float(k == "doc") for k in kinds]),
        ls.support([float(v) for v in inline]),
        _token_support(length, tokens, idents),
        _token_support(length, tokens, snake),
        _token_support(length, tokens, camel),
        _token_support(length, tokens, upper),
        _token_support(length, tokens, short),
        ls.support([float(v) if f else 0.0 for v, f in zip(lengths, filled)]),
        ls.support(line_weights),
        ls.support([float(v > 100 and f) for v, f in zip(lengths, filled)]),
        ls.support([float(not f) for f in filled]),
        ls.support(block_weights),
        ls.support([float(i) if f else 0.0 for i, f in zip(indents, filled)]),
        ls.support([1.0] * n),
        *(ls.support(w) for w in style_weights),
    )[: len(values)]
    # A figure measured where no character is (a text of blank lines) lands on every character.
    even = np.full(length, 1.0 / length) if length else np.zeros(0)
    where = tuple(s if s.size or not v else even for s, v in zip(where, values))
    return np.asarray(values, dtype=np.float64), where
