"""Settings: one object, read from ``winback.toml``, environment and command-line flags.

Precedence, lowest first: built-in defaults < environment variables ``WINBACK_*`` <
the settings file < command-line flags. Every setting is documented in
``docs/settings.md``, and a test checks that the file documents every field here.

A settings file describes one store::

    [store]
    name = "俏艺旗舰店"
    platform = "taobao"

or several, each in its own ``[stores.NAME]`` table, over shared defaults::

    [policy]                      # shared by every store
    reminders_per_order = 2

    [stores."俏艺旗舰店"]
    platform = "taobao"
    timezone = "Asia/Shanghai"
    currency = "CNY"

    [stores."Qiaoyi US"]
    platform = "shopify"
    timezone = "America/New_York"
    currency = "USD"
    language = "en"

    [stores."Qiaoyi US".playbooks.unpaid]   # this store only
    holdout_share = 0.2

A store's table takes the ``[store]`` keys and any per-store section (``policy``,
``playbooks``, ``channels``, ``recovery``, ``diagnose``, ``lifecycle``); a section given there
is merged key by key over the shared one. :meth:`Settings.for_store` gives one store's
settings. Unknown keys are errors (a typo must not be silently ignored), and each error names
the file, the key and what is wrong.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from winback.durations import Duration
from winback.durations import parse_duration as parse_duration  # re-exported
from winback.errors import SettingsError
from winback.model import Platform
from winback.platforms import unpaid_close_after
from winback.playbook_settings import PlaybookSettings, kind_names, merge_with_defaults

DEFAULT_SETTINGS_FILE = "winback.toml"
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_window(value: object) -> tuple[time, time]:
    """``"08:00-22:00"`` → ``(time(8), time(22))``: a daily window in local time.

    The window opens at the first time and closes at the second, which must be later the
    same day (a window across midnight is refused: quiet hours are the rest of the day).
    """
    if isinstance(value, tuple | list) and len(value) == 2:
        start, end = value
        if isinstance(start, time) and isinstance(end, time):
            return _ordered(start, end, value)
    match = _WINDOW.match(str(value))
    if not match:
        raise ValueError(f"not a daily window: {value!r} (use the form '08:00-22:00')")
    h1, m1, h2, m2 = (int(group) for group in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ValueError(f"not a time of day in {value!r}")
    return _ordered(time(h1, m1), time(h2, m2), value)


def _ordered(start: time, end: time, value: object) -> tuple[time, time]:
    if start >= end:
        raise ValueError(f"the window {value!r} must close after it opens, the same day")
    return start, end


Window = Annotated[tuple[time, time], BeforeValidator(parse_window)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreSettings(_Section):
    """The shop this settings file describes."""

    name: str = "default"
    platform: Platform = Platform.TAOBAO
    timezone: str = "Asia/Shanghai"
    currency: str = "CNY"
    language: Literal["zh", "en"] = "zh"
    unpaid_close_after: Duration | None = None
    postal_address: str | None = None
    pay_url: str | None = None

    @field_validator("pay_url")
    @classmethod
    def _pay_link(cls, value: str | None) -> str | None:
        if value is not None and (
            not value.startswith(("https://", "http://")) or "{order_id}" not in value
        ):
            raise ValueError(
                f"{value!r} must be an http(s) URL with {{order_id}} in it, "
                "e.g. 'https://shop.example.com/orders/{order_id}/pay'"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. 'Asia/Shanghai')") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def close_after(self) -> timedelta:
        """When an unpaid order of this store closes: the setting, else the platform's
        default (docs/deadlines.md)."""
        if self.unpaid_close_after is not None:
            return self.unpaid_close_after
        return unpaid_close_after(self.platform)


class DiagnoseSettings(_Section):
    """How ``winback diagnose`` and ``winback report`` cut and judge the loss diagnostics."""

    period_days: int = Field(default=30, ge=1, le=3660)
    lost_ratio_alert: float = Field(default=0.30, ge=0.0, le=1.0)
    consult_window: Duration = timedelta(days=1)
    slow_first_response: Duration = timedelta(minutes=3)
    amount_bands: tuple[Decimal, ...] = (Decimal(100), Decimal(300), Decimal(1000))
    min_payers: int = Field(default=30, ge=1)
    min_reason_confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    restock_horizon_days: int = Field(default=30, ge=1)
    restock_lookback_days: int = Field(default=30, ge=1)
    top_products: int = Field(default=10, ge=1)

    @field_validator("amount_bands")
    @classmethod
    def _increasing(cls, value: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
        if list(value) != sorted(set(value)) or any(edge <= 0 for edge in value):
            raise ValueError("amount band edges must be positive and strictly increasing")
        return value


class RecoverySettings(_Section):
    """How recovery actions are scheduled and measured (PRODUCT R3, M1, M2). What actions
    cost is ``[channels.costs]``."""

    call_windows: tuple[Window, ...] = ((time(11), time(12)), (time(15, 30), time(16, 30)))
    ship_same_day_before: str = "16:00"
    attribution_window: Duration = timedelta(hours=72)
    min_payers: int = Field(default=30, ge=1)
    reorder_window: Duration = timedelta(hours=24)
    reorder_same_items: bool = True

    @field_validator("ship_same_day_before")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        parse_clock(value)
        return value

    @property
    def same_day_cutoff(self) -> time:
        return parse_clock(self.ship_same_day_before)


def parse_clock(value: str) -> time:
    """``"15:30"`` → ``time(15, 30)``."""
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"not a clock time: {value!r} (write 'HH:MM')") from None


class ImportSettings(_Section):
    """What an import accepts: dates from ``earliest_date`` up to ``future_margin`` after now
    (a cell outside, like ``0001-01-01`` or a year typed as ``2206``, rejects its row)."""

    earliest_date: date = date(2003, 1, 1)
    future_margin: Duration = timedelta(days=2)


class DatabaseSettings(_Section):
    """Where the store lives: SQLite by default, PostgreSQL by URL."""

    url: str | None = None


class EmailChannelSettings(_Section):
    """SMTP server for e-mail. The password is read from the environment variable named by
    ``password_env``: secrets never live in the settings file."""

    host: str | None = None
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "plain"] = "starttls"
    sender: str | None = None
    sender_name: str | None = None
    reply_to: str | None = None
    username: str | None = None
    password_env: str | None = None
    timeout: Duration = timedelta(seconds=30)


class SmsChannelSettings(_Section):
    """The SMS provider and its fields; every secret is the *name* of an environment
    variable (``*_env``), never the secret itself."""

    provider: Literal["aliyun", "tencent", "twilio", "http"] | None = None
    sign_name: str | None = None
    max_parts: int = Field(default=3, ge=1, le=10)
    default_region: str = "CN"
    template_codes: dict[str, str] = Field(default_factory=dict)
    timeout: Duration = timedelta(seconds=10)
    access_key_id: str | None = None
    access_key_secret_env: str | None = None
    region: str | None = None
    secret_id: str | None = None
    secret_key_env: str | None = None
    sdk_app_id: str | None = None
    account_sid: str | None = None
    auth_token_env: str | None = None
    from_number: str | None = None
    messaging_service_sid: str | None = None
    url: str | None = None
    method: Literal["POST", "PUT"] = "POST"
    signature_secret_env: str | None = None
    signature_header: str = "X-Signature"
    success_field: str | None = None
    success_value: str = "0"
    id_field: str | None = None


class ImRobotSettings(_Section):
    """The team's WeCom or DingTalk group robot. Its webhook URL contains a key: prefer
    ``url_env`` (the URL in an environment variable) over ``url``."""

    kind: Literal["wecom", "dingtalk"] | None = None
    url: str | None = None
    url_env: str | None = None
    secret_env: str | None = None
    msgtype: Literal["markdown", "text"] = "markdown"


class ChannelCostSettings(_Section):
    """What a message or an agent task costs, for recovery ROI (M2)."""

    sms_price: Decimal = Field(default=Decimal("0.045"), ge=0)
    email_price: Decimal = Field(default=Decimal(0), ge=0)
    agent_minutes_per_task: Decimal = Field(default=Decimal(3), ge=0)
    agent_hourly_cost: Decimal = Field(default=Decimal(0), ge=0)


class ChannelsSettings(_Section):
    """How messages leave winback: e-mail, SMS, the team robot, and what each costs."""

    link_secret_env: str | None = None
    public_url: str | None = None
    email: EmailChannelSettings = Field(default_factory=EmailChannelSettings)
    sms: SmsChannelSettings = Field(default_factory=SmsChannelSettings)
    im_robot: ImRobotSettings = Field(default_factory=ImRobotSettings)
    costs: ChannelCostSettings = Field(default_factory=ChannelCostSettings)


class TemplateSettings(_Section):
    """The shop's own templates and agent scripts, added to the shipped ones
    (``docs/channels.md``): TOML files of ``[[template]]`` entries, relative to the settings
    file's folder. They are checked when the settings load."""

    files: tuple[str, ...] = ()


