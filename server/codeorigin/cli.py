"""The `codeorigin` command: `serve` (the language server), `scan` (files and folders, for CI).

Exit codes of `scan`: 0 nothing flagged (or `--exit-zero`), 1 at least one span flagged as likely
LLM-generated, 2 usage errors or an unusable model.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from codeorigin import __version__

if TYPE_CHECKING:
    from codeorigin.model.scorer import Model


def _threshold(value: str) -> float:
    try:
        p = float(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from exc
    if not 0.0 <= p <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {p}")
    return p


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from exc
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codeorigin",
        description="How likely was this code written by an LLM? Function by function, offline.",
    )
    parser.add_argument("--version", action="version", version=f"codeorigin {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the language server (LSP over stdio)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    serve.add_argument("--model", metavar="DIR", help="model folder (default: the shipped model)")
    serve.add_argument("--threads", type=_positive_int, default=None, help="onnxruntime threads")
    serve.add_argument("--log-level", default="WARNING", help="stderr log level (default WARNING)")

    scan = sub.add_parser("scan", help="score every function in files and folders")
    scan.add_argument("paths", nargs="+", metavar="PATH", type=Path)
    scan.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    scan.add_argument("--threshold", type=_threshold, default=None, help="flag at or above P (0-1)")
    scan.add_argument("--model", metavar="DIR", type=Path, default=None)
    scan.add_argument("--exit-zero", action="store_true", help="exit 0 even when spans are flagged")
    scan.add_argument("--min-lines", type=_positive_int, default=4)
    scan.add_argument("--min-tokens", type=_positive_int, default=24)
    scan.add_argument("--max-file-bytes", type=_positive_int, default=1_000_000)
    scan.add_argument("--threads", type=_positive_int, default=None)
    scan.add_argument(
        "--all", action="store_true", help="text format: list every span, not only flagged ones"
    )
    scan.add_argument("--output", "-o", type=Path, default=None, help="write the report to a file")
    bench = sub.add_parser("bench", help="measure latency, throughput and memory on this machine")
    bench.add_argument("--model", metavar="DIR", type=Path, default=None)
    bench.add_argument("--threads", type=_positive_int, default=1)
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--quick", action="store_true", help="fewer repetitions")
    bench.add_argument("--no-server", action="store_true", help="skip the measurements over stdio")
    return parser


def run_bench(args: argparse.Namespace) -> int:
    from codeorigin import bench
    from codeorigin.model.manifest import ModelError

    try:
        result = bench.run(
            args.model, threads=args.threads, quick=args.quick, server=not args.no_server
        )
    except ModelError as exc:
        print(f"codeorigin bench: {exc}", file=sys.stderr)
        return 2
    print(bench.to_json(result) if args.json else bench.render_table(result))
    return 0


def _default_threads() -> int:
    import os

    return max(1, min(4, os.cpu_count() or 1))


def _load_model(folder: Path | None, threads: int) -> Model:
    from codeorigin.model.manifest import default_model_dir
    from codeorigin.model.scorer import Model

    return Model.load(folder if folder is not None else default_model_dir(), threads=threads)


class _Progress:
    """A one-line progress bar on stderr, shown only on a terminal and for long runs."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.enabled = sys.stderr.isatty() and total >= 20
        self.start = time.monotonic()

    def update(self, done: int, path: str) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * done / max(1, self.total))
        name = path[-40:]
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} {name:<40}"
        )
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 90 + "\r")
            sys.stderr.flush()


def run_scan(args: argparse.Namespace) -> int:
    from codeorigin.engine import Engine, Options
    from codeorigin.files import FileError, read_text, walk
    from codeorigin.model.manifest import ModelError
    from codeorigin.report import (
        FileReport,
        ScanReport,
        SpanReport,
        render_json,
        render_sarif,
        render_text,
    )

    for p in args.paths:
        if not p.exists():
            print(f"codeorigin scan: no such file or folder: {p}", file=sys.stderr)
            return 2
    try:
        model = _load_model(args.model, args.threads or _default_threads())
    except ModelError as exc:
        print(f"codeorigin scan: {exc}", file=sys.stderr)
        return 2
    engine = Engine(model)
    options = Options(
        threshold=args.threshold, min_lines=args.min_lines, min_tokens=args.min_tokens
    )
    llm_threshold, _ = engine.effective_thresholds(options)

    candidates = list(walk(args.paths))
    progress = _Progress(len(candidates))
    files: list[FileReport] = []
    for i, cand in enumerate(candidates):
        progress.update(i, cand.display)
        if cand.language is None:
            files.append(
                FileReport(cand.display, None, None, "unsupported language (by file extension)")
            )
            continue
        try:
            text = read_text(cand.path, max_bytes=args.max_file_bytes)
        except FileError as exc:
            files.append(FileReport(cand.display, cand.language, None, str(exc)))
            continue
        results = engine.analyze(text, cand.language, options)
        whole = engine.score_selection(text, options)[0].probability if text.strip() else None
        spans = tuple(
            SpanReport(
                name=r.span.name,
                kind=r.span.kind,
                start_line=r.start_line + 1,
                end_line=r.end_line + 1,
                probability=None if r.verdict == "too_short" else r.probability,
                verdict=r.verdict,
                name_column=r.span.name_start - text.rfind("\n", 0, r.span.name_start),
            )
            for r in results
        )
        files.append(FileReport(cand.display, cand.language, whole, None, spans))
    progress.close()

    report = ScanReport(model.name, round(llm_threshold, 4), tuple(files))
    if args.format == "json":
        out = render_json(report)
    elif args.format == "sarif":
        out = render_sarif(report)
    else:
        out = render_text(report, verbose=args.all)
    if args.output is not None:
        args.output.write_text(out + "\n", encoding="utf-8")
    else:
        sys.stdout.write(out + "\n")
    return 1 if report.flagged and not args.exit_zero else 0


def run_serve(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.WARNING), stream=sys.stderr
    )
    from codeorigin.lsp.server import serve

    return serve(model=args.model, tcp=args.tcp, threads=args.threads)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "scan":
        return run_scan(args)
    if args.command == "serve":
        return run_serve(args)
    if args.command == "bench":
        return run_bench(args)
    parser.print_help(sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
