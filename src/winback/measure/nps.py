"""The Net Promoter Score and its interval (PRODUCT M3; docs/nps.md).

An answer is a score from 0 to 10 to "how likely are you to recommend us to a friend?":
9–10 is a **promoter**, 7–8 a **passive**, 0–6 a **detractor** (Reichheld, "The One Number
You Need to Grow", Harvard Business Review, December 2003). NPS = % promoters − %
detractors, from −100 to +100.

The interval is the Wald interval with the standard (trinomial) variance of a difference of
two proportions of one sample: with ``p`` promoters and ``d`` detractors among ``n``,
``Var(NPS) = (p + d − (p − d)²) / n`` (in proportions; ×100 for points), and the 95%
interval is ``NPS ± 1.96·√Var``, clipped to [−100, 100]. It is exact enough from about 30
answers; below that (and when every answer is in one group, where the variance is 0) the
report says the answers are few (``few`` is true) rather than trust it: Rocks (2016,
"Interval estimation for the 'net promoter score'", The American Statistician 70(4)) shows
the Wald interval's coverage falls short on small samples.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["FEW_ANSWERS", "NpsScore", "group_of", "nps"]

FEW_ANSWERS: Final = 30
_Z95: Final = 1.959963984540054


def group_of(score: int) -> str:
    """``promoter`` (9–10), ``passive`` (7–8) or ``detractor`` (0–6)."""
    if not 0 <= score <= 10:
        raise ValueError(f"an NPS score is 0 to 10, not {score}")
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


@dataclass(frozen=True, slots=True)
class NpsScore:
    """NPS of ``answers`` answers with its 95% interval (points); None without answers."""

    answers: int
    promoters: int
    passives: int
    detractors: int
    score: float | None
    low: float | None
    high: float | None

    @property
    def few(self) -> bool:
        """Too few answers (or all in one group) for the interval to be trusted."""
        return self.answers < FEW_ANSWERS or (self.low is not None and self.low == self.high)

    def to_dict(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "promoters": self.promoters,
            "passives": self.passives,
            "detractors": self.detractors,
            "nps": _round(self.score),
            "low": _round(self.low),
            "high": _round(self.high),
            "few": self.few,
        }


def nps(scores: Iterable[int]) -> NpsScore:
    """The NPS of ``scores`` and its 95% Wald interval (see the module docstring)."""
    groups = {"promoter": 0, "passive": 0, "detractor": 0}
    for score in scores:
        groups[group_of(int(score))] += 1
    n = sum(groups.values())
    if n == 0:
        return NpsScore(0, 0, 0, 0, None, None, None)
    p, d = groups["promoter"] / n, groups["detractor"] / n
    value = p - d
    spread = _Z95 * math.sqrt(max(p + d - value * value, 0.0) / n)
    return NpsScore(
        n,
        groups["promoter"],
        groups["passive"],
        groups["detractor"],
        100 * value,
        100 * max(value - spread, -1.0),
        100 * min(value + spread, 1.0),
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
