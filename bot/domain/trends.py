"""A participant's course over time: mood answers, questionnaire scores against their own
baseline, sessions and flags, as plain values for the digest, the pre-session brief and
the charts (pure: no I/O).

**Baseline.** A participant's baseline on an instrument is their last complete score at or
before their first dosing session; someone with no dosing session yet (or who first
answered after it) has their first complete score as baseline. The change is the latest
score against it, on the instrument's own change scale with its minimal important change
(``bot.domain.questionnaires.change_from_baseline``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.questionnaires import Change, Instrument, Score, change_from_baseline
from bot.domain.records import Flag, ScheduledPrompt, TreatmentSession
from bot.domain.schedule import PromptStatus

DOSING = "dosing"


@dataclass(frozen=True)
class MoodPoint:
    """One scale answer (0–10) of a participant."""

    participant_id: int
    at: datetime
    value: int


@dataclass(frozen=True)
class ScorePoint:
    """One completed questionnaire of a participant."""

    participant_id: int
    prompt_id: int
    instrument_id: str
    at: datetime
    total: int
    percentage: int | None
    band: str

    def as_score(self) -> Score:
        return Score(self.instrument_id, self.total, self.percentage, self.band, None, True, ())


@dataclass(frozen=True)
class ScoreLine:
    """The latest score on one instrument, against the participant's baseline."""

    instrument: Instrument
    latest: ScorePoint
    baseline: ScorePoint | None  # None: this is the first score, nothing to compare with
    change: Change | None

    @property
    def is_baseline(self) -> bool:
        return self.baseline is None or self.baseline.prompt_id == self.latest.prompt_id


@dataclass(frozen=True)
class Trend:
    """What a chart of one participant shows over ``(since, until]``."""

    code: str
    since: datetime
    until: datetime
    mood: tuple[MoodPoint, ...]
    scores: tuple[ScorePoint, ...]
    sessions: tuple[TreatmentSession, ...]
    flags: tuple[Flag, ...]

    @property
    def empty(self) -> bool:
        return not (self.mood or self.scores)


def score_points(prompts: Iterable[ScheduledPrompt]) -> list[ScorePoint]:
    """The completed questionnaires among ``prompts``, oldest first; a prompt whose stored
    progress has no score (unfinished, or damaged) is left out."""
    found = []
    for prompt in prompts:
        if prompt.kind != "questionnaire" or prompt.status != PromptStatus.ANSWERED:
            continue
        try:
            state = json.loads(prompt.state or "{}")
            result = state["score"]
            total, band = int(result["total"]), str(result["band"])
        except (ValueError, KeyError, TypeError):
            continue
        percentage = result.get("percentage")
        found.append(
            ScorePoint(
                participant_id=prompt.participant_id,
                prompt_id=prompt.id,
                instrument_id=str(state["instrument"]),
                at=prompt.answered_at or prompt.due_at,
                total=total,
                percentage=None if percentage is None else int(percentage),
                band=band,
            )
        )
    found.sort(key=lambda p: (p.at, p.prompt_id))
    return found


def baseline(points: Sequence[ScorePoint], sessions: Sequence[TreatmentSession]) -> ScorePoint:
    """The baseline among one participant's scores on one instrument (oldest first)."""
    dosings = [s.starts_at for s in sessions if s.kind == DOSING and not s.cancelled]
    if dosings:
        before = [p for p in points if p.at <= min(dosings)]
        if before:
            return before[-1]
    return points[0]


def score_lines(
    points: Sequence[ScorePoint],
    sessions: Sequence[TreatmentSession],
    instruments: Mapping[str, Instrument],
    *,
    since: datetime | None = None,
) -> tuple[ScoreLine, ...]:
    """One participant's latest score on each instrument against baseline; with ``since``,
    only instruments answered after it (what is new). Unknown instruments are left out."""
    by_instrument: dict[str, list[ScorePoint]] = defaultdict(list)
    for point in sorted(points, key=lambda p: (p.at, p.prompt_id)):
        by_instrument[point.instrument_id].append(point)
    lines = []
    for instrument_id, mine in sorted(by_instrument.items()):
        instrument = instruments.get(instrument_id)
        latest = mine[-1]
        if instrument is None or (since is not None and latest.at <= since):
            continue
        base = baseline(mine, sessions)
        if base.prompt_id == latest.prompt_id:
            lines.append(ScoreLine(instrument, latest, None, None))
            continue
        change = change_from_baseline(instrument, base.as_score(), latest.as_score())
        lines.append(ScoreLine(instrument, latest, base, change))
    return tuple(lines)


def share_of_range(point: ScorePoint, instrument: Instrument) -> float:
    """A score as a share of its instrument's range (0–100), so instruments share an axis."""
    span = instrument.max_total - instrument.min_total
    return 100.0 * (point.total - instrument.min_total) / span if span else 0.0
