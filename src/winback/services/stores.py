"""Which store a command is about, with that store's own settings.

A settings file describes one store (``[store]``) or several (``[stores.NAME]``); the
database holds the stores that were imported into. A command names its store with
``--store``; without it, the store is the settings' ``default_store``, the only store the
settings describe, or the only store the database holds. Anything else is ambiguous and
refused with the list of stores: a command about the wrong store is worse than none.

The settings are the truth about a configured store (platform, zone, currency, language);
a store the database holds but the settings do not describe keeps what it was created with.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from winback.app import App
from winback.config import Settings
from winback.errors import WinbackError
from winback.model import Platform
from winback.platforms import accepts_source, marketplace_defaults
from winback.store import repo
from winback.store.types import StoreInfo

__all__ = ["find_store", "import_target", "store_language", "store_settings", "store_zone"]


def find_store(app: App, name: str | None = None) -> StoreInfo:
    """The store called ``name`` (default: the one store the command can only mean), as the
    settings describe it, or an error that lists the stores there are."""
    with app.engine.connect() as conn:
        held = repo.list_stores(conn)
    wanted = name or _implied_store(app.settings, held)
    for info in held:
        if info.name == wanted:
            return _as_configured(app, info)
    if app.settings.configures(wanted):
        raise WinbackError(
            f"store {wanted!r} holds nothing yet: import its orders first (`winback import`)"
        )
    known = ", ".join(sorted({*(i.name for i in held), *_configured(app.settings)}))
    if not known:
        raise WinbackError(
            f"no store named {wanted!r} yet: import its orders first (`winback import`)"
        )
    raise WinbackError(f"no store named {wanted!r} (stores: {known})")


def store_settings(app: App, info: StoreInfo) -> Settings:
    """The settings of ``info``'s store: its own ``[stores.NAME]`` table over the shared
    sections, or, for a store the settings do not describe, the shared sections with the
    platform, zone and currency it was created with."""
    settings = app.settings.for_store(info.name)
    if app.settings.configures(info.name):
        return settings
    store = settings.store.model_copy(
        update={
            "platform": Platform(info.platform),
            "timezone": info.timezone,
            "currency": info.currency,
        }
    )
    return settings.model_copy(update={"store": store})


def import_target(app: App, source: Platform, name: str | None) -> Settings:
    """The settings of the store a ``source`` file goes to: the store named, or the one
    configured store that sells on that platform. A file from another platform is refused,
    never merged into a store it does not belong to, and a store whose currency and zone
    winback cannot know (a Shopify or WooCommerce store) must be described in the settings
    before its first import."""
    settings = app.settings
    if name is None:
        if source is Platform.GENERIC:
            return settings.for_store(_implied_store(settings, []))
        matching = [
            n for n in settings.store_names if accepts_source(_platform(settings, n), source)
        ]
        if len(matching) > 1:
            raise WinbackError(
                f"several stores sell on {source.value} ({', '.join(matching)}): "
                "name one with --store"
            )
        if not matching:
            raise WinbackError(_describe_first(settings, source, None))
        target = settings.for_store(matching[0])
    elif settings.configures(name):
        target = settings.for_store(name)
    else:
        with app.engine.connect() as conn:
            held = {info.name: info for info in repo.list_stores(conn)}
        if name in held:
            target = store_settings(app, held[name])
        elif (defaults := marketplace_defaults(source)) is not None:
            store = settings.store.model_copy(update={"name": name, "platform": source, **defaults})
            target = settings.for_store(name).model_copy(update={"store": store})
        else:
            raise WinbackError(_describe_first(settings, source, name))
    _check_platform(target, source)
    return target


def _describe_first(settings: Settings, source: Platform, name: str | None) -> str:
    where = settings.source_file or "winback.toml"
    platform = source.value if source is not Platform.GENERIC else "shopify"
    title = name or f"My {platform.title()} store"
    return (
        f"no store in {where} sells on {source.value}"
        + (f" under the name {name!r}" if name else "")
        + ": describe it there first, e.g.\n\n"
        f'[stores."{title}"]\n'
        f'platform = "{platform}"\n'
        'timezone = "America/New_York"   # the store\'s own zone\n'
        'currency = "USD"                # the currency its orders are in\n'
        'language = "en"\n\n'
        "(docs/settings.md, 'Several stores'); or name a store with --store"
    )


def _check_platform(target: Settings, source: Platform) -> None:
    store = target.store
    if not accepts_source(store.platform, source):
        raise WinbackError(
            f"store {store.name!r} sells on {store.platform.value}, this is a {source.value} "
            "file: refused (import it into the store it belongs to, or name that store with "
            "--store)"
        )


def _platform(settings: Settings, name: str) -> Platform:
    return settings.for_store(name).store.platform


def _configured(settings: Settings) -> tuple[str, ...]:
    return settings.store_names if (settings.stores or settings.source_file) else ()


def _implied_store(settings: Settings, held: list[StoreInfo]) -> str:
    """The store a command means when it names none."""
    if settings.default_store is not None:
        return settings.default_store
    names = settings.store_names
    if len(names) == 1 and (settings.stores or settings.source_file):
        return names[0]
    if settings.stores:
        raise WinbackError(
            f"several stores ({', '.join(names)}): name one with --store, or set "
            "default_store in the settings"
        )
    if len(held) == 1:
        return held[0].name
    if len(held) > 1 and not any(info.name == settings.store.name for info in held):
        known = ", ".join(info.name for info in held)
        raise WinbackError(f"several stores ({known}): name one with --store")
    return settings.store.name


def _as_configured(app: App, info: StoreInfo) -> StoreInfo:
    """``info`` with the platform, zone and currency the settings give it. A store whose
    orders are in another currency than its settings now say is refused: its amounts would
    be shown in the wrong money."""
    settings = app.settings
    if not settings.configures(info.name):
        return info
    store = settings.for_store(info.name).store
    if store.currency != info.currency and _has_orders(app, info):
        raise WinbackError(
            f"store {info.name!r} holds orders in {info.currency}, but the settings say "
            f"currency = {store.currency!r}: fix the settings, or import into a new store"
        )
    return StoreInfo(
        id=info.id,
        name=info.name,
        platform=store.platform.value,
        timezone=store.timezone,
        currency=store.currency,
        created_at=info.created_at,
    )


def store_zone(app: App, name: str | None) -> ZoneInfo:
    """The time zone of the store a command is about (the settings' zone when the store
    holds nothing yet)."""
    try:
        return ZoneInfo(find_store(app, name).timezone)
    except WinbackError:
        return app.settings.for_store(name or _implied_store(app.settings, [])).store.zone


def store_language(app: App, name: str | None) -> str:
    """The language (``zh`` or ``en``) the store's team reads its reports and worklist in."""
    try:
        return store_settings(app, find_store(app, name)).store.language
    except WinbackError:
        return app.settings.for_store(name or _implied_store(app.settings, [])).store.language


def _has_orders(app: App, info: StoreInfo) -> bool:
    with app.engine.connect() as conn:
        return repo.has_orders(conn, info.id)
