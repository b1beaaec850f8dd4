"""The delivery retry policy, as a table: error, attempts so far -> what happens next."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.delivery.retry import MAX_ATTEMPTS, DeliveryError, DeliveryErrorKind, backoff, decide

K = DeliveryErrorKind

CASES = [
    # kind,            attempts, retry?, ambiguous, delay (s) or None for "any"
    (K.RATE_LIMITED, 1, True, False, 7.0),  # Telegram said retry_after=7
    (K.RATE_LIMITED, 50, True, False, 7.0),  # 429s never exhaust attempts
    (K.BLOCKED, 1, False, False, None),  # blocked: retrying cannot help
    (K.CHAT_NOT_FOUND, 1, False, False, None),  # no such chat
    (K.BAD_REQUEST, 1, False, False, None),  # our message is malformed
    (K.SERVER_ERROR, 1, True, False, 2.0),  # 5xx: back off 2 s
    (K.SERVER_ERROR, 3, True, False, 8.0),  # ... doubling
    (K.SERVER_ERROR, MAX_ATTEMPTS, False, False, None),  # then give up and surface it
    (K.TIMEOUT, 1, True, True, 2.0),  # may have been sent: ambiguous
    (K.TIMEOUT, MAX_ATTEMPTS, False, False, None),
]


@pytest.mark.parametrize(("kind", "attempts", "retry", "ambiguous", "delay"), CASES)
def test_decision_table(
    kind: K, attempts: int, retry: bool, ambiguous: bool, delay: float | None
) -> None:
    decision = decide(DeliveryError(kind, retry_after=7.0), attempts)
    assert (decision is not None) == retry
    if decision is not None:
        assert decision.ambiguous == ambiguous
        if delay is not None:
            assert decision.delay == timedelta(seconds=delay)


def test_rate_limits_do_not_use_up_attempts() -> None:
    decision = decide(DeliveryError(K.RATE_LIMITED, retry_after=3), 2)
    assert decision is not None and not decision.counts_as_attempt


def test_backoff_is_capped() -> None:
    assert backoff(30) == timedelta(minutes=10)
