"""Any CSV, TSV, Excel or Parquet file, described by a TOML mapping (``docs/mapping.md``).

``parse(path, mapping=load_mapping(mapping_path), tz=store_zone)`` reads the table with the
shared reader, joins the files the mapping names (:mod:`winback.ingest.joins`), adds its
constant and joined-column fields, finds each mapped field's column, groups multi-row orders
and carts by their key and builds one record per order, cart or row. ``[values]`` tables
apply to a field's cells as they are read; status rules read the cells as the file has them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from winback.errors import MissingColumnError
from winback.ingest.cleaning import PLAUSIBLE_DATES, DateWindow, clean_text, map_headers
from winback.ingest.generic_records import DEFAULT_CURRENCY, GROUPED, SINGLE, Reading
from winback.ingest.joins import join_files
from winback.ingest.mapping import Mapping, load_mapping
from winback.ingest.records import ParsedFile, Rejection, RowProgress
from winback.ingest.rows import (
    Columns,
    DataRows,
    FieldError,
    FirstSeen,
    Row,
    group_rows,
    rows_closed,
)
from winback.ingest.status_rules import place_rules
from winback.ingest.tables import Table, read_table

__all__ = ["Mapping", "load_mapping", "parse", "parse_table"]

# Single-row kinds whose id must not repeat with different data.
_IDS = {"customers": "customer_id", "feedback": "feedback_id"}
Rows = Iterable[tuple[int, list[str]]]


def parse(
    path: Path,
    *,
    mapping: Mapping,
    tz: ZoneInfo,
    progress: RowProgress | None = None,
    dates: DateWindow = PLAUSIBLE_DATES,
    currency: str = DEFAULT_CURRENCY,
) -> ParsedFile:
    """Parse ``path`` as described by ``mapping``; naive times are in the mapping's
    ``timezone`` when it gives one, else in the store's zone ``tz``; dates outside
    ``dates`` reject their row; amounts are in the mapping's currency, else ``currency``
    (the store's)."""
    with rows_closed(read_table(path, encoding=mapping.encoding, sheet=mapping.sheet)) as table:
        return parse_table(table, mapping, tz, progress, dates, currency)


def parse_table(
    table: Table,
    mapping: Mapping,
    tz: ZoneInfo,
    progress: RowProgress | None = None,
    dates: DateWindow = PLAUSIBLE_DATES,
    currency: str = DEFAULT_CURRENCY,
) -> ParsedFile:
    """Parse an already read ``table`` as ``mapping`` describes it (a file, or the rows of a
    JSON event: :mod:`winback.ingest.generic_events`)."""
    parsed = ParsedFile(table.file, mapping.platform, mapping.kind)
    data = DataRows(table, progress)
    headers: list[str] = list(table.headers)
    rows: Rows = data
    if mapping.files:
        joined = join_files(table.file, headers, list(data), mapping.files, decimal=mapping.decimal)
        headers, rows = joined.headers, joined.rows
        parsed.rejections.extend(joined.rejections)
    headers, rows, aliases = _derived(table.file, headers, rows, mapping)
    header_map = map_headers(headers, aliases, file=table.file)
    columns = Columns.found(
        table.file,
        headers,
        header_map,
        dates=dates,
        decimal=mapping.decimal,
        absolute=mapping.absolute,
        values=mapping.values,
    )
    _require_listed_columns(mapping, columns)
    parsed.unmapped_columns = header_map.unmapped
    rules = place_rules(mapping.status_rules, headers, table.file, mapping.file)
    reading = Reading(mapping, mapping.timezone or tz, rules, currency)
    if mapping.kind in GROUPED:
        _parse_groups(list(rows), columns, reading, parsed)
    else:
        _parse_single(rows, columns, reading, parsed)
    parsed.rows_read = data.read
    parsed.rejections.extend(data.rejections)
    parsed.rejections.sort(key=lambda rejection: (rejection.file != table.file, rejection.row))
    return parsed


def _derived(
    file: str, headers: list[str], rows: Rows, mapping: Mapping
) -> tuple[list[str], Rows, dict[str, tuple[str, ...]]]:
    """The headers and rows with a column for each constant and each joined-column field,
    and the aliases that find every mapped field (those columns included)."""
    if not mapping.constants and not mapping.combined:
        return headers, rows, dict(mapping.columns)
    aliases = dict(mapping.columns)
    extra: list[str] = []
    for name, value in mapping.constants.items():
        extra.append(f"{name} = {value!r}")
        aliases[name] = (extra[-1],)
    parts: list[tuple[list[int], str]] = []
    for name, (sources, separator) in mapping.combined.items():
        positions = [_column(file, headers, source, name, mapping) for source in sources]
        parts.append((positions, separator))
        extra.append(separator.join(sources))
        aliases[name] = (extra[-1],)
    constants = list(mapping.constants.values())

    def extended() -> Iterator[tuple[int, list[str]]]:
        for number, cells in rows:
            joined = [_joined(cells, positions, separator) for positions, separator in parts]
            cells.extend([*constants, *joined])
            yield number, cells

    return [*headers, *extra], extended(), aliases


def _joined(cells: list[str], positions: list[int], separator: str) -> str:
    """The cells of several columns joined; empty when any of them is."""
    texts = [clean_text(cells[p]) if p < len(cells) else None for p in positions]
    return separator.join(t for t in texts if t is not None) if all(texts) else ""


def _column(file: str, headers: list[str], header: str, name: str, mapping: Mapping) -> int:
    wanted = header.strip().lower()
    for position, candidate in enumerate(headers):
        if candidate.replace("\ufeff", "").strip().lower() == wanted:
            return position
    found = ", ".join(repr(h.strip()) for h in headers if h.strip())
    reason = (
        f"column {header!r} that the field {name!r} joins (mapping {mapping.file}) is "
        f"missing; the headers found are: {found}"
    )
    raise MissingColumnError(reason, file=file, column=header)


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


def _parse_groups(
    rows: list[tuple[int, list[str]]], columns: Columns, reading: Reading, parsed: ParsedFile
) -> None:
    fields = reading.mapping.fields
    key = fields.key or ""
    order_level = [
        name
        for name in reading.mapping.columns
        if name != key
        and not name.startswith(fields.item_prefix or "\0")
        and name not in reading.mapping.merge
    ]
    build = GROUPED[reading.mapping.kind]
    groups = group_rows(
        rows, columns, key=key, order_fields=order_level, rejections=parsed.rejections
    )
    for group in groups:
        try:
            parsed.records.append(build(group.rows, reading))
        except FieldError as error:
            parsed.rejections.append(_rejection(columns, group.first.number, error, group.key))


def _rejection(columns: Columns, row: int, error: FieldError, key: str) -> Rejection:
    """The rejection of an order for ``error``; a bad cell of a joined line names that
    file's own row (``items.price`` → the items file, its row)."""
    origin = error.origin
    header = columns.header(error.field)
    name, _, column = header.partition(".")
    if origin is not None and name in origin:
        file, line_row = origin[name]
        reason = f"{error.reason}; order {key!r} was not imported"
        return Rejection(file, line_row, column, reason)
    return columns.rejection(row, error)


def _parse_single(rows: Rows, columns: Columns, reading: Reading, parsed: ParsedFile) -> None:
    build = SINGLE[reading.mapping.kind]
    id_field = _IDS.get(reading.mapping.kind)
    seen = FirstSeen()
    for number, cells in rows:
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
            reason = _repeated_id(id_field, record_id, first, reading)
            parsed.rejections.append(
                Rejection(columns.file, number, columns.header(id_field), reason)
            )


def _repeated_id(id_field: str, record_id: str, first: int, reading: Reading) -> str:
    label = id_field.removesuffix("_id")
    reason = (
        f"{label} {record_id!r} appears again with different data (first on row {first}); "
        "the row was not imported"
    )
    if id_field == "feedback_id" and reading.mapping.listed("order_id"):
        reason += (
            "; if one review covers several orders, give each its own id: "
            'feedback_id = { concat = ["<review id header>", "<order id header>"] }'
        )
    return reason
