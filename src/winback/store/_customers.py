"""Customers and their consent, keyed by the platform's buyer id (``customer_key``).

Every buyer seen anywhere (orders, customer lists, chats, carts, wishlists, feedback) is a
customer row, so later layers can join on ``customer_id``. Contacts follow one rule: a usable
value replaces whatever was there; a masked sighting is recorded only when no usable value is
known (a platform masking its export does not erase a phone number we already have).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any, Final

from winback.ingest.records import Contact, CustomerRecord
from winback.model import Channel
from winback.store._bulk import Bulk
from winback.store.schema import consents, customers, to_epoch_us
from winback.store.types import KindCounts

# Canonical customer info: name, region, phone, phone_masked, email, email_masked,
# address, address_masked, tags (JSON or None), first_seen_at (µs or None).
Info = tuple[Any, ...]
NO_INFO: Final[Info] = (None, None, None, False, None, False, None, False, None, None)

INFO_COLUMNS: Final = (
    "name", "region", "phone", "phone_masked", "email", "email_masked",
    "address", "address_masked", "tags", "first_seen_at",
)  # fmt: skip


Row = tuple[Any, ...]
Sighting = tuple[Any, ...]
"""What one record says about a buyer, None where it says nothing: (platform, name, region,
phone, email, address, tags, seen_at) with each contact as :func:`contact_parts`."""


def sighting(
    platform: str,
    *,
    name: str | None = None,
    region: str | None = None,
    phone: Contact | None = None,
    email: Contact | None = None,
    address: Contact | None = None,
    tags: str | None = None,
    seen_at: int | None = None,
) -> Sighting:
    return (
        platform, name, region,
        contact_parts(phone), contact_parts(email), contact_parts(address),
        tags, seen_at,
    )  # fmt: skip


def contact_parts(contact: Contact | None) -> tuple[str | None, bool] | None:
    """(value, masked) for a contact that says something; None for an unknown one."""
    if contact is None:
        return None
    if contact.masked:
        return _MASKED
    if contact.value is None:
        return None
    return (contact.value, False)


_MASKED: Final = (None, True)


def merge_info(stored: Info, seen: Sighting) -> Info:
    name, region, phone, phone_m, email, email_m, address, address_m, tags, first = stored
    _, s_name, s_region, s_phone, s_email, s_address, s_tags, seen_at = seen
    if s_phone is not None:
        phone, phone_m = _merge_contact(phone, phone_m, s_phone)
    if s_email is not None:
        email, email_m = _merge_contact(email, email_m, s_email)
    if s_address is not None:
        address, address_m = _merge_contact(address, address_m, s_address)
    if seen_at is not None and (first is None or seen_at < first):
        first = seen_at
    return (
        s_name if s_name is not None else name,
        s_region if s_region is not None else region,
        phone, phone_m, email, email_m, address, address_m,
        s_tags if s_tags is not None else tags,
        first,
    )  # fmt: skip


def _first_info(seen: Sighting) -> Info:
    """``merge_info(NO_INFO, seen)``, faster: the common case of a first import."""
    _, name, region, phone, email, address, tags, seen_at = seen
    return (
        name, region, *(phone or _UNKNOWN), *(email or _UNKNOWN), *(address or _UNKNOWN),
        tags, seen_at,
    )  # fmt: skip


_UNKNOWN: Final = (None, False)


def _fold(info: Info, sightings: Iterable[Sighting]) -> Info:
    for seen in sightings:
        info = merge_info(info, seen)
    return info


def _merge_contact(
    value: str | None, masked: bool, seen: tuple[str | None, bool]
) -> tuple[str | None, bool]:
    new_value, new_masked = seen
    if new_value is not None:
        return new_value, False
    return (value, masked) if value is not None else (None, new_masked)


class CustomerBook:
    """Customer ids and info for one store during one :func:`apply_records` call."""

    def __init__(self, bulk: Bulk, store_id: int) -> None:
        self.bulk = bulk
        self.store_id = store_id
        self.known: dict[str, tuple[int, Info]] = {}
        self.store_is_empty = not bulk.rows(
            "SELECT 1 FROM customers WHERE store_id = :store LIMIT 1", store=store_id
        )

    def ids(self, keys: Iterable[str]) -> dict[str, int]:
        """Row ids of existing customers among ``keys`` (no new rows)."""
        self._load([k for k in set(keys) if k not in self.known])
        return {k: self.known[k][0] for k in keys if k in self.known}

    def settle(self, sightings: dict[str, list[Sighting]]) -> tuple[dict[str, int], KindCounts]:
        """Create or update the customers in ``sightings`` (each key's sightings in the order
        they were made); returns every key's row id and what happened to the rows."""
        self._load([k for k in sightings if k not in self.known])
        new, changed, unchanged = plan_customers(self.known, sightings)
        ids = self.bulk.allocate_ids(customers, len(new))
        inserts, updates = customer_rows(self.known, self.store_id, new, changed, ids)
        write_customers(self.bulk, inserts, updates)
        result = {k: self.known[k][0] for k in sightings}
        return result, KindCounts(len(inserts), len(updates), unchanged)

    def _load(self, keys: Sequence[str]) -> None:
        if not keys or self.store_is_empty:
            return
        b = self.bulk
        sql = (
            "SELECT customer_key, id, name, region, phone, phone_masked, email, email_masked, "
            f"address, address_masked, tags, {b.instant('first_seen_at')} "
            f"FROM customers WHERE store_id = :store AND {b.in_keys('customer_key')}"
        )
        for key, row_id, name, region, ph, ph_m, em, em_m, ad, ad_m, tags, first in b.rows_by_keys(
            sql, keys, store=self.store_id
        ):
            info = (name, region, ph, bool(ph_m), em, bool(em_m), ad, bool(ad_m), tags, first)
            self.known[key] = (row_id, info)


