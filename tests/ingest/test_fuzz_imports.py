"""Fuzzing whole imports into a real database (issue 12, Proof): whatever file a reader is
given, :func:`winback.services.import_path` either stores it or raises one of winback's own
errors (:class:`~winback.errors.WinbackError`), and when it raises, the database is exactly
as it was: every row of every table and, on PostgreSQL, every sequence's position.

Every reader is driven (Taobao/Tmall orders and item reports, JD, Pinduoduo, Douyin, Shopify
orders and customers, WooCommerce CSV and JSON, generic orders and feedback), each file
written as CSV in several encodings, xlsx, an HTML "xls" or Parquet, with hostile cells,
spoilt headers and ragged rows (the strategies of test_fuzz_readers.py), or as random bytes.
The same database takes every example of a run, so later files meet the rows of earlier
ones (repeated ids with other data, moved statuses)."""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest
from hostile import GENERIC_MAPPING
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from test_fuzz_readers import ALL_LAYOUTS, FEEDBACK_MAPPING, FORMS, tables, woo_bodies, write

from winback.app import App
from winback.config import load_settings
from winback.errors import WinbackError
from winback.model import Platform
from winback.services import import_path
from winback.store.db import connect, migrate
from winback.store.schema import metadata
from winback.testing import FixedClock

NOW = datetime(2024, 3, 5, 12, tzinfo=UTC)
FUZZ = settings(
    max_examples=int(os.environ.get("WINBACK_FUZZ_IMPORT_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SETTINGS = """
default_store = "tb"
[stores.tb]
platform = "taobao"
[stores.jd]
platform = "jd"
[stores.pdd]
platform = "pdd"
[stores.dy]
platform = "douyin"
[stores.shop]
platform = "shopify"
currency = "USD"
timezone = "Asia/Shanghai"
[stores.woo]
platform = "woocommerce"
currency = "USD"
timezone = "Asia/Shanghai"
"""
# Each layout of test_fuzz_readers: the source it is imported as, the store, the mapping.
TARGETS: dict[str, tuple[Platform, str, str | None]] = {
    "taobao": (Platform.TAOBAO, "tb", None),
    "taobao_items": (Platform.TAOBAO, "tb", None),
    "jd": (Platform.JD, "jd", None),
    "pdd": (Platform.PDD, "pdd", None),
    "douyin": (Platform.DOUYIN, "dy", None),
    "shopify": (Platform.SHOPIFY, "shop", None),
    "shopify_customers": (Platform.SHOPIFY, "shop", None),
    "woocommerce": (Platform.WOOCOMMERCE, "woo", None),
    "generic": (Platform.GENERIC, "tb", GENERIC_MAPPING),
    "generic_feedback": (Platform.GENERIC, "tb", FEEDBACK_MAPPING),
}


@dataclass
class Tally:
    """What a run did, printed at the end of the module (the figures of docs/reliability.md
    are read from a run with ``-s``)."""

    stored: int = 0
    refused: int = 0
    reasons: Counter[str] = field(default_factory=Counter)


TALLY: dict[str, Tally] = {}


@pytest.fixture(scope="module", autouse=True)
def print_tally() -> Iterator[None]:
    yield
    for name, tally in sorted(TALLY.items()):
        print(
            f"\n{name}: {tally.stored + tally.refused} files, {tally.stored} stored, "
            f"{tally.refused} refused with the database unchanged"
        )
        if os.environ.get("WINBACK_FUZZ_REASONS"):
            for reason, count in tally.reasons.most_common():
                print(f"  {count} {reason}")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[App]:
    folder = tmp_path_factory.mktemp("fuzz_imports")
    (folder / "winback.toml").write_text(SETTINGS, encoding="utf-8")
    settings = load_settings(folder / "winback.toml", env={})
    if request.param == "sqlite":
        engine = connect(f"sqlite:///{folder / 'winback.db'}")
        migrate(engine)
        yield App(settings=settings, engine=engine, cwd=folder, clock=FixedClock(NOW))
        engine.dispose()
        return
    admin: Engine = request.getfixturevalue("postgres_admin")  # tests/conftest.py: skips
    server = admin.url.render_as_string(hide_password=False)
    schema = f"wb_fuzz_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in server else "?"
    engine = connect(f"{server}{separator}options=-csearch_path%3D{schema}")
    try:
        migrate(engine)
        yield App(settings=settings, engine=engine, cwd=folder, clock=FixedClock(NOW))
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def snapshot(engine: Engine) -> dict[str, Any]:
    """Every row of every table (sorted), and on PostgreSQL every sequence's position: two
    snapshots are equal exactly when a dump of the data would be."""
    found: dict[str, Any] = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            found[table.name] = sorted(
                (repr(tuple(row)) for row in conn.execute(table.select())), key=str
            )
        if engine.dialect.name == "postgresql":
            names = conn.execute(
                text(
                    "SELECT sequence_name FROM information_schema.sequences "
                    "WHERE sequence_schema = current_schema()"
                )
            ).scalars()
            for name in list(names):
                position = conn.execute(text(f'SELECT last_value, is_called FROM "{name}"'))
                found[f"sequence {name}"] = tuple(position.one())
    return found


def import_or_refuse(app: App, folder: Path, path: Path, layout: str, test: str) -> None:
    source, store, mapping_text = TARGETS[layout]
    mapping = None
    if mapping_text is not None:
        mapping = folder / "mapping.toml"
        mapping.write_text(mapping_text, encoding="utf-8")
    tally = TALLY.setdefault(f"{test} [{app.engine.dialect.name}]", Tally())
    before = snapshot(app.engine)
    try:
        import_path(app, path, source=source, mapping=mapping, store=store)
    except WinbackError as error:
        assert str(error).strip()
        assert snapshot(app.engine) == before, f"{type(error).__name__}: {error}"
        tally.refused += 1
        tally.reasons[f"{layout}: {type(error).__name__}: {str(error)[-100:]}"] += 1
        return
    tally.stored += 1


@FUZZ
@given(data=st.data(), layout=st.sampled_from(ALL_LAYOUTS), form=FORMS)
def test_any_table_is_imported_or_refused_leaving_the_database_as_it_was(
    store_app: App, data: st.DataObject, layout: Any, form: str
) -> None:
    headers, rows = data.draw(tables(layout))
    with TemporaryDirectory() as name:
        folder = Path(name)
        path = write(folder, form, headers, rows)
        import_or_refuse(store_app, folder, path, layout.name, "tables")


@FUZZ
@given(body=woo_bodies())
def test_any_woocommerce_json_is_imported_or_refused_leaving_the_database_as_it_was(
    store_app: App, body: object
) -> None:
    with TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / "orders.json"
        path.write_text(json.dumps(body, allow_nan=True), encoding="utf-8")
        import_or_refuse(store_app, folder, path, "woocommerce", "woocommerce json")


@FUZZ
@given(
    data=st.binary(max_size=400),
    prefix=st.sampled_from([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"PAR1", b"[", b"<table"]),
    layout=st.sampled_from(sorted(TARGETS)),
)
def test_random_bytes_are_imported_or_refused_leaving_the_database_as_it_was(
    store_app: App, data: bytes, prefix: bytes, layout: str
) -> None:
    with TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / "export.csv"
        path.write_bytes(prefix + data)
        import_or_refuse(store_app, folder, path, layout, "random bytes")
