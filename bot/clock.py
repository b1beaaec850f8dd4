"""Clocks: the one place that reads the wall clock, and a fake one for tests.

Everything that needs "now" takes a :class:`Clock`; nothing else calls
``datetime.now()``. All datetimes handed out are UTC and time-zone aware.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.errors import InvalidValue


class Clock(Protocol):
    """Something that tells the current UTC time."""

    def now(self) -> datetime:
        """Return the current time, UTC, time-zone aware."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock tests move by hand; it never moves on its own."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise InvalidValue("FakeClock needs a time-zone aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        """Move forward by ``delta`` (a timedelta or seconds) and return the new time."""
        if not isinstance(delta, timedelta):
            delta = timedelta(seconds=delta)
        self._now += delta
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise InvalidValue("naive datetimes are refused")
        self._now = when.astimezone(UTC)


def require_aware(value: datetime, what: str = "datetime") -> datetime:
    """Refuse naive datetimes at a boundary; return the value in UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(f"{what} must be time-zone aware")
    return value.astimezone(UTC)
