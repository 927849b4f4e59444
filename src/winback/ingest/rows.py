"""Typed access to the cells of a table row, and the grouping of multi-row orders.

Shopify, WooCommerce CSV and generic files put one order (or cart) on several rows, one per
item. :func:`group_rows` gathers those rows into :class:`RowGroup` values and applies one rule
for repeated ids, shared by every importer:

* the rows of one key form a group, in the order of the file; its first row carries the
  order-level fields, later rows may repeat them or leave them blank; the rows next to each
  other with the same key form a *run*;
* a later row whose order-level cell differs from the first row is rejected, naming the first
  row (a duplicate id with conflicting data); the rest of its run is rejected with it;
* a pasted repeat is read once: a later run equal to the first run cell for cell, and a run
  that is one block of rows repeated (``a b a b``, ``a a``), are the same rows exported twice.
  Rows repeated inside an order that is not one block repeated (``a a b``) are kept: they are
  the order's own lines.

:class:`DataRows` hands the parsers the non-blank rows of a table, rejecting alone each row
that no parser should read (a cell longer than any export field, a NUL character, cells past
the header).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Final, TypeVar
from zoneinfo import ZoneInfo

from winback.errors import MissingColumnError
from winback.ingest.cleaning import (
    PLAUSIBLE_DATES,
    CellError,
    DateWindow,
    HeaderMap,
    clean_text,
    parse_amount,
    parse_contact,
    parse_datetime,
    parse_id,
    parse_int,
)
from winback.ingest.records import Contact, Rejection, RowProgress
from winback.ingest.tables import Table, header_at, header_width, row_problem
from winback.privacy import mask_contact

PROGRESS_EVERY = 1000
T = TypeVar("T")


class FieldError(ValueError):
    """A cell of ``field`` that cannot be used; becomes a :class:`Rejection`. ``row`` is the
    row of the bad cell when it is not the record's first row; ``origin`` the joined files'
    rows the cell's row came from (see :mod:`winback.ingest.joins`)."""

    def __init__(self, field: str, reason: str, row: int | None = None) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason
        self.row = row
        self.origin: dict[str, tuple[str, int]] | None = None


ValueMaps = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class Columns:
    """Where each canonical field sits in a file's header, and how its cells are read: the
    dates the import accepts, the decimal mark of amounts, the fields whose negative values
    are a format's way of writing a positive one (a credit note's quantities), and the value
    maps of a generic mapping (field → source value → canonical value)."""

    file: str
    headers: list[str]
    positions: dict[str, int]
    dates: DateWindow = PLAUSIBLE_DATES
    decimal: str = "."
    absolute: frozenset[str] = frozenset()
    values: dict[str, tuple[dict[str, str], dict[str, str]]] = field(default_factory=dict)

    @classmethod
    def found(
        cls,
        file: str,
        headers: list[str],
        header_map: HeaderMap,
        *,
        dates: DateWindow = PLAUSIBLE_DATES,
        decimal: str = ".",
        absolute: frozenset[str] = frozenset(),
        values: ValueMaps | None = None,
    ) -> Columns:
        maps = {
            name: (dict(table), {key.casefold(): value for key, value in table.items()})
            for name, table in (values or {}).items()
        }
        return cls(file, headers, dict(header_map.positions), dates, decimal, absolute, maps)

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
        """The cell of ``field`` as the file has it."""
        position = self.columns.positions.get(field)
        if position is None or position >= len(self.cells):
            return ""
        return self.cells[position]

    def cell(self, field: str) -> str:
        """The cell with the field's value map applied: an exact match (after trimming)
        first, then one ignoring case; a value with no match passes through unchanged."""
        raw = self.raw(field)
        maps = self.columns.values.get(field)
        if maps is None:
            return raw
        exact, folded = maps
        text = clean_text(raw) or ""
        return exact.get(text) or folded.get(text.casefold(), raw)

    def text(self, field: str) -> str | None:
        return clean_text(self.cell(field))

    def required_text(self, field: str) -> str:
        return _present(field, self.text(field))

    def id(self, field: str) -> str | None:
        """An id cell, refused when a spreadsheet made it a number (``2.1E+18``)."""
        return self._parsed(field, parse_id)

    def required_id(self, field: str) -> str:
        return _present(field, self.id(field))

    def amount(self, field: str, *, signed: bool = False) -> Decimal | None:
        """An amount; negative only when ``signed`` (or read as its absolute value when the
        file writes the field negative, see :attr:`Columns.absolute`)."""
        absolute = field in self.columns.absolute
        value = self._parsed(
            field,
            lambda cell: parse_amount(
                cell, decimal=self.columns.decimal, signed=signed or absolute
            ),
        )
        return abs(value) if absolute and value is not None else value

    def required_amount(self, field: str) -> Decimal:
        return _present(field, self.amount(field))

    def integer(self, field: str) -> int | None:
        absolute = field in self.columns.absolute
        value = self._parsed(field, lambda cell: parse_int(cell, signed=absolute))
        return abs(value) if value is not None else None

    def time(self, field: str, tz: ZoneInfo, fmt: str | None = None) -> datetime | None:
        try:
            return parse_datetime(self.cell(field), tz, fmt, window=self.columns.dates)
        except CellError as error:
            raise FieldError(field, str(error)) from None

    def required_time(self, field: str, tz: ZoneInfo, fmt: str | None = None) -> datetime:
        return _present(field, self.time(field, tz, fmt))

    def contact(self, field: str) -> Contact:
        return parse_contact(self.cell(field))

    def _parsed(self, field: str, parser: Callable[[str], T | None]) -> T | None:
        try:
            return parser(self.cell(field))
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


