"""The files a command reads, checked where they are read: a missing, unreadable or empty input
raises `InputError` naming the file and the command that writes it, printed as one line
(`run_command`, `module_entry`). The path a command writes is checked before its work.

    frame = read_parquet(path, "dataset", hint="--dataset; `codeorigin-train dataset` writes one")
    out = output_path(args.out)
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd


class InputError(Exception):
    """Bad input a user can fix. `codeorigin-train` prints `codeorigin-train <command>: <message>`
    and exits with status 2 (with `-v`, the traceback)."""


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def read_parquet(
    path: Path, what: str = "dataset", *, hint: str = "", columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """The parquet file `path`. `InputError` when it does not exist, is not a parquet file or
    holds no rows; `what` names the file in the message and `hint` (which command writes it,
    which option names it) follows in parentheses."""
    path = Path(path)
    built_by = f" ({hint})" if hint else ""
    if path.is_dir():
        raise InputError(f"{what} {path} is a folder, not a parquet file{built_by}")
    if not path.is_file():
        raise InputError(f"{what} {path} not found{built_by}")
    try:
        df = pd.read_parquet(path, columns=list(columns) if columns is not None else None)
    except (OSError, ValueError, TypeError, NotImplementedError) as exc:  # pyarrow's errors
        lacking = _lacking(path, columns)
        if lacking:
            missing = ", ".join(lacking)
            raise InputError(f"{what} {path} lacks the column(s) {missing}{built_by}") from None
        detail = _first_line(exc).rpartition(f"'{path}': ")[2]  # the path once is enough
        raise InputError(f"{what} {path} is not a readable parquet file: {detail}") from exc
    if df.empty:
        raise InputError(f"{what} {path} holds no rows{built_by}")
    return df


def _lacking(path: Path, columns: Sequence[str] | None) -> list[str]:
    """The `columns` a readable parquet file does not have ([] when it cannot be read at all)."""
    if not columns:
        return []
    try:
        import pyarrow.parquet as pq

        names = set(pq.read_schema(path).names)
    except Exception:  # not a parquet file: the caller says so
        return []
    return [c for c in columns if c not in names]


def read_jsonl(path: Path, what: str) -> list[dict[str, Any]]:
    """The JSON objects of the lines of `path`; `InputError` for a missing file, a bad line, none."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what} {path} not found")
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{what} {path}, line {n}: not JSON ({_first_line(exc)})") from exc
        if not isinstance(row, dict):
            raise InputError(f"{what} {path}, line {n}: not a JSON object")
        rows.append(row)
    if not rows:
        raise InputError(f"{what} {path} holds no rows")
    return rows


def model_folder(path: Path, option: str) -> Path:
    """`path` when it holds a model (`manifest.json`); `InputError` otherwise."""
    if not (Path(path) / "manifest.json").is_file():
        raise InputError(f"{option} {path}: no model folder there (no manifest.json)")
    return Path(path)


def refuse_model_folder(out: Path, *, force: bool, option: str = "--out") -> None:
    """`InputError` when `out` already holds a model (`manifest.json`) and not `force`."""
    if (Path(out) / "manifest.json").exists() and not force:
        raise InputError(
            f"{option} {out} already holds a model (manifest.json): write the new one to another "
            "folder (e.g. --out models/candidate) and compare them, or give --force to replace it"
        )


def output_path(path: Path, option: str = "--out", *, folder: bool = False) -> Path:
    """`path`, checked before the work whose result goes there: `InputError` when a folder above
    it is a file, or it is a folder where a file goes (with `folder`: a file where a folder goes)."""
    path = Path(path)
    if folder and path.exists() and not path.is_dir():
        raise InputError(f"{option} {path} is a file, not a folder: give a folder")
    if not folder and path.is_dir():
        raise InputError(f"{option} {path} is a folder: give a file's path (e.g. {path / 'NAME'})")
    above = next((p for p in path.parents if p.exists()), None)
    if above is not None and not above.is_dir():
        raise InputError(
            f"{option} {path}: {above} is a file, not a folder: give a path in a folder"
        )
    return path


#: A file or folder a command was told to read that is not there or cannot be read.
MISSING_OR_UNREADABLE = (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError)


def input_error(exc: Exception) -> str | None:
    """The one line to print for an input error a user can fix; None for any other error."""
    if isinstance(exc, InputError):
        return str(exc)
    from codeorigin.model.manifest import ModelError  # plain Python: no runtime, no torch

    if isinstance(exc, ModelError):  # a --model folder the runtime cannot use; it says why
        return _first_line(exc)
    if isinstance(exc, FileExistsError) and exc.filename and Path(exc.filename).is_file():
        # `mkdir(parents=True, exist_ok=True)` of a folder under a file
        return f"{exc.filename} is a file, not a folder (Not a directory): give a path in a folder"
    if isinstance(exc, MISSING_OR_UNREADABLE):
        if exc.filename:
            return f"{exc.strerror or exc}: {exc.filename}"
        if isinstance(exc, FileNotFoundError) and not exc.strerror:  # pyarrow's: the path alone
            return f"{exc} not found"
        return str(exc)
    if type(exc).__module__.startswith("pyarrow"):  # a file pyarrow cannot read
        return f"an input file is not readable: {(str(exc).splitlines() or [''])[0]}"
    return None


_running: list[str] = []  # the commands `run_command` is running (a forwarded module's own entry)


def run_command(
    command: str, verbose: bool, run: Callable[[], int], *, prog: str | None = None
) -> int:
    """`run()`; an input error, or a `SystemExit` with a message, is one line,
    `codeorigin-train <command>: ...` (or `prog: ...`), and status 2 (with `verbose`, the
    traceback); Ctrl-C is one line and status 130."""
    _running.append(command)
    name = prog or f"codeorigin-train {command}"
    try:
        return run()
    except KeyboardInterrupt:
        if verbose:
            raise
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    except (SystemExit, Exception) as exc:
        # `raise SystemExit("message")`: a command that stops with a message for the user
        message = exc.code if isinstance(exc, SystemExit) else None if verbose else input_error(exc)
        if verbose or not isinstance(message, str):
            raise
        print(f"{name}: {message}", file=sys.stderr)
        return 2
    finally:
        _running.pop()


def module_entry(module: str, main: Callable[[], int]) -> int:
    """A module's `python -m` entry: `main()`, with input errors one line as through
    `codeorigin-train` (the traceback with CODEORIGIN_TRAIN_TRACEBACK=1)."""
    if _running:
        return main()
    verbose = os.environ.get("CODEORIGIN_TRAIN_TRACEBACK") == "1"
    return run_command(module, verbose, main, prog=f"python -m {module}")
