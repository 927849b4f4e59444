"""The one small protocol every playbook kind implements (STYLE.md, "Playbooks are plug-ins").

A kind is a :class:`Planner`: its ``kind`` (the settings' discriminator), its ``settings``
model (:mod:`winback.playbook_settings`), the ``facts`` it reads (names of tables in
:mod:`winback.contracts`, which the services read from the store and hand over) and its
``plan`` function. :data:`winback.decide.playbooks.PLANNERS` maps kinds to planners;
:func:`winback.decide.plan.plan_recovery` runs every enabled playbook through it. Nothing here
reads the database, the clock or the network.

A plan is columns (docs/playbooks.md, "Planning at scale"): facts arrive as Arrow tables and
actions leave as one :data:`~winback.contracts.PLANNED_ACTIONS` table per playbook, with the
counts the plan summary shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Generic, TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from winback.analyse.reasons import Prediction
from winback.contracts import PLANNED_ACTIONS
from winback.decide.context import PlanningContext
from winback.decide.timing import micros
from winback.playbook_settings import PlaybookBase

__all__ = [
    "AFTER_SALE_ORDERS",
    "CLOSED_ORDERS",
    "EARLIER_FIRST_STEPS",
    "EARLIER_STEPS",
    "OPEN_ORDERS",
    "Facts",
    "Planner",
    "PlaybookPlan",
    "ReasonGuesser",
    "no_actions",
    "playbook_params",
    "reordered",
]

OPEN_ORDERS: Final = "open_orders"
CLOSED_ORDERS: Final = "closed_orders"
EARLIER_STEPS: Final = "earlier_steps"
AFTER_SALE_ORDERS: Final = "after_sale_orders"
EARLIER_FIRST_STEPS: Final = "earlier_first_steps"
"""The fact tables there are (contracts ``OPEN_ORDERS``, ``CLOSED_ORDERS``,
``EARLIER_STEPS``, ``AFTER_SALE_ORDERS``, ``EARLIER_FIRST_STEPS`` of
:mod:`winback.contracts`)."""

ReasonGuesser = Callable[[Sequence[str]], Sequence[Prediction]]
"""Classifies texts into D3 reasons, e.g. ``default_classifier().predict``."""

S = TypeVar("S", bound=PlaybookBase)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Facts:
    """The fact tables the services read for this plan, by name, and the reason classifier
    (built only if a planner calls it)."""

    tables: Mapping[str, pa.Table]
    guess: ReasonGuesser | None = None

    def table(self, name: str) -> pa.Table:
        """The fact table ``name``; an error naming it when the services did not read it."""
        found = self.tables.get(name)
        if found is None:
            raise KeyError(f"the planner needs the {name!r} facts, which were not read")
        return found


@dataclass(frozen=True, slots=True)
class PlaybookPlan:
    """What one playbook planned: its actions (``PLANNED_ACTIONS``) and, for the summary,
    how many orders it considered, how many of them their buyer had placed again (no action)
    and how many no channel could reach (no action)."""

    actions: pa.Table
    orders: int = 0
    reordered: int = 0
    unreachable: int = 0

    def __post_init__(self) -> None:
        if not self.actions.schema.equals(PLANNED_ACTIONS):
            raise ValueError("a plan's actions must have the PLANNED_ACTIONS columns")


@dataclass(frozen=True, slots=True)
class Planner(Generic[S]):
    """One playbook kind: see the module docstring."""

    kind: str
    settings: type[S]
    facts: tuple[str, ...]
    plan: Callable[[PlanningContext, str, S, Facts], PlaybookPlan]
    goal_is_payment: bool = False
    """Whether the kind's tasks are moot once their orders are paid (the agents' worklist
    hides them): payment reminders, not follow-ups of closed orders."""
    uses_reasons: bool = field(default=False)
    """Whether ``plan`` calls :attr:`Facts.guess` (the services build the classifier)."""


def no_actions() -> pa.Table:
    """An empty ``PLANNED_ACTIONS`` table."""
    return PLANNED_ACTIONS.empty_table()


def playbook_params(context: PlanningContext, name: str, settings: PlaybookBase) -> dict[str, Any]:
    """The SQL parameters every kind's queries bind: the moment (``now_us``), ``gap_us``
    (``min_gap``), the playbook's name, store, holdout share, purpose, the store's zone and
    shop name."""
    return {
        "now_us": micros(context.now - _EPOCH),
        "gap_us": micros(settings.min_gap),
        "playbook": name,
        "store_id": context.store_id,
        "share": settings.holdout_share,
        "zone": context.zone.key,
        "purpose": str(settings.purpose),
        "shop": context.shop,
    }


def reordered(orders: pa.Table) -> int:
    """How many of ``orders`` their buyer placed again (``reordered_by`` set)."""
    return int(pc.sum(pc.is_valid(orders["reordered_by"])).as_py() or 0)
