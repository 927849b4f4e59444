"""Which variants run out, and when: the broken sizes and colours of seed 002.

A stockout is a window of shop seconds per SKU. Orders whose first item falls in its SKU's
window are the ones the shop loses to 缺货: the listing still showed stock (the platform's
count is not synced with the warehouse), so the order is placed and then closed or cancelled.
MK103410's best colours in the middle sizes always run out in the second half of the period and
are not restocked before the export, like the seed's 货号 MK103410.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from winback.demo.calendar import DAY, NEVER, ShopPlan
from winback.demo.catalogue import FLAGSHIP_ITEM, Catalogue

OTHER_STOCKOUTS: Final = 18
_FLAGSHIP_VARIANTS: Final = ((1, "M"), (1, "L"), (2, "M"))  # (colour number, size)


@dataclass(frozen=True)
class Stockouts:
    """Per SKU: the shop second it ran out and the one it was restocked (NEVER if not)."""

    out_at: npt.NDArray[np.int64]
    restocked_at: npt.NDArray[np.int64]

    def hits(self, sku: npt.NDArray[np.int64], at: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Whether an order for ``sku`` placed ``at`` finds the SKU out of stock."""
        return np.asarray((self.out_at[sku] <= at) & (at < self.restocked_at[sku]), dtype=np.bool_)


def draw_stockouts(rng: np.random.Generator, catalogue: Catalogue, plan: ShopPlan) -> Stockouts:
    out_at = np.full(catalogue.sku_count, NEVER, dtype=np.int64)
    restocked_at = np.full(catalogue.sku_count, NEVER, dtype=np.int64)
    period = plan.end_seconds
    for sku in _flagship_skus(catalogue):
        out_at[sku] = int(period * rng.uniform(0.45, 0.6))
    popular = _popular_skus(catalogue, exclude=out_at < NEVER)
    chosen = rng.choice(popular, size=min(OTHER_STOCKOUTS, len(popular)), replace=False)
    starts = rng.uniform(0.05, 0.85, size=len(chosen)) * period
    lengths = rng.uniform(3, 14, size=len(chosen)) * DAY
    out_at[chosen] = starts.astype(np.int64)
    ends = (starts + lengths).astype(np.int64)
    never_back = rng.random(len(chosen)) < 0.25
    restocked_at[chosen] = np.where(never_back | (ends >= period), NEVER, ends)
    return Stockouts(out_at=out_at, restocked_at=restocked_at)


def _flagship_skus(catalogue: Catalogue) -> list[int]:
    prefix = FLAGSHIP_ITEM
    wanted = {f"{prefix}-{colour:02d}-{size}" for colour, size in _FLAGSHIP_VARIANTS}
    return [index for index, code in enumerate(catalogue.sku_codes) if code in wanted]


def _popular_skus(catalogue: Catalogue, exclude: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """The best-selling fifth of SKUs among the twelve best-selling products."""
    candidates = np.flatnonzero((catalogue.sku_product < 12) & ~exclude)
    weights = catalogue.sku_weight[candidates]
    keep = weights >= np.quantile(weights, 0.6)
    return np.asarray(candidates[keep], dtype=np.int64)
