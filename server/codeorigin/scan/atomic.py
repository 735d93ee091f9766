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
import re
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
    if _stream(file):
        with open(file, "wb") as out:
            out.write(data)
        return
    real = Path(os.path.realpath(file))
    real.parent.mkdir(parents=True, exist_ok=True)
    try:
        _swap(real, data)
    except PermissionError:
        # A folder that takes no new file (or, sticky, no rename over another's file), with a
        # file in it that may be written: in place, as before, unless other names share it.
        if not real.is_file() or os.stat(real).st_nlink > 1:
            raise
        with open(real, "r+b") as out:
            out.write(data)
            out.truncate()


def _swap(real: Path, data: bytes) -> None:
    """Write `data` into a new file beside `real` (a short name, whatever the length of
    `real`'s), with `real`'s mode, and rename it over `real`."""
    handle, temporary = tempfile.mkstemp(dir=real.parent, prefix=".codeorigin-", suffix=".tmp")
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


#: The names of the standard streams and of a process's open files: written where they lead.
STREAMS = re.compile(r"/dev/(stdin|stdout|stderr)$|/dev/fd/|/proc/(self|\d+)/fd/")


def _stream(file: Path) -> bool:
    """Whether `file` is no file to replace but a stream to write in place: a standard stream's
    name (`/dev/stdout` leads to `/proc/PID/fd/pipe:[N]`, which names nothing, or to the file
    the shell opened), or a device, a pipe or a socket, also through a link."""
    if STREAMS.match(str(file)):
        return True
    try:
        mode = os.stat(file).st_mode
    except OSError:  # nothing there yet, or a dangling link: a new file
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)
