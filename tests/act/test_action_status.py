"""The action state machine: one table of legal moves, and advance_action refuses the rest."""

from __future__ import annotations

import pytest

from winback.model import (
    ACTION_MOVES,
    ActionStatus,
    IllegalActionMove,
    advance_action,
    can_move_action,
)


def test_every_status_has_a_row_in_the_transition_table() -> None:
    assert set(ACTION_MOVES) == set(ActionStatus)


def test_a_planned_action_is_claimed_cancelled_or_skipped_and_nothing_else() -> None:
    assert {s for s in ActionStatus if can_move_action(ActionStatus.PLANNED, s)} == {
        ActionStatus.SENDING,
        ActionStatus.CANCELLED,
        ActionStatus.SKIPPED,
    }


def test_a_planned_action_can_never_be_marked_sent_without_being_claimed() -> None:
    with pytest.raises(IllegalActionMove, match="planned to sent"):
        advance_action(ActionStatus.PLANNED, ActionStatus.SENT)


@pytest.mark.parametrize(
    "terminal",
    [
        ActionStatus.SENT,
        ActionStatus.FAILED,
        ActionStatus.CANCELLED,
        ActionStatus.SKIPPED,
        ActionStatus.HELD_OUT,
        ActionStatus.UNKNOWN,
    ],
)
def test_terminal_statuses_never_move_again_so_nothing_is_resent(terminal: ActionStatus) -> None:
    assert terminal.is_terminal
    for target in ActionStatus:
        with pytest.raises(IllegalActionMove):
            advance_action(terminal, target)


def test_a_sending_action_goes_back_to_planned_only_to_wait_for_a_retry_or_quiet_hours() -> None:
    assert advance_action(ActionStatus.SENDING, ActionStatus.PLANNED) is ActionStatus.PLANNED
    assert not ActionStatus.SENDING.is_terminal and not ActionStatus.PLANNED.is_terminal