class PolicySettings(_Section):
    """The send policy the dispatcher enforces on every action, whatever the playbook says
    (docs/recovery-engine.md). Windows are in the recipient's time zone."""

    transactional_hours: Window = (time(8), time(22))
    marketing_hours: Window = (time(9), time(21))
    reminders_per_order: int = Field(default=2, ge=0)
    marketing_per_channel_per_day: int = Field(default=1, ge=0)
    marketing_per_week: int = Field(default=3, ge=0)


class DispatchSettings(_Section):
    """How the dispatcher works through the outbox: batches, retries, crashed workers."""

    batch_size: int = Field(default=50, ge=1, le=1000)
    max_attempts: int = Field(default=5, ge=1)
    retry_delay: Duration = timedelta(minutes=1)
    max_retry_delay: Duration = timedelta(hours=1)
    lease: Duration = timedelta(minutes=5)
    poll_interval: Duration = timedelta(seconds=5)


CATEGORY_CUTOFF_DAYS: Final = {
    "fashion": 90,
    "electronics": 180,
    "home": 180,
    "food": 30,
    "beauty": 30,
    "services": 30,
    "general": 90,
}
"""Churn cutoff per store category (seed 004): clothing shoppers come back at least once a
season; electronics are bought every 4–12 months (we take 6); food, beauty and services
customers who stay away a month are gone. ``home`` follows electronics, ``general`` fashion."""

