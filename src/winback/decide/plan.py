"""Every enabled playbook at once: the day's recovery plan (PRODUCT R1, R2, R5).

A playbook's ``kind`` says which planner runs it; several playbooks of one kind may exist
(e.g. a second unpaid playbook with other rules), each with its own keys and holdout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from winback.decide.closed_followup import ReasonGuesser, plan_closed_followup
from winback.decide.context import PlanningContext
from winback.decide.facts import ClosedOrder, UnpaidOrder
from winback.decide.playbooks import Playbook
from winback.decide.unpaid import plan_unpaid
from winback.model import PlannedAction

__all__ = ["plan_recovery"]


def plan_recovery(
    context: PlanningContext,
    playbooks: Mapping[str, Playbook],
    *,
    unpaid: Sequence[UnpaidOrder],
    closed: Sequence[ClosedOrder],
    guess: ReasonGuesser,
) -> list[PlannedAction]:
    """The actions of every enabled playbook, in playbook-name order."""
    actions: list[PlannedAction] = []
    for name in sorted(playbooks):
        book = playbooks[name]
        if not book.enabled:
            continue
        if book.kind == "unpaid":
            actions += plan_unpaid(context, name, book, unpaid)
        else:
            actions += plan_closed_followup(context, name, book, closed, guess)
    return actions
