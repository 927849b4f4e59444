"""SMS length: encoding, units and parts as carriers bill them."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from winback.act.sms_length import GSM7_BASIC, GSM7_EXTENSION, SmsEncoding, SmsSize, sms_size

gsm_basic = st.text(alphabet=sorted(GSM7_BASIC), max_size=700)
chinese = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=400
)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("a" * 160, SmsSize(SmsEncoding.GSM7, 160, 1)),
        ("a" * 161, SmsSize(SmsEncoding.GSM7, 161, 2)),
        ("a" * 306, SmsSize(SmsEncoding.GSM7, 306, 2)),
        ("a" * 307, SmsSize(SmsEncoding.GSM7, 307, 3)),
        ("€" * 80, SmsSize(SmsEncoding.GSM7, 160, 1)),
        ("汉" * 70, SmsSize(SmsEncoding.UCS2, 70, 1)),
        ("汉" * 71, SmsSize(SmsEncoding.UCS2, 71, 2)),
        ("汉" * 134, SmsSize(SmsEncoding.UCS2, 134, 2)),
        ("汉" * 135, SmsSize(SmsEncoding.UCS2, 135, 3)),
        ("a" * 159 + "汉", SmsSize(SmsEncoding.UCS2, 160, 3)),
        ("😀" * 35, SmsSize(SmsEncoding.UCS2, 70, 1)),
        ("", SmsSize(SmsEncoding.GSM7, 0, 1)),
    ],
)
def test_the_size_matches_the_carriers_counting(text: str, size: SmsSize) -> None:
    assert sms_size(text) == size


def test_an_escaped_character_is_never_split_across_parts() -> None:
    # 152 plain septets then a two-septet '€': the euro moves whole to the second part.
    assert sms_size("a" * 152 + "€" + "a" * 152).parts == 3
    assert sms_size("a" * 151 + "€" + "a" * 153).parts == 2


def test_a_surrogate_pair_is_never_split_across_parts() -> None:
    assert sms_size("汉" * 66 + "😀" + "汉" * 66).parts == 3


@given(gsm_basic)
def test_plain_gsm_text_costs_one_part_up_to_160_then_one_per_153(text: str) -> None:
    size = sms_size(text)
    assert size.encoding is SmsEncoding.GSM7
    assert size.units == len(text)
    assert size.parts == (1 if len(text) <= 160 else math.ceil(len(text) / 153))


@given(chinese)
def test_chinese_text_costs_one_part_up_to_70_then_one_per_67(text: str) -> None:
    size = sms_size(text)
    assert size.encoding is SmsEncoding.UCS2
    assert size.parts == (1 if len(text) <= 70 else math.ceil(len(text) / 67))


@given(gsm_basic, st.text(alphabet=sorted(GSM7_EXTENSION), max_size=50))
def test_extension_characters_cost_two_septets(plain: str, extended: str) -> None:
    assert sms_size(plain + extended).units == len(plain) + 2 * len(extended)


@given(st.text(max_size=300), st.text(max_size=30))
def test_a_longer_text_never_costs_fewer_parts(text: str, more: str) -> None:
    before, after = sms_size(text), sms_size(text + more)
    if before.encoding is after.encoding:
        assert after.parts >= before.parts
    assert after.units >= before.units or after.encoding is not before.encoding


@given(st.text(max_size=300), st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF))
def test_one_chinese_character_switches_the_whole_text_to_ucs2(text: str, han: str) -> None:
    assert sms_size(text + han).encoding is SmsEncoding.UCS2
