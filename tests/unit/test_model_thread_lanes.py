"""The server's model thread (`lsp.model_thread`) and the engine's checkpoints, with the real
engine and onnxruntime: work a person waits for runs inside a long job, at its checkpoints; a job
whose result is no longer wanted stops there, and what it scored stays in the cache; an idle thread
gives the scorer's arena back."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from codeorigin.engine.scoring import CHUNK, Engine
from codeorigin.lsp import memory, model_thread
from codeorigin.lsp.model_thread import ModelThread, Superseded
from codeorigin.model.scorer import Model

WAIT = 30.0


def test_interactive_work_runs_at_a_long_jobs_checkpoint() -> None:
    thread = ModelThread()
    began, asked = threading.Event(), threading.Event()
    order: list[str] = []

    def long_job() -> None:
        order.append("long job begins")
        began.set()
        assert asked.wait(WAIT)
        thread.checkpoint()
        order.append("long job ends")

    first = thread.submit(long_job)
    queued = thread.submit(order.append, "background job queued before the hover")
    assert began.wait(WAIT)
    hover = thread.interactive.submit(order.append, "hover")
    asked.set()
    hover.result(WAIT), first.result(WAIT), queued.result(WAIT)
    assert order == [
        "long job begins",
        "hover",
        "long job ends",
        "background job queued before the hover",
    ]
    thread.shutdown()


def test_interactive_work_goes_before_queued_background_work() -> None:
    thread = ModelThread()
    gate = threading.Event()
    order: list[str] = []
    busy = thread.submit(gate.wait, WAIT)
    later = [thread.submit(order.append, f"scoring {k}") for k in range(3)]
    now = thread.interactive.submit(order.append, "explain")
    gate.set()
    for future in [busy, now, *later]:
        future.result(WAIT)
    assert order == ["explain", "scoring 0", "scoring 1", "scoring 2"]
    thread.shutdown()


def test_a_job_nobody_wants_stops_at_its_checkpoint_and_shutdown_cancels_the_queue() -> None:
    thread = ModelThread()
    began, gate = threading.Event(), threading.Event()

    def unwanted() -> str:
        began.set()
        gate.wait(WAIT)
        thread.checkpoint(lambda: False)
        return "finished anyway"

    job = thread.submit(unwanted)
    queued = thread.submit(str, "never runs")
    assert began.wait(WAIT)
    thread.shutdown(wait=False, cancel_futures=True)
    gate.set()
    with pytest.raises(Superseded):
        job.result(WAIT)
    assert queued.cancelled()
    with pytest.raises(RuntimeError, match="after shutdown"):
        thread.submit(str, "too late")


def _document(n: int) -> str:
    return "".join(
        f"def f_{k}(values, scale):\n"
        f"    total = {k}\n"
        "    for item in values:\n"
        f"        total += item * scale - {k * 3}\n"
        f"    return total, 'f {k}'\n\n\n"
        for k in range(n)
    )


def test_a_stopped_document_keeps_what_it_scored(tiny_model_dir: Path) -> None:
    engine = Engine(Model.load(tiny_model_dir))
    text = _document(3 * CHUNK)
    calls = 0

    def stop_after_a_chunk() -> None:
        nonlocal calls
        calls += 1
        if engine.stats.spans_scored >= CHUNK:
            raise Superseded

    with pytest.raises(Superseded):
        engine.analyze(text, "python", between=stop_after_a_chunk)
    assert calls > 0 and engine.stats.spans_scored == CHUNK
    results = engine.analyze(text, "python")
    judged = [r for r in results if r.probability is not None]
    assert len(judged) == 3 * CHUNK
    assert engine.stats.spans_scored == 3 * CHUNK  # no function scored twice
    # The same scores as an uninterrupted run.
    fresh = Engine(Model.load(tiny_model_dir)).analyze(text, "python")
    assert [r.probability for r in results] == [r.probability for r in fresh]


@pytest.mark.skipif(not memory.release(), reason="counts releases where glibc's malloc_trim is")
def test_an_idle_model_thread_gives_the_arena_back_and_scores_stay_the_same(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The scorer's arena kept the largest batch's buffers (about 100 MB with the shipped model)
    # for the server's life; a model thread idle for ARENA_IDLE_S now gives them back.
    monkeypatch.setattr(model_thread, "ARENA_IDLE_S", 0.2)
    model = Model.load(tiny_model_dir)
    memory.track_arena(model)
    text = _document(2 * CHUNK)
    thread = ModelThread()
    before = memory.releases
    first = thread.submit(Engine(model).analyze, text, "python").result(WAIT)
    # Twice: the allocator's free pages when the work ends, the arena's 0.2 s later.
    for _ in range(int(WAIT / 0.05)):
        if memory.releases >= before + 2:
            break
        time.sleep(0.05)
    assert memory.releases == before + 2
    again = thread.submit(Engine(model).analyze, text, "python").result(WAIT)
    assert [r.probability for r in again] == [r.probability for r in first]
    assert all(r.probability is not None for r in again)
    thread.shutdown()
