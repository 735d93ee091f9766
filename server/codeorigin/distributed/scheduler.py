"""`codeorigin scan --ray`: the same scan, its spans scored by Ray actors on a cluster.

The driver walks and reads the files (`scan.reading.candidates`, `scan.reading.chunks`: the chunks
of a local scan) and hands each chunk to an actor; an actor loads the model once (its files are
shipped through Ray's object store, so a node needs codeorigin installed but not the model folder)
and makes the chunk's file reports with `scan.scoring.score_chunk`, the code a local scan runs
(`actor`). Reports come back as they finish and are put back in order, so the report, and its
text, JSON and SARIF, are those of a local scan.

Failures: when an actor dies (killed, out of memory, its node lost) or scoring raises, the chunk is
re-queued whole once (same batches, so the same scores) and the dead actor replaced; a chunk that
fails twice is retried file by file, so one file that kills its actor cannot take the others with
it, and a file that fails again on its own is reported as an error. The scan goes on.

Ray is an optional extra (`pip install '<checkout>[ray]'`): it is imported here only, inside the
functions, and nothing on the editor's or a local scan's path imports this module.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from codeorigin.distributed.actor import Scorer
from codeorigin.distributed.cluster import (
    RayScanError,
    cause,
    connect,
    import_ray,
    model_files,
    sigint_held,
)
from codeorigin.report.data import FileReport, ScanReport
from codeorigin.scan import local, reading, scoring
from codeorigin.scan.options import ScanOptions
from codeorigin.scan.reading import CHUNK_FILES, Read
from codeorigin.scan.scoring import Pending

IN_FLIGHT_PER_ACTOR = 2  # a second chunk waits at each actor, so it never idles between chunks


@dataclass
class RayStats:
    """What a Ray scan did, for the progress line, the closing summary and the benchmark."""

    actors: int = 0
    files: int = 0
    spans: int = 0
    seconds: float = 0.0  # from the first chunk handed out to the last report back
    startup_seconds: float = 0.0  # starting the actors and loading the model in each
    chunks: int = 0  # chunks with files to score, handed out
    actors_lost: int = 0
    chunks_requeued: int = 0
    files_failed: int = 0

    def rate(self, count: int) -> float:
        return count / self.seconds if self.seconds > 0 else 0.0


@dataclass
class _Task:
    """A chunk (or, after failures, one file of it) to score: `index` orders the chunks, `part`
    the pieces of a split chunk; `failures` counts how often it failed."""

    index: int
    part: tuple[int, ...]
    items: list[Read | FileReport]
    failures: int = 0


@dataclass
class _Actor:
    handle: Any
    pid: int
    node: str
    alive: bool = True
    in_flight: int = 0
    alone: bool = False  # running a retry, with nothing beside it


@dataclass
class _Chunk:
    """A chunk's pieces as they come back: it is done when no piece is missing."""

    pieces: dict[tuple[int, ...], list[FileReport]] = field(default_factory=dict)
    waiting: set[tuple[int, ...]] = field(default_factory=lambda: {(0,)})
    # `explain_top`: each piece's most probable flagged spans, to explain once all are back
    pending: dict[tuple[int, ...], list[Pending]] = field(default_factory=dict)


# Called before a task goes to an actor: (the actor's pid, the paths of the task's files).
Dispatch = Callable[[int, list[str]], None]
# Called as reports come back in order: (files done, files in all, spans done, seconds so far).
Progress = Callable[[int, int, int, float], None]


