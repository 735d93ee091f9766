"""The one text normalisation that training and the server share.

The sources we train on differ in formatting habits that say nothing about who wrote the code
(CRLF line endings, tab indentation, trailing blanks, indentation depth of a method inside its
class). A model that sees them learns the habit instead of the author. Every text is therefore
normalised before it is tokenised, by this module only: `codeorigin_train` imports it, never copies
it, and the model manifest records `NORMALIZATION_VERSION` so a server refuses a model trained with
another normalisation.

`normalize` returns the normalised text together with a map from every normalised character back to
the character of the original text it came from, which attributions use to land on the user's lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NORMALIZATION_VERSION = 1
TAB_WIDTH = 4
_TRAILING = " \t\f\v"


@dataclass(frozen=True)
class Normalized:
    """Normalised text and its map back to the original.

    `offsets[i]` is the index in the original text of normalised character `i`; it has one more entry
    than `text`, the original index just past the last kept character, so that a half-open normalised
    range `[a, b)` maps to the original range `[offsets[a], offsets[b - 1] + 1)`.
    Characters the normalisation invents (spaces expanded from a tab, the newline of a CRLF pair)
    map to the original character they stand for.
    """

    text: str
    offsets: tuple[int, ...]

    def original_index(self, i: int) -> int:
        """Original index of normalised character `i` (clamped into range)."""
        if not self.offsets:
            return 0
        i = min(max(i, 0), len(self.offsets) - 1)
        return self.offsets[i]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original half-open range covered by the normalised half-open range `[start, end)`."""
        if end <= start:
            o = self.original_index(start)
            return o, o
        return self.original_index(start), self.original_index(end - 1) + 1


def _split_lines(text: str) -> list[tuple[str, int]]:
    """Split on CRLF, CR or LF; return (line without terminator, original start index)."""
    lines: list[tuple[str, int]] = []
    start = 0
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\n" or c == "\r":
            lines.append((text[start:i], start))
            if c == "\r" and i + 1 < n and text[i + 1] == "\n":
                i += 1
            start = i + 1
        i += 1
    lines.append((text[start:], start))
    return lines


def _indent_width(line: str) -> tuple[int, int]:
    """(visual width, number of characters) of the line's leading whitespace; tabs to TAB_WIDTH stops."""
    width = 0
    count = 0
    for c in line:
        if c == " ":
            width += 1
        elif c == "\t":
            width += TAB_WIDTH - (width % TAB_WIDTH)
        elif c in "\f\v\ufeff":  # a byte-order mark an editor kept: as a file read drops it
            pass
        else:
            break
        count += 1
    return width, count


def normalize(text: str) -> Normalized:
    """Normalise `text` for the model.

    Steps, in order: line endings become LF; leading tabs expand to 4-column stops and other tabs
    become one space; trailing whitespace goes; the indentation common to all non-blank lines is
    removed (a method scores the same as the function it would be at top level); blank lines at the
    start and end go, and runs of blank lines shrink to one. Letters, comments and everything else
    are kept: the model judges them.
    """
    raw_lines = _split_lines(text)
    # Per line: indentation width, index where content starts, content with trailing blanks removed.
    infos: list[
        tuple[int, str, int, int]
    ] = []  # (indent width, content, content start, line start)
    for line, start in raw_lines:
        width, count = _indent_width(line)
        content = line[count:].rstrip(_TRAILING)
        infos.append((width, content, start + count, start))
    widths = [w for w, content, _, _ in infos if content]
    common = min(widths) if widths else 0

    out: list[str] = []
    offs: list[int] = []
    pending_newline_at: int | None = None  # original index of the line break to emit before a line
    blank_run = 0
    started = False
    for idx, (width, content, cstart, lstart) in enumerate(infos):
        if not content:
            if started:
                blank_run += 1
            continue
        if started:
            # One newline ends the previous line; at most one blank line is kept between lines.
            nl_at = pending_newline_at if pending_newline_at is not None else lstart
            out.append("\n")
            offs.append(nl_at)
            if blank_run:
                out.append("\n")
                offs.append(nl_at)
        indent = width - common
        if indent:
            # Invented spaces map to the first original character of the content's indentation.
            anchor = lstart if cstart > lstart else cstart
            out.append(" " * indent)
            offs.extend([anchor] * indent)
        for j, ch in enumerate(content):
            if ch == "\t":
                out.append(" ")
            else:
                out.append(ch)
            offs.append(cstart + j)
        started = True
        blank_run = 0
        # The line break after this line sits right after its (untrimmed) text in the original.
        if idx + 1 < len(infos):
            pending_newline_at = infos[idx + 1][3] - 1
            if (
                pending_newline_at > 0
                and text[pending_newline_at - 1 : pending_newline_at + 1] == "\r\n"
            ):
                pending_newline_at -= 1
        else:
            pending_newline_at = None
    norm = "".join(out)
    end = (offs[-1] + 1) if offs else 0
    offs.append(end)
    return Normalized(norm, tuple(offs))


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def normalize_text(text: str) -> str:
    """`normalize(text).text` without the offset map: what the scorer needs, several times faster
    (no per-character work). A test holds the two to the same text."""
    lines: list[tuple[int, str]] = []
    for line in _LINE_BREAK.split(text):
        width, count = _indent_width(line)
        lines.append((width, line[count:].rstrip(_TRAILING)))
    widths = [w for w, content in lines if content]
    if not widths:
        return ""
    common = min(widths)
    out: list[str] = []
    blank = False
    for width, content in lines:
        if not content:
            blank = bool(out)
            continue
        if blank:
            out.append("")
            blank = False
        out.append(" " * (width - common) + content.replace("\t", " "))
    return "\n".join(out)
