"""Several workers claiming at once never claim the same action (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import Engine
from store_factories import new_store

from winback.store import outbox
from winback.store.outbox_engine import Outbox
from winback.testing import DEFAULT_NOW, planned_action

ACTIONS = 400
WORKERS = 4


def test_concurrent_workers_claim_every_due_action_exactly_once(engine: Engine) -> None:
    with engine.begin() as conn:
        store = new_store(conn)
        outbox.enqueue(
            conn, [planned_action(store, str(n)) for n in range(ACTIONS)], now=DEFAULT_NOW
        )
    claimed: dict[str, list[int]] = {f"w{n}": [] for n in range(WORKERS)}
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def work(name: str) -> None:
        try:
            store_ = Outbox(engine)
            start.wait()
            first = True
            while batch := store_.claim(now=DEFAULT_NOW, limit=7, worker=name):
                claimed[name].extend(a.id for a in batch)
                assert {a.claimed_by for a in batch} == {name}
                if first:  # every worker holds a batch before any goes on: they interleave
                    start.wait()
                    first = False
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    counts = Counter(i for ids in claimed.values() for i in ids)
    assert len(counts) == ACTIONS
    assert max(counts.values()) == 1
    assert all(claimed.values()), "every worker claimed some"
    with engine.connect() as conn:
        assert outbox.count_by_status(conn) == {"sending": ACTIONS}
