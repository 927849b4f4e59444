"""Typed access to the cells of a table row, and the grouping of multi-row orders.

Shopify, WooCommerce CSV and generic files put one order (or cart) on several rows, one per
item. :func:`group_rows` gathers those rows into :class:`RowGroup` values and applies one rule
for repeated ids, shared by every importer:

* rows next to each other with the same key form a *run* (a row equal to the run's first row
  starts a new run: the block was pasted twice); the first row of the first run
  carries the order-level fields, later rows may repeat them or leave them blank;
* a later row whose order-level cell differs from the first row is rejected, naming the first
  row (a duplicate id with conflicting data); the rest of its run is rejected with it;
* a later run that repeats the first run cell for cell (the same export pasted twice) is
  skipped silently; any other later run with agreeing order-level cells adds its rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from winback.errors import MissingColumnError
from winback.ingest.cleaning import (
    CellError,
    HeaderMap,
    clean_text,
    parse_amount,
    parse_contact,
    parse_datetime,
    parse_int,
)
from winback.ingest.records import Contact, Rejection, RowProgress
from winback.ingest.tables import Table

PROGRESS_EVERY = 1000
T = TypeVar("T")


class FieldError(ValueError):
    """A cell of ``field`` that cannot be used; becomes a :class:`Rejection`."""

    def __init__(self, field: str, reason: str, row: int | None = None) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason
        self.row = row


@dataclass(frozen=True)
class Columns:
    """Where each canonical field sits in a file's header."""

    file: str
    headers: list[str]
    positions: dict[str, int]

    @classmethod
    def found(cls, file: str, headers: list[str], header_map: HeaderMap) -> Columns:
        return cls(file, headers, dict(header_map.positions))

    def header(self, field: str) -> str:
        """The file's own header for ``field`` (the field name when it is not mapped)."""
        position = self.positions.get(field)
        return field if position is None else self.headers[position].strip()

    def has(self, field: str) -> bool:
        return field in self.positions

    def rejection(self, row: int, error: FieldError) -> Rejection:
        """The rejection for ``error``, on the error's own row when it names one."""
        where = row if error.row is None else error.row
        return Rejection(self.file, where, self.header(error.field), error.reason)


def require_columns(
    columns: Columns, required: Iterable[str], accepted: Mapping[str, Sequence[str]] | None = None
) -> None:
    """Raise :class:`MissingColumnError` for the first required field with no column."""
    for name in required:
        if columns.has(name):
            continue
        names = accepted.get(name, (name,)) if accepted else (name,)
        wanted = " or ".join(repr(header) for header in names)
        found = ", ".join(repr(header.strip()) for header in columns.headers if header.strip())
        raise MissingColumnError(
            f"required column {wanted} is missing; the headers found are: {found}",
            file=columns.file,
            column=names[0],
        )


@dataclass(frozen=True)
class Row:
    """One data row, read field by field. Every parser raises :class:`FieldError`."""

    number: int
    cells: list[str]
    columns: Columns

    def raw(self, field: str) -> str:
        position = self.columns.positions.get(field)
        if position is None or position >= len(self.cells):
            return ""
        return self.cells[position]

    def text(self, field: str) -> str | None:
        return clean_text(self.raw(field))

    def required_text(self, field: str) -> str:
        return _present(field, self.text(field))

    def amount(self, field: str) -> Decimal | None:
        return self._parsed(field, parse_amount)

    def required_amount(self, field: str) -> Decimal:
        return _present(field, self.amount(field))

    def integer(self, field: str) -> int | None:
        return self._parsed(field, parse_int)

    def time(self, field: str, tz: ZoneInfo, fmt: str | None = None) -> datetime | None:
        try:
            return parse_datetime(self.raw(field), tz, fmt)
        except CellError as error:
            raise FieldError(field, str(error)) from None

    def required_time(self, field: str, tz: ZoneInfo, fmt: str | None = None) -> datetime:
        return _present(field, self.time(field, tz, fmt))

    def contact(self, field: str) -> Contact:
        return parse_contact(self.raw(field))

    def _parsed(self, field: str, parser: Callable[[str], T | None]) -> T | None:
        try:
            return parser(self.raw(field))
        except CellError as error:
            raise FieldError(field, str(error)) from None


def _present(field: str, value: T | None) -> T:
    if value is None:
        raise FieldError(field, "the cell is empty but a value is required")
    return value


