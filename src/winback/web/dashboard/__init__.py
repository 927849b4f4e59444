"""The team's dashboard (P3): server-rendered pages (Jinja2 + htmx vendored in the package,
no build step, works offline), Chinese and English, contacts masked, per store
(``/stores/{store}/…``, with a store switcher).

Pages: overview, worklist, outbox (and suppressions), recovery, reasons and stock,
customers, settings. They read the precomputed panels of
:mod:`winback.services.dashboard` or keyset pages, never whole-history scans.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from winback.web.dashboard import outbox, overview, reports, session, settings_page, worklist
from winback.web.dashboard.i18n import texts
from winback.web.dashboard.view import LoginRequired

__all__ = ["install_error_pages", "router"]

router = APIRouter(include_in_schema=False)
for part in (session, overview, worklist, outbox, reports, settings_page):
    router.include_router(part.router)


def install_error_pages(web: FastAPI) -> None:
    """A login redirect for pages without a session; error pages in words for people, JSON
    for the API and machine callers."""
    web.add_exception_handler(LoginRequired, _login_required)
    web.add_exception_handler(StarletteHTTPException, _http_error)


async def _login_required(request: Request, error: Exception) -> Response:
    assert isinstance(error, LoginRequired)
    return RedirectResponse(f"/login?next={error.next_url}", 303)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    wants_page = request.url.path.startswith("/stores/") or request.url.path in ("/", "/login")
    if not wants_page:
        return JSONResponse({"detail": error.detail}, error.status_code, headers=error.headers)
    context = request.app.state.winback
    language = context.app.settings.store.language
    t = texts(language)
    message = {403: t["forbidden"], 404: t["not_found"]}.get(error.status_code, str(error.detail))
    page: Response = context.templates.TemplateResponse(
        request,
        "error.html",
        {"t": t, "lang": language, "message": message, "status": error.status_code},
        status_code=error.status_code,
    )
    return page
