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
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Final

import pyarrow as pa

from winback.ingest.records import OrderTable
from winback.store._customers import Info, Sighting
from winback.store._orders import ORDER_COLUMNS, Incoming, Row

CREATED: Final = ORDER_COLUMNS.index("created_at")


def incoming_orders(orders: OrderTable, *, chunk: int) -> Iterator[list[Incoming]]:
    """The table's orders as :class:`Incoming` values, ``chunk`` at a time."""
    table = orders.table
    platform = orders.platform.value
    for start in range(0, table.num_rows, chunk):
        yield _incoming(table.slice(start, chunk), platform)


@dataclass(slots=True)
class CanonicalOrders:
    """A table's orders in canonical form, column by column: what :class:`Incoming` holds
    per order, without an object per order."""

    columns: list[list[Any]]  # one list per name of ORDER_COLUMNS
    values: list[Row]  # the same, per order
    keys: list[str | None]  # the buyer key of each order
    buyers: list[Sighting]  # what each order says of its buyer
    first_infos: list[Info]  # the same as customer info, were it the buyer's first sighting
    fingerprints: list[str]


def canonical_orders(table: pa.Table, platform: str) -> CanonicalOrders:
    """The canonical columns, values and fingerprints of a table's orders."""

    converted: dict[str, list[Any]] = {}

    def column(name: str) -> list[Any]:
        """The column as Python values (each converted once: several parts use one)."""
        found = converted.get(name)
        if found is None:
            values = table.column(name)
            if pa.types.is_timestamp(values.type):
                values = values.cast(pa.int64())
            found = converted[name] = values.to_pylist()
        return found

    rows = table.num_rows
    columns = [[platform] * rows if name == "platform" else column(name) for name in ORDER_COLUMNS]
    contacts = [
        [_parts(v, m) for v, m in zip(column(name), column(f"{name}_masked"), strict=True)]
        for name in ("phone", "email", "address")
    ]
    keys = column("buyer_id")
    buyers = list(
        zip(
            repeat(platform, rows), column("buyer_name"), column("buyer_region"), *contacts,
            repeat(None, rows), columns[CREATED],
            strict=True,
        )
    )  # fmt: skip
    # A contact column holds None where masked, so (value, masked) is already the info's pair.
    first_infos = list(
        zip(
            column("buyer_name"), column("buyer_region"),
            column("phone"), column("phone_masked"), column("email"), column("email_masked"),
            column("address"), column("address_masked"), repeat(None, rows), columns[CREATED],
            strict=True,
        )
    )  # fmt: skip
    values = list(zip(*columns, strict=True))
    blake, dumps = hashlib.blake2b, marshal.dumps
    fingerprints = [
        blake(dumps((v, key, who, None), 2), digest_size=16).hexdigest()
        for v, key, who in zip(values, keys, buyers, strict=True)
    ]
    return CanonicalOrders(columns, values, keys, buyers, first_infos, fingerprints)


def _incoming(table: pa.Table, platform: str) -> list[Incoming]:
    orders = canonical_orders(table, platform)
    return [
        Incoming(values, key, who if key is not None else None, None, fingerprint)
        for values, key, who, fingerprint in zip(
            orders.values, orders.keys, orders.buyers, orders.fingerprints, strict=True
        )
    ]


_MASKED: Final = (None, True)


def _parts(value: str | None, masked: bool) -> tuple[str | None, bool] | None:
    """:func:`~winback.store._customers.contact_parts` of a (value, masked) pair."""
    if masked:
        return _MASKED
    return None if value is None else (value, False)
