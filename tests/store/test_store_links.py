"""Single-use links: the first consume wins, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from winback.store.links import consume
from winback.store.schema import used_links

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def test_a_token_is_consumed_once_and_a_replay_gets_false(engine: Engine) -> None:
    with engine.begin() as conn:
        assert consume(conn, "tok-1", NOW) is True
    with engine.begin() as conn:
        assert consume(conn, "tok-1", NOW) is False
        assert consume(conn, "tok-2", NOW) is True
    with engine.connect() as conn:
        rows = conn.execute(select(used_links).order_by(used_links.c.token_id)).all()
    assert [(row.token_id, row.used_at) for row in rows] == [("tok-1", NOW), ("tok-2", NOW)]


def test_a_replay_does_not_abort_the_callers_transaction(engine: Engine) -> None:
    with engine.begin() as conn:
        consume(conn, "tok-1", NOW)
        assert consume(conn, "tok-1", NOW) is False
        assert consume(conn, "tok-3", NOW) is True
    with engine.connect() as conn:
        assert conn.execute(select(used_links.c.token_id)).scalars().all().count("tok-3") == 1
