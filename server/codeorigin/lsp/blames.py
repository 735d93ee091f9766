"""The documents' git blames, for provenance (`features.provenance`, `features.code_lens`): read
on a thread of their own when a document is opened and saved, kept by the text's blob, and looked
up per span (`Blames.of`). A service of the server (`CodeOriginServer.blames`), not a feature.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pygls.uris import to_fs_path

from codeorigin.core.markers import ABSENCE, Provenance
from codeorigin.engine.lines import module_lines
from codeorigin.scan import provenance

if TYPE_CHECKING:
    from codeorigin.engine.judging import SpanResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Blamed:
    """A document's blame (or why there is none) and the number of lines of the text blamed."""

    lines: int
    blame: provenance.Blame | None
    error: str | None  # None with no blame: the document is in no git work tree


class Blames:
    """The documents' blames, read on a thread of their own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[str, Blamed] = {}
        self._asked: dict[str, str] = {}  # uri -> the blob last asked for
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="codeorigin-blame")

    def ask(self, uri: str, text: str, done: Callable[[], None]) -> None:
        """Blame `text` as the file of `uri` (once per blob), then call `done()`."""
        path = _path(uri)
        blob = provenance.blob_id(text)
        with self._lock:
            if path is None or self._asked.get(uri) == blob:
                return
            self._asked[uri] = blob

        def work() -> None:
            try:
                found = Blamed(len(text.splitlines()), provenance.blame(path, text), None)
            except provenance.ProvenanceError as exc:
                found = Blamed(0, None, None if exc.quiet else str(exc))
            except Exception as exc:  # never the server's end: logged, nothing shown
                log.warning("git blame of %s failed: %s", uri, exc)
                found = Blamed(0, None, f"git blame failed: {exc}")
            with self._lock:
                self._kept[uri] = found
            done()

        self._pool.submit(work)

    def asked(self, uri: str) -> bool:
        with self._lock:
            return uri in self._asked

    def forget(self, uri: str) -> None:
        with self._lock:
            self._kept.pop(uri, None)
            self._asked.pop(uri, None)

    def commits(self, uri: str, text: str, results: tuple[SpanResult, ...]) -> list[tuple[str, float] | None]:
        """Each span's main commit and its share of the span's lines (`Blame.main_commit`);
        all None before the blame, outside git, or after lines were added or removed."""
        with self._lock:
            found = self._kept.get(uri)
        if found is None or found.blame is None or len(text.splitlines()) != found.lines:
            return [None] * len(results)
        return [found.blame.main_commit(_runs(text, r)) for r in results]

    def of(self, uri: str, text: str, result: SpanResult) -> Provenance | str | None:
        """The span's provenance; a sentence when there is none to show (no marker, edited
        since the blame, git's error); None outside a git work tree or before the blame."""
        with self._lock:
            found = self._kept.get(uri)
        if found is None or (found.blame is None and found.error is None):
            return None
        if found.blame is None:
            return f"no provenance: {found.error}"
        if len(text.splitlines()) != found.lines:
            return "no provenance: lines were added or removed since git blame read it; save to read it again"  # fmt: skip
        return found.blame.provenance(_runs(text, result)) or ABSENCE


def _runs(text: str, result: SpanResult) -> tuple[tuple[int, int], ...]:
    """A span's runs of lines (1-based, inclusive): a module span's segments, or first to last."""
    span = result.span
    if span.kind == "module":
        return module_lines(text, span.segments)
    return ((result.start_line + 1, result.end_line + 1),)


def _path(uri: str) -> Path | None:
    if not uri.startswith("file:"):
        return None
    try:
        path = to_fs_path(uri)
    except Exception:  # a URI pygls cannot read: no file, no provenance
        return None
    return Path(path) if path else None


def section(found: Provenance | str | None, markdown: bool) -> str | None:
    """The hover's provenance section."""
    if found is None:
        return None
    said = found.text() if isinstance(found, Provenance) else found
    return f"**Provenance** (git blame): {said}" if markdown else f"Provenance (git blame): {said}"


def lens_words(found: Provenance | str | None) -> str:
    """What a code lens adds: ` · Claude Code signed 12/14 lines`, or nothing."""
    if not isinstance(found, Provenance):
        return ""
    return f" · {found.agent} signed {found.lines}/{found.total} lines"
