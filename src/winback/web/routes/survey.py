"""The NPS survey (R8, A5): ``GET /s/{token}`` shows the 0–10 question and the why,
``POST /s/{token}`` stores the answer once.

The token is a signed, expiring, single-use link the renderer put in the survey message
(:class:`~winback.act.links.LinkSigner`, purpose ``nps``). A tampered, malformed or
wrong-purpose token — or one for a survey the store does not have — is a 400 page, an
expired one a 410 page, a link already answered a 200 "already answered" page; a form
without one score from 0 to 10 comes back with the question and a 400. The page is in the
store's language (``?lang=zh`` or ``en`` overrides it) and shows no contact.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from winback.act.after_sale_forms import FormError, parse_survey
from winback.act.links import ExpiredLink, LinkClaims, LinkError, LinkPurpose
from winback.services import after_sale
from winback.web.after_sale_pages import message_page, survey_page
from winback.web.context import Context, WebContext

router = APIRouter(include_in_schema=False)
log = logging.getLogger("winback.web")


@router.get("/s/{token}", response_class=HTMLResponse)
def survey_form(token: str, request: Request, ctx: Context) -> HTMLResponse:
    language = language_of(ctx, request)
    claims = verified(ctx, token, LinkPurpose.NPS, language)
    if isinstance(claims, HTMLResponse):
        return claims
    try:
        still_open = after_sale.survey_open(ctx.app, claims)
    except LinkError:
        return message_page(language, "invalid", 400)
    if not still_open:
        return message_page(language, "answered", 200)
    return survey_page(language, request.url.path, shop=ctx.app.settings.store.name)


@router.post("/s/{token}", response_class=HTMLResponse)
async def survey_answer(token: str, request: Request, ctx: Context) -> HTMLResponse:
    language = language_of(ctx, request)
    claims = verified(ctx, token, LinkPurpose.NPS, language)
    if isinstance(claims, HTMLResponse):
        return claims
    try:
        answer = parse_survey(await request.body())
    except FormError:
        shop = ctx.app.settings.store.name
        return survey_page(language, request.url.path, shop=shop, error=True, status=400)
    try:
        done = await run_in_threadpool(
            after_sale.answer_survey, ctx.app, claims, answer, language=language
        )
    except LinkError:
        return message_page(language, "invalid", 400)
    return message_page(language, "thanks" if done.first else "answered", 200)


def verified(
    ctx: WebContext, token: str, purpose: LinkPurpose, language: str
) -> LinkClaims | HTMLResponse:
    """The claims of ``token`` for ``purpose``, or the page that says why not."""
    signer = ctx.link_signer
    if isinstance(signer, str):
        log.error("a %s link was opened but %s", purpose, signer)
        return message_page(language, "unavailable", 503)
    try:
        return signer.verify(token, purpose, now=ctx.app.clock.now())
    except ExpiredLink:
        return message_page(language, "expired", 410)
    except LinkError:
        return message_page(language, "invalid", 400)


def language_of(ctx: WebContext, request: Request) -> str:
    """``?lang=zh|en`` if given, else the store's language."""
    asked = request.query_params.get("lang")
    if asked in ("zh", "en"):
        return asked
    return ctx.app.settings.store.language
