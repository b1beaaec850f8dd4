"""Scoring the screener on a clinic's own labelled cases (``ember screen --eval``).

A case is ``{"id", "text", "label"}`` with an optional ``"lang"`` and ``"upto"`` (the
highest tier still acceptable, where clinical meaning allows a range). ``label`` is a
tier name; ``benign`` is accepted for ``none``. The figures are the ones a clinic cares
about: how many crisis texts reach high or crisis, high texts high or above, moderate
texts moderate or above, and how many benign texts raise moderate or above (a false
alarm), overall and per language, with the misses listed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from bot.errors import InvalidValue

from .model import Tier, Verdict

ALIASES = {"benign": "none"}


class CaseFileError(InvalidValue):
    """A line of a case file is not a case; the message names the line."""


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    label: Tier
    lang: str | None = None
    upto: Tier | None = None


def _tier(value: object, line: int, what: str) -> Tier:
    if not isinstance(value, str):
        raise CaseFileError(f"line {line}: {what} must be a tier name")
    try:
        return Tier.from_label(ALIASES.get(value.strip().lower(), value))
    except ValueError as exc:
        raise CaseFileError(f"line {line}: {exc}") from None


def read_cases(lines: Iterable[str]) -> Iterator[Case]:
    """Parse JSONL case lines; raises :class:`CaseFileError` naming the bad line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except ValueError as exc:
            raise CaseFileError(f"line {number}: not JSON ({exc})") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
            raise CaseFileError(f'line {number}: needs "id", "text" and "label"')
        if "label" not in raw:
            raise CaseFileError(f'line {number}: needs a "label"')
        lang = raw.get("lang")
        yield Case(
            str(raw.get("id", number)),
            raw["text"],
            _tier(raw["label"], number, "label"),
            lang if isinstance(lang, str) and lang else None,
            _tier(raw["upto"], number, "upto") if raw.get("upto") else None,
        )


@dataclass(frozen=True)
class Measure:
    """One figure: which cases it counts, what counts as a hit, and its target."""

    name: str
    counts: Callable[[Case], bool]
    hit: Callable[[Case, Tier], bool]
    target: float
    higher_is_better: bool = True


MEASURES: tuple[Measure, ...] = (
    Measure(
        "crisis raised to high or crisis",
        lambda c: c.label == Tier.CRISIS,
        lambda c, t: t >= Tier.HIGH,
        0.90,
    ),
    Measure(
        "crisis raised to crisis",
        lambda c: c.label == Tier.CRISIS,
        lambda c, t: t >= Tier.CRISIS,
        0.0,
    ),
    Measure(
        "high raised to high or above",
        lambda c: c.label == Tier.HIGH,
        lambda c, t: t >= Tier.HIGH,
        0.85,
    ),
    Measure(
        "moderate raised to moderate or above",
        lambda c: c.label == Tier.MODERATE,
        lambda c, t: t >= Tier.MODERATE,
        0.80,
    ),
    Measure(
        "low raised to low or above", lambda c: c.label == Tier.LOW, lambda c, t: t >= Tier.LOW, 0.0
    ),
    Measure(
        "benign raised to moderate or above (false alarm)",
        lambda c: c.label == Tier.NONE and (c.upto or Tier.NONE) < Tier.MODERATE,
        lambda c, t: t >= Tier.MODERATE,
        0.04,
        higher_is_better=False,
    ),
)


@dataclass
class Row:
    measure: Measure
    cases: int = 0
    hits: int = 0

    @property
    def rate(self) -> float:
        return self.hits / self.cases if self.cases else 0.0

    @property
    def passed(self) -> bool:
        if self.measure.higher_is_better:
            return self.rate >= self.measure.target
        return self.rate < self.measure.target


@dataclass
class Report:
    rows: list[Row]
    by_language: dict[str, list[Row]]
    misses: list[tuple[Case, Verdict]] = field(default_factory=list)
    total: int = 0

    def as_json(self) -> dict[str, object]:
        def rows(rs: list[Row]) -> list[dict[str, object]]:
            return [
                {
                    "measure": r.measure.name,
                    "cases": r.cases,
                    "hits": r.hits,
                    "rate": round(r.rate, 4),
                    "target": r.measure.target,
                }
                for r in rs
            ]

        return {
            "total": self.total,
            "overall": rows(self.rows),
            "languages": {k: rows(v) for k, v in sorted(self.by_language.items())},
            "misses": [
                {
                    "id": c.id,
                    "lang": c.lang,
                    "label": c.label.label,
                    "got": v.tier.label,
                    "text": c.text,
                }
                for c, v in self.misses
            ],
        }


def missed(case: Case, tier: Tier) -> bool:
    """Whether a verdict falls outside what the case accepts, in the direction that matters."""
    if case.label == Tier.NONE:
        return tier > (case.upto or Tier.LOW)
    return tier < case.label or (case.upto is not None and tier > case.upto)


def evaluate(
    screen: Callable[[str, str | None], Verdict],
    cases: Iterable[Case],
    use_language: bool = True,
) -> Report:
    """Screen every case and tally the measures, overall and per language."""
    rows = [Row(m) for m in MEASURES]
    by_language: dict[str, list[Row]] = {}
    report = Report(rows, by_language)
    for case in cases:
        report.total += 1
        verdict = screen(case.text, case.lang if use_language else None)
        lang_rows = by_language.setdefault(case.lang or "?", [Row(m) for m in MEASURES])
        for row, lang_row in zip(rows, lang_rows, strict=True):
            if row.measure.counts(case):
                hit = row.measure.hit(case, verdict.tier)
                row.cases += 1
                row.hits += hit
                lang_row.cases += 1
                lang_row.hits += hit
        if missed(case, verdict.tier):
            report.misses.append((case, verdict))
    return report


def render(report: Report, misses: bool = False) -> str:
    """The report as a person reads it: one line a measure, PASS/FAIL against targets."""
    out = [f"{report.total} cases"]

    def line(row: Row) -> str:
        target = ""
        if row.measure.target:
            sign = "≥" if row.measure.higher_is_better else "<"
            target = f"  target {sign} {row.measure.target:.0%}  {'PASS' if row.passed else 'FAIL'}"
        return f"  {row.measure.name:<52} {row.rate:7.1%}  ({row.hits}/{row.cases}){target}"

    out += [line(r) for r in report.rows if r.cases]
    for code, rows in sorted(report.by_language.items()):
        out.append(f"language {code}")
        out += [line(r) for r in rows if r.cases]
    if misses:
        out.append(f"misses ({len(report.misses)})")
        for case, verdict in report.misses:
            out.append(
                f"  {case.id} [{case.lang or '?'}] want {case.label.label} got "
                f"{verdict.tier.label}: {case.text[:160]!r}"
            )
    return "\n".join(out)