@dataclass
class RowGroup:
    """The rows of one order or cart; ``rows[0]`` carries the order-level fields."""

    key: str
    rows: list[Row] = field(default_factory=list)
    first_run: list[list[str]] = field(default_factory=list)

    @property
    def first(self) -> Row:
        return self.rows[0]


@contextmanager
def rows_closed(table: Table) -> Iterator[Table]:
    """Use ``table`` and close its file afterwards, even when parsing stops early."""
    try:
        yield table
    finally:
        close = getattr(table.rows, "close", None)
        if close is not None:
            close()


def counted(
    rows: Iterable[tuple[int, list[str]]], progress: RowProgress | None
) -> Iterator[tuple[int, list[str]]]:
    """The non-blank rows of ``rows``, calling ``progress`` every :data:`PROGRESS_EVERY` rows."""
    pending = 0
    for number, cells in rows:
        pending += 1
        if progress is not None and pending == PROGRESS_EVERY:
            progress(pending)
            pending = 0
        if any(cell.strip() for cell in cells):
            yield number, cells
    if progress is not None and pending:
        progress(pending)


def group_rows(
    rows: Iterable[tuple[int, list[str]]],
    columns: Columns,
    *,
    key: str,
    order_fields: Sequence[str],
    rejections: list[Rejection],
) -> list[RowGroup]:
    """Gather the rows of each order (see the module docstring for the rules).

    Rows without a key are rejected; conflicting rows are rejected into ``rejections``.
    """
    groups: dict[str, RowGroup] = {}
    run: list[Row] = []
    for number, cells in rows:
        row = Row(number, cells, columns)
        row_key = row.text(key)
        if row_key is None:
            reason = "no value in the key column; the row cannot be placed in a record"
            rejections.append(Rejection(columns.file, number, columns.header(key), reason))
            continue
        if run and (run[0].text(key) != row_key or cells == run[0].cells):
            _merge_run(run, groups, order_fields, rejections, key)
            run = []
        run.append(row)
    if run:
        _merge_run(run, groups, order_fields, rejections, key)
    return list(groups.values())


def _merge_run(
    run: list[Row],
    groups: dict[str, RowGroup],
    order_fields: Sequence[str],
    rejections: list[Rejection],
    key: str,
) -> None:
    row_key = run[0].required_text(key)
    group = groups.get(row_key)
    if group is None:
        group = groups[row_key] = RowGroup(row_key, [run[0]], [row.cells for row in run])
        _add_rows(group, run[1:], order_fields, rejections, key)
    elif [row.cells for row in run] != group.first_run:
        _add_rows(group, run, order_fields, rejections, key)


def _add_rows(
    group: RowGroup,
    rows: list[Row],
    order_fields: Sequence[str],
    rejections: list[Rejection],
    key: str,
) -> None:
    for index, row in enumerate(rows):
        clash = next((name for name in order_fields if _clashes(group.first, row, name)), None)
        if clash is None:
            group.rows.append(row)
            continue
        columns = row.columns
        reason = (
            f"{columns.header(key)} {group.key!r} appears again with different data: "
            f"{row.text(clash)!r} here, {group.first.text(clash)!r} on row {group.first.number} "
            "where it first appears; the row was not imported"
        )
        rejections.append(Rejection(columns.file, row.number, columns.header(clash), reason))
        for later in rows[index + 1 :]:
            reason = f"continues the rejected row {row.number} of {group.key!r}; not imported"
            rejections.append(Rejection(columns.file, later.number, None, reason))
        return


def _clashes(first: Row, later: Row, name: str) -> bool:
    value = later.text(name)
    return value is not None and value != first.text(name)


class FirstSeen:
    """Remembers the first record per id, to judge a later record with the same id.

    :meth:`verdict` answers ``"new"``, ``"same"`` (an identical repeat, skipped silently) or
    ``"conflict"`` (rejected, naming the first row), with the row where the id first appeared.
    """

    def __init__(self) -> None:
        self._seen: dict[str, tuple[int, object]] = {}

    def verdict(self, key: str, value: object, row: int) -> tuple[str, int]:
        first_row, first_value = self._seen.setdefault(key, (row, value))
        if first_row == row:
            return "new", row
        return ("same" if first_value == value else "conflict"), first_row


def duplicate_reason(label: str, key: str, first_row: int) -> str:
    """The rejection reason for a repeated id whose data differs from its first row."""
    return (
        f"{label} {key!r} appears again with different data (first on row {first_row}); "
        "the row was not imported"
    )
