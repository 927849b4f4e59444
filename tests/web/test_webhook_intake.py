"""The webhook intake under concurrent deliveries (issue 13, I4): what one request costs the
database, and the group commit — deliveries that arrive together are stored in one
statement, each exactly once, each answered only once committed, and one that the database
refuses does not take the others down with it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from act_factories import Shop
from shopify_stream import order_stream
from sqlalchemy import Engine, event
from web_helpers import BASE, ENV, SHOPIFY_SECRET, make_app

from winback.app import App
from winback.ingest.shopify_json import webhook_signature
from winback.web.app import create_app

SHOPIFY = "/webhooks/shop/shopify"


def headers(body: bytes, event_id: str) -> dict[str, str]:
    return {
        "X-Shopify-Topic": "orders/updated",
        "X-Shopify-Shop-Domain": "qiaoyi.myshopify.com",
        "X-Shopify-Event-Id": event_id,
        "X-Shopify-Webhook-Id": f"wh-{event_id}",
        "X-Shopify-Triggered-At": "2024-03-01T01:00:00Z",
        "X-Shopify-Hmac-Sha256": webhook_signature(SHOPIFY_SECRET, body),
        "Content-Type": "application/json",
    }


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL the engine sends while the block runs."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def together(
    app: App, deliveries: list[tuple[bytes, dict[str, str]]], *, engine: Engine | None = None
) -> tuple[list[httpx.Response], list[str]]:
    """Post the deliveries at once (one warm-up delivery first, outside the count): the
    answers, and the SQL sent for them."""

    async def go() -> tuple[list[httpx.Response], list[str]]:
        transport = httpx.ASGITransport(app=create_app(app, env=ENV))
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            warm = b'{"id": 1}'
            answer = await client.post(SHOPIFY, content=warm, headers=headers(warm, "warm-up"))
            assert answer.status_code == 200
            with statements(engine or app.engine) as seen:
                answers = await asyncio.gather(
                    *(client.post(SHOPIFY, content=b, headers=h) for b, h in deliveries)
                )
            return list(answers), seen

    return asyncio.run(go())


def test_a_delivery_reads_nothing_from_the_database_only_stores_its_event(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    body = order_stream(1)[0].body
    answers, seen = together(app, [(body, headers(body, "e1"))])
    assert [a.status_code for a in answers] == [200]
    inserts = [s for s in seen if s.startswith("INSERT INTO webhook_events")]
    reads = [s for s in seen if s.startswith("SELECT")]
    assert len(inserts) == 1
    assert reads == []  # the store and its settings were looked up once, at the warm-up
