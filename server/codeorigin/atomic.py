"""Writing the files `codeorigin scan` produces (the report, the summary, the baseline) whole or
not at all, and never into another name of the same file.

A file is written into a new file beside it and renamed over it once written, so a full disk or
Ctrl-C midway leaves it as it was. Through a symbolic link, the file it points to is replaced (the
link stays a link). A file with other names (hard links, say `report.txt` and `app.py`) gets a new
file under the name written, so its other names keep their text. A device or a pipe
(`/dev/stdout`) is written in place, and so is a file the user may write in a folder that takes
no new file (when no other name shares it).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def write(file: Path, text: str) -> None:
    """Replace `file` with `text` (UTF-8; a name that is not UTF-8 written with its own bytes)."""
    _replace(file, text.encode("utf-8", "surrogateescape"))


def append(file: Path, text: str) -> None:
    """Append `text` to `file` (a CI job's summary). In place, as CI runners expect; a file with
    other names gets a new file with its text and `text` under this name instead."""
    data = text.encode("utf-8", "surrogateescape")
    real = Path(os.path.realpath(file))
    try:
        shared = real.is_file() and os.stat(real).st_nlink > 1
    except OSError:
        shared = False
    if shared:
        _replace(file, real.read_bytes() + data)
        return
    real.parent.mkdir(parents=True, exist_ok=True)
    with open(file, "ab") as out:
        out.write(data)


def _replace(file: Path, data: bytes) -> None:
    if _device(file):
        with open(file, "wb") as out:
            out.write(data)
        return
    real = Path(os.path.realpath(file))
    real.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle, temporary = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.",
                                             suffix=".tmp")  # fmt: skip
    except PermissionError:
        # A folder that takes no new file, with a file in it that may be written: in place, as
        # before, unless other names share the file.
        if not real.is_file() or os.stat(real).st_nlink > 1:
            raise
        with open(real, "r+b") as out:
            out.write(data)
            out.truncate()
        return
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        if real.exists():
            os.chmod(temporary, stat.S_IMODE(os.stat(real).st_mode))
        else:  # as open() would create it: mkstemp's file is the owner's alone
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(temporary, 0o666 & ~mask)
        os.replace(temporary, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _device(file: Path) -> bool:
    """Whether `file` is no file to replace but a stream to write in place: a device, a pipe or
    a socket, also through a link, and the names of the standard streams (`/dev/stdout`, which
    leads to `/proc/PID/fd/pipe:[N]`, a name that resolves to nothing)."""
    if str(file).startswith(("/dev/", "/proc/")):
        return True
    try:
        return not stat.S_ISREG(os.stat(file).st_mode) and not stat.S_ISDIR(os.stat(file).st_mode)
    except OSError:  # nothing there yet, or a dangling link: a new file
        return False
