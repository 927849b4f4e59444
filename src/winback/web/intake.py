"""Group commit for the webhook intake: events that arrive together are stored in one
transaction, and each request is answered once its event is committed.

A commit is the costly part of storing an event (a WAL sync on SQLite, a round trip and a
sync on PostgreSQL). Under load, requests queue while one batch commits; the next batch takes
them all at once, so the number of commits follows the load instead of the requests, and no
request is answered before its event is durable. A batch the database refuses (one event it
cannot hold) is stored again event by event, so only the refused one fails (a 500, which
the sender retries) and the others are stored and answered.

With ``writers`` above one (PostgreSQL: several connections write at once), a batch is sent
while another waits for its commit (the server's WAL flush): the commits overlap instead of
queueing one behind the other. SQLite has one writer at a time: one batch at a time.

The writer may hold connections between batches (PostgreSQL: one round trip per batch, no
pool checkout and ping): the intake keeps it while events keep coming and calls
``release`` once none came for ``linger`` seconds, and when its event loop stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from fastapi.concurrency import run_in_threadpool

from winback.store.types import InboxEvent

__all__ = ["Intake"]

Store = Callable[[Sequence[tuple[int, InboxEvent]]], list[bool]]


class Intake:
    """Queues events and stores them in batches with ``store`` (run in a thread), up to
    ``writers`` batches at a time."""

    def __init__(
        self,
        store: Store,
        *,
        max_batch: int = 256,
        release: Callable[[], None] | None = None,
        linger: float = 1.0,
        writers: int = 1,
    ) -> None:
        self._store = store
        self._max_batch = max_batch
        self._release = release
        self._linger = linger if release is not None else 0.0
        self._writers = writers
        self._waiting: list[tuple[int, InboxEvent, asyncio.Future[bool]]] = []
        self._arrived = asyncio.Event()
        self._flushers: set[asyncio.Task[None]] = set()

    async def put(self, store_id: int, event: InboxEvent) -> bool:
        """Store ``event``; ``True`` when it was new, once it is committed."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((store_id, event, future))
        self._arrived.set()
        if len(self._flushers) < self._writers:
            flusher = asyncio.create_task(self._flush())
            self._flushers.add(flusher)
            flusher.add_done_callback(self._flushers.discard)
        return await future

    async def _flush(self) -> None:
        try:
            while True:
                while self._waiting:
                    await self._store_batch()
                self._arrived.clear()
                if self._linger <= 0:
                    return
                try:
                    await asyncio.wait_for(self._arrived.wait(), self._linger)
                except TimeoutError:
                    if not self._waiting:
                        return
        finally:
            # No await from the last look at the queue to here: an event put after it
            # finds this task done and starts another flusher.
            if self._release is not None:
                self._release()

    async def _store_batch(self) -> None:
        batch = self._waiting[: self._max_batch]
        del self._waiting[: self._max_batch]
        try:
            stored = await run_in_threadpool(
                self._store, [(store_id, event) for store_id, event, _ in batch]
            )
        except Exception as error:
            if len(batch) == 1:  # its request gets the error (a 500)
                _settle(batch[0][2], error=error)
                return
            # The database refused the batch, maybe for one event alone: each is stored on
            # its own, so only the one refused is answered with the error.
            for store_id, event, future in batch:
                try:
                    alone = await run_in_threadpool(self._store, [(store_id, event)])
                except Exception as error:
                    _settle(future, error=error)
                else:
                    _settle(future, alone[0])
            return
        for (_, _, future), new in zip(batch, stored, strict=True):
            _settle(future, new)


def _settle(
    future: asyncio.Future[bool], new: bool = False, *, error: Exception | None = None
) -> None:
    if future.done():  # its request was cancelled (the client went away)
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(new)
