"""The registry of playbook kinds: ``kind`` → its :class:`~winback.decide.planner.Planner`.

Like procrastinate's task registry (STYLE.md, "Playbooks are plug-ins"): planning looks a
playbook's kind up here and runs its planner; nothing else branches on a kind. The kinds'
settings models are in :mod:`winback.playbook_settings` (which :mod:`winback.config`
embeds); a test checks that the two name the same kinds. docs/playbooks.md, "Adding a kind",
has the recipe: a planner module and its line here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from winback.decide.cancel_save import CANCEL_SAVE
from winback.decide.closed_followup import CLOSED_FOLLOWUP
from winback.decide.confirm_receipt import CONFIRM_RECEIPT
from winback.decide.nps import NPS
from winback.decide.planner import Planner
from winback.decide.unpaid import UNPAID

__all__ = ["PLANNERS", "planner_for"]

PLANNERS: Final[Mapping[str, Planner[Any]]] = {
    planner.kind: planner
    for planner in (UNPAID, CLOSED_FOLLOWUP, CANCEL_SAVE, NPS, CONFIRM_RECEIPT)
}
"""Every playbook kind winback can plan, by ``kind``."""


def planner_for(kind: str) -> Planner[Any]:
    """The planner of ``kind``; an error naming the kinds there are."""
    found = PLANNERS.get(kind)
    if found is None:
        raise KeyError(f"no planner for the playbook kind {kind!r} (kinds: {', '.join(PLANNERS)})")
    return found
