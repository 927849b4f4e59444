"""The generic mapping file (``docs/mapping.md``): which header holds which canonical field.

:func:`load_mapping` reads the TOML, checks it against the fields of its kind and returns a
:class:`Mapping`, or raises :class:`~winback.errors.MappingError` naming the mapping file, the
key and what is wrong (with a suggestion for a misspelt name).

Besides a header (or a list of accepted headers), a field may be a constant
(``currency = { value = "BRL" }``) or several columns joined (``feedback_id = { concat =
["review_id", "order_id"] }``); ``[files.NAME]`` tables join other files by key
(:class:`FileJoin`, read by :mod:`winback.ingest.joins`); ``[[status_rules]]`` decide the
status from several columns (:mod:`winback.ingest.status_rules`).
"""

from __future__ import annotations

import codecs
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, ValidationError

from winback.errors import MappingError, unknown_name
from winback.ingest.joins import FileJoin, load_files
from winback.ingest.status_rules import StatusRule, load_rules
from winback.model import ChatSender, OrderStatus, Platform

_ORDER_LINE = "line_id line_title line_quantity line_unit_price line_sku line_product_id"
_CART_ITEM = "item_title item_quantity item_unit_price item_sku item_product_id"


@dataclass(frozen=True)
class KindFields:
    """The canonical fields of one kind of record; ``key`` groups multi-row records."""

    required: tuple[str, ...]
    optional: tuple[str, ...]
    key: str | None = None
    item_prefix: str | None = None

    @property
    def all(self) -> tuple[str, ...]:
        return self.required + self.optional


def _fields(required: str, optional: str, **extra: str) -> KindFields:
    return KindFields(tuple(required.split()), tuple(optional.split()), **extra)


KINDS: dict[str, KindFields] = {
    "orders": _fields(
        "order_id created_at status total_amount",
        "buyer_id buyer_name phone email address region currency goods_amount shipping_fee "
        "discount paid_amount refund_amount paid_at shipped_at delivered_at settled_at "
        "closed_at refunded_at payment_method buyer_message seller_remark close_reason "
        f"cancel_reason coupon_code {_ORDER_LINE} line_colour line_size",
        key="order_id",
        item_prefix="line_",
    ),
    "customers": _fields(
        "customer_id",
        "name email phone accepts_email_marketing accepts_sms_marketing created_at region tags",
    ),
    "chats": _fields("buyer_id sent_at sender text", "staff order_id"),
    "carts": _fields(
        "cart_id created_at",
        f"buyer_id updated_at currency email phone order_id {_CART_ITEM} item_colour item_size",
        key="cart_id",
        item_prefix="item_",
    ),
    "wishlists": _fields("buyer_id product_id added_at", "title sku price"),
    "feedback": _fields("feedback_id at kind", "text title buyer_id order_id rating"),
    "stock": _fields("sku quantity at", "product_id title colour size"),
}
_TIMES = "created_at paid_at shipped_at delivered_at settled_at closed_at refunded_at sent_at"
TIME_FIELDS = frozenset(f"{_TIMES} updated_at added_at at".split())
BOOL_FIELDS = frozenset({"accepts_email_marketing", "accepts_sms_marketing"})
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "否"})
_TOP_KEYS = ("kind", "platform", "timezone", "encoding", "sheet", "currency", "decimal")
_TABLES = ("columns", "values", "formats", "files", "status_rules", "signs", "merge")
MERGES = ("earliest", "latest")
SIGNED_FIELDS = frozenset(
    {"total_amount", "goods_amount", "shipping_fee", "discount", "paid_amount", "refund_amount"}
    | {"line_quantity", "line_unit_price", "item_quantity", "item_unit_price", "quantity"}
)


@dataclass(frozen=True)
class Mapping:
    """A validated mapping file. ``columns`` lists the accepted headers of each field;
    ``values`` maps source values of a field to canonical ones; ``formats`` holds a strptime
    format per time field; ``timezone`` (when given) overrides the store's zone."""

    file: str
    kind: str
    columns: dict[str, tuple[str, ...]]
    platform: Platform = Platform.GENERIC
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    timezone: ZoneInfo | None = None
    encoding: str = "auto"
    sheet: str | None = None
    currency: str | None = None
    decimal: str = "."
    constants: dict[str, str] = field(default_factory=dict)
    combined: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)
    files: tuple[FileJoin, ...] = ()
    status_rules: tuple[StatusRule, ...] = ()
    absolute: frozenset[str] = frozenset()
    merge: dict[str, str] = field(default_factory=dict)

    @property
    def fields(self) -> KindFields:
        return KINDS[self.kind]

    def listed(self, name: str) -> bool:
        """Whether the mapping gives ``name`` a column, a constant or joined columns."""
        return name in self.columns or name in self.constants or name in self.combined


