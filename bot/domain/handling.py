"""What becomes of an update whose handling failed: tried again after a pause, or set aside.

A failure time mends (the database lost or busy, a timeout, a network error to Telegram) is
tried again, for as long as it takes, with a pause that doubles up to a minute: nothing a
participant sent is lost to it. A failure in the update itself or in the code (a malformed
update, a bug) would fail the same way every time; after ``MAX_FAILURES`` such failures in
a row it is parked, kept sealed for an operator (``ember status``, ``ember requeue``), so
the chat's later updates are not held up behind it for ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

MAX_FAILURES = 5  # the same failure, not one time mends, this many times in a row: parked
FIRST_DELAY = 1.0  # seconds before the first retry; doubled for each failure in a row
MAX_DELAY = 60.0


@dataclass(frozen=True)
class HandlingFailure:
    """Why handling an update failed: the exception's class name (never its text)."""

    error: str
    transient: bool  # time mends it: tried again however often it happens


@dataclass(frozen=True)
class Retry:
    """Pending again, tried after ``delay``; ``attempts`` failures in a row so far."""

    delay: timedelta
    attempts: int


@dataclass(frozen=True)
class Park:
    """Set aside, with a reason fit for ``ember status`` (no content)."""

    reason: str
    attempts: int


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s … a minute at most, after ``attempts`` failures in a row."""
    return timedelta(seconds=min(MAX_DELAY, FIRST_DELAY * 2 ** max(0, attempts - 1)))


def after_failure(
    failure: HandlingFailure, *, attempts: int, last_error: str | None
) -> Retry | Park:
    """What to do with an update that failed again; ``attempts`` and ``last_error``: its
    failures in a row before this one, and the last one's class name.

    Failures count in a row only while they fail the same way; a different failure starts
    the count again.
    """
    streak = attempts + 1 if last_error == failure.error else 1
    if not failure.transient and streak >= MAX_FAILURES:
        return Park(f"parked: failed {streak} times in a row ({failure.error})", streak)
    return Retry(backoff(streak), streak)
