"""A scan on this machine: paths in, a `ScanReport` out.

The files are read in chunks (`reading`), each chunk scored into file reports (`scoring`); with
`explain_top`, the most probable flagged spans are explained once the scan is done. The report
names the thresholds its spans were judged at and, for `scan --diff`, the change's own verdict,
pooled from the spans it touched (`core.change`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from codeorigin.core import languages
from codeorigin.core.change import ChangeVerdict, PooledSpan, judge_change
from codeorigin.engine.scoring import Engine
from codeorigin.report.data import FileReport, ScanReport, SpanReport
from codeorigin.scan.options import ScanOptions
from codeorigin.scan.reading import CHUNK_FILES, candidates, changed, chunks, display
from codeorigin.scan.scoring import (
    Pending,
    explain_span,
    most_probable,
    put_explanation,
    score_chunk,
)

if TYPE_CHECKING:
    from codeorigin.model.attributor import Attributor


def run(
    paths: list[Path],
    engine: Engine,
    options: ScanOptions,
    *,
    attributor: Attributor | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    labels: dict[Path, str] | None = None,
    chunk_files: int = CHUNK_FILES,
) -> tuple[ScanReport, bool]:
    """Scan `paths`; return the report and whether a path was missing. With `options.explain`,
    `attributor` explains every flagged span. `labels` names roots in the report (`candidates`)."""
    found = (
        candidates(paths, options, labels) if options.changed is None else changed(paths, options)
    )
    missing = any(c.missing for c in found)
    files: list[FileReport] = []
    later: list[Pending] | None = None
    if attributor is not None and options.explain_top is not None:
        later = []
    for chunk in chunks(found, options, chunk_files):
        pending: list[Pending] | None = None if later is None else []
        files.extend(score_chunk(engine, chunk, options, attributor, pending))
        if later is not None and pending:
            offset = len(files) - len(chunk)
            later += [replace(p, file=p.file + offset) for p in pending]
        if progress is not None and chunk:
            progress(len(files), len(found), display(chunk[-1]))
    if later and attributor is not None and options.explain_top is not None:
        _explain_most_probable(files, later, attributor, options, options.explain_top)
    llm, own, modules, cases = thresholds(engine, options)
    given = options.engine.threshold is not None
    report = ScanReport(engine.model.name, llm, tuple(files), language_thresholds=own,
                        module_thresholds=modules, case_thresholds=cases, threshold_given=given,
                        calibrated=() if given else engine.said_own())  # fmt: skip
    if options.changed is not None:
        report = replace(report, change=change_verdict(report, engine, options))
    return report, missing


def change_verdict(report: ScanReport, engine: Engine, options: ScanOptions) -> ChangeVerdict:
    """The change's own verdict from its judged spans (`core.change`): uncalibrated, each span
    weighs in with the thresholds of its file's language, the ones its own verdict had."""
    pooled = pooled_spans(report, engine, options)
    return judge_change(pooled, engine.model.manifest.change, options.engine.threshold)


def pooled_spans(report: ScanReport, engine: Engine, options: ScanOptions) -> list[PooledSpan]:
    """The spans a change's verdict pools (`judged_spans`): probability, changed lines and the
    (llm, uncertain) thresholds of the span's language (`Engine.effective_thresholds`)."""
    out: list[PooledSpan] = []
    for f in report.files:
        language = languages.canonical(f.language)
        for s in judged_spans(replace(report, files=(f,))):
            llm, uncertain = engine.effective_thresholds(options.engine, language, s.kind)
            out.append(PooledSpan(s.probability or 0.0, s.changed_lines or 0, llm, uncertain,
                                  model_threshold(engine, language, s.kind)))  # fmt: skip
    return out


def model_threshold(engine: Engine, language: str | None, kind: str = "function") -> float:
    """The model's own `llm` threshold for a span of `kind` of `language` (module code and test
    cases: their own), neither the user's nor the repository's: what a change's and a commit's
    margins are measured from."""
    return engine.model.manifest.thresholds.for_kind(language, kind)[0]


def judged_spans(report: ScanReport) -> list[SpanReport]:
    """The spans a change's verdict pools: those scored and neither too short, suppressed, known
    from the baseline nor flagged before the change (`prior`)."""
    return [
        s
        for f in report.files
        for s in f.spans
        if s.probability is not None
        and s.verdict in ("llm", "uncertain", "human")
        and s.suppressed is None
        and not s.baseline
        and s.known_before is None
    ]


Named = tuple[tuple[str, float], ...]


def thresholds(engine: Engine, options: ScanOptions) -> tuple[float, Named, Named, Named]:
    """The `llm` threshold a report names (the user's, else the model's), the languages that
    have their own and those whose module code, and whose test cases, have their own (none when
    the user set one), exact: a row compares its probability with them (JSON and SARIF round
    them to 4 decimals)."""
    llm, _ = engine.effective_thresholds(options.engine)
    if options.engine.threshold is not None:
        return llm, (), (), ()
    own = {lang: th[0] for lang, th in engine.model.manifest.thresholds.languages.items()}
    own |= {lang: th for lang, (th, _, _) in engine.own.items()}
    modules, cases = (
        tuple(sorted((lang, engine.effective_thresholds(options.engine, lang, kind)[0])
                     for lang in langs))
        for kind, langs in (("module", engine.model.manifest.thresholds.modules),
                            ("case", engine.model.manifest.thresholds.cases))
    )  # fmt: skip
    return llm, tuple(sorted(own.items())), modules, cases


def _explain_most_probable(
    files: list[FileReport],
    pending: list[Pending],
    attributor: Attributor,
    options: ScanOptions,
    top: int,
) -> None:
    """Explain the `top` most probable of the `pending` flagged spans, in place in `files`."""
    for p in most_probable(pending, top):
        put_explanation(files, p, explain_span(attributor, p.text, p.result, options))
