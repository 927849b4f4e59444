"""The facts a recovery plan is made from: open orders, closed orders and their buyers.

The store reads them (:mod:`winback.store.recovery`); planning only looks at them. Money is
``Decimal``, instants are aware.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from winback.model import ActionChannel, Channel, OrderStatus, Purpose

__all__ = ["Buyer", "ClosedOrder", "UnpaidOrder", "unit_of"]


@dataclass(frozen=True, slots=True)
class Buyer:
    """A buyer as planning sees them: paid history, contacts and consents.

    A contact is known (``phone_known``), masked by the platform (``phone_masked``) or
    unknown (neither). ``granted`` / ``refused`` hold the channels whose latest consent
    statement says yes / no; a channel in neither was never stated. ``chat``: the buyer can
    be written to on the platform's own chat (旺旺 and the like: a marketplace buyer id).
    """

    customer_id: int | None
    customer_key: str | None
    paid_orders: int = 0
    paid_amount: Decimal = Decimal(0)
    phone_known: bool = False
    phone_masked: bool = False
    email_known: bool = False
    email_masked: bool = False
    granted: frozenset[Channel] = frozenset()
    refused: frozenset[Channel] = frozenset()
    chat: bool = False

    @property
    def returning(self) -> bool:
        """Has paid an order before (seed 003's 老客)."""
        return self.paid_orders > 0

    @property
    def contacts_masked(self) -> bool:
        """The platform masked every contact it exported and none is known directly."""
        masked = self.phone_masked or self.email_masked
        return masked and not (self.phone_known or self.email_known)

    def reachable(self, channel: ActionChannel, purpose: Purpose) -> bool:
        """``channel`` can reach the buyer for ``purpose`` (issue 11.4: a task nobody can do
        is not a task).

        SMS, e-mail and phone tasks need a known (unmasked) contact the buyer has not
        refused, and for marketing an explicit grant; a chat task needs the platform's chat
        (:attr:`chat`); the team robot reaches the team. The dispatcher enforces consent
        again at send time: this keeps planning from choosing a channel that cannot work.
        """
        if channel is ActionChannel.CHAT_TASK:
            return self.chat
        if channel is ActionChannel.IM_ROBOT:
            return True
        contact = {
            ActionChannel.SMS: (self.phone_known, Channel.SMS),
            ActionChannel.PHONE_TASK: (self.phone_known, Channel.PHONE),
            ActionChannel.EMAIL: (self.email_known, Channel.EMAIL),
        }.get(channel)
        if contact is None:
            return False
        known, consent = contact
        if not known or consent in self.refused:
            return False
        return purpose is Purpose.TRANSACTIONAL or consent in self.granted


@dataclass(frozen=True, slots=True)
class UnpaidOrder:
    """An order as the unpaid playbook sees it; ``items`` are its line titles;
    ``reordered_by`` the buyer's order that replaced it (:mod:`winback.decide.reorders`)."""

    order_id: str
    status: OrderStatus
    created_at: datetime
    amount: Decimal
    buyer: Buyer
    has_remark: bool = False
    payment_method: str | None = None
    platform: str | None = None
    items: tuple[str, ...] = ()
    reordered_by: str | None = None

    def __post_init__(self) -> None:
        if self.created_at.utcoffset() is None:
            raise ValueError(f"created_at of order {self.order_id} must be time-zone aware")


@dataclass(frozen=True, slots=True)
class ClosedOrder:
    """An order closed before payment, with what the buyer and the shop said about it.

    ``texts`` are the close/cancel reason and the buyer's last chat lines, the material for a
    reason guess (D3). ``close_inferred``: the export gave no close time, ``closed_at`` is the
    platform's deadline (or the moment the plan was made, if earlier), not a fact.
    ``reordered_by``: the buyer's order that replaced it (:mod:`winback.decide.reorders`).
    """

    order_id: str
    status: OrderStatus
    created_at: datetime
    closed_at: datetime
    amount: Decimal
    buyer: Buyer
    has_remark: bool = False
    texts: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    close_inferred: bool = False
    reordered_by: str | None = None

    def __post_init__(self) -> None:
        for name in ("created_at", "closed_at"):
            if getattr(self, name).utcoffset() is None:
                raise ValueError(f"{name} of order {self.order_id} must be time-zone aware")


def unit_of(buyer: Buyer, order_id: str) -> str:
    """The holdout and merging unit: the buyer when the platform names them, else the order."""
    return f"buyer:{buyer.customer_key}" if buyer.customer_key else f"order:{order_id}"
