"""A chunk of read files scored into file reports: the one place a file's report is made, on this
machine or in a Ray actor. The spans of all the chunk's files go to the engine together; each span
is then marked when a `codeorigin: ignore` comment suppresses it, the baseline knows it or (for
`scan --diff`) it was flagged before the change (`prior`), given the lines of agent-signed commits
it holds (`provenance`) and, when asked, explained by Integrated Gradients.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from codeorigin.core import diffs
from codeorigin.engine.judging import SpanResult
from codeorigin.engine.lines import module_lines, start_column
from codeorigin.engine.scoring import Engine
from codeorigin.report import explanation
from codeorigin.report.data import Explained, FileReport, SpanReport
from codeorigin.scan import prior, provenance
from codeorigin.scan.options import ScanOptions
from codeorigin.scan.reading import Read

if TYPE_CHECKING:
    from codeorigin.model.attribution import Attribution
    from codeorigin.model.attributor import Attributor

log = logging.getLogger(__name__)


def score_chunk(
    engine: Engine,
    chunk: list[Read | FileReport],
    options: ScanOptions,
    attributor: Attributor | None = None,
    flagged: list[Pending] | None = None,
) -> list[FileReport]:
    """The reports of one chunk, in its order: the spans of all its files scored together. The
    one place a file's report is made, on this machine or in a Ray actor. `flagged` collects the
    flagged spans to explain later (`explain_top`) instead of `attributor` explaining them now."""
    reads = [item for item in chunk if isinstance(item, Read)]
    only = None if options.changed is None else [changed_lines(r, options) for r in reads]
    # git blame runs on threads of its own while the model scores (`provenance.prefetch`).
    blames = provenance.prefetch([(r.candidate.path, r.text) for r in reads]) if options.provenance else {}
    analyses = iter(engine.analyze_many([(r.text, r.language) for r in reads], options.engine,
                                        whole=only is None and options.whole_files, only=only,
                                        modules=options.module_code))  # fmt: skip
    files: list[FileReport] = []
    for item in chunk:
        if isinstance(item, FileReport):
            files.append(item)
            continue
        results, whole = next(analyses)
        spans, note = list(_span_reports(engine, item, results, options)), None
        if options.provenance:
            spans, note = provenance.mark(spans, item.candidate.path, item.text, blames.get(item.candidate.path))
        for k, (report, result) in enumerate(zip(spans, results)):
            if flagged is not None and report.flagged:
                flagged.append(Pending(len(files), k, item.text, result))
            elif attributor is not None and report.flagged:
                why = explain_span(attributor, item.text, result, options)
                spans[k] = replace(report, explanation=why)
        probability = whole.probability if whole is not None else None
        files.append(FileReport(item.candidate.display, item.language, probability, None,
                                tuple(spans), named=item.candidate.named, provenance=note))  # fmt: skip
    return files


def _span_reports(
    engine: Engine, item: Read, results: list[SpanResult], options: ScanOptions
) -> tuple[SpanReport, ...]:
    """The reports of a read file's spans, in order; for `scan --diff`, with how many of their
    lines the change touched and, when the change has a base, whether it was flagged there
    (`prior.marked`: such a span is not reported, so it is not explained either)."""
    # The baseline is keyed by the reported path (`findings`): a `--repos` clone's files by their
    # repository's name, not the temporary folder they were read from.
    where = item.candidate.display if item.candidate.named else Path(item.candidate.display)
    spans = [span_report(r, item.text, where, options) for r in results]
    if options.changed is None:
        return tuple(spans)
    lines = changed_lines(item, options)
    spans = [replace(s, changed_lines=diffs.touched(s.runs, lines)) for s in spans]
    base = options.before.get(item.candidate.path.resolve())
    limits = (options.engine, options.max_file_bytes)
    return prior.marked(engine, spans, base, item.language, *limits, item.text)


def changed_lines(item: Read, options: ScanOptions) -> frozenset[int]:
    """The lines of a read file that the change of `scan --diff` touched."""
    assert options.changed is not None
    return options.changed.get(item.candidate.path.resolve(), frozenset())


def span_report(
    result: SpanResult,
    text: str,
    path: Path | str,
    options: ScanOptions,
    explained: Explained | None = None,
) -> SpanReport:
    """One span of a scanned file, as the reports show it; `path` is the file's path, or the
    name a `--repos` list gave it (a baseline matches that as written)."""
    span = result.span
    segments: tuple[tuple[int, int], ...] = ()
    if span.kind == "module":
        segments = module_lines(text, span.segments)
    known = (
        options.baseline is not None
        and result.verdict in ("llm", "uncertain")
        and result.suppressed is None
        and options.baseline.knows(path, span.name, result.text_hash)
    )
    return SpanReport(
        name=span.name,
        kind=span.kind,
        start_line=result.start_line + 1,
        end_line=result.end_line + 1,
        probability=None if result.verdict in ("too_short", "generated") else result.probability,
        verdict=result.verdict,
        start_column=start_column(text, span.start, span.name_start),
        segments=segments,
        suppressed=result.suppressed,
        baseline=known,
        explanation=explained,
        text_hash=result.text_hash,
        reason=result.reason if result.verdict == "not_judged" else None,
    )


def explained(attribution: Attribution, text: str, kind: str) -> Explained:
    """An attribution as the report keeps it, with the hover's chart as plain text."""
    return Explained(
        lines=tuple((la.line + 1, la.share, la.score) for la in attribution.lines),
        tokens=tuple(
            (explanation.token_label(t), t.line + 1, t.share, t.score, t.member)
            for t in attribution.tokens[: explanation.TOP_TOKENS]
        ),
        delta=attribution.delta,
        steps=attribution.steps,
        chart=explanation.render(attribution, text, kind, markdown=False, more_steps="--steps"),
        members=tuple((m.name, m.weight, m.contribution, m.share) for m in attribution.members),
        figures=tuple(
            (f.name, f.value, f.contribution) for m in attribution.members for f in m.figures
        ),
        route=attribution.route,
        texts=explanation.heaviest_texts(attribution, text),
    )


@dataclass(frozen=True)
class Pending:
    """A flagged span whose explanation waits for the end of the scan (`explain_top`): where its
    report is (file and span index) and what explaining it needs."""

    file: int
    span: int
    text: str
    result: SpanResult


def most_probable(pending: list[Pending], top: int) -> list[Pending]:
    """The `top` most probable of the `pending` flagged spans (in scan order among equals)."""
    return sorted(pending, key=lambda p: -(p.result.probability or 0.0))[:top]


def put_explanation(files: list[FileReport], p: Pending, why: Explained | None) -> None:
    """Set the explanation of a pending span, in place in `files`."""
    f = files[p.file]
    spans = list(f.spans)
    spans[p.span] = replace(spans[p.span], explanation=why)
    files[p.file] = replace(f, spans=tuple(spans))


def explain_span(
    attributor: Attributor, text: str, result: SpanResult, options: ScanOptions
) -> Explained | None:
    try:
        attribution = attributor.attribute_span(
            text,
            result.span,
            steps=options.steps,
            top_k=explanation.TOP_TOKENS,
            language=result.language,
        )
    except (ValueError, RuntimeError) as exc:
        log.warning("explaining %s failed: %s", result.span.name, exc)
        return None
    return explained(attribution, text, result.span.kind)


