"""Findings known before a change: `scan --diff REV` blames a change for what it brings, not for
the functions it touches that were already flagged at its base.

A baseline keys a finding by the hash of the function's text, which any edit changes: a one-line
fix inside a function flagged on main would fail the pull request as if the change had written
it. So a span the change reports (`llm` or `uncertain`, neither suppressed nor in the baseline)
is *known before the change* when

1. the file existed at the base (under its old name when renamed), a scan would have read it
   there (not binary, UTF-8, within `--max-file-bytes`), and its version there holds a
   span of the same name and kind (when several, the one whose lines are most like the span's
   now, then the one starting nearest: two classes' `__init__`, overloads);
2. the change touched at most half of its lines, or it left the span's text as it was (the same
   normalised text as such a span at the base: a function moved within its file, its line
   endings or its indentation changed); a function the change rewrote in more than half of its
   lines is the change's own;
3. that base span, scored by the same engine with the same options (so the thresholds of the
   same language), got a verdict at least as strong and no `codeorigin: ignore` comment hid it:
   `llm` at the base covers `llm` and `uncertain` now, `uncertain` covers `uncertain` only.

Such a span is set aside as a baseline finding is (`SpanReport.reported` is false): not listed as
a finding, no SARIF result, not counted toward the exit status, not pooled into the change's
verdict. Only `from_git` knows a base (`Changes.before`): a patch (`--diff-file`) has none, and
during a merge nothing is marked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from codeorigin.core import languages
from codeorigin.core.cache import text_hash
from codeorigin.core.normalize import normalize_text
from codeorigin.core.resync import find_spans
from codeorigin.core.spans import Span, line_starts
from codeorigin.engine.judging import VerdictRules
from codeorigin.engine.lines import span_lines
from codeorigin.engine.scoring import Engine
from codeorigin.report.data import KnownBefore, SpanReport

if TYPE_CHECKING:
    from codeorigin.scan.changes import Base

# The verdicts at the base that cover a verdict now: a span flagged `llm` before the change
# covers one now `llm` or `uncertain`; one `uncertain` then covers only `uncertain`, so a
# function the change pushes over the threshold is reported.
COVERS: dict[str, tuple[str, ...]] = {"llm": ("llm", "uncertain"), "uncertain": ("uncertain",)}


def may_be_known(s: SpanReport) -> bool:
    """Whether a span of a change is one the base may know: reported and touched by the change
    (when more than half of its lines, only by a base span of the same text: `same_text`)."""
    return s.reported and s.changed_lines is not None


def same_text(s: SpanReport) -> str | None:
    """The normalised text's hash a base span must have to know `s`: its own when the change
    touched more than half of its lines (moved, or its line endings changed), None otherwise."""
    assert s.changed_lines is not None
    return None if s.changed_lines * 2 <= s.n_lines else s.text_hash


@dataclass(frozen=True)
class Now:
    """A span of the changed version that its base may know: its name, kind, first line (1-based)
    and verdict now; `text_hash`, when given, the hash of its normalised text, which the base
    span must share (`same_text`); `lines`, its lines now (to tell apart base spans of its name
    and kind)."""

    name: str
    kind: str
    start_line: int
    verdict: str
    text_hash: str | None = None
    lines: tuple[str, ...] = ()


def marked(
    engine: Engine,
    spans: Sequence[SpanReport],
    base: Base | None,
    language: str,
    rules: VerdictRules,
    max_bytes: int,
    text_now: str = "",
) -> tuple[SpanReport, ...]:
    """`spans` (one file's, from a `scan --diff`, of `text_now`), those known before the change
    carrying their `known_before`; as they are when the file has no `base`, git cannot show it
    there, or a scan of the base would not read it (binary, not UTF-8, over `max_bytes`)."""
    wanted = [i for i, s in enumerate(spans) if may_be_known(s)]
    if base is None or not wanted:
        return tuple(spans)
    text = base.text(max_bytes)
    if text is None:
        return tuple(spans)
    starts_now = line_starts(text_now)
    now = [Now(spans[i].name, spans[i].kind, spans[i].start_line, spans[i].verdict,
               same_text(spans[i]), text_lines(text_now, starts_now, spans[i].runs))
           for i in wanted]  # fmt: skip
    out = list(spans)
    for j, probability in at_base(engine, now, text, language, rules).items():
        i = wanted[j]
        out[i] = replace(out[i], known_before=KnownBefore(base.short, probability))
    return tuple(out)


def at_base(
    engine: Engine,
    now: Sequence[Now],
    text: str,
    language: str,
    rules: VerdictRules,
    between: Callable[[], None] | None = None,
) -> dict[int, float]:
    """Of the spans `now` (each reported), the index of each whose version in the base's `text`
    got a verdict that covers it, with its probability there (`scan --diff` and the editor's
    `codeorigin.scope: changed`): the base span of its name and kind nearest to it, or, for one
    with a `text_hash`, any such span of that normalised text. The base spans that may cover one
    are scored together, through the engine's cache; `between` runs between batches."""
    canonical = languages.canonical(language)
    if canonical is None or not now:
        return {}
    text = text.removeprefix("\ufeff")  # as `files.read_text` reads the file now
    found = find_spans(text, canonical, min_lines=rules.min_lines)
    starts = line_starts(text)
    pairs = {i: m for i, s in enumerate(now) if (m := _match(s, found, text, starts))}
    if not pairs:
        return {}
    lines = frozenset(
        n
        for candidates in pairs.values()
        for span in candidates
        for first, last in span_lines(span, text, starts)
        for n in range(first, last + 1)
    )
    [(results, _)] = engine.analyze_many([(text, language)], rules, only=[lines], between=between)
    by_span = {(r.span.start, r.span.name, r.span.kind): r for r in results}
    out = {}
    for i, candidates in pairs.items():
        for b in candidates:
            r = by_span.get((b.start, b.name, b.kind))
            if r is None or r.suppressed is not None or r.probability is None:
                continue  # not scored at the base, or a comment hid it there: not flagged then
            if now[i].text_hash not in (None, r.text_hash):
                continue  # more than half of it changed, and not to the same text
            if now[i].verdict in COVERS.get(r.verdict, ()):
                out[i] = r.probability
                break
    return out


def _match(s: Now, found: list[Span], text: str, starts: list[int]) -> list[Span]:
    """The spans of the base's version with the name and kind of `s`: when there are several
    (two classes' `__init__`, overloads), the one whose lines are most like those of `s` (the
    change edited it little), then the one that starts nearest to it (by line: the change moved
    it little, or not at all); or, when `s` must find its own text there, every one of them of
    that text, nearest first (it may have moved far). Nearest alone took a deleted class's
    flagged `__init__` for the next class's, moved up into its place."""
    same = [b for b in found if b.name == s.name and b.kind == s.kind]
    same.sort(key=lambda b: abs(span_lines(b, text, starts)[0][0] - s.start_line))
    if s.text_hash is None:
        if len(same) > 1 and s.lines:
            return [max(same, key=lambda b: _likeness(s.lines, b, text, starts))]
        return same[:1]
    # Only those of its text are scored (the base's verdict on another text says nothing here).
    return [b for b in same if text_hash(normalize_text(b.text(text))) == s.text_hash]


def _likeness(lines: tuple[str, ...], b: Span, text: str, starts: list[int]) -> float:
    """How alike `lines` and the base span's lines are (difflib's ratio, 0 to 1)."""
    theirs = text_lines(text, starts, span_lines(b, text, starts))
    return SequenceMatcher(None, lines, theirs, autojunk=False).ratio()


def text_lines(
    text: str, starts: Sequence[int], runs: Sequence[tuple[int, int]]
) -> tuple[str, ...]:
    """The lines of `runs` (1-based, inclusive) of `text`, each stripped: what two versions of a
    span are compared by."""
    out = []
    for first, last in runs:
        for n in range(first, last + 1):
            a = starts[n - 1] if n - 1 < len(starts) else len(text)
            b = starts[n] if n < len(starts) else len(text)
            out.append(text[a:b].strip())
    return tuple(out)
