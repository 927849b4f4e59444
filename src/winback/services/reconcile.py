"""Catch-up (I4): re-read a source's orders over its API for a time window, because webhooks
get lost — WooCommerce never retries a failed delivery, and Shopify gives up after 19 tries
in 48 hours.

``reconcile(app, source="woocommerce", since=…)`` pages through
``GET {url}/wp-json/wc/v3/orders?modified_after=…&dates_are_gmt=true`` (HTTP Basic auth with
the REST API key, ``X-WP-TotalPages`` for the page count); ``source="shopify"`` through
``GET https://{shop}/admin/api/{version}/orders.json?status=any&updated_at_min=…`` (the
``X-Shopify-Access-Token`` header, cursor pages from the ``Link`` header). Every order read
goes into the webhook inbox as a snapshot keyed by its id and modification time — reading
the same window twice stores nothing new — and the inbox is applied through the same
canonical path as the webhooks, so a reconciled order never moves backwards either.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, Final, Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx

from winback.app import App
from winback.errors import WinbackError
from winback.ingest import shopify_json
from winback.ingest.rows import FieldError
from winback.ingest.woocommerce_json import woo_time
from winback.services import webhooks
from winback.services.per_store import settings_for
from winback.services.stores import find_store
from winback.store.webhooks import InboxEvent

__all__ = ["ReconcileError", "Reconciled", "reconcile"]

Source = Literal["woocommerce", "shopify"]
PAGE_SIZE: Final = 100
SHOPIFY_PAGE_SIZE: Final = 250
MAX_PAGES: Final = 10_000
TIMEOUT: Final = httpx.Timeout(30.0)


class ReconcileError(WinbackError):
    """The source's API could not be read (settings, credentials or the server)."""


@dataclass(frozen=True, slots=True)
class Reconciled:
    """What a catch-up did: orders read, how many were new snapshots, and what applying the
    inbox did."""

    store: str
    source: str
    since: datetime
    orders_read: int
    new_snapshots: int
    applied: webhooks.ApplyReport

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "source": self.source,
            "since": self.since.isoformat(),
            "orders_read": self.orders_read,
            "new_snapshots": self.new_snapshots,
            "events_applied": self.applied.events,
            "rejected": self.applied.rejected,
        }


def reconcile(
    app: App,
    *,
    source: Source,
    since: datetime,
    store: str | None = None,
    env: Mapping[str, str] | None = None,
    client: httpx.Client | None = None,
    base_url: str | None = None,
) -> Reconciled:
    """Re-read ``source``'s orders modified since ``since`` into ``store``'s inbox and apply
    it. ``base_url`` replaces ``https://{shop}`` for Shopify (a test server)."""
    if since.tzinfo is None or since.utcoffset() is None:
        raise ReconcileError(
            f"--since must carry its offset or be read in the store's zone: {since}"
        )
    info = find_store(app, store)
    settings = settings_for(app, info.name)
    environ = os.environ if env is None else env
    own_client = client is None
    http = client or httpx.Client(timeout=TIMEOUT, follow_redirects=False)
    try:
        if source == "woocommerce":
            pages = _woocommerce_pages(http, settings.web.woocommerce, environ, since)
            build: Callable[[dict[str, Any]], InboxEvent] = partial(
                _woo_event, ZoneInfo(info.timezone)
            )
        else:
            pages = _shopify_pages(http, settings.web.shopify, environ, since, base_url)
            build = partial(_shopify_event, settings.web.shopify.shop or "")
        read = new = 0
        for page in pages:
            for order in page:
                read += 1
                new += webhooks.receive(app, info.id, build(order))
    finally:
        if own_client:
            http.close()
    applied = webhooks.apply_pending(app, store_id=info.id)
    return Reconciled(info.name, source, since, read, new, applied)


# -- WooCommerce ------------------------------------------------------------------------------


def _woocommerce_pages(
    http: httpx.Client, source: Any, env: Mapping[str, str], since: datetime
) -> Iterator[list[dict[str, Any]]]:
    if not source.url:
        raise ReconcileError(
            "web.woocommerce.url is not set (the site, e.g. https://shop.example.com)"
        )
    key = _secret(env, source.consumer_key_env, "web.woocommerce.consumer_key_env")
    secret = _secret(env, source.consumer_secret_env, "web.woocommerce.consumer_secret_env")
    endpoint = source.url.rstrip("/") + "/wp-json/wc/v3/orders"
    after = since.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    page, pages = 1, 1
    while page <= pages and page <= MAX_PAGES:
        params = {
            "modified_after": after,
            "dates_are_gmt": "true",
            "per_page": PAGE_SIZE,
            "page": page,
            "orderby": "modified",
            "order": "asc",
            "status": "any",
        }
        answer = _get(http, f"{endpoint}?{urlencode(params)}", auth=(key, secret))
        pages = int(answer.headers.get("x-wp-totalpages") or page)
        yield _orders(answer, "a JSON list of orders")
        page += 1


