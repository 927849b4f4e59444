"""What buyers do besides ordering: chats, carts, wishlists, feedback; and stock levels.

Each kind has a natural key and re-applying the same records changes nothing:

=============  ==============================================  ==============================
kind           natural key                                     on a second sighting
=============  ==============================================  ==============================
chat           store, customer, sent_at, sender, text hash     fill staff/order id if unknown
cart           store, cart_id                                  newer ``updated_at`` replaces
wishlist       store, customer, product                        known values replace, earliest
                                                               ``added_at`` kept
feedback       store, feedback_id                              replaces
stock          store, sku, at                                  replaces
=============  ==============================================  ==============================
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table

from winback.ingest.records import (
    CartRecord,
    ChatMessageRecord,
    FeedbackRecord,
    StockRecord,
    WishlistRecord,
)
from winback.store._bulk import Bulk
from winback.store._customers import CustomerBook, Sighting, contact_parts, sighting
from winback.store._orders import split_attributes
from winback.store.schema import (
    UtcDateTime,
    cart_items,
    carts,
    chat_messages,
    feedback,
    stock_levels,
    to_epoch_us,
    to_minor_units,
    wishlists,
)
from winback.store.types import KindCounts

Row = tuple[Any, ...]
Merge = Callable[[Row, Row], Row]


def upsert(
    bulk: Bulk,
    table: Table,
    store_id: int,
    key_columns: Sequence[str],
    value_columns: Sequence[str],
    incoming: Sequence[tuple[Row, Row]],
    merge: Merge,
) -> tuple[KindCounts, dict[Row, int]]:
    """Insert or update ``(key, values)`` pairs by natural key (``store_id`` + key columns).

    ``merge(stored, incoming)`` gives the values to keep. Returns the counts and the row ids
    of the rows inserted or changed, by key."""
    batch: dict[Row, Row] = {}
    for key, values in incoming:
        batch[key] = merge(batch[key], values) if key in batch else values
    stored = _stored(bulk, table, store_id, key_columns, value_columns, batch)
    new_keys = [key for key in batch if key not in stored]
    ids = bulk.allocate_ids(table, len(new_keys))
    touched = dict(zip(new_keys, ids, strict=True))
    inserts = [(touched[k], store_id, *k, *batch[k]) for k in new_keys]
    updates = []
    for key, values in batch.items():
        if key in stored:
            row_id, old = stored[key]
            merged = merge(old, values)
            if merged != old:
                updates.append((*merged, row_id))
                touched[key] = row_id
    bulk.insert(table, ("id", "store_id", *key_columns, *value_columns), inserts)
    bulk.update(table, value_columns, updates)
    counts = KindCounts(len(inserts), len(updates), len(incoming) - len(inserts) - len(updates))
    return counts, touched


def _stored(
    bulk: Bulk,
    table: Table,
    store_id: int,
    key_columns: Sequence[str],
    value_columns: Sequence[str],
    batch: dict[Row, Row],
) -> dict[Row, tuple[int, Row]]:
    def read(column: str) -> str:
        return bulk.instant(column) if isinstance(table.c[column].type, UtcDateTime) else column

    columns = ", ".join(read(c) for c in ("id", *key_columns, *value_columns))
    sql = (
        f"SELECT {columns} FROM {table.name} "
        f"WHERE store_id = :store AND {bulk.in_keys(key_columns[0])}"
    )
    width = len(key_columns)
    firsts = sorted({key[0] for key in batch})
    stored: dict[Row, tuple[int, Row]] = {}
    for row in bulk.rows_by_keys(sql, firsts, store=store_id):
        key = tuple(row[1 : 1 + width])
        if key in batch:
            stored[key] = (row[0], tuple(row[1 + width :]))
    return stored


def _replace(_stored: Row, incoming: Row) -> Row:
    return incoming


def _fill(stored: Row, incoming: Row) -> Row:
    return tuple(s if s is not None else i for s, i in zip(stored, incoming, strict=True))


def _sightings(pairs: Sequence[tuple[str, Sighting]]) -> dict[str, list[Sighting]]:
    out: dict[str, list[Sighting]] = {}
    for key, seen in pairs:
        out.setdefault(key, []).append(seen)
    return out


def apply_chats(
    bulk: Bulk, store_id: int, book: CustomerBook, records: Sequence[ChatMessageRecord]
) -> KindCounts:
    ids, _ = book.settle(_sightings([(r.buyer_id, sighting(r.platform.value)) for r in records]))
    rows = []
    for r in records:
        text_hash = hashlib.blake2b(r.text.encode(), digest_size=16).hexdigest()
        key = (ids[r.buyer_id], to_epoch_us(r.sent_at), r.sender.value, text_hash)
        rows.append((key, (r.platform.value, r.text, r.staff, r.order_id)))
    counts, _ = upsert(
        bulk,
        chat_messages,
        store_id,
        ("customer_id", "sent_at", "sender", "text_hash"),
        ("platform", "text", "staff", "order_id"),
        rows,
        _fill,
    )
    return counts


def apply_wishlists(
    bulk: Bulk, store_id: int, book: CustomerBook, records: Sequence[WishlistRecord]
) -> KindCounts:
    ids, _ = book.settle(_sightings([(r.buyer_id, sighting(r.platform.value)) for r in records]))
    rows = [
        (
            (ids[r.buyer_id], r.product_id),
            (
                r.platform.value,
                to_epoch_us(r.added_at),
                r.title,
                r.sku,
                None if r.price is None else to_minor_units(r.price),
            ),
        )
        for r in records
    ]

    def merge(stored: Row, incoming: Row) -> Row:
        known = tuple(i if i is not None else s for s, i in zip(stored, incoming, strict=True))
        return (*known[:1], min(stored[1], incoming[1]), *known[2:])

    counts, _ = upsert(
        bulk,
        wishlists,
        store_id,
        ("customer_id", "product_id"),
        ("platform", "added_at", "title", "sku", "price"),
        rows,
        merge,
    )
    return counts


def apply_feedback(
    bulk: Bulk, store_id: int, book: CustomerBook, records: Sequence[FeedbackRecord]
) -> KindCounts:
    buyers = [(r.buyer_id, sighting(r.platform.value)) for r in records if r.buyer_id is not None]
    ids, _ = book.settle(_sightings(buyers))
    rows = [
        (
            (r.feedback_id,),
            (
                r.platform.value,
                to_epoch_us(r.at),
                r.kind,
                r.text,
                None if r.buyer_id is None else ids[r.buyer_id],
                r.order_id,
                r.rating,
            ),
        )
        for r in records
    ]
    counts, _ = upsert(
        bulk,
        feedback,
        store_id,
        ("feedback_id",),
        ("platform", "at", "kind", "text", "customer_id", "order_id", "rating"),
        rows,
        _replace,
    )
    return counts


def apply_stock(bulk: Bulk, store_id: int, records: Sequence[StockRecord]) -> KindCounts:
    rows = []
    for r in records:
        colour, size, rest = split_attributes(r.attributes)
        values = (r.platform.value, int(r.quantity), r.product_id, r.title, colour, size, rest)
        rows.append(((r.sku, to_epoch_us(r.at)), values))
    counts, _ = upsert(
        bulk,
        stock_levels,
        store_id,
        ("sku", "at"),
        ("platform", "quantity", "product_id", "title", "colour", "size", "attributes"),
        rows,
        _replace,
    )
    return counts


CART_VALUES = (
    "platform", "customer_id", "created_at", "updated_at", "currency",
    "email", "email_masked", "phone", "phone_masked", "order_id", "fingerprint",
)  # fmt: skip
ITEM_COLUMNS = (
    "cart_row_id", "position", "title", "quantity", "unit_price", "sku", "product_id",
    "colour", "size", "attributes",
)  # fmt: skip
_UPDATED_AT = CART_VALUES.index("updated_at")


def apply_carts(
    bulk: Bulk, store_id: int, book: CustomerBook, records: Sequence[CartRecord]
) -> KindCounts:
    buyers = [
        (r.buyer_id, sighting(r.platform.value, phone=r.phone, email=r.email))
        for r in records
        if r.buyer_id is not None
    ]
    ids, _ = book.settle(_sightings(buyers))
    latest: dict[Row, tuple[int, list[Row]]] = {}
    rows = []
    for r in records:
        cart_items_ = [_item(position, item) for position, item in enumerate(r.items)]
        email = contact_parts(r.email) or (None, False)
        phone = contact_parts(r.phone) or (None, False)
        updated_at = to_epoch_us(r.updated_at)
        values = (
            r.platform.value,
            None if r.buyer_id is None else ids[r.buyer_id],
            to_epoch_us(r.created_at),
            updated_at,
            r.currency,
            *email,
            *phone,
            r.order_id,
        )
        digest = hashlib.blake2b(marshal.dumps((values, tuple(cart_items_)), 2), digest_size=16)
        key = (r.cart_id,)
        if key not in latest or updated_at >= latest[key][0]:
            latest[key] = (updated_at, cart_items_)
        rows.append((key, (*values, digest.hexdigest())))

    def newer(stored: Row, incoming: Row) -> Row:
        return incoming if incoming[_UPDATED_AT] >= stored[_UPDATED_AT] else stored

    counts, touched = upsert(bulk, carts, store_id, ("cart_id",), CART_VALUES, rows, newer)
    bulk.delete_where_in(cart_items, "cart_row_id", list(touched.values()))
    bulk.insert(
        cart_items,
        ITEM_COLUMNS,
        [(row_id, *item) for key, row_id in touched.items() for item in latest[key][1]],
    )
    return counts


def _item(position: int, item: Any) -> Row:
    colour, size, rest = split_attributes(item.attributes)
    return (
        position,
        item.title,
        int(item.quantity),
        to_minor_units(item.unit_price),
        item.sku,
        item.product_id,
        colour,
        size,
        rest,
    )
