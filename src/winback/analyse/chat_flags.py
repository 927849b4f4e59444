"""D4: what went wrong in the chat before a lost order — the seed's service failures.

For every lost order (closed, cancelled or refunded) that has a conversation — the buyer's
chat from a day before the order was placed to two days after, or lines carrying the order id
(:func:`~winback.analyse.lost_orders.lost_order_chats`) — four flags:

``asked_to_reorder``       a staff line asks the buyer to place the order again (重拍, 重新拍,
                           重新下单, 取消后再拍, "please place the order again"): the seed's
                           promotion failure, 20% of its lost buyers.
``cannot_change_price``    a staff line refuses to change the price (无法改价, 不能改价, 改不了价,
                           价格改不了, "can't change the price"); a bare 改不了 / 不能改 counts
                           only when the buyer's line before it is about the price, so
                           "地址改不了" is not flagged.
``slow_first_response``    the first staff line after the buyer's first line came later than
                           ``slow_first_response`` (default 3 minutes), or never came.
                           Conversations the buyer did not start are not flagged.
``no_next_day_follow_up``  the order was still unpaid at the end of the store-calendar day it
                           was placed, and no staff line reached the buyer on the next day.

Patterns are in :mod:`winback.analyse.chat_patterns`; texts are matched case-insensitively
with curly apostrophes straightened. Staff lines only are searched for the first two flags.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

import pyarrow as pa

from winback.analyse.chat_patterns import asks_to_reorder, refuses_price_change
from winback.analyse.lost_orders import lost_order_chats, lost_order_list

__all__ = ["FLAGS", "chat_flag_summary", "chat_flags"]

FLAGS: Final = {
    "asked_to_reorder": ("客服让买家重拍", "Staff asked the buyer to re-order"),
    "cannot_change_price": ("客服称无法改价", "Staff said the price cannot be changed"),
    "slow_first_response": ("首次响应慢", "Slow first response"),
    "no_next_day_follow_up": ("次日未跟进", "No follow-up the next day"),
}
"""Flag column → (zh label, en label)."""

SCHEMA: Final = pa.schema(
    [
        ("order_id", pa.string()),
        ("customer_key", pa.string()),
        ("status", pa.string()),
        ("day", pa.date32()),
        ("amount", pa.decimal128(18, 2)),
        ("lines", pa.int64()),
        ("first_response_s", pa.float64()),
        *((name, pa.bool_()) for name in FLAGS),
        ("excerpt", pa.string()),
    ]
)


@dataclass(frozen=True, slots=True)
class _Line:
    sent_at: datetime
    sender: str
    text: str
    staff: str | None


def chat_flags(
    orders: pa.Table,
    chats: pa.Table,
    *,
    timezone: str,
    slow_first_response: timedelta = timedelta(minutes=3),
    excerpt_lines: int = 8,
    start: date | None = None,
    end: date | None = None,
) -> pa.Table:
    """One row per lost order placed in ``[start, end]`` that has a conversation: the order,
    ``lines`` (length of the conversation), ``first_response_s`` (null when the buyer did
    not write first or nobody answered), the four flags of :data:`FLAGS` and ``excerpt``, the
    last ``excerpt_lines`` lines as ``MM-DD HH:MM sender: text`` in store time."""
    zone = ZoneInfo(timezone)
    lost = lost_order_list(orders, timezone=timezone, start=start, end=end)
    conversations = _conversations(lost_order_chats(lost, chats))
    rows = [
        _flag_row(order, conversations[order["order_id"]], zone, slow_first_response, excerpt_lines)
        for order in lost.to_pylist()
        if order["order_id"] in conversations
    ]
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def chat_flag_summary(flags: pa.Table, *, lost_orders: int | None = None) -> pa.Table:
    """Per flag: ``flag``, labels, ``orders`` flagged, ``share`` of the lost orders with a
    conversation (the rows of ``flags``) and, when ``lost_orders`` is given, ``share_of_lost``
    of all lost orders in the period."""
    total = flags.num_rows
    rows: list[dict[str, Any]] = []
    for name, (zh, en) in FLAGS.items():
        count = sum(bool(value) for value in flags[name].to_pylist())
        rows.append(
            {
                "flag": name,
                "label_zh": zh,
                "label_en": en,
                "orders": count,
                "share": count / total if total else None,
                "share_of_lost": count / lost_orders if lost_orders else None,
            }
        )
    return pa.Table.from_pylist(rows)


def _conversations(lines: pa.Table) -> dict[str, list[_Line]]:
    grouped: dict[str, list[_Line]] = {}
    for row in lines.to_pylist():
        line = _Line(row["sent_at"], row["sender"] or "", row["text"] or "", row["staff"])
        grouped.setdefault(row["order_id"], []).append(line)
    return grouped


def _flag_row(
    order: dict[str, Any],
    lines: Sequence[_Line],
    zone: ZoneInfo,
    slow: timedelta,
    excerpt_lines: int,
) -> dict[str, Any]:
    response = _first_response(lines)
    return {
        "order_id": order["order_id"],
        "customer_key": order["customer_key"],
        "status": order["status"],
        "day": order["day"],
        "amount": order["amount"],
        "lines": len(lines),
        "first_response_s": None if response is None else response.total_seconds(),
        "asked_to_reorder": any(asks_to_reorder(line.text) for line in _staff(lines)),
        "cannot_change_price": _refused_price(lines),
        "slow_first_response": _buyer_wrote_first(lines) and (response is None or response > slow),
        "no_next_day_follow_up": _no_next_day_follow_up(order, lines, zone),
        "excerpt": _excerpt(lines[-excerpt_lines:] if excerpt_lines > 0 else [], zone),
    }


def _first_response(lines: Sequence[_Line]) -> timedelta | None:
    """Time from the buyer's first line to the first staff line after it, or None."""
    asked = next((line.sent_at for line in lines if line.sender == "buyer"), None)
    if asked is None:
        return None
    answer = next((ln.sent_at for ln in _staff(lines) if ln.sent_at >= asked), None)
    return None if answer is None else answer - asked


def _excerpt(lines: Sequence[_Line], zone: ZoneInfo) -> str:
    """The lines as ``MM-DD HH:MM sender: text``, one a line, in the store's time."""
    return "\n".join(
        f"{line.sent_at.astimezone(zone):%m-%d %H:%M} {_speaker(line)}: {line.text}"
        for line in lines
    )


def _speaker(line: _Line) -> str:
    if line.sender == "staff" and line.staff:
        return f"staff ({line.staff})"
    return line.sender


def _staff(lines: Sequence[_Line]) -> list[_Line]:
    return [line for line in lines if line.sender == "staff"]


def _buyer_wrote_first(lines: Sequence[_Line]) -> bool:
    return any(line.sender == "buyer" for line in lines)


def _refused_price(lines: Sequence[_Line]) -> bool:
    last_buyer_text = ""
    for line in lines:
        if line.sender == "buyer":
            last_buyer_text = line.text
        elif line.sender == "staff" and refuses_price_change(line.text, last_buyer_text):
            return True
    return False


def _no_next_day_follow_up(order: dict[str, Any], lines: Sequence[_Line], zone: ZoneInfo) -> bool:
    placed: date = order["day"]
    next_day = placed + timedelta(days=1)
    paid_at: datetime | None = order["paid_at"]
    if paid_at is not None and paid_at.astimezone(zone).date() <= placed:
        return False
    return not any(line.sent_at.astimezone(zone).date() == next_day for line in _staff(lines))
