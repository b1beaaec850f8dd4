"""Schedule computation: a protocol, a participant's sessions and time zone → due prompts.

Pure functions with no clock and no storage: times in and out are aware UTC datetimes,
local wall time is computed here from an IANA zone. The rules (see ``docs/protocols.md``):

* a step is due at its anchor session's start ± ``after``/``before`` (elapsed time);
* ``at`` pins it to that local wall time on the local date of the shifted instant;
  a wall time that does not exist (spring-forward gap) moves to the end of the gap, an
  ambiguous one (fall-back) means its first occurrence;
* inside quiet hours a prompt moves to the end of the quiet period (a period runs from
  the first moment the clocks show its start to the last moment they show its end);
* reminders are spread evenly inside the response window, moved out of quiet hours,
  and dropped when that would push them to or past the prompt's expiry.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import require_aware
from bot.domain.protocol import Anchor, Occurrence, Protocol, ProtocolStep, QuietHours
from bot.errors import InvalidValue

__all__ = [
    "PlannedPrompt",
    "PromptStatus",
    "ScheduleChange",
    "SessionInfo",
    "StartDecision",
    "TimeZoneLike",
    "anchoring_sessions",
    "as_zone",
    "diff_schedule",
    "due_time",
    "end_of_quiet",
    "is_quiet",
    "local_wall_time",
    "next_allowed_time",
    "on_start_decision",
    "plan_prompts",
    "plan_step",
    "reminder_times",
    "wall_time_to_utc",
]

TimeZoneLike = ZoneInfo | str


class PromptStatus(enum.StrEnum):
    PENDING = "pending"  # planned; not yet due (moves with its session)
    SENT = "sent"  # handed to the outbox; open for an answer until expires_at
    ANSWERED = "answered"  # the participant replied inside the window
    MISSED = "missed"  # the window closed without a reply (or it was due while we were down)
    SKIPPED = "skipped"  # due while the participant had paused
    CANCELLED = "cancelled"  # its session was cancelled, the protocol changed, or withdrawal


StartDecision = Literal["send", "missed", "wait"]

# Quiet periods only chain into each other when a DST change makes one end where the next
# starts, so a couple of hops always suffice; the bound keeps an odd zone from looping.
_MAX_QUIET_HOPS = 4


@dataclass(frozen=True)
class SessionInfo:
    """What scheduling needs to know about one recorded treatment session."""

    id: int
    kind: str
    starts_at: datetime
    cancelled: bool = False


@dataclass(frozen=True)
class PlannedPrompt:
    """One prompt of one step for one anchoring session, with its timing."""

    step_id: str
    session_id: int
    due_at: datetime
    expires_at: datetime
    reminder_times: tuple[datetime, ...] = ()

    @property
    def key(self) -> str:
        """Idempotency key: a step is sent once per participant and anchor session."""
        return f"{self.step_id}@{self.session_id}"


@dataclass(frozen=True)
class ScheduleChange:
    """How a participant's pending prompts must change to match a new plan."""

    add: tuple[PlannedPrompt, ...] = ()  # planned, not pending and not done yet
    move: tuple[PlannedPrompt, ...] = ()  # pending, now due at a different time
    cancel: tuple[str, ...] = ()  # keys pending but no longer planned
    unchanged: tuple[str, ...] = ()  # keys pending and due as before

    @property
    def is_empty(self) -> bool:
        return not (self.add or self.move or self.cancel)


def as_zone(tz: TimeZoneLike) -> ZoneInfo:
    """The IANA zone for ``tz``; ValueError for an unknown name."""
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidValue(
            f"unknown time zone {tz!r} (use an IANA name like Europe/Berlin)"
        ) from exc


def local_wall_time(when: datetime, tz: TimeZoneLike) -> str:
    """A stored (aware) time as someone's local wall time: "2026-12-01 14:05 CET"."""
    return require_aware(when).astimezone(as_zone(tz)).strftime("%Y-%m-%d %H:%M %Z")


def _offset(instant: datetime, zone: ZoneInfo) -> timedelta | None:
    return instant.astimezone(zone).utcoffset()