_CUTOFF = re.compile(r"^\s*(learned|preset|[1-9]\d*\s*d)\s*$")


class PrivacySettings(_Section):
    """``[privacy]``: contacts are masked in every output; ``allow_unmasked_export = true``
    lets ``winback customers top --unmasked`` show them, and each such export is logged
    (without the contacts) under ``winback.audit``. See docs/privacy.md."""

    allow_unmasked_export: bool = False


class LifecycleSettings(_Section):
    """Customer lifecycle segments and scores (PRODUCT.md W1, W2; docs/lifecycle.md)."""

    category: Literal["fashion", "electronics", "home", "food", "beauty", "services", "general"] = (
        "fashion"
    )
    cutoff: str = "learned"
    learn_quantile: float = Field(default=0.9, gt=0.5, lt=1.0)
    learn_min_gaps: int = Field(default=30, ge=5)
    model: Literal["bgnbd", "paretonbd"] = "bgnbd"
    horizon: Duration = timedelta(days=90)
    discount_rate: float = Field(default=0.01, ge=0.0, lt=1.0)
    clv_months: int = Field(default=12, ge=1, le=120)
    promising_min_purchases: int = Field(default=2, ge=1)
    promising_avg_bill_quantile: float = Field(default=0.5, ge=0.0, lt=1.0)
    promising_max_inactive: Duration = timedelta(days=730)

    @field_validator("cutoff")
    @classmethod
    def _known_cutoff(cls, value: str) -> str:
        if not _CUTOFF.match(value):
            raise ValueError(
                f"cutoff must be 'learned', 'preset' or a number of days like '120d', not {value!r}"
            )
        return value.replace(" ", "")

    @property
    def preset_days(self) -> int:
        """The category's churn cutoff in days."""
        return CATEGORY_CUTOFF_DAYS[self.category]


PER_STORE_SECTIONS: Final = (
    "channels",
    "diagnose",
    "lifecycle",
    "playbooks",
    "policy",
    "privacy",
    "recovery",
    "web",
)
"""The sections a ``[stores.NAME]`` table may give for that store alone (``web``: its
webhooks' shop, secrets and event mappings; the server's own limits are read from the top
``[web]``)."""


