"""The doses given at a dosing session: parsed from what staff type, written back as text.

``80mg@09:00`` is one dose (milligrams at a local wall time on the session's day). A
session's record is an initial dose and any supplemental ones, kept as one line of text,
``initial 80mg@09:00; supplemental 40mg@10:30``, which :func:`parse_record` reads back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from bot.domain.protocol import parse_time_of_day
from bot.errors import InvalidValue

__all__ = ["MAX_DOSE_MG", "Dose", "DoseRecord", "parse_dose", "parse_record"]

#: More than this in one dose is surely a typo (the reference protocol gives 80 to 180 mg).
MAX_DOSE_MG = 300
_DOSE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*mg\s*@\s*([0-9]{1,2}:[0-9]{2})\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Dose:
    """One dose: how much (mg) and at what local wall time."""

    mg: float
    at: time

    def __str__(self) -> str:
        amount = f"{self.mg:g}"
        return f"{amount}mg@{self.at:%H:%M}"


@dataclass(frozen=True)
class DoseRecord:
    """A dosing session's initial dose and its supplemental doses, in time order."""

    initial: Dose
    supplemental: tuple[Dose, ...] = ()

    def __post_init__(self) -> None:
        previous = self.initial.at
        for dose in self.supplemental:
            if dose.at <= previous:
                raise InvalidValue(
                    f"a supplemental dose ({dose}) must come after the one before it",
                    key="problem.dose_order",
                    dose=str(dose),
                )
            previous = dose.at

    def __str__(self) -> str:
        parts = [f"initial {self.initial}"] + [f"supplemental {d}" for d in self.supplemental]
        return "; ".join(parts)


def parse_dose(text: str) -> Dose:
    """``"80mg@09:00"`` as a :class:`Dose`; InvalidValue saying what is wrong."""
    match = _DOSE.fullmatch(text or "")
    if match is None:
        raise InvalidValue(f"{text!r} is not a dose like 80mg@09:00", key="problem.dose", dose=text)
    mg = float(match.group(1))
    if not 0 < mg <= MAX_DOSE_MG:
        raise InvalidValue(
            f"{text!r}: a dose is more than 0 and at most {MAX_DOSE_MG} mg",
            key="problem.dose",
            dose=text,
        )
    try:
        at = parse_time_of_day(match.group(2))
    except InvalidValue:
        raise InvalidValue(
            f"{text!r} is not a dose like 80mg@09:00", key="problem.dose", dose=text
        ) from None
    return Dose(mg, at)


def parse_record(text: str) -> DoseRecord:
    """A stored record (``initial 80mg@09:00; supplemental 40mg@10:30``) read back."""
    initial: Dose | None = None
    supplemental: list[Dose] = []
    for part in (p.strip() for p in text.split(";") if p.strip()):
        label, _, dose = part.partition(" ")
        if label == "initial" and initial is None:
            initial = parse_dose(dose)
        elif label == "supplemental":
            supplemental.append(parse_dose(dose))
        else:
            raise InvalidValue(
                f"{part!r} is not part of a dose record", key="problem.dose", dose=part
            )
    if initial is None:
        raise InvalidValue("a dose record needs its initial dose", key="problem.dose", dose=text)
    return DoseRecord(initial, tuple(supplemental))
