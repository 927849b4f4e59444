"""Applying the inbox beside the web intake: the applier folds its batch outside the write
transaction (SQLite's one write lock stays free for the intake's group commits meanwhile),
then checks under the lock that the batch's events are still what it read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shopify_stream import order_stream
from sqlalchemy import Engine, event
from webhook_helpers import deliver, shopify_app, store_dump

from winback.services import webhooks
from winback.store import webhooks as inbox
from winback.store.db import connect, migrate


def test_an_event_stored_while_the_applier_folded_is_folded_in_before_the_write(
    engine: Engine, tmp_path: Path
) -> None:
    app, store_id = shopify_app(engine, tmp_path)
    life = order_stream(1)
    assert len(life) > 1
    deliver(app, store_id, life[:1])
    arrived: list[int] = []

    def meanwhile(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # The applier's write transaction starts (after its fold): the rest of the order's
        # life arrives from another connection just before the applier takes its lock.
        starts = statement == "BEGIN IMMEDIATE" or "pg_advisory_xact_lock" in statement
        if starts and not arrived:
            arrived.append(0)  # once (the delivery's own BEGIN IMMEDIATE comes here too)
            arrived[0] = deliver(app, store_id, life[1:])

    event.listen(engine, "before_cursor_execute", meanwhile)
    try:
        report = webhooks.apply_pending(app)
    finally:
        event.remove(engine, "before_cursor_execute", meanwhile)
    assert arrived == [len(life) - 1]
    assert report.events == len(life)  # the late events were folded in, not left pending
    with engine.connect() as conn:
        assert inbox.counts_by_state(conn, store_id) == {"applied": len(life)}

    reference = connect(f"sqlite:///{tmp_path / 'reference.db'}")  # the same life, unhurried
    migrate(reference)
    calm, calm_id = shopify_app(reference, tmp_path)
    deliver(calm, calm_id, life)
    webhooks.apply_pending(calm)
    assert store_dump(engine) == store_dump(reference)
    reference.dispose()