NewCustomer = tuple[str, str, Info]
"""(platform, customer key, info) of a customer to create."""


def plan_customers(
    known: Mapping[str, tuple[Any, Info]],
    sightings: dict[str, list[Sighting]],
    firsts: Mapping[str, Info] | None = None,
) -> tuple[list[NewCustomer], list[tuple[str, Info]], int]:
    """What ``sightings`` do to customers whose stored info ``known`` holds (key → (row id,
    info)): the customers to create, in the order they were first seen; the customers whose
    info changes, with their merged info; and how many stay as they are. ``firsts`` may hold
    each key's first sighting as info already (``_first_info`` of it, made column-wise)."""
    new: list[NewCustomer] = []
    changed: list[tuple[str, Info]] = []
    unchanged = 0
    for key, seen in sightings.items():
        stored = known.get(key)
        if stored is None:
            if len(seen) > 1:
                info = _fold(NO_INFO, seen)
            else:
                info = _first_info(seen[0]) if firsts is None else firsts[key]
            new.append((seen[0][0], key, info))
            continue
        merged = _fold(stored[1], seen)
        if merged != stored[1]:
            changed.append((key, merged))
        else:
            unchanged += 1
    return new, changed, unchanged


INSERT_COLUMNS: Final = ("id", "store_id", "platform", "customer_key", *INFO_COLUMNS)


def customer_rows(
    known: dict[str, tuple[int, Info]],
    store_id: int,
    new: Sequence[NewCustomer],
    changed: Sequence[tuple[str, Info]],
    ids: Sequence[int],
) -> tuple[list[Row], list[Row]]:
    """Record a :func:`plan_customers` outcome in ``known`` (the new customers get ``ids``)
    and return the rows to insert ``(*INSERT_COLUMNS)`` and to update ``(*INFO_COLUMNS, id)``.
    The inserts come in key order, so SQLite's (store, key) index takes them as runs; their
    ids stay in the order the buyers were first seen."""
    inserts = []
    for (platform, key, info), row_id in zip(new, ids, strict=True):
        known[key] = (row_id, info)
        inserts.append((row_id, store_id, platform, key, *info))
    inserts.sort(key=itemgetter(3))
    updates = []
    for key, info in changed:
        row_id = known[key][0]
        known[key] = (row_id, info)
        updates.append((*info, row_id))
    return inserts, updates


def write_customers(bulk: Bulk, inserts: Sequence[Row], updates: Sequence[Row]) -> None:
    """Insert rows ``(*INSERT_COLUMNS)`` and update rows ``(*INFO_COLUMNS, id)``."""
    bulk.insert(customers, INSERT_COLUMNS, inserts)
    bulk.update(customers, INFO_COLUMNS, updates)


def customer_sighting(record: CustomerRecord) -> Sighting:
    return sighting(
        record.platform.value,
        name=record.name,
        region=record.region,
        phone=record.phone,
        email=record.email,
        tags=json.dumps(list(record.tags), ensure_ascii=False) if record.tags else None,
        seen_at=None if record.created_at is None else to_epoch_us(record.created_at),
    )


def apply_consents(
    bulk: Bulk,
    ids: dict[str, int],
    records: Sequence[CustomerRecord],
    *,
    source: str,
    now_us: int,
) -> int:
    """Append a consent row where a record states a consent that differs from the latest
    recorded one. ``None`` (the source did not say) records nothing. Returns rows written."""
    stated: dict[tuple[int, str], bool] = {}
    for record in records:
        customer = ids[record.customer_id]
        for channel, granted in (
            (Channel.EMAIL.value, record.accepts_email_marketing),
            (Channel.SMS.value, record.accepts_sms_marketing),
        ):
            if granted is not None:
                stated[(customer, channel)] = granted
    if not stated:
        return 0
    latest = latest_consents(bulk, sorted({c for c, _ in stated}))
    rows = [
        (customer, channel, granted, source, now_us)
        for (customer, channel), granted in stated.items()
        if latest.get((customer, channel)) is not granted
    ]
    bulk.insert(consents, ("customer_id", "channel", "granted", "source", "recorded_at"), rows)
    return len(rows)


def latest_consents(bulk: Bulk, customer_ids: Sequence[int]) -> dict[tuple[int, str], bool | None]:
    """The newest consent statement per (customer, channel)."""
    sql = (
        "SELECT customer_id, channel, granted FROM consents c "
        f"WHERE {bulk.in_keys('customer_id')} AND id = ("
        "  SELECT max(id) FROM consents l "
        "  WHERE l.customer_id = c.customer_id AND l.channel = c.channel)"
    )
    return {
        (customer, channel): None if granted is None else bool(granted)
        for customer, channel, granted in bulk.rows_by_keys(sql, customer_ids)
    }
