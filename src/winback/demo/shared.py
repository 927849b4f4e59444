"""The order world both the simulator and the benchmark table are built from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from winback.demo.calendar import ShopPlan
from winback.demo.catalogue import Catalogue, build_catalogue
from winback.demo.draws import OrderDraws, draw_orders
from winback.demo.status import Resolution, resolve
from winback.demo.stockouts import Stockouts, draw_stockouts


@dataclass(frozen=True)
class OrderWorld:
    """Catalogue, stockouts and the order draws of one seed and plan."""

    catalogue: Catalogue
    stockouts: Stockouts
    draws: OrderDraws

    def resolve(self, cutoff: int) -> Resolution:
        return resolve(self.draws, cutoff)


def draw_world(seed: int, plan: ShopPlan) -> OrderWorld:
    """All order draws of ``seed``, from the stream ``default_rng([seed, 0])``."""
    rng = np.random.default_rng([seed, 0])
    catalogue = build_catalogue()
    stockouts = draw_stockouts(rng, catalogue, plan)
    draws = draw_orders(rng, plan, catalogue, stockouts, plan.orders_per_day)
    return OrderWorld(catalogue=catalogue, stockouts=stockouts, draws=draws)
