"""`codeorigin explain PATH[:LINE|::NAME]`: why a span got its score, as the hover shows it (the
line chart, the top tokens, the convergence delta), with the provenance of its lines."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from codeorigin.cli import config, terminal
from codeorigin.cli.terminal import Progress
from codeorigin.core.verdicts import kind_words

if TYPE_CHECKING:
    from codeorigin.engine.judging import SpanResult
    from codeorigin.engine.scoring import Engine
    from codeorigin.model.attributor import Attributor


def _parse_target(target: str) -> tuple[Path, int | None, str | None]:
    """`PATH`, `PATH:LINE` or `PATH::NAME`; also `PATH:LINE:COLUMN`, as editors and SARIF viewers
    name a place, and `PATH:START-END`, as `scan` and `explain` name a function (its first line)."""
    import re

    if not target.partition("::")[0]:  # "" (an unset variable) or "::NAME" were read as "."
        raise ValueError(f"{target!r} names no file: give PATH, PATH:LINE or PATH::NAME")
    if "::" in target:
        # A C++ name holds `::` too (`geom.cc::Polygon::area`): the path is the shortest part
        # before a `::` that is a file, else the part before the first one.
        parts = target.split("::")
        cut = next((i for i in range(1, len(parts)) if Path("::".join(parts[:i])).is_file()), 1)
        return Path("::".join(parts[:cut])), None, "::".join(parts[cut:])
    place = re.fullmatch(r"(.+):(\d+)(?::\d+|-\d+)", target)  # PATH:LINE:COLUMN, PATH:START-END
    exists = os.path.exists(target)  # never raises: a path it may not look up is read, and said
    if place is not None and int(place.group(2)) >= 1 and not exists:
        return Path(place.group(1)), int(place.group(2)), None
    m = re.fullmatch(r"(.+):([^:/\\]*)", target)
    if m is None or exists:
        return Path(target), None, None
    if not m.group(2).isdigit() or int(m.group(2)) < 1:
        raise ValueError(f"{target}: LINE must be a line number (1 or more), got {m.group(2)!r}")
    return Path(m.group(1)), int(m.group(2)), None


def run_explain(args: argparse.Namespace) -> int:
    from codeorigin.cli.common import (
        default_threads,
        extension_mapping,
        judging_options,
        load_model,
    )
    from codeorigin.core import generated, languages
    from codeorigin.engine.scoring import Engine
    from codeorigin.model.attributor import Attributor
    from codeorigin.model.manifest import ModelError
    from codeorigin.scan import reading
    from codeorigin.scan.files import FileError, TooLarge, in_repository, read_text

    try:
        path, line, name = _parse_target(args.target)
    except ValueError as exc:
        print(f"codeorigin explain: {exc}", file=sys.stderr)
        return 2
    if not config.apply(args, [path], "explain"):
        return 2
    mapping = extension_mapping(args, "explain")
    if mapping is None:
        return 2
    try:
        text = read_text(path, max_bytes=args.max_file_bytes)
    except FileError as exc:
        more = "; --max-file-bytes raises it" if isinstance(exc, TooLarge) else ""
        print(f"codeorigin explain: {path}: {exc}{more}", file=sys.stderr)
        return 2
    language = reading.file_language(path, text, mapping)
    if language is None:
        print(f"codeorigin explain: {path}: {languages.unsupported(path)}", file=sys.stderr)
        return 2
    options = judging_options(args)
    reason = None if options.include_generated else generated.file_reason(in_repository(path), text)
    if reason is not None:
        said = f"{path}: not scored: {reason} (--include-generated scores it)\n"
        return 0 if terminal.to_stdout(said, "explain") else 2
    try:
        model = load_model(args.model, args.threads or default_threads())
        attributor = Attributor(model)
        attributor.warm_up()
    except ModelError as exc:
        print(f"codeorigin explain: {exc}", file=sys.stderr)
        return 2
    from codeorigin.cli.calibrate import own_thresholds

    engine = Engine(model).calibrated(own_thresholds(args, model, "explain"))
    results = engine.analyze(text, language, options)
    chosen, missing = _chosen(results, text, line, name)
    if not chosen:
        named = line is not None or name is not None  # a span asked for and not there: an error
        n = len(results)
        spans = sorted({r.span.name for r in results})
        there = f": {', '.join(spans[:10])}{', ...' if len(spans) > 10 else ''}" if name else ""
        said = f"{path}: {missing} (of its {n} span{'' if n == 1 else 's'}{there})"
        if named:
            print(f"codeorigin explain: {said}", file=sys.stderr)
        return 2 if named or not terminal.to_stdout(said + "\n", "explain") else 0
    canonical = languages.canonical(language)
    blocks = [
        _block(args, path, text, r, engine, attributor,
               engine.effective_thresholds(options, canonical, r.span.kind))
        for r in chosen
    ]  # fmt: skip
    return (
        0 if terminal.to_stdout(("\n\n" + "=" * 72 + "\n\n").join(blocks) + "\n", "explain") else 2
    )


def _block(
    args: argparse.Namespace,
    path: Path,
    text: str,
    result: SpanResult,
    engine: Engine,
    attributor: Attributor,
    thresholds: tuple[float, float],
) -> str:
    """One span's explanation: its verdict, its provenance, the line chart and top tokens."""
    from codeorigin.cli.common import judging_options
    from codeorigin.report import explanation
    from codeorigin.scan import scoring
    from codeorigin.scan.options import ScanOptions

    where = scoring.span_report(result, text, path, ScanOptions()).where
    verdict = explanation.verdict_text(result, thresholds, engine.model.name, judging_options(args),
                                       markdown=False,
                                       calibrated=engine.calibration_note(result.language),
                                       calibratable=engine.calibratable(result.language))  # fmt: skip
    parts = [f"{path}:{where}: {kind_words(result.span.kind)} {result.span.name}", verdict]
    if not args.no_provenance:
        parts.append(said_provenance(path, text, result))
    if result.probability is not None and result.verdict not in ("too_short", "generated"):
        # A long function takes minutes: on a terminal, a bar of its share done.
        with Progress.shown(f"explaining {result.span.name}") as watch:
            attribution = attributor.attribute_span(
                text, result.span, steps=args.steps, top_k=explanation.TOP_TOKENS,
                language=result.language, watch=watch)  # fmt: skip
        parts.append(explanation.render(attribution, text, result.span.kind, markdown=False,
                                        more_steps="--steps"))  # fmt: skip
    return "\n\n".join(parts)


