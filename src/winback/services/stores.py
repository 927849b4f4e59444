"""Which store a command is about: the one named, or the settings file's store."""

from __future__ import annotations

from winback.app import App
from winback.errors import WinbackError
from winback.store import repo
from winback.store.types import StoreInfo


def find_store(app: App, name: str | None = None) -> StoreInfo:
    """The store called ``name`` (default: ``[store] name`` in the settings), or an error
    that lists the stores there are."""
    wanted = name or app.settings.store.name
    with app.engine.connect() as conn:
        stores = repo.list_stores(conn)
    for info in stores:
        if info.name == wanted:
            return info
    if not stores:
        raise WinbackError(
            f"no store named {wanted!r} yet: import its orders first (`winback import`)"
        )
    known = ", ".join(info.name for info in stores)
    raise WinbackError(f"no store named {wanted!r} (stores: {known})")
