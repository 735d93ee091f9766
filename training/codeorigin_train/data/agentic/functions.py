"""The functions of a change or a snapshot, as the server would judge them.

Each file is split with the server's span finder (`core.spans.extract_spans`) into the function
and method spans the runtime would judge (`VerdictRules().judges`), normalised with the server's
`normalize`. A change's span is its own when the patch added at least `MIN_ADDED` of its lines
and did not move it (`MOVED`: the same change removed the code elsewhere); a snapshot keeps every
span. Unless `keep_generated`, code the runtime never scores (`core.generated`) is left out: a
code generator is neither a person nor an LLM.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass

from codeorigin.core import generated, languages
from codeorigin.core.diffs import DiffError, added_by_path, parse_diff
from codeorigin.core.normalize import normalize
from codeorigin.core.spans import FUNCTION_KINDS, Content, extract_spans, line_starts
from codeorigin.engine.judging import VerdictRules
from codeorigin.engine.lines import span_lines
from codeorigin_train.data.agentic.changes import Change, Snapshot, SourceFile

# Longer spans are data tables or generated code, as in the real-project builder.
from codeorigin_train.data.realcode.extract import MAX_LINES
from codeorigin_train.data.records import Counts

_RULES = VerdictRules()

MIN_ADDED = 0.9  # a function of which a change added this share of the lines is the change's own
MOVED = 0.5  # a text with at least this share of its long lines removed by its change was moved
LONG_LINE = 12  # shorter lines (`}`, `return None`, `else:`) repeat everywhere


@dataclass(frozen=True)
class Function:
    """One function with where it came from; `added` is the share of its lines the change added
    (1.0 for a snapshot's functions: the whole file is the human side)."""

    code: str
    language: str
    path: str
    name: str
    start_line: int  # 1-based, inclusive
    end_line: int
    added: float
    is_test: bool


def long_lines(lines: Iterable[str]) -> list[str]:
    """The lines of `LONG_LINE` or more characters, stripped: those that can tell who wrote them."""
    return [s for line in lines if len(s := line.strip()) >= LONG_LINE]


def long_line_share(text: str, lines: Container[str]) -> float:
    """The share of `text`'s long lines (`long_lines`) that are in `lines` (0 when it has none)."""
    found = long_lines(text.split("\n"))
    return sum(1 for s in found if s in lines) / len(found) if found else 0.0


def patch_lines(change: Change) -> tuple[dict[str, set[int]], frozenset[str]]:
    """A change's added line numbers per post-image path, and its removed long lines; DiffError
    for a patch `core.diffs` cannot read."""
    files = parse_diff(change.patch())
    return added_by_path(files), frozenset(long_lines(line for f in files for line in f.removed))


def spans_of(
    f: SourceFile,
    added: set[int] | None,
    min_added: float,
    counts: Counts,
    removed: frozenset[str] = frozenset(),
    keep_generated: bool = False,
    kinds: Container[str] = FUNCTION_KINDS,
) -> Iterator[Function]:
    """The judged function spans of one file (spans of `kinds`: JavaScript's and TypeScript's
    test cases are `case` spans); with `added` (the patch's added lines), only those of which at
    least `min_added` of the lines were added and less than `MOVED` moved from the patch's
    `removed` lines. Generated code is left out unless `keep_generated`."""
    text = f.read()
    if text is None:
        counts.skipped["unreadable"] += 1
        return
    if not keep_generated and generated.file_reason(f.path, text) is not None:
        counts.skipped["generated"] += 1
        return
    language = languages.for_file(f.path, text)
    if language is None:
        counts.skipped["language"] += 1
        return
    counts.files += 1
    starts = line_starts(text)
    file_lines = text.split("\n")
    for span in extract_spans(text, language):
        if span.kind not in kinds or span.kind == "module":
            continue
        ((first, last),) = span_lines(span, text, starts)
        lines = last - first + 1
        share = (
            1.0 if added is None else sum(1 for n in range(first, last + 1) if n in added) / lines
        )
        if share < min_added:
            counts.spans["not-added"] += 1
            continue
        if removed and long_line_share(span.text(text), removed) >= MOVED:
            counts.spans["moved"] += 1
            continue
        if not _RULES.judges(Content(span.statement_lines, span.content_tokens)):
            counts.spans["too-short"] += 1
            continue
        if not keep_generated and generated.span_reason(file_lines[max(0, first - 2) : first + 2]):
            counts.spans["generated"] += 1
            continue
        code = normalize(span.text(text)).text
        if code.count("\n") + 1 > MAX_LINES:
            counts.spans["long"] += 1
            continue
        counts.spans["kept"] += 1
        yield Function(code, language, f.path, span.name, first, last, share, f.is_test)


def change_functions(
    change: Change,
    counts: Counts,
    keep_moved: bool = False,
    keep_generated: bool = False,
    kinds: Container[str] = FUNCTION_KINDS,
) -> Iterator[Function]:
    """The functions (spans of `kinds`) a change wrote: spans of its post-images mostly of
    added lines it did not move (unless `keep_moved`), without generated code (unless
    `keep_generated`)."""
    try:
        added, removed = patch_lines(change)
    except DiffError:
        counts.skipped["bad-patch"] += 1
        return
    for f in change.files:
        yield from spans_of(f, added.get(f.path, set()), MIN_ADDED, counts,
                            frozenset() if keep_moved else removed, keep_generated, kinds)  # fmt: skip


def snapshot_functions(
    snapshot: Snapshot,
    counts: Counts,
    keep_generated: bool = False,
    kinds: Container[str] = FUNCTION_KINDS,
) -> Iterator[Function]:
    """Every judged span of `kinds` of a snapshot's files (generated ones with
    `keep_generated`)."""
    for f in snapshot.files:
        yield from spans_of(f, None, 0.0, counts, keep_generated=keep_generated, kinds=kinds)
