"""The preference centre (R8, seed 000: 让他们能够编辑，而不是完全流失): ``GET /p/{token}``
shows the topics and the marketing frequency with the buyer's current choice,
``POST /p/{token}`` saves a new one. The dispatcher's policy enforces it like consent
(:mod:`winback.act.policy`).

The token is the signed, expiring link (purpose ``preferences``, about the store and the
buyer) the renderer puts beside the unsubscribe link of marketing messages; it may be used
again. Errors are pages as for the survey (:mod:`winback.web.routes.survey`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from winback.act.after_sale_forms import FormError, parse_preferences
from winback.act.links import LinkError, LinkPurpose
from winback.services import after_sale
from winback.web.after_sale_pages import message_page, preferences_page
from winback.web.context import Context
from winback.web.routes.survey import language_of, verified

router = APIRouter(include_in_schema=False)


@router.get("/p/{token}", response_class=HTMLResponse)
def preferences_form(token: str, request: Request, ctx: Context) -> HTMLResponse:
    language = language_of(ctx, request)
    claims = verified(ctx, token, LinkPurpose.PREFERENCES, language)
    if isinstance(claims, HTMLResponse):
        return claims
    try:
        current = after_sale.current_preference(ctx.app, claims)
    except LinkError:
        return message_page(language, "invalid", 400)
    shop = ctx.app.settings.store.name
    return preferences_page(language, request.url.path, shop=shop, current=current)


@router.post("/p/{token}", response_class=HTMLResponse)
async def preferences_save(token: str, request: Request, ctx: Context) -> HTMLResponse:
    language = language_of(ctx, request)
    claims = verified(ctx, token, LinkPurpose.PREFERENCES, language)
    if isinstance(claims, HTMLResponse):
        return claims
    try:
        choice = parse_preferences(await request.body())
    except FormError:
        shop = ctx.app.settings.store.name
        return preferences_page(
            language, request.url.path, shop=shop, current=None, error=True, status=400
        )
    try:
        await run_in_threadpool(after_sale.save_preference, ctx.app, claims, choice)
    except LinkError:
        return message_page(language, "invalid", 400)
    return message_page(language, "saved", 200)
