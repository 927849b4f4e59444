"""The column contracts of the frames the diagnostics read (PRODUCT.md D1–D5).

The contracts live in :mod:`winback.contracts` (the store produces them and may not import
``analyse``); they are re-exported here. Tests and other sources build them too.
Timestamps are UTC instants (``timestamp[us, tz=UTC]``); money is ``decimal128(18, 2)`` so
that sums are exact. :func:`check` validates a table against a contract (or a part of one,
see :func:`columns`) and returns it with exactly the contract's columns and types.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Final

import duckdb
import pyarrow as pa

from winback.contracts import (
    CHATS,
    FEEDBACK,
    MONEY,
    ORDER_LINES,
    ORDERS,
    REPORTED_EVENTS,
    STOCK,
    TIMESTAMP,
)

__all__ = [
    "CHATS",
    "FEEDBACK",
    "MONEY",
    "ORDERS",
    "ORDER_LINES",
    "REPORTED_EVENTS",
    "STOCK",
    "TIMESTAMP",
    "check",
    "columns",
    "run_query",
]


def columns(schema: pa.Schema, names: Iterable[str]) -> pa.Schema:
    """The part of ``schema`` made of ``names``, in that order (what one analysis needs)."""
    return pa.schema([schema.field(name) for name in names])


def check(table: pa.Table, schema: pa.Schema, name: str) -> pa.Table:
    """``table`` reduced to the columns of ``schema`` and cast to their types.

    Raises ``ValueError`` naming the frame and every missing column, or the column whose
    values cannot be cast (for instance naive timestamps where UTC instants are expected).
    Extra columns are dropped; a column of nulls only (type ``null``) is accepted.
    """
    missing = [field.name for field in schema if field.name not in table.column_names]
    if missing:
        raise ValueError(f"the {name} frame lacks the column(s): {', '.join(missing)}")
    arrays = [_cast(table[field.name], field, name) for field in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def _cast(column: pa.ChunkedArray, field: pa.Field, frame: str) -> pa.ChunkedArray:
    if column.type == field.type:
        return column
    naive = pa.types.is_timestamp(column.type) and column.type.tz is None
    if pa.types.is_timestamp(field.type) and naive:
        raise ValueError(
            f"column {field.name!r} of the {frame} frame must hold time-zone aware "
            f"timestamps, not {column.type}"
        )
    try:
        return column.cast(field.type, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise ValueError(
            f"column {field.name!r} of the {frame} frame is {column.type}, "
            f"expected {field.type}: {error}"
        ) from error


def run_query(sql_file: str, params: Mapping[str, object], **frames: pa.Table) -> pa.Table:
    """Run the named file of ``winback/analyse/sql/`` over ``frames`` (registered under their
    keyword names, and unregistered after) in this thread's in-memory DuckDB, and return the
    result as Arrow."""
    conn = _connection()
    registered = []
    try:
        for name, frame in frames.items():
            conn.register(name, frame)
            registered.append(name)
        result: pa.Table = conn.sql(_query(sql_file), params=params).to_arrow_table()
        return result
    finally:
        for name in registered:
            conn.unregister(name)


@cache
def _query(sql_file: str) -> str:
    return resources.files("winback.analyse").joinpath(f"sql/{sql_file}").read_text("utf-8")


_LOCAL: Final = threading.local()


def _connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for this thread and process, opened on first use: opening one
    costs about 15 ms, and a diagnosis runs some twenty queries. The queries only read the
    frames registered for them, so nothing carries over from one to the next."""
    held: tuple[int, duckdb.DuckDBPyConnection] | None = getattr(_LOCAL, "held", None)
    if held is None or held[0] != os.getpid():  # a forked child opens its own
        held = _LOCAL.held = (os.getpid(), duckdb.connect())
    return held[1]
