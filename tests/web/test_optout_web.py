"""The opt-out loop through the real ASGI app (httpx ASGITransport), on SQLite and PostgreSQL:
SMS replies from each provider, Twilio's signature, one-click unsubscribe links, and the
dispatcher honouring what they recorded."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from act_factories import NOW, Shop
from sqlalchemy import Engine, func, select

from winback.act.dispatcher import Dispatcher, WorklistChannel
from winback.act.inbound_sms import twilio_signature
from winback.act.links import LinkPurpose, LinkSigner
from winback.act.rendering import unsubscribe_subject
from winback.app import App
from winback.config import Settings
from winback.model import ActionChannel, ActionStatus, Purpose, SuppressionReason
from winback.store import outbox
from winback.store.outbox_engine import Outbox
from winback.store.schema import consents, suppressions
from winback.testing import FixedClock, MemoryChannel, planned_action
from winback.web.app import create_app

SECRET = "k" * 40
ENV = {
    "LINK_SECRET": SECRET,
    "TWILIO_TOKEN": "twilio-auth-token",
    "GATEWAY_SECRET": "g" * 32,
    "ALIYUN_TOKEN": "aliyun-callback-token-0123456789",
    "TENCENT_TOKEN": "tencent-callback-token-012345678",
    "HTTP_TOKEN": "gateway-callback-token-012345678",
}
INBOUND = {
    "routes": ["aliyun", "tencent", "twilio", "http"],
    "aliyun_token_env": "ALIYUN_TOKEN",
    "tencent_token_env": "TENCENT_TOKEN",
    "http_token_env": "HTTP_TOKEN",
}
ALIYUN = f"/inbound/sms/aliyun/{ENV['ALIYUN_TOKEN']}"
TENCENT = f"/inbound/sms/tencent/{ENV['TENCENT_TOKEN']}"
GATEWAY = f"/inbound/sms/http/{ENV['HTTP_TOKEN']}"
ONE_CLICK = "List-Unsubscribe=One-Click"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def make_app(engine: Engine, tmp_path: Path, *, language: str = "zh", **sms: Any) -> App:
    settings = Settings.model_validate(
        {
            "store": {"name": "shop", "language": language},
            "channels": {
                "link_secret_env": "LINK_SECRET",
                "public_url": "https://wb.example.com",
                "sms": {"auth_token_env": "TWILIO_TOKEN", **sms},
            },
            "web": {"inbound": INBOUND},
        }
    )
    return App(settings=settings, engine=engine, cwd=tmp_path, clock=FixedClock(NOW))


def call(app: App, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(app, env=ENV))
        async with httpx.AsyncClient(transport=transport, base_url="https://wb.example.com") as c:
            return await c.request(method, path, **kwargs)

    return asyncio.run(go())


def sms_suppression(engine: Engine, shop: Shop, phone: str) -> SuppressionReason | None:
    with engine.connect() as conn:
        return outbox.is_suppressed(
            conn, store_id=shop.store_id, channel=ActionChannel.SMS, address=phone
        )


def suppression_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(suppressions)).scalar_one())


def drain(engine: Engine, channel: MemoryChannel) -> None:
    channels = {channel.kind: channel, ActionChannel.PHONE_TASK: WorklistChannel()}
    Dispatcher(Outbox(engine), channels, clock=FixedClock(NOW), worker="w1").drain()


def only_action(engine: Engine) -> Any:
    with engine.connect() as conn:
        (action,) = outbox.list_actions(conn)
    return action


# -- SMS replies ------------------------------------------------------------------------------


def test_a_stop_reply_suppresses_the_number_and_the_dispatcher_then_skips_its_reminder(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    reply = [{"phone": "+86 138 0013 0000", "text": " 退订！"}]
    response = call(app, "POST", GATEWAY, content=json.dumps(reply))
    assert response.status_code == 200
    assert response.json() == {"replies": 1, "opt_outs": 1, "suppressed": 1}
    assert sms_suppression(engine, shop, "13800130000") is SuppressionReason.REPLY_STOP

    with engine.begin() as conn:  # a payment reminder is transactional: only the list stops it
        outbox.enqueue(
            conn, [planned_action(shop.store_id, "1000", customer_id=shop.customer_ids["b0"])],
            now=NOW,
        )  # fmt: skip
    sms = MemoryChannel()
    drain(engine, sms)
    action = only_action(engine)
    assert sms.sent == []
    assert action.status is ActionStatus.SKIPPED and "reply_stop" in (action.last_error or "")


def test_a_reply_that_is_not_an_opt_out_suppresses_nothing(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    replies = [
        {"phone": "13800130000", "text": "R u open today?"},
        {"phone": "13800130001", "text": "好的，马上付款"},
    ]
    response = call(app, "POST", GATEWAY, content=json.dumps(replies))
    assert response.json() == {"replies": 2, "opt_outs": 0, "suppressed": 0}
    assert suppression_rows(engine) == 0


def test_aliyun_and_tencent_pushes_are_read_in_their_own_shapes(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    aliyun = [{"phone_number": "13800130001", "content": "T", "send_time": "2024-03-01 10:00:00",
               "dest_code": "1", "sequence_id": 7}]  # fmt: skip
    tencent = {"mobile": "13800130002", "nationcode": "86", "text": "TD", "sign": "shop"}
    assert call(app, "POST", ALIYUN, content=json.dumps(aliyun)).status_code == 200
    assert call(app, "POST", TENCENT, content=json.dumps(tencent)).status_code == 200
    assert sms_suppression(engine, shop, "13800130001") is SuppressionReason.REPLY_STOP
    assert sms_suppression(engine, shop, "13800130002") is SuppressionReason.REPLY_STOP
    assert sms_suppression(engine, shop, "13800130000") is None


def test_a_signed_twilio_stop_suppresses_and_a_forged_one_is_refused(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    url = "https://wb.example.com/inbound/sms/twilio"
    forged = {"From": "+8613800130001", "Body": "STOP", "MessageSid": "SM2"}
    wrong = twilio_signature("wrong-token", url, forged)
    bad = call(app, "POST", "/inbound/sms/twilio", content=urlencode(forged),
               headers={**FORM, "X-Twilio-Signature": wrong})  # fmt: skip
    unsigned = call(app, "POST", "/inbound/sms/twilio", content=urlencode(forged), headers=FORM)
    params = {"From": "+8613800130000", "Body": "Stop", "MessageSid": "SM1"}
    signature = twilio_signature(ENV["TWILIO_TOKEN"], url, params)
    good = call(app, "POST", "/inbound/sms/twilio", content=urlencode(params),
                headers={**FORM, "X-Twilio-Signature": signature})  # fmt: skip

    assert (bad.status_code, unsigned.status_code) == (401, 401)
    assert sms_suppression(engine, shop, "13800130001") is None
    assert good.status_code == 200 and good.text == "<Response></Response>"
    assert sms_suppression(engine, shop, "13800130000") is SuppressionReason.REPLY_STOP


def test_the_generic_gateway_push_must_carry_its_hmac_when_a_secret_is_set(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path, signature_secret_env="GATEWAY_SECRET")
    body = json.dumps({"phone": "13800130000", "text": "STOP"}).encode()
    good = hmac.new(ENV["GATEWAY_SECRET"].encode(), body, hashlib.sha256).hexdigest()
    refused = call(
        app, "POST", "/inbound/sms/http", content=body, headers={"X-Signature": "0" * 64}
    )
    assert refused.status_code == 401 and suppression_rows(engine) == 0
    accepted = call(app, "POST", "/inbound/sms/http", content=body, headers={"X-Signature": good})
    assert accepted.status_code == 200 and suppression_rows(engine) == 1


def test_a_push_in_the_wrong_shape_is_a_400_naming_the_problem(
    engine: Engine, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    response = call(app, "POST", ALIYUN, content=b'{"not": "an array"}')
    assert response.status_code == 400 and "expected a JSON array" in response.json()["detail"]
    assert call(app, "POST", "/inbound/sms/carrier-pigeon", content=b"[]").status_code == 404


# -- unsubscribe links --------------------------------------------------------------------------


def token_for(shop: Shop, buyer: str, *, valid_for: timedelta = timedelta(days=30)) -> str:
    subject = unsubscribe_subject(shop.store_id, shop.customer_ids[buyer], ActionChannel.EMAIL)
    return LinkSigner(SECRET.encode()).issue(
        LinkPurpose.UNSUBSCRIBE, subject, now=NOW - timedelta(days=1), valid_for=valid_for
    )


def test_the_link_shows_a_confirm_page_in_the_stores_language_and_changes_nothing(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    token = token_for(shop, "b0")
    zh = call(make_app(engine, tmp_path), "GET", f"/u/{token}")
    en = call(make_app(engine, tmp_path, language="en"), "GET", f"/u/{token}")
    assert zh.status_code == 200 and "确定不再接收此类消息吗" in zh.text
    assert f'action="/u/{token}"' in zh.text and 'name="List-Unsubscribe"' in zh.text
    assert en.status_code == 200 and "Stop receiving these messages?" in en.text
    assert suppression_rows(engine) == 0


def test_one_click_unsubscribes_once_and_a_replay_does_nothing(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path, language="en")
    token = token_for(shop, "b0")
    first = call(app, "POST", f"/u/{token}", content=ONE_CLICK, headers=FORM)
    rows = suppression_rows(engine)
    again = call(app, "POST", f"/u/{token}", content=ONE_CLICK, headers=FORM)

    assert first.status_code == 200 and "You are unsubscribed" in first.text
    assert rows == 2  # the customer and their address, on e-mail
    assert again.status_code == 200 and "already used" in again.text
    assert suppression_rows(engine) == rows
    with engine.connect() as conn:
        by_address = outbox.is_suppressed(
            conn, store_id=shop.store_id, channel=ActionChannel.EMAIL, address="B0@example.com"
        )
        on_sms = outbox.is_suppressed(
            conn, store_id=shop.store_id, channel=ActionChannel.SMS,
            customer_id=shop.customer_ids["b0"],
        )  # fmt: skip
    assert by_address is SuppressionReason.UNSUBSCRIBE and on_sms is None


def test_after_unsubscribing_a_consented_marketing_email_is_skipped(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    b0 = shop.customer_ids["b0"]
    with engine.begin() as conn:
        conn.execute(
            consents.insert(),
            [{"customer_id": b0, "channel": "email", "granted": True, "source": "crm",
              "recorded_at": NOW - timedelta(days=10)}],
        )  # fmt: skip
        outbox.enqueue(
            conn,
            [planned_action(shop.store_id, "1000", playbook="closed", customer_id=b0,
                            channel=ActionChannel.EMAIL, purpose=Purpose.MARKETING)],
            now=NOW,
        )  # fmt: skip
    call(make_app(engine, tmp_path), "POST", f"/u/{token_for(shop, 'b0')}", content=ONE_CLICK,
         headers=FORM)  # fmt: skip
    mail = MemoryChannel(ActionChannel.EMAIL)
    drain(engine, mail)
    assert mail.sent == [] and only_action(engine).status is ActionStatus.SKIPPED


def test_a_tampered_link_is_refused_and_an_expired_one_is_gone(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    token = token_for(shop, "b0")
    mac = token.split(".")[1]
    other = token_for(shop, "b1").split(".")[0]
    tampered = f"{other}.{mac}"
    expired = token_for(shop, "b0", valid_for=timedelta(hours=1))
    foreign = LinkSigner(b"x" * 40).issue(
        LinkPurpose.UNSUBSCRIBE, "1:1:email", now=NOW, valid_for=timedelta(days=1)
    )

    for bad in (tampered, foreign, "not-a-token"):
        got = call(app, "POST", f"/u/{bad}", content=ONE_CLICK, headers=FORM)
        assert got.status_code == 400 and "链接无效" in got.text
    gone = call(app, "GET", f"/u/{expired}")
    assert gone.status_code == 410 and "链接已过期" in gone.text
    assert call(app, "POST", f"/u/{expired}", content=ONE_CLICK, headers=FORM).status_code == 410
    assert suppression_rows(engine) == 0


def test_a_post_without_the_one_click_body_unsubscribes_nobody(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    response = call(make_app(engine, tmp_path), "POST", f"/u/{token_for(shop, 'b0')}")
    assert response.status_code == 400 and suppression_rows(engine) == 0
