"""Webhook endpoints (I4), one per source, the store in the URL::

    POST /webhooks/{store}/shopify       X-Shopify-Hmac-Sha256 over the raw body
    POST /webhooks/{store}/woocommerce   X-WC-Webhook-Signature; the unsigned activation
                                         ping ``webhook_id=N`` is answered 200
    POST /webhooks/{store}/events        generic signed JSON events (X-Winback-Signature)

A request only verifies and stores: the signature is checked in constant time by the pure
function beside the platform's parser, the raw body goes into the inbox under its unique
key, and the answer is a 200 (``duplicate`` is true for a redelivery). The inbox is applied
to the store afterwards by the background applier. A route whose secret is not configured
answers 404; a forged or missing signature 401; a Shopify event from another shop than
``web.shopify.shop`` 403; a body that is not JSON, or not an event, 400; a body over
``web.max_body_bytes`` 413. Nothing is stored on any of these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from zoneinfo import ZoneInfo

from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.routing import Route

from winback.ingest import generic_events, shopify_json, woocommerce_webhooks
from winback.services import webhooks
from winback.services.webhooks import EventError
from winback.store.types import InboxEvent
from winback.web.context import WebContext

__all__ = ["routes"]


async def shopify(request: Request) -> JSONResponse:
    ctx, store = _context(request)
    info = ctx.store(store)
    source = ctx.web_settings(store).shopify
    secret = _configured(ctx.secret(source.webhook_secret_env))
    body = await request.body()
    if not shopify_json.webhook_is_authentic(
        secret, body, request.headers.get("x-shopify-hmac-sha256")
    ):
        raise HTTPException(401, "bad or missing X-Shopify-Hmac-Sha256")
    shop = request.headers.get("x-shopify-shop-domain", "").strip().lower()
    if source.shop and shop != source.shop.strip().lower():
        raise HTTPException(403, f"store {store!r} takes events from {source.shop}, not {shop!r}")
    event = _event(lambda: webhooks.shopify_event(_headers(request), body, _json(body)))
    return await _store(ctx, info.id, event)


async def woocommerce(request: Request) -> JSONResponse:
    ctx, store = _context(request)
    info = ctx.store(store)
    secret = _configured(ctx.secret(ctx.web_settings(store).woocommerce.webhook_secret_env))
    body = await request.body()
    signature = request.headers.get("x-wc-webhook-signature")
    if woocommerce_webhooks.is_activation_ping(body, signature):
        return JSONResponse({"ping": True})
    if not woocommerce_webhooks.webhook_is_authentic(secret, body, signature):
        raise HTTPException(401, "bad or missing X-WC-Webhook-Signature")
    zone = ZoneInfo(info.timezone)
    event = _event(lambda: webhooks.woocommerce_event(_headers(request), body, _json(body), zone))
    return await _store(ctx, info.id, event)


async def events(request: Request) -> JSONResponse:
    ctx, store = _context(request)
    info = ctx.store(store)
    secret = _configured(ctx.secret(ctx.web_settings(store).events.secret_env))
    body = await request.body()
    if not generic_events.signature_is_valid(
        secret, body, request.headers.get("x-winback-signature")
    ):
        raise HTTPException(401, "bad or missing X-Winback-Signature")
    mappings = ctx.event_mappings(store)
    event = _event(lambda: webhooks.generic_event(body, _json(body), mappings))
    return await _store(ctx, info.id, event)


routes = [
    Route("/webhooks/{store}/shopify", shopify, methods=["POST"]),
    Route("/webhooks/{store}/woocommerce", woocommerce, methods=["POST"]),
    Route("/webhooks/{store}/events", events, methods=["POST"]),
]
"""Plain Starlette routes: the hot path of ``winback serve`` skips FastAPI's dependency
injection and response models (these routes are not in the API's OpenAPI document)."""


def _context(request: Request) -> tuple[WebContext, str]:
    context: WebContext = request.app.state.winback
    return context, request.path_params["store"]


async def _store(ctx: WebContext, store_id: int, event: InboxEvent) -> JSONResponse:
    if ctx.intake is not None:
        new = await ctx.intake.put(store_id, event)  # group commit
    else:
        new = await run_in_threadpool(webhooks.receive, ctx.app, store_id, event)
    if new and event.state == "pending":
        ctx.wake_applier()
    return JSONResponse({"stored": new, "duplicate": not new, "topic": event.topic})


def _configured(secret: str | None) -> str:
    if secret is None:
        raise HTTPException(404, "Not Found")
    return secret


def _json(body: bytes) -> object:
    try:
        return webhooks.decode(body, exact=False)  # the intake reads ids and times only
    except EventError as error:
        raise HTTPException(400, str(error)) from None


def _event(build: Callable[[], InboxEvent]) -> InboxEvent:
    try:
        return build()
    except EventError as error:
        raise HTTPException(400, str(error)) from None


def _headers(request: Request) -> Mapping[str, str]:
    return {name.lower(): value for name, value in request.headers.items()}
