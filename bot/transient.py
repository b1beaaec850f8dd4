"""Which failures time mends: the database lost or busy, a timeout, a network error.

Intake tries an update again after one of these however often it happens (nothing a
participant sent is lost to it), and the periodic jobs log one line and wait for their
next run. Anything else (a malformed update, a bug, Telegram refusing a request) would fail
the same way again: see :mod:`bot.domain.handling`.
"""

from __future__ import annotations

from telegram.error import BadRequest, NetworkError, RetryAfter

from storage.db import is_transient as database_trouble


def is_transient(error: BaseException) -> bool:
    """True when ``error``, or an error it was raised from, is one time mends."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen or len(seen) > 20:
            continue
        seen.add(id(current))
        if isinstance(current, BadRequest):  # Telegram refused the request: it would again
            continue
        if isinstance(current, NetworkError | RetryAfter):  # also TimedOut; 5xx answers
            return True
        pending += [current.__cause__, current.__context__]
    return database_trouble(error)
