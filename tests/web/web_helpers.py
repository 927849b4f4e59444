"""The web app in process (httpx ASGITransport) over the act tests' shop, with tokens and
phone tasks due now: what the API, dashboard and endpoint tests share."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from act_factories import NOW, Shop
from sqlalchemy import Engine, func, select
from sqlalchemy.sql.schema import Table

from winback.app import App
from winback.config import Settings
from winback.model import ActionChannel
from winback.services import tokens
from winback.store import outbox
from winback.testing import FixedClock, planned_action
from winback.web.app import create_app

BASE = "http://testserver"
SHOPIFY_SECRET = "shpss_test_0123456789abcdef"
WOO_SECRET = "woo-secret-0123456789"
EVENTS_SECRET = "events-secret-0123456789"
ENV = {
    "LINK_SECRET": "k" * 40,
    "SHOPIFY_SECRET": SHOPIFY_SECRET,
    "WOO_SECRET": WOO_SECRET,
    "EVENTS_SECRET": EVENTS_SECRET,
}


def web_settings(**web: Any) -> dict[str, Any]:
    return {
        "max_body_bytes": 64 * 1024,
        "shopify": {"webhook_secret_env": "SHOPIFY_SECRET"},
        "woocommerce": {"webhook_secret_env": "WOO_SECRET"},
        "events": {"secret_env": "EVENTS_SECRET"},
        **web,
    }


def make_app(
    engine: Engine,
    tmp_path: Path,
    *,
    language: str = "zh",
    store: dict[str, Any] | None = None,
    **web: Any,
) -> App:
    settings = Settings.model_validate(
        {
            "store": {
                "name": "shop",
                "language": language,
                "platform": "shopify",
                "currency": "USD",
                **(store or {}),
            },
            "channels": {"link_secret_env": "LINK_SECRET"},
            "web": web_settings(**web),
        }
    )
    return App(settings=settings, engine=engine, cwd=tmp_path, clock=FixedClock(NOW))


def call(app: App, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request to a fresh web app for ``app``."""
    return calls(app, [(method, path, kwargs)])[0]


def calls(app: App, requests: list[tuple[str, str, dict[str, Any]]]) -> list[httpx.Response]:
    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(app, env=ENV))
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            return [await client.request(m, p, **kw) for m, p, kw in requests]

    return asyncio.run(go())


def token(
    app: App, scope: str = "read", *, name: str | None = None, store: str | None = None
) -> str:
    return tokens.create_token(app, name or f"{scope}-{store or 'all'}", scope, store=store).token


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def add_phone_tasks(engine: Engine, shop: Shop) -> list[int]:
    """A phone task due now for each unpaid order of the shop (buyers b0, b1, b2)."""
    planned = [
        planned_action(
            shop.store_id,
            f"{1000 + n}",
            channel=ActionChannel.PHONE_TASK,
            customer_id=shop.customer_ids[f"b{n}"],
            due_at=NOW,
            template="unpaid_phone_script",
        )
        for n in range(len(shop.customer_ids))
    ]
    with engine.begin() as conn:
        outbox.enqueue(conn, planned, now=NOW)
        return sorted(a.id for a in outbox.list_actions(conn, store_id=shop.store_id))


def rows(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
