"""The registry of playbook kinds: every kind the settings accept has a planner, and the
other way round; each planner says which settings model, facts and plan it has."""

from __future__ import annotations

from pathlib import Path

import pytest

from winback.config import load_settings
from winback.decide.planner import CLOSED_ORDERS, EARLIER_STEPS, OPEN_ORDERS
from winback.decide.playbooks import PLANNERS, planner_for
from winback.errors import SettingsError
from winback.playbook_settings import KIND_SETTINGS, kind_names
from winback.services.plan_facts import FACT_READERS


def test_every_kind_of_the_settings_has_a_planner_and_every_planner_a_kind() -> None:
    assert set(PLANNERS) == set(kind_names())
    for model in KIND_SETTINGS:
        (kind,) = model.model_fields["kind"].annotation.__args__  # type: ignore[union-attr]
        assert PLANNERS[kind].settings is model


def test_every_fact_a_planner_reads_is_one_the_services_can_read() -> None:
    needed = {fact for planner in PLANNERS.values() for fact in planner.facts}
    assert needed <= set(FACT_READERS)
    assert {OPEN_ORDERS, CLOSED_ORDERS, EARLIER_STEPS} <= set(FACT_READERS)


def test_an_unknown_kind_is_refused_naming_the_kinds_there_are(tmp_path: Path) -> None:
    path = tmp_path / "winback.toml"
    path.write_text(
        '[playbooks.later]\nkind = "winback_campaign"\nsteps = []\nrules = []\n',
        encoding="utf-8",
    )
    with pytest.raises(
        SettingsError, match=r"playbooks\.later.*'unpaid', 'closed_followup', 'cancel_save'"
    ):
        load_settings(path, env={})
    with pytest.raises(KeyError, match="kinds: unpaid, closed_followup, cancel_save"):
        planner_for("winback_campaign")
