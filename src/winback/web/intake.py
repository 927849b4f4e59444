"""Group commit for the webhook intake: events that arrive together are stored in one
transaction, and each request is answered once its event is committed.

A commit is the costly part of storing an event (a WAL sync on SQLite, a round trip and a
sync on PostgreSQL). Under load, requests queue while one batch commits; the next batch takes
them all at once, so the number of commits follows the load instead of the requests, and no
request is answered before its event is durable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from fastapi.concurrency import run_in_threadpool

from winback.store.types import InboxEvent

__all__ = ["Intake"]

Store = Callable[[Sequence[tuple[int, InboxEvent]]], list[bool]]


class Intake:
    """Queues events and stores them in batches with ``store`` (run in a thread)."""

    def __init__(self, store: Store, *, max_batch: int = 256) -> None:
        self._store = store
        self._max_batch = max_batch
        self._waiting: list[tuple[int, InboxEvent, asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def put(self, store_id: int, event: InboxEvent) -> bool:
        """Store ``event``; ``True`` when it was new, once it is committed."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((store_id, event, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._waiting:
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
            try:
                stored = await run_in_threadpool(
                    self._store, [(store_id, event) for store_id, event, _ in batch]
                )
            except Exception as error:  # every request of the batch gets the error (a 500)
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, _, future), new in zip(batch, stored, strict=True):
                if not future.done():
                    future.set_result(new)
