"""The background applier of ``winback serve``: applies the webhook inbox to the store.

A webhook request only stores its event and wakes the applier; the applier applies every
pending event (:func:`winback.services.webhooks.apply_pending`) in its own thread, so
Shopify's 5-second answer budget never waits for the store. It also runs every
``interval`` in case a wake-up was missed (an event stored by another worker process).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Final

__all__ = ["InboxApplier"]

log = logging.getLogger("winback.web.applier")
DEFAULT_INTERVAL: Final = 5.0


class InboxApplier:
    """Runs ``apply`` in a daemon thread when woken, and every ``interval`` seconds."""

    def __init__(self, apply: Callable[[], object], *, interval: float = DEFAULT_INTERVAL) -> None:
        self._apply = apply
        self._interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="winback-inbox", daemon=True)
            self._thread.start()

    def wake(self) -> None:
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
            try:
                self._apply()
            except Exception:  # a bad batch must not stop the applier; it is logged
                log.exception("applying the webhook inbox failed; retrying later")
