"""The `codeorigin` command: argv in, an exit code out. `serve` (the language server,
`codeorigin.lsp`), `scan` (files and folders, for CI), `explain` (why a span got its score, as the
hover shows it), `calibrate` (the detector measured on the repository's own history) and `bench`
(`codeorigin.bench`).

`main` parses the arguments (`parser`) and runs the subcommand's module (`scan`, `explain`,
`calibrate`, `bench`), each of which checks its arguments, runs the scan (`codeorigin.scan`,
`codeorigin.distributed`) and writes what it found (`outputs`, `codeorigin.report`); `terminal` is
what they share on stdout, stderr and signals. Nothing below the command line imports this package.

Exit codes of `scan`: 0 nothing flagged (or `--exit-zero`), 1 at least one span flagged as likely
LLM-generated, 2 usage errors, an unusable model, or a path that does not exist (the rest is still
scanned and reported), or a report that cannot be written. `explain` exits 0, or 2 on the same
errors and when the span it names (`PATH:LINE`, `PATH::NAME`) is not there.
"""

from __future__ import annotations

import argparse
import io
import sys

from codeorigin.cli import bench, calibrate, explain, scan, terminal
from codeorigin.cli.parser import build_parser
from codeorigin.cli.terminal import Progress, exit_on_sigterm, terminated


def run_serve(args: argparse.Namespace) -> int:
    from codeorigin.lsp.server import serve

    return serve(model=args.model, tcp=args.tcp, threads=args.threads, log_level=args.log_level)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # said with the command's usage, not the top level's (argparse's default)
        getattr(args, "subparser", parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    commands = {
        "scan": scan.run_scan,
        "serve": run_serve,
        "bench": bench.run,
        "explain": explain.run_explain,
        "calibrate": calibrate.run_calibrate,
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
