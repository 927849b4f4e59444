"""The webhook intake under concurrent deliveries (issue 13, I4): what one request costs the
database, and the group commit — deliveries that arrive together are stored in one
statement, each exactly once, each answered only once committed, and one that the database
refuses does not take the others down with it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from act_factories import Shop
from shopify_stream import order_stream
from sqlalchemy import Engine, delete, event, select
from web_helpers import BASE, ENV, SHOPIFY_SECRET, make_app

from winback.app import App
from winback.ingest.shopify_json import webhook_signature
from winback.store import repo
from winback.store.schema import stores, webhook_events
from winback.store.types import InboxEvent
from winback.web.app import create_app
from winback.web.intake import Intake

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


Delivery = tuple[str, bytes, dict[str, str]]


def delivery(body: bytes, event_id: str, *, path: str = SHOPIFY) -> Delivery:
    return (path, body, headers(body, event_id))


def together(
    app: App, deliveries: list[Delivery], *, before: Callable[[], None] | None = None
) -> tuple[list[httpx.Response], list[str]]:
    """Post the deliveries at once, after a warm-up delivery to each store they go to (and
    ``before``, if given): the answers, and the SQL sent for them."""

    async def go() -> tuple[list[httpx.Response], list[str]]:
        web = create_app(app, env=ENV)
        transport = httpx.ASGITransport(app=web, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            warm = b'{"id": 1}'
            for path in dict.fromkeys(p for p, _, _ in deliveries):
                answer = await client.post(path, content=warm, headers=headers(warm, "warm"))
                assert answer.status_code == 200
            if before is not None:
                before()
            with statements(app.engine) as seen:
                answers = await asyncio.gather(
                    *(client.post(p, content=b, headers=h) for p, b, h in deliveries)
                )
            return list(answers), seen

    return asyncio.run(go())


def stored_keys(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.scalars(select(webhook_events.c.event_key)))


def test_a_delivery_reads_nothing_from_the_database_only_stores_its_event(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    body = order_stream(1)[0].body
    answers, seen = together(app, [delivery(body, "e1")])
    assert [a.status_code for a in answers] == [200]
    inserts = [s for s in seen if s.startswith("INSERT INTO webhook_events")]
    reads = [s for s in seen if s.startswith("SELECT")]
    assert len(inserts) == 1
    assert reads == []  # the store and its settings were looked up once, at the warm-up


def test_deliveries_arriving_together_share_one_insert_each_stored_exactly_once(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    lives = order_stream(6)
    sent = [delivery(d.body, f"e{n}") for n, d in enumerate(lives[:24])]
    again = [sent[3], sent[3], delivery(b'{"id": 1}', "warm")]  # twice at once; stored before
    answers, seen = together(app, sent + again)
    assert [a.status_code for a in answers] == [200] * len(answers)
    fresh = [a.json()["stored"] for a in answers]
    assert [fresh[3], fresh[-3], fresh[-2]].count(True) == 1  # three copies: one is stored
    assert fresh[-1] is False  # stored at the warm-up: a duplicate
    assert all(fresh[n] for n in range(len(sent)) if n != 3)
    inserts = [s for s in seen if s.startswith("INSERT INTO webhook_events")]
    assert 1 <= len(inserts) <= len(answers) // 4  # grouped: a few commits, not one each
    prefix = "qiaoyi.myshopify.com|orders/updated|"
    assert stored_keys(engine) == sorted([f"{prefix}warm", *(f"{prefix}e{n}" for n in range(24))])


def test_a_delivery_the_database_refuses_fails_alone_the_others_are_stored(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    with engine.begin() as conn:
        repo.ensure_store(conn, name="closed", platform="shopify", timezone="UTC", currency="USD")

    def close_the_store() -> None:  # known to the web app, gone from the database
        with engine.begin() as conn:
            conn.execute(delete(webhook_events).where(webhook_events.c.store_id == closed()))
            conn.execute(delete(stores).where(stores.c.name == "closed"))

    def closed() -> int:
        with engine.connect() as conn:
            return int(conn.scalar(select(stores.c.id).where(stores.c.name == "closed")) or 0)

    lives = order_stream(2)
    sent = [delivery(d.body, f"e{n}") for n, d in enumerate(lives[:8])]
    refused = delivery(lives[0].body, "lost", path="/webhooks/closed/shopify")
    answers, seen = together(app, [*sent[:4], refused, *sent[4:]], before=close_the_store)
    rows = [s.count("), (") + 1 for s in seen if s.startswith("INSERT INTO webhook_events")]
    assert max(rows) > 1 and sum(rows) > len(sent) + 1  # refused in a group, then each alone
    assert [a.status_code for a in answers] == [200] * 4 + [500] + [200] * 4
    assert all(a.json()["stored"] for a in answers if a.status_code == 200)
    prefix = "qiaoyi.myshopify.com|orders/updated|"
    assert stored_keys(engine) == sorted([f"{prefix}warm", *(f"{prefix}e{n}" for n in range(8))])


def test_the_intake_stores_up_to_its_writers_batches_at_once_each_answered_once_stored() -> None:
    two_at_once = threading.Barrier(2, timeout=10)  # broken unless two batches overlap
    batches: list[list[str]] = []

    def store(events: Sequence[tuple[int, InboxEvent]]) -> list[bool]:
        batches.append([e.event_key for _, e in events])
        if len(batches) <= 2:
            two_at_once.wait()
        return [True] * len(events)

    async def go() -> list[bool]:
        intake = Intake(store, writers=2)
        first = asyncio.create_task(intake.put(1, inbox_event("a")))
        await asyncio.sleep(0.05)  # the first batch is being stored: the next is another
        rest = [asyncio.create_task(intake.put(1, inbox_event(key))) for key in ("b", "c")]
        return list(await asyncio.gather(first, *rest))

    assert asyncio.run(go()) == [True, True, True]
    assert batches[0] == ["a"] and sorted(k for b in batches[1:] for k in b) == ["b", "c"]


def inbox_event(key: str) -> InboxEvent:
    return InboxEvent("shopify", key, "orders/create", "order", "1", None, None, None, "{}")
