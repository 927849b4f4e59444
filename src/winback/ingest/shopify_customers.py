"""Shopify's customers CSV (Admin → Customers → Export).

Newer exports carry ``Customer ID``, ``Accepts Email Marketing`` and ``Accepts SMS Marketing``
and ``Default Address …`` columns; older ones ``Accepts Marketing`` and bare ``Province`` /
``Country``. Consent is three-valued: a missing column or a blank cell gives None (unknown).

The customer id is the one orders use as their buyer id — the email in lower case, else the
phone — so that customers and orders meet; ``Customer ID`` is the fallback.
"""

from __future__ import annotations

from dataclasses import replace

from winback.ingest.cleaning import PLAUSIBLE_DATES, DateWindow, map_headers
from winback.ingest.records import CustomerRecord, ParsedFile, Rejection, RowProgress, SourceRef
from winback.ingest.rows import (
    Columns,
    DataRows,
    FieldError,
    FirstSeen,
    Row,
    duplicate_reason,
    require_columns,
)
from winback.ingest.tables import Table
from winback.model import Platform

CUSTOMER_COLUMNS: dict[str, tuple[str, ...]] = {
    "customer_id": ("Customer ID",),
    "first_name": ("First Name",),
    "last_name": ("Last Name",),
    "email": ("Email",),
    "accepts_email": ("Accepts Email Marketing", "Accepts Marketing"),
    "accepts_sms": ("Accepts SMS Marketing",),
    "phone": ("Phone", "Default Address Phone"),
    "province": ("Default Address Province Code", "Province Code", "Province"),
    "country": ("Default Address Country Code", "Country Code", "Country"),
    "tags": ("Tags",),
}
REQUIRED_CUSTOMER_COLUMNS = ("email",)
_YES = frozenset({"yes", "true", "1", "y"})
_NO = frozenset({"no", "false", "0", "n"})


def parse_customers(
    table: Table, progress: RowProgress | None, dates: DateWindow = PLAUSIBLE_DATES
) -> ParsedFile:
    """Customers from an already opened Shopify customers export."""
    header_map = map_headers(table.headers, CUSTOMER_COLUMNS, file=table.file)
    columns = Columns.found(table.file, table.headers, header_map, dates=dates)
    require_columns(columns, REQUIRED_CUSTOMER_COLUMNS, CUSTOMER_COLUMNS)
    parsed = ParsedFile(table.file, Platform.SHOPIFY, "customers")
    parsed.unmapped_columns = header_map.unmapped
    seen = FirstSeen()
    data = DataRows(table, progress)
    for number, cells in data:
        row = Row(number, cells, columns)
        try:
            record = customer_record(row)
        except FieldError as error:
            parsed.rejections.append(columns.rejection(number, error))
            continue
        verdict, first_row = seen.verdict(record.customer_id, replace(record, source=None), number)
        if verdict == "new":
            parsed.records.append(record)
        elif verdict == "conflict":
            reason = duplicate_reason("customer", record.customer_id, first_row)
            parsed.rejections.append(Rejection(table.file, number, None, reason))
    parsed.rows_read = data.read
    parsed.rejections.extend(data.rejections)
    parsed.rejections.sort(key=lambda rejection: rejection.row)
    return parsed


def customer_record(row: Row) -> CustomerRecord:
    """One customer row; raises :class:`FieldError` for a bad cell."""
    email, phone = row.contact("email"), row.contact("phone")
    customer_id = email.value.lower() if email.value else phone.value or row.id("customer_id")
    if customer_id is None:
        raise FieldError("email", "no email, phone or customer id: the customer has no id")
    names = (row.text("first_name"), row.text("last_name"))
    region = ", ".join(part for part in (row.text("province"), row.text("country")) if part)
    tags = row.text("tags")
    return CustomerRecord(
        platform=Platform.SHOPIFY,
        customer_id=customer_id,
        name=" ".join(name for name in names if name) or None,
        email=email,
        phone=phone,
        accepts_email_marketing=consent(row, "accepts_email"),
        accepts_sms_marketing=consent(row, "accepts_sms"),
        region=region or None,
        tags=tuple(tag.strip() for tag in tags.split(",") if tag.strip()) if tags else (),
        source=SourceRef(row.columns.file, row.number),
    )


def consent(row: Row, field: str) -> bool | None:
    """yes → True, no → False, blank cell or absent column → None (unknown)."""
    text = row.text(field)
    if text is None:
        return None
    if text.lower() in _YES:
        return True
    if text.lower() in _NO:
        return False
    raise FieldError(field, f"not yes or no: {text!r}")
