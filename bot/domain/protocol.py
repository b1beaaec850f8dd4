"""Protocols as plain values: steps anchored to sessions, their timing and their words.

Only data and the small parsers for its textual forms (durations, times of day, quiet
hours) live here. Reading and validating YAML files is ``prompts/protocols.py``; turning
a protocol and a participant's sessions into due times is ``bot/domain/schedule.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from enum import StrEnum
from types import MappingProxyType

from bot.errors import InvalidValue

__all__ = [
    "MAX_DURATION",
    "MAX_REMINDERS",
    "QUESTIONNAIRE_IDS",
    "SCALE_MAX",
    "SCALE_MIN",
    "Anchor",
    "Audience",
    "Choice",
    "Occurrence",
    "Protocol",
    "ProtocolStep",
    "QuietHours",
    "ScaleLabels",
    "SessionKind",
    "StepKind",
    "format_duration",
    "localized",
    "parse_duration",
    "parse_quiet_hours",
    "parse_time_of_day",
]

#: The validated instruments a ``questionnaire`` step may name (content lives elsewhere).
QUESTIONNAIRE_IDS: tuple[str, ...] = ("phq9", "gad7", "pcl5", "who5")
#: The most gentle reminders a protocol or step may ask for inside one response window.
MAX_REMINDERS = 5
#: A ``scale`` step offers one button per whole number from SCALE_MIN to SCALE_MAX.
SCALE_MIN = 0
SCALE_MAX = 10

_UNIT_SECONDS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
#: Longer offsets are surely typos (ten years); refusing them also keeps date maths finite.
MAX_DURATION = timedelta(days=3650)
_DURATION_PART = re.compile(r"([0-9]+)([dhms])")
_TIME_OF_DAY = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")


class SessionKind(StrEnum):
    """The kinds of treatment session a step can be anchored to."""

    DOSING = "dosing"  # the day-long medicine session (with its overnight stay)
    INTEGRATION = "integration"  # a talking session with the therapist afterwards
    PREPARATION = "preparation"  # a talking session before dosing


class Occurrence(StrEnum):
    """Which sessions of the anchor kind a step follows."""

    EACH = "each"  # one prompt per session of that kind
    FIRST = "first"  # only the earliest (not cancelled) session of that kind
    LAST = "last"  # only the latest (not cancelled) session of that kind


class Audience(StrEnum):
    """Who a step is for, in a programme that treats couples together."""

    EACH = "each"  # every participant, in a couple or not (the default)
    COUPLE = "couple"  # only participants in a couple (relationship reflections); each
    # partner gets their own prompt and their own private reply


class StepKind(StrEnum):
    """How a participant answers a step."""

    TEXT = "text"  # a free journal reply
    SCALE = "scale"  # one tap on a 0–10 row of buttons
    CHOICE = "choice"  # one tap on a labelled button
    QUESTIONNAIRE = "questionnaire"  # a validated instrument, item by item
    CHECKLIST = "checklist"  # the pre-session safety check, answered in one reply


def localized(texts: Mapping[str, str]) -> Mapping[str, str]:
    """Freeze a language → text mapping (read-only view of a private copy)."""
    return MappingProxyType(dict(texts))


def _pick(texts: Mapping[str, str], language: str, fallback: str) -> str:
    for lang in (language, language.split("-")[0], fallback, "en"):
        if lang in texts:
            return texts[lang]
    return next(iter(texts.values()), "")


@dataclass(frozen=True)
class Anchor:
    """The session(s) a step is timed from."""

    session: SessionKind
    occurrence: Occurrence = Occurrence.EACH

    def __str__(self) -> str:
        if self.occurrence is Occurrence.EACH:
            return str(self.session)
        return f"{self.occurrence} {self.session}"


@dataclass(frozen=True)
class Choice:
    """One button of a ``choice`` step: a stable id (stored) and its label per language."""

    id: str
    label: Mapping[str, str] = field(hash=False)

    def label_for(self, language: str, fallback: str = "en") -> str:
        return _pick(self.label, language, fallback)


@dataclass(frozen=True)
class ScaleLabels:
    """Words under the ends of a ``scale`` step's 0–10 row (either may be empty)."""

    min_label: Mapping[str, str] = field(default_factory=lambda: localized({}), hash=False)
    max_label: Mapping[str, str] = field(default_factory=lambda: localized({}), hash=False)


