"""How the demo's simulated buyers answer the recovery actions: who pays an open order, and
when, after the demo's reminders went out (or did not, for the held-out buyers).

**These are the simulation's assumptions, not measurements.** They exist so that the demo
can show the whole loop — reminders go out, some buyers pay, the recovery report measures
the payments against the holdout — and they are chosen to be plausible for a Taobao
women's-wear shop, not taken from any shop's data:

* :data:`BASELINE_LATE_PAYMENT` — the chance that an order still open when the demo plans
  its reminders is paid before it closes *without any action*. It applies to everyone,
  held-out buyers included: it is the baseline the holdout measures.
* :data:`UPLIFT` — the chance, per channel, that a buyer who is reached and has not paid
  yet pays because of it (a phone call works better than a chat message, an SMS better
  than an e-mail). A buyer reached several times responds to the first action whose
  uplift beats their own propensity, so a second, stronger action can still convert them.
* :data:`RETURNING_FACTOR` — returning buyers respond that much more (seed 003: 老客户
  answer a care message more readily).
* :data:`RESPONSE_DELAY` — the mean of the exponential delay between being reached and
  paying.

An order not paid by its auto-close deadline (created + ``close_after``) closes at the
deadline, as Taobao closes it (``超时未付款，交易自动关闭``). Held-out buyers are never
reached (their actions are never sent), so their uplift is zero by construction.

Every draw is a function of the demo seed and the order id alone, so the answer for an
order does not depend on which other orders exist, and calling :func:`respond` again with
more actions (later in the demo's day) never changes a payment that already happened.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

import numpy as np

from winback.ingest.records import OrderRecord
from winback.model import ActionChannel, OrderStatus, Platform

__all__ = [
    "AUTO_CLOSE_REASON",
    "BASELINE_LATE_PAYMENT",
    "RESPONSE_DELAY",
    "RETURNING_FACTOR",
    "UPLIFT",
    "OpenOrder",
    "Response",
    "Touch",
    "assumptions",
    "orders_at",
    "respond",
]

BASELINE_LATE_PAYMENT: Final = 0.06
"""Share of open orders paid before they close with no action at all (assumption)."""

UPLIFT: Final[Mapping[ActionChannel, float]] = {
    ActionChannel.PHONE_TASK: 0.30,
    ActionChannel.CHAT_TASK: 0.18,
    ActionChannel.SMS: 0.12,
    ActionChannel.EMAIL: 0.05,
    ActionChannel.IM_ROBOT: 0.0,
}
"""Chance that a reached, still unpaid buyer pays because of the action (assumption)."""

RETURNING_FACTOR: Final = 1.5
"""Returning buyers' uplift is this multiple of a new buyer's (assumption)."""

RESPONSE_DELAY: Final = timedelta(minutes=45)
"""Mean delay between being reached and paying, exponential (assumption)."""

AUTO_CLOSE_REASON: Final = "超时未付款，交易自动关闭"
PAYMENT_METHODS: Final[Mapping[Platform, str]] = {Platform.SHOPIFY: "Shopify Payments"}
"""How a late payment is paid, per platform (Alipay where not named)."""
_STREAM: Final = 8  # the simulator uses streams 0–7 of the seed


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """An order still unpaid when the demo plans its reminders."""

    order_id: str
    created_at: datetime
    returning: bool


@dataclass(frozen=True, slots=True)
class Touch:
    """A recovery action that reached the buyer of ``order_id`` through ``channel``."""

    order_id: str
    channel: ActionChannel
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class Response:
    """What became of an open order by the end of the simulated period. ``reminded`` says
    that the payment was caused by an action (the simulation knows; the report estimates)."""

    order_id: str
    paid_at: datetime | None = None
    closed_at: datetime | None = None
    reminded: bool = False


def assumptions() -> str:
    """The assumptions in one line, for the demo's output."""
    uplift = ", ".join(
        f"+{share:.0%} {channel.value.replace('_', ' ')}"
        for channel, share in UPLIFT.items()
        if share > 0
    )
    return (
        f"baseline {BASELINE_LATE_PAYMENT:.0%} late payment for everyone (held out too); "
        f"with a reminder {uplift}; returning buyers ×{RETURNING_FACTOR:g}"
    )


