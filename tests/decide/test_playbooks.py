"""Playbooks in the store's TOML: defaults, merging, validation messages, the documented
example."""

from __future__ import annotations

import re
import tomllib
from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from winback.config import load_settings
from winback.errors import SettingsError
from winback.model import ActionChannel

DOCS = Path(__file__).resolve().parents[2] / "docs" / "playbooks.md"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "winback.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_playbooks_remind_unpaid_orders_and_follow_up_closed_ones(
    tmp_path: Path,
) -> None:
    books = load_settings(env={}, cwd=tmp_path).playbooks
    assert books["unpaid"].kind == "unpaid"
    assert books["unpaid"].steps[0].after == "p90"
    assert books["unpaid"].returning_delay == timedelta(hours=1)
    assert books["unpaid"].rules[0].channel is ActionChannel.PHONE_TASK
    assert books["unpaid"].rules[0].amount_at_least == Decimal(300)
    assert books["closed_followup"].kind == "closed_followup"


def test_a_playbook_named_like_a_default_changes_only_the_keys_it_gives(tmp_path: Path) -> None:
    path = write(tmp_path, "[playbooks.unpaid]\nholdout_share = 0.2\n")
    books = load_settings(path, env={}).playbooks
    assert books["unpaid"].holdout_share == 0.2
    assert len(books["unpaid"].steps) == 2
    assert "closed_followup" in books


def test_a_default_playbook_can_be_switched_off(tmp_path: Path) -> None:
    path = write(tmp_path, "[playbooks.closed_followup]\nenabled = false\n")
    assert not load_settings(path, env={}).playbooks["closed_followup"].enabled


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[playbooks.unpaid.rules]]\nchannel = "pigeon"\n',
            r"playbooks\.unpaid\.rules\.0\.channel: Input should be",
        ),
        (
            '[[playbooks.unpaid.rules]]\nchannel = "sms"\namount_over = "10"\n',
            r"playbooks\.unpaid\.rules\.0\.amount_over: unknown setting",
        ),
        (
            "[playbooks.unpaid]\nholdout_share = 0.9\n",
            r"playbooks\.unpaid\.holdout_share: Input should be less than or equal to 0\.5",
        ),
        (
            '[[playbooks.unpaid.steps]]\nafter = "soon"\n'
            'templates = { new = "a", returning = "b" }\n',
            r"playbooks\.unpaid\.steps\.0\.after: use 'p90'.*not 'soon'",
        ),
        (
            '[[playbooks.unpaid.rules]]\nchannel = "sms"\namount_at_least = 9.5\n',
            r"playbooks\.unpaid\.rules\.0\.amount_at_least: write amounts as text",
        ),
        (
            '[[playbooks.closed_followup.steps]]\nafter = "p90"\n'
            'templates = { new = "a", returning = "b" }\n',
            r"playbooks\.closed_followup: steps: a closed_followup step is timed by a duration",
        ),
    ],
)
def test_a_wrong_playbook_is_an_error_naming_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(write(tmp_path, text), env={})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[recovery]\ncall_windows = ["12:00-11:00"]\n', "must close after it opens"),
        ('[recovery]\ncall_windows = ["noon"]\n', "not a daily window"),
        ('[recovery]\nship_same_day_before = "4pm"\n', "not a clock time"),
    ],
)
def test_wrong_recovery_settings_are_explained(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(write(tmp_path, text), env={})


def test_the_documented_example_loads_and_means_what_the_doc_says(tmp_path: Path) -> None:
    blocks = re.findall(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    example = max(blocks, key=len)
    tomllib.loads(example)
    settings = load_settings(write(tmp_path, example), env={})
    unpaid = settings.playbooks["unpaid"]
    assert [step.after for step in unpaid.steps] == ["p90", timedelta(hours=24)]
    assert unpaid.rules[-1].channel is ActionChannel.CHAT_TASK
    assert settings.recovery.call_windows == ((time(11), time(12)), (time(15, 30), time(16, 30)))
    assert settings.recovery.attribution_window == timedelta(hours=72)


def test_every_recovery_setting_is_documented() -> None:
    from winback.config import RecoverySettings

    settings_doc = DOCS.with_name("settings.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", settings_doc, re.M))
    fields = {f"recovery.{name}" for name in RecoverySettings.model_fields}
    assert fields <= documented, f"undocumented: {sorted(fields - documented)}"
