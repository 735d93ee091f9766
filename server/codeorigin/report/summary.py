"""A scan's text report and the line its text and markdown summaries open with: the flagged and
uncertain among the judged spans, the thresholds they were judged at (each language's own, when
the model has them), what was not judged and why, what was set aside; per row, the threshold a
span was compared with, which the markdown table, SARIF and Code Climate name too."""

from __future__ import annotations

from collections import Counter

from codeorigin.core.verdicts import kind_words, percent, percents, plural
from codeorigin.report.data import FileReport, ScanReport, SpanReport
from codeorigin.report.tallies import JUDGED, repository_summaries
from codeorigin.report.words import (
    change_text,
    commit_lines,
    not_judged,
    nothing_scored,
    provenance_lines,
    provenance_words,
    set_aside,
    status,
)


def threshold_text(report: ScanReport) -> str:
    """`threshold 96.5%`, or when languages have their own, `thresholds cpp 72.2%, python 84.5%`
    (and `other languages 96.5%` when a judged span's language has none of its own)."""
    if not report.language_thresholds:
        return f"threshold {percent(report.threshold)}"
    own, modules = dict(report.language_thresholds), dict(report.module_thresholds)
    cases = dict(report.case_thresholds)
    apart = [(f"module code {percent(modules[lang])}" if lang in modules else "",
              f"test cases {percent(cases[lang])}" if lang in cases else "")
             for lang, _ in report.language_thresholds]  # fmt: skip
    parts = [
        f"{lang} {percent(t)}" + (f" ({', '.join(x for x in both if x)})" if any(both) else "")
        for (lang, t), both in zip(report.language_thresholds, apart)
    ]
    if any(f.language not in own for f in report.files for s in f.spans if s.verdict in JUDGED):
        parts.append(f"other languages {percent(report.threshold)}")
    return "thresholds " + ", ".join(parts)


def row_figures(report: ScanReport, f: FileReport, s: SpanReport) -> tuple[str, str, str] | None:
    """A judged span's probability and the threshold it was compared with, as shown side by side
    (`verdicts.percents`: never equal when the span is below it), and the language when it has a
    threshold of its own (`cpp`, `go module code` for module code with its own, else ""); None
    for a span with no score."""
    if s.verdict not in JUDGED or s.probability is None:
        return None
    own = f.language if f.language in dict(report.language_thresholds) else ""
    if s.kind == "module" and f.language in dict(report.module_thresholds):
        own = f"{f.language} module code"
    if s.kind == "case" and f.language in dict(report.case_thresholds):
        own = f"{f.language} test cases"
    p, t = percents(s.probability, report.threshold_of(f.language, s.kind))
    return p, t, own or ""


def shown_probability(report: ScanReport, f: FileReport, s: SpanReport) -> str:
    """A span's probability as its row shows it (`-` with no score)."""
    figures = row_figures(report, f, s)
    if figures is not None:
        return figures[0]
    return "-" if s.probability is None else percent(s.probability)


def threshold_words(report: ScanReport, f: FileReport, s: SpanReport) -> str:
    """`cpp threshold 72.2%`, or `threshold 50.0%` for a model with one; "" with no score."""
    figures = row_figures(report, f, s)
    return "" if figures is None else f"{figures[2]} threshold {figures[1]}".lstrip()


def unjudged(report: ScanReport) -> str:
    """`21 spans not judged (11 too short, 10 for their language, 1 generated)`, or ""."""
    why = Counter(s.verdict for f in report.files for s in f.spans if s.verdict not in JUDGED)
    if not why:
        return ""
    words = {"too_short": "too short", "not_judged": "for their language"}
    parts = ", ".join(f"{n} {words.get(v, v)}" for v, n in why.most_common())
    return f"{plural(why.total(), 'span')} not judged ({parts})"


