"""Where a span sits in its text, in lines: the 1-based runs a span covers, the column its
region starts at, a module span's runs of lines. Plain functions of a text and its spans, shared by
the engine, the scan's reports and the language server.
"""

from __future__ import annotations

import bisect

from codeorigin.core.spans import Span, line_starts


def line_of(text: str, line_starts: list[int], offset: int) -> int:
    return max(0, bisect.bisect_right(line_starts, offset) - 1)


def span_lines(span: Span, text: str, starts: list[int]) -> list[tuple[int, int]]:
    """The runs of lines (1-based, inclusive) a span covers: a module span's segments, or its
    first to last line."""
    runs = span.segments if span.kind == "module" and span.segments else ((span.start, span.end),)
    return [
        (line_of(text, starts, a) + 1, line_of(text, starts, max(a, b - 1)) + 1) for a, b in runs
    ]


def start_column(text: str, start: int, name_start: int) -> int:
    """The 1-based column (in code points) where a span's region starts on its first line: its
    name's when the name is on that line, else its first character's (the `@` of a decorator or an
    annotation above the name: the name's column would point into that line's text elsewhere)."""
    on_first_line = not any(c in "\r\n" for c in text[start:name_start])
    at = name_start if on_first_line else start
    return at - max(text.rfind("\n", 0, at), text.rfind("\r", 0, at))


def module_lines(text: str, segments: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """A module span's runs of lines (1-based, inclusive), runs apart only by blank lines joined."""
    starts = line_starts(text)

    def line_no(offset: int) -> int:
        return max(1, bisect.bisect_right(starts, offset))

    runs: list[tuple[int, int]] = []
    for a, b in segments:
        first, last = line_no(a), line_no(max(a, b - 1))
        if runs:
            gap = text[starts[runs[-1][1]] if runs[-1][1] < len(starts) else len(text) : a]
            if not gap.strip():
                runs[-1] = (runs[-1][0], last)
                continue
        runs.append((first, last))
    return tuple(runs)
