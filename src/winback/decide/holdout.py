"""Holdout control groups (PRODUCT W5): a stable, hash-based draw per unit.

A unit (a buyer, or an order without a known buyer) is held out of a playbook when the hash
of (store, playbook, unit) falls below the playbook's share. The draw is the same every time
planning runs, needs no stored state, and differs between playbooks and stores, so one buyer
is not always the control. Held-out actions are stored but never sent, and measured.
"""

from __future__ import annotations

import hashlib
from typing import Final

__all__ = ["holdout_draw", "is_held_out"]

_SCALE: Final = float(1 << 64)


def holdout_draw(store_id: int, playbook: str, unit: str) -> float:
    """A number in [0, 1) fixed by (store, playbook, unit), uniform over units."""
    digest = hashlib.sha256(f"{store_id}\x1f{playbook}\x1f{unit}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def is_held_out(store_id: int, playbook: str, unit: str, share: float) -> bool:
    """Whether ``unit`` is in the playbook's control group."""
    return holdout_draw(store_id, playbook, unit) < share
