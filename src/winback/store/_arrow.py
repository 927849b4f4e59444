"""Query results into Arrow in chunks, through the driver's own cursor.

Reading a million rows as SQLAlchemy rows (or one list of tuples) holds a million Python
objects at once; here the driver hands over :data:`FETCH_ROWS` rows at a time and each chunk
becomes Arrow columns before the next is fetched. On PostgreSQL the rows come from a
server-side cursor, so the client never holds the whole result either. Values arrive in the
store's canonical forms (instants as integer microseconds, money as minor units, booleans as
0/1 — the query writes them so) and are converted column by column.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Final

import pyarrow as pa
from sqlalchemy import Connection, text

from winback.store.repo import _array
from winback.store.schema import to_epoch_us

__all__ = ["FETCH_ROWS", "iter_arrow", "read_arrow"]

FETCH_ROWS: Final = 50_000
_NAMES = itertools.count()


def read_arrow(
    conn: Connection, sql: str, params: Mapping[str, Any], schema: pa.Schema
) -> pa.Table:
    """The rows of ``sql`` (``:name`` parameters) as ``schema``, its columns in order."""
    return pa.Table.from_batches(list(iter_arrow(conn, sql, params, schema)), schema=schema)


def iter_arrow(
    conn: Connection,
    sql: str,
    params: Mapping[str, Any],
    schema: pa.Schema,
    *,
    rows: int = FETCH_ROWS,
) -> Iterator[pa.RecordBatch]:
    """The rows of ``sql`` as record batches of ``schema``, ``rows`` at a time."""
    values = {key: _bind(conn, value) for key, value in params.items()}
    compiled = text(sql).bindparams(**values).compile(dialect=conn.dialect)
    driver_sql = str(compiled)
    bound: Any = compiled.params
    if compiled.positional:  # SQLite's "?" placeholders take a sequence
        bound = [bound[name] for name in compiled.positiontup or ()]
    driver: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        cursor = driver.cursor(name=f"winback_read_{next(_NAMES)}")
        cursor.itersize = rows
    else:
        cursor = driver.cursor()
    try:
        cursor.execute(driver_sql, bound)
        while chunk := cursor.fetchmany(rows):
            columns = zip(*chunk, strict=True)
            arrays = [
                _array(field.type, list(column))
                for field, column in zip(schema, columns, strict=True)
            ]
            del chunk
            yield pa.RecordBatch.from_arrays(arrays, schema=schema)
    finally:
        cursor.close()


def _bind(conn: Connection, value: Any) -> Any:
    """Instants as the dialect stores them (SQLite: integer microseconds)."""
    if isinstance(value, datetime) and conn.dialect.name != "postgresql":
        return to_epoch_us(value)
    return value
