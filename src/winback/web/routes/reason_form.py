"""The cancelled-order save's reason form (R4): ``GET /r/{token}`` shows the one-click form,
``POST /r/{token}`` records the reason (and the free text), makes the offer it routes to and
shows it on a thank-you page (docs/offers.md).

The token is a signed link of purpose ``reason_form`` (:mod:`winback.act.links`), single
use: the first answer counts, a second one gets a thank-you and changes nothing. A
tampered, malformed or wrong-purpose token is a 400 page, an expired one a 410 page.
"""

from __future__ import annotations

import logging
from html import escape
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from winback.act.links import ExpiredLink, LinkClaims, LinkError, LinkPurpose
from winback.decide.offers import SaveReason
from winback.errors import WinbackError
from winback.services import saves
from winback.web.context import Context, WebContext
from winback.web.reason_pages import form_page, notice_page, thanks_page

router = APIRouter(include_in_schema=False)
log = logging.getLogger("winback.web")
_BODY_LIMIT = 8192


@router.get("/r/{token}", response_class=HTMLResponse)
def reason_form(token: str, ctx: Context) -> HTMLResponse:
    claims = _verified(ctx, token)
    if isinstance(claims, HTMLResponse):
        return claims
    return form_page(_language(ctx), f"/r/{escape(token, quote=True)}")


@router.post("/r/{token}", response_class=HTMLResponse)
async def reason_answer(token: str, request: Request, ctx: Context) -> HTMLResponse:
    body = (await request.body())[:_BODY_LIMIT].decode("utf-8", "replace")
    fields = dict(parse_qsl(body))
    try:
        reason = SaveReason(fields.get("reason", ""))
    except ValueError:
        claims = _verified(ctx, token)
        if isinstance(claims, HTMLResponse):
            return claims
        return form_page(_language(ctx), f"/r/{escape(token, quote=True)}", status=400)
    claims = _verified(ctx, token)
    if isinstance(claims, HTMLResponse):
        return claims
    try:
        done = await run_in_threadpool(
            saves.answer_link, ctx.app, claims, reason, fields.get("note")
        )
    except LinkError:
        return notice_page(_language(ctx), "invalid", 400)
    except WinbackError as error:
        log.error("a reason form could not be answered: %s", error)
        return notice_page(_language(ctx), "invalid", 400)
    offer = done.offer
    coupon = done.coupon
    return thanks_page(
        done.language,
        offer,
        money=done.money,
        code=coupon.code if coupon else None,
        expires=done.local(coupon.expires_at) if coupon else "",
        reorder_by=done.local(offer.reorder_by) if offer and offer.reorder_by else "",
    )


def _verified(ctx: WebContext, token: str) -> LinkClaims | HTMLResponse:
    signer = ctx.link_signer
    if isinstance(signer, str):
        log.error("a reason form was opened but %s", signer)
        return notice_page(_language(ctx), "unavailable", 503)
    try:
        return signer.verify(token, LinkPurpose.REASON_FORM, now=ctx.app.clock.now())
    except ExpiredLink:
        return notice_page(_language(ctx), "expired", 410)
    except LinkError:
        return notice_page(_language(ctx), "invalid", 400)


def _language(ctx: WebContext) -> str:
    return ctx.app.settings.store.language