def respond(
    orders: Iterable[OpenOrder],
    touches: Iterable[Touch],
    *,
    seed: int,
    start: datetime,
    end: datetime,
    close_after: timedelta,
) -> dict[str, Response]:
    """Which open orders are paid or closed between ``start`` and ``end``, and when.

    ``touches`` are the actions that reached buyers so far; actions sent after an order
    was paid, or after ``end``, change nothing. Payments fall in ``(start, end]`` and before
    the order's deadline; a payment caused by an action falls after it.
    """
    by_order: dict[str, list[Touch]] = {}
    for touch in touches:
        by_order.setdefault(touch.order_id, []).append(touch)
    return {
        order.order_id: _response(
            order,
            sorted(by_order.get(order.order_id, ()), key=lambda t: t.sent_at),
            seed=seed,
            start=start,
            end=end,
            close_after=close_after,
        )
        for order in orders
    }


def _response(
    order: OpenOrder,
    touches: Sequence[Touch],
    *,
    seed: int,
    start: datetime,
    end: datetime,
    close_after: timedelta,
) -> Response:
    rng = np.random.default_rng([seed, _STREAM, zlib.crc32(order.order_id.encode())])
    baseline, when, propensity, delay = rng.random(4).tolist()
    deadline = order.created_at + close_after
    last_chance = min(deadline, end)
    paid: datetime | None = None
    reminded = False
    if last_chance > start and baseline < BASELINE_LATE_PAYMENT:
        paid = start + (last_chance - start) * max(when, 1e-6)
    factor = RETURNING_FACTOR if order.returning else 1.0
    for touch in touches:
        if touch.sent_at >= last_chance or (paid is not None and touch.sent_at >= paid):
            break
        if propensity < UPLIFT.get(touch.channel, 0.0) * factor:
            answer = touch.sent_at - RESPONSE_DELAY * float(np.log1p(-delay))
            if answer < last_chance and (paid is None or answer < paid):
                paid, reminded = answer, True
            break
    if paid is not None:
        return Response(order.order_id, paid_at=_whole_second(paid), reminded=reminded)
    closed = deadline if deadline <= end else None
    return Response(order.order_id, closed_at=closed)


def _whole_second(moment: datetime) -> datetime:
    """Exports show seconds: round up, so a payment never looks earlier than it was."""
    if moment.microsecond == 0:
        return moment
    return moment.replace(microsecond=0) + timedelta(seconds=1)


def orders_at(
    orders: Iterable[OrderRecord], responses: Mapping[str, Response], cutoff: datetime
) -> list[OrderRecord]:
    """The orders as an export taken at ``cutoff`` shows them: open orders paid or closed by
    then move forward (paid in full by Alipay, or auto-closed); nothing else changes."""
    moved = []
    for order in orders:
        response = responses.get(order.order_id)
        if response is None or order.status is not OrderStatus.PENDING:
            moved.append(order)
        elif response.paid_at is not None and response.paid_at <= cutoff:
            paid_at = response.paid_at.astimezone(order.created_at.tzinfo)
            moved.append(
                replace(
                    order,
                    status=OrderStatus.PAID,
                    paid_at=paid_at,
                    paid_amount=order.total_amount,
                    payment_method=PAYMENT_METHODS.get(order.platform, "支付宝"),
                )
            )
        elif response.closed_at is not None and response.closed_at <= cutoff:
            closed_at = response.closed_at.astimezone(order.created_at.tzinfo)
            moved.append(
                replace(
                    order,
                    status=OrderStatus.CLOSED,
                    closed_at=closed_at,
                    close_reason=AUTO_CLOSE_REASON,
                )
            )
        else:
            moved.append(order)
    return moved
