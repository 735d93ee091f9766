"""What a run of `analysis` scores in a document, on the model thread: every span, or with
`codeorigin.scope: changed` only the spans whose lines differ from the file at git's HEAD
(`core.diffs.changed_lines` on the buffer), and of those the ones flagged before the edit (`prior`:
at most half of their lines changed, and the HEAD version judged at least as strongly), which
`analysis` remembers in `before` and leaves out, as `scan --diff HEAD` sets them aside.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from codeorigin.core import diffs
from codeorigin.core.spans import line_starts
from codeorigin.engine.judging import SpanResult
from codeorigin.engine.lines import module_lines, span_lines
from codeorigin.engine.scoring import Engine
from codeorigin.lsp.options import Settings
from codeorigin.report.data import REPORTED
from codeorigin.scan import gitio, prior

log = logging.getLogger(__name__)


def analyze_in_scope(
    engine: Engine,
    text: str,
    language: str,
    settings: Settings,
    path: str | None,
    between: Callable[[], None],
) -> tuple[list[SpanResult], dict[tuple[str, str], float]]:
    """The document's spans as `engine.analyze` gives them; with `codeorigin.scope: changed`,
    only those whose lines differ from the file at git's HEAD (on the model thread: it runs git),
    and those of them flagged before the edit (`prior.at_base`, as `scan --diff HEAD` finds
    them), by (span name, text hash), with their probability at HEAD.
    `between` runs between batches (`ModelThread.checkpoint`)."""
    rules = settings.verdict_rules()
    if settings.scope != "changed" or path is None:
        return engine.analyze(text, language, rules, between=between), {}
    try:
        data = gitio.head_bytes(Path(path))
    except gitio.ChangeError as exc:
        log.info("codeorigin.scope is changed, but %s: judging every span of %s", exc, path)
        data = None
    # Bytes that are not UTF-8 replaced: the lines still compare with the editor's.
    old = data.decode("utf-8", "replace") if data is not None else None
    only = diffs.changed_lines(old, text) if old is not None else None
    results = engine.analyze_many([(text, language)], rules, only=[only], between=between)[0][0]
    if old is None or only is None:
        return results, {}
    maybe = [(r, same) for r in results if (same := _same_text_needed(r, text, only)) is not None]
    if not maybe:
        return results, {}
    at_head = gitio.source(data, settings.max_file_bytes)
    if at_head is None:  # a version a scan would not read (binary, not UTF-8, too large)
        return results, {}
    starts = line_starts(text)
    now = [prior.Now(r.span.name, r.span.kind, r.start_line + 1, r.verdict, r.text_hash if same
                     else None, prior.text_lines(text, starts, span_lines(r.span, text, starts)))
           for r, same in maybe]  # fmt: skip
    found = prior.at_base(engine, now, at_head, language, rules, between)
    return results, {(maybe[i][0].span.name, maybe[i][0].text_hash): p for i, p in found.items()}


def _same_text_needed(result: SpanResult, text: str, changed: frozenset[int]) -> bool | None:
    """`prior.may_be_known` for an editor's span: None when it is not reported, else whether the
    base span must have its text (`prior.same_text`: more than half of its lines, as `scan` counts
    them, a module span's runs with the blank lines between them, changed)."""
    span = result.span
    runs = (
        module_lines(text, span.segments)
        if span.kind == "module" and span.segments
        else ((result.start_line + 1, result.end_line + 1),)
    )
    lines = sum(b - a + 1 for a, b in runs)
    reported = result.verdict in REPORTED and result.suppressed is None
    return diffs.touched(runs, changed) * 2 > lines if reported else None
