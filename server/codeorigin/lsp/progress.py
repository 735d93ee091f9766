"""`window/workDoneProgress` for slow work: loading a model, scoring a large document.

Progress is shown only when the client supports server-initiated progress, and scoring only gets a
progress bar once it has run for `LONG_SECONDS`, so ordinary edits do not flash one.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import TypeVar

from lsprotocol import types

from codeorigin.lsp.host import Host

log = logging.getLogger(__name__)
T = TypeVar("T")

LONG_SECONDS = 1.0
CREATE_TIMEOUT = 5.0


@asynccontextmanager
async def work_done(ls: Host, title: str, message: str | None = None) -> AsyncIterator[None]:
    """Show a progress bar around a block of work, if the client supports it."""
    token: str | None = None
    if ls.client.work_done_progress:
        token = f"codeorigin-{uuid.uuid4()}"
        try:
            await asyncio.wait_for(ls.work_done_progress.create_async(token), CREATE_TIMEOUT)
            ls.work_done_progress.begin(
                token, types.WorkDoneProgressBegin(title=title, message=message, cancellable=False)
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a client that refuses the token still gets the work done
            log.debug("no progress bar for %r: %s", title, exc)
            token = None
    try:
        yield
    finally:
        if token is not None:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd())


async def with_progress_if_slow(
    ls: Host, work: Awaitable[T], title: str, message: str | None = None
) -> T:
    """Await `work`; if it takes longer than LONG_SECONDS, show progress until it ends."""
    future = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({future}, timeout=LONG_SECONDS)
    except asyncio.CancelledError:
        # `wait` leaves `work` running: cancelled with its waiter, its outcome (a `Superseded`
        # run) is dropped instead of logged as "Future exception was never retrieved".
        future.cancel()
        raise
    if done:
        return future.result()
    async with work_done(ls, title, message):
        return await future
