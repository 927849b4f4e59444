"""The demo's after-sale buyers: assumptions that add up, draws that depend on the action
alone, and a line that names every assumption."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from winback.demo.after_sale_responses import (
    NPS_ANSWER_RATE,
    REASON_MIX,
    SAVE_ANSWER_RATE,
    SCORE_SHARES,
    after_sale_assumptions,
    save_draw,
    survey_draw,
)

REACHED = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_the_reason_mix_and_the_score_shares_are_distributions() -> None:
    assert sum(REASON_MIX.values()) == pytest.approx(1)
    assert len(SCORE_SHARES) == 11 and sum(SCORE_SHARES) == pytest.approx(1)


def test_an_answer_depends_on_the_seed_and_the_action_alone_and_comes_after_the_message() -> None:
    keys = [f"order:{n}:cancel_save:1" for n in range(2000)]
    draws = [save_draw(2, key, REACHED) for key in keys]
    assert draws == [save_draw(2, key, REACHED) for key in keys]
    answered = [d for d in draws if d.answer_at is not None]
    assert all(d.answer_at is not None and d.answer_at > REACHED for d in answered)
    assert len(answered) / len(draws) == pytest.approx(SAVE_ANSWER_RATE, abs=0.04)
    surveys = [survey_draw(2, key.replace("cancel_save", "nps"), REACHED) for key in keys]
    assert {s.score for s in surveys} <= set(range(11))
    rate = sum(s.answer_at is not None for s in surveys) / len(surveys)
    assert rate == pytest.approx(NPS_ANSWER_RATE, abs=0.04)


@pytest.mark.parametrize(
    ("language", "opening"),
    [
        ("zh", "模拟买家的回应，不是实测数据："),
        ("en", "Simulated buyers' responses, not measured data:"),
    ],
)
def test_the_assumptions_line_is_in_the_store_language_and_names_each_rate(
    language: str, opening: str
) -> None:
    line = after_sale_assumptions(language)
    assert line.startswith(opening)
    assert f"{SAVE_ANSWER_RATE:.0%}" in line and f"{NPS_ANSWER_RATE:.0%}" in line
    assert "\n" not in line
