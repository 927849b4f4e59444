"""The preference centre (R8) through the real ASGI app, on SQLite and PostgreSQL: a buyer
chooses topics and frequency on a signed link, and the dispatcher's policy enforces it like
consent."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from act_factories import NOW, Shop
from sqlalchemy import Engine

from winback.act.dispatcher import Dispatcher, WorklistChannel
from winback.act.links import LinkPurpose, LinkSigner
from winback.act.rendering import preferences_subject
from winback.app import App
from winback.config import Settings
from winback.model import ActionChannel, ActionStatus, Frequency, Preference, Purpose, Topic
from winback.store import outbox, preferences
from winback.store.outbox_engine import Outbox
from winback.store.schema import consents
from winback.testing import FixedClock, MemoryChannel, planned_action
from winback.web.app import create_app

SECRET = "k" * 40
ENV = {"LINK_SECRET": SECRET}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def make_app(engine: Engine, tmp_path: Path, *, language: str = "zh") -> App:
    settings = Settings.model_validate(
        {
            "store": {"name": "shop", "language": language, "currency": "USD"},
            "channels": {"link_secret_env": "LINK_SECRET", "public_url": "https://wb.example.com"},
        }
    )
    return App(settings=settings, engine=engine, cwd=tmp_path, clock=FixedClock(NOW))


def call(app: App, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(app, env=ENV))
        async with httpx.AsyncClient(transport=transport, base_url="https://wb.example.com") as c:
            return await c.request(method, path, **kwargs)

    return asyncio.run(go())


def link(shop: Shop, buyer: str, *, valid_for: timedelta = timedelta(days=30)) -> str:
    subject = preferences_subject(shop.store_id, shop.customer_ids[buyer])
    token = LinkSigner(SECRET.encode()).issue(
        LinkPurpose.PREFERENCES, subject, now=NOW, valid_for=valid_for
    )
    return f"/p/{token}"


def consent(engine: Engine, customer_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            consents.insert(),
            [{"customer_id": customer_id, "channel": "sms", "granted": True, "source": "crm",
              "recorded_at": NOW - timedelta(days=40)}],
        )  # fmt: skip


def drain(engine: Engine, sms: MemoryChannel, at: Any = NOW) -> None:
    channels = {sms.kind: sms, ActionChannel.PHONE_TASK: WorklistChannel()}
    Dispatcher(Outbox(engine), channels, clock=FixedClock(at), worker="w1").drain()


def statuses(engine: Engine) -> dict[str, ActionStatus]:
    with engine.connect() as conn:
        return {action.key: action.status for action in outbox.list_actions(conn)}


def test_the_page_shows_every_topic_checked_until_the_buyer_chooses(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    page = call(make_app(engine, tmp_path), "GET", link(shop, "b0"))
    assert page.status_code == 200
    assert page.text.count("checked") == 5  # four topics and "no limit"
    assert "width=device-width" in page.text and "@example.com" not in page.text
    english = call(make_app(engine, tmp_path), "GET", link(shop, "b0") + "?lang=en")
    assert "Message preferences" in english.text


def test_a_buyer_who_chose_order_updates_only_gets_the_reminder_but_not_the_promotion(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    b0 = shop.customer_ids["b0"]
    consent(engine, b0)
    app = make_app(engine, tmp_path)
    saved = call(app, "POST", link(shop, "b0"), content="topic=order_updates&frequency=any",
                 headers=FORM)  # fmt: skip
    assert saved.status_code == 200 and "已保存" in saved.text
    with engine.connect() as conn:
        assert preferences.preference_of(conn, shop.store_id, b0) == Preference(
            frozenset({Topic.ORDER_UPDATES}), Frequency.ANY
        )
    again = call(app, "GET", link(shop, "b0"))
    assert again.text.count("checked") == 2  # what they chose is shown back
    with engine.begin() as conn:
        outbox.enqueue(
            conn,
            [
                planned_action(shop.store_id, "1000", customer_id=b0),
                planned_action(shop.store_id, "1000", playbook="promo", customer_id=b0,
                               purpose=Purpose.MARKETING),
            ],
            now=NOW,
        )  # fmt: skip
    sms = MemoryChannel(ActionChannel.SMS)
    drain(engine, sms)
    assert [message.key for message in sms.sent] == ["order:1000:unpaid:1"]
    assert statuses(engine)["order:1000:promo:1"] is ActionStatus.SKIPPED


def test_at_most_monthly_lets_one_marketing_message_through_in_thirty_days(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    b0, b1 = shop.customer_ids["b0"], shop.customer_ids["b1"]
    for buyer in (b0, b1):
        consent(engine, buyer)
    body = "topic=promotions&topic=new_arrivals&frequency=monthly"
    call(make_app(engine, tmp_path), "POST", link(shop, "b0"), content=body, headers=FORM)
    later = NOW + timedelta(days=10)
    with engine.begin() as conn:
        outbox.enqueue(
            conn,
            [
                planned_action(shop.store_id, order, playbook=f"promo{step}", customer_id=who,
                               purpose=Purpose.MARKETING, due_at=NOW if step == 1 else later)
                for order, who in (("1000", b0), ("1001", b1))
                for step in (1, 2)
            ],
            now=NOW,
        )  # fmt: skip
    sms = MemoryChannel(ActionChannel.SMS)
    drain(engine, sms, NOW)
    drain(engine, sms, later)
    found = statuses(engine)
    assert found["order:1000:promo1:1"] is ActionStatus.SENT
    assert found["order:1000:promo2:1"] is ActionStatus.SKIPPED  # 10 days later: monthly
    assert found["order:1001:promo2:1"] is ActionStatus.SENT  # who never chose: no limit


def test_a_wrong_form_a_tampered_and_an_expired_link_change_nothing(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    wrong = call(app, "POST", link(shop, "b0"), content="topic=everything", headers=FORM)
    assert wrong.status_code == 400
    foreign = LinkSigner(b"x" * 40).issue(
        LinkPurpose.PREFERENCES, f"{shop.store_id}:1", now=NOW, valid_for=timedelta(days=1)
    )
    assert call(app, "GET", f"/p/{foreign}").status_code == 400
    stranger = LinkSigner(SECRET.encode()).issue(
        LinkPurpose.PREFERENCES, f"{shop.store_id}:999999", now=NOW, valid_for=timedelta(days=1)
    )
    assert call(app, "POST", f"/p/{stranger}", content="topic=promotions", headers=FORM
                ).status_code == 400  # fmt: skip
    expired = link(shop, "b0", valid_for=timedelta(seconds=1))
    app.clock.set(NOW + timedelta(minutes=1))  # type: ignore[attr-defined]
    assert call(app, "GET", expired).status_code == 410
    with engine.connect() as conn:
        assert preferences.preference_of(conn, shop.store_id, shop.customer_ids["b0"]) is None


def test_an_erasure_deletes_the_buyers_preference(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    from winback.services.erasure import erase_buyer

    app = make_app(engine, tmp_path)
    call(app, "POST", link(shop, "b0"), content="topic=promotions", headers=FORM)
    erased = erase_buyer(app, "shop", "b0")
    assert erased.changed["preferences"] == 1
    with engine.connect() as conn:
        assert preferences.preference_of(conn, shop.store_id, shop.customer_ids["b0"]) is None
