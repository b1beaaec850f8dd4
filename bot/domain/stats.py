"""The clinic's figures (`/stats`, `ember stats`), worked out from plain facts: pure.

A prompt counts once its window has closed: answered, or missed (marked missed, or still
marked sent with its window already over, which the next sweep marks missed). Prompts
still open are shown apart and left out of the response rate, so "answered / closed" is
never flattered by prompts nobody could have answered yet.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.domain.people import PersonStatus, Role
from bot.domain.schedule import PromptStatus
from bot.domain.screening.model import Tier

Outcome = Literal["answered", "missed", "open"]

ONE_OFF = "one-off"  # the step name for prompts a clinician sent by hand


@dataclass(frozen=True)
class PromptFact:
    """One prompt that was sent (or whose window passed), as the figures need it."""

    protocol_id: str | None
    step_id: str | None
    status: PromptStatus
    expires_at: datetime


def outcome(fact: PromptFact, now: datetime) -> Outcome | None:
    """Answered, missed or still open; ``None`` for a prompt that was never sent."""
    if fact.status == PromptStatus.ANSWERED:
        return "answered"
    if fact.status == PromptStatus.MISSED:
        return "missed"
    if fact.status == PromptStatus.SENT:
        return "missed" if fact.expires_at <= now else "open"
    return None


@dataclass(frozen=True)
class StepFigures:
    """Prompts of one protocol step: how many went out and what became of them."""

    protocol_id: str
    step_id: str
    sent: int
    answered: int
    missed: int
    open: int

    @property
    def closed(self) -> int:
        return self.answered + self.missed

    @property
    def rate(self) -> float | None:
        """Answered / closed (sent and no longer open); None while nothing has closed."""
        return self.answered / self.closed if self.closed else None


def by_step(facts: list[PromptFact], now: datetime) -> list[StepFigures]:
    """Figures per (protocol, step), in protocol then step order."""
    tally: dict[tuple[str, str], Counter[str]] = {}
    for fact in facts:
        result = outcome(fact, now)
        if result is None:
            continue
        step = (fact.protocol_id or "", fact.step_id) if fact.step_id else ("", ONE_OFF)
        tally.setdefault(step, Counter())[result] += 1
    return [
        StepFigures(
            protocol_id=protocol,
            step_id=step_id,
            sent=sum(counts.values()),
            answered=counts["answered"],
            missed=counts["missed"],
            open=counts["open"],
        )
        for (protocol, step_id), counts in sorted(tally.items())
    ]


def total(steps: list[StepFigures]) -> StepFigures:
    """Every step together."""
    return StepFigures(
        protocol_id="",
        step_id="",
        sent=sum(s.sent for s in steps),
        answered=sum(s.answered for s in steps),
        missed=sum(s.missed for s in steps),
        open=sum(s.open for s in steps),
    )


@dataclass(frozen=True)
class ClinicCounts:
    """What the figures are made of, read in one transaction for one scope.

    ``therapist_id`` None is the whole clinic (coordinators, the command line); otherwise
    only that therapist's participants are counted, and staff not at all.
    """

    now: datetime
    therapist_id: int | None
    people: Counter[tuple[Role, PersonStatus]]  # everyone in scope, by role and status
    prompts: tuple[PromptFact, ...]  # prompts sent in the window
    open_flags: Counter[Tier]
    ack_minutes: tuple[float, ...]  # flags raised in the window: minutes to acknowledgement
    open_alerts: int
    outbox: Counter[str]


ENROLLED = (
    PersonStatus.CONSENT_PENDING,
    PersonStatus.ACTIVE,
    PersonStatus.PAUSED,
    PersonStatus.WITHDRAWN,
    PersonStatus.UNREACHABLE,
)


@dataclass(frozen=True)
class Acknowledgement:
    """How quickly flags were acknowledged, in minutes."""

    count: int
    median: float | None
    worst: float | None


def acknowledgement(minutes: tuple[float, ...]) -> Acknowledgement:
    if not minutes:
        return Acknowledgement(0, None, None)
    return Acknowledgement(len(minutes), statistics.median(minutes), max(minutes))


def enrolled(people: Counter[tuple[Role, PersonStatus]], role: Role) -> int:
    """People of ``role`` who used their invitation: pending invitations are not people
    taking part yet, and erased participants are gone."""
    return sum(n for (r, status), n in people.items() if r == role and status in ENROLLED)


def invited(people: Counter[tuple[Role, PersonStatus]], role: Role) -> int:
    """People of ``role`` whose invitation is not used yet."""
    return people[(role, PersonStatus.INVITED)]
