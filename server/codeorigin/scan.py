"""`codeorigin scan` and `codeorigin explain` without the command line: files in, reports out.

A scan walks the paths (`files.walk`), reads each file, decides its language (a `.h` file from its
content, a user's extension mapping first), skips generated files (`core.generated`) and scores the
rest in chunks: the spans of many files go to the model together, sorted by length into batches, so
short spans of one file share batches with those of the next. Each span is then marked when a
`codeorigin: ignore` comment suppresses it or the baseline knows it (for `scan --diff`, or when it
was flagged before the change: `codeorigin.prior`); `explain` explains the flagged ones (by IG).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from codeorigin import explanation, prior, provenance
from codeorigin.baseline import Baseline, Finding, relative
from codeorigin.core import diffs, generated, languages
from codeorigin.core.change import ChangeVerdict, PooledSpan, judge_change
from codeorigin.engine import Engine, Options, SpanResult, module_lines, start_column
from codeorigin.files import Candidate, FileError, TooLarge, in_repository, read_text, walk
from codeorigin.project import Exclusions
from codeorigin.report import DELETED, MISSING, Explained, FileReport, ScanReport, SpanReport

if TYPE_CHECKING:
    from codeorigin.changes import Base
    from codeorigin.model.attributor import Attribution, Attributor

log = logging.getLogger(__name__)

# A chunk of files scored together: large enough to fill batches across files, small enough to
# bound memory and keep the progress bar moving.
CHUNK_CHARS = 2_000_000
CHUNK_FILES = 256


@dataclass(frozen=True)
class ScanOptions:
    """What a scan does beyond the engine's options."""

    engine: Options = field(default_factory=Options)
    max_file_bytes: int = 1_000_000
    mapping: dict[str, str] = field(default_factory=dict)  # extension -> language id
    # What the project's settings file and `--exclude` leave out of folders and changes.
    exclude: Exclusions = field(default_factory=Exclusions)
    baseline: Baseline | None = None
    explain: bool = False
    # With `explain`: explain only the N most probable flagged spans, once the scan is done (the
    # markdown summary shows few; Integrated Gradients costs about a second a span). None: all.
    explain_top: int | None = None
    steps: int | None = None  # Integrated Gradients steps; None: the model's
    # `scan --diff`: the changed files (resolved paths) and their changed lines (1-based); only
    # these files are read and only the spans overlapping these lines are scored. None: all.
    changed: dict[Path, frozenset[int]] | None = None
    # ...and the files of the change it cannot read (a FIFO, a link loop, a submodule), with why.
    changed_skipped: dict[Path, str] = field(default_factory=dict)
    # ...and where each changed file was at the change's base (`Changes.before`, resolved paths):
    # a span flagged there already is not the change's (`codeorigin.prior`). Empty: no base.
    before: dict[Path, Base] = field(default_factory=dict)
    provenance: bool = True  # each span's lines from agent-signed commits (`codeorigin.provenance`)
    calibrated: dict[str, tuple[float, str]] = field(default_factory=dict)  # `Engine.calibrated`


@dataclass
class Read:
    """A file read and ready to score: its candidate, language and text."""

    candidate: Candidate
    language: str
    text: str


def file_language(path: Path, text: str, mapping: dict[str, str]) -> str | None:
    """The language of a file read from disk (`languages.for_file`)."""
    return languages.for_file(path, text, None, mapping)


def _read(cand: Candidate, options: ScanOptions) -> Read | FileReport:
    """A file to score, or the report of why it is skipped."""
    if cand.skipped is not None:
        why = cand.skipped
        if not cand.missing and "not scored" not in why:
            why = f"{why}, not scored"
        return FileReport(cand.display, cand.language, None, why)
    if cand.language is None:
        try:
            cand.path.stat()  # a link that loops or points nowhere: that, not its extension
        except OSError as exc:
            return FileReport(cand.display, None, None, f"cannot read: {exc.strerror or exc}")
        return FileReport(cand.display, None, None, languages.unsupported(cand.path))
    try:
        text = read_text(cand.path, max_bytes=options.max_file_bytes)
    except FileError as exc:
        # A generated file that is also binary, not UTF-8 or too large (protobuf descriptors) is
        # reported as generated: that is the reason a reader needs.
        reason = None if options.engine.include_generated else _header_of(cand.path)
        why = f"{reason}, not scored" if reason else str(exc)
        if isinstance(exc, TooLarge) and not reason:
            why += "; --max-file-bytes raises it"
        return FileReport(cand.display, cand.language, None, why)
    language = file_language(cand.path, text, options.mapping) or cand.language
    if not options.engine.include_generated:
        reason = generated.file_reason(in_repository(cand.path, cand.root), text)
        if reason is not None:
            return FileReport(cand.display, language, None, f"{reason}, not scored")
    return Read(cand, language, text)


def _header_of(path: Path) -> str | None:
    try:
        if not path.is_file():
            return None
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError:
        return None
    return generated.header_reason(head.decode("utf-8", "replace"))


