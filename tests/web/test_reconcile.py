"""``winback reconcile`` against local servers that answer as WooCommerce's REST API and
Shopify's Admin API do (the JSON shapes, Basic auth / access-token header, X-WP-TotalPages
and Link-header pages), over real HTTP on loopback."""

from __future__ import annotations

import base64
import copy
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from act_factories import make_shop
from click.testing import CliRunner
from shopify_stream import order_stream
from sqlalchemy import Engine, func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from test_webhook_endpoints import WOO_ORDER, woo_headers
from web_helpers import call, make_app

from winback.cli import cli
from winback.model import Platform
from winback.services import webhooks
from winback.services.reconcile import ReconcileError, reconcile
from winback.store.schema import orders

KEY, SECRET = "ck_0123456789abcdef", "cs_0123456789abcdef"
TOKEN = "shpat_0123456789abcdef"
START = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)


def woo_orders(count: int) -> list[dict[str, Any]]:
    """``count`` orders in the REST shape; order 727 was paid after its webhook was lost."""
    found = []
    for n in range(count):
        order = copy.deepcopy(WOO_ORDER)
        created = START + timedelta(minutes=n)
        order.update(
            id=727 if n == 0 else 1000 + n,
            status="processing",
            date_created_gmt=created.strftime("%Y-%m-%dT%H:%M:%S"),
            date_created=(created + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S"),
            date_modified_gmt=(created + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S"),
            date_paid_gmt=(created + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S"),
        )
        found.append(order)
    return found


WOO = woo_orders(250)
SHOPIFY = [json.loads(d.body) for d in order_stream(40) if d.topic == "orders/create"]


async def woo_endpoint(request: Request) -> Response:
    expected = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    if request.headers.get("authorization") != expected:
        return JSONResponse({"code": "woocommerce_rest_cannot_view", "message": "Sorry, you "
                             "cannot list resources.", "data": {"status": 401}}, 401)  # fmt: skip
    after = datetime.fromisoformat(request.query_params["modified_after"]).replace(tzinfo=UTC)
    assert request.query_params["dates_are_gmt"] == "true"
    chosen = [
        o for o in WOO
        if datetime.fromisoformat(o["date_modified_gmt"]).replace(tzinfo=UTC) > after
    ]  # fmt: skip
    size, page = int(request.query_params["per_page"]), int(request.query_params["page"])
    pages = max(1, -(-len(chosen) // size))
    body = chosen[(page - 1) * size : page * size]
    return JSONResponse(
        body, headers={"X-WP-Total": str(len(chosen)), "X-WP-TotalPages": str(pages)}
    )


async def shopify_endpoint(request: Request) -> Response:
    if request.headers.get("x-shopify-access-token") != TOKEN:
        return JSONResponse({"errors": "[API] Invalid API key or access token"}, 401)
    page = int(request.query_params.get("page_info", "0"))
    body = SHOPIFY[page * 10 : page * 10 + 10]
    headers = {}
    if page * 10 + 10 < len(SHOPIFY):
        link = f"{request.base_url}admin/api/2025-01/orders.json?limit=10&page_info={page + 1}"
        headers["Link"] = f'<{link}>; rel="next"'
    return JSONResponse({"orders": body}, headers=headers)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def source_server() -> Iterator[str]:
    api = Starlette(
        routes=[
            Route("/wp-json/wc/v3/orders", woo_endpoint),
            Route("/admin/api/2025-01/orders.json", shopify_endpoint),
        ]
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


ENV = {"WOO_KEY": KEY, "WOO_SECRET_KEY": SECRET, "SHOPIFY_TOKEN": TOKEN}


def woo_app(engine: Engine, tmp_path: Path, url: str) -> Any:
    return make_app(
        engine,
        tmp_path,
        woocommerce={"url": url, "webhook_secret_env": "WOO_SECRET",
                     "consumer_key_env": "WOO_KEY", "consumer_secret_env": "WOO_SECRET_KEY"},
        shopify={"access_token_env": "SHOPIFY_TOKEN", "shop": "qiaoyi.myshopify.com"},
    )  # fmt: skip


def test_a_lost_woocommerce_update_is_caught_up_and_a_second_run_adds_nothing(
    engine: Engine, tmp_path: Path, source_server: str
) -> None:
    shop = make_shop(engine, platform=Platform.SHOPIFY, currency="USD")
    del shop
    app = woo_app(engine, tmp_path, source_server)
    body = json.dumps(WOO_ORDER).encode()  # the webhook saw order 727 pending …
    assert (
        call(
            app, "POST", "/webhooks/shop/woocommerce", content=body, headers=woo_headers(body)
        ).status_code
        == 200
    )
    webhooks.apply_pending(app)
    since = START - timedelta(days=1)
    first = reconcile(app, source="woocommerce", since=since, store="shop", env=ENV)
    again = reconcile(app, source="woocommerce", since=since, store="shop", env=ENV)
    with engine.connect() as conn:
        status = conn.scalar(select(orders.c.status).where(orders.c.order_id == "727"))
        count = conn.scalar(
            select(func.count()).select_from(orders).where(orders.c.platform == "woocommerce")
        )
    assert (first.orders_read, first.new_snapshots) == (250, 250)
    assert (again.orders_read, again.new_snapshots) == (250, 0)
    assert status == "paid" and count == 250  # … and the paid update, lost, came back


def test_only_orders_modified_in_the_window_are_read(
    engine: Engine, tmp_path: Path, source_server: str
) -> None:
    make_shop(engine, platform=Platform.SHOPIFY, currency="USD")
    app = woo_app(engine, tmp_path, source_server)
    since = datetime.fromisoformat(WOO[-10]["date_modified_gmt"]).replace(tzinfo=UTC)
    done = reconcile(app, source="woocommerce", since=since, store="shop", env=ENV)
    assert done.orders_read == 9


def test_shopify_orders_are_read_page_by_page_through_the_link_header(
    engine: Engine, tmp_path: Path, source_server: str
) -> None:
    make_shop(engine, buyers=0, platform=Platform.SHOPIFY, currency="USD")
    app = woo_app(engine, tmp_path, source_server)
    done = reconcile(
        app, source="shopify", since=START, store="shop", env=ENV, base_url=source_server
    )
    with engine.connect() as conn:
        count = conn.scalar(
            select(func.count()).select_from(orders).where(orders.c.platform == "shopify")
        )
    assert done.orders_read == len(SHOPIFY) == count == 40


def test_wrong_credentials_and_missing_settings_are_clear_errors(
    engine: Engine, tmp_path: Path, source_server: str
) -> None:
    make_shop(engine, platform=Platform.SHOPIFY, currency="USD")
    app = woo_app(engine, tmp_path, source_server)
    with pytest.raises(ReconcileError, match="refused the credentials"):
        reconcile(app, source="woocommerce", since=START, store="shop", env={**ENV, "WOO_KEY": "x"})
    with pytest.raises(ReconcileError, match="WOO_SECRET_KEY"):
        reconcile(app, source="woocommerce", since=START, store="shop", env={"WOO_KEY": KEY})
    result = CliRunner().invoke(
        cli,
        ["--database", str(engine.url.render_as_string(hide_password=False)), "reconcile",
         "--source", "woocommerce", "--since", "2024-03-01", "--store", "shop"],
    )  # fmt: skip
    assert result.exit_code == 1 and "web.woocommerce.url is not set" in result.output
