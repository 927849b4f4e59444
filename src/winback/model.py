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
from datetime import datetime, timedelta
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


@dataclass(frozen=True, slots=True)
class PaymentDelays:
    """How long a store's buyers took to pay: its paid orders with both times, the longest
    time from order to payment, and how many were paid later than the unpaid deadline."""

    paid: int
    longest: timedelta | None
    after_deadline: int


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


class ActionStatus(StrEnum):
    """Where a recovery action stands in the outbox (docs/recovery-engine.md has the diagram).

    ``due`` is not stored: it is a ``planned`` action whose ``due_at`` has come. Conversion
    (the buyer paid after the action) is recorded beside the status (``converted_at``), not
    as a status: a sent reminder stays ``sent`` whether or not it worked.

    * ``planned``   waiting for ``due_at`` (also after a deferral or a transient failure).
    * ``sending``   claimed by one dispatcher worker, which is delivering it now.
    * ``sent``      the channel accepted it (a task: it is on the agents' worklist).
    * ``failed``    the channel refused it for good, or the retries ran out.
    * ``cancelled`` its goal was reached without it (the order was paid or closed).
    * ``skipped``   the send policy refused it (suppressed, no consent, capped, expired).
    * ``held_out``  the playbook's control group: stored to be measured, never sent.
    * ``unknown``   a worker died while sending it and the provider cannot tell whether it
      arrived; it is never resent automatically (at most once).
    """

    PLANNED = "planned"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    HELD_OUT = "held_out"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        return not ACTION_MOVES[self]


ACTION_MOVES: Final[dict[ActionStatus, frozenset[ActionStatus]]] = {
    ActionStatus.PLANNED: frozenset(
        {ActionStatus.SENDING, ActionStatus.CANCELLED, ActionStatus.SKIPPED}
    ),
    ActionStatus.SENDING: frozenset(
        {
            ActionStatus.SENT,
            ActionStatus.FAILED,
            ActionStatus.CANCELLED,
            ActionStatus.SKIPPED,
            ActionStatus.PLANNED,  # deferred by quiet hours, or a transient failure to retry
            ActionStatus.UNKNOWN,
        }
    ),
    ActionStatus.SENT: frozenset(),
    ActionStatus.FAILED: frozenset(),
    ActionStatus.CANCELLED: frozenset(),
    ActionStatus.SKIPPED: frozenset(),
    ActionStatus.HELD_OUT: frozenset(),
    ActionStatus.UNKNOWN: frozenset(),
}
"""The action state machine: every legal move, and nothing else."""


class IllegalActionMove(ValueError):
    """An action was asked to move where the state machine does not allow."""


def can_move_action(current: ActionStatus, new: ActionStatus) -> bool:
    """Whether ``current → new`` is a legal move of an action."""
    return new in ACTION_MOVES[current]


def advance_action(current: ActionStatus, new: ActionStatus) -> ActionStatus:
    """``new`` when the move is legal; otherwise :class:`IllegalActionMove`.

    Unlike orders (whose sources report late and out of order, so a stale report is
    ignored), an action is moved only by winback itself: an illegal move is a bug, and
    refusing it loudly keeps a step from being sent twice.
    """
    if not can_move_action(current, new):
        raise IllegalActionMove(f"an action cannot move from {current} to {new}")
    return new


TASK_OUTCOMES: Final = ("paid", "promised", "no_answer", "refused")
"""What an agent can report for a phone or chat task (PRODUCT R3): the buyer paid, promised
to pay, did not answer, or refused (with a loss-reason code)."""


class SuppressionReason(StrEnum):
    """Why an address or a buyer must not be contacted on a channel (A3, A5)."""

    REPLY_STOP = "reply_stop"  # an inbound R / T / TD / STOP / 退订 reply
    UNSUBSCRIBE = "unsubscribe"  # a click on the signed unsubscribe link
    HARD_BOUNCE = "hard_bounce"  # the provider says the address does not exist
    ERASURE = "erasure"  # the buyer asked to be forgotten
    MANUAL = "manual"  # the shop's team added it


class Topic(StrEnum):
    """What a message is about, as a buyer chooses on the preference centre page (R8)."""

    ORDER_UPDATES = "order_updates"  # reminders and notices about the buyer's own orders
    PROMOTIONS = "promotions"
    NEW_ARRIVALS = "new_arrivals"
    SURVEYS = "surveys"  # the NPS survey after a sale


class Frequency(StrEnum):
    """How often a buyer lets marketing reach them: no limit beyond the store's caps, at
    most once in 7 days, at most once in 30 days."""

    ANY = "any"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True, slots=True)
class Preference:
    """A buyer's choice on the preference centre page: the topics they want and how often
    marketing may reach them. A buyer who never chose has every topic at any frequency."""

    topics: frozenset[Topic]
    frequency: Frequency = Frequency.ANY

    def wants(self, topic: Topic) -> bool:
        return topic in self.topics


def action_topic(purpose: Purpose, params: Mapping[str, str]) -> Topic:
    """The topic of a message: its playbook's ``topic`` parameter, else order updates for a
    transactional message and promotions for marketing."""
    named = params.get("topic", "")
    if named in {topic.value for topic in Topic}:
        return Topic(named)
    return Topic.ORDER_UPDATES if purpose is Purpose.TRANSACTIONAL else Topic.PROMOTIONS


def contact_address(channel: ActionChannel | Channel | str, value: str) -> str:
    """The comparable form of a phone number or e-mail address, for the suppression list.

    E-mail: trimmed and lower-cased. Phone: digits only, with a mainland China ``+86`` /
    ``0086`` prefix dropped from 11-digit mobile numbers, so ``+86 138-0013-8000`` and
    ``13800138000`` are one address.
    """
    if str(channel) == "email":
        return value.strip().lower()
    digits = "".join(ch for ch in value if ch.isdigit())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix) :]
    return digits


@dataclass(frozen=True, slots=True)
class Action:
    """A recovery action as the outbox holds it: a :class:`PlannedAction` plus its state.

    ``attempts`` counts the claims (tries at delivering it); ``claimed_by``/``claimed_at``
    name the worker sending it and when that worker last touched it; ``provider_id`` is the
    provider's message id once sent. ``converted_at``/``converted_order_id`` record that the
    buyer paid after it (set by the measurement, not by the dispatcher).
    """

    id: int
    store_id: int
    key: str
    playbook: str
    step: int
    channel: ActionChannel
    purpose: Purpose
    status: ActionStatus
    due_at: datetime
    template: str
    created_at: datetime
    updated_at: datetime
    customer_id: int | None = None
    order_ids: tuple[str, ...] = ()
    amount: Decimal = Decimal(0)
    params: Mapping[str, str] = field(default_factory=dict)
    expires_at: datetime | None = None
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    provider_id: str | None = None
    attempts: int = 0
    last_error: str | None = None
    converted_at: datetime | None = None
    converted_order_id: str | None = None

    @property
    def is_payment_reminder(self) -> bool:
        """A transactional action about orders: its goal is that those orders get paid —
        unless its playbook names another goal (``params["goal"]``: a cancelled-order save
        asks why about an order paid and cancelled; an after-sale action asks for a rating
        or a confirmation of receipt)."""
        return (
            self.purpose is Purpose.TRANSACTIONAL
            and bool(self.order_ids)
            and self.params.get("goal", "payment") == "payment"
        )
