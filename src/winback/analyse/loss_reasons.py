"""D3: the reason table of lost orders, from a text classifier over everything they said.

For every lost order (closed before payment, cancelled or refunded) placed in the period, the
texts that may say why:

* the order's ``cancel_reason``, ``close_reason`` and ``buyer_message``, except boilerplate a
  platform writes whatever the reason (订单未关闭, 买家未付款, 超时未付款交易自动关闭, 交易关闭,
  其他原因, "timeout", ...: see :data:`BOILERPLATE`), which says nothing about *why*;
* feedback rows carrying the order id (reviews, survey answers, cancel forms);
* the buyer's own chat lines from a day before the order was placed to two days after, and
  any buyer line carrying the order id (staff lines are D4's business).

All texts go to ``classify`` in one call, each distinct text once. An order's reason is the
most confident prediction that is not ``unknown`` (and, with ``min_confidence``, at least that
confident); ties go to the earlier source in the list above. An order with no such
prediction is ``unknown``.

``classify`` is any callable from texts to predictions with a ``reason`` (a code, str or
:class:`~winback.analyse.reasons.LossReason`) and a ``confidence`` in [0, 1], for instance
``default_classifier().predict``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final, NamedTuple, Protocol

import pyarrow as pa

from winback.analyse.frames import FEEDBACK, MONEY, check, columns
from winback.analyse.lost_orders import lost_order_chats, lost_order_list
from winback.analyse.reasons.platform import is_boilerplate as platform_boilerplate
from winback.analyse.reasons.taxonomy import Lang, LossReason, label

__all__ = [
    "BOILERPLATE",
    "Classify",
    "LossReasons",
    "PredictionLike",
    "is_boilerplate",
    "loss_reasons",
]

UNKNOWN: Final = LossReason.UNKNOWN.value
ORDER_TEXTS: Final = ("cancel_reason", "close_reason", "buyer_message")
BOILERPLATE: Final = re.compile(
    r"^(订单)?未关闭$|^(买家)?未付款$|^其他(原因)?$|^无$|^空$"
    r"|^(超时未付款|买家未付款|未付款|付款超时|买家付款超时|超时)?(交易)?(被淘宝|被系统|系统)?(自动)?"
    r"(已)?关闭(订单|交易)?$"
    r"|^(other|others|none|n/?a|null|timeout|timed out|closed|expired|auto ?closed)$"
    r"|^trade_closed\w*$|^(payment )?(timeout|expired)$"
)
"""Order texts that carry no reason (matched after removing spaces and punctuation)."""
_PUNCTUATION: Final = re.compile(r"[\s,，。.!！?？:：;；、\-()（）\[\]【】\"'“”]+")


class PredictionLike(Protocol):
    """What ``classify`` returns per text."""

    @property
    def reason(self) -> str: ...

    @property
    def confidence(self) -> float: ...


Classify = Callable[[list[str]], Sequence[PredictionLike]]


class LossReasons(NamedTuple):
    """``reasons``: one row per reason code; ``orders``: one row per lost order."""

    reasons: pa.Table
    orders: pa.Table


@dataclass(frozen=True, slots=True)
class _Text:
    order_id: str
    source: str
    text: str


FEEDBACK_COLUMNS: Final = columns(FEEDBACK, ("order_id", "text"))
ASSIGNMENTS: Final = pa.schema(
    [
        ("order_id", pa.string()),
        ("day", pa.date32()),
        ("status", pa.string()),
        ("amount", MONEY),
        ("reason", pa.string()),
        ("confidence", pa.float64()),
        ("source", pa.string()),
        ("text", pa.string()),
        ("texts", pa.int64()),
    ]
)
REASONS: Final = pa.schema(
    [
        ("reason", pa.string()),
        ("label_zh", pa.string()),
        ("label_en", pa.string()),
        ("orders", pa.int64()),
        ("amount", MONEY),
        ("share", pa.float64()),
        ("amount_share", pa.float64()),
    ]
)


def loss_reasons(
    orders: pa.Table,
    chats: pa.Table,
    feedback: pa.Table,
    *,
    classify: Classify,
    timezone: str,
    start: date | None = None,
    end: date | None = None,
    min_confidence: float | None = None,
) -> LossReasons:
    """The reason table of the lost orders placed in ``[start, end]`` and their assignments.

    ``reasons``: ``reason``, ``label_zh``, ``label_en``, ``orders``, ``amount``, ``share``
    (of lost orders), ``amount_share`` — every code of the taxonomy, most frequent first,
    ``unknown`` last. ``orders``: ``order_id``, ``day``, ``status``, ``amount``, ``reason``,
    ``confidence`` (null without a usable text), ``source`` and ``text`` (what decided it),
    ``texts`` (how many texts were read)."""
    lost = lost_order_list(orders, timezone=timezone, start=start, end=end)
    texts = _gather_texts(lost, chats, check(feedback, FEEDBACK_COLUMNS, "feedback"))
    predictions = _classified(classify, [text.text for text in texts])
    assignments = _assign(lost, texts, predictions, min_confidence)
    return LossReasons(reasons=_reason_table(assignments), orders=assignments)


def _classified(classify: Classify, texts: list[str]) -> list[PredictionLike]:
    """``classify`` asked once per distinct text (exports repeat the same reasons and chat
    lines on thousands of orders: the demo's 3,507 texts are 94 distinct ones), answered for
    every text in order."""
    distinct = list(dict.fromkeys(texts))
    answers = list(classify(distinct)) if distinct else []
    if len(answers) != len(distinct):
        raise ValueError(f"classify returned {len(answers)} predictions for {len(distinct)} texts")
    by_text = dict(zip(distinct, answers, strict=True))
    return [by_text[text] for text in texts]


def is_boilerplate(text: str) -> bool:
    """Whether an order text is one a platform writes whatever the reason.

    The platform table (:mod:`winback.analyse.reasons.platform`) first, then the patterns
    of :data:`BOILERPLATE` for free-form variants."""
    if platform_boilerplate(text):
        return True
    return BOILERPLATE.match(_PUNCTUATION.sub("", text).lower()) is not None


def _gather_texts(lost: pa.Table, chats: pa.Table, feedback: pa.Table) -> list[_Text]:
    texts: list[_Text] = []
    for order in lost.select(["order_id", *ORDER_TEXTS]).to_pylist():
        for source in ORDER_TEXTS:
            value = (order[source] or "").strip()
            if value and not is_boilerplate(value):
                texts.append(_Text(order["order_id"], source, value))
    wanted = set(lost["order_id"].to_pylist())
    for row in feedback.to_pylist():
        if row["order_id"] in wanted and (row["text"] or "").strip():
            texts.append(_Text(row["order_id"], "feedback", row["text"].strip()))
    for row in lost_order_chats(lost, chats).to_pylist():
        if row["sender"] == "buyer" and (row["text"] or "").strip():
            texts.append(_Text(row["order_id"], "chat", row["text"].strip()))
    return texts


def _assign(
    lost: pa.Table,
    texts: Sequence[_Text],
    predictions: Sequence[PredictionLike],
    min_confidence: float | None,
) -> pa.Table:
    best: dict[str, tuple[float, _Text, str]] = {}
    counts: dict[str, int] = {}
    for text, prediction in zip(texts, predictions, strict=True):
        counts[text.order_id] = counts.get(text.order_id, 0) + 1
        reason, confidence = str(prediction.reason), float(prediction.confidence)
        if reason == UNKNOWN or (min_confidence is not None and confidence < min_confidence):
            continue
        held = best.get(text.order_id)
        if held is None or confidence > held[0]:
            best[text.order_id] = (confidence, text, reason)
    rows = [_assignment(order, best.get(order["order_id"]), counts) for order in lost.to_pylist()]
    return pa.Table.from_pylist(rows, schema=ASSIGNMENTS)


def _assignment(
    order: dict[str, Any], chosen: tuple[float, _Text, str] | None, counts: dict[str, int]
) -> dict[str, Any]:
    return {
        "order_id": order["order_id"],
        "day": order["day"],
        "status": order["status"],
        "amount": order["amount"],
        "reason": chosen[2] if chosen else UNKNOWN,
        "confidence": chosen[0] if chosen else None,
        "source": chosen[1].source if chosen else None,
        "text": chosen[1].text if chosen else None,
        "texts": counts.get(order["order_id"], 0),
    }


def _reason_table(assignments: pa.Table) -> pa.Table:
    orders: dict[str, int] = {code.value: 0 for code in LossReason}
    amounts: dict[str, Decimal] = {code.value: Decimal(0) for code in LossReason}
    for reason, amount in zip(
        assignments["reason"].to_pylist(), assignments["amount"].to_pylist(), strict=True
    ):
        orders[reason] = orders.get(reason, 0) + 1
        amounts[reason] = amounts.get(reason, Decimal(0)) + amount
    total, total_amount = assignments.num_rows, sum(amounts.values(), Decimal(0))
    ranked = sorted(orders, key=lambda code: (code == UNKNOWN, -orders[code], code))
    rows = [
        {
            "reason": code,
            "label_zh": _label(code, "zh"),
            "label_en": _label(code, "en"),
            "orders": orders[code],
            "amount": amounts[code],
            "share": orders[code] / total if total else None,
            "amount_share": float(amounts[code] / total_amount) if total_amount else None,
        }
        for code in ranked
    ]
    return pa.Table.from_pylist(rows, schema=REASONS)


def _label(code: str, lang: Lang) -> str:
    """The label in ``lang``; a code outside the taxonomy is its own label."""
    try:
        return label(code, lang)
    except ValueError:
        return code
