"""The agents' scripts on the worklist speak in the store's voice and have no gaps
(issues 11.3 and 11.4), on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from act_factories import NOW, make_shop
from sqlalchemy import Engine

from winback.app import App
from winback.config import Settings
from winback.model import ActionChannel, Platform
from winback.services.recovery import worklist
from winback.store import outbox
from winback.testing import FixedClock, planned_action

PARAMS = {"ordered_at": "03-01 08:00", "item": "白色针织开衫 M", "pay_before": "16:00"}


def scripts(engine: Engine, tmp_path: Path, platform: Platform, currency: str) -> dict[str, str]:
    shop = make_shop(engine, name="俏艺旗舰店", platform=platform, currency=currency)
    b0, b1 = shop.customer_ids["b0"], shop.customer_ids["b1"]
    planned = [
        planned_action(shop.store_id, "1000", customer_id=b0, channel=ActionChannel.PHONE_TASK,
                       template="unpaid_phone_script", params=PARAMS, amount=Decimal("168.90")),
        planned_action(shop.store_id, "1001", customer_id=b1, channel=ActionChannel.CHAT_TASK,
                       template="unpaid_chat_script", params=PARAMS),
    ]  # fmt: skip
    with engine.begin() as conn:
        outbox.enqueue(conn, planned, now=NOW)
    settings = Settings.model_validate(
        {"store": {"name": "俏艺旗舰店", "platform": str(platform), "currency": currency}}
    )
    app = App(settings=settings, engine=engine, cwd=tmp_path, clock=FixedClock(NOW))
    cards = worklist(app)
    assert all(card.script_problem is None for card in cards), cards
    return {card.channel: card.script or "" for card in cards}


def test_a_shopify_stores_agents_get_a_plain_chat_script_and_dollar_amounts(
    engine: Engine, tmp_path: Path
) -> None:
    found = scripts(engine, tmp_path, Platform.SHOPIFY, "USD")
    assert found["chat_task"].startswith("您好！看到您的订单1001（白色针织开衫 M）还没有付款")
    assert "亲" not in found["chat_task"] and "旺旺" not in found["chat_task"]
    assert "金额US$168.90" in found["phone_task"]


def test_a_taobao_shops_agents_chat_in_the_marketplace_voice(
    engine: Engine, tmp_path: Path
) -> None:
    found = scripts(engine, tmp_path, Platform.TAOBAO, "CNY")
    assert found["chat_task"].startswith("亲，您好～看到您拍下的「白色针织开衫 M」")
    assert "金额¥168.90" in found["phone_task"]


def test_the_phone_script_without_a_buyer_name_does_not_ask_for_nobody(
    engine: Engine, tmp_path: Path
) -> None:
    """Issue 11.4: every Chinese phone script began '您好，请问是吗？'."""
    phone = scripts(engine, tmp_path, Platform.TAOBAO, "CNY")["phone_task"]
    assert phone.startswith("1. 您好，打扰您一分钟。我是俏艺旗舰店的客服。")
    assert "请问是吗" not in phone
