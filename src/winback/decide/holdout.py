"""Holdout control groups (PRODUCT W5): a stable, hash-based draw per unit.

A unit (a buyer, or an order without a known buyer) is held out of a playbook when the hash
of (store, playbook, unit) falls below the playbook's share. The draw is the same every time
planning runs, needs no stored state, and differs between playbooks and stores, so one buyer
is not always the control. Held-out actions are stored but never sent, and measured.
:func:`holdout_sql` is the same draw as a column expression (DuckDB's ``sha256``), for
planning in columns; a test checks the two agree.
"""

from __future__ import annotations

import hashlib
from typing import Final

__all__ = ["holdout_draw", "holdout_sql", "is_held_out"]

_SCALE: Final = float(1 << 64)


def holdout_draw(store_id: int, playbook: str, unit: str) -> float:
    """A number in [0, 1) fixed by (store, playbook, unit), uniform over units."""
    digest = hashlib.sha256(f"{store_id}\x1f{playbook}\x1f{unit}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def is_held_out(store_id: int, playbook: str, unit: str, share: float) -> bool:
    """Whether ``unit`` is in the playbook's control group."""
    return holdout_draw(store_id, playbook, unit) < share


def holdout_sql(unit: str) -> str:
    """Whether the unit in column ``unit`` is held out, as SQL: :func:`is_held_out` with the
    store, playbook and share bound as ``$store_id``, ``$playbook`` and ``$share``."""
    digest = f"sha256(CAST($store_id AS VARCHAR) || chr(31) || $playbook || chr(31) || {unit})"
    return f"(CAST('0x' || substr({digest}, 1, 16) AS UBIGINT) / {_SCALE!r} < $share)"
