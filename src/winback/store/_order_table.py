"""An :class:`~winback.ingest.records.OrderTable` as the store's :class:`Incoming` orders.

The columns are already in the store's canonical units (instants as µs since the epoch,
money in hundredths), so each order costs one tuple and one fingerprint, and the
fingerprint is the one :class:`~winback.store._orders.Converter` gives the same order as an
:class:`OrderRecord`: re-importing a file changes nothing whichever reader read it.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Iterator
from typing import Any, Final

import pyarrow as pa

from winback.ingest.records import OrderTable
from winback.store._orders import ORDER_COLUMNS, Incoming


def incoming_orders(orders: OrderTable, *, chunk: int) -> Iterator[list[Incoming]]:
    """The table's orders as :class:`Incoming` values, ``chunk`` at a time."""
    table = orders.table
    platform = orders.platform.value
    for start in range(0, table.num_rows, chunk):
        yield _incoming(table.slice(start, chunk), platform)


def _incoming(table: pa.Table, platform: str) -> list[Incoming]:
    def column(name: str) -> list[Any]:
        values = table.column(name)
        if pa.types.is_timestamp(values.type):
            values = values.cast(pa.int64())
        return values.to_pylist()  # type: ignore[no-any-return]

    order_values = [
        [platform] * table.num_rows if name == "platform" else column(name)
        for name in ORDER_COLUMNS
    ]
    created = column("created_at")
    contacts = [
        [_parts(v, m) for v, m in zip(column(name), column(f"{name}_masked"), strict=True)]
        for name in ("phone", "email", "address")
    ]
    buyers = zip(
        column("buyer_id"), column("buyer_name"), column("buyer_region"), *contacts, created,
        strict=True,
    )  # fmt: skip
    incoming = []
    blake = hashlib.blake2b
    dumps = marshal.dumps
    for values, (key, name, region, phone, email, address, seen) in zip(
        zip(*order_values, strict=True), buyers, strict=True
    ):
        who = (platform, name, region, phone, email, address, None, seen)
        digest = blake(dumps((values, key, who, None), 2), digest_size=16).hexdigest()
        incoming.append(Incoming(values, key, who if key is not None else None, None, digest))
    return incoming


_MASKED: Final = (None, True)


def _parts(value: str | None, masked: bool) -> tuple[str | None, bool] | None:
    """:func:`~winback.store._customers.contact_parts` of a (value, masked) pair."""
    if masked:
        return _MASKED
    return None if value is None else (value, False)
