"""The argument both command lines of the language server take, `codeorigin serve` and
`python -m codeorigin.lsp`: `--log-level`. Imports neither pygls nor lsprotocol, so the
`codeorigin` command's parser can use it without loading the server.
"""

from __future__ import annotations

import argparse

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def log_level_argument(parser: argparse.ArgumentParser) -> None:
    """`serve --log-level NAME`: one of `LOG_LEVELS`, in any case (`info` too); another name is a
    usage error (it was looked up as any attribute of `logging`: `basic_format`, a string, ended
    in a traceback)."""
    parser.add_argument("--log-level", default="WARNING", type=str.upper, choices=LOG_LEVELS,
                        metavar="LEVEL", help="stderr log level: " + ", ".join(LOG_LEVELS)
                        + " (default WARNING)")  # fmt: skip
