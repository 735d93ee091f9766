"""The `codeorigin` command: `serve` (the language server), `scan` (files and folders, for CI),
`explain` (why a span got its score, as the hover shows it) and `bench`.

Exit codes of `scan`: 0 nothing flagged (or `--exit-zero`), 1 at least one span flagged as likely
LLM-generated, 2 usage errors, an unusable model, or a path that does not exist (the rest is still
scanned and reported), or a report that cannot be written. `explain` exits 0, or 2 on the same
errors and when the span it names (`PATH:LINE`, `PATH::NAME`) is not there.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeorigin import (
    __version__,
    cli_calibrate,
    cli_common,
    cli_diff,
    cli_explain,
    cli_project,
    cli_ray,
    outputs,
    terminal,
)
from codeorigin.bench import cli as bench_cli
from codeorigin.terminal import Progress, exit_on_sigterm, positive_int, terminated

if TYPE_CHECKING:
    from codeorigin.model.attributor import Attributor
    from codeorigin.model.scorer import Model
    from codeorigin.report import ScanReport
    from codeorigin.scan import ScanOptions


def _bounded(cast: type[float] | type[int], low: float, high: float, what: str) -> Any:
    """An argparse type: `cast` of the value, refused outside [low, high]."""

    def parse(value: str) -> float | int:
        try:
            x = cast(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"not {what}: {value!r}") from exc
        if not low <= x <= high:
            raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}, got {x}")
        return x

    return parse


_threshold = _bounded(float, 0.0, 1.0, "a number")
_ig_steps = _bounded(int, 2, 1024, "a whole number")  # the attributor's own range


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
    serve.add_argument("--threads", type=positive_int, default=None, help="onnxruntime threads")
    terminal.log_level_argument(serve)

    scan = sub.add_parser("scan", help="score every function in files and folders")
    scan.add_argument("paths", nargs="*", metavar="PATH", type=Path)
    scan.add_argument("--format", choices=("text", "json", "sarif", "markdown", "codeclimate"),
                      default="text", help="text (default), json, sarif (code scanning), markdown "
                      "(a pull-request summary) or codeclimate (GitLab code quality)")  # fmt: skip
    scan.add_argument("--exit-zero", action="store_true", help="exit 0 even when spans are flagged")
    _judging_arguments(scan)
    scan.add_argument("--all", action="store_true", help="text format: list every span (human, "
                      "too short, generated, suppressed or in the baseline too), not only the llm "
                      "and uncertain ones listed by default")  # fmt: skip
    scan.add_argument("--output", "-o", metavar="FILE", type=outputs.output_argument, default=None,
                      help="write the report to FILE (its missing folders are made; "
                      "-: standard output, the default)")  # fmt: skip
    scan.add_argument("--summary", metavar="FILE", type=outputs.file_argument,
                      help="also append the markdown summary to FILE (a CI job's summary: "
                      "$GITHUB_STEP_SUMMARY), from the same scan as --format's report")  # fmt: skip
    scan.add_argument("--explain", action="store_true",
                      help="add each flagged span's line shares and top tokens to the report")  # fmt: skip
    scan.add_argument("--steps", type=_ig_steps, default=None, metavar="N", help="Integrated "
                      "Gradients steps of --explain and the markdown summary (2 to 1024; default: "
                      "the model's)")  # fmt: skip
    scan.add_argument("--baseline", metavar="FILE", type=Path, help="report only new findings")
    scan.add_argument("--write-baseline", metavar="FILE", type=outputs.file_argument,
                      help="record the current findings in FILE")  # fmt: skip
    cli_ray.add_arguments(scan)
    cli_diff.add_arguments(scan)

    explain = sub.add_parser(
        "explain", help="why a span got its score: the hover's line chart, top tokens and delta"
    )
    explain.add_argument(
        "target",
        metavar="PATH[:LINE|::NAME]",
        help="a file (all its flagged spans), the span at LINE, or the spans named NAME",
    )
    _judging_arguments(explain)
    explain.add_argument("--steps", type=_ig_steps, default=None, metavar="N", help="Integrated "
                         "Gradients steps (2 to 1024; default: the model's)")  # fmt: skip
    calibrate = cli_calibrate.add_parser(sub)
    bench = sub.add_parser("bench", help="measure latency, throughput and memory on this machine")
    bench_cli.add_arguments(bench)
    for command in (serve, scan, explain, calibrate, bench):  # its own usage for an argument it lacks
        command.set_defaults(subparser=command)
    return parser


def _judging_arguments(parser: argparse.ArgumentParser) -> None:
    """The options `scan` and `explain` share: the model and what changes a verdict."""
    from codeorigin.engine import Options

    parser.add_argument("--threshold", metavar="P", type=_threshold, default=None,
                        help="flag a span whose probability is at or above P, from 0 to 1, in "
                        "every language (default: the model's, per language)")  # fmt: skip
    parser.add_argument("--model", metavar="DIR", type=Path, default=None,
                        help="model folder (default: the shipped model)")  # fmt: skip
    parser.add_argument("--threads", metavar="N", type=positive_int, help="onnxruntime threads")
    parser.add_argument("--max-file-bytes", metavar="N", type=positive_int, default=None,
                        help="read no file larger than N bytes (default 1,000,000)")  # fmt: skip
    parser.add_argument("--min-lines", metavar="N", type=positive_int, default=None,
                        help="fewer statement lines in the body: too short to judge (default "
                        f"{Options.min_lines})")  # fmt: skip
    parser.add_argument("--min-tokens", metavar="N", type=positive_int, default=None,
                        help="fewer identifier/literal tokens in the body: too short (default "
                        f"{Options.min_tokens})")  # fmt: skip
    parser.add_argument(
        "--include-generated",
        action="store_true",
        default=None,
        help="score generated files and vendored folders too",
    )
    parser.add_argument(
        "--extension",
        metavar="EXT=LANG",
        action="append",
        default=[],
        help="parse files with this extension as LANG (e.g. .h=cpp); repeatable",
    )
    parser.add_argument("--no-provenance", action="store_true", help="do not read git blame for "
                        "the lines each span holds from commits an agent signed")  # fmt: skip
    cli_project.add_arguments(parser, exclude=parser.prog.endswith(" scan"))


def _scanned(
    args: argparse.Namespace,
    model: Model,
    options: ScanOptions,
    attributor: Attributor | None,
) -> tuple[ScanReport, bool]:
    """Scan the paths and the `--repos` list, locally or with `--ray`: (report, a path missing)."""
    from dataclasses import replace

    from codeorigin import repos, scan
    from codeorigin.engine import Engine

    address = cli_ray.ray_address(args) if args.ray is not None else None
    listed = repos.read_list(args.repos) if args.repos is not None else []
    cli_ray.check_reachable(address)  # before any clone
    with repos.prepare(listed) as found:
        for failed in found.failed:
            print(f"codeorigin scan: {failed.path}: {failed.error}", file=sys.stderr)
        paths = [*args.paths, *found.roots]
        if args.ray is not None:
            report, missing = cli_ray.scan_on_ray(
                args, address, paths, found.labels, model, options, cleanup=found.close
            )
        else:
            progress = Progress()
            report, missing = scan.run(
                paths,
                Engine(model).calibrated(options.calibrated),
                options,
                attributor=attributor,
                progress=progress.update,
                labels=found.labels,
            )
            progress.close()
    if args.repos is not None:
        files = (*found.failed, *found.skipped, *report.files)
        report = replace(report, files=files, repositories=tuple(found.names))
    return report, missing or bool(found.failed)


def run_scan(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from codeorigin import baseline, distributed, repos, scan
    from codeorigin.model.manifest import ModelError
    from codeorigin.review import EXPLAINED

    usage = cli_ray.usage_error(args)
    if usage is not None:
        print(f"codeorigin scan: {usage}", file=sys.stderr)
        return 2
    unwritable = outputs.targets_error(args)
    if unwritable is not None:
        print(f"codeorigin scan: {unwritable}", file=sys.stderr)
        return 2
    if not cli_project.apply(args, args.paths, "scan"):
        return 2
    mapping = cli_common.extension_mapping(args, "scan")
    if mapping is None:
        return 2
    changed = cli_diff.changes(args, mapping)
    if changed is None and not args.paths and args.repos is None and args.ray in (None, "local"):
        print("codeorigin scan: give a PATH, --diff [REV] or --repos FILE", file=sys.stderr)
        return 2
    known = None
    if args.baseline is not None:
        try:
            known = baseline.load(args.baseline)
        except baseline.BaselineError as exc:
            print(f"codeorigin scan: {exc}", file=sys.stderr)
            return 2
    try:
        threads = args.threads or (1 if args.ray is not None else cli_common.default_threads())
        model = cli_common.load_model(args.model, threads)
    except ModelError as exc:
        print(f"codeorigin scan: {exc}", file=sys.stderr)
        return 2
    summarised = args.format == "markdown" or args.summary is not None  # it explains a few
    asked = "--explain" if args.explain else "the markdown summary's heaviest lines"
    attributor = _attributor(model, asked) if args.explain or summarised else None
    options = scan.ScanOptions(
        engine=cli_common.judging_options(args),
        max_file_bytes=args.max_file_bytes,
        mapping=mapping,
        exclude=args.exclusions,
        baseline=known,
        explain=attributor is not None,
        explain_top=None if args.explain else EXPLAINED,  # markdown shows a few: only those
        steps=args.steps,
        changed=changed.lines if changed is not None else None,
        changed_skipped=changed.skipped if changed is not None else {},
        before=changed.before if changed is not None else {},
        provenance=not args.no_provenance,
        calibrated=cli_calibrate.own_thresholds(args, model, "scan"),
    )
    try:
        report, missing = _scanned(args, model, options, attributor)
    except (repos.ReposError, distributed.RayScanError) as exc:
        print(f"codeorigin scan: {exc}", file=sys.stderr)
        return 2
    if changed is not None:
        report = replace(report, change_description=changed.description)
    if getattr(args, "threshold_source", None):  # the settings file's, not `--threshold`
        report = replace(report, threshold_source=args.threshold_source)
    missing = _failed_paths(report, args.paths) or missing
    if not outputs.deliver(args, report):
        return 2
    if missing:
        return 2
    # Writing a baseline records the findings: it does not fail on them.
    flagged = report.flagged and not args.exit_zero and args.write_baseline is None
    return 1 if flagged else 0


def _failed_paths(report: ScanReport, paths: list[Path]) -> bool:
    """Say on stderr which paths given do not exist or cannot be read (an error, exit 2); True
    when there is one."""
    from codeorigin.report import MISSING

    named = {str(p) for p in paths}
    failed = False
    for f in report.files:
        if f.error == MISSING:
            print(f"codeorigin scan: no such file or folder: {f.path}", file=sys.stderr)
        elif f.path in named and (f.error or "").startswith("cannot read"):
            print(f"codeorigin scan: {f.path}: {f.error}", file=sys.stderr)
        else:
            continue
        failed = True
    return failed


def _attributor(model: Model, asked: str) -> Attributor | None:
    """The explainer of `--explain` (and of the markdown summary's heaviest lines), or None with
    a warning when the model has no gradient graph."""
    from codeorigin.model.attributor import Attributor
    from codeorigin.model.manifest import ModelError

    try:
        attributor = Attributor(model)
        attributor.warm_up()  # a graph onnxruntime cannot load is said now, not mid-report
    except ModelError as exc:
        why = str(exc).rstrip(".")  # a sentence of its own: no ".;"
        print(f"codeorigin scan: {asked}: {why}; scanning without explanations", file=sys.stderr)
        return None
    return attributor


def run_serve(args: argparse.Namespace) -> int:
    from codeorigin.lsp.server import serve

    return serve(model=args.model, tcp=args.tcp, threads=args.threads, log_level=args.log_level)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # said with the command's usage, not the top level's (argparse's default)
        getattr(args, "subparser", parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    commands = {
        "scan": run_scan,
        "serve": run_serve,
        "bench": bench_cli.run,
        "explain": cli_explain.run_explain,
        "calibrate": cli_calibrate.run_calibrate,
    }
    if args.command not in commands:
        parser.print_help(sys.stderr)
        return 2
    terminal.standard_streams()
    _names_as_bytes()
    if args.command in ("scan", "explain", "calibrate", "bench"):
        exit_on_sigterm()  # the server ends on its own terms (`shutdown`, `exit`)
    try:
        return commands[args.command](args)
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM (`Terminated`): one line, its status
        Progress().close()
        print(f"codeorigin {args.command}: {'terminated' if terminated(stop) else 'interrupted'}",
              file=sys.stderr)  # fmt: skip
        return 143 if terminated(stop) else 130
    except Exception:  # a bug: its traceback to report, and 2, never 1 (which means "flagged")
        import traceback

        traceback.print_exc()
        print(f"codeorigin {args.command}: internal error, a bug: please report it with the "
              "traceback above", file=sys.stderr)  # fmt: skip
        return 2


def _names_as_bytes() -> None:
    """A file name that is not UTF-8 (`caf\\xe9.py`, read with surrogateescape) is written back as
    its own bytes, as `ls` and git do, whatever the locale: under en_US.UTF-8 Python's standard
    output is strict and the report would die on it."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="surrogateescape")


if __name__ == "__main__":
    sys.exit(main())
