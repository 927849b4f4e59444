"""How a store speaks to its buyers: its language, its money, and the voice of its platform.

A Taobao, Tmall, JD, Pinduoduo or Douyin shop talks to buyers inside the marketplace, in
the marketplace's manner: ``亲，您好～`` on 旺旺 is what buyers there expect. A Shopify or
WooCommerce store is the merchant's own site: its messages are plain and polite, in Chinese
or English, and never borrow the marketplace's ``亲`` or mention 旺旺. :class:`PlatformFamily`
names the two; a template may be written for one platform, for one family, or for any
(:meth:`winback.act.templates.TemplateLibrary.get` looks them up in that order).

:class:`StoreVoice` is what rendering needs to know about the store an action belongs to:
its name (the SMS signature 【店名】), platform, language, time zone (which gives the locale of
its money, :func:`winback.act.money.store_locale`), currency, and the optional postal address
and pay page.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final, Literal

from winback.act.money import format_money, store_locale
from winback.config import Settings, StoreSettings
from winback.model import Platform

__all__ = ["PlatformFamily", "StoreVoice", "family_of", "settings_of_store", "store_voice"]

Language = Literal["zh", "en"]


class PlatformFamily(StrEnum):
    MARKETPLACE = "marketplace"
    """Taobao, Tmall, JD, Pinduoduo, Douyin: the platform's own chat, ``亲`` style."""
    OWN_SITE = "own_site"
    """Shopify, WooCommerce: the store's own site; plain, polite, no marketplace slang."""


_FAMILIES: Final = {
    Platform.TAOBAO: PlatformFamily.MARKETPLACE,
    Platform.TMALL: PlatformFamily.MARKETPLACE,
    Platform.JD: PlatformFamily.MARKETPLACE,
    Platform.PDD: PlatformFamily.MARKETPLACE,
    Platform.DOUYIN: PlatformFamily.MARKETPLACE,
    Platform.SHOPIFY: PlatformFamily.OWN_SITE,
    Platform.WOOCOMMERCE: PlatformFamily.OWN_SITE,
}
AUDIENCES: Final = frozenset({*(str(p) for p in Platform), *(str(f) for f in PlatformFamily)})
"""What a template's ``platform`` may name: one platform or one family."""


def family_of(platform: str) -> PlatformFamily | None:
    """The family of a platform; ``None`` for ``generic`` (a store of unknown kind gets the
    templates written for any platform)."""
    try:
        return _FAMILIES.get(Platform(platform))
    except ValueError:
        return None


@dataclass(frozen=True)
class StoreVoice:
    """What rendering knows about one store."""

    name: str
    platform: str
    language: Language
    currency: str
    timezone: str = "Asia/Shanghai"
    postal_address: str | None = None
    pay_url: str | None = None

    @property
    def family(self) -> PlatformFamily | None:
        return family_of(self.platform)

    @property
    def locale(self) -> str:
        return store_locale(self.language, self.timezone)

    def money(self, amount: Decimal, currency: str | None = None) -> str:
        """``amount`` in ``currency`` (default: the store's) as this store's buyers read it."""
        return format_money(amount, currency or self.currency, self.locale)

    @classmethod
    def from_settings(
        cls,
        store: StoreSettings,
        *,
        name: str | None = None,
        platform: str | None = None,
        currency: str | None = None,
        timezone: str | None = None,
    ) -> StoreVoice:
        """The voice of a configured store; the keyword values (the store's row in the
        database) win over the settings."""
        return cls(
            name=name or store.name,
            platform=platform or str(store.platform),
            language=store.language,
            currency=currency or store.currency,
            timezone=timezone or store.timezone,
            postal_address=store.postal_address,
            pay_url=store.pay_url,
        )


def store_voice(
    settings: Settings, *, name: str, platform: str, currency: str, timezone: str
) -> StoreVoice:
    """The voice of the store called ``name`` (its row in the database gives the platform,
    currency and time zone; its settings section the language, postal address and pay
    page). A store the settings do not describe speaks the configured store's language,
    without a postal address or pay page: those belong to another shop."""
    section = settings_of_store(settings, name) or StoreSettings(
        name=name, language=settings.store.language
    )
    return StoreVoice.from_settings(
        section, name=name, platform=platform, currency=currency, timezone=timezone
    )


def settings_of_store(settings: Settings, name: str) -> StoreSettings | None:
    """The settings section of the store called ``name``, if the settings describe it (its
    ``[stores.NAME]`` table, or the one ``[store]`` of a one-store file)."""
    return settings.for_store(name).store if settings.configures(name) else None
