"""``dispatch`` through the channels built from the settings, end to end: a real SMTP server
and an HTTP SMS gateway on loopback (winback.demo.gateways), an httpx MockTransport for a
provider on the internet, the shipped templates, signed unsubscribe links."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import tomli_w
from act_factories import NOW, Shop, make_shop, unpaid_order
from click.testing import CliRunner
from sqlalchemy import Engine, select

from winback.act.channels.registry import ChannelNotConfigured
from winback.act.links import LinkPurpose, LinkSigner
from winback.app import App
from winback.cli import cli
from winback.config import Settings, TemplateSettings
from winback.demo.gateways import LINK_SECRET_ENV, LocalGateways, local_gateways
from winback.model import ActionChannel, ActionStatus, Platform, Purpose
from winback.services.dispatch import default_channels, dispatch, preview
from winback.store import outbox, repo
from winback.store.db import connect, migrate
from winback.store.schema import consents, customers
from winback.testing import FixedClock, planned_action

SHOP_NAME = "俏艺旗舰店"


@pytest.fixture
def shop(engine: Engine) -> Shop:
    """The shop of the settings below, as imported (its row carries the settings' name)."""
    return make_shop(engine, name=SHOP_NAME)


@pytest.fixture
def gateways() -> Iterator[LocalGateways]:
    with local_gateways(public_url="https://wb.example.com") as running:
        yield running


def make_app(engine: Engine, tmp_path: Path, channels: dict[str, Any], **store: Any) -> App:
    settings = Settings.model_validate(
        {"store": {"name": SHOP_NAME, **store}, "channels": channels}
    )
    return App(settings=settings, engine=engine, cwd=tmp_path, clock=FixedClock(NOW))


def sms_reminder(shop: Shop, order_id: str, buyer: str, **fields: Any) -> Any:
    fields.setdefault("params", {"pay_before": "16:00"})
    fields.setdefault("template", "unpaid_new_buyer")
    return planned_action(shop.store_id, order_id, customer_id=shop.customer_ids[buyer], **fields)


def email_reminder(shop: Shop, order_id: str, buyer: str, **fields: Any) -> Any:
    pay_url = f"https://shop.example.com/pay/{order_id}"
    fields.setdefault("params", {"pay_before": "16:00", "pay_url": pay_url})
    return planned_action(
        shop.store_id,
        order_id,
        customer_id=shop.customer_ids[buyer],
        channel=ActionChannel.EMAIL,
        template="unpaid_new_buyer_email",
        **fields,
    )


def enqueue(engine: Engine, *planned: Any) -> None:
    with engine.begin() as conn:
        outbox.enqueue(conn, list(planned), now=NOW)


def actions(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {a.key: a for a in outbox.list_actions(conn)}


def test_due_sms_and_email_reminders_arrive_at_the_gateways_as_rendered_templates(
    engine: Engine, shop: Shop, tmp_path: Path, gateways: LocalGateways
) -> None:
    enqueue(engine, sms_reminder(shop, "1000", "b0"), email_reminder(shop, "1001", "b1"))
    app = make_app(engine, tmp_path, gateways.channels())
    run = dispatch(app, channels=lambda a: default_channels(a, env=gateways.env))

    assert run.report.outcomes["sent"] == 2 and run.waiting == []
    (sms,) = gateways.sms
    assert sms.to == "+8613800130000"
    assert sms.key == "order:1000:unpaid:1"
    assert sms.text == (
        "【俏艺旗舰店】您好，您拍下的订单1000还未付款，16:00前付款今天即可发货。如已付款请忽略。"
    )
    (mail,) = gateways.emails
    assert mail.recipients == ["b1@example.com"]
    assert mail.message["Subject"] == "您的订单1001等待付款"
    text = mail.message.get_body(("plain",))
    assert text is not None and "¥99.00" in text.get_content()
    assert "List-Unsubscribe" not in mail.message  # a reminder is not marketing
    stored = actions(engine)
    assert stored["order:1000:unpaid:1"].status is ActionStatus.SENT
    assert stored["order:1000:unpaid:1"].provider_id == "sms-1"
    assert stored["order:1001:unpaid:1"].status is ActionStatus.SENT


def consent(engine: Engine, customer_id: int, channel: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            consents.insert(),
            [{"customer_id": customer_id, "channel": channel, "granted": True,
              "source": "crm", "recorded_at": NOW}],
        )  # fmt: skip


def test_a_marketing_email_carries_a_signed_one_click_unsubscribe_link(
    engine: Engine, shop: Shop, tmp_path: Path, gateways: LocalGateways
) -> None:
    consent(engine, shop.customer_ids["b0"], "email")
    enqueue(
        engine,
        planned_action(
            shop.store_id,
            "1000",
            playbook="closed",
            customer_id=shop.customer_ids["b0"],
            channel=ActionChannel.EMAIL,
            purpose=Purpose.MARKETING,
            template="closed_followup_email",
            params={"reason_url": "https://shop.example.com/r/1000"},
        ),
    )
    app = make_app(engine, tmp_path, gateways.channels(), postal_address="杭州市文一西路 969 号")
    dispatch(app, channels=lambda a: default_channels(a, env=gateways.env))

    (mail,) = gateways.emails
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = mail.message["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://wb.example.com/u/")
    body = mail.message.get_body(("plain",))
    assert body is not None and url in body.get_content()
    assert "杭州市文一西路 969 号" in body.get_content()
    signer = LinkSigner(gateways.env[LINK_SECRET_ENV].encode())
    claims = signer.verify(url.rsplit("/", 1)[1], LinkPurpose.UNSUBSCRIBE, now=NOW)
    assert claims.subject == f"{shop.store_id}:{shop.customer_ids['b0']}:email"
    assert "@" not in claims.subject


def test_an_sms_reaches_a_provider_on_the_internet_through_the_injected_http_client(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    received: list[httpx.Request] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200, json={"result": {"code": 0}, "msgid": "m-77"})

    channels = {
        "sms": {
            "provider": "http",
            "url": "https://sms.example.net/v1/send",
            "success_field": "result.code",
            "id_field": "msgid",
            "signature_secret_env": "GATEWAY_SECRET",
        }
    }
    enqueue(engine, sms_reminder(shop, "1000", "b0"))
    app = make_app(engine, tmp_path, channels)
    client = httpx.Client(transport=httpx.MockTransport(gateway))
    env = {"GATEWAY_SECRET": "s" * 32}
    dispatch(app, channels=lambda a: default_channels(a, env=env, client=client))
    client.close()

    (request,) = received
    sent = json.loads(request.content)
    assert str(request.url) == "https://sms.example.net/v1/send"
    assert sent["to"] == "+8613800130000" and sent["text"].startswith("【俏艺旗舰店】")
    assert len(request.headers["X-Signature"]) == 64
    assert actions(engine)["order:1000:unpaid:1"].provider_id == "m-77"


def test_a_render_error_fails_that_action_with_the_reason_and_the_batch_goes_on(
    engine: Engine, shop: Shop, tmp_path: Path, gateways: LocalGateways
) -> None:
    enqueue(
        engine,
        sms_reminder(shop, "1000", "b0", params={}, template="unpaid_merged"),  # no total
        sms_reminder(shop, "1001", "b1", params={"pay_before": "16:00，今日优惠"}),
        sms_reminder(shop, "1002", "b2"),
    )
    app = make_app(engine, tmp_path, gateways.channels())
    run = dispatch(app, channels=lambda a: default_channels(a, env=gateways.env))

    stored = actions(engine)
    missing, advertising, fine = (stored[f"order:{n}:unpaid:1"] for n in (1000, 1001, 1002))
    assert run.report.outcomes == {"failed": 2, "sent": 1}
    assert missing.status is ActionStatus.FAILED
    assert "variable 'total' is not defined" in (missing.last_error or "")
    assert advertising.status is ActionStatus.FAILED
    assert "must not advertise" in (advertising.last_error or "")
    assert fine.status is ActionStatus.SENT
    assert [m.key for m in gateways.sms] == ["order:1002:unpaid:1"]


def test_an_sms_too_long_for_the_configured_parts_is_refused_not_sent(
    engine: Engine, shop: Shop, tmp_path: Path, gateways: LocalGateways
) -> None:
    channels = gateways.channels()
    channels["sms"]["max_parts"] = 1
    long_name = {"buyer_name": "尊敬的金牌会员张女士和她的家人朋友们"}  # 82 characters in all
    enqueue(engine, sms_reminder(shop, "1000", "b0", template="unpaid_returning_buyer",
                                 params=long_name))  # fmt: skip
    app = make_app(engine, tmp_path, channels)
    dispatch(app, channels=lambda a: default_channels(a, env=gateways.env))
    action = actions(engine)["order:1000:unpaid:1"]
    assert action.status is ActionStatus.FAILED and "more than the maximum of 1" in (
        action.last_error or ""
    )
    assert gateways.sms == []


def test_an_unconfigured_channel_leaves_its_actions_planned_and_names_the_setting_once(
    engine: Engine, shop: Shop, tmp_path: Path, gateways: LocalGateways
) -> None:
    channels = gateways.channels()
    del channels["sms"]
    enqueue(
        engine,
        sms_reminder(shop, "1000", "b0"),
        sms_reminder(shop, "1001", "b1"),
        email_reminder(shop, "1002", "b2"),
    )
    app = make_app(engine, tmp_path, channels)
    run = dispatch(app, channels=lambda a: default_channels(a, env=gateways.env))
    stored = actions(engine)
    assert run.waiting == [
        "sms actions stay planned: channels.sms.provider is not set: SMS cannot be sent "
        "(choose aliyun, tencent, twilio or http)"
    ]
    assert stored["order:1000:unpaid:1"].status is ActionStatus.PLANNED
    assert stored["order:1001:unpaid:1"].status is ActionStatus.PLANNED
    assert stored["order:1002:unpaid:1"].status is ActionStatus.SENT


def test_marketing_email_without_a_link_secret_is_a_clear_error_before_anything_is_sent(
    engine: Engine, shop: Shop, tmp_path: Path, gateways: LocalGateways
) -> None:
    channels = gateways.channels()
    del channels["link_secret_env"]
    marketing = planned_action(
        shop.store_id,
        "1000",
        playbook="closed",
        customer_id=shop.customer_ids["b0"],
        channel=ActionChannel.EMAIL,
        purpose=Purpose.MARKETING,
        template="closed_followup_email",
    )
    enqueue(engine, marketing, email_reminder(shop, "1001", "b1"))
    app = make_app(engine, tmp_path, channels)
    with pytest.raises(ChannelNotConfigured, match=r"channels\.link_secret_env is not set"):
        dispatch(app, channels=lambda a: default_channels(a, env={}))
    assert {a.status for a in actions(engine).values()} == {ActionStatus.PLANNED}
    assert gateways.emails == []


def test_the_dry_run_shows_the_rendered_message_masked_and_a_render_failure(
    engine: Engine, shop: Shop, tmp_path: Path, gateways: LocalGateways
) -> None:
    enqueue(
        engine,
        sms_reminder(shop, "1000", "b0"),
        sms_reminder(shop, "1001", "b1", params={}, template="unpaid_merged"),
    )
    app = make_app(engine, tmp_path, gateways.channels())
    shown = {
        p.key: p for p in preview(app, channels=lambda a: default_channels(a, env=gateways.env))
    }
    good, bad = shown["order:1000:unpaid:1"], shown["order:1001:unpaid:1"]
    assert good.decision == "send" and good.to == "138****0000"
    assert good.body.startswith("【俏艺旗舰店】您好，您拍下的订单1000")
    assert bad.decision == "fail" and "'total'" in bad.reason
    assert gateways.sms == []


def test_the_winback_dispatch_command_sends_through_gateways_set_in_winback_toml(
    tmp_path: Path, gateways: LocalGateways
) -> None:
    """The command reads [channels] from the file and the link secret from the environment;
    the wall clock decides quiet hours, so the reminder's time zone puts it at midday."""
    engine = connect(f"sqlite:///{tmp_path / 'winback.db'}")
    migrate(engine)
    shop = make_shop(engine, name=SHOP_NAME)
    offset = 12 - datetime.now(UTC).hour
    midday = {"pay_before": "16:00", "timezone": f"Etc/GMT{-offset:+d}"}
    enqueue(
        engine,
        sms_reminder(shop, "1000", "b0", params=midday),
        email_reminder(shop, "1001", "b1", params={**midday, "pay_url": "https://s.example/p"}),
    )
    settings = {"store": {"name": SHOP_NAME}, "channels": gateways.channels()}
    (tmp_path / "winback.toml").write_text(tomli_w.dumps(settings), encoding="utf-8")
    runner = CliRunner(env={**gateways.env, "COLUMNS": "200"})
    database = engine.url.render_as_string(hide_password=False)
    result = runner.invoke(
        cli,
        ["--config", str(tmp_path / "winback.toml"), "--database", database, "dispatch", "--json"],
        catch_exceptions=False,
    )
    stored = actions(engine)
    engine.dispose()
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sent"] == 2
    assert {a.status for a in stored.values()} == {ActionStatus.SENT}
    assert [(s.to, s.text[:7]) for s in gateways.sms] == [("+8613800130000", "【俏艺旗舰店】")]
    assert [m.recipients for m in gateways.emails] == [["b1@example.com"]]


def test_a_usd_order_of_a_shopify_store_is_e_mailed_in_dollars_in_a_plain_voice(
    engine: Engine, tmp_path: Path, gateways: LocalGateways
) -> None:
    """Issue 11.3: the Chinese e-mail hard-coded ¥, so a USD order read '（¥168.90）'."""
    shop = make_shop(engine, name=SHOP_NAME, platform=Platform.SHOPIFY, currency="USD",
                     timezone="America/Los_Angeles")  # fmt: skip
    enqueue(engine, email_reminder(shop, "1000", "b0", amount=Decimal("168.90")),
            sms_reminder(shop, "1001", "b1"))  # fmt: skip
    app = make_app(engine, tmp_path, gateways.channels(), platform="shopify", currency="USD",
                   timezone="America/Los_Angeles")  # fmt: skip
    dispatch(app, channels=lambda a: default_channels(a, env=gateways.env))
    (mail,) = gateways.emails
    text = mail.message.get_body(("plain",))
    html = mail.message.get_body(("html",))
    assert text is not None and html is not None
    assert "（US$168.90）" in text.get_content() and "¥" not in text.get_content()
    assert "US$168.90" in html.get_content()
    (sms,) = gateways.sms
    assert sms.text.startswith("【俏艺旗舰店】您好，您的订单1001还未付款")  # not 拍下
    assert "亲" not in sms.text


def test_an_order_in_another_currency_than_the_store_is_written_in_its_own(
    engine: Engine, shop: Shop, tmp_path: Path, gateways: LocalGateways
) -> None:
    with engine.begin() as conn:
        repo.apply_records(conn, shop.store_id, [unpaid_order("2000", "b0", currency="EUR")],
                           source_file="eu.csv", now=NOW)  # fmt: skip
    enqueue(engine, email_reminder(shop, "2000", "b0"))
    app = make_app(engine, tmp_path, gateways.channels())
    dispatch(app, channels=lambda a: default_channels(a, env=gateways.env))
    (mail,) = gateways.emails
    body = mail.message.get_body(("plain",))
    assert body is not None and "（€99.00）" in body.get_content()


def test_a_merged_reminder_over_orders_in_two_currencies_fails_with_the_reason(
    engine: Engine, shop: Shop, tmp_path: Path, gateways: LocalGateways
) -> None:
    with engine.begin() as conn:
        repo.apply_records(conn, shop.store_id, [unpaid_order("2000", "b0", currency="USD")],
                           source_file="us.csv", now=NOW)  # fmt: skip
    merged = sms_reminder(shop, "1000", "b0", template="unpaid_merged", order_ids=("1000", "2000"),
                          params={"total": "198.00"})  # fmt: skip
    enqueue(engine, merged)
    app = make_app(engine, tmp_path, gateways.channels())
    run = dispatch(app, channels=lambda a: default_channels(a, env=gateways.env))
    action = actions(engine)["order:1000:unpaid:1"]
    assert run.report.outcomes == {"failed": 1} and gateways.sms == []
    assert "different currencies (CNY, USD)" in (action.last_error or "")


def test_a_shops_own_template_file_is_used_and_its_runtime_error_fails_only_its_action(
    engine: Engine, shop: Shop, tmp_path: Path, gateways: LocalGateways
) -> None:
    """Issue 12.1 end to end: the merchant's reminder divides by zero at send time for one
    order only; that action fails with the reason, the other two are sent and recorded."""
    (tmp_path / "mine.toml").write_text(
        '[[template]]\nname = "unpaid_new_buyer"\nlanguage = "zh"\nversion = 2\n'
        'channel = "sms"\npurpose = "transactional"\n'
        "body = '''【{{ shop }}】订单{{ order_id }}待付款，"
        "{{ 100 // (order_id | int - 1001) }}'''\n",
        encoding="utf-8",
    )
    enqueue(engine, *(sms_reminder(shop, str(1000 + n), f"b{n}") for n in range(3)))
    app = make_app(engine, tmp_path, gateways.channels())
    app = App(app.settings.model_copy(update={"templates": TemplateSettings(files=("mine.toml",))}),
              engine, tmp_path, app.clock)  # fmt: skip
    run = dispatch(app, channels=lambda a: default_channels(a, env=gateways.env))
    stored = actions(engine)
    assert run.report.outcomes == {"sent": 2, "failed": 1}
    assert {k: a.status for k, a in stored.items()} == {
        "order:1000:unpaid:1": ActionStatus.SENT,
        "order:1001:unpaid:1": ActionStatus.FAILED,
        "order:1002:unpaid:1": ActionStatus.SENT,
    }
    assert stored["order:1001:unpaid:1"].last_error == (
        "cannot render: template unpaid_new_buyer v2 (zh): line 1: division by zero"
    )
    assert sorted(s.text for s in gateways.sms) == [
        "【俏艺旗舰店】订单1000待付款，-100",
        "【俏艺旗舰店】订单1002待付款，100",
    ]


def test_each_action_speaks_in_the_voice_and_currency_of_its_own_store(
    engine: Engine, shop: Shop, tmp_path: Path, gateways: LocalGateways
) -> None:
    """Two stores in one database: the configured Taobao shop and a Shopify store imported
    with --store; each reminder takes its store's name, platform voice and currency."""
    with engine.begin() as conn:
        global_id = repo.ensure_store(
            conn,
            name="Qiaoyi Global",
            platform="shopify",
            timezone="America/Los_Angeles",
            currency="USD",
            now=NOW,
        )
        order = unpaid_order("G1", "g0", platform=Platform.SHOPIFY, currency="USD")
        repo.apply_records(conn, global_id, [order], source_file="orders_export.csv", now=NOW)
        g0 = conn.execute(
            select(customers.c.id).where(customers.c.store_id == global_id)
        ).scalar_one()
    enqueue(
        engine,
        email_reminder(shop, "1000", "b0"),
        planned_action(global_id, "G1", customer_id=g0, channel=ActionChannel.EMAIL,
                       template="unpaid_new_buyer_email", params={"pay_before": "4 pm"}),
    )  # fmt: skip
    app = make_app(engine, tmp_path, gateways.channels())
    dispatch(app, channels=lambda a: default_channels(a, env=gateways.env))
    bodies = {}
    for mail in gateways.emails:
        part = mail.message.get_body(("plain",))
        assert part is not None
        bodies[mail.recipients[0]] = part.get_content()
    assert "您在俏艺旗舰店的订单1000（¥99.00）" in bodies["b0@example.com"]
    assert "您在Qiaoyi Global的订单G1（US$99.00）" in bodies["g0@example.com"]


def test_each_store_sends_through_its_own_channels_never_another_stores(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    """Two stores with their own SMS gateways and signatures ([stores.NAME.channels]): each
    store's reminders leave through its own gateway, signed with its own name."""
    with engine.begin() as conn:
        other = repo.ensure_store(
            conn, name="天猫店", platform="tmall", timezone="Asia/Shanghai", currency="CNY", now=NOW
        )
        order = unpaid_order("T1", "b7", platform=Platform.TMALL)
        repo.apply_records(conn, other, [order], source_file="tmall.csv", now=NOW)
        b7 = conn.execute(select(customers.c.id).where(customers.c.store_id == other)).scalar_one()
    enqueue(
        engine,
        sms_reminder(shop, "1000", "b0"),
        planned_action(other, "T1", customer_id=b7, template="unpaid_new_buyer",
                       params={"pay_before": "16:00"}),
    )  # fmt: skip
    received: list[httpx.Request] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200, json={"code": "0", "id": f"m-{len(received)}"})

    def sms(url: str, sign: str) -> dict[str, Any]:
        return {"sms": {"provider": "http", "url": url, "sign_name": sign,
                        "success_field": "code", "id_field": "id"}}  # fmt: skip

    settings = Settings.model_validate(
        {
            "stores": {
                SHOP_NAME: Settings.model_validate(
                    {"store": {"name": SHOP_NAME}, "channels": sms("https://a.example/sms", "俏艺")}
                ),
                "天猫店": Settings.model_validate(
                    {
                        "store": {"name": "天猫店", "platform": "tmall"},
                        "channels": sms("https://b.example/sms", "天猫店"),
                    }
                ),
            },
        }
    )
    app = App(settings=settings, engine=engine, cwd=tmp_path, clock=FixedClock(NOW))
    client = httpx.Client(transport=httpx.MockTransport(gateway))
    dispatch(app, channels=lambda a: default_channels(a, env={}, client=client))
    client.close()
    by_url = {str(r.url): json.loads(r.content) for r in received}
    assert set(by_url) == {"https://a.example/sms", "https://b.example/sms"}
    assert by_url["https://a.example/sms"]["to"] == "+8613800130000"
    assert by_url["https://b.example/sms"]["to"] == "+8613800130007"
    assert by_url["https://b.example/sms"]["text"].startswith("【天猫店】")
    assert {a.status for a in actions(engine).values()} == {ActionStatus.SENT}
