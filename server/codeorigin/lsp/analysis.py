"""Scoring open documents: when to run, off the event loop, and never publishing stale results.

Each open document has a generation number, bumped by every open, edit and settings change. A run
remembers the generation it started for; its result is kept and published only if, when it ends,
the document is still open, at the same version and generation. `didOpen` and settings changes
run at once; `didChange` waits `codeorigin.debounceMs` and a newer edit cancels the waiting run,
so a burst of typing costs one run. Requests that need a current analysis (hover, code lens, pull
diagnostics) wait for the run of the current generation instead of starting their own; one a
person asked for (a hover, an explanation) cuts its debounce short, while those clients send by
themselves after every edit (code lenses, pulled diagnostics, inlay hints) let it run out.

Model work runs on the server's single model thread (`model_thread`); the event loop only splits
text into lines and converts positions. A run stops at the model thread's next checkpoint when
its document changes or closes (the spans it scored stay in the engine's cache, so the next run
scores only the rest), and lets a hover or a command of another document run at each one.

Before scoring, a document a generator wrote (`core.generated`: a `Code generated … DO NOT EDIT`
header, `*_pb2.py`, a vendored folder, ...) is skipped: no diagnostics, one message saying why, and
a log line; so are functions marked as generated inside a document. `codeorigin.includeGenerated`
scores both, as `codeorigin scan --include-generated` does. A file that the `exclude` patterns of
its project's settings file match (`codeorigin.scan.project`: `.codeorigin.toml`,
`[tool.codeorigin]`) is skipped too, as `scan` leaves it out of a folder, with a log line and no
message; a settings file that cannot be read is said once, and excludes nothing until it is fixed.
A `.h` document is parsed as C or C++ from its content, and `codeorigin.extensions` maps other
extensions. After scoring,
spans known from the baseline (`codeorigin.baseline`) are remembered in `known`, and the diagnostics
leave them out, as they leave out spans that a `codeorigin: ignore` comment suppresses. With
`codeorigin.scope: changed`, only the spans whose lines differ from git's HEAD are judged, and
those flagged before the edit are remembered in `before` and left out too (`scope`); their hovers
say why.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lsprotocol import types

from codeorigin.core import generated, languages
from codeorigin.core.verdicts import percent
from codeorigin.engine.judging import SpanResult
from codeorigin.engine.scoring import Engine
from codeorigin.lsp.baselines import BaselineStore
from codeorigin.lsp.host import Host
from codeorigin.lsp.model_registry import ModelRegistry
from codeorigin.lsp.model_thread import Superseded
from codeorigin.lsp.option_values import json_text
from codeorigin.lsp.options import Settings
from codeorigin.lsp.positions import PositionMap
from codeorigin.lsp.progress import with_progress_if_slow
from codeorigin.lsp.scope import analyze_in_scope
from codeorigin.scan import project
from codeorigin.scan.files import in_repository

if TYPE_CHECKING:
    from pygls.workspace import TextDocument


log = logging.getLogger(__name__)

READY_TIMEOUT = 15.0  # how long the first run waits for the client's configuration


@dataclass(frozen=True)
class Analysis:
    """One document version, scored (or the reason it was not)."""

    uri: str
    version: int | None
    generation: int
    result_id: str
    text: str
    positions: PositionMap
    settings: Settings
    results: tuple[SpanResult, ...] = ()
    engine: Engine | None = None
    # "disabled", "language", "excluded", "binary", "too-large", "generated", "model", "error"
    skipped: str | None = None
    reason: str | None = None  # why it is not scored, when `skipped`: "it has 2,000,000 bytes, ..."
    known: frozenset[tuple[str, str]] = frozenset()  # (span name, text hash) in the baseline
    # `codeorigin.scope: changed`: (span name, text hash) of the spans flagged before the edit,
    # with their probability at git's HEAD (`prior.at_base`)
    before: dict[tuple[str, str], float] = field(default_factory=dict)
    language: str | None = None  # the canonical language it was scored as

    def reported(self, result: SpanResult) -> bool:
        """Whether a span's verdict is shown: not suppressed, not in the baseline, not flagged
        before the edit (with `codeorigin.scope: changed`)."""
        return result.suppressed is None and self.aside(result) is None

    def aside(self, result: SpanResult) -> str | None:
        """Why a span's verdict has no diagnostic though it is not suppressed: known from the
        baseline, or flagged at git's HEAD before the edit; None when neither."""
        key = (result.span.name, result.text_hash)
        if key in self.known:
            return f"known from the baseline ({self.settings.baseline})"
        if key in self.before:
            return (
                f"flagged before this edit, at git's HEAD ({percent(self.before[key])}); "
                "`codeorigin scan --diff HEAD` sets it aside too"
            )
        return None

    @property
    def model_name(self) -> str | None:
        return self.engine.model.name if self.engine is not None else None

    @property
    def thresholds(self) -> tuple[float, float] | None:
        """(llm, uncertain) thresholds in effect: the user's threshold or the model's."""
        if self.engine is None:
            return None
        return self.engine.effective_thresholds(self.settings.verdict_rules(), self.language)

    def spans_at(self, offset: int) -> Iterator[SpanResult]:
        """Scored spans containing a character offset, innermost first. A module span contains only
        its own lines, not the functions and classes between them. Where none contains it, the
        spans that start later on its line: `export` of `export function f`, a modifier the
        grammar leaves out of the function, is pointed at as part of the function."""
        hits = [r for r in self.results if r.span.contains(offset)]
        if not hits and offset >= 0:
            end = self.text.find("\n", offset)
            end = len(self.text) if end < 0 else end
            hits = [r for r in self.results if offset < r.span.start <= end]
        hits.sort(key=lambda r: r.span.end - r.span.start)
        return iter(hits)


