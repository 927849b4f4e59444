"""The facts a recovery plan is made from: open orders, closed orders and their buyers.

The store reads them (:mod:`winback.store.recovery`); planning only looks at them. Money is
``Decimal``, instants are aware.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from winback.model import ActionChannel, Channel, OrderStatus, Purpose

__all__ = ["Buyer", "ClosedOrder", "UnpaidOrder"]


@dataclass(frozen=True, slots=True)
class Buyer:
    """A buyer as planning sees them: paid history, contacts and consents.

    A contact is known (``phone_known``), masked by the platform (``phone_masked``) or
    unknown (neither). ``granted`` / ``refused`` hold the channels whose latest consent
    statement says yes / no; a channel in neither was never stated.
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
        """A direct contact on ``channel`` exists and may be used for ``purpose``.

        Transactional messages need a known contact the buyer has not refused; marketing
        needs an explicit grant. The dispatcher enforces consent again at send time: this only
        keeps planning from choosing a channel that cannot work.
        """
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
    """An order as the unpaid playbook sees it; ``items`` are its line titles."""

    order_id: str
    status: OrderStatus
    created_at: datetime
    amount: Decimal
    buyer: Buyer
    has_remark: bool = False
    payment_method: str | None = None
    platform: str | None = None
    items: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.created_at.utcoffset() is None:
            raise ValueError(f"created_at of order {self.order_id} must be time-zone aware")


@dataclass(frozen=True, slots=True)
class ClosedOrder:
    """An order closed before payment, with what the buyer and the shop said about it.

    ``texts`` are the close/cancel reason and the buyer's last chat lines, the material for a
    reason guess (D3). ``close_inferred``: the export gave no close time, ``closed_at`` is the
    platform's deadline (or the moment the plan was made, if earlier), not a fact.
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

    def __post_init__(self) -> None:
        for name in ("created_at", "closed_at"):
            if getattr(self, name).utcoffset() is None:
                raise ValueError(f"{name} of order {self.order_id} must be time-zone aware")
