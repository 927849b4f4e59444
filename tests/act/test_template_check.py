"""Templates are checked when the settings load (issue 12.1): a bad merchant template is
refused with a message naming the file, the template, its language and the problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from winback.act.template_check import check_templates, validate_templates
from winback.app import App
from winback.cli import cli
from winback.config import Settings, load_settings
from winback.errors import SettingsError

SMS = '[channels.sms]\nprovider = "http"\nurl = "https://sms.example.com/send"\n'


def shop_file(folder: Path, *templates: str, settings: str = "") -> Path:
    """A shop that sends SMS (so its SMS templates are checked against its playbooks)."""
    (folder / "templates.toml").write_text("\n".join(templates), encoding="utf-8")
    path = folder / "winback.toml"
    path.write_text(
        f'[store]\nname = "俏艺旗舰店"\n{settings}\n[templates]\nfiles = ["templates.toml"]\n'
        + SMS,
        encoding="utf-8",
    )
    return path


def template(body: str, *, name: str = "unpaid_new_buyer", **fields: Any) -> str:
    values = {"language": "zh", "version": 2, "channel": "sms", "purpose": "transactional"}
    values |= fields
    lines = [f'name = "{name}"', *(f"{k} = {v!r}" if isinstance(v, int) else f'{k} = "{v}"'
                                   for k, v in values.items())]  # fmt: skip
    return "[[template]]\n" + "\n".join(lines) + f"\nbody = '''{body}'''\n"


def problems(folder: Path, *templates: str, settings: str = "") -> list[str]:
    loaded = load_settings(shop_file(folder, *templates, settings=settings), env={})
    return [str(p) for p in validate_templates(loaded, cwd=folder)]


def test_the_shipped_templates_pass_for_every_platform_language_and_currency() -> None:
    for platform in ("taobao", "jd", "pdd", "douyin", "shopify", "woocommerce", "generic"):
        for language in ("zh", "en"):
            for currency in ("CNY", "USD", "JPY"):
                store = {"platform": platform, "language": language, "currency": currency,
                         "postal_address": "1 Market St", "name": "Qiaoyi"}  # fmt: skip
                channels = {"sms": {"provider": "http", "url": "https://sms.example.com"},
                            "email": {"host": "smtp.example.com"}}  # fmt: skip
                rules = {"rules": [{"channel": c} for c in ("sms", "email", "chat_task")]}
                settings = Settings.model_validate(
                    {"store": store, "channels": channels,
                     "playbooks": {"closed_followup": rules}}
                )  # fmt: skip
                assert validate_templates(settings, cwd=Path()) == []


def test_a_merchant_template_that_divides_by_zero_is_refused_naming_file_template_and_line(
    tmp_path: Path,
) -> None:
    found = problems(tmp_path, template("【{{ shop }}】您好\n{{ 1 // 0 }}"))
    assert found == [
        f"{tmp_path / 'templates.toml'}: template unpaid_new_buyer v2 (zh): "
        "line 2: division by zero"
    ]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("【{{ shop }}】{{ 10**5000 }}", "too large"),
        ("【{{ shop }}】{{ 'a' * 10**8 }}", "more than the limit"),
        ("【{{ shop }}】{{ lipsum(20000) }}", "variable 'lipsum' is not defined"),
        ("【{{ shop }}】{% include 'x' %}", "{% include %} is not available"),
        ("【{{ shop }}】{{ 1 + 'a' }}", "TypeError"),
        ("【{{ shop }}】{{ order_id", "line 1: unexpected end of template"),
        ("【{{ shop }}】您好，订单{{ order_id }}{{ reason_label }}", "'reason_label'"),
        ("您的订单{{ order_id }}还未付款", "signature"),
        ("【{{ shop }}】订单{{ order_id }}限时优惠", "must not advertise; remove 优惠"),
    ],
)
def test_each_kind_of_broken_template_is_refused_when_the_settings_load(
    tmp_path: Path, body: str, reason: str
) -> None:
    (found,) = problems(tmp_path, template(body))
    assert "unpaid_new_buyer v2 (zh)" in found and reason in found


def test_printing_a_variable_that_can_be_missing_is_refused_with_the_fix(tmp_path: Path) -> None:
    body = "【{{ shop }}】{{ buyer_name }}您好，订单{{ order_id }}请在{{ pay_before }}前付款"
    found = problems(tmp_path, template(body))
    assert found == [
        f"{tmp_path / 'templates.toml'}: template unpaid_new_buyer v2 (zh) prints "
        "'pay_before', which can be missing (some actions do not have it); write "
        "{% if pay_before %}…{% endif %} or {{ pay_before | default('…') }}",
        f"{tmp_path / 'templates.toml'}: template unpaid_new_buyer v2 (zh) prints "
        "'buyer_name', which can be missing (no action passes it yet); write "
        "{% if buyer_name %}…{% endif %} or {{ buyer_name | default('…') }}",
    ]
    fixed = "【{{ shop }}】{{ buyer_name | default('您好') }}，订单{{ order_id }}{% if pay_before %}请在{{ pay_before }}前付款{% endif %}"  # noqa: E501
    assert problems(tmp_path, template(fixed)) == []


def test_a_pay_link_is_required_only_of_a_store_without_a_pay_page(tmp_path: Path) -> None:
    body = "【{{ shop }}】订单{{ order_id }}去付款：{{ pay_url }}"
    (found,) = problems(tmp_path, template(body))
    assert "prints 'pay_url'" not in found and "'pay_url' is not defined" in found
    pay = 'pay_url = "https://shop.example.com/pay/{order_id}"'
    assert problems(tmp_path, template(body), settings=pay) == []


def test_a_playbook_naming_a_template_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "winback.toml"
    path.write_text(
        '[store]\nname = "俏艺旗舰店"\n'
        '[[playbooks.unpaid.steps]]\nafter = "p90"\n'
        'templates = { new = "my_reminder", returning = "unpaid_returning_buyer" }\n' + SMS,
        encoding="utf-8",
    )
    found = [str(p) for p in validate_templates(load_settings(path, env={}), cwd=tmp_path)]
    assert (
        "playbook 'unpaid' step 1 on sms: no template 'my_reminder' in zh for a taobao store"
        in (" ".join(found))
    )


def test_a_template_for_another_channel_or_purpose_is_refused(tmp_path: Path) -> None:
    email = template("Hi {{ shop }}", name="unpaid_new_buyer", channel="email")
    found = problems(tmp_path, email)
    assert any("on sms: template unpaid_new_buyer v2 (zh) is written for email" in p for p in found)
    no_opt_out = template(
        "【{{ shop }}】订单{{ order_id }}关闭了，有问题吗？", name="closed_followup"
    )
    found = problems(
        tmp_path,
        no_opt_out,
        settings='[playbooks.closed_followup]\nrules = [{ channel = "sms" }]\n',
    )
    assert (
        "playbook 'closed_followup' step 1 on sms: template closed_followup v2 (zh) is "
        "transactional but the playbook sends marketing messages"
    ) in " ".join(found)


def test_an_unknown_store_currency_is_refused() -> None:
    settings = Settings.model_validate({"store": {"currency": "RMB"}})
    assert [str(p) for p in validate_templates(settings, cwd=Path())] == [
        "store 'default': currency 'RMB' is not an ISO 4217 code (e.g. CNY, USD, EUR)"
    ]


def test_a_missing_template_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "winback.toml"
    path.write_text('[templates]\nfiles = ["nope.toml"]\n', encoding="utf-8")
    (found,) = validate_templates(load_settings(path, env={}), cwd=tmp_path)
    assert str(found).startswith(f"{tmp_path / 'nope.toml'}: cannot read the template file")


def test_opening_the_app_refuses_a_bad_template_and_names_it(tmp_path: Path) -> None:
    path = shop_file(tmp_path, template("【{{ shop }}】{{ 1 // 0 }}"))
    settings = load_settings(path, env={})
    with pytest.raises(SettingsError) as refused:
        App.open(settings, cwd=tmp_path)
    assert str(refused.value).startswith(f"{path}: 1 template problem(s)")
    assert "unpaid_new_buyer v2 (zh): line 1: division by zero" in str(refused.value)
    assert not (tmp_path / "winback.db").exists()  # refused before anything was opened


def test_the_cli_refuses_a_bad_template_with_one_readable_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop_file(tmp_path, template("【{{ shop }}】{{ 1 // 0 }}"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["dispatch", "--dry-run"])
    assert result.exit_code == 1
    assert "error:" in result.output and "division by zero" in result.output
    assert "Traceback" not in result.output


def test_check_templates_passes_quietly_for_the_defaults(tmp_path: Path) -> None:
    check_templates(Settings(), cwd=tmp_path)
