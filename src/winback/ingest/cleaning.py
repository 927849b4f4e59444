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
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

from winback.errors import DuplicateColumnError
from winback.ingest.records import MASKED, NO_CONTACT, Contact


class CellError(ValueError):
    """A cell whose text is not a value of the expected kind."""


EMPTY_MARKERS = frozenset({"", "-", "--", "null", "NULL", "Null", "None", "none", "N/A", "n/a"})
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


MAX_AMOUNT: Final = Decimal(10**12)
"""The largest amount an importer accepts (a trillion in any currency). The store keeps money
as integer hundredths in 64 bits; this leaves room for sums over millions of orders."""
MAX_COUNT: Final = 10**9
"""The largest quantity or rating an importer accepts (the store keeps 32-bit integers)."""

_CURRENCY_WORDS: Final = ("CNY", "RMB", "USD", "EUR", "GBP", "BRL", "JPY", "HKD", "AUD", "CAD")
_CURRENCY_SIGNS: Final = "元¥￥$€£"
_SIGNS: Final = "-+\u2212"
_PLAIN_NUMBER: Final = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_GROUPED: Final = {
    ".": re.compile(r"\d{1,3}(?P<sep>[, \u00a0\u202f'])\d{3}(?:(?P=sep)\d{3})*(?:\.\d*)?"),
    ",": re.compile(r"\d{1,3}(?P<sep>[. \u00a0\u202f'])\d{3}(?:(?P=sep)\d{3})*(?:,\d*)?"),
}
_PLAIN_COMMA_NUMBER: Final = re.compile(r"\d+(?:,\d*)?|,\d+")
_SCIENTIFIC: Final = re.compile(r"\d\s*[eE]\s*[+-]?\d")
_DECIMAL_COMMA: Final = re.compile(r"[\d .\u00a0\u202f']*\d,\d{1,2}")
_HUNDREDTH: Final = Decimal("0.01")


def parse_amount(cell: str, *, decimal: str = ".", signed: bool = False) -> Decimal | None:
    """A money amount (None when empty), read so that it cannot be misread.

    Currency signs and codes (``¥``, ``元``, ``USD``) come off; thousands separators are
    accepted only in groups of three (``1,299.00``, ``1 299.00``). With ``decimal=","`` (a
    file that writes decimal commas) ``1 299,00`` and ``12,50`` are read too; otherwise they
    are refused as ambiguous, as are scientific notation (``1e3``), more than 2 decimal
    places, amounts above :data:`MAX_AMOUNT` and, unless ``signed``, negative amounts.
    """
    text = clean_text(cell)
    if text is None:
        return None
    if decimal == "." and _PLAIN_NUMBER.fullmatch(text):  # nearly every cell: no sign, no mark
        negative, number = False, text
    else:
        negative, number = _split_sign(text)
    if decimal == "." and _PLAIN_NUMBER.fullmatch(number):
        canonical = number
    elif _GROUPED[decimal].fullmatch(number):
        canonical = _ungrouped(number, decimal)
    elif decimal == "," and _PLAIN_COMMA_NUMBER.fullmatch(number):
        canonical = number.replace(",", ".")
    else:
        raise CellError(_why_not_an_amount(text, number, decimal))
    value = Decimal(canonical)
    if value > MAX_AMOUNT:
        raise CellError(f"the amount {text!r} is too large (more than {MAX_AMOUNT:,})")
    if value != value.quantize(_HUNDREDTH):
        raise CellError(f"the amount {text!r} has more than 2 decimal places")
    if negative and value:
        if not signed:
            raise CellError(f"a negative amount {text!r}: this column holds no negative amounts")
        value = -value
    return value


def _split_sign(text: str) -> tuple[bool, str]:
    """``(negative, the number without sign or currency)`` of an amount cell."""
    rest = text.strip()
    negative = False
    for _ in range(2):  # a sign may come before or after a leading currency sign: -¥5, ¥-5
        if rest and rest[0] in _SIGNS:
            negative = negative or rest[0] != "+"
            rest = rest[1:].strip()
        rest = _without_currency(rest)
    return negative, rest


_EDGE: Final = rf"[\s{_CURRENCY_SIGNS}]*(?:{'|'.join(_CURRENCY_WORDS)})?[\s{_CURRENCY_SIGNS}]*"
_CURRENCY_EDGES: Final = re.compile(rf"^{_EDGE}|{_EDGE}$", re.IGNORECASE)


def _without_currency(text: str) -> str:
    """``text`` without currency signs, codes and spaces at either end (``¥ 5``, ``5 USD``)."""
    return _CURRENCY_EDGES.sub("", text)


def _ungrouped(number: str, decimal: str) -> str:
    digits = re.sub(r"[^\d" + re.escape(decimal) + "]", "", number)
    return digits.replace(",", ".") if decimal == "," else digits


def _why_not_an_amount(text: str, number: str, decimal: str) -> str:
    if _SCIENTIFIC.search(number):
        return (
            f"the amount {text!r} is in scientific notation: a spreadsheet changed it "
            "(export the column as text or as a plain number)"
        )
    if decimal == "." and _DECIMAL_COMMA.fullmatch(number):
        return (
            f"the amount {text!r} is ambiguous: it looks like a decimal comma; if this file "
            'writes decimal commas, say so (decimal = ",") and it will be read as one'
        )
    if any(sep in number for sep in ",. \u00a0\u202f'") and re.fullmatch(
        r"[\d,. '\u00a0\u202f]+", number
    ):
        return f"the amount {text!r} has thousands separators in the wrong places"
    return f"not an amount: {text!r}"


