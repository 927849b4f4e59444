"""The NPS survey end to end, on SQLite and PostgreSQL: ``plan`` → ``dispatch`` (real SMTP:
aiosmtpd on loopback) → the survey page in the ASGI app → the answer stored once →
``winback report nps`` shows it; and an erasure empties the why."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from sqlalchemy import Engine, select

from winback.app import App
from winback.cli import cli
from winback.config import Settings
from winback.ingest.records import Buyer, Contact, OrderLineRecord, OrderRecord, SourceRef
from winback.model import OrderStatus, Platform
from winback.services import dashboard, recovery
from winback.services.dispatch import default_channels, dispatch
from winback.services.erasure import erase_buyer
from winback.store import repo
from winback.store.schema import actions, nps_responses
from winback.testing import FixedClock
from winback.web.app import create_app

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
ENV = {"LINK_SECRET": "k" * 40}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class Inbox:
    received: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def delivered_order(order_id: str, buyer: str, *, delivered: datetime) -> OrderRecord:
    created = delivered - timedelta(days=3)
    return OrderRecord(
        platform=Platform.SHOPIFY,
        currency="CNY",
        order_id=order_id,
        status=OrderStatus.DELIVERED,
        created_at=created,
        total_amount=Decimal("129.00"),
        paid_at=created + timedelta(minutes=5),
        paid_amount=Decimal("129.00"),
        shipped_at=created + timedelta(days=1),
        delivered_at=delivered,
        buyer=Buyer(buyer_id=buyer, name="张三", email=Contact(value=f"{buyer}@example.com")),
        lines=(OrderLineRecord("1", "白色针织开衫", 1, Decimal("129.00"), product_id="p1"),),
        source=SourceRef("orders.csv", 2),
    )


def make_app(engine: Engine, tmp_path: Path, port: int) -> App:
    settings = Settings.model_validate(
        {
            "store": {"name": "shop", "platform": "shopify", "language": "zh"},
            "channels": {
                "link_secret_env": "LINK_SECRET",
                "public_url": "https://wb.example.com",
                "email": {"host": "127.0.0.1", "port": port, "security": "plain",
                          "sender": "shop@shop.example.com"},
            },
            "playbooks": {"nps": {"kind": "nps", "holdout_share": 0}},
        }
    )  # fmt: skip
    with engine.begin() as conn:
        store_id = repo.ensure_store(
            conn, name="shop", platform="shopify", timezone="Asia/Shanghai", currency="CNY",
            now=NOW - timedelta(days=10),
        )  # fmt: skip
        repo.apply_records(
            conn,
            store_id,
            [delivered_order("5001", "buyer-a", delivered=NOW - timedelta(days=3, hours=1))],
            source_file="orders.csv",
            now=NOW - timedelta(days=1),
        )
    return App(settings=settings, engine=engine, cwd=tmp_path, clock=FixedClock(NOW))


def call(app: App, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(app, env=ENV))
        async with httpx.AsyncClient(transport=transport, base_url="https://wb.example.com") as c:
            return await c.request(method, path, **kwargs)

    return asyncio.run(go())


def test_a_delivered_order_is_surveyed_answered_once_and_reported(
    engine: Engine, tmp_path: Path, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dashboard, "refresh_after_change", lambda *_, **__: None)  # not tested
    inbox, port = smtp
    app = make_app(engine, tmp_path, port)

    planned = recovery.plan(app, "shop")
    assert ("nps", 1, "email", False) in planned.groups
    run = dispatch(app, channels=lambda a: default_channels(a, env=ENV))
    assert run.report.to_dict()["sent"] == 1
    (mail,) = inbox.received
    assert mail["To"] == "buyer-a@example.com"
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    (path,) = re.findall(r"https://wb\.example\.com(/s/[A-Za-z0-9_.-]+)", text)

    page = call(app, "GET", path)
    assert page.status_code == 200
    assert 'name="score" value="10"' in page.text and "width=device-width" in page.text
    assert "buyer-a" not in page.text and "example.com" not in page.text  # no contact shown
    bad = call(app, "POST", path, content="score=11", headers=FORM)
    assert bad.status_code == 400
    done = call(app, "POST", path, content="score=3&why=运费太贵了，到货也慢", headers=FORM)
    assert done.status_code == 200 and "谢谢" in done.text
    replay = call(app, "POST", path, content="score=10", headers=FORM)
    assert replay.status_code == 200 and "已提交" in replay.text
    assert call(app, "GET", path).text.count("已提交") >= 1

    with engine.connect() as conn:
        (row,) = conn.execute(select(nps_responses)).all()
        survey = conn.execute(select(actions.c.id).where(actions.c.playbook == "nps")).scalar()
    assert (row.score, row.order_id, row.action_id) == (3, "5001", survey)

    result = CliRunner().invoke(
        cli,
        ["--database", str(engine.url.render_as_string(hide_password=False)), "report", "nps",
         "--store", "shop", "--as-of", (NOW + timedelta(hours=1)).isoformat(), "--json"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["overall"]["answers"] == 1 and report["overall"]["nps"] == -100.0
    assert report["overall"]["few"] is True
    assert report["by_product"] == [{"product": "白色针织开衫", **report["overall"]}]
    assert [row["segment"] for row in report["by_segment"]] == ["new"]
    assert report["reasons"][0]["detractors"] == 1
    assert report["reasons"][0]["reason"] in ("extra_costs", "slow_delivery")

    table = CliRunner().invoke(
        cli,
        ["--database", str(engine.url.render_as_string(hide_password=False)), "report", "nps",
         "--store", "shop", "--as-of", (NOW + timedelta(hours=1)).isoformat()],
        catch_exceptions=False,
    )  # fmt: skip
    assert "-100.0" in table.output and "few answers" in table.output

    erase_buyer(app, "shop", "buyer-a")
    with engine.connect() as conn:
        (row,) = conn.execute(select(nps_responses)).all()
    assert row.why is None and row.score == 3  # the words go, the anonymous score stays
