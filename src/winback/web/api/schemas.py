"""The JSON API's request and response bodies: the OpenAPI document is generated from them,
and every response is validated against them before it leaves.

Money is a decimal string (``"129.90"``) in the store's currency (each response names it;
amounts of different stores are never added up), times are ISO 8601 with their offset, and
contacts are masked (``138****5678``, ``a***@example.com``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Money = str
Outcome = Literal["paid", "promised", "no_answer", "refused"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(_Out):
    detail: str = Field(description="What is wrong, in words.")


class StoreOut(_Out):
    name: str
    platform: str
    timezone: str
    currency: str


class OrderOut(_Out):
    order_id: str
    status: str
    created_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    closed_at: datetime | None
    total_amount: Money
    paid_amount: Money | None
    refund_amount: Money
    currency: str
    buyer: str | None = Field(description="The buyer's key, contacts masked.")
    raw_status: str | None


class OrderLine(_Out):
    line_id: str
    title: str
    sku: str | None
    quantity: int
    unit_price: Money
    colour: str | None
    size: str | None


class TimelineEntry(_Out):
    status: str
    at: datetime | None


class OrderDetail(OrderOut):
    lines: list[OrderLine]
    timeline: list[TimelineEntry]


class OrderPage(_Out):
    store: str
    currency: str
    items: list[OrderOut]
    next: int | None = Field(description="Pass as `before` for the next page; null at the end.")


class Attempt(_Out):
    number: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    answer: str | None


class ActionOut(_Out):
    id: int
    playbook: str
    step: int
    channel: str
    purpose: str
    status: str
    to: str | None
    order_ids: list[str]
    amount: Money
    template: str
    due_at: datetime
    sent_at: datetime | None
    attempts: list[Attempt]
    decision: str = Field(description="The send policy's decision as recorded, with its reason.")


class ActionPage(_Out):
    store: str
    currency: str
    facets: dict[str, dict[str, int]]
    items: list[ActionOut]
    next: int | None


class BuyerHistoryOut(_Out):
    orders: int
    paid_orders: int
    paid_amount: Money


class ChatLineOut(_Out):
    sent_at: datetime
    sender: str
    text: str


class TaskOutcomeOut(_Out):
    outcome: Outcome
    reason: str | None
    note: str | None
    agent: str | None
    recorded_at: datetime


class TaskOut(_Out):
    action_id: int
    playbook: str
    step: int
    channel: str
    status: str
    due_at: datetime
    due_local: str
    expires_at: datetime | None
    order_ids: list[str]
    amount: Money
    currency: str
    template: str
    params: dict[str, str]
    buyer: str | None
    phone: str | None
    history: BuyerHistoryOut | None
    chat: list[ChatLineOut]
    outcome: TaskOutcomeOut | None
    script: str | None
    script_problem: str | None


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    reason: str | None = Field(
        default=None, max_length=40, description="A loss-reason code (D3) for a refusal."
    )
    note: str | None = Field(default=None, max_length=2000)
    agent: str | None = Field(default=None, max_length=100)


class RecoveryOut(_Out):
    store: str
    currency: str
    now: datetime
    attribution_window_hours: float
    recovery: list[dict[str, Any]]
    holdout: list[dict[str, Any]]
    recovered_by_buyer: dict[str, Any] = Field(
        description="lost or unpaid orders the buyer re-ordered and paid without us "
        "(orders_recovered_by_buyer, amount_recovered_by_buyer, reached_before): never "
        "counted as recovered by winback."
    )
    saves: list[dict[str, Any]] = Field(
        default_factory=list,
        description="per cancelled-order save playbook: back and paid against the holdout, "
        "answers, coupons issued and redeemed, offer cost, net and ROI (docs/offers.md).",
    )


class DiagnosisOut(_Out):
    store: str
    as_of: datetime | None = None
    computed_at: datetime | None = None
    parts: dict[str, Any] = Field(
        description="decomposition (D1), lost_ratio (D2), payment (D6), reasons (D3), "
        "chat_flags (D4), stockouts and restock (D5), lost_products."
    )


class CustomerOut(_Out):
    customer: str
    name: str | None
    phone: str | None
    email: str | None
    region: str | None
    first_seen_at: datetime | None
    orders: int
    paid_amount: Money
    p_alive: float | None
    clv: Money | None
    scored_on: str | None


class CustomerPage(_Out):
    store: str
    currency: str
    items: list[CustomerOut]
    next: int | None


class SegmentsOut(_Out):
    store: str
    as_of: datetime | None = None
    data: dict[str, Any]


class SuppressionOut(_Out):
    id: int
    channel: str | None
    address: str | None
    customer: str | None
    reason: str
    source: str
    created_at: datetime


class SuppressionPage(_Out):
    store: str
    items: list[SuppressionOut]
    next: int | None


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer: str = Field(
        min_length=1,
        max_length=200,
        description="The buyer's key as the store knows them: e-mail, phone or platform handle.",
    )


class ErasureOut(_Out):
    store: str
    buyer: str
    erased_at: datetime
    changed: dict[str, int]


class InboxProblem(_Out):
    id: int
    source: str
    topic: str
    resource_id: str | None
    received_at: datetime


class InboxOut(_Out):
    store: str
    counts: dict[str, int]
    rejected: list[InboxProblem]
