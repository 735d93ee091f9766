"""The `codeorigin` command's arguments: one parser with a subcommand each (`serve`, `scan`,
`explain`, `calibrate`, `bench`), and the options `scan` and `explain` share. Each subcommand's own
module adds what is its alone (`diff`, `ray_scan`, `calibrate`, `bench`, `config`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from codeorigin import __version__
from codeorigin.cli import bench, calibrate, config, diff, outputs, ray_scan
from codeorigin.cli.terminal import positive_int
from codeorigin.engine.judging import VerdictRules
from codeorigin.lsp.arguments import log_level_argument


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
    log_level_argument(serve)

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
    ray_scan.add_arguments(scan)
    diff.add_arguments(scan)

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
    calibration = calibrate.add_parser(sub)
    benchmark = sub.add_parser("bench", help="measure latency, throughput and memory on this machine")
    bench.add_arguments(benchmark)
    # Each command's own usage for an argument it lacks.
    for command in (serve, scan, explain, calibration, benchmark):
        command.set_defaults(subparser=command)
    return parser


def _judging_arguments(parser: argparse.ArgumentParser) -> None:
    """The options `scan` and `explain` share: the model and what changes a verdict."""

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
                        f"{VerdictRules.min_lines})")  # fmt: skip
    parser.add_argument("--min-tokens", metavar="N", type=positive_int, default=None,
                        help="fewer identifier/literal tokens in the body: too short (default "
                        f"{VerdictRules.min_tokens})")  # fmt: skip
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
    config.add_arguments(parser, exclude=parser.prog.endswith(" scan"))
