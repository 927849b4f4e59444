"""What every route needs, built once per web app: :class:`WebContext`.

Routes take it with ``Depends(web_context)``; it holds the :class:`~winback.app.App`
(settings, engine, clock), the environment the ``*_env`` settings name, the templates, the
link signer and the inbox applier. Stores are looked up by the name in the URL.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates

from winback.act.channels.registry import ChannelNotConfigured, ChannelRegistry
from winback.act.links import LinkSigner
from winback.app import App
from winback.config import Settings, WebSettings
from winback.errors import WinbackError
from winback.ingest.mapping import Mapping as FileMapping
from winback.services import webhooks
from winback.services.per_store import all_stores, settings_for
from winback.store.types import StoreInfo
from winback.web.applier import InboxApplier
from winback.web.intake import Intake

__all__ = ["Context", "WebContext", "web_context"]


@dataclass
class WebContext:
    app: App
    env: Mapping[str, str]
    templates: Jinja2Templates
    applier: InboxApplier | None = None
    intake: Intake | None = None
    _stores: dict[str, StoreInfo] = field(default_factory=dict)
    _mappings: dict[str, dict[str, FileMapping]] = field(default_factory=dict)
    _web: dict[str, WebSettings] = field(default_factory=dict)
    _one_time: dict[str, tuple[str, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def stores(self) -> list[StoreInfo]:
        """Every store, by name (read again from the database each call)."""
        found = all_stores(self.app)
        with self._lock:
            self._stores = {info.name: info for info in found}
        return found

    def store(self, name: str) -> StoreInfo:
        """The store called ``name``, or a 404."""
        info = self._stores.get(name)
        if info is None:
            info = next((s for s in self.stores() if s.name == name), None)
        if info is None:
            raise HTTPException(404, f"no store named {name!r}")
        return info

    def settings(self, store: str) -> Settings:
        return settings_for(self.app, store)

    def web_settings(self, store: str) -> WebSettings:
        """The ``web`` section that applies to ``store`` (its own table over the shared one),
        read once: it comes from the settings file alone, never from the store's row, so the
        webhook endpoints ask for it without a query per request."""
        found = self._web.get(store)
        if found is None:
            found = self._web[store] = self.app.settings.for_store(store).web
        return found

    def secret(self, env_name: str | None) -> str | None:
        """The value of the environment variable a ``*_env`` setting names, if set."""
        if not env_name:
            return None
        return self.env.get(env_name) or None

    @cached_property
    def link_signer(self) -> LinkSigner | str:
        """The signer of unsubscribe links, or why there is none."""
        registry = ChannelRegistry(self.app.settings.channels, env=self.env, clock=self.app.clock)
        try:
            return registry.link_signer()
        except ChannelNotConfigured as problem:
            return str(problem)

    def event_mappings(self, store: str) -> dict[str, FileMapping]:
        """The generic events' mappings of ``store``, read once."""
        if store not in self._mappings:
            try:
                loaded = webhooks.event_mappings(self.app, self.web_settings(store).events.mappings)
            except WinbackError as problem:
                raise HTTPException(503, f"web.events.mappings: {problem}") from None
            self._mappings[store] = loaded
        return self._mappings[store]

    def one_time_login(self, token: str, *, seconds: float = 300.0) -> str:
        """A single-use code that signs the browser in with ``token`` (``serve --open``)."""
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._one_time[code] = (token, time.monotonic() + seconds)
        return code

    def redeem(self, code: str) -> str | None:
        """The token behind a one-time code, once, before it expires."""
        with self._lock:
            token, until = self._one_time.pop(code, ("", 0.0))
        return token if token and time.monotonic() < until else None

    def wake_applier(self) -> None:
        if self.applier is not None:
            self.applier.wake()

    def figures_changed(self, store: str) -> None:
        """The store's figures changed (an outcome recorded): refresh its panels soon."""
        if self.applier is not None:
            self.applier.stale(store)


async def web_context(request: Request) -> WebContext:
    """The app's context (``async``: FastAPI runs it on the event loop, not in a thread)."""
    context: WebContext = request.app.state.winback
    return context


Context = Annotated[WebContext, Depends(web_context)]
"""A route's parameter type for the web context (``ctx: Context``)."""
