"""Playbook settings: one pydantic model per kind, validated as a union discriminated by
``kind`` (STYLE.md, "Playbooks are plug-ins").

This package sits beside :mod:`winback.config`, which embeds it, and below
:mod:`winback.decide`, whose planners read it (config never imports decide). A kind's
planner lives in ``winback/decide/<kind>.py`` and is registered in
:data:`winback.decide.playbooks.PLANNERS`; a test checks that both lists name the same kinds.
Adding a kind: a settings module here and its line in :data:`KIND_SETTINGS` (and its
defaults in :data:`DEFAULT_PLAYBOOKS` if it ships enabled). docs/playbooks.md has the recipe.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Final, get_args

from pydantic import Field

from winback.playbook_settings.cancel_save import CancelSaveSettings
from winback.playbook_settings.closed_followup import (
    DEFAULT_CLOSED_FOLLOWUP,
    ClosedFollowupSettings,
)
from winback.playbook_settings.common import (
    SEGMENT_TIMING,
    ChannelRule,
    PlaybookBase,
    Step,
    Templates,
)
from winback.playbook_settings.nps import ConfirmReceiptSettings, NpsSettings
from winback.playbook_settings.unpaid import DEFAULT_UNPAID, UnpaidSettings

__all__ = [
    "DEFAULT_PLAYBOOKS",
    "KIND_SETTINGS",
    "SEGMENT_TIMING",
    "CancelSaveSettings",
    "ChannelRule",
    "ClosedFollowupSettings",
    "ConfirmReceiptSettings",
    "NpsSettings",
    "PlaybookBase",
    "PlaybookSettings",
    "Step",
    "Templates",
    "UnpaidSettings",
    "kind_names",
    "merge_with_defaults",
]

KIND_SETTINGS: Final = (
    UnpaidSettings,
    ClosedFollowupSettings,
    CancelSaveSettings,
    NpsSettings,
    ConfirmReceiptSettings,
)
"""Every kind's settings model: one line per kind."""

PlaybookSettings = Annotated[
    UnpaidSettings
    | ClosedFollowupSettings
    | CancelSaveSettings
    | NpsSettings
    | ConfirmReceiptSettings,
    Field(discriminator="kind"),
]
"""One playbook's settings, whichever its kind (the ``kind`` key chooses the model)."""

DEFAULT_PLAYBOOKS: Final[Mapping[str, Mapping[str, Any]]] = {
    "unpaid": DEFAULT_UNPAID,
    "closed_followup": DEFAULT_CLOSED_FOLLOWUP,
}
"""The shipped playbooks, as the TOML a merchant would write (see ``docs/playbooks.md``)."""


def kind_names() -> tuple[str, ...]:
    """The ``kind`` values the settings accept."""
    return tuple(get_args(model.model_fields["kind"].annotation)[0] for model in KIND_SETTINGS)


def merge_with_defaults(given: object) -> Any:
    """The ``[playbooks]`` table over the defaults: a playbook named like a default changes
    only the keys it gives (``[playbooks.unpaid] holdout_share = 0.2``); ``steps`` and
    ``rules`` are replaced whole; other names add playbooks."""
    if not isinstance(given, Mapping):
        return dict(DEFAULT_PLAYBOOKS) if given is None else given
    merged: dict[str, Any] = {name: dict(book) for name, book in DEFAULT_PLAYBOOKS.items()}
    for name, book in given.items():
        if isinstance(book, Mapping) and name in merged:
            merged[name] = {**merged[name], **book}
        else:
            merged[name] = book
    return merged
