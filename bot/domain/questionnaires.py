"""Validated questionnaires (PHQ-9, GAD-7, PCL-5, WHO-5) as plain values, and their scoring.

Pure: no I/O. The instruments themselves — wording, options, cut-offs and alert rules — are
data in ``prompts/questionnaires/*.yaml``, read by ``prompts/questionnaire_loader.py``.
Here live the shapes of that data, scoring (sum, band, WHO-5 percentage), the alerts a set
of answers raises, and the change against a baseline. See ``docs/questionnaires.md``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from bot.domain.screening.model import Tier
from bot.errors import InvalidAnswer, InvalidValue

__all__ = [
    "COMPARISONS",
    "SUBJECT_PERCENTAGE",
    "SUBJECT_TOTAL",
    "TIERS",
    "AlertRule",
    "Band",
    "Change",
    "Instrument",
    "InvalidAnswer",
    "Item",
    "MinimalImportantChange",
    "Option",
    "QuestionnaireAlert",
    "Score",
    "alerts",
    "change_from_baseline",
    "parse_condition",
    "score",
    "validate_answers",
]

#: Alert tiers, mildest first — the screener's own tiers, by their labels.
TIERS: tuple[str, ...] = tuple(tier.label for tier in Tier)
#: An alert rule compares one of these (or an item id) with a whole number.
SUBJECT_TOTAL = "total"
SUBJECT_PERCENTAGE = "percentage"
COMPARISONS: Mapping[str, Callable[[int, int], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}
_CONDITION = re.compile(r"\s*([a-z][a-z0-9_]*)\s*(>=|<=|==|>|<)\s*(-?\d+)\s*")

Direction = Literal["better", "worse", "same"]
ChangeScale = Literal["total", "percentage"]


@dataclass(frozen=True)
class Option:
    """One answer button: the value it scores and the published label."""

    value: int
    label: str


@dataclass(frozen=True)
class Item:
    """One question, by its stable id (``phq9_9``), position (1-based) and published text."""

    id: str
    number: int
    text: str


@dataclass(frozen=True)
class Band:
    """A severity range of the raw total, both ends inclusive."""

    id: str
    label: str
    min_total: int
    max_total: int
    description: str = ""

    def contains(self, total: int) -> bool:
        return self.min_total <= total <= self.max_total


@dataclass(frozen=True)
class AlertRule:
    """``subject comparison threshold`` → an alert of ``tier`` and ``category``.

    ``subject`` is ``total``, ``percentage`` or an item id. Item rules fire as soon as that
    item is answered (so PHQ-9 item 9 is seen before the last item); total and percentage
    rules fire only on a complete questionnaire.
    """

    id: str
    subject: str
    comparison: str
    threshold: int
    tier: Tier
    category: str
    reason: str

    def __post_init__(self) -> None:
        if not isinstance(self.tier, Tier):
            raise InvalidValue(
                f"alert {self.id!r}: unknown tier {self.tier!r} "
                f"(expected one of: {', '.join(TIERS)})"
            )
        if self.comparison not in COMPARISONS:
            raise InvalidValue(f"alert {self.id!r}: unknown comparison {self.comparison!r}")

    @property
    def condition(self) -> str:
        """The rule as written in the instrument file, e.g. ``phq9_9 > 0``."""
        return f"{self.subject} {self.comparison} {self.threshold}"

    def holds_for(self, value: int) -> bool:
        return COMPARISONS[self.comparison](value, self.threshold)


@dataclass(frozen=True)
class MinimalImportantChange:
    """The smallest change judged clinically meaningful, on the total or the percentage."""

    points: int
    scale: ChangeScale
    source: str


@dataclass(frozen=True)
class Instrument:
    """A validated questionnaire: its published wording, options, scoring and rules.

    Every item shares one set of options; the total is the plain sum of the answers.
    ``percentage_factor`` (WHO-5: 4) turns the raw total into a 0–100 score.
    """

    id: str
    name: str
    short_name: str
    citation: str
    timeframe: str
    instructions: str
    items: tuple[Item, ...]
    options: tuple[Option, ...]
    bands: tuple[Band, ...]
    alerts: tuple[AlertRule, ...] = ()
    higher_is_better: bool = False
    percentage_factor: int | None = None
    minimal_important_change: MinimalImportantChange | None = None
    languages: tuple[str, ...] = ("en",)
    notes: str = ""

    def __post_init__(self) -> None:
        if not self.items:
            raise InvalidValue(f"{self.id}: an instrument needs at least one item")
        if not self.options:
            raise InvalidValue(f"{self.id}: an instrument needs at least one option")
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise InvalidValue(f"{self.id}: item ids must be unique")
        values = [option.value for option in self.options]
        if len(set(values)) != len(values):
            raise InvalidValue(f"{self.id}: option values must be unique")
        self._check_bands()
        for rule in self.alerts:
            if rule.subject == SUBJECT_PERCENTAGE and self.percentage_factor is None:
                raise InvalidValue(f"alert {rule.id!r}: {self.id} has no percentage score")
            if rule.subject not in (SUBJECT_TOTAL, SUBJECT_PERCENTAGE) and rule.subject not in ids:
                raise InvalidValue(f"alert {rule.id!r}: {self.id} has no item {rule.subject!r}")
        mic = self.minimal_important_change
        if mic is not None and mic.scale == "percentage" and self.percentage_factor is None:
            raise InvalidValue(f"{self.id}: a percentage change needs a percentage score")

    def _check_bands(self) -> None:
        expected = self.min_total
        for band in sorted(self.bands, key=lambda b: b.min_total):
            if band.min_total != expected or band.max_total < band.min_total:
                raise InvalidValue(
                    f"{self.id}: band {band.id!r} should start at {expected} "
                    f"(bands must cover {self.min_total}–{self.max_total} "
                    "without gaps or overlaps)"
                )
            expected = band.max_total + 1
        if expected != self.max_total + 1:
            raise InvalidValue(
                f"{self.id}: bands must cover {self.min_total}–{self.max_total}, "
                f"they stop at {expected - 1}"
            )

    @property
    def min_total(self) -> int:
        return len(self.items) * min(option.value for option in self.options)

    @property
    def max_total(self) -> int:
        return len(self.items) * max(option.value for option in self.options)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def option_label(self, value: int) -> str:
        for option in self.options:
            if option.value == value:
                return option.label
        raise KeyError(value)

    def band_for(self, total: int) -> Band:
        for band in self.bands:
            if band.contains(total):
                return band
        raise InvalidValue(f"{self.id}: total {total} is outside {self.min_total}–{self.max_total}")

    def next_item(self, answers: Mapping[str, int]) -> Item | None:
        """The first unanswered item in published order, or ``None`` when all are answered."""
        return next((item for item in self.items if item.id not in answers), None)


@dataclass(frozen=True)
class Score:
    """The result of scoring one administration.

    Only a complete questionnaire has a ``total``, ``band`` and (WHO-5) ``percentage``:
    none of the four instruments is prorated here (see docs/questionnaires.md).
    """

    instrument_id: str
    total: int | None
    percentage: int | None
    band: str | None
    band_id: str | None
    complete: bool
    missing: tuple[str, ...]


@dataclass(frozen=True)
class QuestionnaireAlert:
    """A flag raised by the answers: tier and category as the screener's, and why."""

    tier: Tier
    category: str
    rule_id: str
    reason: str


