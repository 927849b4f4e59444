"""Large imports into PostgreSQL load without row-by-row foreign key checks (``Bulk.loading``):
the keys are dropped inside the import's transaction and added back, validated, before it ends.
A violation still fails the import; a table another session holds keeps its row checks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import IntegrityError
from store_factories import apply, new_store
from test_store_order_table import SHANGHAI, contents, report

from winback.ingest import taobao
from winback.store import _bulk
from winback.store._bulk import Bulk
from winback.store.schema import customers, order_events, order_lines, orders

TABLES = (customers, orders, order_lines, order_events)
ON_POSTGRES = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


def a_store(engine: Engine, name: str = "shop") -> int:
    with engine.begin() as conn:
        return new_store(conn, name)


def foreign_keys(conn: Connection) -> set[tuple[str, str, str]]:
    rows = conn.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid = ANY(CAST(:names AS regclass[]))"
        ),
        {"names": [t.name for t in TABLES]},
    )
    return {(table, name, definition) for table, name, definition in rows}


@pytest.fixture
def small_loads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Loads of 10 rows count as large, so a test can afford one."""
    monkeypatch.setattr(_bulk, "BULK_LOAD_ROWS", 10)
    yield


@ON_POSTGRES
@pytest.mark.usefixtures("small_loads")
def test_a_large_load_drops_the_keys_and_adds_back_the_same_ones(
    engine: Engine, tmp_path: Path
) -> None:
    store = a_store(engine)
    with engine.connect() as conn:
        before = foreign_keys(conn)
    assert len(before) == 5
    path = report(tmp_path, 1200)
    parsed = taobao.parse(path, tz=SHANGHAI, columnar=True)
    seen: list[set[tuple[str, str, str]]] = []
    real = Bulk.loading

    def spy(self: Bulk, *args: object, **kwargs: object) -> object:
        manager = real(self, *args, **kwargs)  # type: ignore[arg-type]
        return _Observed(manager, self.conn, seen)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Bulk, "loading", spy)
        apply(engine, store, list(parsed.records), source_file=str(path))
    assert seen == [set()]  # inside the load, no key was checked row by row
    with engine.connect() as conn:
        assert foreign_keys(conn) == before
        assert conn.execute(select(func.count()).select_from(orders)).scalar() == 1200
    # The same file read row by row (keys checked per row) stores the same things.
    other = a_store(engine, "row by row")
    rows = taobao.parse(path, tz=SHANGHAI, columnar=False)
    apply(engine, other, list(rows.records), source_file=str(path))
    assert contents(engine, store) == contents(engine, other)


class _Observed:
    """Wraps ``Bulk.loading`` to record the foreign keys present inside the load."""

    def __init__(self, manager: object, conn: Connection, seen: list[object]) -> None:
        self.manager, self.conn, self.seen = manager, conn, seen

    def __enter__(self) -> bool:
        unchecked: bool = self.manager.__enter__()  # type: ignore[attr-defined]
        self.seen.append(foreign_keys(self.conn))
        return unchecked

    def __exit__(self, *exc: object) -> object:
        return self.manager.__exit__(*exc)  # type: ignore[attr-defined]


@ON_POSTGRES
@pytest.mark.usefixtures("small_loads")
def test_a_row_breaking_a_key_fails_the_load_and_the_keys_survive(engine: Engine) -> None:
    store = a_store(engine)
    with engine.connect() as conn:
        before = foreign_keys(conn)
    insert = text(
        "INSERT INTO orders (store_id, platform, order_id, customer_id, status, created_at, "
        "total_amount, shipping_fee, discount, refund_amount, currency, updated_at) VALUES "
        "(:store, 'taobao', '1', 424242, 'pending', now(), 100, 0, 0, 0, 'CNY', now())"
    )
    with (
        pytest.raises(IntegrityError, match="fk_orders_customer_id_customers"),
        engine.begin() as conn,
        Bulk(conn).loading(TABLES, 50, counted=orders) as unchecked,
    ):
        assert unchecked
        conn.execute(insert, {"store": store})
    with engine.connect() as conn:
        assert foreign_keys(conn) == before
        assert conn.execute(select(func.count()).select_from(orders)).scalar() == 0


@ON_POSTGRES
@pytest.mark.usefixtures("small_loads")
def test_a_table_held_by_another_session_keeps_its_row_checks(engine: Engine) -> None:
    a_store(engine)
    with engine.connect() as reader:
        reader.execute(text("BEGIN"))
        reader.execute(text("SELECT count(*) FROM orders"))  # holds ACCESS SHARE until rollback
        started = time.perf_counter()
        with engine.begin() as conn, Bulk(conn).loading(TABLES, 50, counted=orders) as unchecked:
            assert not unchecked
            assert foreign_keys(conn)
        assert time.perf_counter() - started < 30
        reader.execute(text("ROLLBACK"))


def test_small_loads_and_sqlite_keep_their_row_checks(engine: Engine) -> None:
    with engine.begin() as conn, Bulk(conn).loading(TABLES, 1000, counted=orders) as unchecked:
        assert not unchecked


@ON_POSTGRES
def test_ids_that_a_sequence_does_not_hand_out_in_a_row_are_taken_one_by_one(
    engine: Engine,
) -> None:
    """Another session taking values meanwhile leaves gaps; a sequence stepping by 2 does
    so every time, so the range check must fail and the ids be fetched."""
    with engine.begin() as conn:
        conn.execute(text("ALTER SEQUENCE orders_id_seq INCREMENT BY 2"))
        ids = Bulk(conn).allocate_ids(orders, 5)
        again = Bulk(conn).allocate_ids(orders, 3)
    assert isinstance(ids, list) and len(ids) == 5 == len(set(ids))
    assert ids == sorted(ids) and min(again) > max(ids) and len(again) == 3
