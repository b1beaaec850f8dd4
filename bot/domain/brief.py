"""The pre-integration brief as values: when it is due, what it covers, and how each flag
since the previous session was handled (pure: no I/O, no catalogue).

A therapist gets one brief per integration session, the evening before it (by default at
18:00 their local time the day before; ``EMBER_BRIEF_AT`` and ``EMBER_BRIEF_DAYS_BEFORE``
change that). Its outbox key names the session and its start, so a brief goes once per
session across restarts, and a session moved to another day gets its brief anew, at the
evening before its new date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.domain.records import Flag, TreatmentSession
from bot.domain.schedule import TimeZoneLike, as_zone, wall_time_to_utc

INTEGRATION = "integration"
DEFAULT_AT = time(18, 0)
DEFAULT_DAYS_BEFORE = 1


@dataclass(frozen=True)
class BriefTiming:
    """When briefs go out: ``days_before`` the session's local date, at ``at`` local time."""

    at: time = DEFAULT_AT
    days_before: int = DEFAULT_DAYS_BEFORE

    def due_at(self, session_start: datetime, tz: TimeZoneLike) -> datetime:
        """When the brief for a session starting at ``session_start`` is due, in UTC; never
        after the session itself (a session recorded late still gets its brief at once)."""
        local_day = session_start.astimezone(as_zone(tz)).date()
        due = wall_time_to_utc(local_day - timedelta(days=self.days_before), self.at, tz)
        return min(due, session_start)

    @property
    def lookahead(self) -> timedelta:
        """How far ahead a session may start and already have its brief due."""
        return timedelta(days=self.days_before + 1)


def brief_key(session: TreatmentSession) -> str:
    """The outbox key of a session's brief: moving the session changes it."""
    return f"brief:{session.id}:{session.starts_at:%Y%m%dT%H%M}"


def previous_session(
    sessions: Sequence[TreatmentSession], session: TreatmentSession
) -> TreatmentSession | None:
    """The participant's latest session (any kind, not cancelled) before ``session``."""
    earlier = [
        s
        for s in sessions
        if s.id != session.id and not s.cancelled and s.starts_at < session.starts_at
    ]
    return max(earlier, key=lambda s: (s.starts_at, s.id), default=None)


@dataclass(frozen=True)
class HandledFlag:
    """A flag and how it was handled: who acknowledged it, and how long it took."""

    flag: Flag
    acknowledged_by: str | None  # staff code, or None while open

    @property
    def minutes_to_acknowledge(self) -> int | None:
        if self.flag.acknowledged_at is None:
            return None
        return round((self.flag.acknowledged_at - self.flag.created_at).total_seconds() / 60)


def parse_brief_at(text: str) -> time:
    """``"18:00"`` → 18:00; raise ``ValueError`` on anything else."""
    hours, _, minutes = text.strip().partition(":")
    value = time(int(hours), int(minutes))
    if len(minutes) != 2:
        raise ValueError(f"{text!r} is not a time of day like 18:00")
    return value
