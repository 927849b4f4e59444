"""When an action is due, as column expressions: call windows, the store's yesterday, item
text for a message.

* Agent tasks (phone, platform chat) are moved into the next call window of the store's day
  (seed 003: 11:00–12:00 and around 16:00): :func:`into_window_sql`.
* "Yesterday" is the store's calendar day, not UTC's: :func:`yesterday`.

Instants travel through planning SQL as ``BIGINT`` microseconds since the epoch (UTC): exact,
and cheap to compare and add.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "CallWindows",
    "into_window_sql",
    "items_text_sql",
    "local_sql",
    "micros",
    "yesterday",
]

CallWindows = Sequence[tuple[time, time]]


def micros(delta: timedelta) -> int:
    """``delta`` in whole microseconds."""
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def yesterday(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the store's previous calendar day, as aware instants."""
    today = now.astimezone(zone).date()
    return _local(today - timedelta(days=1), time(0), zone), _local(today, time(0), zone)


def _local(on: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(on, at, tzinfo=zone)


def local_sql(instant_us: str) -> str:
    """The store-time wall clock (a ``TIMESTAMP``) of an instant in microseconds; the query
    binds the store's zone as ``$zone``."""
    return f"timezone($zone, make_timestamp({instant_us})::TIMESTAMPTZ)"


def into_window_sql(instant_us: str, windows: CallWindows) -> str:
    """The first instant at or after ``instant_us`` inside one of the call windows (store
    time), in microseconds; the instant itself when it already is in one or there are no
    windows. The windows are the settings' clock times (validated ``time`` values, written
    into the expression); the zone is ``$zone``.

    Today's windows are tried in order (the first whose end is still ahead), then the first
    window of the next day, which is always ahead."""
    if not windows:
        return instant_us
    ordered = sorted(windows)
    day = f"{local_sql(instant_us)}::DATE"

    def at(days: int, clock: time) -> str:
        moment = f"({day} + {days} + TIME '{clock.isoformat()}')"
        return f"epoch_us(timezone($zone, {moment}))"

    branches = " ".join(
        f"WHEN {instant_us} < {at(0, closes)} THEN greatest({instant_us}, {at(0, opens)})"
        for opens, closes in ordered
    )
    return f"(CASE {branches} ELSE {at(1, ordered[0][0])} END)"


def items_text_sql(titles: str, most: int = 2) -> str:
    """The first ``most`` distinct titles of the list ``titles``, ``"、"``-separated, with
    "…" when there were more: the ``item`` of a message."""
    distinct = f"list_filter({titles}, lambda x, i: list_position({titles}, x) = i)"
    return (
        f"(array_to_string(list_slice({distinct}, 1, {most}), '、') "
        f"|| CASE WHEN len({distinct}) > {most} THEN '…' ELSE '' END)"
    )
