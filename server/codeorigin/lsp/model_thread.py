"""The server's model thread: one thread for the model's forward passes, in two lanes.

The machine has few cores and onnxruntime already uses `codeorigin.threads` of them, so the server
runs its forward passes on one thread. A document's analysis goes to the thread itself (the
background lane); work a person waits for (a hover, an explanation, a selection scored on command)
goes to `ModelThread.interactive`, which runs first. A long background job, such as a document of
thousands of functions, calls `checkpoint()` between two batches of forward passes: the interactive
work waiting runs there, and the job goes on. So a hover in one file waits for one batch of another
file's scoring, not for all of it.

`checkpoint(still_wanted)` also stops a background job whose result nobody will use (its document
changed or closed): it raises `Superseded`, and what the job finished before stays in the engine's
score cache for the run that replaces it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from codeorigin.lsp import memory
from codeorigin.model.scorer import ARENA_IDLE_S  # the models' arenas go back after this idle

INTERACTIVE = 0
BACKGROUND = 1


class Superseded(Exception):
    """A background job stopped at a checkpoint: its result is no longer wanted."""


_Job = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class ModelThread(Executor):
    """A one-thread executor with an interactive lane that runs before the background lane, and
    inside a background job at its checkpoints. `submit` queues background work."""

    def __init__(self, name: str = "codeorigin-model") -> None:
        self._name = name
        self._ready = threading.Condition()
        self._lanes: tuple[deque[_Job], deque[_Job]] = (deque(), deque())
        self._closed = False
        self._thread: threading.Thread | None = None
        self.interactive: Executor = _Lane(self, INTERACTIVE)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return self.put(BACKGROUND, fn, args, kwargs)

    def put(
        self, lane: int, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Future[Any]:
        future: Future[Any] = Future()
        with self._ready:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            self._lanes[lane].append((future, fn, args, kwargs))
            if self._thread is None:
                # A daemon: a forward pass still running when the server exits is abandoned.
                self._thread = threading.Thread(target=self._work, name=self._name, daemon=True)
                self._thread.start()
            self._ready.notify()
        return future

    def on_thread(self) -> bool:
        return self._thread is not None and threading.current_thread() is self._thread

    def checkpoint(self, still_wanted: Callable[[], bool] | None = None) -> None:
        """Between two batches of a background job, on the model thread: run the interactive
        work that waits, then raise `Superseded` if `still_wanted()` says the job's result will
        not be used. Elsewhere (another thread: `scan`, the bench) only the check is made."""
        while self.on_thread():
            with self._ready:
                if not self._lanes[INTERACTIVE]:
                    break
                job = self._lanes[INTERACTIVE].popleft()
            _run(job)
        if still_wanted is not None and not still_wanted():
            raise Superseded

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._ready:
            self._closed = True
            if cancel_futures:
                for lane in self._lanes:
                    while lane:
                        lane.popleft()[0].cancel()
            self._ready.notify_all()
        thread = self._thread
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join()

    def _pending(self) -> bool:
        return any(self._lanes) or self._closed

    def _work(self) -> None:
        worked = False  # since the allocator's free pages were last given back
        held = False  # since the models' arenas were last given back
        while True:
            with self._ready:
                if held and not worked:  # a pause in the work, or the end of it?
                    self._ready.wait_for(self._pending, ARENA_IDLE_S)
                idle = not self._pending()
            if idle and worked:  # the buffers of the work done go back to the system
                memory.release()
                worked = False
                continue
            if idle and held:  # idle for ARENA_IDLE_S: the arenas' buffers go back too
                memory.release(arenas=True)
                held = False
            with self._ready:
                while not self._pending():
                    self._ready.wait()
                lane = next((lane for lane in self._lanes if lane), None)
                if lane is None:  # closed, nothing left
                    return
                job = lane.popleft()
            _run(job)
            worked = held = True


class _Lane(Executor):
    """The interactive lane of a `ModelThread`, as an executor for `run_in_executor`."""

    def __init__(self, thread: ModelThread, lane: int) -> None:
        self._thread = thread
        self._lane = lane

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return self._thread.put(self._lane, fn, args, kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._thread.shutdown(wait, cancel_futures=cancel_futures)


def _run(job: _Job) -> None:
    future, fn, args, kwargs = job
    if not future.set_running_or_notify_cancel():
        return
    try:
        result = fn(*args, **kwargs)
    except BaseException as exc:  # as ThreadPoolExecutor: the caller sees it
        future.set_exception(exc)
    else:
        future.set_result(result)
