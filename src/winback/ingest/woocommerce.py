"""WooCommerce orders: the REST API's JSON or an order-export CSV, told apart by content.

A file whose first non-blank character is ``[`` or ``{`` is read as the JSON body of
``GET /wp-json/wc/v3/orders`` (:mod:`winback.ingest.woocommerce_json`); anything else as a
table (:mod:`winback.ingest.woocommerce_csv`). Both map statuses with the same table.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from zoneinfo import ZoneInfo

from winback.errors import UnreadableFileError
from winback.ingest.cleaning import PLAUSIBLE_DATES, DateWindow
from winback.ingest.records import ParsedFile, RowProgress
from winback.ingest.rows import rows_closed
from winback.ingest.tables import WESTERN_TEXT, read_table
from winback.ingest.woocommerce_csv import parse_csv
from winback.ingest.woocommerce_json import order_status, parse_json

__all__ = ["order_status", "parse"]


def parse(
    path: Path,
    *,
    tz: ZoneInfo,
    progress: RowProgress | None = None,
    encoding: str = "auto",
    dates: DateWindow = PLAUSIBLE_DATES,
) -> ParsedFile:
    """Parse a WooCommerce orders file (REST JSON or CSV export). A CSV's encoding is
    detected (UTF-8, else cp1252) unless ``encoding`` names it; JSON is UTF-8."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
            if is_json(head):
                return parse_json(str(path), head + handle.read(), tz, progress, dates)
    except OSError as error:
        reason = f"cannot open the file: {error.strerror}"
        raise UnreadableFileError(reason, file=str(path)) from error
    with rows_closed(read_table(path, encoding=encoding, text_encodings=WESTERN_TEXT)) as table:
        return parse_csv(table, tz, progress, dates)


def is_json(head: bytes) -> bool:
    """Whether the first bytes of a file start like a JSON array or object (after a BOM)."""
    start = head.removeprefix(codecs.BOM_UTF8).lstrip()
    return start[:1] in (b"[", b"{")