def candidates(
    paths: list[Path], options: ScanOptions, labels: dict[Path, str] | None = None
) -> list[Candidate]:
    """The files under `paths`, in a stable order (`files.walk`), each once. A root with a label
    (`--repos`: a cloned repository) shows its files as `label/relative path` instead of the
    root's own path, so reports do not name a temporary folder."""
    out: list[Candidate] = []
    seen: set[Path] = set()  # a file reached twice (`scan . ./a.py`) is scanned once
    tops = {_resolved(r) for r in labels or {}}
    for root in paths:
        label = (labels or {}).get(root)  # a repository of `--repos`: --exclude from its top
        inner = [t for t in tops if _resolved(root) in t.parents]  # an entry listed inside it
        exclude = options.exclude.rebased(root) if label is not None else options.exclude
        for cand in walk(
            [root],
            mapping=options.mapping,
            include_generated=options.engine.include_generated,
            exclude=exclude,
        ):
            if not cand.missing:
                where = _resolved(cand.path)
                if where in seen or any(t in where.parents for t in inner):
                    continue  # scanned once; an entry's own files are reported under its name
                seen.add(where)
            if label is not None:
                cand = replace(cand, display=label + cand.display[len(str(root)) :], named=True)
            out.append(cand)
    return out


def _resolved(path: Path) -> Path:
    """The real path of `path`; a link loop (RuntimeError in Python 3.11) or an unreadable one
    gives its absolute path instead: it is reported when read."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def changed(paths: list[Path], options: ScanOptions) -> list[Candidate]:
    """`scan --diff`: the changed files under `paths` (all of them when none is given) in a
    language codeorigin reads, named relative to the current folder. A path that does not exist
    is reported as missing, as in any scan, unless the change deleted it (listed as skipped)."""
    assert options.changed is not None
    items = options.changed_skipped.items()
    skipped = [Candidate(p, display_path(p), None, why) for p, why in items]
    out = [Candidate(Path(p), str(p), None, MISSING, missing=True) for p in paths if not
           os.path.exists(p) and (Path(os.path.abspath(p)), DELETED) not in items]  # fmt: skip
    roots = [p.resolve() for p in paths if os.path.exists(p)]  # os.path's never raise (EACCES)
    if paths and not roots:
        return out + skipped  # listed with why
    for path in sorted(options.changed):
        if roots and not any(path == r or r in path.parents for r in roots):
            continue
        if (why := options.exclude.reason(path)) is not None:  # listed, with why
            out.append(Candidate(path, display_path(path), languages.from_path(path), why))
            continue
        for cand in walk(
            [Path(display_path(path))],
            mapping=options.mapping,
            include_generated=options.engine.include_generated,
        ):
            if cand.language is not None and path.is_file():
                out.append(cand)
    return out + skipped  # listed with why


def display_path(path: Path) -> str:
    """A changed file as reports name it: relative to the current folder (`../util.py` from a
    subfolder, as git names it there), absolute only on another drive (Windows)."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def chunks(
    candidates: list[Candidate], options: ScanOptions, chunk_files: int = CHUNK_FILES
) -> Iterator[list[Read | FileReport]]:
    """The candidates read and grouped into the chunks that are scored together: a chunk ends at
    `CHUNK_CHARS` characters or `chunk_files` files. A local scan and a Ray scan cut the same
    chunks, so their spans share the same batches and get the same scores."""
    chunk: list[Read | FileReport] = []
    chars = 0
    for cand in candidates:
        item = _read(cand, options)
        chunk.append(item)
        if isinstance(item, Read):
            chars += len(item.text)
        if chars >= CHUNK_CHARS or len(chunk) >= chunk_files:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk


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
                                        whole=only is None, only=only))  # fmt: skip
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
    llm, own = thresholds(engine, options)
    given = options.engine.threshold is not None
    report = ScanReport(engine.model.name, llm, tuple(files), language_thresholds=own,
                        threshold_given=given, calibrated=() if given else engine.said_own())  # fmt: skip
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
        llm, uncertain = engine.effective_thresholds(
            options.engine, languages.canonical(f.language)
        )
        judged = judged_spans(replace(report, files=(f,)))
        out += [
            PooledSpan(s.probability or 0.0, s.changed_lines or 0, llm, uncertain) for s in judged
        ]
    return out


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


def thresholds(engine: Engine, options: ScanOptions) -> tuple[float, tuple[tuple[str, float], ...]]:
    """The `llm` threshold a report names (the user's, else the model's) and the languages that
    have their own (none when the user set one), exact: a row compares its probability with them
    (JSON and SARIF round them to 4 decimals)."""
    llm, _ = engine.effective_thresholds(options.engine)
    own = {lang: th[0] for lang, th in engine.model.manifest.thresholds.languages.items()}
    own |= {lang: th for lang, (th, _) in engine.own.items()}
    return llm, tuple(sorted(own.items())) if options.engine.threshold is None else ()


def display(item: Read | FileReport) -> str:
    """The path a chunk item is reported under."""
    return item.candidate.display if isinstance(item, Read) else item.path


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


def findings(report: ScanReport, root: Path) -> list[Finding]:
    """The `llm` and `uncertain` spans of a scan that no comment suppresses, as baseline findings
    with paths relative to `root` (a `--repos` entry's files by their names, as written). Those known from the baseline or flagged before the change are
    recorded too: they are findings of the code as it is, which a scan of the whole tree with
    that baseline (no change, so no base to know them by) must know as well."""
    return [
        Finding(
            f.path if f.named else relative(root, Path(f.path)),
            s.name,
            s.text_hash,
            s.verdict,
            s.probability,
        )
        for f in report.files
        for s in f.spans
        if s.verdict in ("llm", "uncertain") and s.suppressed is None
    ]