@dataclass
class _Document:
    uri: str
    generation: int = 0
    task: asyncio.Task[None] | None = None
    result: Analysis | None = None
    waiters: list[asyncio.Future[Analysis | None]] = field(default_factory=list)
    debouncing: int | None = None  # the generation whose run waits out `codeorigin.debounceMs`
    # A person waits for this document's current analysis (a hover): its run goes to the model
    # thread's interactive lane, ahead of another document's long job; `urgent_run`: the
    # generation whose run was put there.
    urgent: bool = False
    urgent_run: int | None = None

    def resolve(self, analysis: Analysis | None) -> None:
        self.urgent = False
        for waiter in self.waiters:
            if not waiter.done():
                waiter.set_result(analysis)
        self.waiters.clear()


class Analyzer:
    """Runs and remembers the analyses of the open documents."""

    def __init__(
        self,
        ls: Host,
        models: ModelRegistry,
        baselines: BaselineStore,
        *,
        kept: Callable[[Analysis], None],
        closed: Callable[[str], None],
    ) -> None:
        self._ls = ls
        self._models = models
        self._baselines = baselines
        # Called on the event loop with every analysis kept, and with every document closed.
        self._kept = kept
        self._closed = closed
        self._docs: dict[str, _Document] = {}
        self._ids = itertools.count(1)
        self._told: set[tuple[str, str]] = set()  # (uri, why it is not scored), said once
        self._told_languages: set[str] = set()  # language ids codeorigin does not read, said once
        self._projects = project.Cache()  # the projects' settings files, read again when changed

    # Events ---------------------------------------------------------------------------------

    def open(self, uri: str) -> None:
        doc = _Document(uri)
        old = self._docs.pop(unquote(uri), None)
        if old is not None:
            self._stop(old)
        self._docs[unquote(uri)] = doc
        self._schedule(doc, 0.0)

    def change(self, uri: str) -> None:
        doc = self._docs.get(unquote(uri))
        if doc is not None:
            delay = self._ls.settings.for_uri(uri).debounce_ms / 1000.0
            self._schedule(doc, delay)

    def close(self, uri: str) -> None:
        doc = self._docs.pop(unquote(uri), None)
        if doc is not None:
            self._stop(doc)
        self._closed(uri)

    def rescore(self, uri: str) -> None:
        """Run again now (a command asked, or the settings changed)."""
        doc = self._docs.get(unquote(uri))
        if doc is not None:
            self._schedule(doc, 0.0)

    def rescore_all(self) -> None:
        for doc in self._docs.values():
            self._schedule(doc, 0.0)

    def shutdown(self) -> None:
        for doc in self._docs.values():
            self._stop(doc)
        self._docs.clear()

    # Queries --------------------------------------------------------------------------------

    def open_uris(self) -> list[str]:
        return [doc.uri for doc in self._docs.values()]

    def latest(self, uri: str) -> Analysis | None:  # the last kept: maybe an older version's
        return doc.result if (doc := self._docs.get(unquote(uri))) is not None else None

    def generation(self, uri: str) -> int | None:
        """The document's current generation; None when it is not open. Safe to call from other
        threads (a dict lookup and an int read): work queued for a generation can check it."""
        doc = self._docs.get(unquote(uri))
        return doc.generation if doc is not None else None

    async def current(self, uri: str, *, asked: bool = False) -> Analysis | None:
        """The analysis of the document's current version and settings, waiting for it if a run
        is pending; None when the document is not open (or is closed meanwhile). `asked`: a
        person waits (a hover), so a run still waiting out the debounce starts now."""
        doc = self._docs.get(unquote(uri))
        if doc is None:
            return None
        if doc.result is not None and doc.result.generation == doc.generation:
            return doc.result
        waiter: asyncio.Future[Analysis | None] = asyncio.get_running_loop().create_future()
        doc.waiters.append(waiter)
        doc.urgent = doc.urgent or asked
        # A run that waits out the debounce, or waits behind another document's job on the
        # background lane, is started again on the interactive lane (what it scored is cached).
        late = asked and doc.urgent_run != doc.generation
        if doc.task is None or doc.task.done() or late:
            self._schedule(doc, 0.0)
        return await waiter

    # Runs -----------------------------------------------------------------------------------

    def _schedule(self, doc: _Document, delay: float) -> None:
        doc.generation += 1
        if doc.task is not None and not doc.task.done():
            # Cancels a waiting run outright; a run already on the model thread stops at its
            # next checkpoint (`Superseded`), and the scores it finished stay in the cache.
            doc.task.cancel()
        doc.task = asyncio.ensure_future(self._run(doc, doc.generation, delay))

    def _stop(self, doc: _Document) -> None:
        doc.generation += 1
        if doc.task is not None and not doc.task.done():
            doc.task.cancel()
        doc.resolve(None)

    def _is_current(self, doc: _Document, generation: int, version: int | None) -> bool:
        text_doc = self._ls.open_document(doc.uri)
        return (
            self._docs.get(unquote(doc.uri)) is doc
            and doc.generation == generation
            and text_doc is not None
            and text_doc.version == version
        )

    async def _run(self, doc: _Document, generation: int, delay: float) -> None:
        if delay > 0:
            doc.debouncing = generation
            try:
                await asyncio.sleep(delay)
            finally:
                if doc.debouncing == generation:
                    doc.debouncing = None
        if not self._ls.settings.ready.is_set():
            try:
                await asyncio.wait_for(self._ls.settings.ready.wait(), READY_TIMEOUT)
            except asyncio.TimeoutError:
                log.warning("no configuration from the client; scoring with what we have")
        text_doc = self._ls.open_document(doc.uri)
        if doc.generation != generation:
            return
        if text_doc is None:  # gone from the workspace: nothing to score, and no one left waiting
            doc.resolve(None)
            return
        try:
            analysis = await self._analyze(doc.uri, text_doc, generation)
        except asyncio.CancelledError:
            raise
        except Superseded:  # the document changed or closed while its spans were scored
            log.debug("stopped scoring %s: a newer version replaces it", doc.uri)
            return
        except Exception as exc:  # never let one document take the server down
            log.exception("scoring %s failed", doc.uri)
            self._ls.notify_user(
                f"codeorigin: scoring failed: {exc}", types.MessageType.Error, once=True
            )
            analysis = self._empty(doc.uri, text_doc, generation, skipped="error")
            analysis = replace(analysis, reason=f"scoring it failed: {exc}")
        if not self._is_current(doc, generation, analysis.version):
            log.debug("dropping stale result for %s (version %s)", doc.uri, analysis.version)
            return
        doc.result = analysis
        doc.resolve(analysis)
        self._kept(analysis)

    def _empty(
        self, uri: str, text_doc: TextDocument, generation: int, *, skipped: str | None
    ) -> Analysis:
        text = text_doc.source
        return Analysis(
            uri=uri,
            version=text_doc.version,
            generation=generation,
            result_id=str(next(self._ids)),
            text=text,
            positions=PositionMap(text, self._ls.workspace.position_encoding),
            settings=self._ls.settings.for_uri(uri),
            skipped=skipped,
        )

    def _excluded(self, uri: str, path: Path) -> str | None:
        """Why the project's settings file excludes the file `path`, or None; a settings file
        that cannot be used is said once (and its exclusions wait until it is fixed)."""
        settings = self._projects.for_path(path)
        if isinstance(settings, project.ProjectError):
            said = (
                f"codeorigin: {settings}; until it is fixed, its exclude patterns leave nothing out"
            )
            self._ls.notify_user(said, types.MessageType.Warning, once=True)
            return None
        rule = settings.exclusion if settings is not None else None
        why = rule.reason(path) if rule is not None else None
        if why is not None:
            log.info("not scoring %s: %s", uri, why)
        return why

    def calibrated(self, engine: Engine, path: str | None) -> Engine:
        """`engine` with the thresholds of the repository that holds `path` (`codeorigin
        calibrate --write`); they also let it judge a language the model abstains on."""
        if not path:
            return engine
        found = self._projects.calibration(Path(path))  # one settings lookup per analysis
        if found is None:
            return engine.calibrated({})
        digest = engine.model.manifest.digest
        return engine.calibrated(found.own(digest) or {}, found.own_commits(digest))

    def _tell_once(self, uri: str, name: str, why: str, detail: str) -> None:
        """Say once per document and reason why it is not scored (not at every edit)."""
        if (uri, why) not in self._told:
            self._told.add((uri, why))
            self._ls.notify_user(f"codeorigin: {name} is not scored: {detail}.")

    async def _analyze(self, uri: str, text_doc: TextDocument, generation: int) -> Analysis:
        ls = self._ls
        base = self._empty(uri, text_doc, generation, skipped=None)
        settings = base.settings
        path = text_doc.path if uri.startswith("file:") else None
        language = languages.for_file(path, base.text, text_doc.language_id, settings.extension_map)
        base = replace(base, language=language)  # kept when it is not scored (`status` says it)
        if not settings.enable:
            return replace(base, skipped="disabled", reason="codeorigin.enable is false")
        given = text_doc.language_id or ""
        if language is None and given not in self._told_languages:
            self._told_languages.add(given)  # in the client's log, once per language id
            log.warning("%s is not scored: codeorigin does not read %s documents (it reads %s)",
                        text_doc.filename or uri, repr(given) if given else "untyped",
                        ", ".join(languages.EDITOR_IDS))  # fmt: skip
        if language is None:
            why = f"codeorigin does not read {json_text(given) if given else 'untyped'} documents"
            return replace(base, skipped="language", reason=why)
        if not settings.covers(given if languages.canonical(given) == language else language):
            why = f"its language ({language}) is not in codeorigin.languages"
            return replace(base, skipped="language", reason=why)
        excluded = self._excluded(uri, Path(path)) if path is not None else None
        if excluded is not None:  # logged, no message: the project chose to leave it out
            return replace(base, skipped="excluded", reason=excluded)
        where = in_repository(Path(path)) if path is not None else None  # its project's folders
        reason = None if settings.include_generated else generated.file_reason(where, base.text)
        name = text_doc.filename or uri
        if reason is not None:
            log.info("not scoring %s: %s", uri, reason)
            self._tell_once(uri, name, "generated", f"{reason}. Generated and vendored code is not "
                            "judged (codeorigin.includeGenerated scores it)")  # fmt: skip
            return replace(base, skipped="generated", reason=reason)
        if "\x00" in base.text[:8192]:  # binary content (git's rule, as `scan` skips it)
            why = "it holds NUL bytes, so it is binary data, not code"
            self._tell_once(uri, name, "binary", why)
            return replace(base, skipped="binary", reason=why)
        limit = settings.max_file_bytes
        if (size := len(base.text.encode("utf-8", "surrogatepass"))) > limit:
            why = f"it has {size:,} bytes, more than codeorigin.maxFileBytes ({limit:,})"
            self._tell_once(uri, name, "too-large", why)
            return replace(base, skipped="too-large", reason=why)
        folder = ls.settings.folder_path(uri)
        key = self._models.key(settings, folder)
        engine = await self._models.engine(key)
        if engine is None:
            failure = self._models.failure(key)
            return replace(base, skipped="model", reason=failure)
        engine = self.calibrated(engine, path)
        loop = asyncio.get_running_loop()

        def wanted() -> bool:
            return self.generation(uri) == generation

        doc = self._docs.get(unquote(uri))
        if doc is not None and doc.urgent:  # a person waits: ahead of the background lane
            doc.urgent_run = generation
            executor, between = ls.executor.interactive, functools.partial(_still, wanted)
        else:
            executor, between = ls.executor, functools.partial(ls.executor.checkpoint, wanted)
        work = loop.run_in_executor(executor, analyze_in_scope, engine, base.text, language,
                                    settings, path, between)  # fmt: skip
        results, before = await with_progress_if_slow(
            ls, work, "codeorigin: scoring", text_doc.filename or uri
        )
        known: frozenset[tuple[str, str]] = frozenset()
        baseline = self._baselines.get(settings, folder)
        if baseline is not None and path is not None:
            known = frozenset(
                (r.span.name, r.text_hash)
                for r in results
                if baseline.knows(Path(path), r.span.name, r.text_hash)
            )
        return replace(
            base,
            results=tuple(results),
            engine=engine,
            known=known,
            before=before,
            language=language,
        )


def _still(wanted: Callable[[], bool]) -> None:
    """An interactive run's checkpoint: it lets no other work in, and stops when superseded."""
    if not wanted():
        raise Superseded


