"""The attribution jobs of the server: who computes Integrated Gradients explanations, where,
when, and in what order.

`AttributionJobs` owns one `Attributor` per loaded model (created on first use, keyed by the model's
digest and thread count, so a new model gets a new one) and a single worker thread that runs the
attributions: an onnxruntime gradient graph is not cheap, and the machine has few cores, so one
explanation at a time, beside the scoring thread rather than on it (scores after an edit must not
queue behind a batch of explanations).

Work arrives as jobs, one per (model, normalised span text, steps); the same text asked twice is
one job. Two priorities: a hover, the `codeorigin.explain` command or an inlay hint the user is
looking at (`NOW`) runs before anything computed ahead (`AHEAD`). Right after a document is scored,
its spans judged `llm` (and `uncertain` ones when inlay hints are on) are queued `AHEAD`, the most
probable first, at most `AHEAD_LIMIT` of them. A job queued ahead remembers the document's
generation (see `analysis`): if the document changed before the job started, the job is dropped;
a job already running finishes, and its result stays in the cache for an undo. A running job stops
between two onnxruntime runs when every document that asked for it is closed or the server shuts
down, so a huge function nobody looks at any more does not hold the worker; a long one tells its
progress.

A finished job holds the attribution of the document text it was computed on. A later document
whose span has the same normalised text (an edit elsewhere moved it) gets its lines and tokens
remapped through the attributor, whose LRU still holds the expensive part; the job memory is kept
smaller than that LRU, so a job remembered as done is a cache hit.
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import itertools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from codeorigin.lsp import memory
from codeorigin.model.attribution import TOP_TOKENS, Attribution
from codeorigin.model.attributor import Attributor
from codeorigin.model.manifest import ModelError
from codeorigin.model.path_integral import Cancelled
from codeorigin.model.quadrature import MAX_STEPS, min_steps

if TYPE_CHECKING:
    from codeorigin.core.spans import Span
    from codeorigin.engine.judging import SpanResult
    from codeorigin.engine.scoring import Engine
    from codeorigin.lsp.analysis import Analysis
    from codeorigin.lsp.options import Settings

log = logging.getLogger(__name__)

NOW = 0  # a user is waiting
AHEAD = 1  # computed ahead of a hover
AHEAD_LIMIT = 24  # spans computed ahead per document version
ATTRIBUTION_CACHE = 128  # explanations (token space) each attributor keeps
JOB_MEMORY = 96  # finished jobs remembered; below ATTRIBUTION_CACHE, see the module docstring
ATTRIBUTORS = 2  # gradient-graph sessions kept open (one per model in use, usually one)


@dataclass(frozen=True)
class JobKey:
    """What makes two explanations the same: the model, the normalised text, the steps."""

    model: tuple[str, int]  # (digest, onnxruntime threads)
    text: str  # `SpanResult.key`: the model digest and a hash of the normalised span text
    steps: int


@dataclass(eq=False)
class Job:
    """One attribution to compute: `text` is the document, `span` the span in it."""

    key: JobKey
    attributor: Attributor
    text: str
    span: Span
    uri: str
    generation: int | None  # None: keep whatever happens to the document
    priority: int
    future: Future[Attribution] = field(default_factory=Future)
    started: bool = False
    language: str | None = None  # the span's language (a stacked model's explanation reads it)
    progress: float = 0.0  # the share computed, while it runs (a long span takes a while)
    # Every document that asked for it (the same function in two files is one job): a running
    # job stops only once all of them are closed. Replaced whole, never changed in place: the
    # worker reads it without the lock.
    askers: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.askers = self.askers | {self.uri}

    def awaitable(self) -> asyncio.Future[Attribution]:
        """The job's outcome as a future of the running event loop, to wait on. Whoever waits
        reads a failure from `future` (the hover's section, the command's answer), maybe after
        it stopped waiting (a hover waits a moment only): this copy's exception is marked as read
        as it arrives, so asyncio does not log it as "Future exception was never retrieved"."""
        waited = asyncio.wrap_future(self.future)
        waited.add_done_callback(_read_outcome)
        return waited

    def succeeded(self) -> bool:
        """Computed, neither dropped nor failed."""
        future = self.future
        return future.done() and not future.cancelled() and future.exception() is None


def _read_outcome(future: asyncio.Future[Attribution]) -> None:
    if not future.cancelled():
        future.exception()


class AttributionJobs:
    """Attributors, jobs and the worker thread of one server. Thread-safe."""

    def __init__(self, generation: Callable[[str], int | None]) -> None:
        self._generation = generation  # a document's current generation (`Analyzer.generation`)
        self._attributors: OrderedDict[tuple[str, int], Attributor] = OrderedDict()
        self._failures: dict[tuple[str, int], str] = {}
        self._jobs: OrderedDict[JobKey, Job] = OrderedDict()
        self._queue: list[tuple[int, int, Job]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        # Called on the event loop with each job that finished (computed, failed or dropped).
        self.listeners: list[Callable[[Job], None]] = []

    # Models ---------------------------------------------------------------------------------

    def attributor(self, engine: Engine) -> Attributor:
        """The attributor of an engine's model; raises ModelError when it cannot explain (no
        gradient graph, or one this version cannot read). Cheap: the session opens on first use."""
        model = engine.model
        key = (model.digest, model.threads)
        with self._cond:
            found = self._attributors.get(key)
            if found is not None:
                self._attributors.move_to_end(key)
                return found
            if key in self._failures:
                raise ModelError(self._failures[key])
            try:
                attributor = Attributor(model, cache_size=ATTRIBUTION_CACHE)
            except ModelError as exc:
                self._failures[key] = str(exc)
                log.info("no explanations with model %s: %s", model.name, exc)
                raise
            self._attributors[key] = attributor
            while len(self._attributors) > ATTRIBUTORS:
                old, _ = self._attributors.popitem(last=False)
                for job_key in [k for k in self._jobs if k.model == old]:
                    if self._jobs[job_key].future.done():
                        del self._jobs[job_key]
            return attributor

    def can_explain(self, engine: Engine) -> bool:
        try:
            self.attributor(engine)
        except ModelError:
            return False
        return True

    @staticmethod
    def steps(settings: Settings, attributor: Attributor) -> int:
        """`codeorigin.igSteps`, within what the quadrature rule accepts, else the model's."""
        if settings.ig_steps is None:
            return attributor.default_steps
        return max(min_steps(attributor.default_rule), min(MAX_STEPS, settings.ig_steps))

    # Jobs -----------------------------------------------------------------------------------

    def request(
        self,
        uri: str,
        text: str,
        result: SpanResult,
        engine: Engine,
        settings: Settings,
        *,
        priority: int = NOW,
        generation: int | None = None,
    ) -> Job:
        """The job explaining `result`'s span of `text`, queued if it is new. A job still queued
        takes the latest document and generation; asked with a higher priority (a hover for a span
        queued ahead) it moves up and is kept whatever the document does. Raises ModelError when
        the model cannot explain."""
        if self._loop is None:  # listeners are called on the loop that first asks
            try:
                self._loop = asyncio.get_running_loop()
            except RuntimeError:
                pass
        attributor = self.attributor(engine)
        key = self._key(attributor, result, engine, settings)
        with self._cond:
            job = self._jobs.get(key)
            failed = (
                job is not None
                and job.future.done()
                and not job.future.cancelled()
                and job.future.exception() is not None
            )
            if job is not None and not job.future.cancelled() and not (failed and priority == NOW):
                self._jobs.move_to_end(key)
                job.askers = job.askers | {uri}
                if not job.started:  # still queued: it now works for the latest asker
                    job.uri, job.text, job.span = uri, text, result.span
                    if priority == NOW or job.generation is None:
                        job.generation = None
                    elif generation is not None:
                        job.generation = generation
                    if priority < job.priority:
                        job.priority = priority
                        self._push(job)
                return job
            job = Job(
                key,
                attributor,
                text,
                result.span,
                uri,
                None if priority == NOW else generation,
                priority,
                language=result.language,
            )
            self._jobs[key] = job
            self._forget_old()
            self._push(job)
            self._start()
        return job

    def lookup(self, result: SpanResult, engine: Engine, settings: Settings) -> Job | None:
        """The job explaining `result` with these settings, if one was asked for (no side effect
        but creating the attributor; raises ModelError when the model cannot explain)."""
        key = self._key(self.attributor(engine), result, engine, settings)
        with self._cond:
            return self._jobs.get(key)

    def ahead(self, analysis: Analysis, *, uncertain: bool = False) -> int:
        """Queue, behind what users wait for, the explanations of a fresh analysis' spans judged
        `llm` (and `uncertain` ones if asked); return how many jobs are new or still pending."""
        engine = analysis.engine
        if engine is None or not self.can_explain(engine):
            return 0
        verdicts = {"llm", "uncertain"} if uncertain else {"llm"}
        flagged = [
            r
            for r in analysis.results
            if r.verdict in verdicts and r.probability is not None and analysis.reported(r)
        ]
        flagged.sort(key=lambda r: -(r.probability or 0.0))
        queued = 0
        for result in flagged[:AHEAD_LIMIT]:
            queued += not self.request_ahead(analysis, result, engine).future.done()
        return queued

    def request_ahead(self, analysis: Analysis, result: SpanResult, engine: Engine) -> Job:
        """`request` for a span of an analysis, behind what users wait for, dropped if the
        document changes before it starts."""
        return self.request(
            analysis.uri,
            analysis.text,
            result,
            engine,
            analysis.settings,
            priority=AHEAD,
            generation=analysis.generation,
        )

    def explanation(self, job: Job, text: str, span: Span) -> Attribution:
        """A finished job's attribution for `span` of `text` (call off the event loop: when the
        text differs from the job's, lines are mapped again, a cache hit in the attributor)."""
        attribution = job.future.result()
        if text is job.text or text == job.text:
            return attribution
        return job.attributor.attribute_span(
            text, span, steps=job.key.steps, top_k=TOP_TOKENS, language=job.language
        )

    def shutdown(self) -> None:
        with self._cond:
            self._closed = True
            for _, _, job in self._queue:
                job.future.cancel()
            self._queue.clear()
            self._cond.notify_all()

    # Internals --------------------------------------------------------------------------------

    def _key(
        self, attributor: Attributor, result: SpanResult, engine: Engine, settings: Settings
    ) -> JobKey:
        model = (engine.model.digest, engine.model.threads)
        return JobKey(model, result.key, self.steps(settings, attributor))

    def _push(self, job: Job) -> None:
        heapq.heappush(self._queue, (job.priority, next(self._order), job))
        self._cond.notify()

    def _forget_old(self) -> None:
        done = [k for k, j in self._jobs.items() if j.future.done()]
        for key in done[: max(0, len(done) - JOB_MEMORY)]:
            del self._jobs[key]

    def _start(self) -> None:
        if self._thread is None and not self._closed:
            self._thread = threading.Thread(
                target=self._work, name="codeorigin-explain", daemon=True
            )
            self._thread.start()

    def _is_current(self, job: Job) -> bool:
        # Read from the worker thread: a dict lookup and an int, atomic under the GIL.
        return job.generation is None or self._generation(job.uri) == job.generation

    def _goes_on(self, job: Job, done: float) -> bool:
        """Whether a running job should go on (from the worker, between onnxruntime runs): not
        once the server shuts down or every document that asked for it is closed. An edit does
        not stop it (the result stays for an undo), nor does a hover elsewhere."""
        job.progress = done
        return not self._closed and any(self._generation(u) is not None for u in job.askers)

    def _next(self) -> Job | None:
        with self._cond:
            while True:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return None
                priority, _, job = heapq.heappop(self._queue)
                if job.started or job.future.done() or priority != job.priority:
                    continue  # moved up (its other entry runs it) or already handled
                if not self._is_current(job):
                    job.future.cancel()
                    if self._jobs.get(job.key) is job:
                        del self._jobs[job.key]
                    log.debug("dropped a stale explanation of %s in %s", job.span.name, job.uri)
                    self._notify(job)
                    continue
                job.started = True
                return job

    def _work(self) -> None:
        while (job := self._next()) is not None:
            if not job.future.set_running_or_notify_cancel():
                continue
            try:
                attribution = job.attributor.attribute_span(
                    job.text,
                    job.span,
                    steps=job.key.steps,
                    top_k=TOP_TOKENS,
                    language=job.language,
                    watch=functools.partial(self._goes_on, job),
                )
            except Cancelled as exc:  # its document closed, or the server is shutting down
                with self._cond:
                    if self._jobs.get(job.key) is job:
                        del self._jobs[job.key]  # asked again, it starts afresh
                log.debug("stopped explaining %s in %s", job.span.name, job.uri)
                job.future.set_exception(exc)
            except BaseException as exc:  # reported to whoever waits; the worker goes on
                log.warning("explaining %s failed: %s", job.span.name, exc)
                job.future.set_exception(exc)
            else:
                job.future.set_result(attribution)
            self._notify(job)
            memory.release()  # the backward passes' buffers go back to the system

    def _notify(self, job: Job) -> None:
        loop = self._loop
        if not self.listeners or loop is None or loop.is_closed():
            return
        for listener in self.listeners:
            try:
                loop.call_soon_threadsafe(listener, job)
            except RuntimeError:  # the loop closed meanwhile
                return
