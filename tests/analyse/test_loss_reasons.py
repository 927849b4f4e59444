"""D3: the reason table of lost orders, over an injectable text classifier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from diagnostic_frames import SHANGHAI, T0, chats, feedback, order, orders

from winback.analyse.loss_reasons import LossReasons, is_boilerplate, loss_reasons
from winback.analyse.reasons import LossReason, default_classifier

H = timedelta(hours=1)
D = timedelta(days=1)


@dataclass(frozen=True)
class Guess:
    reason: str
    confidence: float


RULES = (
    ("缺货", "out_of_stock", 0.9),
    ("没货", "out_of_stock", 0.8),
    ("运费", "extra_costs", 0.7),
    ("不想买", "changed_mind", 0.6),
    ("便宜", "found_cheaper", 0.5),
)


def keyword_classify(texts: Sequence[str]) -> list[Guess]:
    """A small real classifier: the first keyword found decides, with a fixed confidence."""
    guesses = []
    for text in texts:
        hit = next(((code, p) for word, code, p in RULES if word in text), ("unknown", 0.9))
        guesses.append(Guess(*hit))
    return guesses


def by_order(result: pa.Table) -> dict[str, dict[str, Any]]:
    return {row["order_id"]: row for row in result.to_pylist()}


def by_reason(result: pa.Table) -> dict[str, dict[str, Any]]:
    return {row["reason"]: row for row in result.to_pylist()}


def run(
    placed: pa.Table, talk: pa.Table | None = None, notes: pa.Table | None = None, **kw: Any
) -> LossReasons:
    return loss_reasons(
        placed,
        talk if talk is not None else chats(),
        notes if notes is not None else feedback(),
        classify=kw.pop("classify", keyword_classify),
        timezone=SHANGHAI,
        **kw,
    )


def test_each_lost_order_gets_its_most_confident_known_reason() -> None:
    placed = orders(
        order("o1", "closed", customer="a", close_reason="运费太贵", buyer_message="别家便宜"),
        order("o2", "cancelled", cancel_reason="卖家缺货", paid=H, amount="50.00"),
        order("o3", "closed", close_reason="买家未付款"),
        order("kept", "settled"),
    )
    reasons, assignments = run(placed)
    rows = by_order(assignments)
    assert set(rows) == {"o1", "o2", "o3"}
    assert (rows["o1"]["reason"], rows["o1"]["source"], rows["o1"]["text"]) == (
        "extra_costs",
        "close_reason",
        "运费太贵",
    )
    assert (rows["o2"]["reason"], rows["o2"]["confidence"]) == ("out_of_stock", 0.9)
    assert (rows["o3"]["reason"], rows["o3"]["confidence"], rows["o3"]["texts"]) == (
        "unknown",
        None,
        0,
    )
    table = by_reason(reasons)
    assert table["out_of_stock"]["amount"] == Decimal("50.00")
    assert table["unknown"]["share"] == pytest.approx(1 / 3)


def test_the_table_lists_every_reason_most_frequent_first_and_unknown_last() -> None:
    placed = orders(
        order("o1", "closed", close_reason="缺货"),
        order("o2", "closed", close_reason="没货了"),
        order("o3", "closed", close_reason="运费贵"),
        order("o4", "closed"),
    )
    reasons, _ = run(placed)
    codes = reasons["reason"].to_pylist()
    assert codes[:2] == ["out_of_stock", "extra_costs"]
    assert codes[-1] == "unknown"
    assert set(codes) == {code.value for code in LossReason}
    assert sum(reasons["orders"].to_pylist()) == 4
    assert sum(reasons["amount"].to_pylist()) == Decimal("400.00")
    assert by_reason(reasons)["out_of_stock"]["label_zh"] == "尺码/颜色缺货"
    assert by_reason(reasons)["out_of_stock"]["label_en"] == "Size/colour out of stock"


def test_buyer_chat_lines_around_the_order_and_feedback_are_read_but_staff_lines_are_not() -> None:
    placed = orders(
        order("chat", "closed", customer="a"),
        order("staff", "closed", customer="b"),
        order("note", "refunded", paid=H, refunded=D),
        order("far", "closed", customer="c"),
    )
    talk = chats(
        {"buyer_key": "a", "sender": "buyer", "sent_at": T0 + 12 * H, "text": "运费太贵了不要了"},
        {"buyer_key": "b", "sender": "staff", "sent_at": T0 + 11 * H, "text": "亲，缺货了"},
        {"buyer_key": "c", "sender": "buyer", "sent_at": T0 + 4 * D, "text": "缺货吗"},
    )
    notes = feedback({"order_id": "note", "text": "看到别家便宜", "kind": "review"})
    _, assignments = run(placed, talk, notes)
    rows = by_order(assignments)
    assert (rows["chat"]["reason"], rows["chat"]["source"]) == ("extra_costs", "chat")
    assert rows["staff"]["reason"] == "unknown"
    assert (rows["note"]["reason"], rows["note"]["source"]) == ("found_cheaper", "feedback")
    assert rows["far"]["reason"] == "unknown"


def test_a_minimum_confidence_turns_weak_guesses_into_unknown() -> None:
    placed = orders(order("o1", "closed", close_reason="别家便宜"))
    _, assignments = run(placed, min_confidence=0.6)
    assert by_order(assignments)["o1"]["reason"] == "unknown"


def test_the_period_is_in_store_calendar_days() -> None:
    placed = orders(order("d1", "closed"), order("d2", "closed", at=D))
    _, assignments = run(placed, start=date(2024, 7, 31), end=date(2024, 7, 31))
    assert assignments["order_id"].to_pylist() == ["d2"]


def test_a_classifier_that_loses_texts_is_refused() -> None:
    placed = orders(order("o1", "closed", close_reason="缺货"))
    with pytest.raises(ValueError, match="0 predictions for 1 texts"):
        run(placed, classify=lambda texts: [])


@pytest.mark.parametrize(
    "text",
    [
        "订单未关闭",
        "买家未付款",
        "超时未付款，交易自动关闭",
        "交易关闭",
        "其他原因",
        "TRADE_CLOSED_BY_TAOBAO",
        "Timeout",
    ],
)
def test_platform_boilerplate_carries_no_reason(text: str) -> None:
    assert is_boilerplate(text)


@pytest.mark.parametrize("text", ["卖家缺货", "我不想买了", "信息填写错误，重新拍", "运费太贵"])
def test_real_reasons_are_not_boilerplate(text: str) -> None:
    assert not is_boilerplate(text)


def test_the_shipped_classifier_reads_chinese_and_english_reasons() -> None:
    placed = orders(
        order("stock", "closed", close_reason="卖家缺货"),
        order("mind", "closed", close_reason="我不想买了"),
        order("ship", "cancelled", paid=H, cancel_reason="Shipping costs were too high"),
        order("timeout", "closed", close_reason="超时未付款，交易自动关闭"),
    )
    reasons, assignments = run(placed, classify=default_classifier().predict)
    rows = by_order(assignments)
    assert rows["stock"]["reason"] == "out_of_stock"
    assert rows["mind"]["reason"] == "changed_mind"
    assert rows["ship"]["reason"] == "extra_costs"
    assert rows["timeout"]["reason"] == "unknown"
    assert by_reason(reasons)["unknown"]["orders"] == 1


def test_each_distinct_text_is_classified_once_and_answered_for_every_order() -> None:
    placed = orders(
        *(order(f"o{n}", "closed", close_reason="运费太贵了") for n in range(5)),
        order("other", "closed", close_reason="缺货"),
    )
    asked: list[list[str]] = []

    def counting(texts: list[str]) -> Any:
        asked.append(list(texts))
        return keyword_classify(texts)

    _, assignments = run(placed, classify=counting)
    assert asked == [["运费太贵了", "缺货"]]
    reasons = [row["reason"] for row in assignments.to_pylist()]
    assert reasons == ["extra_costs"] * 5 + ["out_of_stock"]
