"""Character offsets ⇄ LSP positions, in the position encoding negotiated with the client.

`core.spans` speaks Python string indices (code points). LSP positions count UTF-16 code units
unless the client offered `general.positionEncodings` and the server picked UTF-8 or UTF-32. Lines
end at LF, CRLF or CR, and at nothing else (not at form feeds or U+2028 as `str.splitlines` would).
"""

from __future__ import annotations

import bisect
from typing import Any

from lsprotocol import types

from codeorigin.core.spans import line_starts

__all__ = ["line_starts"]  # re-exported for the LSP modules

UTF8 = types.PositionEncodingKind.Utf8.value
UTF16 = types.PositionEncodingKind.Utf16.value
UTF32 = types.PositionEncodingKind.Utf32.value


def encoding_name(encoding: types.PositionEncodingKind | str | None) -> str:
    """ "utf-8", "utf-16" or "utf-32"; anything unknown is the LSP default, UTF-16."""
    value = encoding.value if isinstance(encoding, types.PositionEncodingKind) else encoding
    return value if value in (UTF8, UTF32) else UTF16


def range_json(r: types.Range) -> dict[str, Any]:
    """A range as the JSON a client reads (in command results and diagnostics' `data`)."""
    return {
        "start": {"line": r.start.line, "character": r.start.character},
        "end": {"line": r.end.line, "character": r.end.character},
    }


def lsp_lines(text: str) -> tuple[str, ...]:
    """The lines of a text as LSP counts them, each with its line ending (like splitlines(True))."""
    starts = line_starts(text)
    ends = [*starts[1:], len(text)]
    lines = [text[a:b] for a, b in zip(starts, ends)]
    if lines and not lines[-1]:
        lines.pop()
    return tuple(lines)


class PositionMap:
    """Conversions for one text and one encoding (build once per document version)."""

    def __init__(
        self, text: str, encoding: types.PositionEncodingKind | str | None = UTF16
    ) -> None:
        self.text = text
        self.encoding = encoding_name(encoding)
        self.starts = line_starts(text)

    def units(self, chars: str) -> int:
        """Length of a string in the client's code units."""
        if self.encoding == UTF32 or chars.isascii():
            return len(chars)
        if self.encoding == UTF16:
            return len(chars.encode("utf-16-le", "surrogatepass")) // 2
        return len(chars.encode("utf-8", "surrogatepass"))

    def line_end(self, line: int) -> int:
        """Offset of the end of a line's content (before its line ending)."""
        end = self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)
        if end > self.starts[line] and self.text[end - 1] == "\n":
            end -= 1
        if end > self.starts[line] and self.text[end - 1] == "\r":
            end -= 1
        return end

    def position(self, offset: int) -> types.Position:
        """The LSP position of a character offset (clamped to the text; an offset inside a line
        ending maps to the end of that line)."""
        offset = min(max(0, offset), len(self.text))
        line = bisect.bisect_right(self.starts, offset) - 1
        start = self.starts[line]
        offset = min(offset, self.line_end(line))
        return types.Position(line=line, character=self.units(self.text[start:offset]))

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(end))

    def point(self, position: types.Position) -> int | None:
        """The character offset of a place a request points at (a hover, the cursor of a command
        or a code action), or None on a line past the end of the text: nothing is there, though
        `offset` would read it as the end of the text. A character past the end of its line means
        the end of the line, as LSP says of every position."""
        if position.line >= len(self.starts):
            return None
        return self.offset(position)

    def offset(self, position: types.Position) -> int:
        """The character offset of an LSP position. A character past the end of its line means the
        end of the line; a line past the end of the text means the end of the text."""
        if position.line < 0:
            return 0
        if position.line >= len(self.starts):
            return len(self.text)
        start = self.starts[position.line]
        end = self.line_end(position.line)
        want = max(0, position.character)
        content = self.text[start:end]
        if self.encoding == UTF32 or content.isascii():
            return start + min(want, len(content))
        counted = 0
        for i, ch in enumerate(content):
            if counted >= want:
                return start + i
            counted += self.units(ch)
        return end
