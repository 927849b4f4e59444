"""The web app buyers and SMS providers reach: the opt-out loop (A3, A5).

Routes::

    POST /inbound/sms/{provider}   provider = aliyun | tencent | twilio | http: buyers' replies;
                                   an opt-out (R, T, TD, 退订, STOP …) suppresses the number
    GET  /u/{token}                the unsubscribe confirm page (zh or en: store.language)
    POST /u/{token}                unsubscribe, one click (RFC 8058: the body is
                                   ``List-Unsubscribe=One-Click``); the page's button posts
                                   the same body
    GET  /healthz                  "ok"

Authentication: Twilio pushes carry ``X-Twilio-Signature``, checked in constant time against
``channels.sms.auth_token_env`` and the URL Twilio called (``channels.public_url`` + path when
set: behind a proxy the request's own URL is not the public one); a bad or missing signature
is a 403. The generic ``http`` gateway's pushes are checked the same way as winback signs its
own requests to it, when ``channels.sms.signature_secret_env`` is set: ``X-Signature`` (the
``signature_header`` setting) = hex HMAC-SHA256(secret, raw body). Aliyun and Tencent Cloud
push without a signature (restrict them by source address at the proxy).

Unsubscribe links: a tampered, malformed or wrong-purpose token is a 400 page, an expired one
a 410 page, both in the store's language; a link already used answers 200 "already
unsubscribed" and changes nothing. Nothing is created at import: :func:`create_app` builds the
app for one :class:`~winback.app.App`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Mapping
from html import escape
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from winback.act.channels.registry import ChannelNotConfigured, ChannelRegistry
from winback.act.inbound_sms import InboundSmsError, twilio_request_is_authentic
from winback.act.links import ExpiredLink, LinkError, LinkPurpose, LinkSigner
from winback.app import App
from winback.services import optouts
from winback.web.pages import page

__all__ = ["create_app"]

log = logging.getLogger("winback.web")


def create_app(app: App, *, env: Mapping[str, str] | None = None) -> Starlette:
    """The ASGI app for ``app``; ``env`` (default: the process environment) holds the secrets
    the settings name (link secret, Twilio auth token, gateway signature secret)."""
    environ = os.environ if env is None else env
    settings = app.settings
    language = settings.store.language
    signer, link_problem = _signer(app, environ)
    sms = settings.channels.sms

    async def inbound_sms(request: Request) -> Response:
        provider = request.path_params["provider"]
        if provider not in optouts.SMS_PROVIDERS:
            return JSONResponse({"error": f"unknown SMS provider {provider!r}"}, 404)
        body = await request.body()
        refused = _authenticate(provider, request, body)
        if refused is not None:
            return refused
        try:
            done = await run_in_threadpool(optouts.record_sms_replies, app, provider, body)
        except InboundSmsError as error:
            return JSONResponse({"error": str(error)}, 400)
        log.info("%s push: %d replies, %d opt-outs", provider, done.replies, done.opt_outs)
        if provider == "twilio":  # Twilio expects TwiML; an empty response sends no reply
            return Response("<Response></Response>", media_type="application/xml")
        return JSONResponse(
            {"replies": done.replies, "opt_outs": done.opt_outs, "suppressed": done.suppressed}
        )

    def _authenticate(provider: str, request: Request, body: bytes) -> Response | None:
        if provider == "twilio":
            token = environ.get(sms.auth_token_env or "") if sms.auth_token_env else None
            if not token:
                return JSONResponse(
                    {"error": "Twilio replies need channels.sms.auth_token_env to check them"},
                    503,
                )
            url = _public_url(request, settings.channels.public_url)
            signature = request.headers.get("X-Twilio-Signature")
            if not twilio_request_is_authentic(token, url, body, signature):
                return JSONResponse({"error": "bad signature"}, 403)
        if provider == "http" and sms.signature_secret_env:
            secret = environ.get(sms.signature_secret_env)
            if not secret:
                return JSONResponse({"error": "the gateway secret is not set"}, 503)
            expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            given = request.headers.get(sms.signature_header, "")
            if not hmac.compare_digest(expected.encode(), given.encode()):
                return JSONResponse({"error": "bad signature"}, 403)
        return None

    async def unsubscribe_page(request: Request) -> Response:
        token = request.path_params["token"]
        problem = _check(token)
        if problem is not None:
            return problem
        return page(language, "confirm", 200, action=f"/u/{escape(token, quote=True)}")

    async def unsubscribe_click(request: Request) -> Response:
        token = request.path_params["token"]
        body = (await request.body()).decode("utf-8", "replace")
        if ("List-Unsubscribe", "One-Click") not in parse_qsl(body):
            return page(language, "bad_request", 400)
        problem = _check(token)
        if problem is not None:
            return problem
        assert signer is not None
        try:
            claims = signer.verify(token, LinkPurpose.UNSUBSCRIBE, now=app.clock.now())
            done = await run_in_threadpool(optouts.unsubscribe, app, claims)
        except LinkError:
            return page(language, "invalid", 400)
        return page(language, "done" if done.first else "already", 200)

    def _check(token: str) -> Response | None:
        if signer is None:
            log.error("an unsubscribe link was opened but %s", link_problem)
            return page(language, "unavailable", 503)
        try:
            signer.verify(token, LinkPurpose.UNSUBSCRIBE, now=app.clock.now())
        except ExpiredLink:
            return page(language, "expired", 410)
        except LinkError:
            return page(language, "invalid", 400)
        return None

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/inbound/sms/{provider}", inbound_sms, methods=["POST"]),
            Route("/u/{token}", unsubscribe_page, methods=["GET"]),
            Route("/u/{token}", unsubscribe_click, methods=["POST"]),
            Route("/healthz", health, methods=["GET"]),
        ]
    )


def _signer(app: App, env: Mapping[str, str]) -> tuple[LinkSigner | None, str | None]:
    registry = ChannelRegistry(app.settings.channels, env=env, clock=app.clock)
    try:
        return registry.link_signer(), None
    except ChannelNotConfigured as problem:
        return None, str(problem)


def _public_url(request: Request, public_url: str | None) -> str:
    """The URL the provider called: ``public_url`` + path (+ query) when the app sits behind
    a proxy, else the request's own URL."""
    if not public_url:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return public_url.rstrip("/") + request.url.path + query
