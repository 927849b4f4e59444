"""Issue 12.7: anyone could opt a buyer out, and odd bodies gave 500s. Each case here is a
4xx with nothing written (the parser- and service-level tests failed before the fix)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from act_factories import NOW, Shop
from sqlalchemy import Engine
from web_helpers import ENV, call, make_app, rows

from winback.act.inbound_sms import InboundSmsError, parse_aliyun_sms_up, parse_tencent_reply
from winback.act.links import LinkPurpose, LinkSigner, TamperedLink
from winback.act.rendering import unsubscribe_subject
from winback.model import ActionChannel
from winback.services import optouts
from winback.store.schema import suppressions, used_links

TOKEN = "aliyun-callback-token-0123456789"
INBOUND = {"routes": ["aliyun", "tencent"], "aliyun_token_env": "ALIYUN_TOKEN",
           "tencent_token_env": "TENCENT_TOKEN"}  # fmt: skip
STOP = json.dumps([{"phone_number": "13800130000", "content": "R"}]).encode()


@pytest.fixture(autouse=True)
def tokens_in_env() -> None:
    ENV["ALIYUN_TOKEN"] = TOKEN
    ENV["TENCENT_TOKEN"] = "tencent-callback-token-012345678"


def test_an_unauthenticated_push_opts_nobody_out(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    on = make_app(engine, tmp_path, inbound=INBOUND)
    off = make_app(engine, tmp_path)
    assert call(off, "POST", f"/inbound/sms/aliyun/{TOKEN}", content=STOP).status_code == 404
    assert call(on, "POST", "/inbound/sms/aliyun", content=STOP).status_code == 404
    assert call(on, "POST", "/inbound/sms/aliyun/wrong-token", content=STOP).status_code == 404
    assert call(on, "POST", "/inbound/sms/tencent/" + TOKEN, content=STOP).status_code == 404
    assert rows(engine, suppressions) == 0
    assert call(on, "POST", f"/inbound/sms/aliyun/{TOKEN}", content=STOP).status_code == 200
    assert rows(engine, suppressions) == 1


def test_a_route_whose_token_variable_is_unset_is_off(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    ENV.pop("ALIYUN_TOKEN")
    app = make_app(engine, tmp_path, inbound=INBOUND)
    assert call(app, "POST", f"/inbound/sms/aliyun/{TOKEN}", content=STOP).status_code == 404
    assert call(app, "POST", "/inbound/sms/aliyun/", content=STOP).status_code == 404
    assert rows(engine, suppressions) == 0


def test_deeply_nested_brackets_are_a_400_not_a_500() -> None:
    with pytest.raises(InboundSmsError, match="not JSON"):
        parse_aliyun_sms_up(b"[" * 100_000 + b"]" * 100_000)


def test_deeply_nested_brackets_through_the_endpoint(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path, inbound=INBOUND, max_body_bytes=1024 * 1024)
    body = b"[" * 100_000 + b"]" * 100_000
    answer = call(app, "POST", f"/inbound/sms/aliyun/{TOKEN}", content=body)
    assert answer.status_code == 400 and rows(engine, suppressions) == 0


@pytest.mark.parametrize("nationcode", [{"a": 1}, ["86"], True, "8 6", "86a", "123456", 1.5])
def test_a_tencent_nationcode_that_is_not_a_country_code_is_refused(nationcode: object) -> None:
    body = json.dumps({"mobile": "13800130000", "nationcode": nationcode, "text": "TD"})
    with pytest.raises(InboundSmsError):
        parse_tencent_reply(body.encode())


def test_a_tencent_nationcode_object_writes_nothing(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path, inbound=INBOUND)
    body = json.dumps({"mobile": "1", "nationcode": {"1": "1"}, "text": "TD"}).encode()
    answer = call(app, "POST", f"/inbound/sms/tencent/{ENV['TENCENT_TOKEN']}", content=body)
    assert answer.status_code == 400 and rows(engine, suppressions) == 0


def test_a_reply_from_something_that_is_not_a_phone_number_is_refused() -> None:
    with pytest.raises(InboundSmsError, match="not a phone number"):
        parse_aliyun_sms_up(json.dumps([{"phone_number": "11", "content": "R"}]).encode())


def signed_link(store_id: int, customer_id: int) -> str:
    subject = unsubscribe_subject(store_id, customer_id, ActionChannel.EMAIL)
    signer = LinkSigner(ENV["LINK_SECRET"].encode())
    return signer.issue(LinkPurpose.UNSUBSCRIBE, subject, now=NOW, valid_for=timedelta(days=3))


def test_a_signed_link_for_a_missing_customer_is_refused_not_a_foreign_key_failure(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    token = signed_link(shop.store_id, 987_654)
    claims = LinkSigner(ENV["LINK_SECRET"].encode()).verify(token, LinkPurpose.UNSUBSCRIBE, now=NOW)
    with pytest.raises(TamperedLink):
        optouts.unsubscribe(app, claims)
    page = call(
        app,
        "POST",
        f"/u/{token}",
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert page.status_code == 400
    assert rows(engine, suppressions) == 0 and rows(engine, used_links) == 0


def test_a_link_for_a_customer_of_another_store_is_refused(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    token = signed_link(shop.store_id + 1, shop.customer_ids["b0"])
    claims = LinkSigner(ENV["LINK_SECRET"].encode()).verify(token, LinkPurpose.UNSUBSCRIBE, now=NOW)
    with pytest.raises(TamperedLink):
        optouts.unsubscribe(app, claims)
    assert rows(engine, suppressions) == 0


def test_a_body_over_the_limit_is_refused_at_once(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path, inbound=INBOUND, max_body_bytes=1024 * 1024)
    huge = b"[" + b'{"phone_number": "13800130000", "content": "R"},' * 500_000 + b"{}]"
    assert len(huge) > 22_000_000
    started = time.perf_counter()
    answer = call(app, "POST", f"/inbound/sms/aliyun/{TOKEN}", content=huge)
    assert answer.status_code == 413
    assert time.perf_counter() - started < 5
    assert rows(engine, suppressions) == 0
