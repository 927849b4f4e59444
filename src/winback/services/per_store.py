"""The settings of one store: the seam for multi-store settings files.

Every page, endpoint and background job of the web app asks :func:`settings_for` for the
settings of the store it serves, never ``app.settings`` directly, so a settings file with a
``[stores.NAME]`` section per store changes this one function
(``app.settings.for_store(name)``) and nothing else.
"""

from __future__ import annotations

from winback.app import App
from winback.config import Settings
from winback.store import repo
from winback.store.types import StoreInfo

__all__ = ["all_stores", "settings_for"]


def all_stores(app: App) -> list[StoreInfo]:
    """Every store of the database, by name."""
    with app.engine.connect() as conn:
        return sorted(repo.list_stores(conn), key=lambda info: info.name)


def settings_for(app: App, store: str) -> Settings:
    """The settings that apply to ``store`` (today: the one settings file's)."""
    del store  # one settings file describes every store until [stores.NAME] lands
    return app.settings
