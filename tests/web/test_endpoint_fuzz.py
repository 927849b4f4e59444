"""Hypothesis over the webhook and inbound endpoints (I4, issue 12.7): whatever the body and
headers, no 5xx; whatever is refused writes nothing; and whatever was stored, the applier
rejects what it cannot read instead of failing."""

from __future__ import annotations

import asyncio
import json
import string
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from act_factories import NOW as FIXED_NOW
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from web_helpers import BASE, ENV, EVENTS_SECRET, SHOPIFY_SECRET, WOO_SECRET, make_app, rows

from winback.act.links import LinkPurpose, LinkSigner
from winback.act.rendering import unsubscribe_subject
from winback.app import App
from winback.ingest import generic_events, shopify_json, woocommerce_webhooks
from winback.model import ActionChannel
from winback.services import webhooks
from winback.store import repo
from winback.store.db import connect, migrate
from winback.store.schema import metadata, suppressions, webhook_events
from winback.web.app import create_app

INBOUND_TOKEN = "aliyun-callback-token-0123456789"
ENV["ALIYUN_TOKEN"] = INBOUND_TOKEN
ENV["TENCENT_TOKEN"] = INBOUND_TOKEN + "t"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=25,
)
order_like = st.fixed_dictionaries(
    {
        "id": st.one_of(st.integers(), st.text(max_size=8)),
        "created_at": st.text(max_size=30),
        "total_price": st.one_of(st.text(max_size=12), st.integers(), st.none()),
        "financial_status": st.sampled_from(["paid", "pending", "voided", "weird", ""]),
        "line_items": st.one_of(
            st.lists(st.dictionaries(st.text(max_size=8), json_values), max_size=3), json_values
        ),
    },
    optional={
        "updated_at": st.text(max_size=30),
        "cancelled_at": st.text(max_size=30),
        "customer": json_values,
        "refunds": json_values,
        "fulfillments": json_values,
    },
)
bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    order_like.map(lambda v: json.dumps(v).encode()),
    st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n),
)
topics = st.sampled_from([*shopify_json.TOPICS, "products/update", "", "orders/create\n"])


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[App, Engine]]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    engine = connect(f"sqlite:///{folder / 'fuzz.db'}")
    migrate(engine)
    with engine.begin() as conn:
        repo.ensure_store(
            conn, name="shop", platform="taobao", timezone="Asia/Shanghai", currency="CNY"
        )
    app = make_app(
        engine,
        folder,
        max_body_bytes=64 * 1024,
        inbound={
            "routes": ["aliyun", "tencent", "twilio", "http"],
            "aliyun_token_env": "ALIYUN_TOKEN",
            "tencent_token_env": "TENCENT_TOKEN",
            "http_token_env": "ALIYUN_TOKEN",
        },
    )
    yield app, engine
    engine.dispose()


def post(app: App, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(app, env=ENV))
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            return await client.post(path, content=body, headers=headers)

    return asyncio.run(go())