@dataclass(frozen=True)
class ProtocolStep:
    """One prompt of a protocol, sent once per anchoring session.

    Timing: ``after`` or ``before`` (exactly one) is elapsed time from the session's
    start; ``at`` then pins the prompt to that wall time on the participant's local date
    of the shifted instant. ``reminders`` and ``window`` override the protocol's values.
    """

    id: str
    anchor: Anchor
    kind: StepKind
    text: Mapping[str, str] = field(hash=False)
    after: timedelta | None = None
    before: timedelta | None = None
    at: time | None = None
    choices: tuple[Choice, ...] = ()
    scale: ScaleLabels | None = None
    questionnaire: str | None = None
    reminders: int | None = None
    window: timedelta | None = None
    audience: Audience = Audience.EACH
    checklist: str | None = None  # a checklist step's checklist (prompts/checklists)

    def __post_init__(self) -> None:
        if (self.after is None) == (self.before is None):
            raise InvalidValue(f"step {self.id!r}: give exactly one of 'after' or 'before'")
        for name, value in (("after", self.after), ("before", self.before)):
            if value is not None and value < timedelta(0):
                raise InvalidValue(f"step {self.id!r}: {name!r} must not be negative")
        if not self.text.get("en", "").strip():
            raise InvalidValue(f"step {self.id!r}: an English text ('en') is required")
        if (self.kind is StepKind.CHOICE) != bool(self.choices):
            raise InvalidValue(f"step {self.id!r}: choices belong to (and only to) choice steps")
        if (self.kind is StepKind.QUESTIONNAIRE) != (self.questionnaire is not None):
            raise InvalidValue(
                f"step {self.id!r}: a questionnaire id belongs to (and only to) questionnaire steps"
            )
        if (self.kind is StepKind.CHECKLIST) != (self.checklist is not None):
            raise InvalidValue(
                f"step {self.id!r}: a checklist id belongs to (and only to) checklist steps"
            )
        if self.questionnaire is not None and self.questionnaire not in QUESTIONNAIRE_IDS:
            raise InvalidValue(f"step {self.id!r}: unknown questionnaire {self.questionnaire!r}")
        if self.reminders is not None and not 0 <= self.reminders <= MAX_REMINDERS:
            raise InvalidValue(f"step {self.id!r}: reminders must be 0–{MAX_REMINDERS}")
        if self.window is not None and self.window <= timedelta(0):
            raise InvalidValue(f"step {self.id!r}: the window must be longer than zero")

    @property
    def offset(self) -> timedelta:
        """Signed shift from the anchor session's start (negative for ``before``)."""
        if self.after is not None:
            return self.after
        assert self.before is not None  # guaranteed by __post_init__
        return -self.before

    def text_for(self, language: str, fallback: str = "en") -> str:
        """The step's text in ``language`` (or its base language, the fallback, English)."""
        return _pick(self.text, language, fallback)

    def is_for(self, *, in_couple: bool) -> bool:
        """Whether a participant (in a couple or not) gets this step."""
        return self.audience is Audience.EACH or in_couple


