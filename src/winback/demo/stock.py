"""Stock per SKU at the start of every day and at the export instant.

Levels follow the orders that were paid: a SKU that runs out (see
:mod:`winback.demo.stockouts`) started with just what sold before it ran out, shows 0 while it
is out, and after a restock counts down from the restocked quantity. Other SKUs start with a
season's cover and count down.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from winback.demo.calendar import DAY, NEVER, ShopPlan
from winback.demo.catalogue import Catalogue
from winback.demo.draws import OrderDraws
from winback.demo.orders import local_times
from winback.demo.scenarios import Scenario
from winback.demo.status import Resolution
from winback.demo.stockouts import Stockouts
from winback.ingest.records import StockRecord
from winback.model import Platform

I64 = npt.NDArray[np.int64]


def build_stock(
    *,
    plan: ShopPlan,
    platform: Platform,
    catalogue: Catalogue,
    draws: OrderDraws,
    resolution: Resolution,
    stockouts: Stockouts,
    rng: np.random.Generator,
    cutoff: int,
) -> list[StockRecord]:
    moments = np.unique(np.append(np.arange(plan.days + 1, dtype=np.int64) * DAY, cutoff))
    moments = moments[moments <= cutoff]
    sku, at, units = _sales(draws, resolution, stockouts)
    levels = _levels(rng, catalogue, stockouts, sku, at, units, moments)
    times = local_times(plan, moments)
    records: list[StockRecord] = []
    for s in range(catalogue.sku_count):
        product = int(catalogue.sku_product[s])
        attributes = {"colour": catalogue.sku_colour[s], "size": catalogue.sku_size[s]}
        for m, moment in enumerate(times):
            if moment is None:
                continue
            records.append(
                StockRecord(
                    platform=platform,
                    sku=catalogue.sku_codes[s],
                    quantity=int(levels[s, m]),
                    at=moment,
                    product_id=catalogue.product_ids[product],
                    title=catalogue.titles[product],
                    attributes=attributes,
                )
            )
    return records


def _sales(draws: OrderDraws, resolution: Resolution, stockouts: Stockouts) -> tuple[I64, I64, I64]:
    """SKU, time and units of every line that left the warehouse's count (paid, in stock)."""
    paid = resolution.index[resolution.paid < NEVER]
    paid = paid[draws.scenario[paid] != Scenario.STOCKOUT]
    counts = draws.line_count[paid]
    lines = np.repeat(draws.line_start[paid] - (np.cumsum(counts) - counts), counts) + np.arange(
        counts.sum()
    )
    at = np.repeat(draws.created[paid], counts)
    sku = draws.line_sku[lines]
    in_stock = ~stockouts.hits(sku, at)
    return sku[in_stock], at[in_stock], draws.line_quantity[lines][in_stock]


def _levels(
    rng: np.random.Generator,
    catalogue: Catalogue,
    stockouts: Stockouts,
    sku: I64,
    at: I64,
    units: I64,
    moments: I64,
) -> npt.NDArray[np.int64]:
    slot = np.searchsorted(moments, at, side="right")  # sold before moments[slot:]
    sold = np.zeros((catalogue.sku_count, len(moments) + 1), dtype=np.int64)
    np.add.at(sold, (sku, slot), units)
    sold_by = np.cumsum(sold, axis=1)[:, : len(moments)]  # units sold before each moment
    total = sold_by[:, -1] if len(moments) else np.zeros(catalogue.sku_count, dtype=np.int64)
    cover = (total * rng.uniform(1.3, 2.5, catalogue.sku_count)).astype(np.int64) + 20
    levels = cover[:, None] - sold_by
    for s in np.flatnonzero(stockouts.out_at < NEVER).tolist():
        out, back = int(stockouts.out_at[s]), int(stockouts.restocked_at[s])
        before_out = int(units[(sku == s) & (at < out)].sum())
        after_back = int(units[(sku == s) & (at >= back)].sum())
        restock = after_back + int(rng.integers(30, 80))
        sold_since_back = sold_by[s] - int(units[(sku == s) & (at < back)].sum())
        levels[s] = np.where(
            moments < out,
            before_out - sold_by[s],
            np.where(moments < back, 0, restock - sold_since_back),
        )
    return np.asarray(levels, dtype=np.int64)
