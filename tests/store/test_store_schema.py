"""The schema: migrations build exactly schema.py, and the money and time column types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Engine, Integer, MetaData, Table, insert, inspect, select
from sqlalchemy.exc import StatementError

from winback.store.db import alembic_config, connect, migrate
from winback.store.schema import (
    Money,
    UtcDateTime,
    from_epoch_us,
    from_minor_units,
    metadata,
    to_epoch_us,
    to_minor_units,
)


def test_the_migrated_schema_is_exactly_schema_py(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_migrating_twice_changes_nothing(engine: Engine) -> None:
    before = sorted(inspect(engine).get_table_names())
    migrate(engine)
    assert sorted(inspect(engine).get_table_names()) == before
    assert {"orders", "order_events", "order_lines", "customers", "imports"} <= set(before)


def test_a_fresh_database_migrates_from_nothing(database_url: str) -> None:
    engine = connect(database_url)
    try:
        migrate(engine)
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "amount",
    ["0.01", "0", "-0.01", "12.3", "99.99", "12345678901234.56", "-92233720368547.75"],
)
def test_money_converts_to_minor_units_and_back_exactly(amount: str) -> None:
    value = Decimal(amount)
    assert from_minor_units(to_minor_units(value)) == value
    assert from_minor_units(to_minor_units(value)).as_tuple().exponent == -2


@pytest.mark.parametrize("amount", ["0.001", "1.005", "NaN", "Infinity"])
def test_money_with_more_than_two_decimals_or_not_a_number_is_refused(amount: str) -> None:
    with pytest.raises(ValueError):
        to_minor_units(Decimal(amount))


def test_money_refuses_floats_and_bools() -> None:
    with pytest.raises(TypeError, match="float"):
        to_minor_units(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        to_minor_units(True)


def test_trailing_zeros_beyond_two_places_are_not_extra_precision() -> None:
    assert to_minor_units(Decimal("1.230")) == 123


def test_instants_are_microseconds_since_the_epoch_and_refuse_naive_datetimes() -> None:
    shanghai = timezone(timedelta(hours=8))
    moment = datetime(2024, 3, 1, 10, 0, 0, 123456, tzinfo=shanghai)
    assert from_epoch_us(to_epoch_us(moment)) == moment
    assert from_epoch_us(to_epoch_us(moment)).tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        to_epoch_us(datetime(2024, 3, 1, 10, 0))


@pytest.fixture
def probe(engine: Engine) -> Table:
    """A scratch table with one column of each store type."""
    table = Table(
        "type_probe",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("amount", Money()),
        Column("at", UtcDateTime()),
    )
    table.create(engine)
    return table


def test_money_survives_the_database_exactly(engine: Engine, probe: Table) -> None:
    amounts = [Decimal("0.01"), Decimal("12345678901234.56"), Decimal("-5.10"), None]
    with engine.begin() as conn:
        conn.execute(insert(probe), [{"amount": a} for a in amounts])
        stored = conn.execute(select(probe.c.amount).order_by(probe.c.id)).scalars().all()
    assert stored == amounts
    assert [str(a) for a in stored[:3]] == ["0.01", "12345678901234.56", "-5.10"]


def test_the_money_column_refuses_three_decimals(engine: Engine, probe: Table) -> None:
    with engine.begin() as conn, pytest.raises(StatementError, match="more than 2 decimal"):
        conn.execute(insert(probe).values(amount=Decimal("1.001")))


def test_timestamps_come_back_as_the_same_instant_in_utc(engine: Engine, probe: Table) -> None:
    moment = datetime(2024, 3, 1, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=8)))
    with engine.begin() as conn:
        conn.execute(insert(probe).values(at=moment))
        stored = conn.execute(select(probe.c.at)).scalar_one()
    assert stored == moment
    assert stored.utcoffset() == timedelta(0)
    assert stored == datetime(2024, 3, 1, 15, 59, 59, 999999, tzinfo=UTC)


def test_the_timestamp_column_refuses_naive_datetimes(engine: Engine, probe: Table) -> None:
    with engine.begin() as conn, pytest.raises(StatementError, match="naive"):
        conn.execute(insert(probe).values(at=datetime(2024, 3, 1)))


def test_timestamps_compare_in_sql_by_instant(engine: Engine, probe: Table) -> None:
    early = datetime(2024, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))  # 01:00 UTC
    late = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(probe), [{"id": 1, "at": late}, {"id": 2, "at": early}])
        first = conn.execute(select(probe.c.id).order_by(probe.c.at)).scalars().first()
        after = conn.execute(select(probe.c.id).where(probe.c.at > early)).scalars().all()
    assert first == 2
    assert after == [1]