@dataclass(frozen=True)
class QuietHours:
    """A daily local period in which nothing is sent; ``end`` is the first allowed minute.

    ``start > end`` wraps midnight (22:00–08:00 is quiet from 22:00 until 08:00 next day).
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise InvalidValue("quiet hours must start and end at different times")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise InvalidValue("quiet hours are local wall times without a time zone")

    @property
    def wraps_midnight(self) -> bool:
        return self.start > self.end

    def contains(self, wall: time) -> bool:
        """True if the local wall time ``wall`` is inside the quiet period."""
        wall = wall.replace(tzinfo=None, fold=0)
        if self.wraps_midnight:
            return wall >= self.start or wall < self.end
        return self.start <= wall < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class Protocol:
    """A named, versioned set of steps with its sending rules."""

    id: str
    name: str
    version: str
    steps: tuple[ProtocolStep, ...]
    description: str = ""
    quiet_hours: QuietHours | None = None
    response_window: timedelta = timedelta(hours=24)
    reminders: int = 0
    default_language: str = "en"

    def __post_init__(self) -> None:
        ids = [step.id for step in self.steps]
        if len(ids) != len(set(ids)):
            raise InvalidValue(f"protocol {self.id!r}: step ids must be unique")
        if self.response_window <= timedelta(0):
            raise InvalidValue(f"protocol {self.id!r}: the response window must be > 0")
        if not 0 <= self.reminders <= MAX_REMINDERS:
            raise InvalidValue(f"protocol {self.id!r}: reminders must be 0–{MAX_REMINDERS}")

    def step(self, step_id: str) -> ProtocolStep:
        """The step with this id (KeyError if there is none)."""
        for candidate in self.steps:
            if candidate.id == step_id:
                return candidate
        raise KeyError(step_id)

    def window_for(self, step: ProtocolStep) -> timedelta:
        """How long a prompt of ``step`` stays open before it counts as missed."""
        return step.window if step.window is not None else self.response_window

    def reminders_for(self, step: ProtocolStep) -> int:
        """How many gentle reminders a prompt of ``step`` gets at most."""
        return step.reminders if step.reminders is not None else self.reminders


def parse_duration(text: str) -> timedelta:
    """Parse ``"90m"``, ``"1d"``, ``"12h"``, ``"30s"`` or compounds like ``"1d12h"``.

    Units go from largest to smallest, each at most once. ``1d`` is 24 hours of elapsed
    time. Raises ValueError saying what is wrong.
    """
    if not isinstance(text, str):
        raise InvalidValue(f"a duration must be text like 90m, 1d or 12h (got {text!r})")
    cleaned = text.strip().lower()
    if not cleaned:
        raise InvalidValue("a duration must not be empty (write e.g. 90m, 1d or 12h)")
    position = 0
    seconds = 0
    seen: list[str] = []
    for match in _DURATION_PART.finditer(cleaned):
        if match.start() != position:
            break
        unit = match.group(2)
        if seen and "dhms".index(unit) <= "dhms".index(seen[-1]):
            raise InvalidValue(
                f"units in a duration go from days to seconds, each once (got {text!r})"
            )
        seen.append(unit)
        seconds += int(match.group(1)) * _UNIT_SECONDS[unit]
        position = match.end()
    if position != len(cleaned) or not seen:
        raise InvalidValue(
            f"a duration is a number with a unit s, m, h or d, like 90m, 1d or 12h (got {text!r})"
        )
    if seconds > MAX_DURATION.total_seconds():
        raise InvalidValue(f"a duration may be at most {MAX_DURATION.days}d (got {text!r})")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest text :func:`parse_duration` reads back as ``value`` (``"1d12h"``)."""
    if value < timedelta(0) or value.microseconds:
        raise InvalidValue(f"only whole, non-negative seconds can be written ({value!r})")
    remaining = int(value.total_seconds())
    if remaining == 0:
        return "0s"
    parts: list[str] = []
    for unit, size in _UNIT_SECONDS.items():
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def parse_time_of_day(text: str) -> time:
    """Parse a 24-hour local wall time ``"HH:MM"`` (``"7:30"`` is accepted too)."""
    match = _TIME_OF_DAY.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise InvalidValue(f"a time of day is written HH:MM, 00:00 to 23:59 (got {text!r})")
    return time(int(match.group(1)), int(match.group(2)))


def parse_quiet_hours(text: str) -> QuietHours:
    """Parse ``"22:00-08:00"`` (a period may wrap midnight)."""
    pieces = text.split("-") if isinstance(text, str) else []
    if len(pieces) != 2:
        raise InvalidValue(f"quiet hours are written like 22:00-08:00 (got {text!r})")
    try:
        start, end = parse_time_of_day(pieces[0]), parse_time_of_day(pieces[1])
    except ValueError:
        raise InvalidValue(f"quiet hours are written like 22:00-08:00 (got {text!r})") from None
    if start == end:
        raise InvalidValue(f"quiet hours must start and end at different times (got {text!r})")
    return QuietHours(start, end)
