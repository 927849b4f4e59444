"""Erasure of a buyer's personal data on request (PIPL, GDPR; PRODUCT non-negotiables).

:func:`erase_buyer` removes or anonymises the buyer's contacts, name, address and texts in
every table of one store, cancels what was still to be sent to them and suppresses them,
and keeps the orders' amounts so the figures still add up. It is idempotent: erasing an
erased buyer finds no one (their key is gone) and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from winback.app import App
from winback.errors import WinbackError
from winback.privacy import mask_text
from winback.services.stores import find_store
from winback.store import buyers, erasure

__all__ = ["Erased", "NoSuchBuyer", "erase_buyer"]


class NoSuchBuyer(WinbackError):
    """No buyer with that key in the store (already erased, or never known)."""


@dataclass(frozen=True, slots=True)
class Erased:
    store: str
    buyer: str
    erased_at: str
    changed: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "buyer": self.buyer,
            "erased_at": self.erased_at,
            "changed": self.changed,
        }


def erase_buyer(
    app: App, store: str, customer_key: str, *, requested_by: str | None = None
) -> Erased:
    """Erase the buyer ``customer_key`` (as the store knows them: an e-mail, a phone, a
    platform handle) from ``store``."""
    info = find_store(app, store)
    now = app.clock.now()
    with app.engine.begin() as conn:
        buyer = buyers.buyer_by_key(conn, info.id, customer_key)
        if buyer is None:
            raise NoSuchBuyer(f"no buyer {mask_text(customer_key)!r} in store {info.name!r}")
        addresses = sorted(
            {value for value in (buyer.phone, buyer.email, buyer.customer_key) if value}
        )
        changed = erasure.erase_customer(
            conn,
            info.id,
            buyer.id,
            addresses=addresses,
            now=now,
            requested_by=requested_by,
        )
    return Erased(info.name, mask_text(customer_key), now.isoformat(), changed)
