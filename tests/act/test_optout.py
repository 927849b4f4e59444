"""Inbound SMS replies: which ones are opt-outs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from winback.act.optout import OPT_OUT_KEYWORDS, OptOut, normalise_reply, parse_sms_reply
from winback.model import Channel

PHONE = "13812345678"


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("R", "r"),
        ("r", "r"),
        ("Ｒ", "r"),
        ("T", "t"),
        ("TD", "td"),
        ("td", "td"),
        ("N", "n"),
        ("退订", "退订"),
        (" 退订。", "退订"),
        ("拒收", "拒收"),
        ("STOP", "stop"),
        ("Stop!", "stop"),
        ("ＳＴＯＰ", "stop"),
        ("UNSUBSCRIBE", "unsubscribe"),
        ("STOPALL", "stopall"),
        ("cancel", "cancel"),
        ("End.", "end"),
        ("\tquit\n", "quit"),
        ("【R】", "r"),
    ],
)
def test_an_opt_out_keyword_is_recognised_whatever_its_case_width_and_punctuation(
    reply: str, reason: str
) -> None:
    assert parse_sms_reply(PHONE, reply) == OptOut(PHONE, Channel.SMS, reason)


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "好的",
        "R u open today?",
        "stop sending the wrong size",
        "不要退订",
        "RR",
        "已付款",
        "Yes",
    ],
)
def test_a_normal_reply_is_not_an_opt_out(reply: str) -> None:
    assert parse_sms_reply(PHONE, reply) is None


def test_an_opt_out_masks_the_phone_when_printed() -> None:
    opt_out = parse_sms_reply(PHONE, "T")
    assert opt_out is not None
    assert PHONE not in repr(opt_out)
    assert "138****5678" in repr(opt_out)


fillers = st.text(alphabet=" \t\n。！!.,，？?、【】()（）", max_size=4)


@given(st.sampled_from(sorted(OPT_OUT_KEYWORDS)), fillers, fillers, st.booleans())
def test_any_keyword_wrapped_in_whitespace_and_punctuation_is_an_opt_out(
    keyword: str, before: str, after: str, upper: bool
) -> None:
    reply = before + (keyword.upper() if upper else keyword) + after
    result = parse_sms_reply(PHONE, reply)
    assert result is not None
    assert result.reason == keyword


@given(st.text(max_size=40))
def test_any_text_parses_without_error_and_only_keywords_opt_out(text: str) -> None:
    result = parse_sms_reply(PHONE, text)
    assert (result is not None) == (normalise_reply(text) in OPT_OUT_KEYWORDS)


@given(st.sampled_from(sorted(OPT_OUT_KEYWORDS)), st.sampled_from(["please ", "不要", "ok "]))
def test_a_keyword_inside_a_longer_message_is_not_an_opt_out(keyword: str, lead: str) -> None:
    assert parse_sms_reply(PHONE, lead + keyword) is None
