"""Single-use links: the first consume wins, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from winback.store.links import consume, forget_expired
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


def test_expired_links_are_forgotten_and_live_ones_kept(engine: Engine) -> None:
    with engine.begin() as conn:
        consume(conn, "old", NOW, expires_at=NOW + timedelta(days=1))
        consume(conn, "live", NOW, expires_at=NOW + timedelta(days=7))
        consume(conn, "forever", NOW)
    with engine.begin() as conn:
        assert forget_expired(conn, NOW + timedelta(days=2)) == 1
    with engine.connect() as conn:
        left = conn.execute(select(used_links.c.token_id).order_by(used_links.c.token_id))
        assert left.scalars().all() == ["forever", "live"]
