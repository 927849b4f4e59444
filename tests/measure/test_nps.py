"""The NPS and its Wald interval (docs/nps.md), pinned to hand-computed values and checked
for its invariants on any answers."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from winback.measure.nps import FEW_ANSWERS, group_of, nps


def test_the_groups_are_reichhelds_0_to_6_7_to_8_and_9_to_10() -> None:
    assert [group_of(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor", "detractor", "passive", "passive", "promoter", "promoter",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="0 to 10"):
        group_of(11)


def test_the_score_and_interval_match_the_trinomial_variance_by_hand() -> None:
    # 50 promoters, 30 passives, 20 detractors: NPS 30; Var = (0.5 + 0.2 - 0.09) / 100
    found = nps([10] * 50 + [7] * 30 + [3] * 20)
    half = 1.959963984540054 * math.sqrt(0.61 / 100) * 100
    assert found.score == pytest.approx(30.0)
    assert found.low == pytest.approx(30 - half) and found.high == pytest.approx(30 + half)
    assert round(half, 1) == 15.3
    assert not found.few
    assert found.to_dict()["nps"] == 30.0


def test_no_answers_have_no_score_and_one_group_only_is_flagged_few() -> None:
    assert nps([]).score is None and nps([]).few
    everyone = nps([10] * (FEW_ANSWERS + 5))
    assert everyone.score == 100.0 and everyone.low == everyone.high == 100.0 and everyone.few


@given(st.lists(st.integers(0, 10), min_size=1, max_size=300))
def test_the_interval_holds_the_score_and_stays_within_the_scale(scores: list[int]) -> None:
    found = nps(scores)
    assert found.promoters + found.passives + found.detractors == len(scores)
    assert found.score is not None and found.low is not None and found.high is not None
    assert -100 <= found.low <= found.score <= found.high <= 100
    assert found.score == pytest.approx(100 * (found.promoters - found.detractors) / len(scores))
