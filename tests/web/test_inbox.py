"""The inbox table: one multi-row insert stores each key once, and says which were new."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import DBAPIError

from winback.store import repo
from winback.store import webhooks as inbox
from winback.store.schema import webhook_events

NOW = datetime(2024, 3, 1, tzinfo=UTC)


def event(key: str) -> inbox.InboxEvent:
    return inbox.InboxEvent("shopify", key, "orders/create", "order", "1", NOW, None, NOW, "{}")


def test_a_batch_stores_each_key_once_and_says_which_were_new(engine: Engine) -> None:
    with engine.begin() as conn:
        store = repo.ensure_store(
            conn, name="s", platform="shopify", timezone="UTC", currency="USD"
        )
        assert inbox.store_events(conn, [(store, event("a"))], now=NOW) == [True]
        answers = inbox.store_events(
            conn,
            [(store, event("b")), (store, event("a")), (store, event("b")), (store, event("c"))],
            now=NOW,
        )
        count = conn.scalar(select(func.count()).select_from(webhook_events))
    assert answers == [True, False, False, True]
    assert count == 3


def test_the_intake_writer_commits_each_batch_and_a_failed_batch_stores_nothing(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        store = repo.ensure_store(
            conn, name="s", platform="shopify", timezone="UTC", currency="USD"
        )
    writer = inbox.BatchWriter(engine)
    try:
        assert writer.store([(store, event("a")), (store, event("b"))], now=NOW) == [True, True]
        with engine.connect() as other:  # another connection sees them: committed
            assert other.scalar(select(func.count()).select_from(webhook_events)) == 2
        with pytest.raises(DBAPIError):  # no such store: the whole batch is refused
            writer.store([(store, event("c")), (store + 999, event("d"))], now=NOW)
        assert writer.store([(store, event("c")), (store, event("a"))], now=NOW) == [True, False]
        with engine.connect() as other:
            keys = other.scalars(select(webhook_events.c.event_key)).all()
        assert sorted(keys) == ["a", "b", "c"]
    finally:
        writer.close()
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_batch_larger_than_one_statement_is_stored_whole_each_key_once(engine: Engine) -> None:
    with engine.begin() as conn:
        store = repo.ensure_store(
            conn, name="s", platform="shopify", timezone="UTC", currency="USD"
        )
    size = inbox.ROWS_PER_STATEMENT * 2 + 3
    keys = [f"k{n}" for n in range(size)]
    writer = inbox.BatchWriter(engine)
    try:
        first = writer.store([(store, event(key)) for key in keys[:5]], now=NOW)
        answers = writer.store([(store, event(key)) for key in [*keys, "k7"]], now=NOW)
    finally:
        writer.close()
    assert first == [True] * 5
    assert answers == [False] * 5 + [True] * (size - 5) + [False]
    with engine.connect() as conn:
        stored = conn.execute(select(webhook_events.c.event_key, webhook_events.c.received_at))
        found = {key: at for key, at in stored}
    assert sorted(found) == sorted(keys) and set(found.values()) == {NOW}