def parse_int(cell: str, *, signed: bool = False) -> int | None:
    """A whole number such as a quantity (``2``, ``2.0``, ``2件``); negative only when
    ``signed``, never in scientific notation or above :data:`MAX_COUNT`."""
    text = clean_text(cell)
    if text is None:
        return None
    compact = text.removesuffix("件").removesuffix("个").strip()
    body = compact[1:] if compact and compact[0] in "-+" else compact
    if not _PLAIN_NUMBER.fullmatch(body):
        reason = " (scientific notation)" if _SCIENTIFIC.search(body) else ""
        raise CellError(f"not a whole number: {text!r}{reason}")
    value = Decimal(body)
    if value != value.to_integral_value():
        raise CellError(f"not a whole number: {text!r}")
    if value > MAX_COUNT:
        raise CellError(f"the number {text!r} is too large (more than {MAX_COUNT:,})")
    if compact.startswith("-") and value:
        if not signed:
            raise CellError(f"a negative number {text!r}: this column holds none")
        value = -value
    return int(value)


# Spreadsheets write the exponent with its sign (2.1E+18): hex ids (3e5a…) never have one.
_SCIENTIFIC_ID: Final = re.compile(r"[+-]?\d+(?:\.\d+)?[eE][+-]\d+")
_DECIMAL_ID: Final = re.compile(r"\d+\.0+")
_AS_TEXT: Final = (
    "Export the file again and import it without opening it in Excel, or open it in Excel "
    "with that column imported as text (Data > From Text/CSV > the column > Text)"
)


def parse_id(cell: str) -> str | None:
    """An id (order, line, product, customer) as text; None when empty.

    Refuses the two shapes a spreadsheet gives long ids it read as numbers:
    ``2.10000001215793E+18`` (scientific notation, the last digits lost) and ``1234.0``.
    Either would create an order that does not exist.
    """
    text = clean_text(cell)
    if text is None:
        return None
    if _SCIENTIFIC_ID.fullmatch(text):
        raise CellError(
            f"the id {text!r} is a number in scientific notation: Excel changed it and its "
            f"last digits are lost. {_AS_TEXT}"
        )
    if _DECIMAL_ID.fullmatch(text):
        raise CellError(
            f"the id {text!r} is written as a decimal number: a spreadsheet or script read "
            f"the ids as numbers, and long ids lose their last digits that way. {_AS_TEXT}"
        )
    return text


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


@dataclass(frozen=True)
class DateWindow:
    """The dates an import accepts: from ``earliest`` up to, not including, ``latest``, read
    in the store's zone. A date outside it (``0001-01-01``, a year typed as ``2206``) is a
    broken cell, rejected with its row and column, never stored."""

    earliest: date
    latest: date

    def admits(self, value: datetime, tz: ZoneInfo) -> bool:
        """Whether the instant ``value`` falls in the window (its edges at midnight in ``tz``)."""
        day = value.date()
        if not self.earliest - _DAY <= day <= self.latest + _DAY:
            return False  # far outside: no zone arithmetic (year 1 has no UTC instant before it)
        earliest, latest = self.instants(tz)
        return earliest <= value < latest

    def instants(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The window's edges as aware datetimes in ``tz``."""
        return datetime.combine(self.earliest, time(), tz), datetime.combine(
            self.latest, time(), tz
        )

    def describe(self) -> str:
        return f"{self.earliest.isoformat()} to {(self.latest - _DAY).isoformat()}"


@lru_cache(maxsize=64)
def _edges(window: DateWindow, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return (
        datetime.combine(window.earliest, time(), tz),
        datetime.combine(window.latest, time(), tz),
    )


_DAY: Final = timedelta(days=1)
PLAUSIBLE_DATES: Final = DateWindow(date(2003, 1, 1), date(2100, 1, 1))
"""The default window: no export of an online shop is dated before 2003 (Taobao opened that
year) or after 2099. A setting may widen it (old CDNOW-style data) or narrow it."""


def parse_datetime(
    cell: str, tz: ZoneInfo, fmt: str | None = None, *, window: DateWindow = PLAUSIBLE_DATES
) -> datetime | None:
    """An aware datetime inside ``window``. Naive export times are in the store's zone ``tz``;
    times with an offset (ISO 8601, Shopify's ``2024-01-31 13:45:07 +0800``) keep it."""
    text = clean_text(cell)
    if text is None:
        return None
    value = _read_datetime(text, tz, fmt)
    if not window.admits(value, tz):
        raise CellError(f"the date {text!r} is outside the accepted dates {window.describe()}")
    return value


def _read_datetime(text: str, tz: ZoneInfo, fmt: str | None) -> datetime:
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


def map_headers(
    headers: Sequence[str], aliases: Mapping[str, Sequence[str]], *, file: str | None = None
) -> HeaderMap:
    """Match ``headers`` against ``aliases`` (field → accepted header names, first wins).

    Matching ignores case and surrounding white space (Taobao headers carry trailing spaces).
    A header that no alias claims is reported as unmapped. A claimed header that appears
    twice raises :class:`~winback.errors.DuplicateColumnError` naming both columns: reading
    the first one silently could read the wrong one.
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
    for position in positions.values():
        _refuse_twice(headers, position, file)
    claimed = set(positions.values())
    unmapped = [
        header.strip()
        for position, header in enumerate(headers)
        if position not in claimed and header.strip()
    ]
    return HeaderMap(positions, unmapped)


def _refuse_twice(headers: Sequence[str], position: int, file: str | None) -> None:
    wanted = normalise_header(headers[position])
    again = [
        other
        for other, header in enumerate(headers)
        if other != position and normalise_header(header) == wanted
    ]
    if again:
        name = headers[position].strip()
        raise DuplicateColumnError(
            f"the header {name!r} is on columns {position + 1} and {again[0] + 1}: winback "
            "cannot tell which one to read; rename or remove one of them",
            file=file,
            column=name,
        )
