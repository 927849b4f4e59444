"""Every enabled playbook at once: the day's recovery plan (PRODUCT R1, R2, R5 and what comes).

A playbook's ``kind`` picks its planner from the registry (:mod:`winback.decide.playbooks`);
several playbooks of one kind may exist (e.g. a second unpaid playbook with other rules),
each with its own keys and holdout. The services read the facts the enabled planners need
(:func:`facts_needed`) and hand them over.
"""

from __future__ import annotations

from collections.abc import Mapping

from winback.decide.context import PlanningContext
from winback.decide.planner import Facts, PlaybookPlan
from winback.decide.playbooks import planner_for
from winback.playbook_settings import PlaybookBase

__all__ = ["facts_needed", "plan_recovery", "uses_reasons"]


def _enabled(playbooks: Mapping[str, PlaybookBase]) -> list[tuple[str, PlaybookBase]]:
    return [(name, playbooks[name]) for name in sorted(playbooks) if playbooks[name].enabled]


def facts_needed(playbooks: Mapping[str, PlaybookBase]) -> set[str]:
    """The fact tables the enabled playbooks' planners read."""
    return {fact for _, book in _enabled(playbooks) for fact in planner_for(book.kind).facts}


def uses_reasons(playbooks: Mapping[str, PlaybookBase]) -> bool:
    """Whether an enabled playbook guesses loss reasons (the classifier is needed)."""
    return any(planner_for(book.kind).uses_reasons for _, book in _enabled(playbooks))


def plan_recovery(
    context: PlanningContext, playbooks: Mapping[str, PlaybookBase], facts: Facts
) -> dict[str, PlaybookPlan]:
    """Each enabled playbook's plan, by playbook name (in name order)."""
    return {
        name: planner_for(book.kind).plan(context, name, book, facts)
        for name, book in _enabled(playbooks)
    }
