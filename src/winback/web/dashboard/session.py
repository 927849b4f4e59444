"""Logging in and out of the dashboard, and its home page.

The login form takes a token (``winback tokens create``); a valid one is kept in an HttpOnly,
SameSite=Strict cookie (Secure when ``channels.public_url`` is https), so no other site can
use the session and no script can read it. Logging out clears the cookie; revoking the token
(``winback tokens revoke``) ends every session that uses it.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from winback.services import tokens
from winback.web.auth import COOKIE
from winback.web.context import Context
from winback.web.dashboard.i18n import LANGUAGES, texts
from winback.web.dashboard.view import LANG_COOKIE, LoginRequired, viewer

router = APIRouter(include_in_schema=False)
SESSION_SECONDS: Final = 12 * 3600


@router.get("/")
async def home(request: Request, ctx: Context) -> Response:
    """The first store the viewer may open (the login form without a session)."""
    try:
        token = await viewer(request, ctx)
    except LoginRequired:
        return RedirectResponse("/login", 303)
    stores = [s.name for s in await run_in_threadpool(ctx.stores)]
    allowed = [name for name in stores if token.store is None or token.store == name]
    if not allowed:
        return HTMLResponse(texts(_language(request, ctx))["nothing"], 404)
    preferred = ctx.app.settings.default_store or ctx.app.settings.store.name
    first = preferred if preferred in allowed else allowed[0]
    return RedirectResponse(f"/stores/{first}/overview", 303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, ctx: Context, next: str = "/") -> HTMLResponse:
    return _form(request, ctx, next, problem=False)


@router.post("/login")
async def login(
    request: Request,
    ctx: Context,
    token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    found = await run_in_threadpool(tokens.authenticate, ctx.app, token.strip())
    if found is None:
        return _form(request, ctx, next, problem=True, status=401)
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    return _session(RedirectResponse(target, 303), ctx, token.strip())


def _session(response: Response, ctx: Context, token: str) -> Response:
    secure = (ctx.app.settings.channels.public_url or "").startswith("https://")
    response.set_cookie(
        COOKIE, token, max_age=SESSION_SECONDS, httponly=True, samesite="strict", secure=secure
    )
    return response


@router.get("/login/once/{code}")
def login_once(code: str, ctx: Context) -> Response:
    """The single-use link ``winback serve --open`` prints and opens: a session, once."""
    token = ctx.redeem(code)
    if token is None:
        return RedirectResponse("/login", 303)
    return _session(RedirectResponse("/", 303), ctx, token)


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", 303)
    response.delete_cookie(COOKIE)
    return response


def _form(
    request: Request, ctx: Context, next_url: str, *, problem: bool, status: int = 200
) -> HTMLResponse:
    language = _language(request, ctx)
    return ctx.templates.TemplateResponse(
        request,
        "login.html",
        {"t": texts(language), "lang": language, "next": next_url, "problem": problem},
        status_code=status,
    )


def _language(request: Request, ctx: Context) -> str:
    wanted = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return wanted if wanted in LANGUAGES else ctx.app.settings.store.language