class _MappingFile(BaseModel):
    """The shape of the TOML document, before the checks that need the kind."""

    model_config = ConfigDict(extra="forbid", strict=True)

    kind: str
    platform: str = "generic"
    timezone: str | None = None
    encoding: str = "auto"
    sheet: str | None = None
    currency: str | None = None
    decimal: str = "."
    columns: dict[str, str | list[str] | dict[str, str | list[str]]]
    values: dict[str, dict[str, str]] = {}
    formats: dict[str, str] = {}
    files: dict[str, dict[str, str | dict[str, str]]] = {}
    status_rules: list[dict[str, object]] = []
    signs: dict[str, str] = {}
    merge: dict[str, str] = {}


def load_mapping(path: Path) -> Mapping:
    """Read and check the mapping file at ``path``."""
    file = str(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise MappingError(f"cannot open the mapping file: {error.strerror}", file=file) from None
    except UnicodeDecodeError:
        raise MappingError("the mapping file is not UTF-8 text", file=file) from None
    except tomllib.TOMLDecodeError as error:
        raise MappingError(f"invalid TOML: {error}", file=file) from None
    _check_top_level(document, file)
    try:
        model = _MappingFile.model_validate(document)
    except ValidationError as error:
        raise MappingError(_first_problem(error), file=file) from None
    return _checked(model, file)


def _check_top_level(document: dict[str, Any], file: str) -> None:
    for key in document:
        if key not in _TOP_KEYS + _TABLES:
            raise MappingError(unknown_name("key", key, _TOP_KEYS + _TABLES), file=file)
    kind = document.get("kind")
    if kind is None:
        raise MappingError(f"'kind' is missing (one of {', '.join(KINDS)})", file=file)
    if kind not in KINDS:
        raise MappingError(f"kind: {unknown_name('kind', str(kind), KINDS)}", file=file)
    if "columns" not in document:
        reason = "the [columns] table is missing: it says which header holds each field"
        raise MappingError(reason, file=file)


def _first_problem(error: ValidationError) -> str:
    problem = error.errors()[0]
    parts = [str(part) for part in problem["loc"] if not isinstance(part, int)]
    where = ".".join(part for part in parts if part not in ("str", "list[str]"))
    where = where.split(".dict[")[0]
    if where.startswith("columns."):
        return (
            f"{where}: give a header name, a list of header names, "
            "{ value = ... } or { concat = [...] }"
        )
    return f"{where}: {problem['msg']}"


def _checked(model: _MappingFile, file: str) -> Mapping:
    fields = KINDS[model.kind]
    columns: dict[str, tuple[str, ...]] = {}
    constants: dict[str, str] = {}
    combined: dict[str, tuple[tuple[str, ...], str]] = {}
    for name, value in model.columns.items():
        _known_field(name, fields, file)
        if isinstance(value, dict):
            _source(name, value, constants, combined, file)
        else:
            columns[name] = _headers(name, value, file)
    listed = set(columns) | set(constants) | set(combined)
    rules = load_rules(model.status_rules, file) if model.status_rules else ()
    for name in _required(model.kind, listed, bool(rules)):
        if name not in listed:
            reason = (
                f"the columns table has no {name!r}, which kind {model.kind!r} requires "
                f'(add {name} = "<the header that holds it>")'
            )
            raise MappingError(reason, file=file)
    if model.decimal not in (".", ","):
        raise MappingError(f'decimal: {model.decimal!r} is not "." or ","', file=file)
    return Mapping(
        file=file,
        kind=model.kind,
        columns=columns,
        platform=_platform(model.platform, file),
        values={name: _values(name, table, listed, file) for name, table in model.values.items()},
        formats={name: _format(name, text, listed, file) for name, text in model.formats.items()},
        timezone=_zone(model.timezone, file),
        encoding=_encoding(model.encoding, file),
        sheet=model.sheet,
        currency=model.currency,
        decimal=model.decimal,
        constants=constants,
        combined=combined,
        files=load_files(model.files, KINDS[model.kind].item_prefix is not None, file),
        status_rules=rules,
        absolute=_signs(model.signs, listed, file),
        merge=_merge(model.merge, model.kind, listed, file),
    )


def _required(kind: str, listed: set[str], has_rules: bool) -> list[str]:
    """The fields a mapping must list: status rules stand in for a status column, line
    prices for an order total (the total is then the lines' sum), and a feedback needs a
    text or a rating."""
    required = list(KINDS[kind].required)
    if kind == "orders":
        if has_rules:
            required.remove("status")
        if "line_unit_price" in listed:
            required.remove("total_amount")
    if kind == "feedback" and "text" not in listed and "rating" not in listed:
        required.append("text")
    return required


def _known_field(name: str, fields: KindFields, file: str) -> None:
    if name not in fields.all:
        raise MappingError(f"columns: {unknown_name('field', name, fields.all)}", file=file)


def _headers(name: str, value: str | list[str], file: str) -> tuple[str, ...]:
    headers = (value,) if isinstance(value, str) else tuple(value)
    if not headers or not all(header.strip() for header in headers):
        raise MappingError(f"columns.{name}: give a header name, not an empty one", file=file)
    return headers


def _source(
    name: str,
    value: dict[str, str | list[str]],
    constants: dict[str, str],
    combined: dict[str, tuple[tuple[str, ...], str]],
    file: str,
) -> None:
    """A field given as ``{ value = "…" }`` (a constant) or ``{ concat = [headers],
    separator = ":" }`` (the cells of several columns joined)."""
    keys = set(value)
    constant = value.get("value")
    if keys == {"value"} and isinstance(constant, str):
        constants[name] = constant
        return
    parts = value.get("concat")
    separator = value.get("separator", ":")
    if (
        keys <= {"concat", "separator"}
        and isinstance(parts, list)
        and len(parts) >= 2
        and all(isinstance(part, str) and part.strip() for part in parts)
        and isinstance(separator, str)
    ):
        combined[name] = (tuple(parts), separator)
        return
    reason = (
        f'columns.{name}: a table must be {{ value = "…" }} (a constant) or '
        '{ concat = ["header", "header"], separator = ":" } (columns joined)'
    )
    raise MappingError(reason, file=file)


def _merge(table: dict[str, str], kind: str, listed: set[str], file: str) -> dict[str, str]:
    """``[merge]``: time fields of a multi-row order or cart whose rows may differ (each
    line stamped when it was keyed in), read as the ``earliest`` or ``latest`` of them
    instead of refusing the rows that differ from the first."""
    if table and KINDS[kind].key is None:
        raise MappingError(f"merge: kind {kind!r} has one row per record", file=file)
    for name, how in table.items():
        if name not in TIME_FIELDS or name not in listed:
            raise MappingError(
                f"merge: {name!r} is not a time field listed in the columns", file=file
            )
        if how not in MERGES:
            raise MappingError(f"merge.{name}: {unknown_name('choice', how, MERGES)}", file=file)
    return dict(table)


def _signs(table: dict[str, str], listed: set[str], file: str) -> frozenset[str]:
    """``[signs]``: fields a file writes negative that are read as positive (a credit
    note's quantities); the only value is ``"absolute"``."""
    for name, how in table.items():
        if name not in SIGNED_FIELDS or name not in listed:
            reason = f"signs: {name!r} is not an amount or quantity field listed in the columns"
            raise MappingError(reason, file=file)
        if how != "absolute":
            raise MappingError(f'signs.{name}: the only choice is "absolute"', file=file)
    return frozenset(table)


def _values(name: str, table: dict[str, str], columns: set[str], file: str) -> dict[str, str]:
    if name not in columns:
        reason = f"[values.{name}] maps values of a field that [columns] does not list"
        raise MappingError(reason, file=file)
    allowed = _allowed_values(name)
    for source, target in table.items():
        if allowed is not None and target.strip().lower() not in allowed:
            choices = ", ".join(sorted(allowed))
            reason = f"[values.{name}] {source!r}: bad {name} value {target!r} (one of {choices})"
            raise MappingError(reason, file=file)
    return {source.strip(): target.strip() for source, target in table.items()}


def _allowed_values(name: str) -> frozenset[str] | None:
    if name == "status":
        return frozenset(OrderStatus)
    if name == "sender":
        return frozenset(ChatSender)
    return TRUE_WORDS | FALSE_WORDS if name in BOOL_FIELDS else None


def _format(name: str, text: str, columns: set[str], file: str) -> str:
    if name not in TIME_FIELDS or name not in columns:
        reason = f"[formats] {name!r} is not a time field listed in [columns]"
        raise MappingError(reason, file=file)
    if "%" not in text:
        raise MappingError(f"[formats] {name}: {text!r} has no strptime directive", file=file)
    return text


def _platform(value: str, file: str) -> Platform:
    try:
        return Platform(value)
    except ValueError:
        raise MappingError(
            f"platform: {unknown_name('platform', value, Platform)}", file=file
        ) from None


def _zone(value: str | None, file: str) -> ZoneInfo | None:
    if value is None:
        return None
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise MappingError(f"timezone: unknown time zone {value!r}", file=file) from None


def _encoding(value: str, file: str) -> str:
    if value == "auto":
        return value
    try:
        codecs.lookup(value)
    except LookupError:
        raise MappingError(f"encoding: unknown encoding {value!r}", file=file) from None
    return value
