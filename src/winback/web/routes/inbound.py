"""Buyers' SMS replies pushed by the providers (A5): an opt-out (R, T, TD, 退订, STOP …)
suppresses the number on SMS, in the stores that take that provider's pushes.

Routes::

    POST /inbound/sms/twilio            signed: X-Twilio-Signature
    POST /inbound/sms/http              the generic gateway, signed when it has a secret
    POST /inbound/sms/{provider}/{token}  aliyun, tencent (and an unsigned gateway): they do
                                        not sign their pushes, so the callback URL carries
                                        a secret token

Every route is off (404) until ``web.inbound.routes`` lists it; a token route is also off
without its ``*_token_env`` variable, and a wrong token is a 404 like a route that is off
(compared in constant time). A forged or missing signature is a 401. A body that is not in
the provider's shape — malformed JSON, nesting too deep, a number that is not a phone
number, a ``nationcode`` that is not one — is a 400, and nothing is written.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Final

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from winback.act.inbound_sms import InboundSmsError, twilio_request_is_authentic
from winback.config import Settings
from winback.services import optouts
from winback.web.context import Context, WebContext

router = APIRouter(include_in_schema=False)
log = logging.getLogger("winback.web")

TOKEN_PROVIDERS: Final = ("aliyun", "tencent", "http")
SIGNED: Final = ("twilio", "http")


@router.post("/inbound/sms/{provider}")
async def signed_push(provider: str, request: Request, ctx: Context) -> Response:
    if provider not in SIGNED:
        raise HTTPException(404, "Not Found")
    body = await request.body()
    accepted: list[int | None] = []
    switched_on = False
    for store_id, settings in _candidates(ctx):
        if not _route_on(settings, provider) or _needs_token(settings, provider):
            continue
        switched_on = True
        if _signature_ok(ctx, settings, provider, request, body):
            accepted.append(store_id)
    if not switched_on:
        raise HTTPException(404, "Not Found")
    if not accepted:
        return JSONResponse({"detail": "bad or missing signature"}, 401)
    return await _record(ctx, provider, body, accepted)


@router.post("/inbound/sms/{provider}/{token}")
async def token_push(provider: str, token: str, request: Request, ctx: Context) -> Response:
    if provider not in TOKEN_PROVIDERS:
        raise HTTPException(404, "Not Found")
    accepted = [
        store_id
        for store_id, settings in _candidates(ctx)
        if _token_ok(ctx, settings, provider, token)
    ]
    if not accepted:
        raise HTTPException(404, "Not Found")
    return await _record(ctx, provider, await request.body(), accepted)


def _candidates(ctx: WebContext) -> list[tuple[int | None, Settings]]:
    """Each store with its settings; before the first import, the configured store (it has
    no row yet: a push is checked and read, and suppresses nothing)."""
    stores = ctx.stores()
    if not stores:
        return [(None, ctx.app.settings)]
    return [(store.id, ctx.settings(store.name)) for store in stores]


async def _record(
    ctx: WebContext, provider: str, body: bytes, accepted: list[int | None]
) -> Response:
    stores = [store_id for store_id in accepted if store_id is not None]
    try:
        done = await run_in_threadpool(
            optouts.record_sms_replies, ctx.app, provider, body, store_ids=stores
        )
    except InboundSmsError as error:
        return JSONResponse({"detail": str(error)}, 400)
    log.info("%s push: %d replies, %d opt-outs", provider, done.replies, done.opt_outs)
    if provider == "twilio":  # Twilio expects TwiML; an empty response sends no reply
        return Response("<Response></Response>", media_type="application/xml")
    return JSONResponse(
        {"replies": done.replies, "opt_outs": done.opt_outs, "suppressed": done.suppressed}
    )


def _route_on(settings: Settings, provider: str) -> bool:
    return provider in settings.web.inbound.routes


def _needs_token(settings: Settings, provider: str) -> bool:
    """Aliyun and Tencent always; the generic gateway when it does not sign its pushes."""
    if provider == "http":
        return settings.channels.sms.signature_secret_env is None
    return provider in ("aliyun", "tencent")


def _token_ok(ctx: WebContext, settings: Settings, provider: str, token: str) -> bool:
    if not _route_on(settings, provider) or not _needs_token(settings, provider):
        return False
    inbound = settings.web.inbound
    env_name = {
        "aliyun": inbound.aliyun_token_env,
        "tencent": inbound.tencent_token_env,
        "http": inbound.http_token_env,
    }[provider]
    expected = ctx.secret(env_name)
    if expected is None:
        return False
    return hmac.compare_digest(expected.encode(), token.encode("utf-8", "replace"))


def _signature_ok(
    ctx: WebContext, settings: Settings, provider: str, request: Request, body: bytes
) -> bool:
    sms = settings.channels.sms
    if provider == "twilio":
        token = ctx.secret(sms.auth_token_env)
        if token is None:
            log.error("a Twilio push came in but channels.sms.auth_token_env is not set")
            return False
        url = _public_url(request, settings.channels.public_url)
        return twilio_request_is_authentic(
            token, url, body, request.headers.get("X-Twilio-Signature")
        )
    secret = ctx.secret(sms.signature_secret_env)
    if secret is None:
        log.error("a gateway push came in but its signature secret is not set")
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    given = request.headers.get(sms.signature_header, "")
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def _public_url(request: Request, public_url: str | None) -> str:
    """The URL the provider called: ``public_url`` + path (+ query) when the app sits behind
    a proxy, else the request's own URL."""
    if not public_url:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return public_url.rstrip("/") + request.url.path + query
