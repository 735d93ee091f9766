"""Giving freed memory back to the system when the server's worker threads fall idle.

A forward pass and, far more, an Integrated Gradients backward pass allocate large buffers and free
them when they end. glibc's allocator keeps what is freed in its heaps for the next allocation, and
with buffers of every size (each span has its own length) across three threads (the event loop,
the model thread and the explanation thread) those heaps fragment: over a day of hovers and inlay
hints the server's resident memory climbed past its 500 MB budget (737 MB after 320 files with
explanations) although Python held under 80 MB of it. `malloc_trim(0)` hands the free pages back;
the model thread calls `release` when its queue runs empty after some work, and the explanation
thread after each explanation (it may be busy for minutes with explanations computed ahead; a
release costs milliseconds, an explanation hundreds). Elsewhere than glibc it does nothing.

The scorer's onnxruntime session keeps its own arena, which glibc cannot trim: it holds the buffers
of the largest batch scored so far (about 100 MB for 16 windows of 256 tokens) for the server's
life. Once the model thread has been idle for `scorer.ARENA_IDLE_S`, its release also has
the models it scores (`track_arena`) hand their arenas back first, so edits and hovers in a row
keep them; the explanation thread's release does not, as the scorer may be busy then.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
import threading
import time
import weakref
from typing import Any

log = logging.getLogger(__name__)

_lock = threading.Lock()
_trim: Any = None  # glibc's malloc_trim, once looked up; False where there is none
releases = 0  # how many times memory was handed back (`codeorigin.status` shows it)
release_seconds = 0.0  # the time it took, in all
_arenas: weakref.WeakSet[Any] = weakref.WeakSet()  # models whose `release_arena` the release calls


def _malloc_trim() -> Any:
    global _trim
    if _trim is None:
        _trim = False
        if sys.platform.startswith("linux"):
            try:
                libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                _trim = libc.malloc_trim
                _trim.argtypes = [ctypes.c_size_t]
                _trim.restype = ctypes.c_int
            except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
                _trim = False
    return _trim


def track_arena(owner: Any) -> None:
    """Have `release(arenas=True)` call `owner.release_arena()` for as long as `owner` lives."""
    _arenas.add(owner)


def release(*, arenas: bool = False) -> bool:
    """Hand the allocator's free pages back to the system, and with `arenas` the tracked models'
    arenas first (on the thread that runs their forward passes); whether it could trim."""
    global releases, release_seconds
    trim = _malloc_trim()
    with _lock:
        began = time.perf_counter()
        for owner in list(_arenas) if arenas else ():
            try:
                owner.release_arena()
            except Exception:  # onnxruntime's own errors: the memory stays, the worker goes on
                log.exception("could not release the arena of %r", owner)
        if trim:
            trim(0)
            releases += 1
        release_seconds += time.perf_counter() - began
    return bool(trim)


def resident_bytes() -> int | None:
    """The process's resident memory now (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    import resource

    return pages * resource.getpagesize()