class RayScan:
    """One scan on a Ray cluster already connected (`connect`): start the actors, hand out the
    chunks, re-queue what failed, and put the reports back in order."""

    def __init__(
        self,
        model_dir: Path,
        options: ScanOptions,
        *,
        actors: int | None = None,
        threads: int = 1,
        chunk_files: int = CHUNK_FILES,
        progress: Progress | None = None,
        on_dispatch: Dispatch | None = None,
    ) -> None:
        self.ray = import_ray()
        self.model_dir = model_dir
        self.options = options
        self.n_actors = actors
        self.threads = threads
        self.chunk_files = chunk_files
        self.progress = progress
        self.on_dispatch = on_dispatch
        self.stats = RayStats()
        self._actors: list[_Actor] = []
        self._queue: deque[_Task] = deque()  # failed tasks, retried before new chunks
        self._in_flight: dict[Any, tuple[_Actor, _Task]] = {}
        self._chunks: dict[int, _Chunk] = {}
        self._next = 0  # the next chunk to report
        self._source: Iterator[tuple[int, list[Read | FileReport]]] = iter(())
        self._replacements = 0
        self._pending: list[Pending] = []  # `explain_top`: the most probable flagged spans

    def run(
        self, paths: list[Path], labels: dict[Path, str] | None = None
    ) -> tuple[ScanReport, bool]:
        """Scan `paths` as `scan.local.run` does: (the report, whether a path was missing)."""
        found = reading.candidates(paths, self.options, labels)
        missing = any(c.missing for c in found)
        name, (threshold, own, modules, cases) = self._start()
        try:
            self._source = enumerate(reading.chunks(found, self.options, self.chunk_files))
            files = list(self._reports(len(found)))
            self._explain(files)
        finally:
            self._stop()
        given = self.options.engine.threshold is not None
        report = ScanReport(name, threshold, tuple(files), language_thresholds=own,
                            module_thresholds=modules, case_thresholds=cases,
                            threshold_given=given)  # fmt: skip
        return report, missing

    def _start(self) -> tuple[str, tuple[float, local.Named, local.Named, local.Named]]:
        """Start the actors; wait until each has loaded the model. Returns the model's name and
        the report's threshold."""
        ray = self.ray
        cpus = float(ray.cluster_resources().get("CPU", 1.0))
        n = self.n_actors or max(1, int(cpus // self.threads))
        # Every actor fits: more actors than CPUs share them (oversubscribed), as asked.
        per_actor = min(float(self.threads), cpus / n)
        files = ray.put(model_files(self.model_dir))
        self._remote = ray.remote(Scorer).options(num_cpus=per_actor, max_restarts=0)
        self._model_ref = files
        t0 = time.perf_counter()
        handles = [self._remote.remote(files, self.threads, self.options) for _ in range(n)]
        try:
            described = ray.get([h.describe.remote() for h in handles])
        except ray.exceptions.RayError as exc:
            raise RayScanError(f"the Ray actors could not load the model: {cause(exc)}") from exc
        self._actors = [_Actor(h, pid, node) for h, (_, _, pid, node) in zip(handles, described)]
        self.stats.actors = n
        self.stats.startup_seconds = time.perf_counter() - t0
        name, thresholds, _, _ = described[0]
        return name, thresholds

    def _stop(self) -> None:
        for actor in self._actors:
            if actor.alive:
                self.ray.kill(actor.handle)
        self._actors = []

    def _reports(self, total: int) -> Iterator[FileReport]:
        """The file reports in the order of a local scan, as the chunks come back."""
        ray = self.ray
        start = time.perf_counter()
        while True:
            self._dispatch()
            yield from self._emit(total, start)
            if not self._in_flight:
                break
            ready, _ = ray.wait(list(self._in_flight), num_returns=1)
            for ref in ready:
                self._collect(ref)
        self.stats.seconds = time.perf_counter() - start
        if self._chunks:  # cannot happen: every chunk is reported or re-queued
            raise RayScanError(f"{len(self._chunks)} chunks were never reported")

    def _explain(self, files: list[FileReport]) -> None:
        """`explain_top`: explain the scan's most probable flagged spans on the actors, in place
        in `files`, as a local scan does at its end. One that cannot be explained (its actor
        lost) stays without an explanation, as a local failure does."""
        live = [a for a in self._actors if a.alive]
        if not self._pending or not live:
            return
        calls = [
            (p, live[i % len(live)].handle.explain.remote(p.text, p.result))
            for i, p in enumerate(self._pending)
        ]
        for p, ref in calls:
            try:
                why = self.ray.get(ref)
            except self.ray.exceptions.RayError:
                why = None
            scoring.put_explanation(files, p, why)

    def _dispatch(self) -> None:
        """Give every live actor work, one task each per round, up to `IN_FLIGHT_PER_ACTOR`. A
        retry runs alone on its actor: if the actor dies again, no other task is blamed."""
        if not any(a.alive for a in self._actors):
            raise RayScanError("every Ray actor died; the scan cannot go on")
        for slot in range(IN_FLIGHT_PER_ACTOR):
            for actor in list(self._actors):
                if not actor.alive or actor.alone or actor.in_flight > slot:
                    continue
                if self._queue and actor.in_flight:
                    continue  # a retry waits for an idle actor
                task = self._next_task()
                if task is None:
                    return
                if self.on_dispatch is not None:
                    self.on_dispatch(actor.pid, [reading.display(i) for i in task.items])
                ref = actor.handle.score.remote(task.items)
                self._in_flight[ref] = (actor, task)
                actor.in_flight += 1
                actor.alone = task.failures > 0

    def _next_task(self) -> _Task | None:
        """A failed task first, else the next chunk read; chunks with nothing to score (every
        file skipped) are done at once."""
        if self._queue:
            return self._queue.popleft()
        for index, items in self._source:
            chunk = self._chunks[index] = _Chunk()
            if any(isinstance(i, Read) for i in items):
                self.stats.chunks += 1
                return _Task(index, (0,), items)
            chunk.pieces[(0,)] = [i for i in items if isinstance(i, FileReport)]
            chunk.waiting.clear()
        return None

    def _collect(self, ref: Any) -> None:
        """A task's outcome: its reports kept, or its failure handled."""
        actor, task = self._in_flight.pop(ref)
        actor.in_flight -= 1
        actor.alone = False
        errors = self.ray.exceptions
        try:
            reports, pending = self.ray.get(ref)
        except errors.RayActorError as exc:
            self._lost(actor)
            self._failed(task, cause(exc))
        except errors.RayError as exc:  # scoring raised, or the result was lost
            self._failed(task, cause(exc))
        else:
            chunk = self._chunks[task.index]
            chunk.pieces[task.part] = reports
            chunk.pending[task.part] = pending
            chunk.waiting.discard(task.part)

    def _lost(self, actor: _Actor) -> None:
        """An actor died: replace it (up to once per actor asked for, and twice more)."""
        if not actor.alive:
            return  # its other tasks failing too
        actor.alive = False
        self.stats.actors_lost += 1
        self._actors.remove(actor)
        self.ray.kill(actor.handle)
        if self._replacements >= self.stats.actors + 2:
            return
        self._replacements += 1
        handle = self._remote.remote(self._model_ref, self.threads, self.options)
        try:
            _, _, pid, node = self.ray.get(handle.describe.remote())
        except self.ray.exceptions.RayError:
            return  # the cluster cannot start another: the others carry on
        self._actors.append(_Actor(handle, pid, node))

    def _failed(self, task: _Task, why: str) -> None:
        """Re-queue a failed task whole once; then split it into its files; a file that fails
        on its own a second time becomes an error report."""
        task.failures += 1
        chunk = self._chunks[task.index]
        reads = [i for i in task.items if isinstance(i, Read)]
        if task.failures < 2:
            self.stats.chunks_requeued += 1
            self._queue.appendleft(task)  # first: every later chunk waits for it
            return
        chunk.waiting.discard(task.part)
        if len(reads) == 1 and len(task.items) == 1:
            read = reads[0]
            self.stats.files_failed += 1
            error = f"scoring failed twice ({why})"
            chunk.pieces[task.part] = [
                FileReport(read.candidate.display, read.language, None, error)
            ]
            return
        for j, item in enumerate(task.items):
            part = (*task.part, j)
            if isinstance(item, FileReport):
                chunk.pieces[part] = [item]
                continue
            chunk.waiting.add(part)
            self._queue.append(_Task(task.index, part, [item], failures=1))

    def _emit(self, total: int, start: float) -> Iterator[FileReport]:
        """The chunks that are complete, from the next one to report on, in order."""
        while self._next in self._chunks and not self._chunks[self._next].waiting:
            chunk = self._chunks.pop(self._next)
            self._next += 1
            for part in sorted(chunk.pieces):
                self._keep_pending(chunk.pending.get(part, []), self.stats.files)
                for report in chunk.pieces[part]:
                    self.stats.files += 1
                    self.stats.spans += len(report.spans)
                    yield report
            if self.progress is not None:
                seconds = time.perf_counter() - start
                self.progress(self.stats.files, total, self.stats.spans, seconds)

    def _keep_pending(self, pending: list[Pending], first: int) -> None:
        """Add a piece's pending spans (their file indices counted from `first`, the scan's
        index of the piece's first file) and keep only the `explain_top` most probable."""
        if not pending or self.options.explain_top is None:
            return
        moved = [replace(p, file=p.file + first) for p in pending]
        self._pending = scoring.most_probable(self._pending + moved, self.options.explain_top)


def run(
    paths: list[Path],
    model_dir: Path,
    options: ScanOptions,
    *,
    address: str | None = None,
    num_cpus: int | None = None,
    labels: dict[Path, str] | None = None,
    **kwargs: Any,
) -> tuple[ScanReport, bool, RayStats]:
    """`scan.local.run` on Ray: connect (or start a local cluster of `num_cpus`), scan, and shut
    down what this call started. `kwargs` go to `RayScan` (actors, threads, chunk_files,
    progress, on_dispatch)."""
    started = connect(address, num_cpus=num_cpus)
    try:
        job = RayScan(model_dir, options, **kwargs)
        report, missing = job.run(paths, labels)
        return report, missing, job.stats
    finally:
        if started:
            with sigint_held():  # a second Ctrl-C does not cut the shutdown short
                import_ray().shutdown()