def every_table(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


def _check(engine: Engine, table: Any, answer: httpx.Response, before: int) -> None:
    """No 5xx, and a refusal wrote nothing to ``table``."""
    assert answer.status_code < 500, answer.text
    if answer.status_code != 200:
        assert rows(engine, table) == before, answer.text


def _refused_changes_nothing(
    engine: Engine, answer: httpx.Response, before: dict[str, int]
) -> None:
    assert answer.status_code < 500, answer.text
    if answer.status_code != 200:
        assert every_table(engine) == before, answer.text


FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(body=bodies, topic=topics, sign=st.booleans(), event=st.text(max_size=10))
def test_shopify_endpoint_never_fails_and_refusals_write_nothing(
    fuzz_app: tuple[App, Engine], body: bytes, topic: str, sign: bool, event: str
) -> None:
    app, engine = fuzz_app
    headers = {"X-Shopify-Topic": topic, "X-Shopify-Event-Id": event, "X-Shopify-Shop-Domain": "s"}
    headers = {k: v for k, v in headers.items() if v.isprintable() and v.isascii()}
    if sign:
        headers["X-Shopify-Hmac-Sha256"] = shopify_json.webhook_signature(SHOPIFY_SECRET, body)
    before, tables = rows(engine, webhook_events), every_table(engine)
    answer = post(app, "/webhooks/shop/shopify", body, headers)
    _check(engine, webhook_events, answer, before)
    _refused_changes_nothing(engine, answer, tables)
    webhooks.apply_pending(app)  # never raises: unreadable events are rejected


@FUZZ
@given(
    body=bodies,
    sign=st.booleans(),
    topic=st.sampled_from(["order.created", "customer.updated", "x"]),
)
def test_woocommerce_endpoint_never_fails_and_refusals_write_nothing(
    fuzz_app: tuple[App, Engine], body: bytes, sign: bool, topic: str
) -> None:
    app, engine = fuzz_app
    headers = {"X-WC-Webhook-Topic": topic, "X-WC-Webhook-Delivery-ID": str(len(body))}
    if sign:
        headers["X-WC-Webhook-Signature"] = woocommerce_webhooks.webhook_signature(WOO_SECRET, body)
    before, tables = rows(engine, webhook_events), every_table(engine)
    answer = post(app, "/webhooks/shop/woocommerce", body, headers)
    _check(engine, webhook_events, answer, before)
    _refused_changes_nothing(engine, answer, tables)
    webhooks.apply_pending(app)


@FUZZ
@given(body=bodies, sign=st.booleans())
def test_generic_event_endpoint_never_fails_and_refusals_write_nothing(
    fuzz_app: tuple[App, Engine], body: bytes, sign: bool
) -> None:
    app, engine = fuzz_app
    headers = {"X-Winback-Signature": generic_events.sign(EVENTS_SECRET, body)} if sign else {}
    before, tables = rows(engine, webhook_events), every_table(engine)
    answer = post(app, "/webhooks/shop/events", body, headers)
    _check(engine, webhook_events, answer, before)
    _refused_changes_nothing(engine, answer, tables)
    webhooks.apply_pending(app)


inbound_items = st.dictionaries(
    st.sampled_from(["phone_number", "content", "mobile", "nationcode", "text", "phone", "from"]),
    json_values,
    max_size=5,
)
inbound_bodies = st.one_of(
    bodies,
    st.lists(inbound_items, max_size=4).map(lambda v: json.dumps(v).encode()),
    inbound_items.map(lambda v: json.dumps(v).encode()),
)


@FUZZ
@given(
    body=inbound_bodies,
    route=st.sampled_from(
        [
            f"/inbound/sms/aliyun/{INBOUND_TOKEN}",
            f"/inbound/sms/tencent/{INBOUND_TOKEN}t",
            f"/inbound/sms/http/{INBOUND_TOKEN}",
            "/inbound/sms/twilio",
            "/inbound/sms/aliyun",
            "/inbound/sms/aliyun/guess",
        ]
    ),
)
def test_inbound_endpoints_never_fail_and_refusals_write_nothing(
    fuzz_app: tuple[App, Engine], body: bytes, route: str
) -> None:
    app, engine = fuzz_app
    before, tables = rows(engine, suppressions), every_table(engine)
    answer = post(app, route, body, {})
    _check(engine, suppressions, answer, before)
    _refused_changes_nothing(engine, answer, tables)


link_tokens = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=string.ascii_letters + string.digits + "-_.", max_size=90),
    st.tuples(
        st.one_of(st.integers(0, 3), st.integers(-(2**63), 2**63)),
        st.one_of(st.none(), st.integers(0, 3), st.integers(-(2**63), 2**63)),
        st.sampled_from(list(ActionChannel)),
        st.integers(-10, 10),
    ).map(lambda t: _signed(*t)),
)


def _signed(store_id: int, customer_id: int | None, channel: ActionChannel, days: int) -> str:
    subject = unsubscribe_subject(store_id, customer_id, channel)
    signer = LinkSigner(ENV["LINK_SECRET"].encode())
    now = FIXED_NOW + timedelta(days=days)
    return signer.issue(LinkPurpose.UNSUBSCRIBE, subject, now=now, valid_for=timedelta(days=3))


@FUZZ
@given(
    token=link_tokens,
    body=st.one_of(st.just(b"List-Unsubscribe=One-Click"), st.binary(max_size=60)),
    method=st.sampled_from(["GET", "POST"]),
)
def test_unsubscribe_links_never_fail_and_refusals_write_nothing(
    fuzz_app: tuple[App, Engine], token: str, body: bytes, method: str
) -> None:
    app, engine = fuzz_app
    tables = every_table(engine)
    path = "/u/" + quote(token, safe="")

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(app, env=ENV))
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            return await client.request(method, path, content=body, headers=headers)

    answer = asyncio.run(go())
    _refused_changes_nothing(engine, answer, tables)
    if method == "GET":
        assert every_table(engine) == tables  # the confirm page never writes
