"""The web app of ``winback serve``: dashboard, JSON API, webhooks and buyer-facing links.

:func:`create_app` assembles small routers, one per concern:

* ``/`` and ``/stores/{store}/…`` — the team's dashboard (server-rendered, zh/en)
  (:mod:`winback.web.dashboard`);
* ``/api/v1/…`` — the JSON API with its OpenAPI document at ``/api/v1/openapi.json``
  (:mod:`winback.web.api`);
* ``/webhooks/{store}/…`` — Shopify, WooCommerce and generic events
  (:mod:`winback.web.routes.webhooks`);
* ``/inbound/sms/…`` — buyers' SMS replies (:mod:`winback.web.routes.inbound`);
* ``/u/{token}`` — one-click unsubscribe links (:mod:`winback.web.routes.links`);
* ``/r/{token}`` — the cancelled-order save's reason form
  (:mod:`winback.web.routes.reason_form`);
* ``/healthz`` and ``/static/…``.

Nothing is created at import: ``create_app(app)`` builds everything for one
:class:`~winback.app.App`. With ``background=True`` (``winback serve``) the app's lifespan
runs the inbox applier; tests apply the inbox themselves.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Final

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from winback.app import App
from winback.services import dashboard as dashboard_panels
from winback.services import webhooks
from winback.web import api, dashboard
from winback.web.applier import InboxApplier
from winback.web.context import WebContext
from winback.web.intake import Intake
from winback.web.limits import BodyLimit
from winback.web.routes import health, inbound, links, preferences, reason_form, survey
from winback.web.routes import webhooks as webhook_routes

__all__ = ["create_app"]

HERE: Final = Path(__file__).parent
log = logging.getLogger("winback.web")


def create_app(
    app: App, *, env: Mapping[str, str] | None = None, background: bool = False
) -> FastAPI:
    """The ASGI app for ``app``. ``env`` (default: the process environment) holds the
    secrets the ``*_env`` settings name."""
    receiver = webhooks.Receiver(app)
    context = WebContext(
        app=app,
        env=os.environ if env is None else env,
        templates=Jinja2Templates(directory=HERE / "templates"),
        intake=Intake(receiver, release=receiver.close, writers=_writers(app)),
    )
    if background:
        context.applier = InboxApplier(
            partial(_apply_inbox, app),
            partial(dashboard_panels.refresh_aggregates, app),
            refresh_every=app.settings.web.refresh_interval.total_seconds(),
        )
    web = FastAPI(
        title="winback API",
        version="1",
        summary="Orders, diagnosis, recovery actions and tasks, customers and privacy requests "
        "of the stores winback serves.",
        openapi_url=f"{api.PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
        redirect_slashes=False,
    )
    web.state.winback = context
    web.add_middleware(BodyLimit, limit=app.settings.web.max_body_bytes)
    web.router.routes.extend(webhook_routes.routes)  # first: the hot path matches at once
    web.include_router(inbound.router)
    web.include_router(api.router)
    web.include_router(dashboard.router)
    web.include_router(links.router)
    web.include_router(reason_form.router)
    web.include_router(survey.router)
    web.include_router(preferences.router)
    web.include_router(health.router)
    web.mount("/static", StaticFiles(packages=[("winback.web", "static")]), name="static")
    dashboard.install_error_pages(web)
    return web


INTAKE_WRITERS: Final = 2
"""Webhook batches stored at once on PostgreSQL (one connection each): one is sent while
the other's commit is flushed. SQLite has one writer at a time."""


def _writers(app: App) -> int:
    return INTAKE_WRITERS if app.engine.dialect.name == "postgresql" else 1


def _apply_inbox(app: App) -> tuple[str, ...]:
    return webhooks.apply_pending(app).stores


@asynccontextmanager
async def _lifespan(web: FastAPI) -> AsyncIterator[None]:
    """Run the inbox applier while the server runs (``background=True`` only)."""
    applier = web.state.winback.applier
    if applier is not None:
        applier.start()
        applier.wake()  # events stored while the server was down
    yield
    if applier is not None:
        applier.stop()
