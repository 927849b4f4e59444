"""Uniform numbers for the per-record loops, drawn from a seeded Generator in blocks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")


class Dice:
    """Uniform numbers drawn in blocks: a scalar Generator call per chat line is too slow."""

    def __init__(self, rng: np.random.Generator, expected_uses: int) -> None:
        self._rng = rng
        self._block = max(1024, expected_uses * 4)
        self._values: list[float] = []
        self._next = 0

    def uniform(self) -> float:
        if self._next >= len(self._values):
            self._values = self._rng.random(self._block).tolist()
            self._next = 0
        value = self._values[self._next]
        self._next += 1
        return value

    def between(self, low: int, high: int) -> int:
        """An integer in ``[low, high)``."""
        return low + int(self.uniform() * (high - low))

    def chance(self, probability: float) -> bool:
        return self.uniform() < probability

    def pick(self, options: Sequence[T]) -> T:
        return options[self.between(0, len(options))]
