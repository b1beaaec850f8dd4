"""What happens for each tier, and the signals besides free text (pure; docs/screening.md).

============  ===============  ================  ====================  ======================
tier          participant      therapist alert   escalation            digest
============  ===============  ================  ====================  ======================
crisis        safety message   at once           after 15 min, repeat  yes
high          supportive msg   at once           after 60 min, repeat  yes
moderate      —                respecting quiet  —                     yes
low           —                —                 —                     yes
============  ===============  ================  ====================  ======================
"""

from __future__ import annotations

import enum
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from bot.domain.screening.model import Tier

__all__ = [
    "AlertStatus",
    "EscalationPolicy",
    "FlagStatus",
    "Signal",
    "Tier",
    "TierActions",
    "actions_for",
    "scale_signal",
    "silence_signal",
]


class FlagStatus(enum.StrEnum):
    OPEN = "open"  # raised, nobody has acknowledged it yet
    ACKNOWLEDGED = "acknowledged"  # a clinician took it up (directly or through its alert)


class AlertStatus(enum.StrEnum):
    OPEN = "open"  # sent, escalating until someone acknowledges
    ACKNOWLEDGED = "acknowledged"  # escalation stopped


@dataclass(frozen=True)
class EscalationPolicy:
    """How long an alert may stay unacknowledged before others are called, per tier.

    Durations are parameters so an end-to-end test can run the whole chain in seconds.
    """

    crisis_after: timedelta = timedelta(minutes=15)
    high_after: timedelta = timedelta(minutes=60)

    def escalate_after(self, tier: Tier) -> timedelta | None:
        return {Tier.CRISIS: self.crisis_after, Tier.HIGH: self.high_after}.get(tier)


@dataclass(frozen=True)
class TierActions:
    safety_message: bool
    alert_therapist: bool
    respect_quiet_hours: bool
    escalate: bool


def actions_for(tier: Tier) -> TierActions:
    """The tier table of docs/screening.md as data."""
    if tier >= Tier.HIGH:
        return TierActions(True, True, False, True)
    if tier == Tier.MODERATE:
        return TierActions(False, True, True, False)
    return TierActions(False, False, False, False)


@dataclass(frozen=True)
class Signal:
    """A flag raised by something other than the screener (a scale, silence, a questionnaire)."""

    tier: Tier
    categories: tuple[str, ...]
    rule: str
    explanation: str
    evidence: tuple[dict[str, object], ...] = field(default=())


LOW_MOOD_MAX = 1  # a mood of 0 or 1 on the 0–10 scale
DROP_POINTS = 4  # this far below the person's own usual mood
BASELINE_MIN = 3  # answers needed before a personal baseline means anything
SILENCE_RUN = 3  # missed prompts in a row


def scale_signal(value: int, earlier: Sequence[int]) -> Signal | None:
    """A very low mood, or a sharp drop from the participant's own baseline (median)."""
    if value <= LOW_MOOD_MAX:
        return Signal(
            Tier.MODERATE,
            ("distress",),
            "signal.scale.very_low",
            f"mood scale answer {value} of 10",
        )
    if len(earlier) >= BASELINE_MIN:
        baseline = statistics.median(earlier[-7:])
        if baseline - value >= DROP_POINTS:
            return Signal(
                Tier.MODERATE,
                ("distress",),
                "signal.scale.drop",
                f"mood {value} of 10, usually about {baseline:g}",
            )
    return None


def silence_signal(recent: Sequence[str]) -> Signal | None:
    """``recent``: newest first, statuses of answered/missed prompts. Several missed → low.

    Raised once per streak: when the run of missed prompts reaches SILENCE_RUN, not again
    for each further day of the same silence.
    """
    streak = 0
    for status in recent:
        if status != "missed":
            break
        streak += 1
    if streak == SILENCE_RUN:
        return Signal(
            Tier.LOW,
            ("distress",),
            "signal.silence",
            f"{SILENCE_RUN} prompts in a row went unanswered",
        )
    return None
