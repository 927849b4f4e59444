"""Signed, expiring links: issue, verify, and every way a token can be refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from winback.act.links import (
    ExpiredLink,
    LinkClaims,
    LinkError,
    LinkPurpose,
    LinkSigner,
    TamperedLink,
    WrongPurposeLink,
)

SECRET = b"k" * 32
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
signer = LinkSigner(SECRET)


def issue(**overrides: object) -> str:
    arguments: dict[str, object] = {
        "now": NOW,
        "valid_for": timedelta(days=2),
        "nonce": "n0nce",
    }
    arguments.update(overrides)
    return signer.issue(LinkPurpose.REASON_FORM, "order:T100:cancel_save:1", **arguments)  # type: ignore[arg-type]


def test_a_fresh_link_verifies_and_returns_its_claims() -> None:
    claims = signer.verify(issue(), LinkPurpose.REASON_FORM, now=NOW + timedelta(hours=1))
    assert claims == LinkClaims(
        LinkPurpose.REASON_FORM,
        "order:T100:cancel_save:1",
        datetime(2026, 12, 2, 10, 0, tzinfo=UTC),
        "n0nce",
    )


def test_the_token_is_the_hmac_sha256_of_its_payload_in_base64url() -> None:
    payload = b"v1\nreason_form\norder:T100:cancel_save:1\n1796205600\nn0nce"
    mac = hmac.new(SECRET, payload, hashlib.sha256).digest()

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    assert issue() == f"{b64(payload)}.{b64(mac)}"


def test_a_link_is_expired_at_its_expiry_instant() -> None:
    with pytest.raises(ExpiredLink, match="expired"):
        signer.verify(issue(), LinkPurpose.REASON_FORM, now=NOW + timedelta(days=2))


def test_a_link_for_another_purpose_is_refused() -> None:
    with pytest.raises(WrongPurposeLink, match="another page"):
        signer.verify(issue(), LinkPurpose.UNSUBSCRIBE, now=NOW)


def test_a_link_signed_with_another_secret_is_tampered() -> None:
    other = LinkSigner(b"x" * 32).issue(
        LinkPurpose.REASON_FORM, "s", now=NOW, valid_for=timedelta(hours=1)
    )
    with pytest.raises(TamperedLink):
        signer.verify(other, LinkPurpose.REASON_FORM, now=NOW)


def test_changing_the_subject_in_the_payload_breaks_the_signature() -> None:
    body, mac = issue().split(".")
    forged = base64.urlsafe_b64encode(
        b"v1\nreason_form\norder:T999:cancel_save:1\n1796205600\nn0nce"
    ).rstrip(b"=")
    with pytest.raises(TamperedLink):
        signer.verify(f"{forged.decode()}.{mac}", LinkPurpose.REASON_FORM, now=NOW)
    assert body != forged.decode()


@pytest.mark.parametrize("token", ["", "abc", "abc.", ".abc", "a.b.c", "!!!.???", "é.é"])
def test_a_malformed_token_is_tampered_not_a_crash(token: str) -> None:
    with pytest.raises(TamperedLink):
        signer.verify(token, LinkPurpose.RECOVERY, now=NOW)


def test_two_links_for_the_same_subject_have_different_ids() -> None:
    first = signer.issue(LinkPurpose.NPS, "c1", now=NOW, valid_for=timedelta(days=7))
    second = signer.issue(LinkPurpose.NPS, "c1", now=NOW, valid_for=timedelta(days=7))
    assert first != second
    ids = {signer.verify(t, LinkPurpose.NPS, now=NOW).token_id for t in (first, second)}
    assert len(ids) == 2


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        LinkSigner(b"short")


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="time-zone aware"):
        issue(now=datetime(2026, 11, 30, 10, 0))


@given(st.binary(max_size=80).map(lambda b: base64.urlsafe_b64encode(b).decode()), st.text())
def test_any_token_either_verifies_or_raises_a_link_error(body: str, mac: str) -> None:
    with pytest.raises(LinkError):
        signer.verify(f"{body}.{mac}", LinkPurpose.RECOVERY, now=NOW)


@given(
    st.sampled_from(list(LinkPurpose)),
    st.text(min_size=1, max_size=60).filter(lambda s: "\n" not in s),
    st.integers(min_value=1, max_value=10**7),
)
def test_every_issued_link_round_trips_until_it_expires(
    purpose: LinkPurpose, subject: str, seconds: int
) -> None:
    token = signer.issue(purpose, subject, now=NOW, valid_for=timedelta(seconds=seconds))
    claims = signer.verify(token, purpose, now=NOW + timedelta(seconds=seconds - 1))
    assert (claims.purpose, claims.subject) == (purpose, subject)
    with pytest.raises(ExpiredLink):
        signer.verify(token, purpose, now=NOW + timedelta(seconds=seconds))


@pytest.mark.parametrize("nonce", ["x" * 65, "a\nb"])
def test_a_nonce_that_cannot_be_a_token_id_is_refused(nonce: str) -> None:
    with pytest.raises(ValueError, match="nonce"):
        issue(nonce=nonce)
