"""What a dashboard page needs: who is looking (the token in the session cookie), which
store (from the URL), in which language, and :func:`render` to fill a template.

A page without a valid session redirects to the login form; a token that may not open the
store (or do what is asked) gets the forbidden page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Final
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from winback.present.numbers import SYMBOLS
from winback.services import tokens
from winback.services.tokens import Scope, TokenInfo
from winback.store.types import StoreInfo
from winback.web.auth import COOKIE
from winback.web.context import Context, WebContext
from winback.web.dashboard.i18n import LANGUAGES, texts

__all__ = ["LANG_COOKIE", "LoginRequired", "Page", "PageGate", "Reader", "Writer", "render"]

LANG_COOKIE: Final = "winback_lang"


class LoginRequired(Exception):
    """No valid session: the login form, then back to ``next``."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


@dataclass(frozen=True, slots=True)
class Page:
    """One dashboard request: the context, the store, the viewer and their language."""

    ctx: WebContext
    request: Request
    store: StoreInfo
    token: TokenInfo
    language: str

    @property
    def t(self) -> dict[str, str]:
        return texts(self.language)


async def viewer(request: Request, ctx: Context) -> TokenInfo:
    presented = request.cookies.get(COOKIE)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        presented = header[7:].strip()
    token = await run_in_threadpool(tokens.authenticate, ctx.app, presented) if presented else None
    if token is None:
        raise LoginRequired(request.url.path)
    return token


Viewer = Annotated[TokenInfo, Depends(viewer)]


class PageGate:
    """The dependency that opens the store in the URL for the viewer, with ``scope``."""

    def __init__(self, scope: Scope) -> None:
        self.scope: Scope = scope

    async def __call__(self, store: str, request: Request, ctx: Context, token: Viewer) -> Page:
        if (token.store is not None and token.store != store) or not token.allows(self.scope):
            raise HTTPException(403, "forbidden")
        info = await run_in_threadpool(ctx.store, store)
        wanted = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
        language = wanted if wanted in LANGUAGES else ctx.settings(store).store.language
        return Page(ctx, request, info, token, language)


Reader = Annotated[Page, Depends(PageGate("read"))]
Writer = Annotated[Page, Depends(PageGate("write"))]


def render(page: Page, template: str, *, status: int = 200, **values: Any) -> HTMLResponse:
    """``template`` filled with ``values`` and what every page shows (nav, store switcher)."""
    stores = [
        s.name for s in page.ctx.stores() if page.token.store is None or page.token.store == s.name
    ]
    zone = ZoneInfo(page.store.timezone)
    response = page.ctx.templates.TemplateResponse(
        page.request,
        template,
        {
            "t": page.t,
            "lang": page.language,
            "store": page.store,
            "stores": stores,
            "token": page.token,
            "path": page.request.url.path,
            "quote": quote,
            "money": lambda value: money(value, page.store.currency),
            "pct": pct,
            "local": lambda value: local_time(value, zone),
            **values,
        },
        status_code=status,
    )
    if page.request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, page.language, samesite="strict", httponly=True)
    return response


def money(value: object, currency: str) -> str:
    """``"1234.5"`` → ``¥1,234.50`` (the store's currency; never summed across stores)."""
    if value is None or value == "":
        return "–"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    symbol = SYMBOLS.get(currency, currency + " ")
    return f"{symbol}{amount:,.2f}"


def pct(value: object, digits: int = 1) -> str:
    if value is None:
        return "–"
    try:
        return f"{float(str(value)):.{digits}%}"
    except ValueError:
        return str(value)


def local_time(value: object, zone: ZoneInfo) -> str:
    """An ISO time (or datetime) in the store's zone, to the minute."""
    if value is None or value == "":
        return "–"
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if when.tzinfo is None:
        return when.strftime("%Y-%m-%d %H:%M")
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M")