@functools.lru_cache(maxsize=8192)
def _resolve(wall: datetime, zone: ZoneInfo, fold: int = 0) -> datetime:
    """The UTC instant of naive local ``wall`` in ``zone``.

    ``fold`` picks the occurrence of an ambiguous wall time (0 = first). A wall time in a
    gap becomes the gap's end: the instant the clocks jump, the first valid one after it.
    Kept in a cache: planning thousands of participants in one zone resolves the same
    few local days' quiet hours again and again.
    """
    instant = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # Inside a gap the two readings of ``wall`` straddle the transition: read with the
    # later offset it is before it, read with the earlier offset it is after it.
    whole = wall.replace(microsecond=0)
    early = whole.replace(tzinfo=zone, fold=1).astimezone(UTC)
    late = whole.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if early > late:
        early, late = late, early
    after_offset = _offset(late, zone)
    while late - early > timedelta(seconds=1):
        middle = early + timedelta(seconds=(late - early).total_seconds() // 2)
        if _offset(middle, zone) == after_offset:
            late = middle
        else:
            early = middle
    return late


def wall_time_to_utc(day: date, wall: time, tz: TimeZoneLike) -> datetime:
    """The instant the clocks in ``tz`` show ``wall`` on ``day`` (DST rules as above)."""
    return _resolve(datetime.combine(day, wall.replace(tzinfo=None)), as_zone(tz))


def _quiet_period(
    instant: datetime, quiet: QuietHours, zone: ZoneInfo
) -> tuple[datetime, datetime] | None:
    """The quiet period (start, end) in UTC that contains ``instant``, if any.

    A period runs from the first moment the clocks show ``quiet.start`` until the last
    moment they show ``quiet.end``: on the night the clocks go back, the repeated hour
    belongs to the night, so nobody is woken in it.
    """
    today = instant.astimezone(zone).date()
    for offset in (-1, 0, 1):
        day = today + timedelta(days=offset)
        end_day = day + timedelta(days=1) if quiet.wraps_midnight else day
        start = _resolve(datetime.combine(day, quiet.start), zone, fold=0)
        end = _resolve(datetime.combine(end_day, quiet.end), zone, fold=1)
        if start <= instant < end:
            return start, end
    return None


def is_quiet(when: datetime, quiet: QuietHours | None, tz: TimeZoneLike) -> bool:
    """True if the aware instant ``when`` falls inside ``quiet`` hours in zone ``tz``."""
    instant = require_aware(when, "when")
    return quiet is not None and _quiet_period(instant, quiet, as_zone(tz)) is not None


def end_of_quiet(when: datetime, quiet: QuietHours | None, tz: TimeZoneLike) -> datetime:
    """The end (UTC) of the quiet period containing ``when``; ``when`` itself if not quiet."""
    instant = require_aware(when, "when")
    period = None if quiet is None else _quiet_period(instant, quiet, as_zone(tz))
    return instant if period is None else period[1]


def next_allowed_time(when_utc: datetime, quiet: QuietHours | None, tz: TimeZoneLike) -> datetime:
    """``when_utc`` (as UTC), or the end of the quiet hours it falls in."""
    instant = require_aware(when_utc, "when_utc")
    zone = as_zone(tz)
    for _ in range(_MAX_QUIET_HOPS):
        if not is_quiet(instant, quiet, zone):
            break
        instant = end_of_quiet(instant, quiet, zone)
    return instant


def due_time(
    step: ProtocolStep,
    anchor_start: datetime,
    tz: TimeZoneLike,
    quiet: QuietHours | None = None,
) -> datetime:
    """When ``step`` is due for a session starting at ``anchor_start`` (UTC)."""
    zone = as_zone(tz)
    shifted = require_aware(anchor_start, "anchor_start") + step.offset
    if step.at is not None:
        local_day = shifted.astimezone(zone).date()
        shifted = _resolve(datetime.combine(local_day, step.at.replace(tzinfo=None)), zone)
    return next_allowed_time(shifted, quiet, zone)


def reminder_times(
    due_at: datetime,
    expires_at: datetime,
    count: int,
    quiet: QuietHours | None,
    tz: TimeZoneLike,
) -> tuple[datetime, ...]:
    """``count`` reminders evenly inside (due_at, expires_at), kept out of quiet hours.

    A reminder pushed by quiet hours to or past expiry is dropped; two pushed onto the same
    instant become one. The result is strictly increasing and strictly inside the window.
    """
    start = require_aware(due_at, "due_at")
    end = require_aware(expires_at, "expires_at")
    zone = as_zone(tz)
    times: list[datetime] = []
    for k in range(1, count + 1):
        moment = next_allowed_time(start + (end - start) * k / (count + 1), quiet, zone)
        if start < moment < end and (not times or moment > times[-1]):
            times.append(moment)
    return tuple(times)


def anchoring_sessions(anchor: Anchor, sessions: Iterable[SessionInfo]) -> list[SessionInfo]:
    """The sessions a step with ``anchor`` follows, earliest first; cancelled ones never."""
    matching = sorted(
        (s for s in sessions if s.kind == anchor.session and not s.cancelled),
        key=lambda s: (require_aware(s.starts_at, "starts_at"), s.id),
    )
    if not matching or anchor.occurrence is Occurrence.EACH:
        return matching
    return [matching[0] if anchor.occurrence is Occurrence.FIRST else matching[-1]]


def plan_step(
    protocol: Protocol, step: ProtocolStep, session: SessionInfo, tz: TimeZoneLike
) -> PlannedPrompt:
    """The prompt of ``step`` for one anchoring ``session``."""
    zone = as_zone(tz)
    due = due_time(step, session.starts_at, zone, protocol.quiet_hours)
    expires = due + protocol.window_for(step)
    reminders = reminder_times(
        due, expires, protocol.reminders_for(step), protocol.quiet_hours, zone
    )
    return PlannedPrompt(step.id, session.id, due, expires, reminders)


def plan_prompts(
    protocol: Protocol,
    sessions: Sequence[SessionInfo],
    tz: TimeZoneLike,
    *,
    in_couple: bool = False,
) -> list[PlannedPrompt]:
    """Every prompt ``protocol`` asks for around ``sessions``, sorted by due time; steps
    for couples (``audience: couple``) only for a participant ``in_couple``.

    Deterministic: ties are broken by session id, then by step order. Raises ValueError
    for naive session times, repeated session ids or an unknown zone.
    """
    zone = as_zone(tz)
    seen: set[int] = set()
    for session in sessions:
        require_aware(session.starts_at, f"session {session.id} starts_at")
        if session.id in seen:
            raise InvalidValue(f"session id {session.id} appears more than once")
        seen.add(session.id)
    ranked: list[tuple[datetime, int, int, PlannedPrompt]] = []
    for index, step in enumerate(protocol.steps):
        if not step.is_for(in_couple=in_couple):
            continue
        for session in anchoring_sessions(step.anchor, sessions):
            prompt = plan_step(protocol, step, session, zone)
            ranked.append((prompt.due_at, session.id, index, prompt))
    ranked.sort(key=lambda item: item[:3])
    return [item[3] for item in ranked]


def on_start_decision(prompt_due: datetime, expires_at: datetime, now: datetime) -> StartDecision:
    """What to do with a pending prompt at start-up: not yet due, still open, or missed."""
    due = require_aware(prompt_due, "prompt_due")
    expires = require_aware(expires_at, "expires_at")
    current = require_aware(now, "now")
    if current < due:
        return "wait"
    return "send" if current < expires else "missed"


def diff_schedule(
    existing: Mapping[str, datetime],
    planned: Sequence[PlannedPrompt],
    *,
    done: Set[str] = frozenset(),
) -> ScheduleChange:
    """Compare pending prompts (key → due time) with a new plan.

    ``existing`` holds only pending (unsent) prompts. Keys in ``done`` (sent, answered,
    missed) are never added again, so a replan cannot send a step twice.
    """
    pending = {key: require_aware(due, f"due time of {key}") for key, due in existing.items()}
    add: list[PlannedPrompt] = []
    move: list[PlannedPrompt] = []
    unchanged: list[str] = []
    planned_keys: set[str] = set()
    for prompt in planned:
        if prompt.key in planned_keys:
            raise InvalidValue(f"prompt {prompt.key} is planned twice")
        planned_keys.add(prompt.key)
        if prompt.key in pending:
            if pending[prompt.key] == prompt.due_at:
                unchanged.append(prompt.key)
            else:
                move.append(prompt)
        elif prompt.key not in done:
            add.append(prompt)
    cancel = sorted(key for key in pending if key not in planned_keys)
    return ScheduleChange(tuple(add), tuple(move), tuple(cancel), tuple(unchanged))
