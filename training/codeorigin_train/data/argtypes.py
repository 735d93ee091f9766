"""Option values checked where they are parsed: argparse `type`s that turn a value out of range
into argparse's one-line usage error (status 2) instead of a traceback deep in the work, or a
run that quietly does nothing. No heavy imports: `codeorigin-train --help` loads this."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def whole_number(minimum: int = 1) -> Callable[[str], int]:
    """A `type`: a whole number of at least `minimum` (a cap, a count, a number of folds)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value}: give a whole number of at least {minimum}")
        return value

    return parse


def fraction(text: str) -> float:
    """A `type`: a number strictly between 0 and 1 (a false-positive rate, a confidence)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"{value:g}: give a number between 0 and 1")
    return value


def ig_texts(parser: argparse.ArgumentParser) -> None:
    """`--ig-texts N` of every command that exports a transformer (`export`, `ship`, `all`)."""
    parser.add_argument(
        "--ig-texts", type=whole_number(), default=40, metavar="N",
        help="validation functions of the rows the model trained on, on which the export "
        "measures the Integrated Gradients convergence delta of every candidate rule and step "
        "count, to choose the model's default steps (default: %(default)s; fewer export faster, "
        "more choose more surely)",
    )  # fmt: skip
