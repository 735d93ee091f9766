"""`codeorigin.baseline`: the server reads the same baseline file as `codeorigin scan --baseline`.

A relative path is taken from the document's workspace folder (else the server's working folder).
The file is read again when its modification time changes, so `scan --write-baseline` in a
terminal takes effect at the next scoring; a file that cannot be read gets one message naming the
setting, and no span is treated as known until it is fixed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from codeorigin.lsp.host import Host
from codeorigin.scan import baseline
from codeorigin.scan.baseline import Baseline

if TYPE_CHECKING:
    from codeorigin.lsp.options import Settings

log = logging.getLogger(__name__)


class BaselineStore:
    """Loaded baseline files, keyed by path and checked against their modification time."""

    def __init__(self, ls: Host) -> None:
        self._ls = ls
        self._loaded: dict[Path, tuple[float, Baseline]] = {}

    def get(self, settings: Settings, folder: Path | None) -> Baseline | None:
        """The baseline the settings name for a document in `folder`, or None."""
        if not settings.baseline:
            return None
        path = Path(settings.baseline)
        try:
            path = path.expanduser()
        except RuntimeError:  # "~someone" with no such user: reported as not found
            pass
        if not path.is_absolute():
            path = (folder or Path.cwd()) / path
        try:
            mtime = path.stat().st_mtime
        except OSError:
            mtime = -1.0
        cached = self._loaded.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        try:
            loaded = baseline.load(path)
        except baseline.BaselineError as exc:
            self._ls.notify_user(
                f"codeorigin.baseline: {exc}", types.MessageType.Warning, once=True
            )
            return None
        log.info("baseline %s: %d findings", path, len(loaded))
        self._loaded[path] = (mtime, loaded)
        return loaded
