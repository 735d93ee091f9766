"""The Python standard library of the running interpreter as one more human project.

Its version is the interpreter's (with post-2021 edits), so only modules that have changed little
for years are read, recorded with no release date and `date_verified = False`.
"""

from __future__ import annotations

import logging
import platform
import sysconfig
from collections.abc import Iterator
from pathlib import Path

from codeorigin_train.data.realcode.projects import Project

log = logging.getLogger(__name__)

NAME = "cpython-stdlib"

# Files and packages (paths relative to the stdlib folder) whose code is old.
OLD_MODULES: tuple[str, ...] = (
    # PEP 594's dead batteries: unmaintained for years, deprecated in 3.11.
    *("aifc.py", "asynchat.py", "asyncore.py", "cgi.py", "cgitb.py", "chunk.py", "crypt.py"),
    *("imghdr.py", "mailcap.py", "nntplib.py", "pipes.py", "smtpd.py", "sndhdr.py", "sunau.py"),
    *("telnetlib.py", "uu.py", "xdrlib.py"),
    # Frozen or deprecated packages.
    *("distutils/", "lib2to3/"),
    # Long-stable modules.
    *("_pydecimal.py", "_pyio.py", "_strptime.py", "bdb.py", "bisect.py", "calendar.py"),
    *("cmd.py", "code.py", "codeop.py", "colorsys.py", "configparser.py", "csv.py", "difflib.py"),
    *("filecmp.py", "fnmatch.py", "fractions.py", "ftplib.py", "getopt.py", "gettext.py"),
    *("heapq.py", "imaplib.py", "mailbox.py", "mimetypes.py", "netrc.py", "optparse.py"),
    *("pickletools.py", "plistlib.py", "poplib.py", "pprint.py", "profile.py", "pstats.py"),
    *("pydoc.py", "quopri.py", "sched.py", "shelve.py", "shlex.py", "smtplib.py", "stringprep.py"),
    *("tabnanny.py", "textwrap.py", "trace.py", "turtle.py", "wave.py"),
    *("curses/", "dbm/", "email/", "html/parser.py", "http/cookiejar.py", "http/cookies.py"),
    *("json/", "logging/", "tkinter/", "urllib/robotparser.py", "wsgiref/", "xml/dom/", "xml/sax/"),
)


def project() -> Project:
    """The stdlib as a `Project` record (no archive; release date unknown here)."""
    return Project(
        NAME,
        platform.python_version(),
        "stdlib",
        release_date="",
        date_source="interpreter",
        licence="PSF-2.0",
        file="",
        note="the running interpreter's library; 3.11 holds some post-2021 code",
    )


def stdlib_files(
    root: Path | None = None, modules: tuple[str, ...] = OLD_MODULES
) -> Iterator[tuple[str, bytes]]:
    """(path relative to `root`, the running interpreter's stdlib by default, bytes) of every .py
    file of `modules`, sorted."""
    root = root if root is not None else Path(sysconfig.get_paths()["stdlib"])
    for entry in modules:
        path = root / entry
        if entry.endswith("/") and path.is_dir():
            for f in sorted(path.rglob("*.py")):
                if "__pycache__" not in f.parts:
                    yield f.relative_to(root).as_posix(), f.read_bytes()
        elif not entry.endswith("/") and path.is_file():
            yield entry, path.read_bytes()
        else:
            log.info("stdlib: no %s in %s", entry, root)
