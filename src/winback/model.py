"""The pure domain: order statuses, the order state machine, and the names of things.

Nothing here touches a database, a file or the network.

The order state machine
-----------------------
An order moves forward through its lifecycle, or ends in one of three terminal states::

    pending ──► paid ──► shipped ──► delivered ──► settled
       │          │         │            │            │
       ▼          ▼         └─────┬──────┴────────────┘
     closed    cancelled          ▼
                               refunded

* ``pending``   placed, not paid (待付款 / WAIT_BUYER_PAY / Shopify ``pending``).
* ``paid``      paid, not shipped (待发货 / WAIT_SELLER_SEND_GOODS).
* ``shipped``   handed to the carrier (已发货 / WAIT_BUYER_CONFIRM_GOODS).
* ``delivered`` signed for by the buyer, not yet confirmed (买家已签收 / TRADE_BUYER_SIGNED).
* ``settled``   confirmed; the money reached the seller (交易成功 / TRADE_FINISHED).
* ``closed``    closed *before payment* (timeout, buyer or seller closed it; 交易关闭 without
  payment, TRADE_CLOSED_BY_TAOBAO, Shopify cancelled unpaid, WooCommerce failed/cancelled).
* ``cancelled`` cancelled after payment, before shipment; the money goes back.
* ``refunded``  fully refunded after payment (TRADE_CLOSED after payment, Shopify refunded).

Partial refunds do not change the status: they are an amount on the order.

Imports and webhooks arrive late and out of order, so :func:`advance` is the one rule for a
status update: it moves forward, or stays put; it never moves backwards and never leaves a
terminal state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Final


class OrderStatus(StrEnum):
    """Where an order stands. See the module docstring for the state machine."""

    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    SETTLED = "settled"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES

    @property
    def was_paid(self) -> bool:
        """True for every status that implies the buyer paid at some point."""
        return self not in (OrderStatus.PENDING, OrderStatus.CLOSED)


TERMINAL_STATUSES: Final = frozenset(
    {OrderStatus.CLOSED, OrderStatus.CANCELLED, OrderStatus.REFUNDED}
)

# Position along the forward path; terminal states are reached by ALLOWED_MOVES only.
_PROGRESS: Final = {
    OrderStatus.PENDING: 0,
    OrderStatus.PAID: 1,
    OrderStatus.SHIPPED: 2,
    OrderStatus.DELIVERED: 3,
    OrderStatus.SETTLED: 4,
}

ALLOWED_MOVES: Final[dict[OrderStatus, frozenset[OrderStatus]]] = {
    OrderStatus.PENDING: frozenset(
        {
            OrderStatus.PAID,
            OrderStatus.SHIPPED,
            OrderStatus.DELIVERED,
            OrderStatus.SETTLED,
            OrderStatus.CLOSED,
            OrderStatus.CANCELLED,
            OrderStatus.REFUNDED,
        }
    ),
    OrderStatus.PAID: frozenset(
        {
            OrderStatus.SHIPPED,
            OrderStatus.DELIVERED,
            OrderStatus.SETTLED,
            OrderStatus.CANCELLED,
            OrderStatus.REFUNDED,
        }
    ),
    OrderStatus.SHIPPED: frozenset(
        {OrderStatus.DELIVERED, OrderStatus.SETTLED, OrderStatus.REFUNDED}
    ),
    OrderStatus.DELIVERED: frozenset({OrderStatus.SETTLED, OrderStatus.REFUNDED}),
    OrderStatus.SETTLED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.CLOSED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.REFUNDED: frozenset(),
}


def can_move(current: OrderStatus, new: OrderStatus) -> bool:
    """Whether ``current → new`` is a legal forward move (staying put is not a move)."""
    return new in ALLOWED_MOVES[current]


def advance(current: OrderStatus, reported: OrderStatus) -> OrderStatus:
    """The status an order should have after a source reports ``reported``.

    Forward moves are taken; a report that would move the order backwards (an older export
    row, a late webhook) or out of a terminal state is ignored and ``current`` is kept.
    """
    return reported if can_move(current, reported) else current


def progress(status: OrderStatus) -> int:
    """Rank along the forward path (pending=0 … settled=4); terminal states rank 5."""
    return _PROGRESS.get(status, 5)


class Platform(StrEnum):
    """The sources winback reads. ``generic`` is any file described by a mapping."""

    TAOBAO = "taobao"
    TMALL = "tmall"
    JD = "jd"
    PDD = "pdd"
    DOUYIN = "douyin"
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"
    GENERIC = "generic"


class Channel(StrEnum):
    """Ways to reach a buyer; consent is kept per channel."""

    SMS = "sms"
    EMAIL = "email"
    PHONE = "phone"
    IM = "im"


class ChatSender(StrEnum):
    BUYER = "buyer"
    STAFF = "staff"


class ActionChannel(StrEnum):
    """How an action reaches its recipient: a direct message, or a task for an agent.

    ``phone_task`` and ``chat_task`` are work for the shop's agents (call the buyer, write on
    the platform's own chat); ``im_robot`` posts to the team's WeCom/DingTalk robot.
    """

    EMAIL = "email"
    SMS = "sms"
    IM_ROBOT = "im_robot"
    PHONE_TASK = "phone_task"
    CHAT_TASK = "chat_task"

    @property
    def is_task(self) -> bool:
        return self in (ActionChannel.PHONE_TASK, ActionChannel.CHAT_TASK)

    @property
    def consent_channel(self) -> Channel | None:
        """The consent that governs this channel (None: an agent task or a team robot)."""
        return {ActionChannel.EMAIL: Channel.EMAIL, ActionChannel.SMS: Channel.SMS}.get(self)


class Purpose(StrEnum):
    """Transactional messages (a payment reminder about the buyer's own order) and marketing
    (win-back, offers) have separate quiet hours, caps and consent rules."""

    TRANSACTIONAL = "transactional"
    MARKETING = "marketing"


@dataclass(frozen=True)
class PlannedAction:
    """What :mod:`winback.decide` wants done; the outbox stores it, the dispatcher sends it.

    ``key`` is the idempotency key, unique per store: ``order:<order_id>:<playbook>:<step>``
    or ``buyer:<customer_key>:<playbook>:<step>`` for a merged reminder. Planning twice
    yields the same keys, so the outbox stores each action once. ``held_out`` actions are
    the playbook's control group: stored, never sent, measured. ``expires_at`` is when the
    action stops making sense (the platform's auto-close deadline).
    """

    store_id: int
    key: str
    playbook: str
    step: int
    channel: ActionChannel
    purpose: Purpose
    due_at: datetime
    template: str
    customer_id: int | None = None
    order_ids: tuple[str, ...] = ()
    amount: Decimal = Decimal(0)
    params: Mapping[str, str] = field(default_factory=dict)
    expires_at: datetime | None = None
    held_out: bool = False

    def __post_init__(self) -> None:
        for name in ("due_at", "expires_at"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"{name} must be time-zone aware: {value!r}")
