"""The template sandbox: whatever a shop's template does, rendering ends quickly with a
message or a SandboxError that says why (issue 12.1)."""

from __future__ import annotations

import contextlib
import time
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from winback.act.sandbox import (
    MessageEnvironment,
    RenderLimits,
    SandboxError,
    UndefinedVariable,
    render,
)
from winback.act.templates import Template, TemplateError, TemplateLibrary
from winback.model import ActionChannel, Purpose

TEXT = MessageEnvironment(autoescape=False)
HTML = MessageEnvironment(autoescape=True)


def rendered(source: str, **variables: Any) -> str:
    return render(TEXT, source, variables)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{{ 1 // 0 }}", "line 1: division by zero"),
        ("{{ 10**5000 }}", "too large"),
        ("{{ 'a' * 10**8 }}", "100000000 long, more than the limit of 200000"),
        ("{{ lipsum(20000) }}", "variable 'lipsum' is not defined"),
        ("{{ range(10**6) | length }}", "range() may give at most 10000"),
        ("hello\n{% include 'header.html' %}", "line 2: {% include %} is not available"),
        ("{% import 'macros' as m %}", "{% import %} is not available"),
        ("{% extends 'base' %}", "{% extends %} is not available"),
        ("{{ 1 + 'a' }}", "unsupported operand type(s) for +: 'int' and 'str' (TypeError)"),
        ("{{ 'a'.ljust(10**9) }}", "'ljust' of 'str' object is unsafe"),
        ("{{ (10).to_bytes(10**9, 'big') }}", "'to_bytes' of 'int' object is unsafe"),
        ("{{ 'x' | center(10**9) }}", "No filter named 'center'"),
        ("{{ '%0*d' % (10**9, 1) }}", "'%' formatting of text is not available"),
        ("{{ 'ab' | replace('', 'x' * 100000) }}", "the replaced text would be"),
        ("{{ ''.__class__.__mro__ }}", "'__class__' of 'str' object is unsafe"),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "calls itself too deeply"),
        ("{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
         "loops may run at most 10000 times"),
        ("{% set s = 'ab' %}" + "{% set s = s ~ s %}" * 40, "the joined text would be"),
        ("{{ [[1] * 1000] * 1000 }}", "the repeated text or list would be"),
        ("{{ 1.5 ** 100000 }}", "OverflowError"),
        ("{{ x }", "line 1: unexpected '}'"),
        ("{{ buyer_name }}", "variable 'buyer_name' is not defined"),
    ],
)  # fmt: skip
def test_a_template_that_would_fail_or_run_away_is_refused_with_the_reason(
    source: str, reason: str
) -> None:
    started = time.process_time()
    with pytest.raises(SandboxError) as refused:
        rendered(source)
    assert reason in str(refused.value)
    assert time.process_time() - started < 2


def test_a_missing_variable_can_be_tested_or_defaulted_but_not_printed() -> None:
    assert rendered("{% if item %}（{{ item }}）{% endif %}") == ""
    assert rendered("{% if item %}（{{ item }}）{% endif %}", item="开衫") == "（开衫）"
    assert rendered("{{ buyer_name | default('您好') }}，") == "您好，"
    assert rendered("{{ x is defined }}") == "False"
    with pytest.raises(UndefinedVariable) as missing:
        rendered("1\n2 {{ pay_before }}前付款")
    assert missing.value.name == "pay_before"
    assert str(missing.value) == "line 2: variable 'pay_before' is not defined"


def test_the_message_is_streamed_and_stops_past_the_size_limit() -> None:
    small = MessageEnvironment(autoescape=False, limits=RenderLimits(max_chars=1000))
    source = "{% for i in range(5000) %}{{ 'x' * 900 }}{% endfor %}"
    started = time.process_time()
    with pytest.raises(SandboxError, match="longer than the limit of 1000 characters"):
        render(small, source, {})
    assert time.process_time() - started < 0.5
    assert render(small, "{{ 'x' * 1000 }}", {}) == "x" * 1000


def test_rendering_stops_at_the_time_limit() -> None:
    quick = MessageEnvironment(autoescape=False, limits=RenderLimits(max_seconds=0.05))
    slow = "{% for i in range(10000) %}{{ ('a b ' * 40000) | wordcount }}{% endfor %}"
    started = time.process_time()
    with pytest.raises(SandboxError, match=r"rendering took longer than 0.05 s"):
        render(quick, slow, {})
    assert time.process_time() - started < 1