def said_provenance(path: Path, text: str, result: SpanResult) -> str:
    """`Provenance: ...`: the agent that signed the commits of the span's lines (git blame), or
    that none did (which proves nothing), or why git could not say."""
    from codeorigin.core.markers import ABSENCE
    from codeorigin.engine.lines import module_lines
    from codeorigin.scan import provenance

    span = result.span
    runs = module_lines(text, span.segments) if span.kind == "module" else (
        (result.start_line + 1, result.end_line + 1),)  # fmt: skip
    try:
        found = provenance.blame(path, text).provenance(runs)
    except provenance.ProvenanceError as exc:
        return f"Provenance: none read: {exc}"
    return f"Provenance: {found.text() if found else ABSENCE}."


def _chosen(
    results: list[SpanResult], text: str, line: int | None, name: str | None
) -> tuple[list[SpanResult], str]:
    """The spans `explain` explains, and what to say when there is none: the innermost span at
    `line` (1-based; a module span holds only its own runs of lines, as the hover finds it), the
    spans named `name`, or every flagged span."""
    from codeorigin.core.spans import line_starts

    if line is not None:
        starts = line_starts(text)
        at = starts[line - 1] if 0 < line <= len(starts) else len(text) + 1
        at += len(text[at:].split("\n", 1)[0]) - len(text[at:].split("\n", 1)[0].lstrip())
        inside = sorted(
            (r for r in results if r.span.contains(at)), key=lambda r: r.span.end - r.span.start
        )
        lines = len(text.splitlines())
        missing = f"line {line} is past its last line, {lines}" if line > lines else ""
        return inside[:1], missing or f"no span at line {line}"
    if name is not None:
        return [r for r in results if r.span.name == name], f"no span named {name!r}"
    flagged = [r for r in results if r.flagged]
    if results and all(r.verdict == "not_judged" for r in results):
        return flagged, f"not judged: {results[0].reason}"
    return flagged, "no span flagged as likely LLM-generated"