def _woo_event(tz: ZoneInfo, order: dict[str, Any]) -> InboxEvent:
    """A WooCommerce REST order as an inbox snapshot, keyed by id and modification time."""
    try:
        modified = woo_time(order, "date_modified", tz)
    except FieldError:
        modified = None
    order_id = str(order.get("id"))
    return InboxEvent(
        source="woocommerce",
        event_key=f"reconcile|{order_id}|{modified.isoformat() if modified else ''}",
        topic="order.reconcile",
        resource="order",
        resource_id=order_id,
        resource_updated_at=modified,
        webhook_id=None,
        triggered_at=None,
        body=json.dumps(order, ensure_ascii=False, default=str),
    )


# -- Shopify ----------------------------------------------------------------------------------


def _shopify_pages(
    http: httpx.Client,
    source: Any,
    env: Mapping[str, str],
    since: datetime,
    base_url: str | None,
) -> Iterator[list[dict[str, Any]]]:
    if not source.shop and base_url is None:
        raise ReconcileError("web.shopify.shop is not set (e.g. qiaoyi.myshopify.com)")
    token = _secret(env, source.access_token_env, "web.shopify.access_token_env")
    root = (base_url or f"https://{source.shop}").rstrip("/")
    params = {
        "status": "any",
        "updated_at_min": since.astimezone(UTC).isoformat(timespec="seconds"),
        "limit": SHOPIFY_PAGE_SIZE,
        "order": "updated_at asc",
    }
    url: str | None = f"{root}/admin/api/{source.api_version}/orders.json?{urlencode(params)}"
    pages = 0
    while url is not None and pages < MAX_PAGES:
        answer = _get(http, url, headers={"X-Shopify-Access-Token": token})
        body = _json(answer)
        if not isinstance(body, dict) or not isinstance(body.get("orders"), list):
            raise ReconcileError(f'{_where(url)} did not answer {{"orders": [...]}}')
        yield [order for order in body["orders"] if isinstance(order, dict)]
        url = answer.links.get("next", {}).get("url")
        pages += 1


def _shopify_event(shop: str, order: dict[str, Any]) -> InboxEvent:
    """A Shopify REST order as an inbox snapshot, keyed by id and ``updated_at``."""
    try:
        stamp = shopify_json.stamp(order, "order")
    except FieldError as error:
        raise ReconcileError(f"an order of the answer has no usable id: {error}") from None
    return InboxEvent(
        source="shopify",
        event_key=f"{shop}|orders/reconcile|{stamp.resource_id}@{order.get('updated_at')}",
        topic="orders/reconcile",
        resource="order",
        resource_id=stamp.resource_id,
        resource_updated_at=stamp.updated_at,
        webhook_id=None,
        triggered_at=None,
        body=json.dumps(order, ensure_ascii=False, default=str),
    )


# -- HTTP -------------------------------------------------------------------------------------


def _get(
    http: httpx.Client,
    url: str,
    *,
    auth: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    try:
        answer = http.get(url, auth=auth, headers=headers)
    except httpx.HTTPError as error:
        raise ReconcileError(
            f"cannot read {_where(url)}: {type(error).__name__}: {error}"
        ) from None
    if answer.status_code in (401, 403):
        raise ReconcileError(f"{_where(url)} refused the credentials ({answer.status_code})")
    if answer.status_code != 200:
        raise ReconcileError(f"{_where(url)} answered {answer.status_code}: {answer.text[:200]}")
    return answer


def _orders(answer: httpx.Response, expected: str) -> list[dict[str, Any]]:
    body = _json(answer)
    if not isinstance(body, list):
        raise ReconcileError(f"{_where(str(answer.url))} did not answer {expected}")
    return [order for order in body if isinstance(order, dict)]


def _json(answer: httpx.Response) -> Any:
    try:
        return webhooks.decode(answer.content)
    except webhooks.EventError:
        raise ReconcileError(f"{_where(str(answer.url))} did not answer JSON") from None


def _where(url: str) -> str:
    return url.split("?")[0]


def _secret(env: Mapping[str, str], name: str | None, setting: str) -> str:
    if not name:
        raise ReconcileError(f"{setting} is not set (the name of the variable holding the secret)")
    value = env.get(name)
    if not value:
        raise ReconcileError(f"the environment variable {name} ({setting}) is not set")
    return value