def test_an_over_long_template_is_refused_before_it_is_compiled() -> None:
    with pytest.raises(SandboxError, match="more than the limit of 100000"):
        rendered("x" * 100_001)


def test_ordinary_message_templates_render_as_jinja_would() -> None:
    source = (
        "{% for id in order_ids.split('、') %}{{ loop.index }}:{{ id | upper }} {% endfor %}"
        "{{ [shop, '店'] | join('-') }} {{ amount ~ '元' }} {{ (2 + 3) * 4 }} {{ 7 // 2 }}"
        "{% set total = 3 %}{{ total * 2 }} {{ 'a b' | replace('a', 'c') }} {{ 2 ** 10 }}"
    )
    assert (
        rendered(source, order_ids="a1、b2", shop="俏艺", amount="12")
        == "1:A1 2:B2 俏艺-店 12元 20 36 c b 1024"
    )


def test_html_escapes_what_it_joins() -> None:
    assert render(HTML, "{{ '<b>' ~ name }}|{{ name }}", {"name": "<i>"}) == (
        "&lt;b&gt;&lt;i&gt;|&lt;i&gt;"
    )


FRAGMENTS = st.sampled_from(
    [
        "{{ ", " }}", "{% ", " %}", "if ", "elif ", "else", "endif", "for x in ", "endfor",
        "set y = ", "macro m(a)", "endmacro", "m(1)", "include 'a'", "x", "y", "item",
        "buyer_name", "n", "1", "0", "10", "5000", "10**", "//", "**", "*", "+", "-", "~", "%",
        "/", "|", "default('a')", "int", "float", "upper", "join(', ')", "replace('a', 'bb')",
        "length", "sum", "first", "list", "sort", "truncate(3)", "wordcount", "range(", ")",
        "(", "[", "]", "{", "}", ",", ":", "'a'", '"亲"', "lipsum(", "loop.index", ".",
        "__class__", "split()", "index('z')", "{#", "#}", "\n", "，", "not ", " and ",
        " is defined", " in ", "==", "none", "true", "recursive", "loop(", "(1, 2)",
    ]
)  # fmt: skip
SOURCES = st.lists(st.one_of(FRAGMENTS, st.text(max_size=4)), max_size=30).map("".join)
VALUES = st.one_of(
    st.text(max_size=20),
    st.integers(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.floats(),
    st.none(),
    st.lists(st.integers(), max_size=5),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=3),
)
VARIABLES = st.dictionaries(st.sampled_from(["x", "y", "item", "buyer_name", "n"]), VALUES)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SOURCES, VARIABLES)
def test_any_template_with_any_values_renders_or_fails_with_a_sandbox_error(
    source: str, variables: dict[str, Any]
) -> None:
    for environment in (TEXT, HTML):
        try:
            result = render(environment, source, variables)
        except SandboxError as error:
            assert str(error)
        else:
            assert isinstance(result, str) and len(result) <= environment.limits.max_chars


@settings(max_examples=200, deadline=None)
@given(SOURCES, SOURCES, VARIABLES)
def test_any_template_through_the_library_gives_a_message_or_a_template_error(
    body: str, html: str, variables: dict[str, Any]
) -> None:
    template = Template(
        name="shop_own",
        language="zh",
        version=1,
        channel=ActionChannel.EMAIL,
        purpose=Purpose.TRANSACTIONAL,
        subject="{{ x }}",
        body=body,
        html=html,
    )
    try:
        message = TemplateLibrary([template]).render("shop_own", "zh", variables)
    except TemplateError as error:
        assert str(error).startswith("template shop_own v1 (zh)")
    else:
        assert isinstance(message.body, str)


def test_decimal_and_float_values_do_not_escape_as_python_errors() -> None:
    for source in ("{{ x * 10**400 }}", "{{ x ** 10 }}", "{{ x // 0 }}", "{{ x | int }}"):
        for value in (Decimal("NaN"), Decimal("1E+999999"), float("inf")):
            with contextlib.suppress(SandboxError):
                rendered(source, x=value)
