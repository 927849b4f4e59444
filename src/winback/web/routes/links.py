"""The buyer-facing unsubscribe links (A3): ``GET /u/{token}`` shows the confirm page,
``POST /u/{token}`` unsubscribes in one click (RFC 8058: the body is
``List-Unsubscribe=One-Click``; the page's button posts the same body).

A tampered, malformed or wrong-purpose token — or one signed for a customer the store does
not have — is a 400 page, an expired one a 410 page, both in the store's language; a link
already used answers 200 "already unsubscribed" and changes nothing.
"""

from __future__ import annotations

import logging
from html import escape
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from winback.act.links import ExpiredLink, LinkClaims, LinkError, LinkPurpose
from winback.services import optouts
from winback.web.buyer_pages import page
from winback.web.context import Context, WebContext

router = APIRouter(include_in_schema=False)
log = logging.getLogger("winback.web")


@router.get("/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: str, ctx: Context) -> HTMLResponse:
    claims = _verified(ctx, token)
    if isinstance(claims, HTMLResponse):
        return claims
    return page(_language(ctx), "confirm", 200, action=f"/u/{escape(token, quote=True)}")


@router.post("/u/{token}", response_class=HTMLResponse)
async def unsubscribe_click(token: str, request: Request, ctx: Context) -> HTMLResponse:
    body = (await request.body()).decode("utf-8", "replace")
    if ("List-Unsubscribe", "One-Click") not in parse_qsl(body):
        return page(_language(ctx), "bad_request", 400)
    claims = _verified(ctx, token)
    if isinstance(claims, HTMLResponse):
        return claims
    try:
        done = await run_in_threadpool(optouts.unsubscribe, ctx.app, claims)
    except LinkError:
        return page(_language(ctx), "invalid", 400)
    return page(_language(ctx), "done" if done.first else "already", 200)


def _verified(ctx: WebContext, token: str) -> LinkClaims | HTMLResponse:
    signer = ctx.link_signer
    if isinstance(signer, str):
        log.error("an unsubscribe link was opened but %s", signer)
        return page(_language(ctx), "unavailable", 503)
    try:
        return signer.verify(token, LinkPurpose.UNSUBSCRIBE, now=ctx.app.clock.now())
    except ExpiredLink:
        return page(_language(ctx), "expired", 410)
    except LinkError:
        return page(_language(ctx), "invalid", 400)


def _language(ctx: WebContext) -> str:
    return ctx.app.settings.store.language
