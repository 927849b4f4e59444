"""``winback serve``'s worker process: applies the webhook inbox and refreshes the
dashboard's panels, beside the web process(es).

The web process only verifies and stores webhooks; applying them (parsing, folding, writing
orders) is CPU work that would otherwise share the web process's interpreter lock with the
requests. So ``winback serve`` starts one worker process for every web worker: it polls the
inbox every second, applies what arrived, and refreshes the panels of the stores that
webhooks or recorded task outcomes changed (at most once per ``web.refresh_interval`` each).
It runs at a lower priority than the web process (``nice`` 10): under a burst the requests
get the CPU and the events wait, durable, in the inbox; it stops when the server stops (or
its parent disappears).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Final

from winback.app import App
from winback.config import load_settings
from winback.services import dashboard, webhooks
from winback.web.applier import InboxApplier

__all__ = ["changed_stores", "run_worker", "start_worker"]

log = logging.getLogger("winback.web.worker")
POLL_SECONDS: Final = 1.0
WORKER_NICENESS: Final = 10
APPLY_BATCH: Final = 100
"""Resources applied per transaction (PostgreSQL)."""
SQLITE_APPLY_BATCH: Final = 20
"""Resources applied per transaction on SQLite: short write transactions, so the intake's
group commits never wait long for its one write lock (this process is niced: on a busy
machine a long transaction holds the lock for many times its CPU time). With 100, the
intake waited 5.2 s of a 10 s burst for the lock, up to 0.37 s at once; with 20, 3.5 s and
0.23 s."""


def changed_stores(app: App) -> list[str]:
    """Apply the inbox; the stores whose figures changed (events applied, or outcomes
    recorded since their panels were computed)."""
    sqlite = app.engine.dialect.name == "sqlite"
    batch = SQLITE_APPLY_BATCH if sqlite else APPLY_BATCH
    applied = webhooks.apply_pending(app, batch=batch).stores
    return list(dict.fromkeys((*applied, *dashboard.stale_stores(app))))


def start_worker(config: Path | None, database_url: str, cwd: Path) -> BaseProcess:
    """Start the worker process (spawned: it imports winback afresh)."""
    process = multiprocessing.get_context("spawn").Process(
        target=run_worker,
        args=(str(config) if config else None, database_url, str(cwd), os.getpid()),
        name="winback-worker",
        daemon=True,
    )
    process.start()
    return process


def run_worker(config: str | None, database_url: str, cwd: str, parent: int) -> None:
    """The worker process's body: the applier loop until SIGTERM or the parent is gone."""
    os.chdir(cwd)
    os.nice(WORKER_NICENESS)  # the requests come first; the inbox is durable and can wait
    settings = load_settings(
        Path(config) if config else None, overrides={"database": {"url": database_url}}
    )
    app = App.open(settings, cwd=Path(cwd))
    applier = InboxApplier(
        lambda: changed_stores(app),
        lambda store: dashboard.refresh_aggregates(app, store),
        interval=POLL_SECONDS,
        refresh_every=settings.web.refresh_interval.total_seconds(),
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    applier.start()
    try:
        while not stop.wait(POLL_SECONDS):
            if os.getppid() != parent:  # the server died without stopping us
                break
    finally:
        applier.stop()
        app.close()
