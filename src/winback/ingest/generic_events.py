"""Generic signed JSON events: any other source pushes its orders, customers, carts … (I4).

The body is one event::

    {"id": "evt_8841", "kind": "orders", "occurred_at": "2025-03-01T10:15:00+08:00",
     "data": {"no": "A-1001", "state": "paid", "total": "99.00", "created": "…",
              "lines": [{"title": "T-shirt", "qty": 2, "price": "49.50"}]}}

``kind`` is one of the generic importer's kinds (orders, customers, chats, carts, wishlists,
feedback, stock) and ``data`` is read with a mapping file in the generic importer's format
(docs/mapping.md): the mapping's "headers" are paths into ``data`` (``buyer.phone``), and a
list of objects (``lines``) becomes one row per element, as the lines of an order span rows
in a file. ``X-Winback-Signature: sha256=HEX`` is the hex HMAC-SHA256 of the raw body under
the shared secret; :func:`signature_is_valid` checks it in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from winback.ingest.cleaning import CellError, parse_datetime
from winback.ingest.generic import parse_table
from winback.ingest.generic_records import DEFAULT_CURRENCY
from winback.ingest.mapping import KINDS
from winback.ingest.mapping import Mapping as FileMapping
from winback.ingest.records import ParsedFile
from winback.ingest.tables import Table

__all__ = [
    "SIGNATURE_PREFIX",
    "Event",
    "EventError",
    "flatten",
    "parse_event",
    "read_event",
    "sign",
    "signature_is_valid",
]

SIGNATURE_PREFIX: Final = "sha256="
MAX_ROWS: Final = 10_000
UTC_ZONE: Final = ZoneInfo("UTC")


class EventError(ValueError):
    """The body is JSON but not an event: the message says which key is wrong."""


@dataclass(frozen=True, slots=True)
class Event:
    """The envelope of one event; ``data`` is the source's own object."""

    event_id: str
    kind: str
    occurred_at: datetime
    data: Mapping[str, Any]


def sign(secret: str, body: bytes) -> str:
    """The ``X-Winback-Signature`` header for ``body``."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_is_valid(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` signs ``body`` under ``secret``; compared in constant time."""
    if not secret or not header:
        return False
    return hmac.compare_digest(
        sign(secret, body).encode("ascii"), header.strip().encode("utf-8", "replace")
    )


def read_event(document: object) -> Event:
    """The envelope of a decoded body; :class:`EventError` names what is missing."""
    if not isinstance(document, Mapping):
        raise EventError("the event must be a JSON object with id, kind, occurred_at and data")
    event_id, kind = document.get("id"), document.get("kind")
    if not isinstance(event_id, str | int) or isinstance(event_id, bool) or not str(event_id):
        raise EventError("the event has no 'id' (a string)")
    if not isinstance(kind, str) or kind not in KINDS:
        raise EventError(f"'kind' must be one of {', '.join(KINDS)}, not {kind!r}")
    occurred = document.get("occurred_at")
    try:
        when = parse_datetime(occurred, UTC_ZONE) if isinstance(occurred, str) else None
    except CellError:
        when = None
    if when is None or when.tzinfo is None:
        raise EventError("'occurred_at' must be an ISO 8601 time with its offset")
    data = document.get("data")
    if not isinstance(data, Mapping):
        raise EventError("'data' must be a JSON object")
    return Event(str(event_id)[:200], kind, when, data)


def parse_event(
    event: Event, mapping: FileMapping, tz: ZoneInfo, currency: str = DEFAULT_CURRENCY
) -> ParsedFile:
    """The records of ``event.data`` as ``mapping`` reads them (one record for most kinds;
    rejections name the event and the path)."""
    headers, rows = flatten(event.data)
    table = Table(
        file=f"event {event.event_id}",
        format="json",
        encoding="utf-8",
        headers=headers,
        rows=iter(rows),
        header_row=1,
        estimated_rows=len(rows),
    )
    return parse_table(table, mapping, tz, currency=currency)


def flatten(data: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    """``data`` as a table: a column per path to a value (``buyer.phone``) and a row per
    element of the first list of objects (``lines.title``), the other values repeated on
    each row. Lists of plain values are joined with ``", "``."""
    scalars: dict[str, str] = {}
    expand: tuple[str, list[Mapping[str, Any]]] | None = None
    for path, value in _leaves(data, ""):
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            if expand is None:
                expand = (path, value)
            continue
        scalars[path] = _cell(value)
    if expand is None:
        return list(scalars), [list(scalars.values())]
    prefix, items = expand
    item_rows = [{f"{prefix}.{k}": _cell(v) for k, v in _leaves(item, "")} for item in items]
    item_headers = list(dict.fromkeys(key for row in item_rows for key in row))
    headers = [*scalars, *item_headers]
    rows = [
        [*scalars.values(), *(row.get(key, "") for key in item_headers)]
        for row in item_rows[:MAX_ROWS]
    ]
    return headers, rows


def _leaves(data: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _leaves(value, f"{path}.")
        else:
            yield path, value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | Decimal):
        return format(Decimal(str(value)), "f")
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value if not isinstance(v, Mapping | list))
    return str(value)
