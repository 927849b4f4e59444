"""WINBACK_AS_OF and WINBACK_STORE hold for every command, subcommands of a group too: the
README says to set them once for a session."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from winback.cli import cli

SETTINGS = '[store]\nname = "shop"\nplatform = "taobao"\n'


@pytest.mark.parametrize(
    ("env", "args"),
    [
        ({"WINBACK_AS_OF": "2026-11-23T12:00+08:00"}, ["customers", "score", "--json"]),
        ({"WINBACK_STORE": "shop"}, ["customers", "score", "--json"]),
        ({"WINBACK_AS_OF": "2026-11-23"}, ["customers", "top", "--json"]),
    ],
)
def test_an_environment_setting_is_no_usage_error_for_a_subcommand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "winback.toml").write_text(SETTINGS, encoding="utf-8")
    result = CliRunner().invoke(cli, args, env=env)
    assert "put the options after the subcommand" not in result.output
    assert result.exit_code in (0, 1), result.output  # 1: no scores yet, said in words


def test_the_option_itself_before_the_subcommand_is_still_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "winback.toml").write_text(SETTINGS, encoding="utf-8")
    result = CliRunner().invoke(cli, ["customers", "--as-of", "2026-11-23", "score"])
    assert result.exit_code == 2
    assert "put the options after the subcommand" in result.output
