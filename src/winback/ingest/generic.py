"""Any CSV, TSV, Excel or Parquet file, described by a TOML mapping (``docs/mapping.md``).

``parse(path, mapping=load_mapping(mapping_path), tz=store_zone)`` reads the table with the
shared reader, finds each mapped field's column, applies the ``[values]`` tables to the cells,
groups multi-row orders and carts by their key and builds one record per order, cart or row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from winback.errors import MissingColumnError
from winback.ingest.cleaning import clean_text, map_headers
from winback.ingest.generic_records import GROUPED, SINGLE, Reading
from winback.ingest.mapping import Mapping, load_mapping
from winback.ingest.records import ParsedFile, Rejection, RowProgress
from winback.ingest.rows import (
    Columns,
    FieldError,
    FirstSeen,
    Row,
    counted,
    duplicate_reason,
    group_rows,
    rows_closed,
)
from winback.ingest.tables import Table, read_table

__all__ = ["Mapping", "load_mapping", "parse", "parse_table"]

# Single-row kinds whose id must not repeat with different data.
_IDS = {"customers": "customer_id", "feedback": "feedback_id"}


def parse(
    path: Path, *, mapping: Mapping, tz: ZoneInfo, progress: RowProgress | None = None
) -> ParsedFile:
    """Parse ``path`` as described by ``mapping``; naive times are in the mapping's
    ``timezone`` when it gives one, else in the store's zone ``tz``."""
    with rows_closed(read_table(path, encoding=mapping.encoding, sheet=mapping.sheet)) as table:
        return parse_table(table, mapping, tz, progress)


def parse_table(
    table: Table, mapping: Mapping, tz: ZoneInfo, progress: RowProgress | None = None
) -> ParsedFile:
    """Parse an already read ``table`` as ``mapping`` describes it (a file, or the rows of a
    JSON event: :mod:`winback.ingest.generic_events`)."""
    header_map = map_headers(table.headers, mapping.columns)
    columns = Columns.found(table.file, table.headers, header_map)
    _require_listed_columns(mapping, columns)
    parsed = ParsedFile(table.file, mapping.platform, mapping.kind)
    parsed.unmapped_columns = header_map.unmapped
    reading = Reading(mapping, mapping.timezone or tz)
    rows = _with_values(counted(table.numbered_rows(), progress), mapping, columns)
    if mapping.kind in GROUPED:
        _parse_groups(list(rows), columns, reading, parsed)
    else:
        _parse_single(rows, columns, reading, parsed)
    parsed.rejections.sort(key=lambda rejection: rejection.row)
    return parsed


def _require_listed_columns(mapping: Mapping, columns: Columns) -> None:
    """Every field the mapping lists must find its column (a missing one is fatal)."""
    found = ", ".join(repr(header.strip()) for header in columns.headers if header.strip())
    for name, headers in mapping.columns.items():
        if columns.has(name):
            continue
        wanted = " or ".join(repr(header) for header in headers)
        need = "required" if name in mapping.fields.required else "mapped"
        reason = (
            f"column {wanted} for the {need} field {name!r} (mapping {mapping.file}) is missing; "
            f"the headers found are: {found}"
        )
        raise MissingColumnError(reason, file=columns.file, column=headers[0])


def _with_values(
    rows: Iterator[tuple[int, list[str]]], mapping: Mapping, columns: Columns
) -> Iterator[tuple[int, list[str]]]:
    """The rows with each ``[values.FIELD]`` table applied to its column's cells: an exact
    match first, then one ignoring case; unmatched values pass through unchanged."""
    tables = [
        (columns.positions[name], table, {key.casefold(): value for key, value in table.items()})
        for name, table in mapping.values.items()
        if columns.has(name)
    ]
    for number, cells in rows:
        if tables:
            cells = list(cells)
            for position, exact, folded in tables:
                if position < len(cells):
                    text = clean_text(cells[position]) or ""
                    cells[position] = exact.get(text) or folded.get(
                        text.casefold(), cells[position]
                    )
        yield number, cells


def _parse_groups(
    rows: list[tuple[int, list[str]]], columns: Columns, reading: Reading, parsed: ParsedFile
) -> None:
    fields = reading.mapping.fields
    key = fields.key or ""
    order_level = [
        name
        for name in reading.mapping.columns
        if name != key and not name.startswith(fields.item_prefix or "\0")
    ]
    parsed.rows_read = len(rows)
    build = GROUPED[reading.mapping.kind]
    groups = group_rows(
        rows, columns, key=key, order_fields=order_level, rejections=parsed.rejections
    )
    for group in groups:
        try:
            parsed.records.append(build(group.rows, reading))
        except FieldError as error:
            parsed.rejections.append(columns.rejection(group.first.number, error))


def _parse_single(
    rows: Iterator[tuple[int, list[str]]], columns: Columns, reading: Reading, parsed: ParsedFile
) -> None:
    build = SINGLE[reading.mapping.kind]
    id_field = _IDS.get(reading.mapping.kind)
    seen = FirstSeen()
    for number, cells in rows:
        parsed.rows_read += 1
        try:
            record = build(Row(number, cells, columns), reading)
        except FieldError as error:
            parsed.rejections.append(columns.rejection(number, error))
            continue
        if id_field is None:
            parsed.records.append(record)
            continue
        record_id = str(getattr(record, id_field))
        verdict, first = seen.verdict(record_id, replace(record, source=None), number)
        if verdict == "new":
            parsed.records.append(record)
        elif verdict == "conflict":
            reason = duplicate_reason(id_field.removesuffix("_id"), record_id, first)
            parsed.rejections.append(
                Rejection(columns.file, number, columns.header(id_field), reason)
            )