@dataclass(frozen=True)
class Change:
    """Current score against baseline on the instrument's change scale.

    ``delta`` is current minus baseline (WHO-5: percentage points, otherwise raw points).
    ``clinically_meaningful`` is False when no minimal important change is published for
    the instrument; ``threshold`` is then ``None``.
    """

    delta: int
    clinically_meaningful: bool
    direction: Direction
    scale: ChangeScale
    threshold: int | None


def parse_condition(text: str) -> tuple[str, str, int]:
    """``"phq9_9 > 0"`` → ``("phq9_9", ">", 0)``; raise ``ValueError`` on anything else."""
    match = _CONDITION.fullmatch(text)
    if match is None:
        raise InvalidValue(
            f"condition {text!r} must read '<item id|total|percentage> "
            f"<{'|'.join(COMPARISONS)}> <whole number>'"
        )
    subject, comparison, number = match.groups()
    return subject, comparison, int(number)


def validate_answers(instrument: Instrument, answers: Mapping[str, int]) -> None:
    """Raise :class:`InvalidAnswer` for an unknown item id or a value no option offers."""
    known = set(instrument.item_ids)
    allowed = {option.value for option in instrument.options}
    for item_id, value in answers.items():
        if item_id not in known:
            raise InvalidAnswer(f"{instrument.id} has no item {item_id!r}")
        if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
            raise InvalidAnswer(f"{item_id}: {value!r} is not one of the answers {sorted(allowed)}")


