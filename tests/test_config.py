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
