"""Every enabled playbook at once: the day's recovery plan (PRODUCT R1, R2, R5).

A playbook's ``kind`` says which planner runs it; several playbooks of one kind may exist
(e.g. a second unpaid playbook with other rules), each with its own keys and holdout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reference_planner.closed_followup import ReasonGuesser, plan_closed_followup
from reference_planner.facts import ClosedOrder, UnpaidOrder
from reference_planner.unpaid import Earlier, plan_unpaid
from winback.decide.context import PlanningContext
from winback.model import PlannedAction
from winback.playbook_settings import PlaybookSettings as Playbook

__all__ = ["plan_recovery"]


def plan_recovery(
    context: PlanningContext,
    playbooks: Mapping[str, Playbook],
    *,
    unpaid: Sequence[UnpaidOrder],
    closed: Sequence[ClosedOrder],
    guess: ReasonGuesser,
    earlier: Mapping[str, Earlier] | None = None,
    unreachable: dict[str, set[str]] | None = None,
) -> list[PlannedAction]:
    """The actions of every enabled playbook, in playbook-name order; ``earlier`` holds per
    playbook what earlier runs planned (see :data:`~winback.decide.unpaid.Earlier`), and
    ``unreachable`` receives per playbook the orders no channel could reach."""
    actions: list[PlannedAction] = []
    for name in sorted(playbooks):
        book = playbooks[name]
        if not book.enabled:
            continue
        before = (earlier or {}).get(name)
        missed: set[str] = set()
        if book.kind == "unpaid":  # type: ignore[union-attr]
            actions += plan_unpaid(context, name, book, unpaid, earlier=before, unreachable=missed)
        else:
            actions += plan_closed_followup(
                context, name, book, closed, guess, earlier=before, unreachable=missed
            )
        if unreachable is not None:
            unreachable[name] = missed
    return actions