def headline(report: ScanReport, *, quote: str = "") -> str:
    """The counts a scan's text and markdown summaries open with: `2 flagged and 1 uncertain of
    30 judged spans in 4 files (model NAME, thresholds …)`, then what was not judged and what
    was set aside. `quote` marks the model's name as code (markdown's backtick)."""
    flagged = report.flagged
    uncertain = sum(1 for f in report.files for s in f.spans if s.reported) - flagged
    extra = [x for x in (unjudged(report), *set_aside(report)) if x]
    return (
        f"{flagged} flagged and {uncertain} uncertain of "
        f"{plural(report.judged_spans, 'judged span')} in {plural(report.scored_files, 'file')} "
        f"(model {quote}{report.model_name}{quote}, {threshold_text(report)})"
        + "".join(f"; {x}" for x in extra)
    )


_CONTROL = frozenset(map(chr, (*range(32), *range(127, 160))))
_RAW_BYTE = "\udc80"
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


def shown_path(path: str) -> str:
    """A file's path as a report's row shows it: as it is, unless it holds a control character
    (a newline would split the row in two, an escape sequence or a carriage return rewrite the
    terminal's line and hide it) or a byte that is no UTF-8 (a name's undecodable byte, which
    the report would write out raw, making it no UTF-8 text), then quoted with C escapes as git
    quotes it: `"new\\nline.py"`, `"caf\\xe9.py"`."""
    if not _CONTROL.intersection(path) and not any(_RAW_BYTE <= c <= "\udcff" for c in path):
        return path
    return '"' + "".join(map(_escaped, path)) + '"'


def _escaped(c: str) -> str:
    if c in _ESCAPES:
        return _ESCAPES[c]
    if c in _CONTROL:
        return f"\\x{ord(c):02x}"
    if _RAW_BYTE <= c <= "\udcff":  # os.fsdecode's stand-in for the byte 0x80 to 0xff
        return f"\\x{ord(c) - 0xDC00:02x}"
    return c


def render_text(report: ScanReport, *, verbose: bool = False) -> str:
    """A human-readable summary: per file, the spans reported as `llm` or `uncertain` (every span
    with `verbose`, suppressed and known ones marked), with explanations when computed; then
    totals, and a line saying so when nothing was scored."""
    head = change_text(report)
    lines: list[str] = [head] if head else []
    for f in report.files:
        if f.error:
            lines.append(f"{shown_path(f.path)}: skipped: {f.error}")
            continue
        shown = [s for s in f.spans if verbose or s.reported]
        for s in shown:
            p = f"{shown_probability(report, f, s):>6}"
            note = status(s)
            if note and note == s.reason:  # the reason in full once, in `Not judged:` below
                note = f"not judged: {f.language}"
            notes = [note] if note else []
            if s.changed_lines is not None:  # what `--diff` lists every span for comes first
                notes.insert(0, f"{s.changed_lines} of {s.n_lines} lines changed")
            if report.language_thresholds and s.verdict in JUDGED:  # the headline has just one
                notes.append(threshold_words(report, f, s))
            if s.provenance is not None:
                notes.append(provenance_words(s.provenance))
            mark = f" ({'; '.join(notes)})" if notes else ""
            where = f"{shown_path(f.path)}:{s.where}"
            lines.append(f"{where}: {p} {s.verdict:<9} {kind_words(s.kind)} {s.name}{mark}")
            if s.explanation is not None and s.explanation.chart:
                lines.extend(("    " + row).rstrip() for row in s.explanation.chart.splitlines())
    lines.append(headline(report))
    lines += [f"Calibrated on this repository (codeorigin calibrate): {c}." for c in report.calibrated]
    lines.extend(commit_lines(report))
    if report.judged_spans == 0:
        lines.append(nothing_scored(report))
    lines.extend(not_judged(report))
    lines.extend(provenance_lines(report))
    if report.repositories:
        lines.append("Per repository:")
        lines.extend(
            f"  {r.text()}" for r in repository_summaries(report.repositories, report.files)
        )
    return "\n".join(lines)
