"""Bulk writes through the database driver, for the import path.

Inside the store, values travel in their *canonical* form: instants as integer microseconds
since the epoch (UTC), money as integer minor units, booleans as ``bool``. That is exactly
what SQLite stores; on PostgreSQL instants are converted to ``timestamptz`` here, on the way
in (COPY) and out (``EXTRACT(EPOCH …)``). Everything runs on the caller's connection and so
inside the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import Any, Final

from sqlalchemy import CheckConstraint, Connection, Table, text
from sqlalchemy.exc import OperationalError

from winback.store.schema import UtcDateTime, from_epoch_us

SQLITE_BATCH: Final = 20_000
ROWS_PER_STATEMENT: Final = 100
SQLITE_MAX_PARAMETERS: Final = 32_766
BULK_LOAD_ROWS: Final = 100_000
"""Imports of at least this many rows may load PostgreSQL without row-by-row key checks
(see :meth:`Bulk.loading`)."""
LOCK_WAIT: Final = "2s"


class Bulk:
    """Driver-level access for one connection: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.driver: Any = conn.connection.driver_connection

    # -- SQL fragments -------------------------------------------------------------------

    def in_keys(self, column: str, param: str = "keys") -> str:
        """``column`` is one of a list passed as one parameter (any length)."""
        if self.postgres:
            return f"{column} = ANY(:{param})"
        return f"{column} IN (SELECT value FROM json_each(:{param}))"

    def keys(self, values: Iterable[Any]) -> Any:
        """The parameter value for :meth:`in_keys`."""
        return list(values) if self.postgres else json.dumps(list(values), ensure_ascii=False)

    def instant(self, column: str) -> str:
        """``column`` read as integer microseconds since the epoch."""
        if self.postgres:
            return f"CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS BIGINT)"
        return column

    # -- reads ---------------------------------------------------------------------------

    def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.conn.execute(text(sql), params)]

    def rows_by_keys(
        self, sql: str, keys: Sequence[Any], *, chunk: int = 50_000, **params: Any
    ) -> Iterator[tuple[Any, ...]]:
        """Run ``sql`` (which uses :meth:`in_keys` with ``:keys``) for ``keys`` in chunks."""
        for start in range(0, len(keys), chunk):
            params["keys"] = self.keys(keys[start : start + chunk])
            for row in self.conn.execute(text(sql), params):
                yield tuple(row)

    # -- writes --------------------------------------------------------------------------

    def allocate_ids(self, table: Table, count: int) -> Sequence[int]:
        """``count`` fresh row ids for ``table``, so children can be written with their
        parent's id without reading it back. On SQLite the transaction's snapshot makes
        ``max(id)`` safe: a concurrent writer makes our first write fail, never collide."""
        if count == 0:
            return range(0)
        if self.postgres:
            sequence = self.conn.execute(
                text(f"SELECT pg_get_serial_sequence('{table.name}', 'id')")
            ).scalar()
            next_id = f"nextval('{sequence}')"  # looked up once, not per row
            # Only the range travels when it is contiguous, as it is without a concurrent
            # writer; otherwise those ids stay unused (a sequence may have gaps) and the ids
            # are taken again one by one.
            taken = f"SELECT {next_id} AS v FROM generate_series(1, :n)"
            first, last = self.conn.execute(
                text(f"SELECT min(v), max(v) FROM ({taken}) AS taken"), {"n": count}
            ).one()
            if last - first == count - 1:
                return range(first, last + 1)
            return sorted(row[0] for row in self.conn.execute(text(taken), {"n": count}))
        top = self.conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table.name}")).scalar()
        first = int(top or 0) + 1
        return range(first, first + count)

    def among(self, column: str, ids: Sequence[int]) -> tuple[str, dict[str, Any]]:
        """SQL condition and parameters for ``column`` being one of ``ids`` (as returned by
        :meth:`allocate_ids`: a contiguous range on SQLite)."""
        if isinstance(ids, range) and ids.step == 1:
            return f"{column} BETWEEN :lo AND :hi", {"lo": ids.start, "hi": ids.stop - 1}
        if self.postgres:  # a semi-join: ``= ANY(array)`` would scan the array per row
            return f"{column} IN (SELECT unnest(CAST(:ids AS BIGINT[])))", {"ids": list(ids)}
        return self.in_keys(column, "ids"), {"ids": self.keys(ids)}

    @contextmanager
    def loading(self, tables: Sequence[Table], rows: int, *, counted: Table) -> Iterator[bool]:
        """Load ``rows`` new rows into ``tables``, on PostgreSQL without checking their foreign
        keys row by row when that pays; yields whether it does.

        PostgreSQL checks a foreign key with a trigger per inserted row (a lookup and a row
        lock on the referenced row): for a large import that is a third of the server's work.
        As ``pg_restore`` does, a large load into a table not much bigger than the load drops
        the foreign keys of ``tables`` and adds them back at the end, each validated by one
        join over the table; the keys are only ever missing inside this transaction, and a
        violation fails the import as a row-by-row check would. Dropping a key locks its
        tables until the transaction ends, so the load waits at most :data:`LOCK_WAIT` for
        other sessions' locks and otherwise checks row by row. SQLite's checks are cheap:
        there this does nothing."""
        keys = self._droppable_keys(tables, rows, counted) if self.postgres else []
        if keys and not self._drop_keys(keys):
            keys = []
        yield bool(keys)
        for table, name, definition in keys:
            self.conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))

    def _droppable_keys(
        self, tables: Sequence[Table], rows: int, counted: Table
    ) -> list[tuple[str, str, str]]:
        """(table, constraint, definition) of each foreign key of ``tables``, when a load of
        ``rows`` rows into ``counted`` is worth dropping them for: large, and at least half
        the size of the table (re-validating scans whole tables)."""
        if rows < BULK_LOAD_ROWS:
            return []
        names = [table.name for table in tables]
        stored = self.conn.execute(
            text("SELECT reltuples FROM pg_class WHERE oid = CAST(:name AS regclass)"),
            {"name": counted.name},
        ).scalar()
        if stored is not None and stored > 2 * rows:
            return []
        found = self.conn.execute(
            text(
                "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
                "FROM pg_constraint c WHERE c.contype = 'f' "
                "AND c.conrelid = ANY(CAST(:names AS regclass[])) ORDER BY c.conname"
            ),
            {"names": names},
        )
        return [(table, name, definition) for table, name, definition in found]

    def _drop_keys(self, keys: Sequence[tuple[str, str, str]]) -> bool:
        """Drop ``keys`` in a savepoint, waiting at most :data:`LOCK_WAIT` for locks; False
        (and nothing dropped) when another session holds the tables."""
        savepoint = self.conn.begin_nested()
        try:
            self.conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
            for table, name, _ in keys:
                self.conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
            self.conn.execute(text("SET LOCAL lock_timeout = DEFAULT"))
        except OperationalError:
            savepoint.rollback()
            return False
        savepoint.commit()
        return True

    def instant_value(self, epoch_us: int) -> Any:
        """A canonical instant as a query parameter for an instant column."""
        return from_epoch_us(epoch_us) if self.postgres else epoch_us

    def insert(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert canonical ``rows`` (values in ``columns`` order)."""
        if not rows:
            return
        names = ", ".join(columns)
        if self.postgres:
            self._copy(table, columns, rows)
            return
        marks = f"({', '.join('?' * len(columns))})"
        insert = f"INSERT INTO {table.name} ({names}) VALUES "
        per = min(ROWS_PER_STATEMENT, SQLITE_MAX_PARAMETERS // len(columns))
        whole = len(rows) - len(rows) % per if _has_check(table) else 0
        if whole:
            # SQLite rebuilds the value list of a ``CHECK (x IN (…))`` each time a statement
            # runs: run one per ``per`` rows, not one per row (a fifth of an order's insert).
            many = insert + ", ".join([marks] * per)
            cursor = self.driver.cursor()
            try:
                for start in range(0, whole, per):
                    cursor.execute(many, list(chain.from_iterable(rows[start : start + per])))
            finally:
                cursor.close()
        self._sqlite_many(insert + marks, rows[whole:])

    def _copy(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """COPY in PostgreSQL's binary format, instants sent as they travel here (integer
        microseconds, shifted to PostgreSQL's 2000-01-01 epoch: the binary form of a
        ``timestamptz``), so no datetime is built per value. Text COPY for other types."""
        names = ", ".join(columns)
        instants = _instant_positions(table, columns)
        types = _binary_types(table, columns, self.conn.dialect)
        with self.driver.cursor() as cursor:
            if types is None:
                with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(_to_timestamps(row, instants) if instants else row)
                return
            binary = f"COPY {table.name} ({names}) FROM STDIN (FORMAT BINARY)"
            with cursor.copy(binary) as copy:
                copy.set_types(types)
                write = copy.write_row
                if not instants:
                    for row in rows:
                        write(row)
                    return
                for row in rows:
                    shifted = list(row)
                    for i in instants:
                        if shifted[i] is not None:
                            shifted[i] -= PG_EPOCH_US
                    write(shifted)

    def update(
        self,
        table: Table,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        key: Sequence[str] = ("id",),
    ) -> None:
        """``UPDATE table SET columns… WHERE key…`` for canonical rows ``(*values, *key)``."""
        if not rows:
            return
        mark = "%s" if self.postgres else "?"
        sets = ", ".join(f"{c} = {mark}" for c in columns)
        where = " AND ".join(f"{c} = {mark}" for c in key)
        sql = f"UPDATE {table.name} SET {sets} WHERE {where}"
        if self.postgres:
            instants = _instant_positions(table, [*columns, *key])
            converted = [_to_timestamps(r, instants) for r in rows] if instants else rows
            with self.driver.cursor() as cursor:
                cursor.executemany(sql, converted)
            return
        self._sqlite_many(sql, rows)

    def delete_where_in(self, table: Table, column: str, ids: Sequence[int]) -> None:
        if ids:
            sql = f"DELETE FROM {table.name} WHERE {self.in_keys(column)}"
            for start in range(0, len(ids), 50_000):
                self.conn.execute(text(sql), {"keys": self.keys(ids[start : start + 50_000])})

    def _sqlite_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        cursor = self.driver.cursor()
        try:
            for start in range(0, len(rows), SQLITE_BATCH):
                cursor.executemany(sql, rows[start : start + SQLITE_BATCH])
        finally:
            cursor.close()


PG_EPOCH_US: Final = 946_684_800_000_000  # 2000-01-01 UTC in µs since 1970
_BINARY: Final = {"INTEGER": "int4", "BIGINT": "int8", "SMALLINT": "int2", "BOOLEAN": "bool"}


def _binary_types(table: Table, columns: Sequence[str], dialect: Any) -> list[str] | None:
    """The binary COPY type of each column (instants as ``int8``), None if one is unknown."""
    types = []
    for name in columns:
        column_type = table.c[name].type
        if isinstance(column_type, UtcDateTime):
            types.append("int8")
            continue
        compiled = column_type.compile(dialect=dialect).upper()
        if compiled.startswith(("VARCHAR", "TEXT")):
            types.append("text")
        elif compiled in _BINARY:
            types.append(_BINARY[compiled])
        else:
            return None
    return types


def _has_check(table: Table) -> bool:
    return any(isinstance(constraint, CheckConstraint) for constraint in table.constraints)


def _instant_positions(table: Table, columns: Sequence[str]) -> tuple[int, ...]:
    return tuple(i for i, c in enumerate(columns) if isinstance(table.c[c].type, UtcDateTime))


def _to_timestamps(row: Sequence[Any], positions: tuple[int, ...]) -> list[Any]:
    out = list(row)
    for i in positions:
        value = out[i]
        if value is not None:
            out[i] = from_epoch_us(value)
    return out
