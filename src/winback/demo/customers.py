"""Customer records: every buyer the demo mentions, with their consent per channel.

Platform exports mask buyer contacts, so most customers have masked phones and unknown
consent. A minority are CRM members who gave a phone number (and sometimes an email) with an
explicit opt-in when they joined the membership: only those can be messaged directly.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt

from winback.demo.buyers import buyer_handles, masked_nick, provinces
from winback.demo.calendar import ShopPlan
from winback.demo.orders import CHINESE_PLATFORMS
from winback.ingest.records import MASKED, Contact, CustomerRecord
from winback.model import Platform

MEMBER_PHONE_SHARE: Final = 0.25
MEMBER_EMAIL_SHARE: Final = 0.12
NEW_BUYER_PHONE_SHARE: Final = 0.03
_MOBILE_PREFIXES: Final = ("138", "139", "150", "158", "186", "187", "135", "177")


def build_customers(
    *,
    plan: ShopPlan,
    platform: Platform,
    customers: npt.NDArray[np.int64],
    first_seen: dict[int, datetime],
    prior_members: int,
    rng: np.random.Generator,
) -> list[CustomerRecord]:
    """One record per customer number; ``first_seen`` gives the first order or visit."""
    numbers = np.unique(customers)
    u_phone, u_email = rng.random(len(numbers)), rng.random(len(numbers))
    joined_days_ago = rng.integers(30, 700, len(numbers))
    start = plan.to_local(0)
    member = numbers < prior_members
    phone_ok = (u_phone < np.where(member, MEMBER_PHONE_SHARE, NEW_BUYER_PHONE_SHARE)).tolist()
    email_ok = (member & (u_email < MEMBER_EMAIL_SHARE)).tolist()
    handles = [f"tb_{n}" for n in buyer_handles(numbers).tolist()]
    regions = provinces(numbers)
    joined = [start - timedelta(days=days) for days in joined_days_ago.tolist()]
    records: list[CustomerRecord] = []
    if platform not in CHINESE_PLATFORMS:  # a web shop has every buyer's email
        email_ok = (u_email < 0.4).tolist()
    for k, (number, is_member) in enumerate(zip(numbers.tolist(), member.tolist(), strict=True)):
        handle = handles[k]
        created = joined[k] if is_member else first_seen.get(number, start)
        records.append(
            CustomerRecord(
                platform=platform,
                customer_id=handle,
                name=masked_nick(handle),
                phone=Contact(value=_phone(number)) if phone_ok[k] else MASKED,
                email=_email(platform, handle, email_ok[k]),
                accepts_sms_marketing=True if phone_ok[k] else None,
                accepts_email_marketing=True if email_ok[k] else None,
                created_at=created,
                region=regions[k],
                tags=("店铺会员",) if is_member else (),
            )
        )
    return records


def _email(platform: Platform, handle: str, consented: bool) -> Contact:
    if consented or platform not in CHINESE_PLATFORMS:
        return Contact(value=f"{handle}@example.com")
    return Contact()


def _phone(number: int) -> str:
    prefix = _MOBILE_PREFIXES[number % len(_MOBILE_PREFIXES)]
    return f"{prefix}{(number * 7_919 + 12_345) % 100_000_000:08d}"
