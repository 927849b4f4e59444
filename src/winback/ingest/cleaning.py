"""Turn the text cells of platform exports into clean values.

The quirks handled here come from real exports:

* Excel guards: ``="20160730123456789"``, a leading ``'`` or tab (Douyin prefixes every cell
  with a tab so that Excel keeps long ids as text).
* Empty markers: ``-``, ``null``, ``NULL``, ``None``, ``无`` and blank cells mean "no value".
* Amounts as text: ``128.00元``, ``￥1,299.00``, ``$12.50``, ``1 299,00`` is *not* guessed.
* Masked personal data: ``138****5678``, ``##Gx8sQ…`` (encrypted), ``$$…$$`` — kept as
  *masked*, never as a value.
* Variant attributes: ``颜色分类：白色;尺码：M`` → ``{"colour": "白色", "size": "M"}``.

Each function raises :class:`CellError` with a reason; the importer turns it into a
rejection naming the file, row and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from winback.ingest.records import MASKED, NO_CONTACT, Contact


class CellError(ValueError):
    """A cell whose text is not a value of the expected kind."""


EMPTY_MARKERS = frozenset({"", "-", "--", "null", "NULL", "Null", "None", "none", "N/A", "n/a"})
_CURRENCY_MARKS = str.maketrans("", "", "元¥￥$€£, \u00a0\u3000")
_GUARD_STARTS = frozenset({"=", "'"})  # a leading tab goes with the padding
_MASK_RE = re.compile(r"\*{3,}|^#{2}|^\${2}")


def clean_text(cell: str) -> str | None:
    """The cell's text without Excel guards and padding, or None for an empty marker.

    Guards are removed until none is left (``' ="x"`` → ``x``), so cleaning is idempotent.
    """
    text = cell.strip()
    while text[:1] in _GUARD_STARTS:
        before = text
        if text.startswith('="') and text.endswith('"'):
            text = text[2:-1].strip()
        text = text.lstrip("'\t").strip()
        if text == before:
            break
    return None if text in EMPTY_MARKERS else text


def parse_amount(cell: str) -> Decimal | None:
    """A money amount (None when empty). Currency marks, ``元`` and thousands commas go."""
    text = clean_text(cell)
    if text is None:
        return None
    compact = text.translate(_CURRENCY_MARKS)
    if compact.upper().startswith(("CNY", "RMB", "USD", "EUR")):
        compact = compact[3:]
    try:
        value = Decimal(compact)
    except InvalidOperation:
        raise CellError(f"not an amount: {text!r}") from None
    if not value.is_finite():
        raise CellError(f"not an amount: {text!r}")
    return value


def parse_int(cell: str) -> int | None:
    """A whole number such as a quantity (``2``, ``2.0``, ``2件``)."""
    text = clean_text(cell)
    if text is None:
        return None
    compact = text.removesuffix("件").removesuffix("个").strip()
    try:
        value = Decimal(compact)
    except InvalidOperation:
        raise CellError(f"not a whole number: {text!r}") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise CellError(f"not a whole number: {text!r}")
    return int(value)


_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y-%m-%d %H:%M:%S %z",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
)


def parse_datetime(cell: str, tz: ZoneInfo, fmt: str | None = None) -> datetime | None:
    """An aware datetime. Naive export times are in the store's zone ``tz``; times with an
    offset (ISO 8601, Shopify's ``2024-01-31 13:45:07 +0800``) keep it."""
    text = clean_text(cell)
    if text is None:
        return None
    if fmt is not None:
        return _aware(_strptime(text, fmt), tz)
    try:
        return _aware(datetime.fromisoformat(text.replace("/", "-")), tz)
    except ValueError:
        pass
    for candidate in _DATETIME_FORMATS:
        try:
            return _aware(datetime.strptime(text, candidate), tz)  # noqa: DTZ007 (zone added)
        except ValueError:
            continue
    raise CellError(f"not a date and time: {text!r}")


def _strptime(text: str, fmt: str) -> datetime:
    try:
        return datetime.strptime(text, fmt)  # noqa: DTZ007 (the caller adds the zone)
    except ValueError:
        raise CellError(f"not a date and time in the form {fmt!r}: {text!r}") from None


def _aware(value: datetime, tz: ZoneInfo) -> datetime:
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def is_masked(text: str) -> bool:
    """Whether a contact value is masked or encrypted by the platform."""
    return bool(_MASK_RE.search(text))


def parse_contact(cell: str) -> Contact:
    """A phone, email or address cell: a usable value, masked, or absent."""
    text = clean_text(cell)
    if text is None:
        return NO_CONTACT
    return MASKED if is_masked(text) else Contact(value=text)


_ATTRIBUTE_KEYS = {
    "颜色分类": "colour",
    "颜色": "colour",
    "主要颜色": "colour",
    "color": "colour",
    "colour": "colour",
    "尺码": "size",
    "尺寸": "size",
    "参考身高": "size",
    "size": "size",
}
_PAIR_SPLIT = re.compile(r"[;；]")
_KEY_SPLIT = re.compile(r"[:：]")


def parse_attributes(cell: str) -> dict[str, str]:
    """``颜色分类：白色;尺码：M`` → ``{"colour": "白色", "size": "M"}``; other keys kept."""
    text = clean_text(cell)
    if text is None:
        return {}
    attributes: dict[str, str] = {}
    for pair in _PAIR_SPLIT.split(text):
        key, _, value = (part.strip() for part in _split_pair(pair))
        if key and value:
            attributes[_ATTRIBUTE_KEYS.get(key.lower(), key)] = value
    return attributes


def _split_pair(pair: str) -> tuple[str, str, str]:
    parts = _KEY_SPLIT.split(pair, maxsplit=1)
    return (parts[0], ":", parts[1]) if len(parts) == 2 else ("", "", "")


def normalise_header(header: str) -> str:
    """A header as compared with alias tables: BOM, zero-width and outer white space gone."""
    return header.replace("\ufeff", "").replace("\u200b", "").strip().strip("\t").lower()


@dataclass(frozen=True)
class HeaderMap:
    """Which column holds which canonical field, found through an alias table."""

    positions: dict[str, int]
    unmapped: list[str]

    def has(self, field: str) -> bool:
        return field in self.positions

    def missing(self, required: Iterable[str]) -> list[str]:
        return [name for name in required if name not in self.positions]


def map_headers(headers: Sequence[str], aliases: Mapping[str, Sequence[str]]) -> HeaderMap:
    """Match ``headers`` against ``aliases`` (field → accepted header names, first wins).

    Matching ignores case and surrounding white space (Taobao headers carry trailing spaces).
    A header that no alias claims is reported as unmapped.
    """
    index: dict[str, int] = {}
    for position, header in enumerate(headers):
        index.setdefault(normalise_header(header), position)
    positions: dict[str, int] = {}
    for field, names in aliases.items():
        for name in names:
            found = index.get(normalise_header(name))
            if found is not None:
                positions[field] = found
                break
    claimed = set(positions.values())
    unmapped = [
        header.strip()
        for position, header in enumerate(headers)
        if position not in claimed and header.strip()
    ]
    return HeaderMap(positions, unmapped)