class Settings(_Section):
    """Everything winback can be told. See ``docs/settings.md``.

    ``stores`` holds each ``[stores.NAME]`` store's own, complete settings (shared sections
    with the store's merged over them); it is empty for a one-store file, whose store is
    ``store``. ``default_store`` is the store a command means when none is named.
    """

    store: StoreSettings = Field(default_factory=StoreSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    imports: ImportSettings = Field(default_factory=ImportSettings)
    lifecycle: LifecycleSettings = Field(default_factory=LifecycleSettings)
    diagnose: DiagnoseSettings = Field(default_factory=DiagnoseSettings)
    channels: ChannelsSettings = Field(default_factory=ChannelsSettings)
    templates: TemplateSettings = Field(default_factory=TemplateSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    dispatch: DispatchSettings = Field(default_factory=DispatchSettings)
    recovery: RecoverySettings = Field(default_factory=RecoverySettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    playbooks: dict[str, PlaybookSettings] = Field(default_factory=dict, validate_default=True)
    stores: dict[str, Settings] = Field(default_factory=dict)
    default_store: str | None = None
    web: WebSettings = Field(default_factory=lambda: WebSettings())
    source_file: str | None = None

    @field_validator("playbooks", mode="before")
    @classmethod
    def _over_defaults(cls, value: object) -> Any:
        return merge_with_defaults(value)

    @model_validator(mode="after")
    def _default_is_a_store(self) -> Settings:
        if self.default_store is not None and self.default_store not in self.store_names:
            known = ", ".join(self.store_names)
            raise ValueError(
                f"default_store {self.default_store!r} is not one of the stores ({known})"
            )
        return self

    @property
    def store_names(self) -> tuple[str, ...]:
        """The stores this file configures: its ``[stores.NAME]`` tables, else ``[store]``."""
        return tuple(self.stores) if self.stores else (self.store.name,)

    def configures(self, name: str) -> bool:
        """Whether the settings describe the store called ``name``."""
        return name in self.store_names

    def for_store(self, name: str) -> Settings:
        """The settings of the store called ``name``: its own table merged over the shared
        sections. A store the file does not describe (one created by an older version with
        ``--store``) gets the shared settings under its own name."""
        if name in self.stores:
            return self.stores[name]
        if not self.stores and name == self.store.name:
            return self
        store = self.store.model_copy(update={"name": name})
        return self.model_copy(update={"store": store, "stores": {}, "default_store": None})

    def database_url(self, cwd: Path) -> str:
        """The database URL, defaulting to ``winback.db`` in ``cwd``."""
        return self.database.url or f"sqlite:///{(cwd / 'winback.db').as_posix()}"


def load_settings(
    path: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Build the settings: defaults < ``env`` < the file at ``path`` < ``overrides``.

    Without ``path``, ``winback.toml`` in ``cwd`` is read when it exists. ``overrides`` apply
    to the shared sections and to every store.
    """
    environ = os.environ if env is None else env
    folder = cwd or Path.cwd()
    file = path if path is not None else _default_file(folder)
    layers: list[dict[str, Any]] = [_from_env(environ)]
    if file is not None:
        layers.append(_read_file(file))
    if overrides:
        layers.append({section: dict(values) for section, values in overrides.items()})
    merged = _merge(layers)
    tables = _store_tables(merged.pop("stores", None), layers[1:2] if file else [], file)
    if tables and "name" in merged.get("store", {}):
        # WINBACK_STORE_NAME or a flag over a several-store file: the store meant.
        merged.setdefault("default_store", merged["store"].pop("name"))
    built = {
        name: _store_settings(name, table, merged, overrides or {}, file)
        for name, table in tables.items()
    }
    try:
        settings = Settings.model_validate({**merged, "stores": built})
    except ValidationError as error:
        raise SettingsError(_explain(error, file)) from None
    source = str(file) if file else None
    return settings.model_copy(
        update={
            "source_file": source,
            "stores": {
                name: store.model_copy(update={"source_file": source})
                for name, store in settings.stores.items()
            },
        }
    )


def _store_tables(stores: object, files: list[dict[str, Any]], file: Path | None) -> dict[str, Any]:
    """The ``[stores.NAME]`` tables, checked for shape (their keys are checked later)."""
    if stores is None:
        return {}
    where = f"{file}: " if file else "settings: "
    if not isinstance(stores, dict) or not all(isinstance(t, dict) for t in stores.values()):
        raise SettingsError(where + "stores: write each store as a table, [stores.NAME]")
    if not stores:
        raise SettingsError(where + "stores: the table is empty; add a [stores.NAME] table")
    if any("name" in layer.get("store", {}) for layer in files):
        raise SettingsError(
            where + "store.name: with [stores.NAME] tables, name the default store with "
            "default_store = NAME instead ([store] then holds what every store shares)"
        )
    return stores


def _store_settings(
    name: str,
    table: dict[str, Any],
    shared: dict[str, Any],
    overrides: Mapping[str, Mapping[str, Any]],
    file: Path | None,
) -> Settings:
    """One ``[stores.NAME]`` store: its keys over the shared sections, flags over both."""
    store_keys = {key: value for key, value in table.items() if key not in PER_STORE_SECTIONS}
    own: dict[str, Any] = {
        section: table[section] for section in PER_STORE_SECTIONS if section in table
    }
    own["store"] = {**store_keys, "name": name}
    shared_links = {"link_secret_env", "public_url"} & set(table.get("channels", {}))
    if shared_links:
        where = f"{file}: " if file else "settings: "
        raise SettingsError(
            f"{where}stores.{name}.channels.{sorted(shared_links)[0]}: the signed links "
            "(unsubscribe, reason forms) and winback serve's address are shared by every "
            "store; set it in the top [channels] table"
        )
    layered = _deep_merge(shared, own)
    if overrides:
        layered = _deep_merge(layered, {key: dict(value) for key, value in overrides.items()})
    layered["store"]["name"] = name
    layered.pop("default_store", None)
    try:
        return Settings.model_validate(layered)
    except ValidationError as error:
        raise SettingsError(_explain(error, file, prefix=f"stores.{name}.")) from None


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` merged into ``base`` table by table; any other value (a list) is replaced."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def _default_file(folder: Path) -> Path | None:
    candidate = folder / DEFAULT_SETTINGS_FILE
    return candidate if candidate.is_file() else None


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    layer: dict[str, Any] = {}
    if url := environ.get("WINBACK_DATABASE_URL"):
        layer["database"] = {"url": url}
    store = {
        key: environ[f"WINBACK_STORE_{key.upper()}"]
        for key in StoreSettings.model_fields
        if f"WINBACK_STORE_{key.upper()}" in environ
    }
    if store:
        layer["store"] = store
    return layer


def _read_file(file: Path) -> dict[str, Any]:
    try:
        with file.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"{file}: the settings file does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{file}: not valid TOML: {error}") from None


def _merge(layers: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for layer in layers:
        for section, values in layer.items():
            if isinstance(values, dict) and isinstance(merged.get(section), dict):
                merged[section] = {**merged[section], **values}
            else:
                merged[section] = values
    return merged


def _explain(error: ValidationError, file: Path | None, *, prefix: str = "") -> str:
    where = f"{file}: " if file else "settings: "
    problems = []
    for item in error.errors():
        parts = [str(part) for part in item["loc"]]
        if prefix and parts[:1] == ["store"]:  # a [stores.NAME] table holds the store keys
            parts = parts[1:]
        if parts[:1] == ["playbooks"] and len(parts) > 2 and parts[2] in kind_names():
            del parts[2]  # the kind pydantic chose the model by, not a key the file has
        key = prefix + ".".join(parts)
        message = "unknown setting" if item["type"] == "extra_forbidden" else item["msg"]
        problems.append(f"{key}: {message.removeprefix('Value error, ')}")
    return where + "; ".join(problems)


# -- the web app: dashboard, API, webhooks, inbound pushes (docs/web.md, docs/webhooks.md) ---

InboundProvider = Literal["aliyun", "tencent", "twilio", "http"]


class InboundSettings(_Section):
    """Which SMS-reply routes ``winback serve`` answers. A route that is not listed in
    ``routes`` answers 404. Aliyun and Tencent Cloud do not sign their pushes: their routes
    also need a secret token in the callback URL (``/inbound/sms/aliyun/{token}``), read from
    the variable ``*_token_env`` names; the generic gateway needs one unless it signs its
    pushes (``channels.sms.signature_secret_env``); Twilio's pushes are signed."""

    routes: tuple[InboundProvider, ...] = ()
    aliyun_token_env: str | None = None
    tencent_token_env: str | None = None
    http_token_env: str | None = None


class ShopifySourceSettings(_Section):
    """The Shopify store whose webhooks and Admin API winback reads (I4)."""

    shop: str | None = None
    webhook_secret_env: str | None = None
    access_token_env: str | None = None
    api_version: str = "2025-01"


class WooCommerceSourceSettings(_Section):
    """The WooCommerce site whose webhooks and REST API winback reads (I4)."""

    url: str | None = None
    webhook_secret_env: str | None = None
    consumer_key_env: str | None = None
    consumer_secret_env: str | None = None


class EventSourceSettings(_Section):
    """Generic signed JSON events from any other source: the HMAC secret and the mapping
    (the generic importer's format, docs/mapping.md) for each kind of record."""

    secret_env: str | None = None
    mappings: dict[str, str] = Field(default_factory=dict)


class WebSettings(_Section):
    """``winback serve``: request limits and the sources that push to it."""

    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    page_size: int = Field(default=50, ge=1, le=500)
    refresh_interval: Duration = timedelta(minutes=1)
    inbound: InboundSettings = Field(default_factory=InboundSettings)
    shopify: ShopifySourceSettings = Field(default_factory=ShopifySourceSettings)
    woocommerce: WooCommerceSourceSettings = Field(default_factory=WooCommerceSourceSettings)
    events: EventSourceSettings = Field(default_factory=EventSourceSettings)
