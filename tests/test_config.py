"""Settings: precedence, validation messages and the documented-settings check."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from winback.config import DiagnoseSettings, Settings, StoreSettings, load_settings, parse_duration
from winback.errors import SettingsError
from winback.model import Platform

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "winback.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_describe_a_taobao_shop_in_shanghai_on_sqlite(tmp_path: Path) -> None:
    settings = load_settings(env={}, cwd=tmp_path)
    assert settings.store.platform is Platform.TAOBAO
    assert settings.store.timezone == "Asia/Shanghai"
    assert settings.database_url(tmp_path) == f"sqlite:///{tmp_path.as_posix()}/winback.db"


def test_the_settings_file_in_the_working_directory_is_read(tmp_path: Path) -> None:
    write(tmp_path, '[store]\nname = "俏艺旗舰店"\nunpaid_close_after = "24h"\n')
    settings = load_settings(env={}, cwd=tmp_path)
    assert settings.store.name == "俏艺旗舰店"
    assert settings.store.unpaid_close_after == timedelta(hours=24)
    assert settings.source_file == str(tmp_path / "winback.toml")


def test_file_beats_environment_and_flags_beat_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[database]\nurl = "sqlite:///from-file.db"\n')
    env = {"WINBACK_DATABASE_URL": "sqlite:///from-env.db", "WINBACK_STORE_NAME": "env-shop"}
    from_file = load_settings(path, env=env)
    assert from_file.database.url == "sqlite:///from-file.db"
    assert from_file.store.name == "env-shop"
    flagged = load_settings(path, env=env, overrides={"database": {"url": "sqlite:///flag.db"}})
    assert flagged.database.url == "sqlite:///flag.db"


def test_a_misspelt_key_is_an_error_naming_file_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[store]\ntimezon = "Asia/Shanghai"\n')
    with pytest.raises(SettingsError, match=r"winback\.toml: store\.timezon: unknown setting"):
        load_settings(path, env={})


def test_an_unknown_time_zone_is_explained(tmp_path: Path) -> None:
    path = write(tmp_path, '[store]\ntimezone = "Asia/Beijing"\n')
    with pytest.raises(SettingsError, match="unknown time zone 'Asia/Beijing'"):
        load_settings(path, env={})


def test_broken_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[store\nname = 1\n")
    with pytest.raises(SettingsError, match=r"winback\.toml: not valid TOML.*line 1"):
        load_settings(path, env={})


def test_a_missing_settings_file_given_explicitly_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", env={})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("72h", timedelta(hours=72)),
        ("1h30m", timedelta(minutes=90)),
        ("3d", timedelta(days=3)),
        ("45min", timedelta(minutes=45)),
        (90, timedelta(seconds=90)),
    ],
)
def test_durations_read_as_people_write_them(text: object, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "3 weeks", "-1h"])
def test_nonsense_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_every_setting_is_documented() -> None:
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", DOCS.read_text(encoding="utf-8"), re.M))
    fields = {f"store.{name}" for name in StoreSettings.model_fields}
    fields |= {
        f"database.{name}" for name in Settings.model_fields["database"].annotation.model_fields
    }  # type: ignore[union-attr]
    fields |= {f"diagnose.{name}" for name in DiagnoseSettings.model_fields}
    assert fields <= documented, f"undocumented: {sorted(fields - documented)}"


SEVERAL = """
default_store = "淘宝店"

[policy]
reminders_per_order = 3

[playbooks.unpaid]
holdout_share = 0.15

[stores."淘宝店"]
platform = "taobao"

[stores."US shop"]
platform = "shopify"
timezone = "America/New_York"
currency = "USD"
language = "en"

[stores."US shop".policy]
marketing_per_week = 1

[stores."US shop".playbooks.unpaid]
holdout_share = 0.2
"""


def test_one_file_describes_several_stores_over_shared_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, SEVERAL), env={})
    assert settings.store_names == ("淘宝店", "US shop")
    assert settings.default_store == "淘宝店"
    us, cn = settings.for_store("US shop"), settings.for_store("淘宝店")
    assert (us.store.platform, us.store.currency, us.store.language) == (
        Platform.SHOPIFY,
        "USD",
        "en",
    )
    assert us.store.zone.key == "America/New_York" and cn.store.timezone == "Asia/Shanghai"
    # the store's own sections are merged key by key over the shared ones
    assert (us.policy.reminders_per_order, us.policy.marketing_per_week) == (3, 1)
    assert (cn.policy.reminders_per_order, cn.policy.marketing_per_week) == (3, 3)
    assert us.playbooks["unpaid"].holdout_share == 0.2
    assert cn.playbooks["unpaid"].holdout_share == 0.15
    assert us.playbooks["unpaid"].steps == cn.playbooks["unpaid"].steps


def test_each_platform_has_its_own_unpaid_deadline_unless_the_store_sets_one(
    tmp_path: Path,
) -> None:
    settings = load_settings(write(tmp_path, SEVERAL), env={})
    assert settings.for_store("淘宝店").store.close_after == timedelta(hours=24)
    assert settings.for_store("US shop").store.close_after == timedelta(days=7)
    changed = load_settings(
        write(tmp_path, SEVERAL + '\n[stores."淘宝店".diagnose]\nperiod_days = 7\n'), env={}
    )
    assert changed.for_store("淘宝店").diagnose.period_days == 7
    own = load_settings(write(tmp_path, '[store]\nunpaid_close_after = "72h"\n'), env={})
    assert own.store.close_after == timedelta(hours=72)


def test_the_old_one_store_file_still_describes_its_one_store(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, '[store]\nname = "俏艺旗舰店"\n'), env={})
    assert settings.store_names == ("俏艺旗舰店",) and settings.stores == {}
    assert settings.for_store("俏艺旗舰店") is settings


def test_a_mistake_inside_a_store_is_named_with_the_store(tmp_path: Path) -> None:
    text = SEVERAL + '\n[stores."US shop".recovery]\ncall_windows = ["12:00-11:00"]\n'
    with pytest.raises(SettingsError, match=r"stores\.US shop\.recovery\.call_windows\.0"):
        load_settings(write(tmp_path, text), env={})
    typo = SEVERAL.replace('currency = "USD"', 'curency = "USD"')
    with pytest.raises(SettingsError, match=r"stores\.US shop\.curency: unknown setting"):
        load_settings(write(tmp_path, typo), env={})


def test_a_default_store_must_be_one_of_the_stores(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="default_store 'nope' is not one of the stores"):
        load_settings(
            write(tmp_path, SEVERAL.replace('"淘宝店"\n\n[policy]', '"nope"\n\n[policy]')), env={}
        )


def test_a_store_name_in_store_beside_stores_tables_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="name the default store with default_store"):
        load_settings(write(tmp_path, '[store]\nname = "x"\n' + SEVERAL), env={})


def test_the_link_secret_and_public_address_are_shared_by_every_store(tmp_path: Path) -> None:
    text = SEVERAL + '\n[stores."US shop".channels]\npublic_url = "https://us.example"\n'
    with pytest.raises(SettingsError, match=r"stores\.US shop\.channels\.public_url: .*shared"):
        load_settings(write(tmp_path, text), env={})
