"""Who buys: a pool of earlier members plus new buyers, some of whom come back.

About a quarter of orders come from returning buyers: half from members who bought before the
simulated period (the shop's CRM knows them), half from buyers first seen earlier in the
period, chosen with a bias to recent ones so short repeat gaps are more common than long ones
(fashion buyers return within a season, seed 004).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

RETURNING_SHARE: Final = 0.24
MEMBER_SHARE_OF_RETURNING: Final = 0.5
PRIOR_MEMBERS_PER_ORDER: Final = 0.3
_HANDLE_STEP: Final = 7_654_321  # coprime with 9e9, so handles never collide
_SURNAMES: Final = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡"
_PROVINCES: Final = (
    ("广东省", 14), ("浙江省", 11), ("江苏省", 10), ("上海", 7), ("北京", 6), ("山东省", 7),
    ("四川省", 6), ("福建省", 5), ("河南省", 5), ("湖北省", 5), ("湖南省", 4), ("安徽省", 4),
    ("河北省", 4), ("辽宁省", 3), ("陕西省", 3), ("重庆", 3), ("天津", 2), ("云南省", 2),
    ("广西壮族自治区", 2), ("江西省", 2), ("黑龙江省", 2), ("新疆维吾尔自治区", 1),
)  # fmt: skip
REMOTE_PROVINCES: Final = frozenset({"新疆维吾尔自治区"})


@dataclass(frozen=True)
class BuyerDraws:
    """Per order: the buyer's number and whether they had bought before."""

    customer: npt.NDArray[np.int64]
    returning: npt.NDArray[np.bool_]
    prior_members: int
    """Customers ``0 .. prior_members-1`` bought before the period."""


def assign_buyers(rng: np.random.Generator, order_count: int) -> BuyerDraws:
    """Buyers for ``order_count`` orders sorted by creation time."""
    members = max(50, int(order_count * PRIOR_MEMBERS_PER_ORDER))
    returning = rng.random(order_count) < RETURNING_SHARE
    from_members = returning & (rng.random(order_count) < MEMBER_SHARE_OF_RETURNING)
    new = ~returning
    new_before: npt.NDArray[np.int64] = np.cumsum(new) - new  # new buyers before each order
    repeat = returning & ~from_members & (new_before > 0)
    from_members |= returning & ~repeat

    customer = np.empty(order_count, dtype=np.int64)
    customer[new] = members + new_before[new]
    # Loyal members buy more often than others: a skewed draw over the member list.
    customer[from_members] = (members * rng.random(int(from_members.sum())) ** 2).astype(np.int64)
    # Recent buyers come back sooner: u**3 concentrates on the last ones seen.
    recency = rng.random(int(repeat.sum())) ** 3
    customer[repeat] = (
        members + new_before[repeat] - 1 - (new_before[repeat] * recency).astype(np.int64)
    )
    return BuyerDraws(customer=customer, returning=returning, prior_members=members)


def buyer_handles(customers: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The number in each buyer's stable handle ``tb_<number>`` (10 digits, unique)."""
    return (customers * _HANDLE_STEP + 1_234_567_891) % 9_000_000_000 + 1_000_000_000


def handle_of(customer: int) -> str:
    return f"tb_{(customer * _HANDLE_STEP + 1_234_567_891) % 9_000_000_000 + 1_000_000_000}"


def masked_nick(handle: str) -> str:
    """How newer Taobao exports show a nick: first and last character only (``t***3``)."""
    return f"{handle[0]}***{handle[-1]}"


def masked_receiver(customer: int) -> str:
    return f"{_SURNAMES[(customer * 31 + 7) % len(_SURNAMES)]}**"


def province_of(customer: int) -> str:
    return provinces(np.array([customer], dtype=np.int64))[0]


def provinces(customers: npt.NDArray[np.int64]) -> list[str]:
    """Each buyer's province (a fixed function of the buyer, so every record agrees)."""
    names = [name for name, _ in _PROVINCES]
    return [names[i] for i in _province_index(customers).tolist()]


def _province_index(customers: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    weights = np.array([weight for _, weight in _PROVINCES])
    slot = (customers * 2_654_435_761) % int(weights.sum())
    return np.asarray(np.searchsorted(np.cumsum(weights), slot, side="right"), dtype=np.int64)


def remote_buyers(customers: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Buyers in provinces where the shop charges postage (not 包邮)."""
    index = _province_index(customers)
    remote = np.array([name in REMOTE_PROVINCES for name, _ in _PROVINCES])
    return np.asarray(remote[index], dtype=np.bool_)
