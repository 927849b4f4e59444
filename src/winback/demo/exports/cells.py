"""How the Chinese platforms write values into export cells (shared by the demo writers).

Amounts are plain numbers with two decimals, times are naive local times in the shop's
zone, and masked personal data looks the way the platforms mask it (``138****5678``,
``浙江省 ****``, ``##…`` ciphertext).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from winback.ingest.records import Contact

SHANGHAI = "Asia/Shanghai"


def shop_zone(tz: ZoneInfo | None) -> ZoneInfo:
    """The zone export times are written in: the given one, else Beijing time."""
    return tz if tz is not None else ZoneInfo(SHANGHAI)


def money(value: Decimal | None, *, empty: str = "") -> str:
    """``128.00``: two decimals (more only when the amount has them)."""
    if value is None:
        return empty
    return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else format(value, "f")


def local_time(value: datetime | None, tz: ZoneInfo, *, empty: str = "") -> str:
    """``2016-07-30 12:34:56`` in the shop's zone."""
    if value is None:
        return empty
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def excel_id(value: str, quirks: bool) -> str:
    """A long id guarded the way Taobao guards it against Excel: ``="2016…"``."""
    return f'="{value}"' if quirks else value


def masked_phone(seed: str) -> str:
    """A phone number masked as the platforms show it: ``138****5678``."""
    digits = "".join(ch for ch in seed if ch.isdigit()).rjust(4, "0")
    return f"138****{digits[-4:]}"


def ciphertext(seed: str) -> str:
    """An encrypted contact as Douyin and Pinduoduo show it: ``##`` and hex digits."""
    return "##" + hashlib.sha256(seed.encode()).hexdigest()[:24].upper()


def masked_address(region: str | None) -> str:
    """An address masked after the province: ``浙江省 ****``."""
    return f"{region} ****" if region else "****"


def contact_cell(contact: Contact, masked: str, *, empty: str = "") -> str:
    """A contact's value, its masked form, or ``empty``."""
    if contact.masked:
        return masked
    return contact.value if contact.value is not None else empty


def write_csv(
    path: Path, headers: Sequence[str], rows: Iterable[Sequence[str]], *, encoding: str
) -> None:
    """Stream ``rows`` to a CSV file (Excel dialect, CRLF, the given encoding)."""
    with path.open("w", encoding=encoding, newline="", errors="strict") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