class DataRows:
    """The non-blank data rows of a table as ``(row number, cells)``, counting them
    (:attr:`read`), reporting progress every :data:`PROGRESS_EVERY` rows, and rejecting
    alone (into :attr:`rejections`) each row :func:`~winback.ingest.tables.row_problem`
    refuses."""

    def __init__(self, table: Table, progress: RowProgress | None = None) -> None:
        self.table = table
        self.progress = progress
        self.read = 0
        self.rejections: list[Rejection] = []
        self.width = header_width(table.headers)

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        pending = 0
        for number, cells in self.table.numbered_rows():
            pending += 1
            if self.progress is not None and pending == PROGRESS_EVERY:
                self.progress(pending)
                pending = 0
            if not any(cell.strip() for cell in cells):
                continue
            self.read += 1
            problem = row_problem(cells, self.width)
            if problem is None:
                yield number, cells
                continue
            position, reason = problem
            headers = self.table.headers
            column = header_at(headers, position)
            self.rejections.append(Rejection(self.table.file, number, column, reason))
        if self.progress is not None and pending:
            self.progress(pending)


CONTACT_FIELDS: Final = frozenset(
    {"email", "phone", "billing_phone", "shipping_phone", "mobile", "address"}
)


def group_rows(
    rows: Iterable[tuple[int, list[str]]],
    columns: Columns,
    *,
    key: str,
    order_fields: Sequence[str],
    rejections: list[Rejection],
) -> list[RowGroup]:
    """Gather the rows of each order (see the module docstring for the rules).

    Rows without a key, or whose key a spreadsheet turned into a number, are rejected;
    conflicting rows are rejected into ``rejections``.
    """
    runs: dict[str, list[list[Row]]] = {}
    previous: str | None = None
    for number, cells in rows:
        row = Row(number, cells, columns)
        try:
            row_key = row.id(key)
        except FieldError as error:
            rejections.append(columns.rejection(number, error))
            previous = None
            continue
        if row_key is None:
            reason = "no value in the key column; the row cannot be placed in a record"
            rejections.append(Rejection(columns.file, number, columns.header(key), reason))
            previous = None
            continue
        order_runs = runs.setdefault(row_key, [])
        if row_key != previous or not order_runs:
            order_runs.append([])
        order_runs[-1].append(row)
        previous = row_key
    groups = []
    for row_key, order_runs in runs.items():
        group = RowGroup(row_key)
        first_run = _once(order_runs[0])
        _add_rows(group, first_run, order_fields, rejections, key)
        for run in order_runs[1:]:
            if [row.cells for row in run] != [row.cells for row in first_run]:
                _add_rows(group, _once(run), order_fields, rejections, key)
        if group.rows:
            groups.append(group)
    return groups


def _once(run: list[Row]) -> list[Row]:
    """The rows of a run read once: ``a b a b`` is ``a b`` pasted twice, ``a a b`` is not."""
    cells = [row.cells for row in run]
    size = len(cells)
    for block in range(1, size // 2 + 1):
        if size % block == 0 and cells == cells[:block] * (size // block):
            return run[:block]
    return run


def _add_rows(
    group: RowGroup,
    rows: list[Row],
    order_fields: Sequence[str],
    rejections: list[Rejection],
    key: str,
) -> None:
    for index, row in enumerate(rows):
        if not group.rows:
            group.rows.append(row)
            continue
        clash = next((name for name in order_fields if _clashes(group.first, row, name)), None)
        if clash is None:
            group.rows.append(row)
            continue
        columns = row.columns
        if clash == "address":  # an address is never quoted, not even masked
            differs = f"another address than on row {group.first.number}"
        else:
            here, there = _shown(row, clash), _shown(group.first, clash)
            differs = f"{here} here, {there} on row {group.first.number}"
        reason = (
            f"{columns.header(key)} {group.key!r} appears again with different data: "
            f"{differs} where it first appears; the row was not imported"
        )
        rejections.append(Rejection(columns.file, row.number, columns.header(clash), reason))
        for later in rows[index + 1 :]:
            reason = f"continues the rejected row {row.number} of {group.key!r}; not imported"
            rejections.append(Rejection(columns.file, later.number, None, reason))
        return


def _shown(row: Row, name: str) -> str:
    """A cell as a rejection quotes it, a phone or e-mail address masked."""
    value = row.text(name)
    if value is None or name not in CONTACT_FIELDS:
        return repr(value)
    return repr(mask_contact(value))


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
