"""Retries: exponential backoff with a ceiling, the provider's retry-after, and giving up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from winback.act.retry import RetryPolicy
from winback.config import DispatchSettings

NOW = datetime(2024, 3, 1, tzinfo=UTC)


def test_the_wait_doubles_with_each_try_up_to_the_ceiling() -> None:
    retry = RetryPolicy(max_attempts=10, retry_delay=timedelta(minutes=1),
                        max_retry_delay=timedelta(minutes=5))  # fmt: skip
    waits = [retry.next_try(n, now=NOW) for n in range(1, 6)]
    assert [w - NOW for w in waits if w] == [timedelta(minutes=m) for m in (1, 2, 4, 5, 5)]


def test_the_last_allowed_try_gets_no_retry() -> None:
    retry = RetryPolicy(max_attempts=3)
    assert retry.next_try(2, now=NOW) is not None
    assert retry.next_try(3, now=NOW) is None


def test_a_provider_asking_for_a_longer_wait_is_obeyed() -> None:
    retry = RetryPolicy()
    assert retry.next_try(1, now=NOW, retry_after=timedelta(minutes=30)) == NOW + timedelta(
        minutes=30
    )
    assert retry.next_try(1, now=NOW, retry_after=timedelta(seconds=5)) == NOW + timedelta(
        minutes=1
    )


def test_the_policy_is_built_from_the_dispatch_settings() -> None:
    settings = DispatchSettings(max_attempts=2, retry_delay="30s", max_retry_delay="10min")  # type: ignore[arg-type]
    assert RetryPolicy.from_settings(settings) == RetryPolicy(
        2, timedelta(seconds=30), timedelta(minutes=10)
    )
