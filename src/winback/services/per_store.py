"""The settings of one store, for the web app.

Every page, endpoint and background job of the web app asks :func:`settings_for` for the
settings of the store it serves (its ``[stores.NAME]`` table over the shared sections, see
:func:`winback.services.stores.store_settings`), never ``app.settings`` directly.
"""

from __future__ import annotations

from winback.app import App
from winback.config import Settings
from winback.services.stores import store_settings
from winback.store import repo
from winback.store.types import StoreInfo

__all__ = ["all_stores", "settings_for"]


def all_stores(app: App) -> list[StoreInfo]:
    """Every store of the database, by name."""
    with app.engine.connect() as conn:
        return sorted(repo.list_stores(conn), key=lambda info: info.name)


def settings_for(app: App, store: str) -> Settings:
    """The settings that apply to ``store``: its own, or for a store the settings do not
    describe, the shared ones with the platform, zone and currency it was created with."""
    for info in all_stores(app):
        if info.name == store:
            return store_settings(app, info)
    return app.settings.for_store(store)