def score(instrument: Instrument, answers: Mapping[str, int]) -> Score:
    """Sum the answers and find the band; an incomplete set gets no total."""
    validate_answers(instrument, answers)
    missing = tuple(item.id for item in instrument.items if item.id not in answers)
    if missing:
        return Score(instrument.id, None, None, None, None, False, missing)
    total = sum(answers[item_id] for item_id in instrument.item_ids)
    band = instrument.band_for(total)
    percentage = (
        None if instrument.percentage_factor is None else (total * instrument.percentage_factor)
    )
    return Score(instrument.id, total, percentage, band.label, band.id, True, ())


def alerts(
    instrument: Instrument, answers: Mapping[str, int], score: Score
) -> list[QuestionnaireAlert]:
    """The alerts these answers raise, most urgent first (ties in file order)."""
    validate_answers(instrument, answers)
    _check_belongs(instrument, score)
    raised: list[QuestionnaireAlert] = []
    for rule in instrument.alerts:
        if rule.subject == SUBJECT_TOTAL:
            value, shown = score.total, f"total {score.total}"
        elif rule.subject == SUBJECT_PERCENTAGE:
            value, shown = score.percentage, f"percentage {score.percentage}"
        else:
            value = answers.get(rule.subject)
            shown = (
                ""
                if value is None
                else (f"{rule.subject} answered {value} {instrument.option_label(value)!r}")
            )
        if value is not None and rule.holds_for(value):
            reason = f"{instrument.short_name}: {rule.reason} [{rule.condition}; {shown}]"
            raised.append(QuestionnaireAlert(rule.tier, rule.category, rule.id, reason))
    raised.sort(key=lambda alert: alert.tier, reverse=True)
    return raised


def change_from_baseline(instrument: Instrument, baseline: Score, current: Score) -> Change:
    """How the current score compares with baseline, and whether it matters clinically."""
    for which in (baseline, current):
        _check_belongs(instrument, which)
    mic = instrument.minimal_important_change
    scale: ChangeScale = mic.scale if mic is not None else "total"
    delta = _on_scale(current, scale) - _on_scale(baseline, scale)
    direction: Direction = "same"
    if delta:
        improved = delta > 0 if instrument.higher_is_better else delta < 0
        direction = "better" if improved else "worse"
    meaningful = mic is not None and abs(delta) >= mic.points
    return Change(delta, meaningful, direction, scale, None if mic is None else mic.points)


def _check_belongs(instrument: Instrument, result: Score) -> None:
    if result.instrument_id != instrument.id:
        raise InvalidValue(f"a {result.instrument_id} score cannot be read as {instrument.id}")


def _on_scale(result: Score, scale: ChangeScale) -> int:
    value = result.percentage if scale == "percentage" else result.total
    if not result.complete or value is None:
        raise InvalidValue(f"{result.instrument_id}: only complete questionnaires can be compared")
    return value
