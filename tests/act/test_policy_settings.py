"""The [policy] and [dispatch] settings: read from the file, validated, documented."""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path

import pytest

from winback.config import DispatchSettings, PolicySettings, load_settings
from winback.errors import SettingsError

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_the_defaults_are_the_products_send_policy() -> None:
    rules = PolicySettings()
    assert rules.transactional_hours == (time(8), time(22))
    assert rules.marketing_hours == (time(9), time(21))
    assert (rules.reminders_per_order, rules.marketing_per_channel_per_day) == (2, 1)
    assert rules.marketing_per_week == 3


def test_windows_caps_and_durations_are_read_from_the_settings_file(tmp_path: Path) -> None:
    path = tmp_path / "winback.toml"
    path.write_text(
        '[policy]\ntransactional_hours = "07:30-21:00"\nreminders_per_order = 1\n'
        '[dispatch]\nlease = "2min"\npoll_interval = "5s"\n',
        encoding="utf-8",
    )
    settings = load_settings(path, env={})
    assert settings.policy.transactional_hours == (time(7, 30), time(21))
    assert settings.policy.reminders_per_order == 1
    assert settings.dispatch.lease == timedelta(minutes=2)
    assert settings.dispatch.poll_interval == timedelta(seconds=5)


def test_a_window_across_midnight_is_refused_with_the_key_named(tmp_path: Path) -> None:
    path = tmp_path / "winback.toml"
    path.write_text('[policy]\nmarketing_hours = "21:00-09:00"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"policy\.marketing_hours: .*close after it opens"):
        load_settings(path, env={})


def test_every_policy_and_dispatch_setting_is_documented() -> None:
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", DOCS.read_text(encoding="utf-8"), re.M))
    fields = {f"policy.{name}" for name in PolicySettings.model_fields}
    fields |= {f"dispatch.{name}" for name in DispatchSettings.model_fields}
    assert fields <= documented, f"undocumented: {sorted(fields - documented)}"
