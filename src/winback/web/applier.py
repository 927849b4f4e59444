"""The background work of ``winback serve``: apply the webhook inbox, and keep the
dashboard's panels fresh.

A webhook request only stores its event and wakes the worker; the worker applies every
pending event (:func:`winback.services.webhooks.apply_pending`) in its own thread, so
Shopify's 5-second answer budget never waits for the store. Stores whose orders changed (by
webhooks, or by an agent recording a task outcome) get their panels recomputed
(:func:`winback.services.dashboard.refresh_aggregates`), at most once per
``refresh_every`` seconds each. The worker also runs every ``interval`` seconds in case a
wake-up was missed (an event stored by another worker process).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Final

__all__ = ["InboxApplier"]

log = logging.getLogger("winback.web.applier")
DEFAULT_INTERVAL: Final = 5.0


class InboxApplier:
    """Runs ``apply`` (which names the stores it changed) when woken and every
    ``interval`` seconds, then ``refresh`` for each changed store."""

    def __init__(
        self,
        apply: Callable[[], Iterable[str]],
        refresh: Callable[[str], object],
        *,
        interval: float = DEFAULT_INTERVAL,
        refresh_every: float = 60.0,
    ) -> None:
        self._apply = apply
        self._refresh = refresh
        self._interval = interval
        self._refresh_every = refresh_every
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._stale: set[str] = set()
        self._refreshed: dict[str, float] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="winback-inbox", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stale(self, store: str) -> None:
        """The store's figures changed: refresh its panels soon."""
        with self._lock:
            self._stale.add(store)
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            self._step()

    def _step(self) -> None:
        try:
            changed = list(self._apply())
        except Exception:  # a bad batch must not stop the worker; it is logged
            log.exception("applying the webhook inbox failed; retrying later")
            changed = []
        with self._lock:
            self._stale.update(changed)
            due = [s for s in self._stale if self._due(s)]
            self._stale.difference_update(due)
        for store in due:
            try:
                self._refresh(store)
                self._refreshed[store] = time.monotonic()
            except Exception:
                log.exception("refreshing the dashboard of %s failed", store)
        if self._stale:  # come back when the next refresh is allowed
            threading.Timer(self._refresh_every, self._wake.set).start()

    def _due(self, store: str) -> bool:
        last = self._refreshed.get(store)
        return last is None or time.monotonic() - last >= self._refresh_every
