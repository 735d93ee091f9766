"""What the commands of `codeorigin` share: the model they load, its threads, the judging options
and the extension mapping from their arguments."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codeorigin.engine.judging import VerdictRules
    from codeorigin.model.scorer import Model


def default_threads() -> int:
    """onnxruntime threads when --threads is not given: the CPUs, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


def load_model(folder: Path | None, threads: int) -> Model:
    from codeorigin.model.manifest import default_model_dir
    from codeorigin.model.scorer import Model

    return Model.load(folder if folder is not None else default_model_dir(), threads=threads)


def judging_options(args: argparse.Namespace) -> VerdictRules:
    from codeorigin.engine.judging import VerdictRules

    return VerdictRules(
        threshold=args.threshold,
        min_lines=args.min_lines,
        min_tokens=args.min_tokens,
        include_generated=args.include_generated,
    )


def extension_mapping(args: argparse.Namespace, command: str) -> dict[str, str] | None:
    from codeorigin.core.languages import parse_mapping

    try:
        return parse_mapping(args.extension)
    except ValueError as exc:
        print(f"codeorigin {command}: --extension: {exc}", file=sys.stderr)
        return None
